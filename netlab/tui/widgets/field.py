"""Field: the app's text input, which knows which characters cannot be its text.

Where a terminal sends no escape for Alt, Alt+2 arrives as a character (`™` from
macOS Option+2, `²` from xterm's eight-bit input; see netlab.tui.keys). An Input
takes every printable character, so Textual drops the app's bindings for them while
an Input has the cursor. An address, a port or a host name never holds those
characters, so a Field leaves them to the app's key bindings; a free-text field (a
message to send, a filter) keeps them as text.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Input

from netlab.tui.keys import ALT_DIGIT_CHARACTERS

NEVER_TEXT = frozenset("".join(ALT_DIGIT_CHARACTERS.values()))


class Field(Input):
    """An Input; unless `free_text`, Alt+digit typed as a character switches views."""

    def __init__(self, *args: Any, free_text: bool = False, **options: Any) -> None:
        super().__init__(*args, **options)
        self.free_text = free_text
        """Whether any character may be text here (a message, a filter)."""

    def check_consume_key(self, key: str, character: str | None) -> bool:
        if not self.free_text and character in NEVER_TEXT:
            return False
        return super().check_consume_key(key, character)
