"""Quality benchmark: synthetic low-light pairs, well-exposed photos, and real night photos.

No real paired data ships with the project, so pairs are made reproducibly (fixed seed) from
held-out, well-exposed SICE frames (`heldout_sice.txt`, chosen by `heldout.py`; never trained
on) by the physical camera model in `zerodce_core.noise`: sRGB -> linear, exposure cut by
1/4..1/50, Poisson shot + Gaussian read noise on a Bayer mosaic, bilinear demosaic (noise
correlated across pixels and colours), sRGB, 8 bits, JPEG for half of them.

Sections (each printed as a Markdown table):
1. calibration: noise measured the same way (flattest blocks, `measure_noise`) in the dark
   levels of the real DICM photos and of the synthetic inputs;
2. dark: PSNR / SSIM of each method's output against the reference, mean output level, and
   detail kept (high-frequency energy of the output / reference in textured patches);
3. well-exposed: the references fed as inputs: PSNR of output against input (a good photo
   must come out nearly unchanged);
4. real (DICM, no reference): mean level, clipped highlights, noise in flat regions, before
   and after.

Methods (rows): this checkout's defaults (bundled curve model, automatic exposure, learned
noise reduction), the same without noise reduction, other checkpoints given with --model
(e.g. the previous bundled model, the official Zero-DCE / Zero-DCE++ weights, run through our
engine at full strength), the old bilateral noise reduction at its best setting, and a gamma
curve matched to each reference's mean (an oracle for exposure alone).

    python benchmarks/quality.py --sice ../shared/datasets/SICE_part1_512 \\
        --dicm ../shared/datasets/DICM --model old=/tmp/old.safetensors \\
        --model zerodce=../shared/peer_weights/zerodce_official_Epoch99.pth --sheet /tmp/q.png
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from zerodce_core.engine import Engine
from zerodce_core.noise import CameraNoise, measure_noise, synthesize_low_light
from zerodce_core.pipeline import Look, develop, estimate

HERE = Path(__file__).resolve().parent
SEED = 2026
Method = Callable[[np.ndarray], np.ndarray]


# --------------------------------------------------------------------------- metrics


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 99.0 if mse == 0 else 10 * math.log10(255.0**2 / mse)


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Wang et al. 2004: 11x11 Gaussian window (sigma 1.5), per channel, averaged."""
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    scores = []
    for c in range(3):
        x, y = a[..., c].astype(np.float64), b[..., c].astype(np.float64)

        def blur(v: np.ndarray) -> np.ndarray:
            return cv2.GaussianBlur(v, (11, 11), 1.5)

        mx, my = blur(x), blur(y)
        vx, vy, cxy = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
        num = (2 * mx * my + c1) * (2 * cxy + c2)
        den = (mx * mx + my * my + c1) * (vx + vy + c2)
        scores.append(float(np.mean(num / den)))
    return float(np.mean(scores))


def detail_kept(out: np.ndarray, ref: np.ndarray) -> float:
    """High-frequency energy of `out` / `ref` in the reference's most textured 16x16 patches.

    1.0 = texture as in the reference; < 1 smoothed ("plastic"), > 1 noisier or sharper.
    """
    def energy(image: np.ndarray) -> np.ndarray:
        gray = image.astype(np.float32).mean(axis=2)
        high = gray - cv2.GaussianBlur(gray, (0, 0), 1.5)
        h, w = (s // 16 * 16 for s in gray.shape)
        return (high[:h, :w] ** 2).reshape(h // 16, 16, w // 16, 16).mean((1, 3)).ravel()

    ref_energy, out_energy = energy(ref), energy(out)
    textured = ref_energy >= np.quantile(ref_energy, 0.8)
    return float(out_energy[textured].sum() / max(ref_energy[textured].sum(), 1e-9))


def clipped(image: np.ndarray) -> float:
    return float((image.max(axis=2) >= 254).mean())


def noise_levels(image: np.ndarray) -> float:
    """Noise in 8-bit levels at the photo's own typical level (flattest blocks)."""
    profile = measure_noise(image)
    level = np.clip(image.mean() / 255, profile.levels[0], profile.levels[-1])
    return float(np.mean([np.interp(level, profile.levels, s) for s in profile.sigma]) * 255)


# --------------------------------------------------------------------------- data


def load_rgb(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def references(sice: Path) -> list[tuple[str, np.ndarray]]:
    names = [line.split("#")[0].strip() for line in
             (HERE / "heldout_sice.txt").read_text().splitlines() if "# reference" in line]
    return [(name, load_rgb(sice / name)) for name in names]


def dark_pairs(refs: list[tuple[str, np.ndarray]]) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(name, dark noisy input, reference), reproducible from SEED."""
    rng = np.random.default_rng(SEED)
    pairs = []
    for name, ref in refs:
        shot = CameraNoise.draw(rng)
        noisy, _ = synthesize_low_light(ref, shot, rng)
        pairs.append((name, noisy, ref))
    return pairs


# --------------------------------------------------------------------------- methods


def engine_method(engine: Engine, denoise: float | None) -> Method:
    """The photo pipeline at default settings (automatic exposure, curves, learned noise
    reduction), as the app, the CLI and the batch run it; `denoise` as `Look.denoise`."""
    look = Look(denoise=denoise)

    def run(image: np.ndarray) -> np.ndarray:
        return develop(engine, estimate(engine, image, look), look)
    return run


def bilateral_method(engine: Engine, strength: float) -> Method:
    from bilateral_baseline import bilateral_denoise

    def run(image: np.ndarray) -> np.ndarray:
        return bilateral_denoise(engine.enhance(image), image, strength)
    return run


def gamma_to(ref_mean: float) -> Method:
    """A global gamma curve bringing the input's mean to `ref_mean` (exposure oracle)."""
    def run(image: np.ndarray) -> np.ndarray:
        x = image.astype(np.float64) / 255
        low, high = 0.05, 1.0
        for _ in range(40):
            g = (low + high) / 2
            low, high = (low, g) if (x**g).mean() < ref_mean else (g, high)
        return np.clip((x ** ((low + high) / 2)) * 255 + 0.5, 0, 255).astype(np.uint8)
    return run


# --------------------------------------------------------------------------- sections


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def calibration(pairs: list, dicm: list[tuple[str, np.ndarray]]) -> str:
    def dark_noise(image: np.ndarray) -> float:
        profile = measure_noise(image)
        return float(profile.sigma[:, 1:4].mean() * 255)  # levels 0.06-0.25

    real = [dark_noise(im) for _, im in dicm]
    synthetic = [dark_noise(noisy) for _, noisy, _ in pairs]
    rows = [[name] + [f"{np.percentile(v, q):.2f}" for q in (10, 50, 90)]
            for name, v in (("DICM (real)", real), ("synthetic inputs", synthetic))]
    return table(["noise at levels 0.06-0.25 (8-bit levels)", "p10", "median", "p90"], rows)


def dark_section(methods: dict[str, Method], pairs: list, sheet: list) -> str:
    rows = []
    for label, method in methods.items():
        scores, started = [], time.perf_counter()
        for i, (_, noisy, ref) in enumerate(pairs):
            out = gamma_to(ref.mean() / 255)(noisy) if method is None else method(noisy)
            scores.append((psnr(out, ref), ssim(out, ref), out.mean(), detail_kept(out, ref)))
            if i < 4:
                sheet.append((label, i, out))
        p, s, m, d = np.mean(scores, axis=0)
        rows.append([label, f"{p:.2f}", f"{s:.3f}", f"{m:.0f}", f"{d:.2f}",
                     f"{(time.perf_counter() - started) / len(pairs):.2f}"])
    mean_ref = np.mean([ref.mean() for _, _, ref in pairs])
    rows.append(["(references)", "-", "-", f"{mean_ref:.0f}", "1.00", "-"])
    return table(["method", "PSNR dB", "SSIM", "mean level", "detail kept", "s/image"], rows)


def well_exposed_section(methods: dict[str, Method], refs: list) -> str:
    rows = []
    for label, method in methods.items():
        if method is None:
            continue
        values = [psnr(method(ref), ref) for _, ref in refs]
        rows.append([label, f"{np.mean(values):.2f}", f"{np.min(values):.2f}"])
    return table(["method", "PSNR vs input, mean dB", "worst dB"], rows)


def colour_shift(image: np.ndarray, source: np.ndarray) -> float:
    """How far the output's overall colour moved from the input's: L1 distance of the mean
    colours' chromaticities (r, g, b over their sum), in percent. A lift that keeps the
    photo's colours scores ~0; a green or blue cast a few percent."""
    def chromaticity(im: np.ndarray) -> np.ndarray:
        mean = im.reshape(-1, 3).astype(np.float64).mean(axis=0) + 1e-6
        return mean / mean.sum()
    return float(np.abs(chromaticity(image) - chromaticity(source)).sum() * 100)


def real_section(methods: dict[str, Method], dicm: list) -> str:
    """All DICM photos, then the dark ones (mean < 0.15: mostly night scenes)."""
    dark = [(name, im) for name, im in dicm if im.mean() < 0.15 * 255]

    def stats(images: list[np.ndarray], sources: list[np.ndarray]) -> list[str]:
        return [f"{np.mean([im.mean() for im in images]):.0f}",
                f"{100 * np.mean([clipped(im) for im in images]):.2f}",
                f"{np.mean([noise_levels(im) for im in images]):.2f}",
                f"{np.mean([colour_shift(im, src) for im, src in zip(images, sources)]):.2f}"]

    rows = []
    for subset, photos in (("all", dicm), (f"dark ({len(dark)})", dark)):
        sources = [im for _, im in photos]
        rows.append([f"(input), {subset}"] + stats(sources, sources))
        for label, method in methods.items():
            if method is not None:
                rows.append([f"{label}, {subset}"] + stats([method(im) for im in sources],
                                                           sources))
    return table(["method", "mean level", "clipped %", "noise (levels)", "colour shift %"], rows)


def contact_sheet(path: Path, pairs: list, sheet: list, labels: list[str]) -> None:
    """Rows: 4 synthetic scenes; columns: input, each method, reference (256 px tiles)."""
    tile = 256
    columns = ["input", *labels, "reference"]
    canvas = np.full((4 * tile + 20, len(columns) * tile, 3), 255, np.uint8)
    for c, name in enumerate(columns):
        cv2.putText(canvas, name[:28], (c * tile + 4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.4,
                    (0, 0, 0), 1, cv2.LINE_AA)
    for row in range(4):
        _, noisy, ref = pairs[row]
        images = {"input": noisy, "reference": ref}
        images.update({label: out for label, i, out in sheet if i == row})
        for c, name in enumerate(columns):
            small = cv2.resize(images[name], (tile, tile), interpolation=cv2.INTER_AREA)
            canvas[20 + row * tile : 20 + (row + 1) * tile, c * tile : (c + 1) * tile] = small
    Image.fromarray(canvas).save(path)


def dicm_sheet(path: Path, dicm: list, methods: dict[str, Method | None]) -> None:
    """The 5 darkest real photos: input, input brightened by gamma to the default's mean,
    and each method; beside each, a 200 px crop at 100% from the darkest busy region."""
    darkest = sorted(dicm, key=lambda item: item[1].mean())[:5]
    labels = [label for label, method in methods.items() if method is not None]
    tile, crop = 320, 200
    rows = []
    for _, image in darkest:
        outputs = {label: methods[label](image) for label in labels}
        gamma = gamma_to(outputs[labels[0]].mean() / 255)(image)
        columns = [("input", image), ("gamma, same mean", gamma), *outputs.items()]
        h, w = image.shape[:2]
        gray = cv2.GaussianBlur(image.mean(axis=2), (0, 0), 8)
        inner = gray[crop // 2 : h - crop // 2, crop // 2 : w - crop // 2]
        y, x = np.unravel_index(np.argmin(inner), inner.shape)
        cells = []
        for name, out in columns:
            scale = tile / max(h, w)
            small = cv2.resize(out, (round(w * scale), round(h * scale)),
                               interpolation=cv2.INTER_AREA)
            cell = np.full((tile + crop + 24, tile, 3), 255, np.uint8)
            cell[20 : 20 + small.shape[0], : small.shape[1]] = small
            cell[tile + 24 :, :crop] = out[y : y + crop, x : x + crop]
            cv2.putText(cell, name[:38], (2, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1,
                        cv2.LINE_AA)
            cells.append(cell)
        rows.append(np.concatenate(cells, axis=1))
    Image.fromarray(np.concatenate(rows, axis=0)).save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sice", type=Path, required=True, help="SICE_part1_512 folder")
    parser.add_argument("--dicm", type=Path, help="DICM folder (real photos, no reference)")
    parser.add_argument("--model", action="append", default=[], metavar="LABEL=PATH",
                        help="also score this curve checkpoint (its own per-channel colours, "
                        "automatic strength, no denoise)")
    parser.add_argument("--bilateral", type=float, nargs="*", default=[0.5, 1.0],
                        help="old bilateral noise reduction strengths to score")
    parser.add_argument("--sheet", type=Path, help="write a contact sheet PNG here")
    parser.add_argument("--dicm-sheet", type=Path,
                        help="write the darkest DICM photos, whole and at 100%%, here")
    parser.add_argument("--curves", type=Path, help="curve model of the default rows "
                        "(default: the bundled one)")
    parser.add_argument("--denoiser", type=Path, help="noise model of the default rows "
                        "(default: the bundled one)")
    args = parser.parse_args()

    refs = references(args.sice)
    pairs = dark_pairs(refs)
    dicm = [(p.name, load_rgb(p)) for p in sorted(args.dicm.glob("*.jpg"))] if args.dicm else []
    default = Engine(args.curves, denoiser=args.denoiser)
    methods: dict[str, Method | None] = {
        "default (auto exposure + learned NR)": engine_method(default, None),
        "default, NR off": engine_method(default, 0),
        "default, colour from the model": engine_method(
            Engine(args.curves, denoiser=args.denoiser, colour="model"), None),
    }
    for strength in args.bilateral:
        methods[f"curves + old bilateral {strength}"] = bilateral_method(default, strength)
    for spec in args.model:
        label, path = spec.split("=", 1)
        methods[label] = engine_method(Engine(path, colour="model"), 0)  # as they were made
    methods["gamma matched to reference mean"] = None
    sheet: list = []
    print(f"{len(refs)} held-out references, {len(dicm)} DICM photos, seed {SEED}\n")
    if dicm:
        print("## Noise calibration\n\n" + calibration(pairs, dicm) + "\n")
    print("## Dark synthetic pairs\n\n" + dark_section(methods, pairs, sheet) + "\n")
    print("## Well-exposed inputs\n\n" + well_exposed_section(methods, refs) + "\n")
    if dicm:
        print("## Real photos (DICM)\n\n" + real_section(methods, dicm) + "\n")
    if args.dicm_sheet and dicm:
        dicm_sheet(args.dicm_sheet, dicm, methods)
        print(f"DICM sheet: {args.dicm_sheet}")
    if args.sheet:
        contact_sheet(args.sheet, pairs, sheet, list(methods))
        print(f"contact sheet: {args.sheet}")


if __name__ == "__main__":
    main()
