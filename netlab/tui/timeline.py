"""Ctrl+L: a connection as one timeline, both ends when the lab holds both (a session
of the Client pane and a server of the lab; netlab.core.timeline), else the one it
holds, kept up to date while it is open."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from netlab.core.endpoints import address_text
from netlab.core.lab import Lab
from netlab.core.timeline import Moment, Timeline, kernel_states

REFRESH = 0.5
"""Seconds between redraws: new events, and what the kernel says of each end now."""


class TimelineScreen(ModalScreen[None]):
    """One session's connection: each end's doings and TCP state, in time order."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,ctrl+l,q", "dismiss", "Close timeline", id="close-timeline"),
    ]

    def __init__(self, find: Callable[[], Timeline | None]) -> None:
        """`find` lays the timeline out (a session's, or a server connection's)."""
        super().__init__()
        self._find = find
        self._drawn: Timeline | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="timeline-box"):
            yield Static(id="timeline-title")
            yield DataTable(id="timeline-table", cursor_type="row", zebra_stripes=True)
            yield Static(id="timeline-kernel")

    def on_mount(self) -> None:
        self.redraw()
        self.set_interval(REFRESH, self.redraw)

    def redraw(self) -> None:
        timeline = self._find()
        if timeline is None:
            return
        kernel = kernel_states(timeline)
        said = "  ".join(f"{party}: {state}" for party, state in kernel.items())
        self.query_one("#timeline-kernel", Static).update(
            Text(f"The kernel now (/proc/net/tcp): {said}" if said else "", style="dim")
        )
        if timeline == self._drawn:  # nothing new on this connection
            return
        self._drawn = timeline
        self.query_one("#timeline-title", Static).update(_title(timeline))
        table = self.query_one("#timeline-table", DataTable)
        at_end = table.cursor_row >= table.row_count - 1
        table.clear(columns=True)
        table.add_columns(
            "time", "end", "TCP state", "what it did (→ to the server, ← to the client)"
        )
        for moment in timeline.moments:
            table.add_row(*_row(moment))
        if at_end and table.row_count:
            table.move_cursor(row=table.row_count - 1)


def listening(lab: Lab) -> dict[str, str]:
    """Each lab server's name and where it listens: how a timeline finds a connection's
    server among them."""
    return {
        name: address_text(server.address)
        for name, server in dict(lab.servers).items()
        if server.address is not None
    }


def _title(timeline: Timeline) -> Text:
    name = timeline.session or timeline.server
    title = Text(f"{name}: {timeline.client_end} → {timeline.server_end}", "bold")
    if timeline.server is None:
        title.append("  (the server is not in the lab: this end only)", "dim")
    if timeline.session is None:
        title.append("  (the client is not in the lab: this end only)", "dim")
    if timeline.forgotten:
        title.append(f"  ({timeline.forgotten:,} earlier events not kept)", "dim")
    return title


def _row(moment: Moment) -> tuple[str, str, Text, str]:
    """time, which end, the state it left that end in, and what it did; the arrow is
    the way the data went: → from the client to the server, ← back."""
    text = moment.text
    if moment.flow:
        to_server = (moment.flow == "out") == (moment.party == "client")
        text = f"{'→' if to_server else '←'} {text}"
    return _wall(moment.time), moment.party, Text(moment.state, style="bold"), text


def _wall(stamp: float) -> str:
    """A monotonic event time as the wall clock's HH:MM:SS.mmm."""
    wall = datetime.fromtimestamp(time.time() - (time.monotonic() - stamp))
    return wall.strftime("%H:%M:%S.%f")[:-3]
