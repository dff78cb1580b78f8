"""The app attached to a lab another process serves: `netlab serve … --control PATH`.

A real `netlab serve` runs in a child process; the app runs here on a RemoteLab of it.
What the Servers pane shows and does must be what that process does: its servers
listed and counted, their events logged, a start and a stop done there (its own
output says so), its end said in one line, and quitting the app leaving it serving.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select, Static

from netlab.core.engine.remote import RemoteLab, RemoteServer
from netlab.tui.app import NetlabApp
from netlab.tui.panes.servers import ServersPane
from netlab.tui.widgets.eventlog import EventLog
from tests.tui.running import running
from tests.tui.test_servers_pane import cells
from tests.waits import until, wait_until

pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")
"""A traceback in any thread (the attach's reader, a worker) fails the test."""

SIZE = (120, 40)
WAIT = 5.0
STARTUP = 15.0
"""Seconds a child `netlab serve` may take to say it serves (an interpreter starting on
a busy machine)."""
MAX_SOCKET_PATH = 100
"""A Unix socket's path must fit in 108 bytes (sun_path): longer temp dirs go short."""


class Served:
    """`netlab serve SPECS --control PATH` in a child process, its output read as it comes."""

    def __init__(self, path: str, *specs: str) -> None:
        self.path = path
        self.process = subprocess.Popen(
            [sys.executable, "-u", "-m", "netlab", "serve", *specs, "--control", path],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._lines: list[str] = []
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.ports: dict[str, int] = {}
        """Where each server given on the command line listens: "tcp/echo" -> port."""
        try:
            self.wait_for(f"lab control at {path}", STARTUP)
            for line in self.lines():
                if " listening on " in line and not line[:1].isdigit():
                    kind, _, _, where = line.split()
                    self.ports[kind] = int(where.rsplit(":", 1)[1])
        except BaseException:
            self.stop()  # never leave a lab running behind a failed start
            raise

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._lock:
                self._lines.append(line.rstrip("\n"))

    def lines(self) -> list[str]:
        with self._lock:
            return list(self._lines)

    def said(self, words: str) -> bool:
        """Whether a line of its output so far holds `words`."""
        return any(words in line for line in self.lines())

    def wait_for(self, words: str, timeout: float = WAIT) -> None:
        if not wait_until(lambda: self.said(words) or self.process.poll() is not None, timeout):
            pytest.fail(f"netlab serve did not say {words!r} in {timeout:g} s: {self.lines()}")
        if not self.said(words):
            error = self.process.stderr.read() if self.process.stderr else ""
            pytest.fail(f"netlab serve ended without saying {words!r}: {self.lines()} {error}")

    def stop(self) -> None:
        """However it is: ended, reaped, its output read to the end."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=WAIT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=WAIT)
        self._reader.join(timeout=WAIT)
        for pipe in (self.process.stdout, self.process.stderr):
            if pipe is not None:
                pipe.close()


@contextlib.contextmanager
def socket_dir(tmp_path: Path) -> Iterator[Path]:
    """tmp_path, or a shorter temp dir where a socket's path in it would be too long."""
    if len(str(tmp_path / "lab.sock")) < MAX_SOCKET_PATH:
        yield tmp_path
        return
    with tempfile.TemporaryDirectory(prefix="netlab-", dir="/tmp") as short:
        yield Path(short)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """A `netlab serve echo:0 --control PATH`; ended (SIGTERM, bounded) after the test."""
    with socket_dir(tmp_path) as where:
        lab = Served(str(where / "lab.sock"), "echo:0")
        try:
            yield lab
        finally:
            lab.stop()


def attached(served: Served) -> NetlabApp:
    """The app on the served lab, as `netlab --attach PATH` opens it."""
    return NetlabApp(lab=RemoteLab(served.path))


def pane(app: NetlabApp) -> ServersPane:
    return app.query_one(ServersPane)


def rows(app: NetlabApp) -> list[str]:
    table = app.query_one("#servers-table", DataTable)
    return [str(key.value) for key in table.rows]


def log_text(app: NetlabApp) -> str:
    return "\n".join(pane(app).query_one(EventLog).lines)


def message(app: NetlabApp) -> str:
    return str(app.query_one("#servers-message", Static).render())


def echo(port: int, data: bytes) -> bytes:
    """`data` sent to the echo server on `port`, and what comes back (all of it, bounded)."""
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as client:
        client.sendall(data)
        return receive(client, len(data))


def ask_the_time(port: int) -> bytes:
    """The answer of the UDP daytime server on `port` to one datagram (bounded)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
        client.settimeout(WAIT)
        client.sendto(b"time?", ("127.0.0.1", port))
        answer, _ = client.recvfrom(1000)
    return answer


def receive(client: socket.socket, size: int) -> bytes:
    got = b""
    while len(got) < size:
        chunk = client.recv(size - len(got))
        if not chunk:
            break
        got += chunk
    return got


async def show_servers(pilot: Pilot[None], name: str) -> None:
    """Alt+4, and wait for `name`'s row in the servers table."""
    app = pilot.app
    assert isinstance(app, NetlabApp)
    await pilot.press("alt+4")
    assert app.view == "servers"
    await until(pilot, lambda: name in rows(app), f"{name}'s row", WAIT, context=lambda: rows(app))


async def test_the_served_lab_is_listed_counted_and_logged(served: Served) -> None:
    port = served.ports["tcp/echo"]
    name = f"tcp/echo:{port}"
    app = attached(served)
    async with running(app, size=SIZE) as pilot:
        await show_servers(pilot, name)
        assert isinstance(app.lab.servers[name], RemoteServer)  # the other process's
        row = cells(app, name)
        assert (row["address"], row["open"], row["total"]) == (f"127.0.0.1:{port}", "0", "0")

        with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as client:
            client.sendall(b"hello\n")
            assert receive(client, 6) == b"hello\n"
            peer = "{}:{}".format(*client.getsockname())
            sent = f"{name}  sent  {peer}  6 bytes hello\\n"
            await until(pilot, lambda: sent in log_text(app), "the log of the exchange")
            log = log_text(app)
            assert f"{name}  accepted  {peer}" in log
            assert f"{name}  received  {peer}  6 bytes hello\\n" in log

            def counted() -> tuple[str, ...]:
                row = cells(app, name)
                return tuple(row[key] for key in ("open", "total", "msgs_in", "msgs_out"))

            await until(pilot, lambda: counted() == ("1", "1", "1", "1"), "the counters")
            assert (cells(app, name)["bytes_in"], cells(app, name)["bytes_out"]) == ("6", "6")
            # The connection, as the serving process lists it, under the table.
            peers = app.query_one("#servers-peers", DataTable)
            await until(pilot, lambda: peer in [str(k.value) for k in peers.rows], "the peer")
            assert [str(cell) for cell in peers.get_row(peer)][2:4] == ["6", "6"]

        # The same exchange, in the serving process's own output: it served it.
        received = f"{name}  received  {peer}  6 bytes hello\\n"
        await until(pilot, lambda: served.said(received), "serve's line of it")
        await until(pilot, lambda: cells(app, name)["open"] == "0", "the close to be counted")
        assert f"{name}  closed  {peer}" in log_text(app)


async def test_a_start_and_a_stop_from_the_app_are_done_by_the_serving_process(
    served: Served,
) -> None:
    echo_name = f"tcp/echo:{served.ports['tcp/echo']}"
    app = attached(served)
    async with running(app, size=SIZE) as pilot:
        await show_servers(pilot, echo_name)
        server = app.lab.start_server("udp:daytime:0")  # one round trip to serve
        name, port = server.name, server.address[1]
        assert name == f"udp/daytime:{port}"
        await until(pilot, lambda: name in rows(app), "its row", context=lambda: rows(app))
        # It runs in the serving process: that says it listens, and it answers.
        await until(pilot, lambda: served.said(f"{name}  listening"), "serve's listening line")
        assert ask_the_time(port).endswith(b"\n")
        await until(pilot, lambda: f"{name}  datagram-out" in log_text(app), "its log line")

        # Stop it as a person does: its row selected, Ctrl+S.
        table = app.query_one("#servers-table", DataTable)
        pane(app).select_server(name)
        table.focus()
        await pilot.pause()
        assert table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value == name
        await pilot.press("ctrl+s")
        await until(pilot, lambda: served.said(f"{name}  stopped"), "serve's stopped line")
        await until(
            pilot, lambda: rows(app) == [echo_name], "its row to go", context=lambda: rows(app)
        )
        assert message(app) == f"Stopped {name}."
        assert set(app.lab.servers) == {echo_name}
    assert not served.said(f"{echo_name}  stopped")  # the other server went on


async def test_the_start_form_starts_a_server_in_the_serving_process(served: Served) -> None:
    echo_name = f"tcp/echo:{served.ports['tcp/echo']}"
    app = attached(served)
    async with running(app, size=SIZE) as pilot:
        await show_servers(pilot, echo_name)
        # The form, as a person fills it: UDP daytime on any port, Enter in the port field.
        app.query_one("#servers-kind", Select).value = "daytime"
        app.query_one("#servers-transport", Select).value = "udp"
        port_field = app.query_one("#servers-port", Input)
        port_field.value = "0"
        port_field.focus()
        await pilot.press("enter")
        await until(
            pilot,
            lambda: message(app).startswith("Started"),
            "the server to start",
            context=lambda: message(app),
        )
        (name,) = set(app.lab.servers) - {echo_name}
        port = app.lab.servers[name].address[1]
        assert message(app) == f"Started {name} on 127.0.0.1:{port}."
        assert name == f"udp/daytime:{port}"
        await until(pilot, lambda: name in rows(app), "its row", context=lambda: rows(app))
        await until(pilot, lambda: served.said(f"{name}  listening"), "serve's listening line")
        assert ask_the_time(port).endswith(b"\n")


async def test_the_serving_process_ending_is_said_once_and_the_app_goes_on(
    served: Served,
) -> None:
    name = f"tcp/echo:{served.ports['tcp/echo']}"
    app = attached(served)
    async with running(app, size=SIZE) as pilot:
        await show_servers(pilot, name)
        served.process.send_signal(signal.SIGTERM)  # as kill sends it
        gone = "The lab's servers are gone: netlab serve stopped."
        await until(
            pilot, lambda: message(app) == gone, "the one line", context=lambda: message(app)
        )
        assert app.query_one("#servers-message", Static).has_class("error")
        await until(pilot, lambda: not rows(app), "the table to empty", context=lambda: rows(app))
        assert app.lab.lost == "netlab serve stopped"
        assert not app.lab.servers
        assert not Path(served.path).exists()  # serve removed its socket

        # The app still answers keys: another view, and back.
        await pilot.press("alt+1")
        assert app.view == "address"
        await pilot.press("alt+4")
        assert app.view == "servers"
        assert message(app) == gone
        # A start now fails in one line, saying why.
        port_field = app.query_one("#servers-port", Input)
        port_field.focus()
        await pilot.press("enter")
        failed = f"The lab at {served.path} is gone: netlab serve stopped."
        await until(
            pilot, lambda: message(app) == failed, "the start to fail", context=lambda: message(app)
        )
        assert not rows(app)
    assert served.process.wait(timeout=WAIT) == 0
    served.wait_for(f"{name}  stopped")


async def test_quitting_the_app_leaves_the_servers_serving(served: Served) -> None:
    port = served.ports["tcp/echo"]
    name = f"tcp/echo:{port}"
    app = attached(served)
    async with running(app, size=SIZE) as pilot:
        await show_servers(pilot, name)
        assert echo(port, b"before\n") == b"before\n"
        await until(pilot, lambda: "before\\n" in log_text(app), "the exchange in the log")
        await pilot.press("ctrl+q")

    # Serve goes on: its server still echoes, and another app can attach and see it.
    assert served.process.poll() is None
    assert echo(port, b"after\n") == b"after\n"
    served.wait_for("after\\n")
    assert not served.said(f"{name}  stopped")
    again = RemoteLab(served.path)
    try:
        assert list(again.servers) == [name]
    finally:
        again.close()
