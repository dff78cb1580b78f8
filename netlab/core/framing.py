"""How a byte stream is cut into messages: raw, or ended by LF, CRLF or TAB.

The seeds use all of these: the echo servers pass raw bytes through, the
uppercase and timestamp servers read lines, and the tab-delimited protocol ends
each message with a TAB. The Splitter cuts a stream into messages for the servers
and the client, and keeps what each message took on the wire.
"""

from __future__ import annotations

import enum

from netlab.core.errors import InputError
from netlab.core.plural import plural


class Framing(enum.StrEnum):
    RAW = "raw"
    LF = "lf"
    CRLF = "crlf"
    TAB = "tab"

    @property
    def terminator(self) -> bytes:
        return _TERMINATORS[self]

    @classmethod
    def parse(cls, text: str) -> Framing:
        try:
            return cls(text.strip().lower())
        except ValueError:
            names = ", ".join(member.value for member in cls)
            raise InputError(f"Unknown framing {text!r}: use one of {names}.") from None

    @property
    def ending(self) -> str:
        """What ends a message, in words."""
        return _ENDINGS[self]

    def frame(self, message: bytes) -> bytes:
        """The message as it goes on the wire, with its terminator."""
        return message + self.terminator


_TERMINATORS = {Framing.RAW: b"", Framing.LF: b"\n", Framing.CRLF: b"\r\n", Framing.TAB: b"\t"}
_ENDINGS = {
    Framing.RAW: "the read",
    Framing.LF: "a newline (LF)",
    Framing.CRLF: "a line end (CR LF)",
    Framing.TAB: "a TAB",
}


class MessageTooBig(Exception):
    """A message was longer than the size cap: the connection carrying it is closed."""

    def __init__(self, max_size: int) -> None:
        super().__init__(f"a message longer than {plural(max_size, 'byte')}")
        self.max_size = max_size


CR = 13
"""The CR byte, as indexing bytes gives it."""


class Splitter:
    """Cuts a stream's reads into messages, holding back a partial one.

    feed() returns the messages a read completes, oldest first, without their
    terminators; LF framing (and CRLF, which cuts the same way) also takes off a CR
    before the LF, as telnet and nc -C send CRLF. After each feed(), sizes[i] is what
    the i-th message took on the wire, terminator and CR included, so a server counts
    the bytes its peers really sent: "hello world\\r\\n" is a message of 11 bytes and
    13 on the wire. With RAW framing each read is a message, cut at `max_size` as a
    recv of `max_size` would cut it.

    A message longer than `max_size` is never returned, nor held once a partial one
    has grown past it, so a peer that never sends the terminator cannot make us hold
    unbounded data. feed() then returns the messages before it and sets `overflow`
    (for that feed only), and the rest of that read is dropped: a server answers
    those messages, then closes with "message too big".
    """

    __slots__ = ("_cr", "_pending", "_raw", "_terminator", "max_size", "overflow", "sizes")

    def __init__(self, framing: Framing, max_size: int = 64 * 1024) -> None:
        self._raw = framing is Framing.RAW
        # LF framing also accepts CRLF, and CRLF framing a bare LF.
        self._terminator = b"\t" if framing is Framing.TAB else b"\n"
        self._cr = framing in (Framing.LF, Framing.CRLF)
        self._pending = bytearray()
        self.max_size = max_size
        self.overflow = False
        self.sizes: list[int] = []
        """Each message's size on the wire, for the last feed() (a new list each time)."""

    @property
    def pending(self) -> int:
        """Bytes of a message begun but not yet ended."""
        return len(self._pending)

    @property
    def held(self) -> bytes:
        """Those bytes."""
        return bytes(self._pending)

    def feed(self, chunk: bytes) -> list[bytes]:
        """The messages `chunk` completes, without terminators, oldest first."""
        self.overflow = False
        if self._raw:
            return self._cut_raw(chunk)
        pending = self._pending
        end = chunk.find(self._terminator)
        if end < 0:
            self.sizes = []
            if chunk:
                self._hold(chunk)
            return []
        if end == len(chunk) - 1 and not pending:
            # The usual read: one whole message, and nothing held.
            stop = end - 1 if self._cr and end and chunk[end - 1] == CR else end
            if stop > self.max_size:
                return self._too_big([], [])
            self.sizes = [end + 1]
            return [chunk[:stop]]
        # Several messages, or one begun in an earlier read. bytes.split does the
        # cutting in C, which for a flood of short lines is most of the work.
        if not self._cr or b"\r" not in chunk:
            terminator, strip_cr = self._terminator, False
        elif chunk.count(b"\r\n") == chunk.count(b"\n"):
            terminator, strip_cr = b"\r\n", False  # every line here ends in CRLF
        else:
            terminator, strip_cr = b"\n", True  # LF and CRLF lines mixed
        extra = len(terminator)
        messages = chunk.split(terminator)
        rest = messages.pop()
        sizes = [len(message) + extra for message in messages]
        if strip_cr:
            messages = [m[:-1] if m[-1:] == b"\r" else m for m in messages]
        if pending:
            # The first message began in an earlier read.
            sizes[0] += len(pending)
            pending += messages[0]
            if end == 0 and self._cr and pending[-1] == CR:
                del pending[-1]  # its CR came in that read, its LF in this one
            messages[0] = bytes(pending)
            pending.clear()
        if max(sizes) > self.max_size + 1:
            # Maybe a message too long: a size also counts the terminator and any CR.
            for index, message in enumerate(messages):
                if len(message) > self.max_size:
                    return self._too_big(messages[:index], sizes[:index])
        self.sizes = sizes
        if rest:
            self._hold(rest)
        return messages

    def _hold(self, data: bytes) -> None:
        """Keep the start of a message, unless it is already too long."""
        pending = self._pending
        pending += data
        excess = len(pending) - self.max_size
        # One byte over is fine if it is a CR: the LF of a CRLF may come next.
        if excess > 0 and not (excess == 1 and self._cr and pending[-1] == CR):
            pending.clear()
            self.overflow = True

    def _too_big(self, messages: list[bytes], sizes: list[int]) -> list[bytes]:
        self._pending.clear()
        self.overflow = True
        self.sizes = sizes
        return messages

    def _cut_raw(self, chunk: bytes) -> list[bytes]:
        size = len(chunk)
        if size <= self.max_size:
            self.sizes = [size] if size else []
            return [chunk] if size else []
        limit = self.max_size
        messages = [chunk[start : start + limit] for start in range(0, size, limit)]
        self.sizes = [len(message) for message in messages]
        return messages
