"""How often each file of a Ray job was started, so a file that kills its worker is not
retried forever.

Ray restarts an actor that died and repeats the task it was running, without limit for Ray
Data's actor pools. The workers ask this counter (a tiny actor of its own, outside any
worker that may die) before each file and give the file up after `ATTEMPTS` starts. It
imports nothing, so its process loads neither torch nor the engine.
"""

from __future__ import annotations

#: Starts of one file before it is reported failed instead of tried again.
ATTEMPTS = 3


class Attempts:
    """Counts starts per row index; run as a Ray actor (`ray.remote(Attempts)`)."""

    def __init__(self) -> None:
        self.counts: dict[int, int] = {}

    def start(self, index: int) -> int:
        """Record one more start of row `index`; how many there have been, this one included."""
        self.counts[index] = self.counts.get(index, 0) + 1
        return self.counts[index]
