"""Text from inside files is shown plain: no escape sequences, no control characters, cut."""

from zerodce_core.text import plain_text, shown


def test_escape_sequences_and_controls_are_removed_newlines_and_tabs_kept():
    hostile = ("title\x1b]0;new window title\x07 \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ "
               "\x1b[1A\x1b[2K\x1b[38;5;196mred\x1b[0m \x9b31mc1\x1bPdevice\x1b\\ \x1bc"
               "\ta\r\nb\rc\x07\x08\x00 \u202edesrever\u2066")
    assert plain_text(hostile, 1000) == "title link red c1 \ta\nbc desrever"


def test_ordinary_text_is_unchanged():
    card = ("# Model card\n\n| a | b |\n|---|---|\n\tcode: x = x + a*(x*x - x)\n"
            "Ümlaut, 日本語, emoji 👩‍💻")
    assert plain_text(card, 1000) == card


def test_long_text_is_cut_and_says_so():
    text = plain_text("a" * 150, 100)
    assert text == "a" * 100 + "\n[... cut: 150 characters, the first 100 shown]"


def test_shown_quotes_escapes_and_cuts():
    assert shown("\x1b[2J") == "'\\x1b[2J'"
    assert shown("x" * 500) == "'" + "x" * 59 + "..."
