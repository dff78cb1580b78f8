"""What every pane has: an id, a title, its help, its palette commands and jump keys."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import ClassVar, NamedTuple

from textual.containers import Vertical

from netlab.core.events import Event


class PaneCommand(NamedTuple):
    """One action of a pane, as the command palette (Ctrl+P) lists it."""

    title: str
    """What a person would search for: "Stop server tcp/echo:1201"."""
    run: Callable[[], object]
    help: str = ""


class Pane(Vertical):
    """A pane of the lab. Subclasses set the class attributes and compose their content."""

    PANE_ID: ClassVar[str]
    TITLE: ClassVar[str]
    HELP: ClassVar[str] = ""
    """Markdown: what the pane does and which seed program it mirrors."""
    JUMP_KEYS: ClassVar[dict[str, str]] = {}
    """Widget id -> the key Go to (Ctrl+G) shows on it, the same every time."""

    def __init__(self) -> None:
        super().__init__(id=self.PANE_ID, classes="pane")

    def show_events(self, events: list[Event]) -> None:
        """A batch of lab events, drained from the bus on a timer; most panes ignore it."""

    def focus_first(self) -> None:
        """Put the focus where a person starts typing in this pane.

        Here and wherever a key moves the cursor, the screen's set_focus, not a widget's
        focus(): that one moves it only later, and a key typed just after went to the
        field the cursor was leaving.
        """
        for widget in self.query("Input"):
            self.screen.set_focus(widget)
            return

    def fit_layout(self) -> None:
        """Lay the pane's parts out for its size now (narrow, short): on every resize, and
        after every switch of views, which does not always send a resize."""

    def on_resize(self) -> None:
        self.fit_layout()

    def escape_cancels(self) -> bool:
        """Whether something is running that Escape stops, rather than leaving the view."""
        return False

    def commands(self) -> Iterator[PaneCommand]:
        """The pane's actions for the command palette, as things stand now."""
        yield from ()
