"""The seeds' own clients, as printed, get their answers from netlab's servers.

Each client here does what the seed's Go program does, call for call: one Write with
no newline, then one Read of up to 1024 bytes (the uppercase client), or a loop of
Write and Read on one long connection (the timestamp client). A server that waited
for a newline would leave them with nothing, as netlab's once did; one that must wait
for its delimiter (the tab server) says in its log what it holds.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest

from netlab.core.bus import EventBus
from netlab.core.events import Kind, format_event
from netlab.core.servers import TcpServer

from .conftest import MOMENT, Seen, fixed, wait_for

StartTcp = Callable[..., TcpServer]
Connect = Callable[[Any], socket.socket]
ALL_MODELS = ["threaded", "iterative", "async"]


def write_then_read_once(client: socket.socket, message: bytes) -> bytes:
    """conn.Write([]byte(message)); n, _ := conn.Read(recv); recv[:n]"""
    client.sendall(message)
    return client.recv(1024)


@pytest.mark.parametrize("model", ALL_MODELS)
def test_the_seeds_uppercase_client_gets_hello_world_upper_cased(
    tcp_server: StartTcp, connect: Connect, model: str
) -> None:
    server = tcp_server("upper", model=model)
    assert write_then_read_once(connect(server), b"hello world") == b"HELLO WORLD"
    assert wait_for(lambda: server.messages_out == 1)


@pytest.mark.parametrize("model", ALL_MODELS)
def test_the_seeds_timestamp_client_gets_seconds_then_the_time(
    tcp_server: StartTcp, connect: Connect, model: str
) -> None:
    client = connect(tcp_server("timestamp", model=model, clock=fixed))
    assert write_then_read_once(client, b"timestamp") == b"%d" % int(MOMENT.timestamp())
    # The same connection stays open for the next request, as the seed's does.
    assert write_then_read_once(client, b"anything") == b"2017-01-02 20:13:21.934698 +1100 AEDT"


@pytest.mark.parametrize("model", ALL_MODELS)
def test_what_a_server_holds_for_its_delimiter_is_in_its_log(
    tcp_server: StartTcp, connect: Connect, bus: EventBus, model: str
) -> None:
    server = tcp_server("tab", model=model)
    client = connect(server)
    client.sendall(b"half")  # no TAB: the tab server has no message to answer yet
    seen = Seen(bus)
    assert wait_for(lambda: bool(seen.of(Kind.HELD)))
    [held] = seen.of(Kind.HELD)
    assert (held.data, held.size) == (b"half", 4)
    assert held.detail == "no message yet: held until a TAB ends it"
    assert "held  127.0.0.1:" in format_event(held) and "4 bytes half" in format_event(held)
    client.sendall(b" more\t")
    assert client.recv(1024) == b"server got:half more\t"
    assert len(seen.of(Kind.HELD)) == 1  # once a message, as it begins
