"""Fixtures that start real servers on loopback port 0 and always stop them."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

import pytest

from netlab.core.bus import EventBus
from netlab.core.events import Event, Kind
from netlab.core.servers import TcpServer, UdpServer, loop
from tests.waits import wait_until

TIMEOUT = 3.0
MOMENT = datetime(2017, 1, 2, 20, 13, 21, 934698, tzinfo=timezone(timedelta(hours=11), "AEDT"))
"""The time the seeds' printed examples show: the clock given to daytime and time."""


def fixed() -> datetime:
    return MOMENT


class Seen:
    """Everything the bus has carried so far, kept across drains."""

    def __init__(self, bus: EventBus) -> None:
        self.bus = bus
        self.events: list[Event] = []

    def all(self) -> list[Event]:
        self.events += self.bus.drain()
        return self.events

    def of(self, kind: Kind) -> list[Event]:
        return [event for event in self.all() if event.kind is kind]

    def closed(self) -> list[Event]:
        return self.of(Kind.CLOSED)

    def the_close(self) -> Event:
        """The one connection's close, once it came (bounded wait)."""
        assert wait_for(lambda: bool(self.closed()))
        [closed] = self.closed()
        return closed


@pytest.fixture(scope="session", autouse=True)
def shared_loop() -> Iterator[None]:
    """The async servers' shared loop is shut down, with its thread, once all tests ran."""
    yield
    loop.shutdown()
    assert not loop.running()


@pytest.fixture(params=["threaded", "async"])
def model(request: pytest.FixtureRequest) -> str:
    """Each test using it runs once per concurrency model that serves many clients at once."""
    if request.param == "async":
        loop.get_loop()  # started up front, so thread counts taken in the test are stable
    return str(request.param)


Server = TypeVar("Server", TcpServer, UdpServer)


@pytest.fixture
def bus() -> EventBus:
    return EventBus()


def _starting(cls: type[Server], bus: EventBus) -> Iterator[Callable[..., Server]]:
    started: list[Server] = []

    def start(kind: str, **options: Any) -> Server:
        options.setdefault("bus", bus)
        server = cls(kind, **options)
        server.start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def tcp_server(bus: EventBus) -> Iterator[Callable[..., TcpServer]]:
    """tcp_server(kind, **options) -> a started TcpServer, stopped at teardown."""
    yield from _starting(TcpServer, bus)


@pytest.fixture
def udp_server(bus: EventBus) -> Iterator[Callable[..., UdpServer]]:
    """udp_server(kind, **options) -> a started UdpServer, stopped at teardown."""
    yield from _starting(UdpServer, bus)


@pytest.fixture
def connect() -> Iterator[Callable[[Any], socket.socket]]:
    """connect(server) -> a client socket with a timeout, closed at teardown."""
    clients: list[socket.socket] = []

    def open_client(server: Any) -> socket.socket:
        host, port = server.address
        sock = socket.create_connection((host, port), timeout=TIMEOUT)
        clients.append(sock)
        return sock

    yield open_client
    for sock in clients:
        sock.close()


def recv_exactly(sock: socket.socket, size: int) -> bytes:
    data = bytearray()
    deadline = time.monotonic() + TIMEOUT
    while len(data) < size and time.monotonic() < deadline:
        chunk = sock.recv(min(65536, size - len(data)))
        if not chunk:
            break
        data += chunk
    return bytes(data)


def recv_until(sock: socket.socket, end: bytes) -> bytes:
    data = bytearray()
    deadline = time.monotonic() + TIMEOUT
    while not data.endswith(end) and time.monotonic() < deadline:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return bytes(data)


def recv_all(sock: socket.socket) -> bytes:
    """Everything until the server closes (bounded by the socket's timeout)."""
    data = bytearray()
    for _ in range(10_000):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return bytes(data)


def wait_for(condition: Callable[[], object], timeout: float = TIMEOUT) -> bool:
    """tests.waits.wait_until, with the servers' tests' TIMEOUT unless told."""
    return wait_until(condition, timeout)
