"""Argument types that check ranges while the command line is parsed.

A value outside its range is refused as a usage error, naming the range, before anything
heavy loads or any file is touched; the message is the one the option dataclasses give
(`validate.in_range`), so the library and the command line say the same thing.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

from ..validate import OptionError, in_range


def number(name: str, low: float, high: float = math.inf, *,
           integer: bool = False) -> Callable[[str], float]:
    """An argparse `type` reading a number (whole if `integer`) in [low, high]."""
    def parse(text: str) -> float:
        try:
            value: float = int(text) if integer else float(text)
        except ValueError:
            try:
                value = float(text)  # "1.5" for a whole number: say the range, not "invalid"
            except ValueError:
                raise argparse.ArgumentTypeError(f"{name} must be a number, not {text!r}"
                                                 ) from None
        try:
            return in_range(name, value, low, high, integer=integer)
        except OptionError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parse.__name__ = name  # argparse names the type in its own messages
    return parse
