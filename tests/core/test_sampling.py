"""The message sampler: the first messages of each second logged, the rest summed exactly."""

from __future__ import annotations

import pytest

from netlab.core.bus import EventBus
from netlab.core.events import Event, Kind, format_event
from netlab.core.sampling import IN, MAX_PENDING, OUT, MessageSampler
from netlab.core.servers.base import Model, ServerBase
from netlab.core.servers.udp import UdpServer


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def feed(sampler: MessageSampler, count: int, direction: int = IN, peer: str = "p:1") -> int:
    """Offer `count` 10-byte messages; how many got an event of their own."""
    return sum(sampler.admit(peer, 10, direction) is not None for _ in range(count))


def test_the_first_messages_of_a_second_are_admitted_the_rest_summed() -> None:
    clock = Clock()
    sampler = MessageSampler("tcp/echo:7", rate=5, clock=clock)
    assert feed(sampler, 12) == 5
    assert sampler.due() == []  # the second is not over
    clock.now += 1.0
    (summary,) = sampler.due()
    assert (summary.kind, summary.peer, summary.summed, summary.size) == (
        Kind.RECEIVED,
        "p:1",
        7,
        70,
    )
    assert summary.source == "tcp/echo:7" and summary.data == b""
    assert sampler.due() == []


def test_a_new_window_hands_back_the_last_ones_summaries_first() -> None:
    clock = Clock()
    sampler = MessageSampler("s", rate=2, clock=clock)
    assert feed(sampler, 3) == 2
    assert feed(sampler, 4) == 0
    clock.now += 1.5
    before = sampler.admit("p:1", 10, IN)
    assert before is not None and [e.summed for e in before] == [5]
    assert feed(sampler, 2) == 1  # the new window's budget, less the message that opened it


def test_summaries_are_per_peer_and_direction_and_taken_before_a_close() -> None:
    clock = Clock()
    sampler = MessageSampler("s", rate=1, clock=clock)
    feed(sampler, 1)  # the window's budget
    feed(sampler, 3, IN, "a:1")
    feed(sampler, 2, OUT, "a:1")
    feed(sampler, 4, IN, "b:2")
    taken = sampler.take_peer("a:1")
    assert [(e.kind, e.peer, e.summed) for e in taken] == [
        (Kind.RECEIVED, "a:1", 3),
        (Kind.SENT, "a:1", 2),
    ]
    assert [(e.peer, e.summed) for e in sampler.take_all()] == [("b:2", 4)]


def test_a_udp_server_sums_under_its_own_kinds() -> None:
    sampler = MessageSampler("s", (Kind.DATAGRAM_IN, Kind.DATAGRAM_OUT), rate=1, clock=Clock())
    feed(sampler, 3)
    feed(sampler, 2, OUT)
    assert [(e.kind, e.summed) for e in sampler.take_all()] == [
        (Kind.DATAGRAM_IN, 2),
        (Kind.DATAGRAM_OUT, 2),
    ]
    assert sampler.take_all() == []


def test_too_many_peers_flush_early_rather_than_grow() -> None:
    sampler = MessageSampler("s", rate=1, clock=Clock())
    feed(sampler, 1)
    flushed: list[Event] = []
    for port in range(MAX_PENDING + 10):
        before = sampler.admit(f"h:{port}", 1, IN)
        if before:
            flushed += before
    assert len(flushed) == MAX_PENDING
    assert sum(e.summed for e in flushed + sampler.take_all()) == MAX_PENDING + 10


def test_rate_must_be_at_least_one() -> None:
    with pytest.raises(ValueError):
        MessageSampler("s", rate=0)


def test_a_summary_reads_as_a_count_not_as_data() -> None:
    event = Event(Kind.RECEIVED, "tcp/echo:7", "127.0.0.1:5000", b"", 64_000, summed=1000)
    line = format_event(event, clock=lambda _: "12:00:00")
    assert line == (
        "12:00:00  tcp/echo:7  received  127.0.0.1:5000  "
        "1,000 messages, 64,000 bytes, not logged one by one"
    )


def test_the_bus_asks_for_due_summaries_as_it_is_drained() -> None:
    clock = Clock()
    sampler = MessageSampler("s", rate=1, clock=clock)
    feed(sampler, 5)
    bus = EventBus()
    owner = object()
    bus.add_summaries(owner, sampler.due)
    assert bus.drain() == []
    clock.now += 1.0
    assert [e.summed for e in bus.drain()] == [4]
    bus.remove_summaries(owner)
    feed(sampler, 2)
    clock.now += 2.0
    assert bus.drain() == []


def _flood(model: Model) -> tuple[list[tuple[Kind, str, int, int]], ServerBase]:
    """Feed a server's count_message() 3 windows of messages from two peers, both ways;
    what the bus got (a logged message as a count of 1), and the server."""
    clock = Clock()
    bus = EventBus()
    server = UdpServer("echo", model=model, bus=bus, message_rate=3)
    server._sampler.clock = clock
    for window in range(3):
        for turn in range(7):
            peer = "a:1" if turn % 3 else "b:2"
            server.count_message(peer, b"x" * turn, turn, turn, IN)
            server.count_message(peer, b"y" * window, window, window, OUT)
        clock.now += 1.0
    # The last window's counts, as stop() takes them (never started: no loop to ask).
    events = bus.drain() + server._sampler.take_all()
    got = [(e.kind, e.peer, e.summed or 1, e.size) for e in events]
    return got, server


@pytest.mark.parametrize("model", ["threaded", "async"])
def test_count_message_logs_or_sums_every_message_alike_in_every_model(model: Model) -> None:
    got, server = _flood(model)
    # The async model counts without the lock and past the window's budget without
    # calling admit(): the very same events as the threaded one, which always calls it.
    assert got == _flood("threaded")[0]
    assert sum(1 for _, _, summed, _ in got if summed == 1) >= 9  # 3 a window logged
    totals: dict[tuple[Kind, str], list[int]] = {}
    for kind, peer, summed, size in got:
        total = totals.setdefault((kind, peer), [0, 0])
        total[0] += summed
        total[1] += size
    assert totals[(Kind.DATAGRAM_IN, "a:1")] == [3 * 4, 3 * (1 + 2 + 4 + 5)]
    assert totals[(Kind.DATAGRAM_IN, "b:2")] == [3 * 3, 3 * (0 + 3 + 6)]
    assert totals[(Kind.DATAGRAM_OUT, "a:1")] == [12, 4 * (0 + 1 + 2)]
    assert totals[(Kind.DATAGRAM_OUT, "b:2")] == [9, 3 * (0 + 1 + 2)]
    assert (server.messages_in, server.messages_out) == (21, 21)
    assert (server.bytes_in, server.bytes_out) == (3 * 21, 7 * 3)
