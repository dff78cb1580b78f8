"""Client sessions and one-shot commands against tiny real servers on 127.0.0.1 and ::1."""

from __future__ import annotations

import http.server
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from netlab.core.bus import EventBus
from netlab.core.client import ClientSession, Keepalive, head, parse_hex, send_once
from netlab.core.errors import InputError, OperationFailed
from netlab.core.events import CloseReason, Event, Kind
from netlab.core.framing import Framing
from netlab.core.safetext import StreamDecoder
from tests.isolated import run_isolated
from tests.loopback import needs_ipv6
from tests.waits import wait_until

Handler = Callable[[socket.socket, "TcpServer"], None]


class TcpServer:
    """A threaded TCP server whose connections run `handler`; records what it was sent."""

    def __init__(self, handler: Handler, host: str = "127.0.0.1") -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.listener = socket.create_server((host, 0), family=family)
        self.listener.settimeout(0.05)
        self.host = host
        self.port: int = self.listener.getsockname()[1]
        self.handler = handler
        self.stopping = threading.Event()
        self.go_on = threading.Event()
        """Set by a test to let a handler that waits on it take its next step."""
        self.received = bytearray()
        self.lock = threading.Lock()
        self.connections: list[socket.socket] = []
        self.threads: list[threading.Thread] = []
        self.accepter = threading.Thread(target=self._accept, daemon=True)
        self.accepter.start()

    @property
    def endpoint(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(0.05)
            with self.lock:
                self.connections.append(conn)
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self.threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            self.handler(conn, self)
        except OSError:
            pass
        finally:
            conn.close()

    def recv(self, conn: socket.socket) -> bytes | None:
        """One read: bytes, b"" at the end, None when nothing came within the poll."""
        try:
            data = conn.recv(4096)
        except TimeoutError:
            return None
        with self.lock:
            self.received += data
        return data

    def wait_received(self, size: int, timeout: float = 2.0) -> bytes:
        wait_until(lambda: len(self.received) >= size, timeout)
        return bytes(self.received)

    def close(self) -> None:
        self.stopping.set()
        self.go_on.set()
        self.listener.close()
        self.accepter.join(2)
        with self.lock:
            for conn in self.connections:
                conn.close()
        for thread in self.threads:
            thread.join(2)


def echo(conn: socket.socket, server: TcpServer) -> None:
    while not server.stopping.is_set():
        data = server.recv(conn)
        if data == b"":
            return
        if data:
            conn.sendall(data)


def silent(conn: socket.socket, server: TcpServer) -> None:
    while not server.stopping.is_set() and server.recv(conn) != b"":
        pass


def greet_and_close(conn: socket.socket, server: TcpServer) -> None:
    conn.sendall(b"hello\nbye\n")


def reset_after_first_read(conn: socket.socket, server: TcpServer) -> None:
    while not server.stopping.is_set() and not server.recv(conn):
        pass
    # Linger 0: close sends RST instead of FIN.
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def split_utf8(conn: socket.socket, server: TcpServer) -> None:
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    conn.sendall(b"caf" + "é".encode()[:1])
    # The rest only once the test has taken what the client read of the first part.
    server.go_on.wait(2)
    conn.sendall("é".encode()[1:] + b"\n")
    while not server.stopping.is_set() and server.recv(conn) != b"":
        pass


@pytest.fixture
def serve() -> Iterator[Callable[..., TcpServer]]:
    servers: list[TcpServer] = []

    def start(handler: Handler, host: str = "127.0.0.1") -> TcpServer:
        servers.append(TcpServer(handler, host))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


class UdpEcho:
    def __init__(self, host: str = "127.0.0.1") -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        self.sock.bind((host, 0))
        self.sock.settimeout(0.05)
        self.port: int = self.sock.getsockname()[1]
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                data, peer = self.sock.recvfrom(65535)
            except TimeoutError:
                continue
            self.sock.sendto(data, peer)

    def close(self) -> None:
        self.stopping.set()
        self.thread.join(2)
        self.sock.close()


@pytest.fixture
def udp_echo() -> Iterator[UdpEcho]:
    server = UdpEcho()
    yield server
    server.close()


class Collector:
    """Drains a bus, keeping every event, until a condition holds (bounded)."""

    def __init__(self, bus: EventBus) -> None:
        self.bus = bus
        self.events: list[Event] = []

    def until(self, condition: Callable[[list[Event]], bool], timeout: float = 2.0) -> list[Event]:
        def seen() -> bool:
            self.events += self.bus.drain()
            return condition(self.events)

        wait_until(seen, timeout)
        self.events += self.bus.drain()
        return self.events

    def kinds(self) -> list[Kind]:
        return [event.kind for event in self.events]


def has(kind: Kind) -> Callable[[list[Event]], bool]:
    return lambda events: any(event.kind is kind for event in events)


def free_port() -> int:
    """A port nothing listens on: bound, never listened to, and closed."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


# sessions over TCP


def test_tcp_echo_round_trip_with_events_and_counters(serve: Callable[..., TcpServer]) -> None:
    server = serve(echo)
    bus = EventBus()
    events = Collector(bus)
    with ClientSession(server.endpoint, bus=bus) as session:
        assert session.state == "connected"
        session.send_text("hello")
        assert session.wait_for(b"hello\n", 2) == b"hello\n"
        events.until(has(Kind.RECEIVED))
        assert (session.bytes_out, session.messages_out) == (6, 1)
        assert (session.bytes_in, session.messages_in) == (6, 1)
    assert session.state == "closed"
    assert session.close_reason is CloseReason.BY_US
    events.until(has(Kind.CLOSED))
    assert events.kinds() == [Kind.CONNECTED, Kind.SENT, Kind.RECEIVED, Kind.CLOSED]
    connected, sent, received, closed = events.events
    assert connected.source == f"tcp/{server.endpoint}"
    assert connected.peer == server.endpoint
    assert (sent.data, received.data) == (b"hello\n", b"hello\n")
    assert closed.detail == CloseReason.BY_US.value


@pytest.mark.parametrize(
    ("framing", "wire"),
    [
        (Framing.LF, b"hi\n"),
        (Framing.CRLF, b"hi\r\n"),
        (Framing.TAB, b"hi\t"),
        (Framing.RAW, b"hi"),
    ],
)
def test_send_text_frames_on_the_wire(
    serve: Callable[..., TcpServer], framing: Framing, wire: bytes
) -> None:
    server = serve(silent)
    with ClientSession(server.endpoint, framing=framing) as session:
        session.send_text("hi")
        session.send_bytes(b"|")
        assert server.wait_received(len(wire) + 1) == wire + b"|"


def test_send_text_is_utf8(serve: Callable[..., TcpServer]) -> None:
    server = serve(silent)
    with ClientSession(server.endpoint, framing=Framing.RAW) as session:
        session.send_text("é€")
        assert server.wait_received(5) == "é€".encode()


def test_send_hex_sends_the_bytes(serve: Callable[..., TcpServer]) -> None:
    server = serve(silent)
    with ClientSession(server.endpoint) as session:
        session.send_hex("48 45:41 44")
        session.send_hex("0d0a")
        assert server.wait_received(6) == b"HEAD\r\n"
        with pytest.raises(InputError, match="not hex"):
            session.send_hex("zz")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("48 45 41 44", b"HEAD"), ("de:ad:BE:ef", b"\xde\xad\xbe\xef"), ("0x00ff", b"\x00\xff")],
)
def test_parse_hex(text: str, expected: bytes) -> None:
    assert parse_hex(text) == expected


@pytest.mark.parametrize("text", ["", "  ", "4", "48 4", "gg", "48-45"])
def test_parse_hex_rejects_bad_hex(text: str) -> None:
    with pytest.raises(InputError):
        parse_hex(text)


def test_sending_after_close_fails(serve: Callable[..., TcpServer]) -> None:
    server = serve(echo)
    session = ClientSession(server.endpoint)
    with pytest.raises(OperationFailed, match="not connected"):
        session.send_text("early")
    session.connect()
    session.close()
    with pytest.raises(OperationFailed, match="closed"):
        session.send_text("late")
    with pytest.raises(OperationFailed, match="closed"):
        session.connect()


def test_close_by_peer_is_reported(serve: Callable[..., TcpServer]) -> None:
    server = serve(greet_and_close)
    bus = EventBus()
    session = ClientSession(server.endpoint, bus=bus)
    session.connect()
    assert session.wait_closed(2)
    assert session.close_reason is CloseReason.BY_PEER
    assert session.take() == b"hello\nbye\n"
    assert session.messages_in == 2
    closed = Collector(bus).until(has(Kind.CLOSED))[-1]
    assert (closed.kind, closed.detail) == (Kind.CLOSED, "closed by peer")
    session.close()  # after the peer: idempotent, reason kept
    assert session.close_reason is CloseReason.BY_PEER


def test_reset_is_reported(serve: Callable[..., TcpServer]) -> None:
    server = serve(reset_after_first_read)
    with ClientSession(server.endpoint) as session:
        session.send_text("poke")
        assert session.wait_closed(2)
        assert session.close_reason is CloseReason.RESET
        with pytest.raises(OperationFailed, match="closed"):
            session.send_text("again")


def test_read_timeout_closes_an_idle_session(serve: Callable[..., TcpServer]) -> None:
    server = serve(silent)
    bus = EventBus()
    started = time.monotonic()
    with ClientSession(server.endpoint, read_timeout=0.3, bus=bus) as session:
        assert session.wait_closed(2)
        assert 0.25 < time.monotonic() - started < 1.5
        assert session.close_reason is CloseReason.TIMEOUT
    closed = Collector(bus).until(has(Kind.CLOSED))[-1]
    assert closed.detail.startswith("idle timeout")


def test_close_is_quick_idempotent_and_leaves_no_thread(serve: Callable[..., TcpServer]) -> None:
    server = serve(silent)
    before = threading.active_count()
    session = ClientSession(server.endpoint)
    session.connect()
    assert any(t.name.startswith("netlab client") for t in threading.enumerate())
    started = time.monotonic()
    session.close()
    assert time.monotonic() - started < 0.5
    assert not any(t.name.startswith("netlab client") for t in threading.enumerate())
    session.close()
    assert session.state == "closed"
    # The server's thread for this connection ends once it sees our FIN.
    wait_until(lambda: threading.active_count() <= before, 2)
    assert threading.active_count() == before


def test_udp_close_is_quick_and_leaves_no_thread(udp_echo: UdpEcho) -> None:
    session = ClientSession(f"127.0.0.1:{udp_echo.port}", transport="udp")
    session.connect()
    started = time.monotonic()
    session.close()
    # Well under the join limit: the receiver saw the close, it was not abandoned.
    assert time.monotonic() - started < 0.5
    assert not any(t.name.startswith("netlab client") for t in threading.enumerate())


def test_keepalive_is_set_when_asked(serve: Callable[..., TcpServer]) -> None:
    server = serve(silent)
    for keepalive in (False, True):
        with ClientSession(server.endpoint, keepalive=keepalive) as session:
            sock = session._sock
            assert sock is not None
            assert bool(sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE)) is keepalive


def test_keepalive_timing_is_set_and_said_when_connected(serve: Callable[..., TcpServer]) -> None:
    server = serve(silent)
    bus = EventBus()
    timing = Keepalive.parse("20, 4, 2")
    with ClientSession(server.endpoint, keepalive=timing, bus=bus) as session:
        sock = session._sock
        assert sock is not None
        tcp = socket.IPPROTO_TCP
        assert sock.getsockopt(tcp, socket.TCP_KEEPIDLE) == 20
        assert sock.getsockopt(tcp, socket.TCP_KEEPINTVL) == 4
        assert sock.getsockopt(tcp, socket.TCP_KEEPCNT) == 2
    [connected] = [e for e in bus.drain() if e.kind is Kind.CONNECTED]
    assert connected.detail.endswith("; keepalive after 20 s idle, every 4 s, 2 probes")
    assert ClientSession(server.endpoint, keepalive=True).keepalive == Keepalive(10, 5, 3)


@pytest.mark.parametrize("text", ["10,5", "0,5,3", "a,b,c", "10,5,3,1", "99999,1,1", "1,1,500"])
def test_a_keepalive_that_is_not_three_counts_in_range_is_one_clear_error(text: str) -> None:
    with pytest.raises(InputError, match="Keepalive"):
        Keepalive.parse(text)


def test_close_from_another_thread(serve: Callable[..., TcpServer]) -> None:
    server = serve(silent)
    with ClientSession(server.endpoint) as session:
        closer = threading.Thread(target=session.close)
        closer.start()
        closer.join(2)
        assert not closer.is_alive()
        assert session.state == "closed"
        assert session.close_reason is CloseReason.BY_US


def test_a_character_split_across_segments_arrives_whole(serve: Callable[..., TcpServer]) -> None:
    server = serve(split_utf8)
    bus = EventBus()
    with ClientSession(server.endpoint, bus=bus) as session:
        wait_until(lambda: session.bytes_in >= 4, 2, what="the first part")
        first = session.take_text()
        server.go_on.set()
        wait_until(lambda: session.bytes_in >= 6, 2, what="the rest")
        second = session.take_text()
    assert (first, second) == ("caf", "é\n")
    received = [e for e in Collector(bus).until(has(Kind.CLOSED)) if e.kind is Kind.RECEIVED]
    decoder = StreamDecoder()
    assert "".join(decoder.feed(e.data) for e in received) == "café\n"


def test_wait_for_times_out_and_reports_a_close(serve: Callable[..., TcpServer]) -> None:
    server = serve(silent)
    with ClientSession(server.endpoint) as session:
        started = time.monotonic()
        with pytest.raises(OperationFailed, match="within"):
            session.wait_for(b"never", 0.2)
        assert time.monotonic() - started < 1
    with pytest.raises(OperationFailed, match="closed before"):
        session.wait_for(b"never", 1)


@needs_ipv6
def test_tcp_over_ipv6_loopback(serve: Callable[..., TcpServer]) -> None:
    server = serve(echo, "::1")
    with ClientSession(f"[::1]:{server.port}") as session:
        assert session.peer == f"[::1]:{server.port}"
        session.send_text("six")
        assert session.wait_for(b"six\n", 2) == b"six\n"


def test_a_host_name_is_resolved(serve: Callable[..., TcpServer]) -> None:
    server = serve(echo)
    with ClientSession(f"localhost:{server.port}", connect_timeout=2) as session:
        session.send_text("by name")
        assert session.wait_for(b"by name\n", 2)


# connect failures


def test_refused_connect_fails_quickly() -> None:
    bus = EventBus()
    session = ClientSession(f"127.0.0.1:{free_port()}", bus=bus)
    started = time.monotonic()
    with pytest.raises(OperationFailed, match="refused"):
        session.connect()
    assert time.monotonic() - started < 1
    assert session.state == "closed"
    assert session.close_reason is None
    assert [e.kind for e in bus.drain()] == [Kind.ERROR]


def test_no_such_host() -> None:
    with pytest.raises(OperationFailed, match=r"No such host: nowhere\.invalid"):
        ClientSession("nowhere.invalid:7").connect()


@pytest.mark.parametrize(
    "options",
    [
        {"transport": "sctp"},
        {"connect_timeout": 0},
        {"connect_timeout": float("nan")},
        {"read_timeout": -1},
    ],
)
def test_bad_options_are_input_errors(options: dict[str, object]) -> None:
    with pytest.raises(InputError):
        ClientSession("127.0.0.1:7", **options)  # type: ignore[arg-type]


def test_bad_endpoint_is_an_input_error() -> None:
    with pytest.raises(InputError):
        ClientSession("127.0.0.1")


# In a network namespace with only a loopback, 192.0.2.0/24 (TEST-NET-1) routed to
# lo goes nowhere: a SYN to it is dropped, so the connect really times out, and
# 198.51.100.1 has no route at all.
_ISOLATED_CONNECT = """
import json, subprocess, time
from netlab.core.client import ClientSession
from netlab.core.errors import OperationFailed
subprocess.run(["ip", "route", "add", "192.0.2.0/24", "dev", "lo"], check=True)
results = {}
for name, endpoint in [("timeout", "192.0.2.1:80"), ("unreachable", "198.51.100.1:80")]:
    started = time.monotonic()
    try:
        ClientSession(endpoint, connect_timeout=0.5).connect()
        results[name] = ["connected", 0]
    except OperationFailed as error:
        results[name] = [str(error), time.monotonic() - started]
print(json.dumps(results))
"""


def test_connect_timeout_and_unreachable_in_an_isolated_network() -> None:
    results = run_isolated(_ISOLATED_CONNECT, timeout=20)
    message, took = results["timeout"]
    assert message == "Connecting to 192.0.2.1:80 timed out after 0.5 s."
    assert 0.4 < took < 1.5
    message, took = results["unreachable"]
    assert message.startswith("198.51.100.1:80 is unreachable")
    assert took < 0.5


# UDP


def test_udp_session_echo(udp_echo: UdpEcho) -> None:
    bus = EventBus()
    with ClientSession(f"127.0.0.1:{udp_echo.port}", transport="udp", bus=bus) as session:
        session.send_bytes(b"anything")
        session.send_text("two")
        assert session.wait_for(b"two\n", 2) == b"anythingtwo\n"
        assert (session.messages_in, session.messages_out) == (2, 2)
    assert session.close_reason is CloseReason.BY_US
    kinds = [e.kind for e in Collector(bus).until(has(Kind.CLOSED))]
    assert kinds.count(Kind.RECEIVED) == 2


@needs_ipv6
def test_udp_over_ipv6_loopback() -> None:
    server = UdpEcho("::1")
    try:
        assert send_once(f"[::1]:{server.port}", b"v6", transport="udp") == b"v6"
    finally:
        server.close()


def test_udp_to_nothing_keeps_the_session_and_reports_an_error() -> None:
    bus = EventBus()
    with ClientSession(f"127.0.0.1:{free_port()}", transport="udp", bus=bus) as session:
        session.send_bytes(b"anyone?")
        events = Collector(bus).until(has(Kind.ERROR))
        said = [e.detail for e in events if e.kind is Kind.ERROR]
        assert any("Nothing is listening" in d and "ICMP port unreachable" in d for d in said)
        assert session.state == "connected"


def test_send_once_udp(udp_echo: UdpEcho) -> None:
    reply = send_once(f"127.0.0.1:{udp_echo.port}", b"anything", transport="udp", timeout=2)
    assert reply == b"anything"


def test_send_once_udp_with_no_listener() -> None:
    with pytest.raises(OperationFailed, match=r"Nothing is listening .*ICMP port unreachable"):
        send_once(f"127.0.0.1:{free_port()}", b"x", transport="udp", timeout=1)


# one-shot TCP


def test_send_once_tcp_reads_until_the_server_closes(serve: Callable[..., TcpServer]) -> None:
    server = serve(greet_and_close)
    assert send_once(server.endpoint, b"", timeout=2) == b"hello\nbye\n"


def test_send_once_tcp_stops_when_idle_after_data(serve: Callable[..., TcpServer]) -> None:
    server = serve(echo)
    started = time.monotonic()
    reply = send_once(server.endpoint, b"ping", framing=Framing.CRLF, timeout=0.3)
    assert reply == b"ping\r\n"
    assert time.monotonic() - started < 1.5


def test_send_once_tcp_without_reply_times_out(serve: Callable[..., TcpServer]) -> None:
    server = serve(silent)
    with pytest.raises(OperationFailed, match="No reply"):
        send_once(server.endpoint, b"hello", timeout=0.2)


class _HeadHandler(http.server.BaseHTTPRequestHandler):
    def do_HEAD(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("X-Netlab", "yes")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_head_returns_status_line_and_headers() -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _HeadHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        reply = head(f"127.0.0.1:{server.server_address[1]}", timeout=2)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(2)
    status, _, rest = reply.partition(b"\r\n")
    assert status.startswith(b"HTTP/1.0 200")
    assert b"X-Netlab: yes\r\n" in rest
    assert reply.endswith(b"\r\n\r\n")


def test_head_refused() -> None:
    with pytest.raises(OperationFailed, match="refused"):
        head(f"127.0.0.1:{free_port()}", timeout=1)
