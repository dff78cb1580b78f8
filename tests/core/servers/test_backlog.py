"""Blocking made visible: an iterative server's next clients, waiting in the accept queue."""

from __future__ import annotations

import socket

import pytest

from netlab.core.bus import EventBus
from netlab.core.events import Event, Kind
from netlab.core.servers import TcpServer
from netlab.core.servers.backlog import Waiting, accept_queue
from tests.waits import wait_until


def test_the_kernel_says_how_many_wait_in_a_listening_sockets_queue() -> None:
    with socket.create_server(("127.0.0.1", 0), backlog=8) as listener:
        assert accept_queue(listener) == 0
        clients = [socket.create_connection(listener.getsockname()) for _ in range(3)]
        try:
            assert wait_until(lambda: accept_queue(listener) == 3, 2)
            listener.accept()[0].close()
            assert accept_queue(listener) == 2
        finally:
            for client in clients:
                client.close()


def test_each_accepted_client_is_told_how_long_it_waited_first_in_first_out() -> None:
    waiting = Waiting()
    waiting.look(1, now=10.0)
    waiting.look(2, now=10.5)
    assert waiting.accepted(now=12.0) == 2.0
    assert waiting.accepted(now=12.0) == 1.5
    assert waiting.accepted(now=12.0) is None  # never seen waiting: accepted at once


def accepted(bus: EventBus, seen: list[Event]) -> list[Event]:
    seen += bus.drain()
    return [event for event in seen if event.kind is Kind.ACCEPTED]


@pytest.mark.parametrize(("model", "waits"), [("iterative", 1), ("threaded", 0)])
def test_a_second_client_waits_while_an_iterative_server_serves_the_first(
    model: str, waits: int
) -> None:
    bus = EventBus()
    server = TcpServer("echo", model=model, bus=bus)  # type: ignore[arg-type]
    server.start()
    assert server.address is not None
    seen: list[Event] = []
    try:
        first = socket.create_connection(server.address, timeout=5)
        first.sendall(b"one\n")
        assert first.recv(16) == b"one\n"  # being served: the iterative server is busy
        second = socket.create_connection(server.address, timeout=5)
        if waits:
            assert wait_until(lambda: server.waiting == 1, 2)
        else:
            assert wait_until(lambda: len(accepted(bus, seen)) == 2, 2)
            assert server.waiting == 0
        first.close()  # the iterative server takes the next one now
        second.sendall(b"two\n")
        assert second.recv(16) == b"two\n"
        second.close()
        assert wait_until(lambda: len(accepted(bus, seen)) == 2, 2)
    finally:
        server.stop()
    later = accepted(bus, seen)[1].detail
    if waits:
        assert later.startswith("after ") and "in the accept queue" in later
    else:
        assert later == ""
