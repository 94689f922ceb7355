"""The gamma-correction baseline: what a single global curve does at the same brightness.

Users understand Zero-DCE best next to plain gamma correction with the gamma that gives the
same mean brightness: the difference is then only in *where* the light went (local curves
lift shadows without washing out highlights). `matched_gamma` solves for that gamma,
`comparison_sheet` lays out input | gamma | Zero-DCE, and `write_contact_pdf` gathers the
sheets of a folder into one PDF.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .output import OutputGuard
from .pixels import merge_channels, split_channels, to_bit_depth

GAMMA_RANGE = (0.05, 20.0)
LABELS = ("input", "gamma {gamma:.2f}", "Zero-DCE")


def gamma_correct(image: np.ndarray, gamma: float) -> np.ndarray:
    """`image ** (1 / gamma)` on 0..1 values through a lookup table; alpha is untouched."""
    rgb, alpha, gray = split_channels(image)
    return merge_channels(_table(rgb.dtype, gamma)[rgb], alpha, gray)


def matched_gamma(image: np.ndarray, target_mean: float, *, tolerance: float = 1e-4) -> float:
    """The gamma whose correction of `image` has mean `target_mean` (in 0..1), by bisection.

    The mean of x ** (1/g) rises monotonically with g, so bisection on log(g) converges;
    it runs on the image's histogram, so each step costs 256 (or 65536) values, not pixels.
    Targets out of reach return the nearest end of GAMMA_RANGE.
    """
    rgb, _, _ = split_channels(image)
    peak = np.iinfo(rgb.dtype).max
    counts = np.bincount(rgb.ravel(), minlength=peak + 1).astype(np.float64)
    values = np.arange(peak + 1) / peak
    weights = counts / counts.sum()
    low, high = np.log(GAMMA_RANGE[0]), np.log(GAMMA_RANGE[1])
    while high - low > tolerance:
        middle = (low + high) / 2
        if weights @ values ** np.exp(-middle) < target_mean:
            low = middle
        else:
            high = middle
    return float(np.exp((low + high) / 2))


def gamma_like(source: np.ndarray, enhanced: np.ndarray) -> tuple[float, np.ndarray]:
    """(gamma, corrected source) with the enhanced image's mean brightness: the app's view."""
    rgb, _, _ = split_channels(enhanced)
    gamma = matched_gamma(source, float(rgb.mean()) / np.iinfo(rgb.dtype).max)
    return gamma, gamma_correct(source, gamma)


def comparison_sheet(source: np.ndarray, enhanced: np.ndarray, *, panel: int = 640,
                     title: str = "") -> Image.Image:
    """input | matched gamma | Zero-DCE side by side, labelled, each panel `panel` px wide."""
    gamma, corrected = gamma_like(source, enhanced)
    labels = [label.format(gamma=gamma) for label in LABELS]
    images = [_to_rgb8(a) for a in (source, corrected, enhanced)]
    height = max(1, round(panel * images[0].shape[0] / images[0].shape[1]))
    font_size = max(12, panel // 32)
    font = ImageFont.load_default(size=font_size)
    bar = font_size * 2
    top = bar if title else 0
    sheet = Image.new("RGB", (panel * 3, top + height + bar), "white")
    draw = ImageDraw.Draw(sheet)
    if title:
        draw.text((8, bar // 4), title, fill="black", font=font)
    for i, (pixels, label) in enumerate(zip(images, labels)):
        tile = Image.fromarray(pixels).resize((panel, height), Image.Resampling.LANCZOS)
        sheet.paste(tile, (i * panel, top))
        draw.text((i * panel + panel // 2, top + height + bar // 2), label, fill="black",
                  font=font, anchor="mm")
    return sheet


def write_contact_pdf(path: str | Path, sheets: Sequence[str | Path],
                      guard: OutputGuard | None = None) -> Path:
    """One page per comparison sheet (JPEG/PNG files), written through `guard` (default:
    replace an existing file).

    Pillow's PDF writer holds every page in memory, so JPEG sheets are decoded at half size
    (DCT scaling, ~1.5 MB a page for 640 px panels): a folder of a few hundred stays small.
    """
    if not sheets:
        raise ValueError("no comparison sheets to put in a PDF")
    path = Path(path)
    pages = []
    for sheet in sheets:
        with Image.open(sheet) as image:
            image.draft("RGB", (image.width // 2, image.height // 2))
            pages.append(image.convert("RGB"))
    with (guard or OutputGuard()).writing(path) as tmp:
        pages[0].save(tmp, format="PDF", save_all=True, append_images=pages[1:],
                      resolution=100.0, title="Zero-DCE vs gamma correction")
    return path


def _table(dtype: np.dtype, gamma: float) -> np.ndarray:
    peak = np.iinfo(dtype).max
    curve = (np.arange(peak + 1) / peak) ** (1.0 / gamma)
    return np.round(curve * peak).astype(dtype)


def _to_rgb8(image: np.ndarray) -> np.ndarray:
    rgb, _, _ = split_channels(image)
    return to_bit_depth(rgb, 8)
