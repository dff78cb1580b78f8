"""A client session loses nothing and blames no one wrongly, against hostile peers."""

from __future__ import annotations

import threading
import time

import pytest

from netlab.core.bus import EventBus
from netlab.core.client import INBOX_LIMIT, ClientSession
from netlab.core.errors import OperationFailed
from netlab.core.events import CloseReason, Kind
from tests.peers import (
    Peer,
    answers_at_end_of_input,
    flood_then_half_close,
    never_reads,
    numbered,
    wait_until,
)

LINES = 40_000  # 4 MB: four times what the inbox holds


def test_a_reader_that_falls_behind_holds_the_peer_back_and_loses_nothing() -> None:
    with Peer(flood_then_half_close(LINES)) as peer, ClientSession(peer.endpoint) as session:
        # Nobody takes: the session stops reading, and TCP holds the peer's sends.
        assert wait_until(lambda: session.unread >= INBOX_LIMIT)
        assert wait_until(lambda: session.held_back > 0.2)
        # Held back, not dropped: the inbox stays bounded while the rest waits in TCP.
        assert session.unread < INBOX_LIMIT + 64 * 1024
        got = bytearray()

        def take_until_closed() -> bool:
            got.extend(session.take())
            return session.state == "closed"

        assert wait_until(take_until_closed)
        got += session.take()
    assert bytes(got) == b"".join(numbered(n) for n in range(LINES))
    assert session.close_reason is CloseReason.BY_PEER


def test_without_an_inbox_a_full_bus_holds_the_peer_back() -> None:
    bus = EventBus(capacity=200)
    with (
        Peer(flood_then_half_close(LINES)) as peer,
        ClientSession(peer.endpoint, bus=bus, inbox=False) as session,
    ):
        assert wait_until(lambda: len(bus) >= bus.capacity // 2)
        assert wait_until(lambda: session.held_back > 0.2)
        got = bytearray()

        def drained() -> bool:
            for event in bus.drain():
                if event.kind is Kind.RECEIVED:
                    got.extend(event.data)
            return session.state == "closed" and not len(bus)

        assert wait_until(drained)
    assert bus.dropped == 0
    assert bytes(got) == b"".join(numbered(n) for n in range(LINES))


def test_half_close_lets_a_server_answer_at_end_of_input() -> None:
    with Peer(answers_at_end_of_input) as peer, ClientSession(peer.endpoint) as session:
        session.send_text("twelve bytes")
        session.shutdown_write()
        assert session.write_shut
        assert session.wait_for(b"\n", timeout=5) == b"got 13 bytes\n"
        assert session.wait_closed(5)
    assert session.close_reason is CloseReason.BY_PEER
    with pytest.raises(OperationFailed):
        session.send_text("too late")


@pytest.mark.parametrize("attempt", range(6))
def test_a_disconnect_during_a_blocked_send_is_reported_as_ours(attempt: int) -> None:
    bus = EventBus()
    with Peer(never_reads, rcvbuf=4096) as peer:
        session = ClientSession(peer.endpoint, bus=bus)
        session.connect()
        failures: list[str] = []

        def send_forever() -> None:
            try:
                for _ in range(1000):
                    session.send_bytes(b"x" * 65536)
            except OperationFailed as error:
                failures.append(str(error))

        sender = threading.Thread(target=send_forever)
        sender.start()

        begun = 0
        last = (-1, 0.0)  # messages_out, and since when it has been that

        def blocked() -> bool:
            # Once both ends' buffers are full, the send makes no progress: it has begun
            # (its SENT event goes out before its bytes), and for 0.1 s none has ended.
            nonlocal begun, last
            begun += sum(event.kind is Kind.SENT for event in bus.drain())
            done, now = session.messages_out, time.monotonic()
            if done != last[0]:
                last = (done, now)
            return begun > done > 0 and now - last[1] >= 0.1 and sender.is_alive()

        assert wait_until(blocked)
        session.close()
        sender.join(5)
    assert session.close_reason is CloseReason.BY_US
    assert failures and "reset" not in failures[0]
    closed = [e for e in bus.drain() if e.kind is Kind.CLOSED]
    assert [e.detail for e in closed] == [CloseReason.BY_US.value]
