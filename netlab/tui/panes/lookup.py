"""The Lookup pane (being built)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from netlab.tui.panes.base import Pane


class LookupPane(Pane):
    PANE_ID = "lookup"
    TITLE = "Lookup"
    HELP = "# Lookup\n\nThis pane is being built."

    def compose(self) -> ComposeResult:
        yield Static("The Lookup pane is being built.", classes="hint")
