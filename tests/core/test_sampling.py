"""The message sampler: the first messages of each second logged, the rest summed exactly."""

from __future__ import annotations

import pytest

from netlab.core.bus import EventBus
from netlab.core.events import Event, Kind, format_event
from netlab.core.sampling import IN, MAX_PENDING, OUT, MessageSampler


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
