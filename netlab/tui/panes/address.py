"""The Address pane (being built)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from netlab.tui.panes.base import Pane


class AddressPane(Pane):
    PANE_ID = "address"
    TITLE = "Address"
    HELP = "# Address\n\nThis pane is being built."

    def compose(self) -> ComposeResult:
        yield Static("The Address pane is being built.", classes="hint")
