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
IN, OUT = 0, 2
"""Where a direction's [messages, bytes] sit in a peer's counts."""


class MessageSampler:
    """Decides, per message, whether it gets an event of its own or is counted."""

    __slots__ = ("_clock", "_left", "_pending", "_window_end", "kinds", "rate", "source")

    def __init__(
        self,
        source: str,
        kinds: tuple[Kind, Kind] = (Kind.RECEIVED, Kind.SENT),
        rate: int = MESSAGE_RATE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate < 1:
            raise ValueError("rate must be at least 1")
        self.source = source
        self.kinds = kinds
        """The event kinds of a message in and a message out."""
        self.rate = rate
        self._clock = clock
        self._left = rate
        self._window_end = 0.0
        # peer -> [messages in, bytes in, messages out, bytes out]; dicts keep insertion
        # order, so summaries come out in the order their peers were first counted.
        self._pending: dict[str, list[int]] = {}

    def admit(self, peer: str, size: int, direction: int) -> list[Event] | None:
        """None if this message (IN or OUT) is only counted; else the events to publish
        before its own.

        The list is usually empty; it holds the last window's summaries when this
        message starts a new one. A window starts with the first message after the
        last one ended, so no second ever logs more than `rate` messages one by one.
        """
        now = self._clock()
        if now >= self._window_end:
            summaries = self._take(now) if self._pending else _NONE
            self._window_end = now + WINDOW
            self._left = self.rate - 1
            return summaries
        if self._left > 0:
            self._left -= 1
            return _NONE
        counted = self._pending.get(peer)
        before: list[Event] | None = None
        if counted is None:
            if len(self._pending) >= MAX_PENDING:
                before = self._take(now)
            counted = self._pending[peer] = [0, 0, 0, 0]
        counted[direction] += 1
        counted[direction + 1] += size
        return before

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
        counted = self._pending.pop(peer, None) if self._pending else None
        if counted is None:
            return _NONE
        return self._summaries(peer, counted, self._clock())

    def take_all(self) -> list[Event]:
        """Every summary waiting, as the server stops."""
        if not self._pending:
            return _NONE
        return self._take(self._clock())

    def _take(self, now: float) -> list[Event]:
        events = []
        for peer, counted in self._pending.items():
            events += self._summaries(peer, counted, now)
        self._pending = {}
        return events

    def _summaries(self, peer: str, counted: list[int], now: float) -> list[Event]:
        messages_in, bytes_in, messages_out, bytes_out = counted
        kind_in, kind_out = self.kinds
        events = []
        if messages_in:
            events.append(
                Event(kind_in, self.source, peer, b"", bytes_in, summed=messages_in, time=now)
            )
        if messages_out:
            events.append(
                Event(kind_out, self.source, peer, b"", bytes_out, summed=messages_out, time=now)
            )
        return events


_NONE: list[Event] = []
"""The shared empty answer of the hot path; never appended to."""
