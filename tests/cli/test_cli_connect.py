"""`netlab connect`: the interactive client, against `netlab serve` and plain Python servers."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from netlab.core.endpoints import address_text
from netlab.core.lab import Lab, Server
from tests.cli.run import in_process
from tests.cli.test_cli_sockets import Serve
from tests.loopback import needs_ipv6

ENV = {**os.environ, "PYTHONIOENCODING": "utf-8"}

CLOSED_BY_PEER = "Connection closed by the peer — it closed first, so its side keeps TIME_WAIT."
ANSWERED_OUR_FIN = (
    "Connection closed by the peer — we sent FIN first (a half-close), "
    "so this side keeps TIME_WAIT for a minute."
)
"""connect's last line when the server closed after our end of input's FIN."""
"""connect's last line when the server closed first: the Client pane's words for it."""


def closed_by_us(why: str) -> str:
    """connect's last line when it closed first, and why."""
    return (
        f"Connection closed (disconnected): {why} — "
        "we closed first, so this side keeps TIME_WAIT for a minute."
    )


def connect(
    *args: str, stdin: bytes = b"", timeout: float = 20
) -> subprocess.CompletedProcess[str]:
    """`netlab connect ARGS` with stdin from a pipe, as in `printf ... | netlab connect`."""
    done = subprocess.run(
        [sys.executable, "-m", "netlab", "connect", *args],
        input=stdin,
        capture_output=True,
        timeout=timeout,
        check=False,
        env=ENV,
    )
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8")
    )


class Session:
    """A running `netlab connect` whose stdin stays open; its output read by threads."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-u", "-m", "netlab", "connect", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=ENV,
        )
        self.out: queue.Queue[str] = queue.Queue()
        self.err: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self._readers = [
            threading.Thread(target=self._read, args=(self.process.stdout, self.out), daemon=True),
            threading.Thread(target=self._read, args=(self.process.stderr, self.err), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _read(stream: object, into: queue.Queue[str]) -> None:
        for line in stream:  # type: ignore[attr-defined]
            into.put(line.decode("utf-8").rstrip("\n"))

    def type(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line.encode() + b"\n")
        self.process.stdin.flush()

    def line(self, stream: queue.Queue[str], timeout: float = 5) -> str:
        try:
            line = stream.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(
                f"nothing printed within {timeout} s; so far {self.seen}"
            ) from None
        self.seen.append(line)
        return line

    def finish(self, timeout: float = 5) -> tuple[int, list[str], list[str]]:
        """Wait for the exit; the exit status and the rest of stdout and stderr."""
        try:
            status = self.process.wait(timeout=timeout)
        finally:
            self.kill()
        return status, _rest(self.out), _rest(self.err)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=5)
        for reader in self._readers:
            reader.join(timeout=5)
        if self.process.stdin is not None:
            with contextlib.suppress(BrokenPipeError):
                self.process.stdin.close()


def _rest(stream: queue.Queue[str]) -> list[str]:
    lines = []
    while not stream.empty():
        lines.append(stream.get_nowait())
    return lines


@pytest.fixture(scope="module")
def lab() -> Iterator[Serve]:
    server = Serve("echo:0", "daytime:0", "tab:0", "udp:daytime:0")
    try:
        yield server
    finally:
        server.stop()


def _in_thread(target: Callable[[], None]) -> threading.Thread:
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        sock.settimeout(5)
        yield sock


def _where(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


# -- against netlab serve ---------------------------------------------------------------------


def test_piped_lines_to_echo_come_back(lab: Serve) -> None:
    where = lab.addresses["tcp/echo"]
    started = time.monotonic()
    result = connect(where, stdin="hello\nwörld\n".encode())
    assert result.returncode == 0, result.stderr
    assert result.stdout == "hello\nwörld\n"
    status = result.stderr.splitlines()
    assert status[0] == f"Connected to {where}"
    # At the end of input netlab sends FIN; the echo server reads it and closes.
    assert status[-1] == ANSWERED_OUR_FIN
    assert time.monotonic() - started < 5


def test_without_half_close_piped_input_waits_for_quiet(lab: Serve) -> None:
    where = lab.addresses["tcp/echo"]
    result = connect("--no-half-close", "--quiet", "0.3", where, stdin=b"hello\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "hello\n"
    assert result.stderr.splitlines()[-1] == closed_by_us("end of input, then 0.3 s without data")


def test_daytime_sends_the_time_and_closes_like_the_seeds_telnet(lab: Serve) -> None:
    started = time.monotonic()
    result = connect(lab.addresses["tcp/daytime"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(time.strftime("%Y-"))
    assert len(result.stdout.splitlines()) == 1
    # The server closes as it accepts; our FIN at end of input may go before its own.
    assert result.stderr.splitlines()[-1] in (CLOSED_BY_PEER, ANSWERED_OUR_FIN)
    assert time.monotonic() - started < 4  # the close ends it at once


def test_tab_framing(lab: Serve) -> None:
    result = connect("--framing", "tab", lab.addresses["tcp/tab"], stdin=b"ping\npong\n")
    assert result.returncode == 0, result.stderr
    # TABs are shown as \t; the partial last line is ended before the status line.
    assert result.stdout == "server got:ping\\tserver got:pong\\t\n"


def test_hex_dump_of_the_reply(lab: Serve) -> None:
    result = connect("--hex", lab.addresses["tcp/echo"], stdin=b"AB\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("00000000  41 42 0a")
    assert result.stdout.rstrip().endswith("AB.")


def test_json_lines_of_what_arrived(lab: Serve) -> None:
    result = connect("--json", lab.addresses["tcp/echo"], stdin=b"hi\n")
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    received = [event["data"] for event in events if event["event"] == "received"]
    assert "".join(data["text"] for data in received) == "hi\\n"
    assert "".join(data["hex"] for data in received) == "68690a"
    assert sum(data["size"] for data in received) == 3


def test_keepalive_timing_is_said_when_connected(lab: Serve) -> None:
    result = connect("--json", "--keepalive", "20,4,2", lab.addresses["tcp/echo"], stdin=b"")
    assert result.returncode == 0, result.stderr
    [connected] = [json.loads(line) for line in result.stdout.splitlines()][:1]
    assert connected["detail"].endswith("; keepalive after 20 s idle, every 4 s, 2 probes")
    bad = connect("--keepalive", "10,5", lab.addresses["tcp/echo"])
    assert bad.returncode == 2
    assert bad.stderr.startswith("netlab connect: Keepalive '10,5' is not IDLE,INTERVAL,COUNT")


def test_a_reader_that_stops_reading_ends_it_quietly(lab: Serve) -> None:
    """`netlab connect ... | head -1`: when head has its line, netlab ends, no traceback."""
    process = subprocess.Popen(
        [sys.executable, "-m", "netlab", "connect", "--json", lab.addresses["tcp/echo"]],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=ENV,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        process.stdout.readline()  # the connected event: then, like head -1, go
        process.stdout.close()
        process.stdin.write(b"one\ntwo\n")
        process.stdin.flush()
        _, error = process.communicate(timeout=10)
    finally:
        process.kill()
    assert process.returncode == 0
    assert b"Traceback" not in error


def test_udp_datagrams_to_daytime(lab: Serve) -> None:
    result = connect("--udp", lab.addresses["udp/daytime"], stdin=b"what time is it\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(time.strftime("%Y-"))
    assert "15 bytes what time is it" in lab.wait_for("datagram-in")


def test_interactive_each_reply_prints_before_the_next_line_is_typed(lab: Serve) -> None:
    session = Session(lab.addresses["tcp/echo"])
    try:
        assert session.line(session.err).startswith("Connected to 127.0.0.1:")
        session.type("one")
        assert session.line(session.out) == "one"
        session.type("two \x1b[31m")
        assert session.line(session.out) == "two \\x1b[31m"
        session.type("quit")
        status, out, err = session.finish()
    finally:
        session.kill()
    assert status == 0
    assert out == []
    assert err == [closed_by_us("quit")]


def test_ctrl_c_closes_cleanly(lab: Serve) -> None:
    session = Session(lab.addresses["tcp/echo"])
    try:
        session.line(session.err)  # Connected to ...
        session.process.send_signal(signal.SIGINT)
        status, _, err = session.finish()
    finally:
        session.kill()
    assert status == 0
    assert err == [closed_by_us("interrupted")]
    # The module's other servers close connections too: wait for the echo's own line.
    port = lab.addresses["tcp/echo"].rpartition(":")[2]
    assert "closed by peer" in lab.wait_for(f"tcp/echo:{port}  closed")


@pytest.mark.parametrize("read_as", [(), ("--as", "time")])
def test_a_time_servers_reply_is_read_and_its_close_said_as_the_client_pane_says_it(
    time_lab: tuple[Lab, Server], read_as: tuple[str, ...]
) -> None:
    """Run here, stdin already at its end: the time server answers and closes first.

    Its port is not 37: without --as, four bytes within a year of our clock are RFC 868's.
    """
    _, server = time_lab
    result = in_process("connect", *read_as, address_text(server.address))
    assert result.returncode == 0, result.stderr
    # The four bytes, escaped, then netlab's reading of them. A byte may be a newline
    # (shown as \\n, then a new line), or the lead byte of a UTF-8 character, which
    # the decoder would hold for the next read: a reply netlab reads is whole, so not.
    *shown, reading = result.stdout.splitlines()
    assert shown[0].startswith("\\x")
    assert reading.startswith("netlab reads it as RFC 868 time: ")
    # The server closes as it accepts; our FIN at end of input may go before its own.
    assert result.stderr.splitlines()[-1] in (CLOSED_BY_PEER, ANSWERED_OUR_FIN)


# -- against plain Python servers ---------------------------------------------------------------


class _Upper(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        for line in self.rfile:
            self.wfile.write(line.upper())


def _serve_upper(host: str, family: socket.AddressFamily) -> socketserver.ThreadingTCPServer:
    class Server(socketserver.ThreadingTCPServer):
        address_family = family
        daemon_threads = True

    return Server((host, 0), _Upper)


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", pytest.param("::1", marks=needs_ipv6)],
)
def test_a_plain_python_line_server(host: str) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    server = _serve_upper(host, family)
    thread = _in_thread(lambda: server.serve_forever(poll_interval=0.05))
    try:
        where = _where(server.socket)
        result = connect(where, stdin=b"hello\r\nsocket world\n")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "HELLO\nSOCKET WORLD\n"
    assert result.stderr.splitlines()[0] == f"Connected to {where}"


def test_replies_stream_in_while_input_continues(listener: socket.socket) -> None:
    """The seeds' concurrent client: a server talking on its own while the user types."""
    heard = bytearray()

    def ticker() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(0.05)
            for number in range(5):
                conn.sendall(f"tick {number}\n".encode())
                with contextlib.suppress(TimeoutError):
                    heard.extend(conn.recv(1024))
            conn.shutdown(socket.SHUT_WR)
            conn.settimeout(5)
            while chunk := conn.recv(1024):  # read to the client's close: no reset
                heard.extend(chunk)

    thread = _in_thread(ticker)
    session = Session(_where(listener))
    try:
        session.line(session.err)  # Connected to ...
        ticks = []
        for number in range(5):
            session.type(f"typed {number}")
            ticks.append(session.line(session.out))
        # stdin is still open: the server's close alone ends the session.
        status, out, err = session.finish()
    finally:
        session.kill()
        thread.join(timeout=5)
    assert ticks == [f"tick {number}" for number in range(5)]
    assert out == []
    assert err == [CLOSED_BY_PEER]
    assert status == 0
    assert heard.startswith(b"typed 0\n")


def test_a_reply_netlab_reads_is_shown_whole_before_its_reading(listener: socket.socket) -> None:
    # RFC 868's four bytes, the last a UTF-8 lead byte that a text decoder would hold
    # back for the next read; and a newline among them.
    done = threading.Event()

    def talker() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.sendall(b"\xec\x12\n\xc3")
            done.wait(10)  # open until the client is done: no close flushes it for us

    thread = _in_thread(talker)
    result = connect("--as", "time", "--quiet", "0.2", _where(listener))
    done.set()
    thread.join(timeout=5)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:2] == ["\\xec\\x12", "\\xc3"]
    assert result.stdout.splitlines()[2].startswith("netlab reads it as RFC 868 time: ")


def test_split_utf8_and_terminal_escapes_are_shown_safely(listener: socket.socket) -> None:
    def talker() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.sendall(b"caf\xc3")  # the \xa9 of the \xc3\xa9 comes in the next read
            time.sleep(0.1)  # on purpose: the peer cannot see the client's reads to wait on
            conn.sendall(b"\xa9 \x1b[2J\r\nprompt> ")

    thread = _in_thread(talker)
    result = connect(_where(listener))
    thread.join(timeout=5)
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout
    assert result.stdout == "café \\x1b[2J\nprompt> \n"
    assert result.stderr.splitlines()[-1] == ANSWERED_OUR_FIN


@pytest.mark.parametrize(
    ("options", "ending", "longest"),
    [
        ((), "end of input, then 1 s without data", 4.0),
        (("--quiet", "0.2"), "end of input, then 0.2 s without data", 3.0),
        (("--timeout", "0.5"), "end of input; still open after 0.5 s", 3.0),
    ],
)
def test_a_server_that_never_answers_is_left_after_quiet_or_timeout(
    listener: socket.socket, options: tuple[str, ...], ending: str, longest: float
) -> None:
    # Never accepted: the kernel completes the handshake, nobody ever answers.
    started = time.monotonic()
    result = connect(*options, _where(listener), stdin=b"anyone?\n")
    assert time.monotonic() - started < longest
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == closed_by_us(ending)


# -- failures ---------------------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_refused_is_status_1_with_one_line() -> None:
    result = connect(f"127.0.0.1:{_closed_port()}")
    assert result.returncode == 1
    assert len(result.stderr.splitlines()) == 1
    assert "refused: nothing is listening" in result.stderr  # as the Client pane says it


def test_udp_to_nothing_reports_it_and_fails() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = connect("--udp", "--timeout", "1", f"127.0.0.1:{port}", stdin=b"a\nb\n")
    assert result.returncode == 1
    assert "nothing is listening" in result.stderr.lower()


@pytest.mark.parametrize("endpoint", ["nonsense", "127.0.0.1:99999", "127.0.0.1:"])
def test_bad_endpoint_is_status_2_with_one_line(endpoint: str) -> None:
    result = connect(endpoint)
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1
