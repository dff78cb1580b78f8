"""What happens on the wire, as records: one per listen, accept, message, close or error.

Servers and client sessions emit these through the bus; the app's logs and the CLI's
`serve` output are both made from them. One small frozen class with a kind, rather
than a class per kind, keeps emitting cheap: a flooded echo server makes hundreds of
thousands a second.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass, field


class Kind(enum.StrEnum):
    LISTENING = "listening"
    STOPPED = "stopped"
    CONNECTED = "connected"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    RECEIVED = "received"
    SENT = "sent"
    CLOSED = "closed"
    ERROR = "error"
    DATAGRAM_IN = "datagram-in"
    DATAGRAM_OUT = "datagram-out"


class CloseReason(enum.StrEnum):
    BY_PEER = "closed by peer"
    BY_US = "closed by us"
    TIMEOUT = "idle timeout"
    RESET = "reset by peer"
    TOO_BIG = "message too big"
    STOPPING = "server stopping"


MAX_EVENT_DATA = 4096
"""Bytes of a message kept in its event; the log shows data, it does not store streams."""


@dataclass(frozen=True, slots=True)
class Event:
    """One thing that happened to one server or session."""

    kind: Kind
    source: str
    """The server or session it happened to, e.g. "tcp/echo:1201"."""
    peer: str = ""
    """The other end, "127.0.0.1:50312", when there is one."""
    data: bytes = b""
    """The bytes received or sent, cut at MAX_EVENT_DATA; `size` has the full length."""
    size: int = 0
    detail: str = ""
    """Why a connection closed, what went wrong, where a server listens."""
    time: float = field(default_factory=time.monotonic)


def message_event(kind: Kind, source: str, peer: str, data: bytes) -> Event:
    """An event carrying bytes, kept short however large the message."""
    return Event(kind, source, peer, bytes(data[:MAX_EVENT_DATA]), len(data))
