"""The event bus: bounded, thread-safe, dropping the oldest and counting them."""

from __future__ import annotations

import threading

import pytest

from netlab.core.bus import EventBus
from netlab.core.events import MAX_EVENT_DATA, Event, Kind, message_event


def _event(number: int) -> Event:
    return Event(Kind.RECEIVED, "test", detail=str(number))


def test_drain_returns_events_oldest_first_and_empties_the_bus() -> None:
    bus = EventBus(capacity=10)
    for number in range(3):
        bus.publish(_event(number))
    assert [e.detail for e in bus.drain()] == ["0", "1", "2"]
    assert bus.drain() == []
    assert bus.published == 3
    assert bus.dropped == 0


def test_a_limited_drain_takes_the_oldest_and_leaves_the_rest_waiting() -> None:
    bus = EventBus(capacity=10)
    for number in range(5):
        bus.publish(_event(number))
    assert [e.detail for e in bus.drain(limit=2)] == ["0", "1"]
    assert len(bus) == 3 and bus.wait(0)
    assert [e.detail for e in bus.drain(limit=5)] == ["2", "3", "4"]
    assert not bus.wait(0)


def test_a_full_bus_drops_the_oldest_and_counts_them() -> None:
    bus = EventBus(capacity=5)
    for number in range(12):
        bus.publish(_event(number))
    assert [e.detail for e in bus.drain()] == ["7", "8", "9", "10", "11"]
    assert bus.dropped == 7


def test_wait_wakes_when_an_event_arrives() -> None:
    bus = EventBus()
    assert bus.wait(0.01) is False
    timer = threading.Timer(0.05, bus.publish, args=[_event(1)])
    timer.start()
    try:
        assert bus.wait(2.0) is True
    finally:
        timer.join()


def test_many_threads_publish_without_losing_count() -> None:
    bus = EventBus(capacity=1000)

    def publish_many() -> None:
        for number in range(5000):
            bus.publish(_event(number))

    threads = [threading.Thread(target=publish_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert bus.published == 20000
    assert len(bus.drain()) + bus.dropped == 20000


def test_message_events_keep_the_size_but_not_the_whole_message() -> None:
    event = message_event(Kind.RECEIVED, "tcp/echo:7", "127.0.0.1:5000", b"x" * 100_000)
    assert event.size == 100_000
    assert len(event.data) == MAX_EVENT_DATA


def test_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError):
        EventBus(capacity=0)
