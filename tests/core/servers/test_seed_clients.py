"""The seeds' own clients, as printed, get their answers from netlab's servers.

Each client here does what the seed's Go program does, call for call: one Write with
no newline, then one Read of up to 1024 bytes (the uppercase client), or a loop of
Write and Read on one long connection (the timestamp client). A server that waited
for a newline would leave them with nothing, as netlab's once did.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest

from netlab.core.servers import TcpServer

from .conftest import MOMENT, fixed, wait_for

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
