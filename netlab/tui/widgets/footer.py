"""KeysFooter: Textual's Footer, with the keys of where the cursor is kept first.

Textual's Footer lists the keys of the focused widget, then of its panes, then the
app's own. At 80 columns the Client's five keys fill the line and the app's last key
was cut in half (`^q` with no word). Here the app's keys that do not fit are left
out whole, the least needed first; F1 lists them all.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.compose import compose
from textual.events import Resize
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey, FooterLabel, KeyGroup

PALETTE_WIDTH = 13
"""Columns the command palette key takes at the right edge."""


def _width(widget: Widget) -> int:
    if widget.has_class("-command-palette"):
        return 0  # counted in PALETTE_WIDTH
    if isinstance(widget, FooterKey):
        if widget.has_class("-grouped"):
            return cell_len(widget.key_display)
        return cell_len(widget.key_display) + cell_len(widget.description) + 3
    if isinstance(widget, KeyGroup):
        return sum(_width(child) for child in widget._pending_children) + 1
    if isinstance(widget, FooterLabel):
        return cell_len(str(widget.content)) + 2
    return 0


class KeysFooter(Footer):
    """A Footer that drops the app's own keys, least needed first, when they do not fit."""

    DROPPABLE: ClassVar[tuple[str, ...]] = ("quit", "help", "jump", "to_tabs")
    """The app's actions whose keys may be left out, in the order they go."""

    def compose(self) -> ComposeResult:
        # Composed here, so key groups arrive whole with their keys inside.
        shown = compose(self, super().compose())
        room = (self.size.width or self.app.size.width) - PALETTE_WIDTH
        for action in self.DROPPABLE:
            if sum(_width(widget) for widget in shown) <= room:
                break
            shown = [widget for widget in shown if not _is_app_key(widget, action)]
        yield from shown

    def on_resize(self, event: Resize) -> None:
        if self._bindings_ready:
            self.call_after_refresh(self.recompose)


def _is_app_key(widget: Widget, action: str) -> bool:
    return isinstance(widget, FooterKey) and widget.action in _names(action)


def _names(action: str) -> Iterable[str]:
    return (action, f"app.{action}")
