"""A room: the connections of one server that hear each other, as the chat server needs.

The room only keeps members and hands each one bytes; how a member sends them
without blocking the sender (a bounded queue and writer thread, or an asyncio
transport's buffer) and when it gives up on a slow reader is the server's business.
"""

from __future__ import annotations

import threading
from typing import Protocol


class Member(Protocol):
    """One connection as the room sees it."""

    @property
    def peer(self) -> str:
        """The other end, "127.0.0.1:50312"."""
        ...

    def deliver(self, data: bytes) -> None:
        """Send `data` to this member without blocking; a member too slow to read is dropped."""
        ...


class Room:
    """The members of one server; thread-safe, and delivery never holds the lock."""

    def __init__(self) -> None:
        self._members: dict[int, Member] = {}
        self._lock = threading.Lock()

    def join(self, member: Member) -> None:
        with self._lock:
            self._members[id(member)] = member

    def leave(self, member: Member) -> None:
        with self._lock:
            self._members.pop(id(member), None)

    def members(self) -> list[Member]:
        with self._lock:
            return list(self._members.values())

    def __len__(self) -> int:
        return len(self._members)

    def broadcast(self, data: bytes, *, exclude: Member | None = None) -> int:
        """Deliver `data` to every member but `exclude`; returns how many it went to."""
        with self._lock:
            members = [m for m in self._members.values() if m is not exclude]
        for member in members:
            member.deliver(data)
        return len(members)
