"""Server messages say "1 connection", "1 byte", "1 datagram": never "1 connections"."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest

from netlab.core.bus import EventBus
from netlab.core.errors import InputError
from netlab.core.events import Kind
from netlab.core.servers import TcpServer, UdpServer, parse_spec

from .conftest import TIMEOUT, recv_exactly, wait_for

StartTcp = Callable[..., TcpServer]
Connect = Callable[[Any], socket.socket]


def test_one_of_everything_over_tcp(
    tcp_server: StartTcp, connect: Connect, bus: EventBus, model: str
) -> None:
    server = tcp_server("echo", model=model, max_conns=1)
    first = connect(server)
    first.sendall(b"x")
    assert recv_exactly(first, 1) == b"x"
    second = connect(server)  # over max_conns: accepted and closed at once
    assert second.recv(10) == b""
    first.close()
    events: list[Any] = []

    def closed() -> bool:
        events.extend(bus.drain())
        return any(event.kind is Kind.CLOSED for event in events)

    assert wait_for(closed)
    [refused] = [event for event in events if event.kind is Kind.REFUSED]
    assert refused.detail == "already 1 connection open"
    [ended] = [event for event in events if event.kind is Kind.CLOSED]
    assert ended.detail.endswith("; 1 byte in, 1 out")
    server.stop()
    [stopped] = [event for event in bus.drain() if event.kind is Kind.STOPPED]
    assert stopped.detail == "1 connection served"


def test_none_and_many_stay_plural(tcp_server: StartTcp, bus: EventBus) -> None:
    tcp_server("echo").stop()
    [stopped] = [event for event in bus.drain() if event.kind is Kind.STOPPED]
    assert stopped.detail == "0 connections served"


def test_one_datagram_received(bus: EventBus) -> None:
    server = UdpServer("discard", bus=bus)
    server.start()
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
            client.settimeout(TIMEOUT)
            assert server.address is not None
            client.sendto(b"x", server.address)
            assert wait_for(lambda: server.messages_in == 1)
    finally:
        server.stop()
    [stopped] = [event for event in bus.drain() if event.kind is Kind.STOPPED]
    assert stopped.detail == "1 datagram received"


def test_a_spec_too_long_counts_its_characters() -> None:
    with pytest.raises(InputError, match=r"\(101 characters\)"):
        parse_spec("x" * 101)
