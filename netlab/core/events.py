"""What happens on the wire, as records: one per listen, accept, message, close or error.

Servers and client sessions emit these through the bus; the app's logs and the CLI's
`serve` output are both made from them. One small frozen class with a kind, rather
than a class per kind, keeps emitting cheap: a flooded echo server makes hundreds of
thousands a second.
"""

from __future__ import annotations

import dataclasses
import enum
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from netlab.core.plural import plural
from netlab.core.safetext import safe_bytes, safe_text


class Kind(enum.StrEnum):
    LISTENING = "listening"
    STOPPED = "stopped"
    CONNECTED = "connected"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    RECEIVED = "received"
    SENT = "sent"
    HELD = "held"
    HALF_CLOSED = "half-closed"
    CLOSED = "closed"
    ERROR = "error"
    DATAGRAM_IN = "datagram-in"
    DATAGRAM_OUT = "datagram-out"
    FAULT = "fault"
    """What a lab server did wrong on purpose (faults.py), never what its peer did."""


class CloseReason(enum.StrEnum):
    BY_PEER = "closed by peer"
    BY_US = "closed by us"
    TIMEOUT = "idle timeout"
    RESET = "reset by peer"
    TOO_BIG = "message too big"
    STOPPING = "server stopping"
    NOT_READING = "peer not reading"
    """A server's write made no progress for its write timeout, or (chat) too much
    waited for the peer: it stopped reading what we send."""
    LAB_GONE = "lab gone"
    """The process that held a client session (the lab's engine) ended under it."""


class Side(enum.StrEnum):
    """Which end of a connection an event was seen from: a lab server's, or a client's."""

    SERVER = "server"
    CLIENT = "client"


@dataclass(frozen=True, slots=True)
class Closing:
    """How a connection ended: the facts of a CLOSED event, which its detail is made from.

    A server knows how long the connection was open and what it carried; a client session
    says why in more words instead ("Connection reset by peer"). What a side does not
    tell is None, or "", and left out of the text.
    """

    reason: CloseReason
    duration: float | None = None
    """Seconds from accept to close."""
    bytes_in: int | None = None
    bytes_out: int | None = None
    why: str = ""
    """More words on the reason, from the system or the session."""

    def text(self) -> str:
        """The one way a close is told in words, as the log and `netlab serve` print it:
        "closed by peer; 0.123 s; 6 bytes in, 6 out", "reset by peer: Connection reset by peer".
        """
        text = f"{self.reason}: {self.why}" if self.why else str(self.reason)
        if self.duration is not None:
            text += f"; {self.duration:.3f} s"
        if self.bytes_in is not None:
            text += f"; {plural(self.bytes_in, 'byte')} in, {self.bytes_out or 0} out"
        return text


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
    summed: int = 0
    """Messages this one event stands for when a flood was counted, not logged one by
    one (see sampling.py); `size` is then their bytes and `data` is empty."""
    time: float = field(default_factory=time.monotonic)
    side: Side = Side.SERVER
    """Whose event it is: a lab server's, or a client session's."""
    closing: Closing | None = None
    """How the connection ended, on a CLOSED event made by `closed_event`."""

    @property
    def bytes_not_kept(self) -> int:
        """Of a message's bytes, those past what `data` keeps (none for a counted flood)."""
        return 0 if self.summed else max(0, self.size - len(self.data))


def message_event(
    kind: Kind, source: str, peer: str, data: bytes, side: Side = Side.SERVER
) -> Event:
    """An event carrying bytes, kept short however large the message."""
    return Event(kind, source, peer, bytes(data[:MAX_EVENT_DATA]), len(data), side=side)


def closed_event(
    source: str, peer: str, closing: Closing, side: Side = Side.SERVER, at: float | None = None
) -> Event:
    """A CLOSED event: its facts, and its detail made from them (`Closing.text`); `at`,
    when the close began on the wire, if that was before the event is made."""
    event = Event(Kind.CLOSED, source, peer, detail=closing.text(), side=side, closing=closing)
    return event if at is None else dataclasses.replace(event, time=at)


Clock = Callable[[float], str]
"""Turns an Event.time (time.monotonic()) into the time of day shown, "HH:MM:SS"."""

DATA_LIMIT = 200
"""Characters of a message shown in its line, as `netlab serve` prints them."""


class _LocalClock:
    """Local wall-clock time of a monotonic stamp, formatted once per second."""

    def __init__(self) -> None:
        self._second = -1
        self._text = ""
        self._offset = 0.0
        self._offset_at = -1.0

    def __call__(self, moment: float) -> str:
        if not 0.0 <= moment - self._offset_at < 1.0:
            # Wall minus monotonic time, looked at again each second (the wall clock
            # can be stepped); two clock reads per event would be most of the cost.
            self._offset_at = moment
            self._offset = time.time() - time.monotonic()
        second = int(moment + self._offset)
        if second != self._second:
            self._second = second
            self._text = time.strftime("%H:%M:%S", time.localtime(second))
        return self._text


def wall_time(moment: float) -> datetime:
    """The local wall-clock time, with its UTC offset, of a `time.monotonic()` stamp."""
    return datetime.now().astimezone() - timedelta(seconds=time.monotonic() - moment)


local_clock: Clock = _LocalClock()
"""The default clock: the local time of day at which the event happened."""


def event_parts(
    event: Event, clock: Clock = local_clock, made_safe: dict[bytes, str] | None = None
) -> tuple[str, str, tuple[str, ...]]:
    """The columns of an event's log line: its time, its source, and the rest.

    The rest is the kind, then the peer, the message and the detail, those the event has:
    ("12:00:00", "tcp/echo:1201", ("received", "127.0.0.1:50312", "6 bytes hello\\n")).
    `format_event` joins them with two spaces; the app's log may join them otherwise,
    or leave the source out, to fit its width. Network data is made safe, never markup.

    `made_safe` remembers the shown form of each message across a batch: a flood is
    mostly the same few messages, and each distinct one need be made safe only once.
    """
    kind = str(event.kind)  # the value, and quicker than .value
    peer = event.peer
    if event.summed:
        summed = event.summed
        size = event.size
        message = (
            f"{summed:,} {'message' if summed == 1 else 'messages'}, "
            f"{size:,} {'byte' if size == 1 else 'bytes'}, not logged one by one"
        )
    elif event.data or event.size:
        data = event.data
        shown = None if made_safe is None else made_safe.get(data)
        if shown is None:
            shown = safe_bytes(data, DATA_LIMIT)
            if made_safe is not None:
                made_safe[data] = shown
        size = event.size
        message = f"{size} {'byte' if size == 1 else 'bytes'} {shown}"
    else:
        message = ""
    detail = safe_text(event.detail, DATA_LIMIT) if event.detail else ""
    rest: tuple[str, ...]
    if message:
        if detail:
            rest = (kind, peer, message, detail) if peer else (kind, message, detail)
        else:
            rest = (kind, peer, message) if peer else (kind, message)
    elif detail:
        rest = (kind, peer, detail) if peer else (kind, detail)
    else:
        rest = (kind, peer) if peer else (kind,)
    return clock(event.time), event.source, rest


def format_event(
    event: Event, clock: Clock = local_clock, made_safe: dict[bytes, str] | None = None
) -> str:
    """One log line, as `netlab serve` prints it: `event_parts` joined by two spaces.

    "12:00:00  tcp/echo:1201  received  127.0.0.1:50312  6 bytes hello\\n"
    """
    time_text, source, rest = event_parts(event, clock, made_safe)
    return "  ".join((time_text, source, *rest))
