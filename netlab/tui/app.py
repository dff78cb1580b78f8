"""NetlabApp: the lab's window, four panes and a split view of Client and Servers."""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path, PurePath
from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Footer, Header, Tab, Tabs

from netlab.core.lab import Lab
from netlab.tui.commands import LabCommands
from netlab.tui.panes.address import AddressPane
from netlab.tui.panes.base import Pane

SPLIT = "split"
VIEWS = {
    "address": "Address",
    "lookup": "Lookup",
    "client": "Client",
    "servers": "Servers",
    SPLIT: "Client + Servers",
}
_HERE = Path(__file__).parent
DRAIN_LIMIT = 5_000
"""Events taken off the bus a tick (50,000 a second): a few ms of the UI thread's time."""


class NetlabApp(App[None]):
    """The terminal network lab."""

    TITLE = "netlab"
    COMMANDS = App.COMMANDS | {LabCommands}
    CSS_PATH: ClassVar[list[str | PurePath]] = [
        _HERE / "netlab.tcss",
        *sorted((_HERE / "panes").glob("*.tcss")),
    ]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", id="quit"),
        Binding("f1", "help", "Help", id="help"),
        # A digit switches views from the tab bar (where a digit is not text); Alt+digit
        # works from anywhere and puts the cursor in the view's first field.
        *(
            Binding(str(number), f"show('{view}')", title, show=False, id=f"view-{view}")
            for number, (view, title) in enumerate(VIEWS.items(), start=1)
        ),
        *(
            Binding(f"alt+{number}", f"show('{view}', True)", title, show=False)
            for number, (view, title) in enumerate(VIEWS.items(), start=1)
        ),
        Binding("escape", "to_tabs", "Views", show=False, id="to-tabs"),
    ]

    DRAIN_INTERVAL = 0.1
    """Seconds between taking the lab's events off the bus and showing them in one batch."""

    def __init__(self, *, lab: Lab | None = None) -> None:
        super().__init__()
        self.lab = lab if lab is not None else Lab()
        """Every server and client session started from the app; all stop when it quits."""
        self._enter_view = False
        self.panes_built = False
        """Whether every pane is mounted: only Address is, until just after the first frame."""

    def on_mount(self) -> None:
        self.set_interval(self.DRAIN_INTERVAL, self.drain_events)
        self.query_one(Tabs).focus()
        # The hidden panes are most of the widgets: built after the first frame, they
        # let the Address view appear in a third of the time.
        self.call_after_refresh(self._build_hidden_panes)

    async def _build_hidden_panes(self) -> None:
        panes = self.query_one("#panes")
        if not panes.is_attached:
            return  # quitting before they were needed
        # Imported here too: their modules (and what they use) are not needed for the first frame.
        from netlab.tui.panes.client import ClientPane
        from netlab.tui.panes.lookup import LookupPane
        from netlab.tui.panes.servers import ServersPane

        await panes.mount(LookupPane(), ClientPane(), ServersPane())
        # What start-up made (modules, widgets, styles) lives as long as the app: frozen,
        # the collector stops going through it on every full collection, which under a
        # flooded log cut the longest key-press waits by two thirds (bench/app_bench.py).
        # Thawed as the app ends (on_unmount), so another app in the process can free it.
        gc.freeze()
        self.panes_built = True
        self._focus_view(self.view)  # an Alt+digit pressed while they were being built

    def drain_events(self) -> None:
        """Show what happened since the last tick: at most DRAIN_LIMIT events.

        A flood beyond that waits on the bus, which drops (and counts) the oldest once
        full: the UI thread's work per tick stays bounded, so keys are never held up
        for long, and what is on screen is always the newest.
        """
        if not self.panes_built:
            return  # what happens meanwhile waits on the bus for the panes that show it
        events = self.lab.bus.drain(limit=DRAIN_LIMIT)
        if events:
            for pane in self.query(Pane):
                pane.show_events(events)

    async def on_unmount(self) -> None:
        gc.unfreeze()
        await asyncio.to_thread(self.lab.close)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Tabs(*(Tab(title, id=f"tab-{view}") for view, title in VIEWS.items()), id="views")
        with Horizontal(id="panes", classes="show-address"):
            yield AddressPane()  # the others are built after the first frame: see on_mount
        yield Footer()

    @property
    def view(self) -> str:
        """The view on screen: a pane id or "split"."""
        active = self.query_one(Tabs).active or "tab-address"
        return active.removeprefix("tab-")

    def on_tabs_tab_activated(self, event: Tabs.TabActivated) -> None:
        view = (event.tab.id or "tab-address").removeprefix("tab-")
        panes = self.query_one("#panes")
        panes.set_classes(f"show-{view}")
        self._focus_view(view)

    def action_show(self, view: str, enter: bool = False) -> None:
        """Show a view; with `enter`, also put the cursor in its first field."""
        tabs = self.query_one(Tabs)
        self._enter_view = enter
        if tabs.active == f"tab-{view}":
            self._focus_view(view)
        tabs.active = f"tab-{view}"

    def action_to_tabs(self) -> None:
        """Escape: back to the tab bar, where digits and arrows switch views."""
        self.query_one(Tabs).focus()

    def _focus_view(self, view: str) -> None:
        first = "client" if view == SPLIT else view
        if self._enter_view and self.query(f"#{first}"):
            self._enter_view = False
            self.query_one(f"#{first}", Pane).focus_first()

    def action_help(self) -> None:
        # Imported on first use: the Markdown widget it needs costs 40 ms at startup.
        from netlab.tui.help import HelpScreen

        view = self.view
        panes = ["client", "servers"] if view == SPLIT else [view]
        text = "\n\n".join(pane.HELP for pane in self.query(Pane) if pane.id in panes)
        self.push_screen(HelpScreen(text + _KEYS_HELP))


_KEYS_HELP = """

## Keys

- **1 to 5** on the tab bar, or **Alt+1 to 5** from anywhere: Address, Lookup, Client,
  Servers, and Client + Servers side by side
- **Tab** moves into a view's fields, **Escape** back to the tab bar
- **Ctrl+P**: the command palette · **F1**: this help · **Ctrl+Q**: quit
"""
