"""The lab's central scenario, end to end through the UI: start an echo server in the
Servers pane, connect the Client to it, send `hello`, and see it come back while the
server's log shows the connection and both messages — and how that looks, mid-chat.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from datetime import datetime

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input
from textual.widgets.data_table import CellDoesNotExist

from netlab.core.events import Event
from netlab.core.servers.base import ConnectionInfo, ServerBase
from netlab.tui.app import NetlabApp
from netlab.tui.panes.servers import ServersPane
from netlab.tui.timeline import TimelineScreen
from netlab.tui.widgets.transcript import Transcript
from tests.loopback import first_free_port
from tests.tui.running import running
from tests.waits import until

PORTS = (29901, 29902, 29903, 29904)
"""Where the snapshot's echo server listens: fixed, so the picture is the same each run."""


def _transcript(app: NetlabApp) -> str:
    return "\n".join(strip.text for t in app.query(Transcript) for strip in t.lines)


def _server_log(app: NetlabApp) -> str:
    return "\n".join(app.query_one(ServersPane).event_log.lines)


async def _chat(pilot: Pilot[None], port: int = 0) -> str:
    """The README's tour: start the echo server, connect from the split view, say hello.

    Keys only, and a handful of them: Alt+4, Enter, Alt+5, Enter, hello, Enter.
    """
    app = pilot.app
    assert isinstance(app, NetlabApp)
    await pilot.press("alt+4")
    if port:  # the snapshot's fixed port, typed where the cursor already is
        await pilot.press(*str(port))
    await pilot.press("enter")
    await until(pilot, lambda: len(app.lab.servers) == 1, "the echo server to start")
    [server] = app.lab.servers.values()
    where = "{}:{}".format(*server.address)
    await pilot.press("alt+5")
    # The client's address field already holds the new server's address.
    await until(pilot, lambda: app.query_one("#client-endpoint", Input).value == where, "it")
    await pilot.press("enter")
    await until(pilot, lambda: len(app.lab.sessions) == 1, "the client to connect")
    await until(pilot, lambda: app.focused is app.query_one("#client-message"), "the cursor")
    await pilot.press(*"hello", "enter")
    await until(pilot, lambda: "← " in _transcript(app) or "←" in _transcript(app), "the echo")
    await until(pilot, lambda: " sent " in _server_log(app), "the server's log")
    return str(server.name)


async def test_start_echo_connect_send_hello_and_watch_the_log() -> None:
    app = NetlabApp()
    async with running(app, size=(120, 40)) as pilot:
        name = await _chat(pilot)
        assert app.view == "split"
        transcript = _transcript(app)
        assert "hello\\n" in transcript
        assert transcript.count("hello") == 2  # once sent, once back
        # However the log lays its lines out at this width, all of the story is there.
        log = " ".join(_server_log(app).split())
        places = [log.find(f" {kind} ") for kind in ("listening", "accepted", "received", "sent")]
        assert -1 not in places and places == sorted(places), log
        assert "6 bytes hello\\n" in log
        assert name.startswith("tcp/echo:")
        # Ctrl+D, then Ctrl+L: the connection's two ends in time, the client's close first,
        # so its end waits in TIME_WAIT (and the kernel, asked now, says so too).
        await pilot.press("ctrl+d")
        await until(pilot, lambda: "closed" in _transcript(app), "the close", 5)
        await pilot.press("ctrl+l")
        assert isinstance(app.screen, TimelineScreen)
        table = app.screen.query_one(DataTable)

        def ends_and_states() -> list[tuple[str, str]]:
            rows = (table.get_row_at(row) for row in range(table.row_count))
            return [(str(row[1]), str(row[2])) for row in rows if str(row[2])]

        await until(pilot, lambda: ("client", "TIME_WAIT") in ends_and_states(), "TIME_WAIT", 5)
        assert ends_and_states()[-4:] == [
            ("client", "FIN_WAIT1"),
            ("server", "CLOSE_WAIT"),
            ("server", "LAST_ACK"),
            ("client", "TIME_WAIT"),
        ]
        await pilot.press("escape")
        assert not isinstance(app.screen, TimelineScreen)
        # The server's side offers the same timeline, from its connections (the palette).
        [from_server] = [
            command
            for command in app.query_one(ServersPane).commands()
            if command.title.startswith(f"Timeline of {name}'s connection from 127.0.0.1:")
        ]
        from_server.run()
        await until(pilot, lambda: app.screen.query(DataTable), "the timeline", 5)
        table = app.screen.query_one(DataTable)
        await until(pilot, lambda: ("client", "TIME_WAIT") in ends_and_states(), "both ends", 5)
        await pilot.press("escape")
        started = time.monotonic()
    assert time.monotonic() - started < 2  # quitting stopped the server and the session
    assert app.lab.servers == {} and app.lab.sessions == {}


def _steady_app() -> NetlabApp:
    """An app whose events name a fixed client port, so the picture never changes."""
    app = NetlabApp()
    publish = app.lab.bus.publish

    def steady(event: Event) -> None:
        if event.peer and not event.source.startswith("client"):
            event = dataclasses.replace(event, peer="127.0.0.1:50000")
        if event.detail.startswith("from 127.0.0.1:"):
            event = dataclasses.replace(event, detail="from 127.0.0.1:50000")
        publish(event)

    app.lab.bus.publish = steady  # type: ignore[method-assign]
    return app


def _steady_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Servers pane's connections table reads the servers, not the events: name the
    same fixed client port there."""
    listed = ServerBase.connections

    def steady(server: ServerBase, limit: int | None = None) -> list[ConnectionInfo]:
        return [dataclasses.replace(c, peer="127.0.0.1:50000") for c in listed(server, limit)]

    monkeypatch.setattr(ServerBase, "connections", steady)


def test_split_view_mid_chat(
    snap_compare: Callable[..., bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    port = first_free_port(PORTS)
    monkeypatch.setattr(Transcript, "clock", lambda moment: datetime(2024, 5, 1, 12, 0, 7))
    _steady_connections(monkeypatch)

    async def run_before(pilot: Pilot[None]) -> None:
        pilot.app.query_one(ServersPane).event_log.clock = lambda _moment: "12:00:07"
        await _chat(pilot, port)
        for field in pilot.app.query(Input):
            field.cursor_blink = False
        pane = pilot.app.query_one(ServersPane)
        pane.reset_rates()
        # What the snapshot shows of the server: one message each way, and its peer.
        [name] = pane.lab.servers
        servers, peers = pane.server_table, pane.peer_table
        columns = ("open", "total", "msgs_in", "msgs_out", "bytes_in", "bytes_out")

        def shown() -> bool:
            try:
                counts = [servers.get_cell(name, column) for column in columns]
                peer = [peers.get_cell("127.0.0.1:50000", column) for column in columns[-2:]]
            except CellDoesNotExist:
                return False
            return counts == ["1", "1", "1", "1", "6", "6"] and peer == ["6", "6"]

        await until(pilot, shown, "the server's counts and its peer in the tables")
        await pilot.pause()  # the repaint

    assert snap_compare(_steady_app(), terminal_size=(120, 36), run_before=run_before)


def test_help_screen(snap_compare: Callable[..., bool]) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.press("alt+5", "f1")
        await pilot.pause()

    assert snap_compare(NetlabApp(), terminal_size=(100, 32), run_before=run_before)
