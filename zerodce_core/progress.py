"""How long work reports progress and is stopped, the same way everywhere in the core.

Two channels, one rule (stopping never leaves a partial file):

- Work made of separate steps a front end shows one by one (a batch's files, a video's
  frames, training's steps) is a generator of frozen events; the caller stops it between
  events by closing it, or simply by not asking for the next one.
- Work inside one call (the network's tiles, the frames of a video inside a batch) takes a
  `progress(done, total)` callback. The callback may show the figures, block to pause, or
  raise `errors.Cancelled` to stop right there.

Front ends pass a callback only to the functions that use it; nothing else in the core knows
about threads, jobs or widgets.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Called after each of `total` steps; may block (pause) or raise Cancelled (stop)."""

    def __call__(self, done: int, total: int) -> None: ...


def format_duration(seconds: float) -> str:
    """"42 s", "3 min 05 s", "1 h 02 min": a time left is read at a glance, not computed."""
    seconds = round(max(0.0, seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"
