"""What every pane has: an id, a title, a key and the help F1 shows for it."""

from __future__ import annotations

from typing import ClassVar

from textual.containers import Vertical

from netlab.core.events import Event


class Pane(Vertical):
    """A pane of the lab. Subclasses set the class attributes and compose their content."""

    PANE_ID: ClassVar[str]
    TITLE: ClassVar[str]
    HELP: ClassVar[str] = ""
    """Markdown: what the pane does and which seed program it mirrors."""

    def __init__(self) -> None:
        super().__init__(id=self.PANE_ID, classes="pane")

    def show_events(self, events: list[Event]) -> None:
        """A batch of lab events, drained from the bus on a timer; most panes ignore it."""

    def focus_first(self) -> None:
        """Put the focus where a person starts typing in this pane."""
        for widget in self.query("Input"):
            widget.focus()
            return
