"""What the servers count is what crossed the wire, in every model, over real sockets.

Each test sends known bytes from a plain client socket on 127.0.0.1, reads everything
the server sends back until it closes, and compares both with the server's counters,
its message events and the "N bytes in, M out" of its closing line. Line protocols
are the point: "hello world\\r\\n" is 13 bytes on the wire though the protocol only
sees the 11 of the line.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from netlab.core.bus import EventBus
from netlab.core.events import CloseReason, Event, Kind
from netlab.core.plural import plural
from netlab.core.servers import TcpServer, UdpServer, loop
from netlab.core.servers.protocols import RFC868_OFFSET

from .conftest import MOMENT, TIMEOUT, Seen, fixed, recv_all, recv_until, wait_for

StartTcp = Callable[..., TcpServer]
StartUdp = Callable[..., UdpServer]
Connect = Callable[[Any], socket.socket]
DAYTIME = b"2017-01-02 20:13:21.934698 +1100 AEDT\n"
UNIX = f"{int(MOMENT.timestamp())}\n".encode()
UNIX_CRLF = UNIX.replace(b"\n", b"\r\n")
RFC868 = (int(MOMENT.timestamp()) + RFC868_OFFSET).to_bytes(4, "big")
ALL_MODELS = ["threaded", "iterative", "async"]


@pytest.fixture(params=ALL_MODELS)
def any_model(request: pytest.FixtureRequest) -> str:
    if request.param == "async":
        loop.get_loop()
    return str(request.param)


def sizes(events: list[Event]) -> list[int]:
    assert not any(event.summed for event in events)  # all logged one by one here
    return [event.size for event in events]


def converse(server: TcpServer, client: socket.socket, parts: list[bytes]) -> bytes:
    """Send each part as a read of its own, end our side, and read all until the close."""
    sent = 0
    for part in parts:
        client.sendall(part)
        sent += len(part)

        # The server has read it (counted even when no message is complete yet), so
        # the next part comes in a read of its own.
        def read_so_far(sent: int = sent) -> bool:
            return server.bytes_in == sent

        assert wait_for(read_so_far)
    client.shutdown(socket.SHUT_WR)
    return recv_all(client)


# protocol, parts sent (one read each), the server's whole answer, wire size of each line
TCP_CASES: dict[str, tuple[str, list[bytes], bytes, list[int] | None]] = {
    "tab": ("tab", [b"one\ttwo", b"\t"], b"server got:one\tserver got:two\t", [4, 4]),
    "tab keeps a CR": ("tab", [b"one\r\t"], b"server got:one\r\t", [5]),
    "tab, a message over three reads": ("tab", [b"hel", b"lo", b"\t"], b"server got:hello\t", [6]),
    "tab, a last message never ended": ("tab", [b"done\t", b"half"], b"server got:done\t", [5]),
    # The seeds' upper and timestamp servers answer each read, as their conn.Read does.
    "upper CRLF": ("upper", [b"hello world\r\n"], b"HELLO WORLD\r\n", None),
    "upper, the seed's client sends no newline": ("upper", [b"hello world"], b"HELLO WORLD", None),
    "upper, a line over three reads": (
        "upper",
        [b"hello wo", b"rld\r", b"\n"],
        b"HELLO WORLD\r\n",
        None,
    ),
    "timestamp": ("timestamp", [b"timestamp\r\n", b"when\n"], UNIX_CRLF + DAYTIME, None),
    "timestamp, the seed's client sends no newline": (
        "timestamp",
        [b"timestamp"],
        UNIX.rstrip(b"\n"),
        None,
    ),
    # Raw protocols: a read is a message, however the kernel cut the stream.
    "echo": ("echo", [b"hello world\r\n", b"again\n"], b"hello world\r\nagain\n", None),
    "discard": ("discard", [b"into the void\r\n" * 10, b"x"], b"", None),
}


@pytest.mark.parametrize("case", list(TCP_CASES))
def test_tcp_counts_are_the_bytes_on_the_wire(
    tcp_server: StartTcp, connect: Connect, bus: EventBus, any_model: str, case: str
) -> None:
    protocol, parts, answer, line_sizes = TCP_CASES[case]
    server = tcp_server(protocol, model=any_model, clock=fixed)
    client = connect(server)
    got = converse(server, client, parts)
    assert got == answer
    seen = Seen(bus)
    closed = seen.the_close()
    sent_by_client = sum(len(part) for part in parts)
    assert (server.bytes_in, server.bytes_out) == (sent_by_client, len(got))
    assert closed.detail.startswith(CloseReason.BY_PEER)
    assert closed.detail.endswith(f"; {plural(sent_by_client, 'byte')} in, {len(got)} out")
    received, sent = seen.of(Kind.RECEIVED), seen.of(Kind.SENT)
    assert sum(sizes(sent)) == len(got)
    assert all(event.size == len(event.data) for event in sent)
    if line_sizes is None:
        assert sum(sizes(received)) == sent_by_client
        assert all(event.size == len(event.data) for event in received)
    else:
        assert sizes(received) == line_sizes
        # A line never ended is counted in bytes_in, but it is not a message.
        unended = sent_by_client - sum(line_sizes)
        assert unended == (len(parts[-1]) if case.endswith("never ended") else 0)
    assert server.messages_in == len(received)


def test_the_event_shows_the_message_and_the_wire_size(
    tcp_server: StartTcp, connect: Connect, bus: EventBus, any_model: str
) -> None:
    server = tcp_server("tab", model=any_model)
    client = connect(server)
    client.sendall(b"hello world\t")
    assert recv_until(client, b"\t") == b"server got:hello world\t"
    seen = Seen(bus)
    assert wait_for(lambda: bool(seen.of(Kind.SENT)))
    [received] = seen.of(Kind.RECEIVED)
    assert (received.data, received.size) == (b"hello world", 12)
    [sent] = seen.of(Kind.SENT)
    assert (sent.data, sent.size) == (b"server got:hello world\t", 23)


@pytest.mark.parametrize(
    ("protocol", "answer"), [("daytime", DAYTIME), ("time", RFC868)], ids=["daytime", "time"]
)
def test_tcp_answers_on_connect_count_what_was_sent(
    tcp_server: StartTcp,
    connect: Connect,
    bus: EventBus,
    any_model: str,
    protocol: str,
    answer: bytes,
) -> None:
    server = tcp_server(protocol, model=any_model, clock=fixed)
    got = recv_all(connect(server))
    assert got == answer
    seen = Seen(bus)
    closed = seen.the_close()
    assert closed.detail.startswith(CloseReason.BY_US)
    assert closed.detail.endswith(f"; 0 bytes in, {len(got)} out")
    assert (server.bytes_in, server.bytes_out) == (0, len(got))
    assert sizes(seen.of(Kind.SENT)) == [len(got)]
    assert seen.of(Kind.RECEIVED) == []


def test_a_line_over_the_limit_is_counted_and_the_lines_before_it_answered(
    tcp_server: StartTcp, connect: Connect, bus: EventBus, any_model: str
) -> None:
    server = tcp_server("tab", model=any_model, max_message=16)
    client = connect(server)
    # 32 bytes: however the server reads them (16 at a time, or all at once), it reads
    # them all before the partial message passes 16 bytes, so nothing is left unread.
    payload = b"hi\t" + b"x" * 29
    client.sendall(payload)
    assert recv_all(client) == b"server got:hi\t"
    seen = Seen(bus)
    closed = seen.the_close()
    assert closed.detail.startswith(CloseReason.TOO_BIG)
    assert closed.detail.endswith("; 32 bytes in, 14 out")
    assert (server.bytes_in, server.bytes_out) == (32, 14)
    assert sizes(seen.of(Kind.RECEIVED)) == [3]


def test_chat_counts_what_each_client_sent_and_got(
    tcp_server: StartTcp, connect: Connect, bus: EventBus, model: str
) -> None:
    server = tcp_server("chat", model=model)
    speaker, listener = connect(server), connect(server)
    assert wait_for(lambda: len(server.room) == 2)
    speaker.sendall(b"hi there\r\n")
    host, port = speaker.getsockname()[:2]
    line = f"[{host}:{port}] hi there\n".encode()
    assert recv_until(listener, b"\n") == line
    speaker.close()
    listener.close()
    seen = Seen(bus)
    assert wait_for(lambda: len(seen.of(Kind.CLOSED)) == 2)
    assert (server.bytes_in, server.bytes_out) == (10, len(line))
    assert sizes(seen.of(Kind.RECEIVED)) == [10]
    assert sizes(seen.of(Kind.SENT)) == [len(line)]
    details = sorted(event.detail.split("; ")[-1] for event in seen.of(Kind.CLOSED))
    assert details == sorted(["10 bytes in, 0 out", f"0 bytes in, {len(line)} out"])


@pytest.fixture
def udp_client() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(TIMEOUT)
    yield sock
    sock.close()


# protocol, datagrams sent, the answer to each (none at all for discard)
UDP_CASES: dict[str, tuple[str, list[bytes], list[bytes]]] = {
    "echo": (
        "echo",
        [b"hello world\r\n", b"", b"x" * 9000],
        [b"hello world\r\n", b"", b"x" * 9000],
    ),
    "upper": ("upper", [b"hello world\r\n"], [b"HELLO WORLD\r\n"]),
    "daytime": ("daytime", [b"what time is it"], [DAYTIME]),
    "time": ("time", [b"x"], [RFC868]),
    "discard": ("discard", [b"gone\r\n", b"too"], []),
}


@pytest.mark.parametrize("case", list(UDP_CASES))
def test_udp_counts_are_the_datagrams_on_the_wire(
    udp_server: StartUdp, udp_client: socket.socket, bus: EventBus, any_model: str, case: str
) -> None:
    protocol, datagrams, answers = UDP_CASES[case]
    server = udp_server(protocol, model=any_model, clock=fixed)
    assert server.address is not None
    got: list[bytes] = []
    for datagram in datagrams:
        udp_client.sendto(datagram, server.address)
        if answers:
            got.append(udp_client.recvfrom(65535)[0])
    assert wait_for(lambda: server.messages_in == len(datagrams))
    assert got == answers
    server.stop()
    seen = Seen(bus)
    sent = sum(len(datagram) for datagram in datagrams)
    assert (server.bytes_in, server.bytes_out) == (sent, sum(len(a) for a in got))
    assert sizes(seen.of(Kind.DATAGRAM_IN)) == [len(datagram) for datagram in datagrams]
    assert sizes(seen.of(Kind.DATAGRAM_OUT)) == [len(answer) for answer in got]
    [stopped] = seen.of(Kind.STOPPED)
    assert stopped.detail == f"{plural(len(datagrams), 'datagram')} received"
