"""Keeping a flooded server's log cheap without turning it off.

A server under load handles far more messages than anyone can read, and making an
event per message costs more than echoing it. So each server logs its first `rate`
messages of every second one by one; past that, messages are only counted, per
peer and direction, and each count goes on the bus as one summary event (an Event
with `summed` set and no data) when the second is over, when that peer's connection
closes, or when the server stops. Bytes and messages add up exactly either way.

The sampler holds no lock of its own: a threaded server calls it under the lock that
guards the server's counters, so one lock per message covers both, and an async
server only ever from its loop's thread, with none.
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
    """Decides, per message, whether it gets an event of its own or is counted.

    admit() decides for any message. Once a window has logged its `rate` messages, a
    caller with many to count may do admit's work itself, as the async servers do to
    spare a call per message: while clock() < counting_until, a message from a peer
    already in `counts` is only counted, by adding 1 at counts[peer][direction] and its
    size at counts[peer][direction + 1]; any other goes to admit(). Only the thread that
    calls admit() (or holds the lock it is called under) may do that.
    """

    __slots__ = (
        "_left",
        "_window_end",
        "clock",
        "counting_until",
        "counts",
        "kinds",
        "rate",
        "source",
    )

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
        self.clock = clock
        self._left = rate
        self._window_end = 0.0
        self.counting_until = 0.0
        """The end of the window once it has logged its `rate` messages, when every
        message until then is only counted; 0 while it still logs them."""
        self.counts: dict[str, list[int]] = {}
        """peer -> [messages in, bytes in, messages out, bytes out], counted and not yet
        logged; dicts keep insertion order, so summaries come out in the order their
        peers were first counted."""

    def admit(self, peer: str, size: int, direction: int) -> list[Event] | None:
        """None if this message (IN or OUT) is only counted; else the events to publish
        before its own.

        The list is usually empty; it holds the last window's summaries when this
        message starts a new one. A window starts with the first message after the
        last one ended, so no second ever logs more than `rate` messages one by one.
        """
        now = self.clock()
        if now >= self._window_end:
            summaries = self._take(now) if self.counts else _NONE
            self._window_end = now + WINDOW
            self._left = left = self.rate - 1
            self.counting_until = 0.0 if left else self._window_end
            return summaries
        if self._left > 0:
            self._left -= 1
            if not self._left:
                self.counting_until = self._window_end
            return _NONE
        counted = self.counts.get(peer)
        before: list[Event] | None = None
        if counted is None:
            if len(self.counts) >= MAX_PENDING:
                before = self._take(now)
            counted = self.counts[peer] = [0, 0, 0, 0]
        counted[direction] += 1
        counted[direction + 1] += size
        return before

    def anything_due(self) -> bool:
        """Whether due() has summaries now. It only reads, so a thread other than the
        counting one may ask, though the answer may be stale by the time it is used."""
        return bool(self.counts) and self.clock() >= self._window_end

    def due(self) -> list[Event]:
        """Summaries of a window that is over, for a reader passing by."""
        if not self.counts:
            return _NONE
        now = self.clock()
        if now < self._window_end:
            return _NONE
        return self._take(now)

    def take_peer(self, peer: str) -> list[Event]:
        """Summaries for one peer, taken before its connection's closing event."""
        counted = self.counts.pop(peer, None) if self.counts else None
        if counted is None:
            return _NONE
        return self._summaries(peer, counted, self.clock())

    def take_all(self) -> list[Event]:
        """Every summary waiting, as the server stops."""
        if not self.counts:
            return _NONE
        return self._take(self.clock())

    def _take(self, now: float) -> list[Event]:
        events = []
        for peer, counted in self.counts.items():
            events += self._summaries(peer, counted, now)
        self.counts = {}
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
