"""Keeping a flooded server's log cheap without turning it off.

A server under load handles far more messages than anyone can read, and making an
event per message costs more than echoing it. So each server logs its first `rate`
messages of every second one by one; past that, messages are only counted, per
peer and direction, and each count goes on the bus as one summary event (an Event
with `summed` set and no data) when the second is over, when that peer's connection
closes, or when the server stops. Bytes and messages add up exactly either way.

The sampler holds no lock of its own: its server calls it under the lock that
guards the server's counters, so one lock per message covers both.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from netlab.core.events import Event, Kind

MESSAGE_RATE = 1000
"""Messages a second, in and out together, each server logs one by one before it counts."""
WINDOW = 1.0
MAX_PENDING = 4096
"""Peers counted at once; more (a UDP flood from many ports) flushes early."""


class MessageSampler:
    """Decides, per message, whether it gets an event of its own or is counted."""

    __slots__ = ("_clock", "_left", "_pending", "_window_end", "rate", "source")

    def __init__(
        self, source: str, rate: int = MESSAGE_RATE, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if rate < 1:
            raise ValueError("rate must be at least 1")
        self.source = source
        self.rate = rate
        self._clock = clock
        self._left = rate
        self._window_end = 0.0
        # (kind, peer) -> [messages, bytes]; dicts keep insertion order, so summaries
        # come out in the order their peers were first counted.
        self._pending: dict[tuple[Kind, str], list[int]] = {}

    def admit(self, kind: Kind, peer: str, size: int) -> list[Event] | None:
        """None if this message is only counted; else the events to publish before its own.

        The list is usually empty; it holds the last window's summaries when this
        message starts a new one. A window starts with the first message after the
        last one ended, so no second ever logs more than `rate` messages one by one.
        """
        now = self._clock()
        if now >= self._window_end:
            before = self._take(now) if self._pending else _NONE
            self._window_end = now + WINDOW
            self._left = self.rate - 1
            return before
        if self._left > 0:
            self._left -= 1
            return _NONE
        key = (kind, peer)
        counted = self._pending.get(key)
        if counted is None:
            before = self._take(now) if len(self._pending) >= MAX_PENDING else None
            self._pending[key] = [1, size]
            return before
        counted[0] += 1
        counted[1] += size
        return None

    def due(self) -> list[Event]:
        """Summaries of a window that is over, for a reader passing by."""
        if not self._pending:
            return _NONE
        now = self._clock()
        if now < self._window_end:
            return _NONE
        return self._take(now)

    def take_peer(self, peer: str) -> list[Event]:
        """Summaries for one peer, taken before its connection's closing event."""
        if not self._pending:
            return _NONE
        now = self._clock()
        events = []
        for kind in (Kind.RECEIVED, Kind.SENT, Kind.DATAGRAM_IN, Kind.DATAGRAM_OUT):
            counted = self._pending.pop((kind, peer), None)
            if counted is not None:
                events.append(_summary(self.source, kind, peer, counted, now))
        return events

    def take_all(self) -> list[Event]:
        """Every summary waiting, as the server stops."""
        if not self._pending:
            return _NONE
        return self._take(self._clock())

    def _take(self, now: float) -> list[Event]:
        if not self._pending:
            return []
        events = [
            _summary(self.source, kind, peer, counted, now)
            for (kind, peer), counted in self._pending.items()
        ]
        self._pending = {}
        return events


_NONE: list[Event] = []
"""The shared empty answer of the hot path; never appended to."""


def _summary(source: str, kind: Kind, peer: str, counted: list[int], now: float) -> Event:
    messages, size = counted
    return Event(kind, source, peer, b"", size, summed=messages, time=now)
