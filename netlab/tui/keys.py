"""Alt+digit the way terminals really send it.

Pilot sends key names; a terminal sends bytes, and Alt+2 reaches the app in one of
three shapes, by terminal and setting:

- ESC then `2`: xterm with metaSendsEscape, tmux, screen, GNOME/VTE, Windows
  Terminal, kitty without its keyboard protocol, iTerm2 and macOS Terminal with
  "Option as Meta", WezTerm on macOS.
- `\\x1b[50;3u`: kitty's keyboard protocol, which Textual reads as alt+2 already.
- One character: macOS Option+digit without "Option as Meta" (US layout `¡™£¢∞`),
  and xterm's default eight-bit input, which sets the high bit of `2` (`²`).

Textual reads ESC-then-digit as the macOS Option characters (its table does that for
WezTerm), so in tmux Alt+2 types `™`. `read_escape_digit_as_alt` makes those entries
read as alt+digit, at once: left out of the table, ESC-then-digit would wait for the
escape delay, and an Escape pressed within it would type `^1`. The single-character
forms cannot be told from typing the character, so the app binds them only where the
character could never be wanted (see `ALT_DIGIT_CHARACTERS`).

Whatever the terminal does, Escape then the digit (no modifier at all) does the same.
"""

from __future__ import annotations

from typing import NamedTuple, cast

from textual import _ansi_sequences

ALT_DIGIT_CHARACTERS: dict[int, str] = {
    1: "¡±",
    2: "™²",
    3: "£³",
    4: "¢\u00b4",  # an acute accent
    5: "∞µ",
    6: "§¶",
}
"""For each digit, what Alt+digit types where the terminal sends no escape: macOS
Option+digit on a US layout, then xterm's eight-bit meta (0x80 | the digit)."""


class KeyName(NamedTuple):
    """A key as the parser's table holds one: the parser makes a key of its `value`."""

    value: str


def read_escape_digit_as_alt() -> None:
    """Make ESC-then-digit read as alt+digit (Textual's table reads it as `¡™£¢∞`…)."""
    # A dict typed as a Mapping; the parser looks keys up in it on every sequence.
    table = cast(dict[str, object], _ansi_sequences.ANSI_SEQUENCES_KEYS)
    for digit in "0123456789":
        table[f"\x1b{digit}"] = (KeyName(f"alt+{digit}"),)
