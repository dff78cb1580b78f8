"""The Client pane (being built)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from netlab.tui.panes.base import Pane


class ClientPane(Pane):
    PANE_ID = "client"
    TITLE = "Client"
    HELP = "# Client\n\nThis pane is being built."

    def compose(self) -> ComposeResult:
        yield Static("The Client pane is being built.", classes="hint")
