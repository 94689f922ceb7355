"""Compare two enhancement models on real low-light photos without ground truth.

Prints a markdown table of per-image means over a folder (DICM by default):
output brightness, exposure loss against E, colour-constancy error, a noise
estimate (Immerkaer's fast estimator on luminance, in 8-bit levels; scikit-
image's wavelet estimator would need PyWavelets) and the share of
clipped pixels (any channel >= 254/255, the over-brightened highlights Zero-DCE
is known for). The input row is the reference for noise and clipping.
Optionally writes a contact sheet (input | official | ours) to look at.

    python benchmarks/compare_models.py --ours resources/models/default.safetensors \
        --official /path/to/Epoch99.pth --data /path/to/DICM --contact /tmp/contact.png
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageOps

from zerodce_core.checkpoint import load_checkpoint
from zerodce_core.curves import apply_curves, apply_curves_
from zerodce_core.data import IMAGE_SUFFIXES
from zerodce_core.losses import DEFAULT_EXPOSURE_LEVEL, color_constancy, exposure_control
from zerodce_core.model import CurveNet

METRICS = ("brightness", "exposure loss", "colour error", "noise sigma", "clipped %")
CLIP_LEVEL = 254 / 255


def enhance(model: CurveNet, image: torch.Tensor, strength: float | None = None) -> torch.Tensor:
    """Full-resolution fp32 enhancement of a 1x3xHxW batch in [0, 1], optionally at a strength."""
    with torch.no_grad():
        maps = model(image)
        if strength is None:
            return apply_curves(image, maps, model.iterations).clamp(0, 1)
        return apply_curves_(image.clone(), maps, strength, model.iterations)


def noise_sigma(image: torch.Tensor) -> float:
    """Immerkaer (1996): the mean |Laplacian-difference| response measures the noise sigma."""
    gray = image.mean(1, keepdim=True)
    kernel = torch.tensor([[1.0, -2.0, 1.0], [-2.0, 4.0, -2.0], [1.0, -2.0, 1.0]])[None, None]
    response = F.conv2d(gray, kernel).abs()
    return float(response.mean()) * math.sqrt(math.pi / 2) / 6


def measure(image: torch.Tensor, level: float) -> dict[str, float]:
    return {
        "brightness": float(image.mean()),
        "exposure loss": float(exposure_control(image, level)),
        "colour error": float(color_constancy(image)),
        "noise sigma": noise_sigma(image) * 255,
        "clipped %": float((image >= CLIP_LEVEL).any(1).float().mean()) * 100,
    }


def load_image(path: Path) -> torch.Tensor:
    with Image.open(path) as raw:
        rgb = np.asarray(ImageOps.exif_transpose(raw).convert("RGB"), dtype=np.float32) / 255
    return torch.from_numpy(rgb).permute(2, 0, 1)[None].contiguous()


def contact_sheet(rows: list[list[torch.Tensor]], path: Path, width: int = 320) -> None:
    """One row per photo: input | official | ours, each scaled to `width` px."""
    tiles = []
    for row in rows:
        scaled = []
        for image in row:
            array = (image[0].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
            tile = Image.fromarray(array)
            scaled.append(tile.resize((width, round(tile.height * width / tile.width)),
                                      Image.Resampling.LANCZOS))
        tiles.append(scaled)
    height = sum(row[0].height for row in tiles) + 4 * len(tiles)
    sheet = Image.new("RGB", (3 * width + 8, height), "white")
    top = 0
    for row in tiles:
        for column, tile in enumerate(row):
            sheet.paste(tile, (column * (width + 4), top))
        top += row[0].height + 4
    sheet.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ours", type=Path, required=True)
    parser.add_argument("--official", type=Path, required=True)
    parser.add_argument("--data", type=Path, required=True, help="folder of low-light photos")
    parser.add_argument("--exposure-level", type=float, default=DEFAULT_EXPOSURE_LEVEL)
    parser.add_argument("--contact", type=Path, help="write an input|official|ours PNG here")
    parser.add_argument("--contact-images", default="01,03,10,27,45,60",
                        help="comma-separated file stems for the contact sheet")
    parser.add_argument("--ours-strength", type=float,
                        help="also measure ours at this strength (0..iterations), e.g. to "
                             "compare at the official model's brightness")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(True)  # the official weights are 24% subnormal floats
    models = {"official": load_checkpoint(args.official).model,
              "ours": load_checkpoint(args.ours).model}
    paths = sorted(p for p in args.data.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    wanted = set(args.contact_images.split(","))
    strength_row = f"ours at strength {args.ours_strength}"
    row_names = ["input", *models] + ([strength_row] if args.ours_strength is not None else [])
    totals = {name: dict.fromkeys(METRICS, 0.0) for name in row_names}
    rows = []
    for path in paths:
        image = load_image(path)
        outputs = {"input": image, **{name: enhance(m, image) for name, m in models.items()}}
        if args.ours_strength is not None:
            outputs[strength_row] = enhance(models["ours"], image, args.ours_strength)
        for name, output in outputs.items():
            for metric, value in measure(output, args.exposure_level).items():
                totals[name][metric] += value / len(paths)
        if path.stem in wanted:
            rows.append([outputs[name] for name in ("input", *models)])

    print(f"{len(paths)} images from {args.data}, means per image; E = {args.exposure_level}\n")
    print("| model | " + " | ".join(METRICS) + " |")
    print("|---" * (len(METRICS) + 1) + "|")
    for name, values in totals.items():
        print(f"| {name} | " + " | ".join(f"{values[m]:.4f}" for m in METRICS) + " |")
    if args.contact and rows:
        contact_sheet(rows, args.contact)
        print(f"\ncontact sheet (input | official | ours): {args.contact}")


if __name__ == "__main__":
    main()
