"""What each lab server says, with no sockets in sight.

A protocol is a small class: one instance per TCP connection, or one per UDP
server, fed whole messages without their terminators (framing's Splitter cuts the
stream, and the server counts the terminators as the bytes they are) and answering
with a Reply. Threaded, iterative and asyncio servers, over TCP or UDP, all drive
the same instances, so the seed's behaviour is written once.

A protocol whose connections talk to each other (chat) uses the server's Room:
TCP servers attach() it, with the connection's Member, before on_connect, and
call on_close() once as the connection ends.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import ClassVar, Literal, NamedTuple

from netlab.core.framing import Framing
from netlab.core.safetext import safe_bytes
from netlab.core.servers.room import Member, Room

Transport = Literal["tcp", "udp"]
TRANSPORTS: tuple[Transport, ...] = ("tcp", "udp")
Clock = Callable[[], datetime]
"""Returns the current time as an aware datetime; tests pass a fixed one."""

RFC868_OFFSET = 2_208_988_800
"""Seconds from 1900-01-01 (RFC 868's epoch) to 1970-01-01 (Unix's)."""


def local_now() -> datetime:
    return datetime.now().astimezone()


def go_time_text(moment: datetime) -> str:
    """The time as Go's time.Now().String() writes it: 2017-01-02 20:13:21.934698 +1100 AEDT.

    Go prints nanoseconds with trailing zeros trimmed; Python keeps microseconds,
    so at most six digits appear.
    """
    if moment.tzinfo is None:
        moment = moment.astimezone()
    fraction = f"{moment.microsecond:06d}".rstrip("0")
    stamp = moment.strftime("%Y-%m-%d %H:%M:%S")
    if fraction:
        stamp += "." + fraction
    zone = moment.strftime("%Z") or moment.strftime("%z")
    return f"{stamp} {moment.strftime('%z')} {zone}"


class Reply(NamedTuple):
    """Bytes to send and whether to close the connection afterwards.

    None sends nothing; b"" matters over UDP, where an empty datagram is an answer.
    A named tuple, not a frozen dataclass: one is made per message, and a tuple is
    built several times faster.
    """

    data: bytes | None = None
    close: bool = False


NOTHING = Reply()
_reply = tuple.__new__
"""Makes a Reply in C, as `_reply(Reply, (data, close))`: for the replies of a flood,
where Reply(data), the named tuple's __new__ in Python, is a call too many."""


class ServerProtocol:
    """Per-connection (TCP) or per-server (UDP) logic of one lab protocol."""

    name: ClassVar[str]
    summary: ClassVar[str]
    framing: ClassVar[Framing] = Framing.RAW
    transports: ClassVar[frozenset[Transport]] = frozenset(TRANSPORTS)
    max_message: ClassVar[int | None] = None
    """A cap on one message below the server's own, as the timestamp seed has."""
    idle_timeout: ClassVar[float | None] = None
    """Seconds a quiet TCP connection is kept, when the server is not told otherwise."""
    concurrent: ClassVar[bool] = False
    """Whether it only makes sense with its clients connected at once (chat): such a
    protocol refuses the iterative model, where a second client waits for the first."""

    room: Room | None = None
    """The server's room, shared by its connections (TCP only, once attached)."""
    member: Member | None = None
    """This connection's seat in the room: its peer and a way to send to it."""

    def __init__(self, transport: Transport = "tcp", clock: Clock | None = None) -> None:
        self.transport = transport
        self.clock: Clock = clock or local_now

    def attach(self, room: Room, member: Member) -> None:
        """Called by TCP servers before on_connect; only room protocols need it."""
        self.room = room
        self.member = member

    def on_connect(self) -> Reply:
        """What to send as a TCP connection opens (never called for UDP)."""
        return NOTHING

    def on_close(self) -> None:
        """Called once as a TCP connection ends, however it ends."""

    def on_message(self, message: bytes) -> Reply:
        """The answer to one message: a framed TCP message or one UDP datagram."""
        raise NotImplementedError


class Echo(ServerProtocol):
    name = "echo"
    summary = "RFC 862: every byte comes back unchanged."

    def on_message(self, message: bytes) -> Reply:
        return _reply(Reply, (message, False))


class Discard(ServerProtocol):
    name = "discard"
    summary = "RFC 863: everything is read and thrown away."

    def on_message(self, message: bytes) -> Reply:
        return NOTHING


class Daytime(ServerProtocol):
    name = "daytime"
    summary = "RFC 867: the time as text; TCP sends it on connect and closes."

    def _text(self) -> bytes:
        return (go_time_text(self.clock()) + "\n").encode()

    def on_connect(self) -> Reply:
        return Reply(self._text(), close=True)

    def on_message(self, message: bytes) -> Reply:
        # Over TCP the connection is closed on connect, so only UDP gets here.
        return Reply(self._text())


class Time(ServerProtocol):
    name = "time"
    summary = "RFC 868: seconds since 1900 as 4 big-endian bytes."

    def _seconds(self) -> bytes:
        seconds = int(self.clock().timestamp()) + RFC868_OFFSET
        return (seconds % 2**32).to_bytes(4, "big")  # RFC 868 wraps in 2036

    def on_connect(self) -> Reply:
        return Reply(self._seconds(), close=True)

    def on_message(self, message: bytes) -> Reply:
        return Reply(self._seconds())


class Timestamp(ServerProtocol):
    """The seed's long-connection server: each read is a request, as its conn.Read loop has it.

    The seed's client writes "timestamp" with no newline and reads once, so a read is
    answered as it arrives, never held for a newline; a person typing lines in nc gets
    one answer a line, each ended as the line was. The seed compares its whole
    128-byte buffer with "timestamp", so its seconds branch never runs; netlab answers
    what the seed meant to, Unix seconds. A request longer than 128 bytes arrives in
    128-byte reads, each answered, as the seed's are.
    """

    name = "timestamp"
    summary = "A long connection: 'timestamp' gets Unix seconds, anything else the time."
    transports = frozenset({"tcp"})
    max_message = 128  # the seed's request buffer, against floods
    idle_timeout = 120.0  # the seed's 2-minute read deadline

    def on_message(self, message: bytes) -> Reply:
        now = self.clock()
        answers = []
        for line in message.splitlines(keepends=True):
            request = line.rstrip(b"\r\n")
            ending = line[len(request) :]
            if request.strip() == b"timestamp":
                answer = str(int(now.timestamp())).encode()
            else:
                answer = go_time_text(now).encode()
            answers.append(answer + ending)
        return Reply(b"".join(answers))


def _upper(message: bytes) -> bytes:
    try:
        return message.decode("utf-8").upper().encode("utf-8")
    except UnicodeDecodeError:
        return message.upper()  # ASCII letters only, the rest left as sent


class Upper(ServerProtocol):
    """The seeds' uppercase server: strings.ToUpper of whatever one read returns.

    Their client writes "hello world" with no newline and reads once, so nothing waits
    for a newline; lines typed in nc come back as typed, upper-cased, ends and all.
    """

    name = "upper"
    summary = "Whatever arrives comes back upper-cased: each read (TCP) or datagram (UDP)."

    def on_message(self, message: bytes) -> Reply:
        return Reply(_upper(message))


class Tab(ServerProtocol):
    name = "tab"
    summary = "Messages end with TAB; each gets 'server got:<message>' and a TAB."
    framing = Framing.TAB
    transports = frozenset({"tcp"})

    def on_message(self, message: bytes) -> Reply:
        return Reply(b"server got:" + message + b"\t")


class Chat(ServerProtocol):
    name = "chat"
    summary = "Each line goes to every other client, after the sender's address."
    framing = Framing.LF
    transports = frozenset({"tcp"})
    max_message = 4096
    concurrent = True

    def on_connect(self) -> Reply:
        if self.room is not None and self.member is not None:
            self.room.join(self.member)
        return NOTHING

    def on_message(self, message: bytes) -> Reply:
        if self.room is None or self.member is None:
            return NOTHING
        # Control characters and escape sequences are relayed as visible escapes, so
        # one client cannot drive the others' terminals.
        text = safe_bytes(message, limit=None)
        self.room.broadcast(f"[{self.member.peer}] {text}\n".encode(), exclude=self.member)
        return NOTHING

    def on_close(self) -> None:
        if self.room is not None and self.member is not None:
            self.room.leave(self.member)


PROTOCOLS: dict[str, type[ServerProtocol]] = {
    cls.name: cls for cls in (Echo, Daytime, Time, Timestamp, Upper, Tab, Discard, Chat)
}
