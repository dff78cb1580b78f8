"""UDP servers over real loopback sockets: each protocol, big datagrams, the guards."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from netlab.core.bus import EventBus
from netlab.core.errors import InputError
from netlab.core.events import Kind
from netlab.core.servers import UdpServer
from netlab.core.servers.udp import MAX_DATAGRAM, RateLimiter

from .conftest import TIMEOUT, wait_for

StartUdp = Callable[..., UdpServer]


@pytest.fixture
def client() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(TIMEOUT)
    # Room for several 64 KiB answers queued at once.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    yield sock
    sock.close()


def ask(client: socket.socket, server: UdpServer, data: bytes) -> bytes:
    assert server.address is not None
    client.sendto(data, server.address)
    answer, source = client.recvfrom(65535)
    assert source[1] == server.address[1]
    return answer


@pytest.mark.parametrize("size", [0, 1, 9000, MAX_DATAGRAM])
def test_echo_is_byte_exact(udp_server: StartUdp, client: socket.socket, size: int) -> None:
    server = udp_server("echo")
    payload = os.urandom(size)
    assert ask(client, server, payload) == payload


def test_daytime_time_and_upper(udp_server: StartUdp, client: socket.socket) -> None:
    daytime = ask(client, udp_server("daytime"), b"")
    assert daytime[:4].isdigit() and daytime.endswith(b"\n")
    seconds = int.from_bytes(ask(client, udp_server("time"), b"x"), "big")
    assert abs(seconds - 2_208_988_800 - time.time()) < 5
    assert ask(client, udp_server("upper"), b"hello") == b"HELLO"


def test_discard_answers_nothing(udp_server: StartUdp, client: socket.socket) -> None:
    server = udp_server("discard")
    assert server.address is not None
    client.sendto(b"gone", server.address)
    client.settimeout(0.2)
    with pytest.raises(TimeoutError):
        client.recvfrom(100)
    assert server.messages_in == 1 and server.messages_out == 0


def test_tcp_only_protocols_are_refused() -> None:
    for kind in ("timestamp", "tab"):
        with pytest.raises(InputError, match="does not run over UDP"):
            UdpServer(kind)


def test_source_ports_below_1024_get_no_answer(udp_server: StartUdp, bus: EventBus) -> None:
    server = udp_server("echo")
    session = server.protocol("udp")
    # Called directly: binding a real port below 1024 needs privileges tests may lack.
    server._answer(session, b"reflect me", ("127.0.0.1", 7))
    assert server.ignored == 1 and server.messages_out == 0
    event = [e for e in bus.drain() if e.kind is Kind.DATAGRAM_IN][-1]
    assert "below 1024" in event.detail


def test_rate_limit_per_source(udp_server: StartUdp, client: socket.socket) -> None:
    server = udp_server("echo", rate=5)
    assert server.address is not None
    for index in range(20):
        client.sendto(b"%d" % index, server.address)
    assert wait_for(lambda: server.messages_in == 20)
    answers = 0
    client.settimeout(0.2)
    for _ in range(20):
        try:
            client.recvfrom(100)
        except TimeoutError:
            break
        answers += 1
    assert 5 <= answers <= 7 and server.rate_limited == 20 - answers


def test_rate_limiter_refills() -> None:
    limiter = RateLimiter(rate=2, burst=2)
    assert [limiter.allow("a", now=0.0) for _ in range(3)] == [True, True, False]
    assert limiter.allow("b", now=0.0)
    assert limiter.allow("a", now=0.5) and not limiter.allow("a", now=0.5)


def test_events_and_prompt_stop(bus: EventBus, client: socket.socket) -> None:
    threads_before = threading.active_count()
    server = UdpServer("echo", bus=bus)
    address = server.start()
    try:
        assert ask(client, server, b"ping") == b"ping"
    finally:
        started = time.monotonic()
        server.stop()
    assert time.monotonic() - started < 1
    assert threading.active_count() == threads_before
    kinds = [e.kind for e in bus.drain()]
    assert kinds == [Kind.LISTENING, Kind.DATAGRAM_IN, Kind.DATAGRAM_OUT, Kind.STOPPED]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as again:
        again.bind(address)
