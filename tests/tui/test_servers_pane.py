"""The Servers pane: start servers from the form, talk to them, watch counters and the log."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

import pytest
from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import Checkbox, DataTable, Input, Select, Static

from netlab.core.bus import EventBus
from netlab.core.events import Event, Kind
from netlab.core.hostnames import names_loopback as is_loopback
from netlab.tui.app import NetlabApp
from netlab.tui.panes.servers import ServersPane, human, sparkline
from netlab.tui.widgets.eventlog import EventLog, format_event
from tests.tui.running import running
from tests.waits import until

SIZE = (120, 40)
WAIT = 5.0


async def wait_for(pilot: Pilot[None], condition: Callable[[], object], what: str) -> None:
    """Let the app run until `condition()` holds, for at most WAIT seconds."""
    await until(pilot, condition, what, WAIT)


def pane(app: NetlabApp) -> ServersPane:
    return app.query_one(ServersPane)


def log_text(app: NetlabApp) -> str:
    return "\n".join(app.query_one(EventLog).lines)


def message(app: NetlabApp) -> str:
    return str(app.query_one("#servers-message", Static).render())


def cells(app: NetlabApp, name: str) -> dict[str, str]:
    table = app.query_one("#servers-table", DataTable)
    row = table.get_row(name)
    return {
        str(column.key.value): str(cell)
        for column, cell in zip(table.columns.values(), row, strict=True)
    }


async def start(
    pilot: Pilot[None],
    *,
    kind: str = "echo",
    transport: str = "tcp",
    port: str = "0",
    host: str = "127.0.0.1",
) -> str:
    """Fill the form, press Enter in the port field, and wait for the new server's name."""
    app = pilot.app
    assert isinstance(app, NetlabApp)
    before = set(app.lab.servers)
    app.query_one("#servers-kind", Select).value = kind
    app.query_one("#servers-transport", Select).value = transport
    app.query_one("#servers-bind", Input).value = host
    port_field = app.query_one("#servers-port", Input)
    port_field.value = port
    port_field.focus()
    await pilot.press("enter")
    await wait_for(pilot, lambda: set(app.lab.servers) - before, "the server to start")
    (name,) = set(app.lab.servers) - before
    await wait_for(pilot, lambda: name in cells_keys(app), "its row")
    return name


def cells_keys(app: NetlabApp) -> list[str]:
    table = app.query_one("#servers-table", DataTable)
    return [str(key.value) for key in table.rows]


async def test_echo_server_from_the_form_counts_and_logs_an_exchange() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        await pilot.press("alt+4")
        name = await start(pilot)
        server = app.lab.servers[name]
        host, port = server.address
        assert name == f"tcp/echo:{port}"
        assert cells(app, name)["address"] == f"127.0.0.1:{port}"
        assert "Started" in message(app)

        with socket.create_connection((host, port), timeout=WAIT) as client:
            client.sendall(b"hello\n")
            assert client.recv(100) == b"hello\n"
            peer = "{}:{}".format(*client.getsockname())
            await wait_for(pilot, lambda: "sent" in log_text(app), "the log")
            log = log_text(app)
            assert f"{name}  accepted  {peer}" in log
            assert f"{name}  received  {peer}  6 bytes hello\\n" in log
            assert f"{name}  sent  {peer}  6 bytes hello\\n" in log
            await wait_for(pilot, lambda: cells(app, name)["msgs_out"] == "1", "the counters")
            row = cells(app, name)
            assert (row["open"], row["total"], row["msgs_in"], row["bytes_in"]) == (
                "1",
                "1",
                "1",
                "6",
            )
            # The connection shows under the table, with the kernel's view of it.
            peers = app.query_one("#servers-peers", DataTable)
            await wait_for(pilot, lambda: peers.row_count == 1, "the connection")
            peer_row = [str(cell) for cell in peers.get_row(peer)]
            assert peer_row[0] == peer
            assert peer_row[2:4] == ["6", "6"]
            assert peer_row[4] in ("ESTABLISHED", "-")

        await wait_for(pilot, lambda: "closed" in log_text(app), "the close")
        await wait_for(pilot, lambda: cells(app, name)["open"] == "0", "open to drop")


async def test_markup_and_escapes_from_a_peer_are_shown_literally() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        await pilot.press("alt+4")
        name = await start(pilot)
        with socket.create_connection(app.lab.servers[name].address, timeout=WAIT) as client:
            client.sendall(b"\x1b[2J[bold]x[/bold]")
            assert client.recv(100) == b"\x1b[2J[bold]x[/bold]"
            await wait_for(pilot, lambda: "sent" in log_text(app), "the log")
        assert "18 bytes \\x1b[2J[bold]x[/bold]" in log_text(app)
        assert "\x1b" not in log_text(app)


async def test_stop_removes_the_server_and_frees_its_port() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        await pilot.press("alt+4")
        name = await start(pilot)
        port = app.lab.servers[name].address[1]
        table = app.query_one("#servers-table", DataTable)
        table.focus()
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: name not in app.lab.servers, "the stop")
        await wait_for(pilot, lambda: table.row_count == 0, "the row to go")
        assert message(app) == f"Stopped {name}."
        with socket.socket() as again:
            again.bind(("127.0.0.1", port))
            again.listen()


async def test_faults_from_the_form_and_ctrl_f_and_a_restart_keeps_port_and_faults() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        await pilot.press("alt+4")
        faults = app.query_one("#servers-faults", Input)
        faults.value = "close-after=1"
        name = await start(pilot)
        old = app.lab.servers[name]
        with socket.create_connection(old.address, timeout=WAIT) as client:
            client.sendall(b"x")
            assert client.recv(10) == b"x"
            assert client.recv(10) == b""  # closed after one reply, on purpose
            peer = "{}:{}".format(*client.getsockname())
        fault = f"{name}  fault  {peer}  closed the connection (fault close-after=1)"
        await wait_for(pilot, lambda: fault in log_text(app), "the fault in the log")
        # The fault line stands out; data that merely says "fault" does not.
        log = app.query_one(EventLog)
        assert log.highlighter(Text(f"12:00:00  {fault}")).spans
        assert not log.highlighter(Text(f"12:00:00  {name}  received  {peer}  fault")).spans
        assert cells(app, name)["faults"] == "close-after=1"
        # Ctrl+F gives the selected server the field's faults while it runs.
        faults.value = "delay=soon"
        faults.focus()
        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: "delay must be a time" in message(app), "the error")
        assert "\n" not in message(app)
        faults.value = "delay=10ms"
        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: message(app) == f"{name}: faults delay=10ms", "the change")
        await wait_for(pilot, lambda: "faults now: delay=10ms" in log_text(app), "its line")
        title = app.query_one("#servers-peers-title", Static)
        await wait_for(pilot, lambda: "faults delay=10ms" in str(title.render()), "the title")

        app.query_one("#servers-table", DataTable).focus()
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: app.lab.servers.get(name) not in (None, old), "a restart")
        restarted = app.lab.servers[name]
        assert restarted.address == old.address
        assert restarted.faults is not None and restarted.faults.text() == "delay=10ms"
        await wait_for(pilot, lambda: message(app).startswith("Restarted"), "the message")
        await wait_for(pilot, lambda: cells(app, name)["total"] == "0", "fresh counters")


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("port", "99999", "Port 99999 is out of range"),
        ("port", "echo!", "is not a port"),
        ("faults", "delay=soon", "delay must be a time with its unit"),
    ],
)
async def test_a_bad_port_or_fault_is_one_error_line(field: str, value: str, expected: str) -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        await pilot.press("alt+4")
        app.query_one(f"#servers-{field}", Input).value = value
        await pilot.click("#servers-start")
        await pilot.pause()
        shown = app.query_one("#servers-message", Static)
        assert expected in message(app)
        assert "\n" not in message(app)
        assert shown.has_class("error")
        assert not app.lab.servers


async def test_a_port_in_use_is_one_error_line() -> None:
    app = NetlabApp()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        async with running(app, size=SIZE) as pilot:
            await pilot.press("alt+4")
            app.query_one("#servers-port", Input).value = str(port)
            await pilot.click("#servers-start")
            await wait_for(pilot, lambda: "Cannot listen" in message(app), "the error")
            assert message(app) == f"Cannot listen on 127.0.0.1:{port}: Address already in use."
            assert app.query_one("#servers-message", Static).has_class("error")
            assert not app.lab.servers


async def test_tcp_and_udp_share_a_port_and_the_udp_daytime_server_answers() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        await pilot.press("alt+4")
        tcp = await start(pilot)
        port = app.lab.servers[tcp].address[1]
        udp = await start(pilot, kind="daytime", transport="udp", port=str(port))
        assert udp == f"udp/daytime:{port}"
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
            client.settimeout(WAIT)
            client.sendto(b"what time is it?", ("127.0.0.1", port))
            answer, _ = client.recvfrom(1000)
        assert answer.endswith(b"\n") and answer[:2].isdigit()
        await wait_for(pilot, lambda: "datagram-out" in log_text(app), "the log")
        assert f"{udp}  datagram-in" in log_text(app)
        await wait_for(pilot, lambda: cells(app, udp)["msgs_out"] == "1", "the counters")
        assert cells(app, udp)["open"] == "-"
        # A second UDP server on the same port would share the datagrams: refused here.
        await start_fails(pilot, kind="echo", transport="udp", port=str(port))
        assert f"{udp} already serves UDP port {port}" in message(app)


async def start_fails(pilot: Pilot[None], **form: str) -> None:
    app = pilot.app
    for field, value in form.items():
        widget = app.query_one(f"#servers-{field}")
        assert isinstance(widget, Input | Select)
        widget.value = value
    await pilot.click("#servers-start")
    await pilot.pause()


async def test_the_log_filters_by_server_and_by_text() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        await pilot.press("alt+4")
        first = await start(pilot)
        second = await start(pilot, kind="upper")
        for name, data in ((first, b"one\n"), (second, b"two\n")):
            with socket.create_connection(app.lab.servers[name].address, timeout=WAIT) as client:
                client.sendall(data)
                client.recv(100)
        await wait_for(pilot, lambda: log_text(app).count("  sent  ") == 2, "both exchanges")

        app.query_one("#servers-log-server", Select).value = second
        await pilot.pause()
        assert second in log_text(app)
        assert first not in log_text(app)

        app.query_one("#servers-log-server", Select).clear()
        app.query_one("#servers-log-filter", Input).value = "ONE"
        await pilot.pause()
        lines = app.query_one(EventLog).lines
        assert lines and all("one" in line for line in lines)

        # New lines go through the same filter.
        with socket.create_connection(app.lab.servers[first].address, timeout=WAIT) as client:
            client.sendall(b"someone\n")
            client.recv(100)
        await wait_for(pilot, lambda: "someone" in log_text(app), "the new line")
        assert all("one" in line for line in app.query_one(EventLog).lines)


async def test_pausing_holds_new_lines_until_resumed() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        await pilot.press("alt+4")
        name = await start(pilot)
        await wait_for(pilot, lambda: "listening" in log_text(app), "the first line")
        app.query_one("#servers-log-pause", Checkbox).value = True
        await pilot.pause()
        assert app.query_one(EventLog).paused
        with socket.create_connection(app.lab.servers[name].address, timeout=WAIT) as client:
            client.sendall(b"held\n")
            client.recv(100)
            status = app.query_one("#servers-log-status", Static)
            await wait_for(pilot, lambda: "held" in str(status.render()), "the held count")
        assert "held\\n" not in log_text(app)
        assert "paused: " in str(status.render())
        log = app.query_one(EventLog)
        log.focus()
        await pilot.press("p")
        assert not app.query_one("#servers-log-pause", Checkbox).value
        await wait_for(pilot, lambda: "held\\n" in log_text(app), "the held lines")


async def test_a_bind_address_off_loopback_warns() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        await pilot.press("alt+4")
        warning = app.query_one("#servers-warning", Static)
        assert not warning.display
        app.query_one("#servers-bind", Input).value = "0.0.0.0"
        await pilot.pause()
        assert warning.display
        assert str(warning.render()) == "listening on 0.0.0.0: other machines can reach it"
        app.query_one("#servers-bind", Input).value = "::1"
        await pilot.pause()
        assert not warning.display


async def test_quitting_with_servers_running_is_prompt() -> None:
    app = NetlabApp()
    clients = []
    async with running(app, size=SIZE) as pilot:
        await pilot.press("alt+4")
        for kind in ("echo", "upper", "timestamp"):
            name = await start(pilot, kind=kind)
            clients.append(socket.create_connection(app.lab.servers[name].address, WAIT))
        await wait_for(pilot, lambda: log_text(app).count("accepted") == 3, "the clients")
        began = time.monotonic()
        await pilot.press("ctrl+q")
    took = time.monotonic() - began
    for client in clients:
        client.close()
    assert took < 2.0
    assert not app.lab.servers


async def test_the_split_view_shows_the_pane_beside_the_client() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        await pilot.press("alt+5")
        servers = pane(app)
        assert servers.display
        # Half width: the form takes two lines.
        layout = servers.query_one("#servers-form").styles.layout
        assert layout is not None and layout.name == "vertical"
        await start(pilot)


def test_log_lines_are_formatted_like_netlab_serve() -> None:
    event = Event(Kind.RECEIVED, "tcp/echo:1201", "127.0.0.1:50312", b"hello\n", 6)
    assert (
        format_event(event, lambda _: "12:00:00")
        == "12:00:00  tcp/echo:1201  received  127.0.0.1:50312  6 bytes hello\\n"
    )


def test_helpers() -> None:
    assert [human(n) for n in (0, 9999, 12_345, 4_560_000)] == ["0", "9999", "12.3k", "4.6M"]
    assert sparkline([0, 0]) == "▁▁"
    assert sparkline([0, 1, 2, 4]) == "▁▃▅█"
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("") and not is_loopback("10.0.0.1")


async def test_under_a_flood_the_connections_table_is_exact() -> None:
    app = NetlabApp()
    # One event kept between drains: a received and its sent, microseconds apart, are
    # already one too many, however the server's reads cut the flood.
    app.lab.bus = EventBus(capacity=1)
    async with running(app, size=SIZE) as pilot:
        await pilot.press("alt+4")
        name = await start(pilot)
        sent = b"".join(b"x" * (n % 50) + b"\n" for n in range(3000))
        with socket.create_connection(app.lab.servers[name].address, timeout=WAIT) as client:
            client.sendall(sent)
            got = b""
            while len(got) < len(sent):
                chunk = client.recv(65536)
                assert chunk, "the echo closed early"
                got += chunk
            peer = f"127.0.0.1:{client.getsockname()[1]}"
            peers = app.query_one("#servers-peers", DataTable)

            def row() -> list[str]:
                return [str(cell) for cell in peers.get_row(peer)] if peer in keys() else []

            def keys() -> list[str]:
                return [str(key.value) for key in peers.rows]

            size = human(len(sent))
            await wait_for(pilot, lambda: row()[2:4] == [size, size], "exact byte counts")
        assert app.lab.bus.dropped > 0
        await wait_for(pilot, lambda: row()[4:] == ["closed by peer"], "the close")
        assert row()[2:4] == [size, size]


async def test_an_iterative_servers_waiting_client_is_shown_live() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        server = app.lab.start_server("echo:0", model="iterative")
        await pilot.press("alt+4")
        first = socket.create_connection(server.address, timeout=5)
        second = socket.create_connection(server.address, timeout=5)
        try:
            first.sendall(b"one\n")
            title = app.query_one("#servers-peers-title", Static)
            await wait_for(
                pilot,
                lambda: "1 waiting in the accept queue" in str(title.render()),
                "the waiting client on screen",
            )
            first.close()  # served at last: its wait goes in the log
            await wait_for(pilot, lambda: "in the accept queue" in log_text(app), "its wait")
            await wait_for(pilot, lambda: "waiting" not in str(title.render()), "none waiting")
        finally:
            first.close()
            second.close()


async def test_ctrl_n_on_a_server_connects_the_client_to_it() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        await pilot.press("alt+4")
        name = await start(pilot)
        app.query_one("#servers-table", DataTable).focus()
        await pilot.press("ctrl+n")
        transcript = "#transcript-client-1"
        await wait_for(pilot, lambda: app.query(transcript), "the client's session")
        port = app.lab.servers[name].address[1]
        await wait_for(
            pilot,
            lambda: (
                f"connected to 127.0.0.1:{port}" in str(app.query_one("#client-status").render())
            ),
            "the session to connect",
        )
