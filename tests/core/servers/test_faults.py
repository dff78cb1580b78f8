"""Faults a lab server injects on purpose, against real clients on loopback, in every model."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import Any

import pytest

from netlab.core.bus import EventBus
from netlab.core.errors import InputError
from netlab.core.events import Kind
from netlab.core.servers import TcpServer, UdpServer, loop
from netlab.core.servers.faults import parse_faults
from tests.core.servers.conftest import TIMEOUT, Seen, recv_exactly, wait_for

StartTcp = Callable[..., TcpServer]
Connect = Callable[[Any], socket.socket]


@pytest.fixture(params=["threaded", "iterative", "async"])
def any_model(request: pytest.FixtureRequest) -> str:
    if request.param == "async":
        loop.get_loop()
    return str(request.param)


def faults_logged(seen: Seen) -> list[str]:
    return [event.detail for event in seen.of(Kind.FAULT)]


def test_a_delayed_reply_comes_no_sooner_than_the_delay(
    tcp_server: StartTcp, connect: Connect, bus: EventBus, any_model: str
) -> None:
    client = connect(tcp_server("echo", model=any_model, faults="delay=200ms"))
    sent_at = time.monotonic()
    client.sendall(b"hi\n")
    assert recv_exactly(client, 3) == b"hi\n"
    assert time.monotonic() - sent_at >= 0.2
    assert faults_logged(Seen(bus)) == ["delayed the reply 200 ms (fault delay=200ms)"]


def test_reset_after_two_replies_resets_on_the_third_message(
    tcp_server: StartTcp, connect: Connect, bus: EventBus, any_model: str
) -> None:
    client = connect(tcp_server("echo", model=any_model, faults="reset-after=2"))
    for message in (b"one\n", b"two\n"):
        client.sendall(message)
        assert recv_exactly(client, len(message)) == message
    client.sendall(b"three\n")
    with pytest.raises(ConnectionResetError):
        for _ in range(100):  # the RST comes as the answer to the third message
            if not client.recv(100):
                break
    seen = Seen(bus)
    assert wait_for(lambda: faults_logged(seen))
    assert faults_logged(seen) == ["reset the connection (fault reset-after=2)"]


def test_a_half_close_ends_the_stream_while_the_server_reads_on(
    tcp_server: StartTcp, connect: Connect, bus: EventBus, any_model: str
) -> None:
    client = connect(tcp_server("echo", model=any_model, faults="half-close-after=1"))
    client.sendall(b"one\n")
    assert recv_exactly(client, 4) == b"one\n"
    assert client.recv(100) == b""  # end of stream: the server sent FIN
    client.sendall(b"still here\n")
    seen = Seen(bus)
    assert wait_for(lambda: any(b"still here" in e.data for e in seen.of(Kind.RECEIVED)))
    assert faults_logged(seen) == [
        "half-closed: sent FIN, still reading (fault half-close-after=1)"
    ]
    assert not seen.of(Kind.CLOSED)


def test_udp_drops_and_duplicates_as_its_seeded_random_says(
    udp_server: Callable[..., UdpServer], bus: EventBus
) -> None:
    server = udp_server("echo", faults="drop=0.5,duplicate=0.5,seed=1")
    assert server.address is not None
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
        client.settimeout(TIMEOUT)
        for number in range(20):
            client.sendto(b"%d" % number, server.address)
        seen = Seen(bus)
        assert wait_for(lambda: len(seen.of(Kind.DATAGRAM_IN)) == 20)
        logged = faults_logged(seen)
        dropped = logged.count("dropped the reply (fault drop=0.5)")
        doubled = logged.count("sent the reply twice (fault duplicate=0.5)")
        assert 0 < dropped < 20 and doubled > 0
        assert wait_for(lambda: len(seen.of(Kind.DATAGRAM_OUT)) == 20 - dropped + doubled)


def test_a_stalled_connection_neither_reads_nor_answers(
    tcp_server: StartTcp, connect: Connect, bus: EventBus, model: str
) -> None:
    client = connect(tcp_server("echo", model=model, faults="stall"))
    client.sendall(b"anyone?\n")
    seen = Seen(bus)
    assert wait_for(lambda: faults_logged(seen))
    assert faults_logged(seen) == ["stalled: not reading or writing (fault stall)"]
    client.settimeout(0.2)
    with pytest.raises(TimeoutError):
        client.recv(10)  # no answer, however long one waits (here a fifth of a second)
    assert not seen.of(Kind.RECEIVED)


def test_read_slowly_takes_all_of_a_message_late_and_says_so_once(
    tcp_server: StartTcp, connect: Connect, bus: EventBus, any_model: str
) -> None:
    client = connect(tcp_server("echo", model=any_model, faults="read-slowly"))
    message = b"x" * 63 + b"\n"  # four of its 16-byte reads, 50 ms apart
    sent_at = time.monotonic()
    client.sendall(message)
    assert recv_exactly(client, len(message)) == message  # late, and whole
    assert time.monotonic() - sent_at >= 0.15
    client.sendall(b"again\n")
    assert recv_exactly(client, 6) == b"again\n"
    assert faults_logged(Seen(bus)) == [
        "reading slowly, about 320 bytes a second (fault read-slowly)"
    ]


def test_small_writes_send_the_reply_a_byte_at_a_time_and_all_of_it(
    tcp_server: StartTcp, connect: Connect, bus: EventBus, model: str
) -> None:
    client = connect(tcp_server("echo", model=model, faults="small-writes"))
    client.sendall(b"hello\n")
    assert recv_exactly(client, 6) == b"hello\n"
    seen = Seen(bus)
    assert wait_for(lambda: faults_logged(seen))
    assert faults_logged(seen) == ["wrote the reply one byte a send, 6 sends (fault small-writes)"]


def test_accept_delay_takes_a_waiting_client_late(
    tcp_server: StartTcp, connect: Connect, bus: EventBus, model: str
) -> None:
    server = tcp_server("echo", model=model, faults="accept-delay=200ms")
    connected_at = time.monotonic()
    client = connect(server)  # the kernel's handshake: at once, whatever accept does
    client.sendall(b"hi\n")
    assert recv_exactly(client, 3) == b"hi\n"
    assert time.monotonic() - connected_at >= 0.2
    assert faults_logged(Seen(bus)) == [
        "took the connection 200 ms late (fault accept-delay=200ms)"
    ]


def test_udp_reorder_sends_a_held_reply_after_the_next(
    udp_server: Callable[..., UdpServer],
) -> None:
    server = udp_server("echo", faults="reorder=1")  # every reply waits for the next
    assert server.address is not None
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
        client.settimeout(TIMEOUT)
        for message in (b"first", b"second", b"third"):
            client.sendto(message, server.address)
        assert client.recv(100) == b"second"  # "first" held, then sent after it
        assert client.recv(100) == b"first"


def test_faults_changed_while_serving_apply_from_the_next_message(
    tcp_server: StartTcp, connect: Connect, bus: EventBus, model: str
) -> None:
    server = tcp_server("echo", model=model)
    client = connect(server)
    client.sendall(b"a\n")
    assert recv_exactly(client, 2) == b"a\n"
    server.set_faults("close-after=1")
    client.sendall(b"b\n")
    assert recv_exactly(client, 3) == b"b\n"
    assert client.recv(10) == b""
    assert "closed the connection (fault close-after=1)" in faults_logged(Seen(bus))


@pytest.mark.parametrize(
    ("spec", "transport", "says"),
    [
        ("dely=200ms", "tcp", "Unknown fault 'dely': use delay, drop,"),
        ("drop=2", "tcp", "drop must be a fraction from 0 to 1, as in drop=0.1"),
        ("delay=200", "tcp", "delay must be a time with its unit, ms or s"),
        ("delay=1s~x", "tcp", "delay must be a time with its unit"),
        ("close-after=0", "tcp", "close-after must be a count of replies"),
        ("stall=1", "tcp", "stall takes no value"),
        ("drop=0.1,drop=0.2", "tcp", "drop is given twice"),
        ("duplicate=0.1", "tcp", "duplicate is for UDP servers only"),
        ("reset-after=2", "udp", "reset-after is for TCP servers only"),
    ],
)
def test_a_fault_spec_that_cannot_be_says_what_is_wrong(
    spec: str, transport: str, says: str
) -> None:
    with pytest.raises(InputError, match=says.replace("(", r"\(")):
        if transport == "udp":
            UdpServer("echo", faults=spec)
        else:
            TcpServer("echo", faults=spec)
    assert parse_faults("") is None
