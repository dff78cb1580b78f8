"""A flooded server logs its first messages one by one and sums the rest, exactly."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

from netlab.core.bus import EventBus
from netlab.core.events import Event, Kind
from netlab.core.servers import TcpServer, UdpServer

from .conftest import TIMEOUT, recv_exactly, wait_for

RATE = 5
MESSAGES = 40
PAYLOAD = b"0123456789abcdef"


def tally(events: list[Event], kind: Kind) -> tuple[int, int, int]:
    """(messages, bytes, events) of one kind: single events count one message each."""
    chosen = [e for e in events if e.kind is kind and not e.detail]
    return (
        sum(e.summed or 1 for e in chosen),
        sum(e.size for e in chosen),
        len(chosen),
    )


def test_tcp_flood_is_summed_exactly_before_the_close(
    tcp_server: Callable[..., TcpServer],
    connect: Callable[[Any], socket.socket],
    bus: EventBus,
    model: str,
) -> None:
    server = tcp_server("echo", model=model, message_rate=RATE)
    client = connect(server)
    for _ in range(MESSAGES):  # one round trip at a time: one message each
        client.sendall(PAYLOAD)
        assert recv_exactly(client, len(PAYLOAD)) == PAYLOAD
    client.close()
    events: list[Event] = []

    def closed() -> bool:
        events.extend(bus.drain())
        return any(e.kind is Kind.CLOSED for e in events)

    assert wait_for(closed)
    total = MESSAGES * len(PAYLOAD)
    received, sent = tally(events, Kind.RECEIVED), tally(events, Kind.SENT)
    assert received[:2] == sent[:2] == (MESSAGES, total)
    assert received[2] < MESSAGES and sent[2] < MESSAGES  # some were summed
    assert (server.messages_in, server.bytes_in, server.bytes_out) == (MESSAGES, total, total)
    # Every summary of that peer comes before its closing line.
    close_at = next(i for i, e in enumerate(events) if e.kind is Kind.CLOSED)
    assert all(i < close_at for i, e in enumerate(events) if e.summed)


def test_udp_flood_is_summed_exactly_by_the_time_the_server_stops(
    udp_server: Callable[..., UdpServer], bus: EventBus, model: str
) -> None:
    server = udp_server("echo", model=model, message_rate=RATE)
    address = server.address
    assert address is not None  # started
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
        client.settimeout(TIMEOUT)
        for _ in range(MESSAGES):
            client.sendto(PAYLOAD, address)
            assert client.recvfrom(100)[0] == PAYLOAD
    server.stop()
    events = bus.drain()
    total = MESSAGES * len(PAYLOAD)
    assert tally(events, Kind.DATAGRAM_IN)[:2] == (MESSAGES, total)
    assert tally(events, Kind.DATAGRAM_OUT)[:2] == (MESSAGES, total)
    assert events[-1].kind is Kind.STOPPED


def test_a_flood_of_lines_sums_their_bytes_on_the_wire(
    tcp_server: Callable[..., TcpServer],
    connect: Callable[[Any], socket.socket],
    bus: EventBus,
    model: str,
) -> None:
    server = tcp_server("tab", model=model, message_rate=RATE)
    client = connect(server)
    line = b"hello world\r\t"  # 13 bytes on the wire, 12 for the protocol
    for _ in range(MESSAGES):
        client.sendall(line)
        assert recv_exactly(client, 24) == b"server got:hello world\r\t"
    client.close()
    events: list[Event] = []

    def closed() -> bool:
        events.extend(bus.drain())
        return any(e.kind is Kind.CLOSED for e in events)

    assert wait_for(closed)
    received, sent = tally(events, Kind.RECEIVED), tally(events, Kind.SENT)
    assert received[:2] == (MESSAGES, MESSAGES * 13) and sent[:2] == (MESSAGES, MESSAGES * 24)
    assert received[2] < MESSAGES  # some were summed
    assert (server.bytes_in, server.bytes_out) == (MESSAGES * 13, MESSAGES * 24)
