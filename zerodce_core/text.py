"""Text that comes from inside a file, made fit to show: plain, printable, of bounded length.

A model card (or any name stored in a file) is written by whoever made the file. Printed
to a terminal, its escape sequences can move the cursor, recolour or retitle the window,
rewrite lines printed before it (a forged "file: bundled model") and, in some terminals,
make the terminal answer with input of its own; bidirectional-override characters reorder
what is read; a megabyte of text buries everything else. So such text is shown as plain
characters: escape sequences and control characters removed (newlines and tabs kept),
cut at a length that says it was cut.
"""

from __future__ import annotations

import re
import unicodedata

#: Terminal escape sequences: CSI (colours, cursor moves), OSC (titles, links, clipboard),
#: DCS/SOS/PM/APC strings, the two-byte ESC forms, and the 8-bit CSI/OSC introducers.
_ESCAPE_SEQUENCES = re.compile(
    r"""
      \x1b\[ [0-?]* [ -/]* [@-~]?                 # CSI: parameters, intermediates, final
    | \x9b   [0-?]* [ -/]* [@-~]?
    | (?:\x1b\]|\x9d) [^\x07\x1b\x9c]* (?:\x07|\x1b\\|\x9c)?   # OSC ... BEL or ST
    | (?:\x1b[PX^_]|[\x90\x98\x9e\x9f]) [^\x1b\x9c]* (?:\x1b\\|\x9c)?  # DCS, SOS, PM, APC
    | \x1b [ -/]* [0-~]?                          # any other ESC sequence
    """,
    re.VERBOSE,
)
_KEPT_CONTROLS = frozenset("\n\t")
#: Characters that reorder the text around them ("Trojan source") or hide in it.
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                           "\u2066\u2067\u2068\u2069")


def plain_text(text: str, limit: int) -> str:
    """`text` without escape sequences and control characters, at most about `limit`
    characters long (a longer text is cut and ends with a note saying so)."""
    text = _ESCAPE_SEQUENCES.sub("", text.replace("\r\n", "\n"))
    text = "".join(char for char in text if _printable(char))
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n[... cut: {len(text):,} characters, the first {limit:,} shown]"


def shown(value: object, width: int = 60) -> str:
    """`value` quoted for a message: its repr (control characters escaped), cut to `width`."""
    text = repr(value)
    return text if len(text) <= width else text[:width] + "..."


def _printable(char: str) -> bool:
    if char in _KEPT_CONTROLS:
        return True
    return unicodedata.category(char) != "Cc" and char not in _BIDI_CONTROLS
