"""Client sessions held by a lab in another process: connect, send, half-close, save,
close; paced without loss; contained when a server does not read or the lab goes."""

from __future__ import annotations

import contextlib
import errno
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from netlab.core.bus import EventBus
from netlab.core.client import Keepalive
from netlab.core.engine import sessions as sessions_module
from netlab.core.engine.remote import RemoteLab
from netlab.core.errors import InputError, OperationFailed
from netlab.core.events import CloseReason, Event, Kind, Side
from netlab.core.framing import Framing
from tests.core.conftest import Served
from tests.peers import Peer, answers_at_end_of_input, never_reads, sends_then_closes
from tests.waits import wait_until


def client_events(lab: RemoteLab, name: str, seen: list[Event]) -> Callable[[], list[Event]]:
    """What `name` did, so far: each call adds what the lab's bus has taken since."""

    def take() -> list[Event]:
        seen.extend(e for e in lab.bus.drain() if e.source == name and e.side is Side.CLIENT)
        return seen

    return take


def heard(lab: RemoteLab, name: str, kind: Kind) -> list[Event]:
    """`name`'s events up to its first of `kind`, waited for (bounded)."""
    seen: list[Event] = []
    take = client_events(lab, name, seen)
    assert wait_until(lambda: any(e.kind is kind for e in take()), 5), (kind, seen)
    return seen


def test_a_session_there_talks_to_an_echo_server_here(remote: RemoteLab, served: Served) -> None:
    server = remote.start_server("echo:0")
    session = remote.open_session(f"127.0.0.1:{server.address[1]}", name="client-1")
    assert session.state == "connected"
    assert session.peer.startswith("127.0.0.1:")
    assert "client-1" not in served.lab.sessions  # the peer's own, not the served lab's
    snapshot = remote._ask("snapshot")
    assert [state["name"] for state in snapshot["sessions"]] == ["client-1"]
    assert [state["name"] for state in snapshot["servers"]] == [server.name]
    session.send_bytes(b"hello\n")
    seen = heard(remote, "client-1", Kind.RECEIVED)
    kinds = [e.kind for e in seen]
    assert kinds[:3] == [Kind.CONNECTED, Kind.SENT, Kind.RECEIVED]
    assert seen[2].data == b"hello\n"
    remote.close_session("client-1")
    assert session.state == "closed"  # as the answer said, before any tick
    closed = heard(remote, "client-1", Kind.CLOSED)[-1]
    assert closed.closing is not None and closed.closing.reason is CloseReason.BY_US


def test_a_sessions_options_reach_the_engine_as_given(remote: RemoteLab, served: Served) -> None:
    server = remote.start_server("echo:0")
    remote.open_session(
        f"127.0.0.1:{server.address[1]}",
        name="client-1",
        framing=Framing.CRLF,
        keepalive=Keepalive(20, 4, 2),
        read_timeout=30,
    )
    [there] = [peer.desk for peer in served.control._each_peer()]
    session = there._sessions["client-1"]
    assert (session.framing, session.keepalive, session.read_timeout) == (
        Framing.CRLF,
        Keepalive(20, 4, 2),
        30,
    )


def test_half_close_gets_the_answer_a_server_gives_at_end_of_input(remote: RemoteLab) -> None:
    with Peer(answers_at_end_of_input) as peer:
        session = remote.open_session(peer.endpoint, name="client-1")
        session.send_bytes(b"one\n")
        session.send_bytes(b"two\n")
        session.shutdown_write()
        assert session.write_shut
        seen = heard(remote, "client-1", Kind.CLOSED)
    kinds = [e.kind for e in seen]
    assert kinds.index(Kind.HALF_CLOSED) < kinds.index(Kind.RECEIVED) < kinds.index(Kind.CLOSED)
    assert b"".join(e.data for e in seen if e.kind is Kind.RECEIVED) == b"got 8 bytes\n"
    assert session.state == "closed"


def test_a_saved_spool_is_every_byte_and_a_refusal_is_the_systems(
    remote: RemoteLab, served: Served, tmp_path: Path
) -> None:
    server = remote.start_server("echo:0")
    session = remote.open_session(f"127.0.0.1:{server.address[1]}", name="client-1", keep_all=True)
    wire = b"\x00\xff\x1b[31mred\n"  # not text, and a terminal's escape: bytes all the same
    session.send_bytes(wire)
    heard(remote, "client-1", Kind.RECEIVED)
    assert session.spool is not None
    target = tmp_path / "saved.bin"
    assert session.spool.save(target) == len(wire)
    assert target.read_bytes() == wire
    assert session.spool.not_kept == 0
    with pytest.raises(OSError) as refused:
        session.spool.save(target)  # there already: never overwritten
    assert refused.value.errno == errno.EEXIST
    session.spool.discard()
    [there] = [peer.desk for peer in served.control._each_peer()]
    wait_until(lambda: not there.states(), 5)


def test_nothing_received_is_dropped_when_the_reader_here_falls_behind(served: Served) -> None:
    stream = bytes(range(256)) * 4096 * 4  # 4 MiB: a thousand events and more
    # A small bus: the reader here is "behind" at 100 events, so the engine is granted
    # about 100 at a time, well inside the stream.
    lab = RemoteLab(served.path, bus=EventBus(capacity=200))
    with Peer(sends_then_closes(stream)) as peer, contextlib.closing(lab):
        lab.open_session(peer.endpoint, name="client-1")
        [there] = [peer.desk for peer in served.control._each_peer()]
        # Read nothing at first: the session there must leave its socket unread rather
        # than outrun the grant (a fast reader here would never make it wait at all).
        wait_until(lambda: "client-1" in there._sessions, 5)
        wait_until(lambda: there._sessions["client-1"].held_back > 0, 10)
        received = bytearray()
        deadline = time.monotonic() + 30
        while len(received) < len(stream) and time.monotonic() < deadline:
            time.sleep(0.01)  # the slow reader this test is about
            for event in lab.bus.drain(limit=50):
                if event.kind is Kind.RECEIVED and event.source == "client-1":
                    received += event.data
        assert bytes(received) == stream
        assert lab.bus.dropped == 0


def test_a_server_that_never_reads_holds_its_own_session_and_nothing_else(
    remote: RemoteLab,
) -> None:
    with Peer(never_reads) as peer:
        stuck = remote.open_session(peer.endpoint, name="client-1")
        failure: list[BaseException] = []

        def send_too_much() -> None:
            try:
                stuck.send_bytes(b"x" * (32 * 1024 * 1024))  # far past the socket buffers
            except OperationFailed as error:
                failure.append(error)

        sender = threading.Thread(target=send_too_much, daemon=True)
        sender.start()
        heard(remote, "client-1", Kind.SENT)  # under way there
        # The servers' commands and other sessions go on.
        server = remote.start_server("echo:0")
        other = remote.open_session(f"127.0.0.1:{server.address[1]}", name="client-2")
        other.send_bytes(b"ping\n")
        heard(remote, "client-2", Kind.RECEIVED)
        started = time.monotonic()
        remote.close_session("client-1")  # not behind the blocked send
        assert time.monotonic() - started < 2
        sender.join(5)
    # Closed during a send, or between two of its commands: either way, said so.
    assert failure and "closed" in str(failure[0])


def test_a_peer_that_goes_takes_its_sessions_with_it(served: Served) -> None:
    ended = threading.Event()

    def read_to_the_end(peer: Peer, conn: socket.socket) -> None:
        peer.read_to_end(conn)
        ended.set()

    with Peer(read_to_the_end) as peer:
        lab = RemoteLab(served.path)
        lab.open_session(peer.endpoint, name="client-1")
        lab.close()
        assert ended.wait(5)


def test_when_the_lab_goes_its_sessions_are_closed_in_its_words(served: Served) -> None:
    lab = RemoteLab(served.path)
    with Peer(never_reads) as peer, contextlib.closing(lab):
        session = lab.open_session(peer.endpoint, name="client-1")
        served.close("netlab serve stopped")
        closing = heard(lab, "client-1", Kind.CLOSED)[-1].closing
        assert closing is not None and closing.reason is CloseReason.LAB_GONE
        assert "netlab serve stopped" in closing.why
        assert session.state == "closed"
        assert not lab.sessions


def test_bad_session_commands_are_one_clear_error(remote: RemoteLab) -> None:
    with pytest.raises(InputError, match="No session named 'client-9'"):
        remote._ask("send", name="client-9", data="x")
    with pytest.raises(InputError, match="A send needs the session's name"):
        remote._ask("send", data="x")
    with pytest.raises(OperationFailed, match=r"refused|Nothing"):
        remote.open_session("127.0.0.1:1", name="client-1", connect_timeout=2)
    with pytest.raises(InputError):
        remote.open_session("not an endpoint", name="client-1")


def test_one_app_holds_a_bounded_number_of_sessions(
    remote: RemoteLab, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sessions_module, "MAX_SESSIONS", 1)
    server = remote.start_server("echo:0")
    where = f"127.0.0.1:{server.address[1]}"
    remote.open_session(where, name="client-1")
    with pytest.raises(OperationFailed, match="1 session at most"):
        remote.open_session(where, name="client-2")
