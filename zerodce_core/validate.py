"""Argument checks shared by the library API and the front ends.

A NaN or out-of-range number does not fail loudly by itself: NaN strength crashes deep in
the render kernel, NaN smoothing turns every video frame after the first black, a tile size
of 0 returns the input unchanged. So options are checked where they are made (the option
dataclasses' `__post_init__`, the Engine) with a message that names the allowed range, and
the command line's argument types call the same checks.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

from .errors import ZeroDCEError
from .text import shown


class OptionError(ZeroDCEError, ValueError):
    """An option or argument is outside what it may be; the message names the range."""


def in_range(name: str, value: object, low: float, high: float = math.inf, *,
             integer: bool = False) -> float:
    """`value` if it is a finite (whole, if `integer`) number in [low, high], else OptionError."""
    kind = "a whole number" if integer else "a number"
    if high == math.inf:
        span = f"of at least {_show(low)}"
    else:
        span = f"from {_show(low)} to {_show(high)}"
    number = isinstance(value, Integral) if integer else isinstance(value, Real)
    if isinstance(value, bool) or not number or not math.isfinite(value) or not (
            low <= value <= high):
        raise OptionError(f"{name} must be {kind} {span}, not {shown(value)}")
    return value


def optional_in_range(name: str, value: object, low: float, high: float = math.inf, *,
                      integer: bool = False) -> float | None:
    """`in_range`, letting None (automatic) through."""
    return None if value is None else in_range(name, value, low, high, integer=integer)


def one_of(name: str, value: object, choices: tuple[object, ...]) -> object:
    if value not in choices:
        raise OptionError(f"{name} must be one of {', '.join(map(repr, choices))}, "
                          f"not {shown(value)}")
    return value


def _show(bound: float) -> str:
    return str(int(bound)) if float(bound).is_integer() else str(bound)
