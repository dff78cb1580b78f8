"""`netlab serve`, `send` and `head` through the real entry point, on loopback only."""

from __future__ import annotations

import http.server
import json
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from tests.cli.run import netlab


class Serve:
    """A running `netlab serve`, read line by line without ever blocking for long."""

    def __init__(self, *specs: str, options: tuple[str, ...] = (), as_json: bool = False) -> None:
        if as_json:
            options = (*options, "--json")
        self.process = subprocess.Popen(
            [sys.executable, "-u", "-m", "netlab", "serve", *options, *specs],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._unread: queue.Queue[str] = queue.Queue()
        # A thread reads, so a line already in the pipe's buffer is never waited on.
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.addresses: dict[str, str] = {}
        try:
            for _ in specs:
                line = self.next_line(10)
                if as_json:  # the listening event: "source": "tcp/echo:41119", "local": ...
                    event = json.loads(line)
                    assert event["event"] == "listening", line
                    self.addresses[event["source"].rsplit(":", 1)[0]] = event["local"]
                else:
                    kind, _, _, where = line.split()
                    self.addresses[kind] = where
        except BaseException:
            self.stop()  # never leave a server running behind a failed start
            raise

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._unread.put(line.rstrip("\n"))

    def next_line(self, timeout: float) -> str:
        try:
            line = self._unread.get(timeout=max(timeout, 0.01))
        except queue.Empty:
            raise AssertionError(f"no output within {timeout:.1f} s; so far {self.lines}") from None
        self.lines.append(line)
        return line

    def wait_for(self, words: str, timeout: float = 5) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.next_line(deadline - time.monotonic())
            if words in line:
                return line
        raise AssertionError(f"{words!r} not logged; got {self.lines}")

    def ping_flood(self, count: int = 10) -> None:
        """`count` round trips of "ping" to its echo server, then the close."""
        host, port = self.addresses["tcp/echo"].rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=5) as client:
            for _ in range(count):
                client.sendall(b"ping")
                assert client.recv(16) == b"ping"

    def stop(self) -> int:
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=5)
        finally:
            self.process.kill()
            self.process.wait(timeout=5)
            self._reader.join(timeout=5)


@pytest.fixture
def serve() -> Iterator[Serve]:
    server = Serve("echo:0", "udp:daytime:0", "tab:0")
    try:
        yield server
    finally:
        server.stop()


def test_serve_prints_where_each_server_listens(serve: Serve) -> None:
    assert set(serve.addresses) == {"tcp/echo", "udp/daytime", "tcp/tab"}
    assert all(where.startswith("127.0.0.1:") for where in serve.addresses.values())


def test_send_to_echo_and_the_log_shows_it(serve: Serve) -> None:
    started = time.monotonic()
    result = netlab("send", serve.addresses["tcp/echo"], "hello")
    assert result.stdout == "hello\n"
    assert time.monotonic() - started < 4  # the reply ends the wait, not the timeout
    serve.wait_for("accepted")
    assert "6 bytes hello\\n" in serve.wait_for("received")
    assert "hello" in serve.wait_for("sent")
    assert "closed by peer" in serve.wait_for("closed")


def test_serve_prints_a_flood_past_its_log_rate_as_counts() -> None:
    server = Serve("echo:0", options=("--log-rate", "3"))
    try:
        server.ping_flood()
        closed = server.wait_for("closed")
    finally:
        server.stop()
    for what in ("received", "sent"):
        lines = [line for line in server.lines if f"  {what}  " in line]
        # Three events a second in all, in and out; the rest of the ten are one count.
        summed = [line for line in lines if line.endswith("not logged one by one")]
        assert len(summed) == 1 and lines[-1] == summed[0]
        messages = int(summed[0].split("  ")[-1].split()[0])
        assert messages + len(lines) - 1 == 10
        assert server.lines.index(summed[0]) < server.lines.index(closed)


def test_send_a_udp_datagram_to_daytime(serve: Serve) -> None:
    result = netlab("send", "--udp", serve.addresses["udp/daytime"], "anything")
    assert result.returncode == 0
    assert result.stdout.startswith(time.strftime("%Y-"))
    assert "8 bytes anything" in serve.wait_for("datagram-in")


def test_send_with_tab_framing(serve: Serve) -> None:
    result = netlab("send", "--framing", "tab", serve.addresses["tcp/tab"], "ping")
    assert result.stdout == "server got:ping\\t\n"


def test_escape_sequences_and_markup_from_a_peer_are_shown_literally(serve: Serve) -> None:
    port = int(serve.addresses["tcp/echo"].rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as peer:
        peer.sendall(b"\x1b[2J[bold]boom[/bold]\n")
        peer.recv(100)
    line = serve.wait_for("received")
    assert "\x1b" not in line
    assert "\\x1b[2J[bold]boom[/bold]\\n" in line


def test_serve_stops_cleanly_on_ctrl_c() -> None:
    server = Serve("echo:0")
    port = int(server.addresses["tcp/echo"].rsplit(":", 1)[1])
    idle = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        server.wait_for("accepted")
        started = time.monotonic()
        assert server.stop() == 0
        assert time.monotonic() - started < 3
    finally:
        idle.close()
    with socket.socket() as again:
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", port))


def test_serve_rejects_a_bad_spec_in_one_line() -> None:
    result = netlab("serve", "gopher:70")
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def test_head_against_python_http_server() -> None:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Quiet)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        result = netlab("head", f"127.0.0.1:{httpd.server_address[1]}")
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("HTTP/1.0 200")
    assert any(line.startswith("Server: SimpleHTTP") for line in lines)
    assert result.returncode == 0


def test_head_to_a_closed_port_fails_with_status_1() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = netlab("head", f"127.0.0.1:{port}")
    assert result.returncode == 1
    assert "refused" in result.stderr
