"""How a byte stream is cut into messages: raw, or ended by LF, CRLF or TAB.

The seeds use all of these: the echo servers pass raw bytes through, the
uppercase and timestamp servers read lines, and the tab-delimited protocol ends
each message with a TAB.
"""

from __future__ import annotations

import enum

from netlab.core.errors import InputError


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

    def frame(self, message: bytes) -> bytes:
        """The message as it goes on the wire, with its terminator."""
        return message + self.terminator


_TERMINATORS = {Framing.RAW: b"", Framing.LF: b"\n", Framing.CRLF: b"\r\n", Framing.TAB: b"\t"}


class MessageTooBig(Exception):
    """A message grew past the size cap before its terminator came."""


class Splitter:
    """Cuts incoming chunks into whole messages, holding back a partial one.

    Messages are returned without their terminator; with RAW framing each chunk is
    a message. A partial message longer than `max_size` raises MessageTooBig, so a
    peer that never sends the terminator cannot make us hold unbounded data.
    """

    def __init__(self, framing: Framing, max_size: int = 64 * 1024) -> None:
        self.framing = framing
        self.max_size = max_size
        self._pending = bytearray()

    def feed(self, chunk: bytes) -> list[bytes]:
        if self.framing is Framing.RAW:
            return [bytes(chunk)] if chunk else []
        # LF framing also accepts CRLF: telnet and nc -C send it.
        terminator = b"\n" if self.framing in (Framing.LF, Framing.CRLF) else b"\t"
        self._pending += chunk
        messages = []
        while (end := self._pending.find(terminator)) >= 0:
            message = bytes(self._pending[:end])
            del self._pending[: end + 1]
            if terminator == b"\n" and message.endswith(b"\r"):
                message = message[:-1]
            messages.append(message)
        if len(self._pending) > self.max_size:
            self._pending.clear()
            raise MessageTooBig(f"a message passed {self.max_size} bytes without its end")
        return messages

    def flush(self) -> bytes:
        """Whatever partial message is held (at end of stream)."""
        rest = bytes(self._pending)
        self._pending.clear()
        return rest
