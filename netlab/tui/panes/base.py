"""What every pane has: an id, a title, its help, its palette commands and jump keys."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, Protocol, runtime_checkable

from textual.containers import Vertical

from netlab.tui.panes import pane_entry

if TYPE_CHECKING:
    from netlab.core.events import Event


class PaneCommand(NamedTuple):
    """One action of a pane, as the command palette (Ctrl+P) lists it."""

    title: str
    """What a person would search for: "Stop server tcp/echo:1201"."""
    run: Callable[[], object]
    help: str = ""


@runtime_checkable
class PaneHost(Protocol):
    """What a pane may ask of the app it lives in."""

    def show_pane(self, pane_id: str) -> None:
        """Put the pane on screen, unless a view showing it is in front already."""


class Pane(Vertical):
    """A pane of the lab. Subclasses set PANE_ID and the other class attributes, and
    compose their content.

    PANE_ID names the pane's entry in `netlab.tui.panes.PANES`, the one list of panes:
    TITLE and SUMMARY come from there, set as the class is made.
    """

    PANE_ID: ClassVar[str]
    TITLE: ClassVar[str]
    """Its tab's label (from its entry in netlab.tui.panes.PANES)."""
    SUMMARY: ClassVar[str]
    """Its view's line in the command palette (from its entry)."""
    HELP: ClassVar[str] = ""
    """Markdown: what the pane does and which seed program it mirrors."""
    JUMP_KEYS: ClassVar[dict[str, str]] = {}
    """Widget id -> the key Go to (Ctrl+G) shows on it, the same every time."""

    def __init_subclass__(cls, **options: Any) -> None:
        super().__init_subclass__(**options)
        if "PANE_ID" not in cls.__dict__:
            return  # a base for panes, not a pane
        entry = pane_entry(cls.PANE_ID)
        if (entry.module, entry.class_name) != (cls.__module__, cls.__qualname__):
            raise TypeError(f"PANES has {cls.PANE_ID!r} as {entry.module}.{entry.class_name}")
        if cls.__dict__.get("TITLE", entry.title) != entry.title:
            raise TypeError(f"{cls.__name__}.TITLE differs from its entry in PANES")
        cls.TITLE = entry.title
        cls.SUMMARY = entry.summary

    def __init__(self) -> None:
        super().__init__(id=self.PANE_ID, classes="pane")

    async def finish_building(self) -> None:
        """Mount what the pane leaves out of its first frame: the app calls it just after.

        The first pane, built before the app's first frame, may compose only what that
        frame shows; the others, built after it, compose everything at once.
        """

    def bring_into_view(self) -> None:
        """Show this pane, unless a view showing it is in front already (the split)."""
        host = self.app
        if isinstance(host, PaneHost):
            host.show_pane(self.PANE_ID)

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
