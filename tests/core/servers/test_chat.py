"""The chat server: lines go to every other client, made safe, and slow readers are dropped."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from netlab.core.bus import EventBus
from netlab.core.errors import InputError
from netlab.core.events import CloseReason, Kind
from netlab.core.servers import Room, TcpServer
from netlab.core.servers.protocols import Chat, Reply

from .conftest import TIMEOUT, recv_until, wait_for

StartTcp = Callable[..., TcpServer]
Connect = Callable[[Any], socket.socket]


def prefix(sock: socket.socket) -> bytes:
    host, port = sock.getsockname()[:2]
    return f"[{host}:{port}] ".encode()


def nothing_arrives(sock: socket.socket, wait: float = 0.2) -> bool:
    sock.settimeout(wait)
    try:
        sock.recv(100)
    except TimeoutError:
        return True
    finally:
        sock.settimeout(TIMEOUT)
    return False


def joined(server: TcpServer, count: int) -> bool:
    return wait_for(lambda: len(server.room) == count)


class FakeMember:
    def __init__(self, peer: str) -> None:
        self.peer = peer
        self.got: list[bytes] = []

    def deliver(self, data: bytes) -> None:
        self.got.append(data)


def test_chat_protocol_without_sockets() -> None:
    room = Room()
    alice, bob, carol = FakeMember("10.0.0.1:1"), FakeMember("10.0.0.2:2"), FakeMember("c:3")
    sessions = []
    for member in (alice, bob, carol):
        session = Chat()
        session.attach(room, member)
        assert session.on_connect() == Reply()
        sessions.append(session)
    assert len(room) == 3
    assert sessions[0].on_message(b"hi \x1b[2J\x07 there\x00") == Reply()
    line = b"[10.0.0.1:1] hi \\x1b[2J\\x07 there\\0\n"
    assert bob.got == carol.got == [line] and alice.got == []
    sessions[1].on_close()
    sessions[0].on_message("caf\u00e9 \u202e\xc2".encode())
    assert bob.got == [line]
    assert carol.got[-1] == "[10.0.0.1:1] caf\u00e9 \\u202e\u00c2\n".encode()
    assert Chat().on_message(b"alone") == Reply()  # never attached: nobody to tell


def test_a_line_reaches_every_other_client(
    tcp_server: StartTcp, connect: Connect, model: str
) -> None:
    server = tcp_server("chat", model=model)
    a, b, c = connect(server), connect(server), connect(server)
    assert joined(server, 3)
    a.sendall(b"hello\r\n")
    assert recv_until(b, b"\n") == prefix(a) + b"hello\n"
    assert recv_until(c, b"\n") == prefix(a) + b"hello\n"
    assert nothing_arrives(a)
    c.sendall(b"hi from c\n")
    assert recv_until(a, b"\n") == prefix(c) + b"hi from c\n"
    assert recv_until(b, b"\n") == prefix(c) + b"hi from c\n"
    b.close()
    assert joined(server, 2)
    a.sendall(b"b left\n")
    assert recv_until(c, b"\n") == prefix(a) + b"b left\n"


def test_escape_sequences_arrive_escaped(
    tcp_server: StartTcp, connect: Connect, model: str
) -> None:
    server = tcp_server("chat", model=model)
    a, b = connect(server), connect(server)
    assert joined(server, 2)
    a.sendall(b"\x1b[31mred\x1b[0m \x1b]0;title\x07 \xc2\x9b2J\n")
    line = recv_until(b, b"\n")
    assert line == prefix(a) + b"\\x1b[31mred\\x1b[0m \\x1b]0;title\\x07 \\x9b2J\n"
    assert b"\x1b" not in line and b"\x07" not in line and b"\xc2\x9b" not in line


def test_a_client_that_never_reads_is_dropped_and_the_others_keep_up(
    tcp_server: StartTcp, connect: Connect, model: str, bus: EventBus
) -> None:
    server = tcp_server("chat", model=model)
    host, port = server.address or ("", 0)
    sleeper = socket.socket()
    sleeper.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connecting
    sleeper.settimeout(TIMEOUT)
    try:
        sleeper.connect((host, port))
        talker, listener = connect(server), connect(server)
        assert joined(server, 3)
        heard = bytearray()
        stop = threading.Event()

        def listen() -> None:
            listener.settimeout(0.1)
            while not stop.is_set():
                try:
                    chunk = listener.recv(1 << 20)
                except TimeoutError:
                    continue
                if not chunk:
                    break
                heard.extend(chunk)

        reader = threading.Thread(target=listen)
        reader.start()
        try:
            line = b"y" * 999 + b"\n"
            sent = 0
            deadline = time.monotonic() + 10
            while server.dropped_slow == 0 and time.monotonic() < deadline:
                talker.sendall(line * 16)
                sent += 16
                if sent % 256 == 0:
                    time.sleep(0.01)  # let the relay catch up, as a person would
            assert server.dropped_slow == 1, "the sleeping client was never dropped"
            assert joined(server, 2), "the reading client was dropped too"
            # The reading client still hears everything, promptly.
            started = time.monotonic()
            talker.sendall(b"still there?\n")
            end = prefix(talker) + b"still there?\n"
            assert wait_for(lambda: heard.endswith(end))
            assert time.monotonic() - started < 1
            assert heard.count(b"\n") == sent + 1
        finally:
            stop.set()
            reader.join(TIMEOUT)
        closed = [e for e in bus.drain() if e.kind is Kind.CLOSED]
        assert len(closed) == 1 and closed[0].detail.startswith(CloseReason.NOT_READING)
        assert server.open_connections == 2 and server.errors == 0
    finally:
        sleeper.close()


def test_stop_with_chat_clients_is_prompt(connect: Connect, model: str) -> None:
    threads_before = threading.active_count()
    server = TcpServer("chat", model=model)  # type: ignore[arg-type]
    server.start()
    try:
        clients = [connect(server) for _ in range(5)]
        assert joined(server, 5)
        clients[0].sendall(b"everyone\n")
        for client in clients[1:]:
            assert recv_until(client, b"\n").endswith(b"everyone\n")
    finally:
        started = time.monotonic()
        server.stop()
    assert time.monotonic() - started < 1
    assert wait_for(lambda: threading.active_count() == threads_before)
    assert len(server.room) == 0


def test_chat_refuses_the_iterative_model() -> None:
    # One client at a time would leave nobody to hear anybody.
    with pytest.raises(InputError, match="needs its clients connected at once"):
        TcpServer("chat", model="iterative")
