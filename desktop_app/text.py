"""Counts as people read them ("1 photo", "2 photos and 1 video"), for labels read at a glance."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from zerodce_core.video import is_video_file


def count(n: int, noun: str) -> str:
    """"1 photo", "3 photos", "0 files"."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def count_media(paths: Iterable[Path]) -> str:
    """"3 photos", "1 video", "2 photos and 1 video": what a queue holds."""
    paths = list(paths)
    videos = sum(1 for p in paths if is_video_file(p))
    parts = [count(n, noun) for n, noun in ((len(paths) - videos, "photo"), (videos, "video"))
             if n]
    return " and ".join(parts) or "nothing"
