"""The async model and what every model must survive: big streams, tiny writes, many clients."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from netlab.core.bus import EventBus
from netlab.core.errors import InputError
from netlab.core.events import Kind
from netlab.core.servers import ServerSpec, TcpServer, UdpServer, loop, make_server, parse_spec
from netlab.core.servers.aio import AsyncTcpConnection, AsyncTcpListener
from tests.waits import loop_until

from .conftest import TIMEOUT, recv_exactly, wait_for

StartTcp = Callable[..., TcpServer]
Connect = Callable[[Any], socket.socket]


def echo_through(client: socket.socket, payload: bytes, write_size: int) -> bytes:
    """Send `payload` in writes of `write_size` while a thread reads the echo back."""
    received: list[bytes] = []

    def read() -> None:
        data = bytearray()
        deadline = time.monotonic() + 20
        while len(data) < len(payload) and time.monotonic() < deadline:
            chunk = client.recv(1 << 20)
            if not chunk:
                break
            data += chunk
        received.append(bytes(data))

    reader = threading.Thread(target=read)
    reader.start()
    view = memoryview(payload)
    for start in range(0, len(payload), write_size):
        client.sendall(view[start : start + write_size])
    reader.join(20)
    assert not reader.is_alive()
    return received[0]


def test_echo_carries_ten_megabytes_in_megabyte_writes(
    tcp_server: StartTcp, connect: Connect, model: str
) -> None:
    server = tcp_server("echo", model=model)
    payload = os.urandom(10 * 1024 * 1024)
    assert echo_through(connect(server), payload, 1024 * 1024) == payload
    assert wait_for(lambda: server.bytes_out == len(payload))
    assert server.bytes_in == len(payload) and server.errors == 0


def test_echo_carries_one_byte_writes(tcp_server: StartTcp, connect: Connect, model: str) -> None:
    server = tcp_server("echo", model=model, bus=EventBus(capacity=1000))
    client = connect(server)
    client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    payload = os.urandom(64 * 1024)
    assert echo_through(client, payload, 1) == payload
    assert wait_for(lambda: server.bytes_out == len(payload))


def test_two_hundred_concurrent_clients(tcp_server: StartTcp, model: str) -> None:
    server = tcp_server(
        "echo", model=model, max_conns=300, per_source=300, bus=EventBus(capacity=1000)
    )
    assert server.address is not None
    host, port = server.address
    clients, rounds = 200, 5

    async def client(number: int, go: asyncio.Event, opened: list[int]) -> int:
        reader, writer = await asyncio.open_connection(host, port)
        opened.append(number)
        await go.wait()  # every client is connected and accepted before any talks
        done = 0
        for turn in range(rounds):
            message = f"client {number} turn {turn}\n".encode()
            writer.write(message)
            assert await reader.readexactly(len(message)) == message
            done += 1
        writer.close()
        await writer.wait_closed()
        return done

    async def everyone() -> list[int]:
        go, opened = asyncio.Event(), list[int]()
        work = asyncio.gather(*(client(n, go, opened) for n in range(clients)))
        await loop_until(
            lambda: len(opened) == clients and server.open_connections == clients,
            "every client to be connected and accepted",
            10,
        )
        go.set()
        return await asyncio.wait_for(work, 15)

    started = time.monotonic()
    assert asyncio.run(everyone()) == [rounds] * clients
    assert time.monotonic() - started < 15
    assert wait_for(lambda: server.open_connections == 0)
    assert server.total_connections == clients and server.refused == 0
    assert server.messages_in >= clients  # round trips can merge into fewer raw reads
    assert server.bytes_in == server.bytes_out


def test_async_flow_control_stops_reading_from_a_client_that_does_not_read(
    tcp_server: StartTcp, connect: Connect
) -> None:
    server = tcp_server("echo", model="async", bus=EventBus(capacity=1000))
    client = connect(server)
    client.setblocking(False)
    sent = bytearray()
    chunk = os.urandom(64 * 1024)
    stuck_since: float | None = None
    deadline = time.monotonic() + 10
    # Write without reading until nothing more goes for a while, or 64 MB went.
    while len(sent) < 64 * 1024 * 1024 and time.monotonic() < deadline:
        try:
            size = client.send(chunk)
        except BlockingIOError:
            stuck_since = stuck_since or time.monotonic()
            if time.monotonic() - stuck_since > 0.3:
                break
            time.sleep(0.005)  # a writer's back-off: "stuck" is measured over time
            continue
        stuck_since = None
        sent += chunk[:size]
    assert stuck_since is not None, "the server kept reading from a client that never reads"
    (conn,) = server.open_ones()
    assert isinstance(conn, AsyncTcpConnection)
    assert conn.transport is not None
    # What waits in the server is bounded by the high-water mark and one read's replies.
    assert conn.transport.get_write_buffer_size() <= 1024 * 1024
    # Reading again resumes the echo, byte-exact.
    client.setblocking(True)
    client.settimeout(TIMEOUT)
    assert recv_exactly(client, len(sent)) == bytes(sent)


def test_async_raw_chunks_are_cut_at_max_message(tcp_server: StartTcp, connect: Connect) -> None:
    server = tcp_server("echo", model="async", max_message=10)
    client = connect(server)
    client.sendall(b"x" * 95)
    assert recv_exactly(client, 95) == b"x" * 95
    assert server.messages_in >= 10


def test_async_servers_share_one_thread(bus: EventBus) -> None:
    loop.get_loop()
    threads_before = threading.active_count()
    servers = [TcpServer(kind, model="async", bus=bus) for kind in ("echo", "upper", "chat")]
    servers.append(UdpServer("echo", model="async", bus=bus))  # type: ignore[arg-type]
    try:
        for server in servers:
            server.start()
        assert threading.active_count() == threads_before
    finally:
        for server in servers:
            server.stop()


def test_loop_shutdown_stops_servers_and_the_loop_starts_again(bus: EventBus) -> None:
    server = TcpServer("echo", model="async", bus=bus)
    host, port = server.start()
    client = socket.create_connection((host, port), timeout=TIMEOUT)
    try:
        client.sendall(b"x")
        assert recv_exactly(client, 1) == b"x"
        started = time.monotonic()
        loop.shutdown()
        assert time.monotonic() - started < 2
        assert not loop.running() and not server.running
        assert client.recv(10) == b""
    finally:
        client.close()
    again = TcpServer("echo", model="async", bus=bus, port=port)
    try:
        again.start()
        assert loop.running()
        with socket.create_connection((host, port), timeout=TIMEOUT) as second:
            second.sendall(b"y")
            assert recv_exactly(second, 1) == b"y"
    finally:
        again.stop()


def test_async_stop_from_many_connections_is_prompt(bus: EventBus) -> None:
    server = TcpServer("echo", model="async", bus=bus, max_conns=300, per_source=300)
    host, port = server.start()
    clients = [socket.create_connection((host, port), timeout=TIMEOUT) for _ in range(100)]
    try:
        assert wait_for(lambda: server.open_connections == 100)
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < 1
        assert server.open_connections == 0
        assert sum(e.kind is Kind.CLOSED for e in bus.drain()) == 100
    finally:
        for client in clients:
            client.close()


@pytest.fixture
def udp_client() -> Any:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(TIMEOUT)
    yield sock
    sock.close()


def test_async_udp_answers_and_stops(udp_client: socket.socket, bus: EventBus) -> None:
    server = UdpServer("upper", model="async", bus=bus)
    address = server.start()
    try:
        udp_client.sendto(b"quiet", address)
        assert udp_client.recvfrom(100)[0] == b"QUIET"
        udp_client.sendto(b"", address)
        assert udp_client.recvfrom(100)[0] == b""
        assert wait_for(lambda: server.messages_out == 2)
    finally:
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < 1
    kinds = [e.kind for e in bus.drain()]
    assert kinds[0] is Kind.LISTENING and kinds[-1] is Kind.STOPPED
    assert kinds.count(Kind.DATAGRAM_IN) == 2 and kinds.count(Kind.DATAGRAM_OUT) == 2
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as again:
        again.bind(address)  # the port is free at once


def test_async_udp_rate_limit_still_applies(udp_client: socket.socket) -> None:
    server = UdpServer("echo", model="async", rate=1, burst=2)
    address = server.start()
    try:
        for _ in range(5):
            udp_client.sendto(b"x", address)
        assert wait_for(lambda: server.messages_in == 5)
        assert server.rate_limited == 3 and server.messages_out == 2
    finally:
        server.stop()


def test_specs_name_a_model() -> None:
    assert parse_spec("echo:0@async") == ServerSpec("tcp", "echo", 0, "async")
    assert parse_spec("udp:echo:7@Async ") == ServerSpec("udp", "echo", 7, "async")
    assert parse_spec("chat:9000") == ServerSpec("tcp", "chat", 9000)
    assert str(parse_spec("tcp:upper:1@iterative")) == "tcp/upper:1@iterative"
    with pytest.raises(InputError, match="Unknown model 'forking'"):
        parse_spec("echo:1@forking")
    with pytest.raises(InputError, match="does not run over UDP"):
        parse_spec("udp:chat:1@async")
    tcp = make_server("echo:0@async", model="threaded")
    assert isinstance(tcp, TcpServer) and tcp.model == "async"
    assert make_server("echo:0", model="async").model == "async"
    udp = make_server("udp:echo:0@async")
    assert isinstance(udp, UdpServer) and udp.model == "async"
    with pytest.raises(InputError, match="Unknown model"):
        UdpServer("echo", model="forking")  # type: ignore[arg-type]


def test_async_start_returns_the_bound_address_at_once() -> None:
    server = TcpServer("echo", model="async")
    started = time.monotonic()
    host, port = server.start()
    try:
        assert time.monotonic() - started < 1
        assert host == "127.0.0.1" and port > 0
        assert isinstance(server._aserver, AsyncTcpListener)
    finally:
        server.stop()
