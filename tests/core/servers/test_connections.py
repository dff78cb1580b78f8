"""connections(): what a server knows of its connections (UDP: sources), read any time.

The server counts them itself, so the numbers hold however many events the bus drops.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest

from netlab.core.bus import EventBus
from netlab.core.endpoints import address_text
from netlab.core.events import CloseReason
from netlab.core.servers import TcpServer, UdpServer
from netlab.core.servers import base as servers_base
from netlab.core.servers.base import ConnectionInfo
from tests.core.servers.conftest import TIMEOUT, recv_exactly, wait_for

StartTcp = Callable[..., TcpServer]
StartUdp = Callable[..., UdpServer]
Connect = Callable[[Any], socket.socket]


def _only(server: TcpServer | UdpServer) -> ConnectionInfo:
    [info] = server.connections()
    return info


def _where(server: UdpServer) -> tuple[str, int]:
    assert server.address is not None
    return server.address


@pytest.mark.parametrize("model", ["threaded", "iterative", "async"])
def test_a_connection_is_listed_while_open_and_after_it_closes(
    tcp_server: StartTcp, connect: Connect, model: str
) -> None:
    server = tcp_server("echo", model=model)
    client = connect(server)
    client.sendall(b"hello\n")
    assert recv_exactly(client, 6) == b"hello\n"
    peer = address_text(client.getsockname())
    assert wait_for(lambda: _only(server).bytes_out == 6)
    info = _only(server)
    assert (info.peer, info.bytes_in, info.bytes_out, info.closed) == (peer, 6, 6, None)
    client.close()
    assert wait_for(lambda: _only(server).closed is CloseReason.BY_PEER)
    assert _only(server).since == info.since
    assert (_only(server).bytes_in, _only(server).bytes_out) == (6, 6)


def test_the_oldest_closed_go_first(
    tcp_server: StartTcp, connect: Connect, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(servers_base, "MAX_CLOSED", 3)
    server = tcp_server("echo")
    peers = []
    for number in range(5):
        client = connect(server)
        client.sendall(b"%d\n" % number)
        assert recv_exactly(client, 2) == b"%d\n" % number
        peers.append(address_text(client.getsockname()))
        client.close()
        # Closed there before the next comes: under load the server could otherwise
        # notice the closes in another order than they were made.
        assert wait_for(
            lambda n=number: (
                server.total_connections == n + 1  # type: ignore[misc]
                and server.open_connections == 0
            )
        )
    held = connect(server)
    assert wait_for(lambda: server.open_connections == 1)
    listed = server.connections()
    # Oldest first: the last three closed, then the open one.
    assert [info.peer for info in listed[:3]] == peers[2:]
    assert all(info.closed is CloseReason.BY_PEER for info in listed[:3])
    assert listed[3].peer == address_text(held.getsockname()) and listed[3].closed is None
    # A limit drops the oldest closed first, never an open one while closed ones remain.
    assert [info.peer for info in server.connections(limit=2)] == [peers[4], listed[3].peer]
    assert [info.closed for info in server.connections(limit=1)] == [None]
    assert server.connections(limit=0) == []


def test_udp_sources_are_listed_with_their_bytes(udp_server: StartUdp) -> None:
    server = udp_server("echo", rate=1e6)
    senders = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2)]
    try:
        for count, sender in enumerate(senders, 1):
            sender.settimeout(TIMEOUT)
            for _ in range(count):
                sender.sendto(b"ping", _where(server))
                assert sender.recvfrom(100)[0] == b"ping"
        expected = [
            (f"127.0.0.1:{sender.getsockname()[1]}", 4 * count, 4 * count, None)
            for count, sender in enumerate(senders, 1)
        ]

        def listed() -> list[tuple[str, int, int, CloseReason | None]]:
            return [(i.peer, i.bytes_in, i.bytes_out, i.closed) for i in server.connections()]

        assert wait_for(lambda: listed() == expected)
    finally:
        for sender in senders:
            sender.close()


@pytest.mark.parametrize("model", ["threaded", "async"])
def test_under_a_flood_the_counts_are_exact_though_the_bus_drops(
    tcp_server: StartTcp, connect: Connect, model: str
) -> None:
    bus = EventBus(capacity=4)
    # Every message its own event, into a bus of four: nearly all are dropped.
    server = tcp_server("echo", model=model, bus=bus, message_rate=1_000_000)
    client = connect(server)
    lines = [b"x" * (n % 50) + b"\n" for n in range(3000)]
    sent = b"".join(lines)
    client.sendall(sent)
    assert recv_exactly(client, len(sent)) == sent
    assert bus.dropped > 0
    assert wait_for(lambda: _only(server).bytes_out == len(sent))
    assert _only(server).bytes_in == len(sent)
    client.close()
    assert wait_for(lambda: _only(server).closed is CloseReason.BY_PEER)
    info = _only(server)
    assert (info.bytes_in, info.bytes_out) == (len(sent), len(sent))


def test_a_udp_flood_is_counted_exactly_though_the_bus_drops(udp_server: StartUdp) -> None:
    bus = EventBus(capacity=4)
    server = udp_server("echo", bus=bus, rate=1e6, message_rate=1_000_000)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        sender.settimeout(TIMEOUT)
        total = 0
        for n in range(500):
            datagram = b"d" * (1 + n % 30)
            sender.sendto(datagram, _where(server))
            assert sender.recvfrom(100)[0] == datagram
            total += len(datagram)
        assert bus.dropped > 0
        assert wait_for(lambda: _only(server).bytes_out == total)
        assert _only(server).bytes_in == total


def test_a_spoofed_flood_of_sources_keeps_only_the_newest(
    udp_server: StartUdp, monkeypatch: pytest.MonkeyPatch
) -> None:
    from netlab.core.servers import udp

    monkeypatch.setattr(udp, "MAX_SOURCES", 4)
    monkeypatch.setattr(udp, "MAX_CLOSED", 2)
    server = udp_server("echo", rate=1e6)
    senders = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(5)]
    try:
        for sender in senders:
            sender.settimeout(TIMEOUT)
            sender.sendto(b"hi", _where(server))
            assert sender.recvfrom(100)[0] == b"hi"
        ports = [sender.getsockname()[1] for sender in senders]
        # Four filled it; the fifth kept the newest two of them, and came after.
        assert [info.peer for info in server.connections()] == [
            f"127.0.0.1:{port}" for port in ports[2:]
        ]
    finally:
        for sender in senders:
            sender.close()
