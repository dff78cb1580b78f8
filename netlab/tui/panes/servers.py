"""The Servers pane (being built)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from netlab.tui.panes.base import Pane


class ServersPane(Pane):
    PANE_ID = "servers"
    TITLE = "Servers"
    HELP = "# Servers\n\nThis pane is being built."

    def compose(self) -> ComposeResult:
        yield Static("The Servers pane is being built.", classes="hint")
