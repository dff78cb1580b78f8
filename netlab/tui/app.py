"""NetlabApp: the lab's window, four panes and a split view of Client and Servers."""

from __future__ import annotations

import asyncio
from pathlib import Path, PurePath
from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Footer, Header, Tab, Tabs

from netlab.core.lab import Lab
from netlab.tui.commands import LabCommands
from netlab.tui.help import HelpScreen
from netlab.tui.panes.address import AddressPane
from netlab.tui.panes.base import Pane
from netlab.tui.panes.client import ClientPane
from netlab.tui.panes.lookup import LookupPane
from netlab.tui.panes.servers import ServersPane

SPLIT = "split"
VIEWS = {
    "address": "Address",
    "lookup": "Lookup",
    "client": "Client",
    "servers": "Servers",
    SPLIT: "Client + Servers",
}
_HERE = Path(__file__).parent


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
        # Digits switch views when no input has the focus; Alt+digit works everywhere.
        *(
            Binding(keys, f"show('{view}')", title, show=False, id=f"view-{view}")
            for number, (view, title) in enumerate(VIEWS.items(), start=1)
            for keys in [f"{number},alt+{number}"]
        ),
    ]

    DRAIN_INTERVAL = 0.1
    """Seconds between taking the lab's events off the bus and showing them in one batch."""

    def __init__(self, *, lab: Lab | None = None) -> None:
        super().__init__()
        self.lab = lab if lab is not None else Lab()
        """Every server and client session started from the app; all stop when it quits."""

    def on_mount(self) -> None:
        self.set_interval(self.DRAIN_INTERVAL, self.drain_events)

    def drain_events(self) -> None:
        """Show everything that happened since the last tick, one batch per pane."""
        events = self.lab.bus.drain()
        for pane in self.query(Pane):
            pane.show_events(events)

    async def on_unmount(self) -> None:
        await asyncio.to_thread(self.lab.close)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Tabs(*(Tab(title, id=f"tab-{view}") for view, title in VIEWS.items()), id="views")
        with Horizontal(id="panes", classes="show-address"):
            yield AddressPane()
            yield LookupPane()
            yield ClientPane()
            yield ServersPane()
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
        first = "client" if view == SPLIT else view
        self.query_one(f"#{first}", Pane).focus_first()

    def action_show(self, view: str) -> None:
        self.query_one(Tabs).active = f"tab-{view}"

    def action_help(self) -> None:
        view = self.view
        panes = ["client", "servers"] if view == SPLIT else [view]
        text = "\n\n".join(self.query_one(f"#{pane}", Pane).HELP for pane in panes)
        self.push_screen(HelpScreen(text + _KEYS_HELP))


_KEYS_HELP = """

## Keys

- **1 to 5** (or **Alt+1 to 5** while typing): Address, Lookup, Client, Servers, and Client +
  Servers side by side
- **Ctrl+P**: the command palette · **F1**: this help · **Ctrl+Q**: quit
"""
