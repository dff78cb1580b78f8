"""Snapshots of the Servers pane after a scripted exchange, on fixed ports and a fixed clock.

Everything that varies from run to run is pinned: the servers listen on fixed ports
(TCP and UDP sharing one), the clients connect from fixed ports, the log's clock
(`EventLog.clock`) and the servers' clock (`ServersPane.server_clock`) are fixed, and
the messages-per-second graphs are reset once the exchange is over. A test whose
ports are taken on this machine is skipped rather than failed.
"""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select
from textual.widgets.data_table import CellDoesNotExist, ColumnKey

from netlab.tui.app import NetlabApp
from netlab.tui.panes.servers import ServersPane
from netlab.tui.widgets.eventlog import EventLog
from tests.loopback import can_bind
from tests.waits import until

WAIT = 5.0
MOMENT = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture
def clients() -> Iterator[list[socket.socket]]:
    """Client sockets, closed after the app has quit (so the servers close first)."""
    made: list[socket.socket] = []
    yield made
    for sock in made:
        sock.close()


COUNTS = ("open", "total", "msgs_in", "msgs_out", "bytes_in", "bytes_out")
"""The servers table's columns of counts."""


async def _wait_for(pilot: Pilot[None], condition: Callable[[], object]) -> None:
    await until(pilot, condition, "the screen to come to its state", WAIT)


def _cells(table: DataTable[str], row: str, columns: Iterable[str]) -> list[str]:
    """What a row of `table` shows in `columns`; [] while there is no such row."""
    try:
        return [str(table.get_cell(row, column)) for column in columns]
    except CellDoesNotExist:
        return []


def _script(
    view: str, server_port: int, tcp_client: int, udp_client: int, made: list[socket.socket]
) -> Callable[[Pilot[None]], object]:
    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, NetlabApp)
        await pilot.press(view)
        pane = app.query_one(ServersPane)
        pane.event_log.clock = lambda _moment: "12:00:00"
        pane.server_clock = lambda: MOMENT
        for kind, transport in (("echo", "tcp"), ("daytime", "udp")):
            app.query_one("#servers-kind", Select).value = kind
            app.query_one("#servers-transport", Select).value = transport
            app.query_one("#servers-port", Input).value = str(server_port)
            await pilot.click("#servers-start")
            name = f"{transport}/{kind}:{server_port}"
            await _wait_for(pilot, lambda name=name: name in app.lab.servers)  # type: ignore[misc]

        tcp = socket.socket()
        made.append(tcp)
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        tcp.settimeout(WAIT)
        tcp.bind(("127.0.0.1", tcp_client))
        tcp.connect(("127.0.0.1", server_port))
        said = (b"hello\n", b"\x1b[2J[bold]x[/bold]\n")
        for data in said:
            tcp.sendall(data)
            assert tcp.recv(100) == data
        # The echo's last event is published just after its reply: wait, so the log's
        # order does not depend on which thread runs first. (Events, not lines: the
        # split view's log wraps each event onto two.)
        await _wait_for(pilot, lambda: pane.event_log.events_seen >= 7)
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        made.append(udp)
        udp.settimeout(WAIT)
        udp.bind(("127.0.0.1", udp_client))
        asked = b"time?"
        udp.sendto(asked, ("127.0.0.1", server_port))
        reply, _ = udp.recvfrom(100)

        echo, daytime = f"tcp/echo:{server_port}", f"udp/daytime:{server_port}"
        # Every count is in once its event is logged (a server counts, then publishes):
        # the graphs start afresh from the final counts, and stay flat.
        await _wait_for(pilot, lambda: pane.event_log.events_seen >= 9)
        pane.reset_rates()
        pane.select_server(echo)
        app.query_one("#servers-table", DataTable).focus()
        pane.say(f"Started {daytime} on 127.0.0.1:{server_port}.")
        # What the snapshot shows: the exchange's counts, and the connection's TCP state
        # (read off the UI thread), its column widened to fit it (later under load).
        echoed = str(sum(map(len, said)))
        counts = {
            echo: ["1", "1", str(len(said)), str(len(said)), echoed, echoed],
            daytime: ["-", "-", "1", "1", str(len(asked)), str(len(reply))],
        }
        peer = f"127.0.0.1:{tcp_client}"
        table, peers = pane.server_table, pane.peer_table

        def shown() -> bool:
            return (
                all(_cells(table, name, COUNTS) == cells for name, cells in counts.items())
                and _cells(peers, peer, ("bytes_in", "bytes_out", "state"))
                == [echoed, echoed, "ESTABLISHED"]
                and peers.columns[ColumnKey("state")].content_width >= len("ESTABLISHED")
            )

        await _wait_for(pilot, shown)
        # A row painted before its column widened stays in the DataTable's render cache,
        # whose key does not change with the widths (Textual 8.2): drop it, paint again.
        for data_table in (table, peers):
            data_table._clear_caches()
            data_table.refresh(layout=True)
        await pilot.pause()

    return run_before


# Below the usual ephemeral range (32768-60999), so no client of anyone else's is handed
# one of them, and apart from the ports other snapshot tests pin.
@pytest.mark.parametrize(
    ("view", "size", "ports"),
    [
        ("alt+4", (120, 40), (29871, 29881, 29882)),
        ("alt+4", (80, 24), (29872, 29883, 29884)),
        ("alt+5", (120, 40), (29873, 29885, 29886)),
    ],
    ids=["servers-120x40", "servers-80x24", "split-120x40"],
)
def test_servers_pane_after_an_exchange(
    snap_compare: Callable[..., bool],
    clients: list[socket.socket],
    view: str,
    size: tuple[int, int],
    ports: tuple[int, int, int],
) -> None:
    server_port, tcp_client, udp_client = ports
    busy = [
        port
        for port, kind in (
            (server_port, socket.SOCK_STREAM),
            (server_port, socket.SOCK_DGRAM),
            (tcp_client, socket.SOCK_STREAM),
            (udp_client, socket.SOCK_DGRAM),
        )
        if not can_bind(port, kind)
    ]
    if busy:
        pytest.skip(f"fixed ports in use here: {busy}")
    with contextlib.ExitStack():
        assert snap_compare(
            NetlabApp(),
            terminal_size=size,
            run_before=_script(view, server_port, tcp_client, udp_client, clients),
        )


def test_the_event_log_clock_is_what_the_snapshots_fix() -> None:
    log = EventLog()
    log.clock = lambda _moment: "12:00:00"
    assert log.clock(time.monotonic()) == "12:00:00"
