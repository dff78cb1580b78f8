"""NetlabApp: the lab's window. For now the four panes are named and waiting."""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Header, Static, TabbedContent, TabPane

PANES = {
    "address": ("Address", "Address and subnet calculator. Today: netlab calc 192.168.1.3/24"),
    "lookup": (
        "Lookup",
        "Names, addresses, DNS records, ports, ping. Today: netlab host localhost",
    ),
    "client": ("Client", "A TCP/UDP console to chat with a server."),
    "servers": ("Servers", "Echo, daytime and friends running on loopback, with live logs."),
}


class NetlabApp(App[None]):
    """The terminal network lab."""

    TITLE = "netlab"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="quit"),
        *(
            Binding(str(number), f"show_pane('{pane}')", title, id=f"pane-{pane}")
            for number, (pane, (title, _)) in enumerate(PANES.items(), start=1)
        ),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(id="panes"):
            for pane, (title, summary) in PANES.items():
                with TabPane(title, id=pane):
                    yield Static(summary, classes="summary")
        yield Footer()

    def action_show_pane(self, pane: str) -> None:
        self.query_one(TabbedContent).active = pane
