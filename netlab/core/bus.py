"""The one path from socket threads to whoever listens: bounded, thread-safe, never blocking.

A socket thread only appends; the reader (the app on a short timer, the CLI in its
loop) takes everything waiting in one call. When readers fall behind, the oldest
events are dropped and counted, so the sockets are never slowed by the screen and
memory stays bounded.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

from netlab.core.events import Event

DEFAULT_CAPACITY = 50_000


class EventBus:
    """A bounded queue of events that drops the oldest when full."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._events: deque[Event] = deque(maxlen=capacity)
        self._lock = threading.Lock()
        self._waiting = threading.Event()
        self.capacity = capacity
        self.published = 0
        self.dropped = 0
        """Events that were pushed out, unread, by newer ones."""
        self._summaries: dict[object, Callable[[], list[Event]]] = {}

    def publish(self, event: Event) -> None:
        with self._lock:
            if len(self._events) == self.capacity:
                self.dropped += 1
            self._events.append(event)
            self.published += 1
        if not self._waiting.is_set():  # set() takes a lock and notifies: only when needed
            self._waiting.set()

    def count_dropped(self, count: int) -> None:
        """Events dropped before they reached this bus (by another process's lab, say)."""
        with self._lock:
            self.dropped += count

    def add_summaries(self, owner: object, take: Callable[[], list[Event]]) -> None:
        """Have each drain() first publish what `take()` returns: a sampling server's
        counts of a second that is over, which no message of its own will carry."""
        self._summaries[owner] = take

    def remove_summaries(self, owner: object) -> None:
        self._summaries.pop(owner, None)

    def drain(self, limit: int | None = None) -> list[Event]:
        """Take every waiting event, or the oldest `limit` of them, oldest first."""
        for take in list(self._summaries.values()):
            for event in take():
                self.publish(event)
        with self._lock:
            waiting = self._events
            if limit is None or limit >= len(waiting):
                events = list(waiting)
                waiting.clear()
            else:
                events = [waiting.popleft() for _ in range(limit)]
            if not waiting:
                self._waiting.clear()
        return events

    def wait(self, timeout: float) -> bool:
        """Block until an event is waiting or `timeout` passes; say whether one is."""
        return self._waiting.wait(timeout)

    def behind(self) -> bool:
        """Whether the reader has fallen behind: a client session stops reading its
        socket until it catches up, and TCP holds the peer back (see ClientSession)."""
        return len(self._events) * 2 >= self.capacity

    def __len__(self) -> int:
        return len(self._events)
