"""TCP servers over real loopback sockets: protocols, models, limits, stopping."""

from __future__ import annotations

import contextlib
import os
import socket
import struct
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from netlab.core.bus import EventBus
from netlab.core.errors import InputError
from netlab.core.events import CloseReason, Kind
from netlab.core.servers import TcpServer
from netlab.core.servers.protocols import RFC868_OFFSET

from .conftest import MOMENT, Seen, fixed, recv_all, recv_exactly, recv_until, wait_for

StartTcp = Callable[..., TcpServer]
Connect = Callable[[Any], socket.socket]


def has_ipv6() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
            sock.bind(("::1", 0))
        return True
    except OSError:
        return False


def test_echo_is_byte_exact(tcp_server: StartTcp, connect: Connect, model: str) -> None:
    client = connect(tcp_server("echo", model=model))
    payload = bytes(range(256)) * 4
    client.sendall(payload)
    assert recv_exactly(client, len(payload)) == payload


def test_echo_carries_a_megabyte(tcp_server: StartTcp, connect: Connect, model: str) -> None:
    server = tcp_server("echo", model=model)
    client = connect(server)
    payload = os.urandom(1024 * 1024)
    received: list[bytes] = []
    # Read while writing: otherwise both sides' buffers fill and each waits on the other.
    reader = threading.Thread(target=lambda: received.append(recv_exactly(client, len(payload))))
    reader.start()
    client.sendall(payload)
    reader.join(5)
    assert received == [payload]
    assert wait_for(lambda: server.bytes_out == len(payload))
    assert server.bytes_in == len(payload)


def test_echo_over_ipv6(tcp_server: StartTcp, connect: Connect, model: str) -> None:
    if not has_ipv6():
        pytest.skip("no IPv6 loopback here")
    server = tcp_server("echo", host="::1", model=model)
    assert server.address is not None and server.address[0] == "::1"
    client = connect(server)
    client.sendall(b"six")
    assert recv_exactly(client, 3) == b"six"


def test_daytime_sends_then_closes(tcp_server: StartTcp, connect: Connect, model: str) -> None:
    client = connect(tcp_server("daytime", clock=fixed, model=model))
    assert recv_all(client) == b"2017-01-02 20:13:21.934698 +1100 AEDT\n"


def test_time_sends_four_bytes_then_closes(
    tcp_server: StartTcp, connect: Connect, model: str
) -> None:
    client = connect(tcp_server("time", clock=fixed, model=model))
    data = recv_all(client)
    assert len(data) == 4
    assert int.from_bytes(data, "big") == int(MOMENT.timestamp()) + RFC868_OFFSET


def test_timestamp_keeps_the_connection_open(
    tcp_server: StartTcp, connect: Connect, model: str
) -> None:
    server = tcp_server("timestamp", model=model)
    assert server.idle_timeout == 120.0 and server.max_message == 128
    client = connect(server)
    for _ in range(3):
        client.sendall(b"timestamp\n")
        line = recv_until(client, b"\n")
        assert line[:-1].isdigit()
        assert abs(int(line) - time.time()) < 5
    client.sendall(b"hello\r\n")
    text = recv_until(client, b"\n")
    assert not text[:-1].isdigit() and text[:4].isdigit() and b":" in text
    assert server.open_connections == 1


def test_timestamp_answers_a_long_request_in_128_byte_reads_as_the_seed_does(
    tcp_server: StartTcp, connect: Connect, bus: EventBus, model: str
) -> None:
    server = tcp_server("timestamp", model=model)
    client = connect(server)
    client.sendall(b"x" * 200 + b"\n")
    # Two reads, two answers: 128 bytes with no line end, then 72 with one.
    reply = recv_until(client, b"\n")
    assert reply.count(b" +") == 2 and reply.endswith(b"\n")
    assert wait_for(lambda: server.messages_in == 2)
    assert server.open_connections == 1


def test_upper_and_tab(tcp_server: StartTcp, connect: Connect, model: str) -> None:
    upper = connect(tcp_server("upper", model=model))
    upper.sendall(b"hello\nworld\n")
    assert recv_until(upper, b"WORLD\n") == b"HELLO\nWORLD\n"
    tab = connect(tcp_server("tab", model=model))
    tab.sendall(b"one\ttwo")
    assert recv_until(tab, b"\t") == b"server got:one\t"
    tab.sendall(b"\t")
    assert recv_until(tab, b"\t") == b"server got:two\t"


def test_discard_answers_nothing(tcp_server: StartTcp, connect: Connect, model: str) -> None:
    server = tcp_server("discard", model=model)
    client = connect(server)
    client.sendall(b"into the void" * 100)
    assert wait_for(lambda: server.bytes_in == 1300)
    client.settimeout(0.1)
    with pytest.raises(TimeoutError):
        client.recv(10)
    assert server.bytes_out == 0


def test_iterative_makes_the_second_client_wait(tcp_server: StartTcp, connect: Connect) -> None:
    server = tcp_server("echo", model="iterative")
    first, second = connect(server), connect(server)
    first.sendall(b"one")
    assert recv_exactly(first, 3) == b"one"
    second.sendall(b"two")
    second.settimeout(0.3)
    with pytest.raises(TimeoutError):
        second.recv(10)  # connected at the TCP level, but nobody serves it yet
    first.close()
    second.settimeout(3)
    assert recv_exactly(second, 3) == b"two"


def test_threaded_serves_the_second_client_at_once(tcp_server: StartTcp, connect: Connect) -> None:
    server = tcp_server("echo")
    first, second = connect(server), connect(server)
    first.sendall(b"one")
    assert recv_exactly(first, 3) == b"one"
    second.sendall(b"two")
    second.settimeout(1)
    assert recv_exactly(second, 3) == b"two"
    assert wait_for(lambda: server.open_connections == 2)


def test_connections_beyond_max_conns_are_refused(
    tcp_server: StartTcp, connect: Connect, bus: EventBus, model: str
) -> None:
    server = tcp_server("echo", max_conns=2, model=model)
    kept = [connect(server), connect(server)]
    for client in kept:
        client.sendall(b"x")
        assert recv_exactly(client, 1) == b"x"
    extra = connect(server)
    started = time.monotonic()
    with contextlib.suppress(ConnectionResetError):
        assert extra.recv(10) == b""
    assert time.monotonic() - started < 1
    assert wait_for(lambda: server.refused == 1)
    assert any(e.kind is Kind.REFUSED for e in bus.drain())
    kept[0].sendall(b"still here")
    assert recv_exactly(kept[0], 10) == b"still here"


def test_idle_timeout_closes(
    tcp_server: StartTcp, connect: Connect, bus: EventBus, model: str
) -> None:
    server = tcp_server("echo", idle_timeout=0.3, model=model)
    client = connect(server)
    client.sendall(b"hi")
    assert recv_exactly(client, 2) == b"hi"
    started = time.monotonic()
    assert recv_all(client) == b""
    assert 0.2 < time.monotonic() - started < 2
    seen = Seen(bus)
    assert wait_for(lambda: any(CloseReason.TIMEOUT in e.detail for e in seen.closed()))


@pytest.mark.parametrize("seconds", [-1.0, 0, -0.5])
def test_an_idle_timeout_of_zero_or_less_is_refused_whatever_the_number(seconds: float) -> None:
    # -1 once meant "the protocol's own": a number must never be taken for that.
    with pytest.raises(InputError, match=f"Idle timeout {seconds} must be more than 0"):
        TcpServer("timestamp", idle_timeout=seconds)


def test_stop_with_idle_clients_is_prompt_and_clean(
    connect: Connect, bus: EventBus, model: str
) -> None:
    threads_before = threading.active_count()
    server = TcpServer("echo", bus=bus, model=model)  # type: ignore[arg-type]
    host, port = server.start()
    try:
        clients = [connect(server) for _ in range(5)]
        for client in clients:
            client.sendall(b"x")
            assert recv_exactly(client, 1) == b"x"
        assert server.open_connections == 5
    finally:
        started = time.monotonic()
        server.stop()
        took = time.monotonic() - started
    assert took < 1
    assert threading.active_count() == threads_before
    assert server.open_connections == 0
    closed = Seen(bus).closed()
    assert len(closed) == 5 and all(CloseReason.STOPPING in e.detail for e in closed)
    with socket.socket() as again:  # the port is free at once
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind((host, port))
        again.listen()


def test_iterative_stop_is_prompt_with_clients_waiting(connect: Connect) -> None:
    threads_before = threading.active_count()
    server = TcpServer("echo", model="iterative")
    server.start()
    try:
        clients = [connect(server) for _ in range(5)]
        clients[0].sendall(b"x")
        assert recv_exactly(clients[0], 1) == b"x"
    finally:
        started = time.monotonic()
        server.stop()
    assert time.monotonic() - started < 1
    assert threading.active_count() == threads_before


def fd_count() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_connect_abort_cycles_leak_nothing(tcp_server: StartTcp, model: str) -> None:
    server = tcp_server("echo", model=model, cps=None)  # 500 at once: every one served
    assert server.address is not None
    threads_before, fds_before = threading.active_count(), fd_count()
    for _ in range(500):
        with socket.create_connection(server.address, timeout=3) as client:
            # Linger 0 makes close() send a reset: an abort rather than a goodbye.
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    # An aborted connection may still sit in the backlog, or be gone from it before the
    # server got to it: wait until the server has caught up, whatever it was handed.
    assert wait_for(lambda: server.open_connections == 0 and fd_count() == fds_before)
    assert 0 < server.total_connections <= 500
    assert wait_for(lambda: threading.active_count() == threads_before)
    assert wait_for(lambda: fd_count() == fds_before)
    assert server.errors == 0


def test_events_come_in_order(
    tcp_server: StartTcp, connect: Connect, bus: EventBus, model: str
) -> None:
    server = tcp_server("upper", model=model)
    client = connect(server)
    client.sendall(b"hi\n")
    assert recv_until(client, b"\n") == b"HI\n"
    client.close()
    seen = Seen(bus)
    assert wait_for(lambda: len(seen.closed()) == 1)
    kinds = [e.kind for e in seen.events]
    assert kinds == [Kind.LISTENING, Kind.ACCEPTED, Kind.RECEIVED, Kind.SENT, Kind.CLOSED]
    received, sent, closed = seen.events[2:]
    assert received.data == b"hi\n" and sent.data == b"HI\n"
    assert all(e.source == server.name for e in seen.events)
    assert closed.detail.startswith(CloseReason.BY_PEER)
    assert "3 bytes in, 3 out" in closed.detail


def test_a_failing_protocol_does_not_stop_the_server(
    tcp_server: StartTcp, connect: Connect, bus: EventBus, model: str
) -> None:
    from netlab.core.servers.protocols import Echo, Reply

    class Fragile(Echo):
        def on_message(self, message: bytes) -> Reply:
            if message == b"boom":
                raise RuntimeError("boom")
            return super().on_message(message)

    server = TcpServer(Fragile, bus=bus, model=model)  # type: ignore[arg-type]
    server.start()
    try:
        victim = connect(server)
        victim.sendall(b"boom")
        assert recv_all(victim) == b""
        assert wait_for(lambda: server.errors == 1)
        survivor = connect(server)
        survivor.sendall(b"fine")
        assert recv_exactly(survivor, 4) == b"fine"
    finally:
        server.stop()


def test_lifecycle_errors_are_one_sentence(tcp_server: StartTcp) -> None:
    from netlab.core.errors import InputError, OperationFailed

    server = tcp_server("echo")
    assert server.address is not None
    with pytest.raises(OperationFailed, match="already been started"):
        server.start()
    with pytest.raises(OperationFailed, match=r"Cannot listen on 127\.0\.0\.1:"):
        TcpServer("echo", port=server.address[1]).start()
    with pytest.raises(InputError, match="Unknown model"):
        TcpServer("echo", model="forking")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="Unknown server kind"):
        TcpServer("gopher")
    server.stop()
    server.stop()  # a second stop is harmless
    assert not server.running
