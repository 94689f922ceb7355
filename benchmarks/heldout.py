"""Pick the quality benchmark's held-out SICE references and write the exclusion list.

SICE Part 1 (as the Zero-DCE authors ship it) is a flat folder whose consecutive file numbers
are the exposures of one scene. Scenes are recovered by comparing 16x16 normalised thumbnails of
neighbouring files (exposures of one scene correlate > 0.6, a new scene < 0.3). Of the scenes
that have a well-exposed frame (mean level 0.35-0.6, under 3% clipped pixels), every 6th is held
out as a whole, so no exposure of a benchmark scene is ever trained on; its reference is that
frame (the one with mean level closest to 0.47).

Writes `heldout_sice.txt`: one file name per line, `# reference` after the chosen frames.
`zerodce train --exclude benchmarks/heldout_sice.txt` leaves all of them out.

    python benchmarks/heldout.py ../shared/datasets/SICE_part1_512
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent
LIST = HERE / "heldout_sice.txt"
EVERY = 6
SAME_SCENE = 0.6


def thumbnail(path: Path) -> tuple[np.ndarray, float, float]:
    with Image.open(path) as image:
        rgb = np.asarray(image.convert("RGB"), np.float32) / 255
    gray = np.asarray(Image.fromarray((rgb.mean(2) * 255).astype(np.uint8)).resize((16, 16)),
                      np.float32)
    centred = gray - gray.mean()
    clipped = float((rgb.max(2) >= 0.99).mean())
    return centred.ravel() / (centred.std() + 1e-6), float(rgb.mean()), clipped


def scenes(folder: Path) -> list[list[tuple[str, float, float]]]:
    names = sorted((p.name for p in folder.glob("*.jpg")), key=lambda n: int(Path(n).stem))
    groups: list[list[tuple[str, float, float]]] = []
    previous = None
    for name in names:
        thumb, mean, clipped = thumbnail(folder / name)
        if previous is None or float(thumb @ previous) / thumb.size < SAME_SCENE:
            groups.append([])
        groups[-1].append((name, mean, clipped))
        previous = thumb
    return groups


def usable(frame: tuple[str, float, float]) -> bool:
    """Well exposed: mean level 0.35-0.6 and under 3% clipped pixels."""
    return 0.35 <= frame[1] <= 0.6 and frame[2] < 0.03


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sice", type=Path)
    args = parser.parse_args()
    groups = scenes(args.sice)
    lines = [f"# {len(groups)} scenes found; every {EVERY}th with a well-exposed frame held out"]
    references = 0
    candidates = [g for g in groups if any(usable(frame) for frame in g)]
    for group in candidates[EVERY // 2 :: EVERY]:
        best = min(filter(usable, group), key=lambda g: abs(g[1] - 0.47))[0]
        references += 1
        lines += [name + ("  # reference" if name == best else "") for name, _, _ in group]
    LIST.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(groups)} scenes, {references} references, {len(lines) - 1} files held out")


if __name__ == "__main__":
    main()
