"""A client session written down, to be replayed and checked: the recording file.

A text file, one line per thing, because a person reads, writes and edits it by hand
in any editor, and a diff shows what changed; JSON Lines would bury each message in
quotes, braces and doubled backslashes:

    # netlab recording 1
    # endpoint 127.0.0.1:7007 tcp, framing lf
    > 0.000 hello\\n
    < 0.002 hello\\n
    > 1.503 how are you?\\n
    < 1.504 ~ ^HOW
    > 2.000 bye\\n
    < *

- The first line is the header, as written. `# endpoint HOST:PORT tcp|udp, framing
  lf|crlf|tab|raw` says where it was recorded and how (without it: tcp, lf, and no
  endpoint: replay is given one). Any other `#` line, and a blank line, is a comment.
- `> SECONDS BYTES`: what was sent, that many seconds after connecting, the bytes as
  they went on the wire (framing included), written with safetext's escapes that go
  back to bytes exactly: \\n \\r \\t \\0 \\\\, \\xNN for any byte, \\uNNNN for a
  character. A space at the end is written \\x20, so an editor that trims lines
  changes nothing. A message too long for one line goes on in `+ BYTES` lines.
- `< SECONDS BYTES`: what came back; the lines after a `>` together are its reply (the
  recorder starts a new line after each newline). `<` lines before the first `>` are
  what the server says first (a greeting, the daytime). A `>` with no `<` after it
  expects no reply at all.
- Instead of the bytes, a reply may be an expectation: `< ~ REGEX` (a Python regular
  expression searched for in the reply, its own escapes: \\n, \\d, \\x00) or `< *`
  (anything, nothing included); the time is optional there. An exact reply that starts
  with `~` or `*` has that character escaped (\\x7e, \\x2a).

A file that is not this, or too big to be one, is an InputError naming the line.
"""

from __future__ import annotations

import enum
import math
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import regex

from netlab.core.endpoints import parse_endpoint
from netlab.core.errors import InputError
from netlab.core.events import Event, Kind
from netlab.core.framing import Framing
from netlab.core.plural import plural
from netlab.core.safetext import escape_bytes, unescape_bytes

HEADER = "# netlab recording 1"
MAX_SIZE = 1024 * 1024
"""Bytes a recording may have: a lab exchange, never a bulk transfer."""
MAX_LINES = 10_000
MAX_LINE = 16 * 1024
"""Characters a line may have (the recorder cuts data into lines of LINE_BYTES)."""
LINE_BYTES = 1024
"""Bytes the recorder writes on one line at most: at most 4 characters each escaped."""
MAX_OFFSET = 86_400.0
"""Seconds after connecting a line may say: a day."""
TRANSPORTS = ("tcp", "udp")
QUIET = 0.3
"""Seconds without data after which a reply is taken as complete, recording or replaying."""

MATCH_TIME = 1.0
"""Seconds a reply's regular expression may take to match: Python's re cannot be
stopped, and a pattern written carelessly can backtrack for hours on a short reply."""
_ENDPOINT = re.compile(r"# endpoint (?P<endpoint>\S+) (?P<transport>\w+), framing (?P<framing>\w+)")
_TIME = re.compile(r"\d+(\.\d+)?")
# A file is text: a tab may be typed, any other control character is not.
_CONTROLS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


class Match(enum.StrEnum):
    EXACT = "exact"
    REGEX = "regex"
    ANY = "any"


@dataclass(frozen=True, slots=True)
class Expectation:
    """What a reply must be: these bytes, bytes a regular expression finds, or anything."""

    match: Match = Match.EXACT
    data: bytes = b""
    """The exact bytes; for a regex, its pattern's source."""

    def accepts(self, reply: bytes) -> bool:
        """Whether `reply` is what was expected; InputError for a pattern that cannot say
        in MATCH_TIME (one that backtracks without end, such as `(a|aa)+$`)."""
        if self.match is Match.ANY:
            return True
        if self.match is Match.REGEX:
            try:
                return regex.search(self.data, reply, timeout=MATCH_TIME) is not None
            except TimeoutError:
                raise InputError(
                    f"The expression {self.text()[2:]!r} took over {MATCH_TIME:g} s on a reply "
                    f"of {plural(len(reply), 'byte')}, backtracking without end: write it "
                    "so that no two ways through a repeat match the same text, as (a|aa)+ do."
                ) from None
        return reply == self.data

    def complete(self, reply: bytes) -> bool:
        """Whether waiting longer cannot change the verdict: the exact bytes are in."""
        return self.match is Match.EXACT and reply == self.data

    def text(self) -> str:
        """As the recording writes it, after the time."""
        if self.match is Match.ANY:
            return "*"
        if self.match is Match.REGEX:
            return "~ " + self.data.decode("utf-8", errors="backslashreplace")
        return _escape_line(self.data)


@dataclass(frozen=True, slots=True)
class Exchange:
    """One message sent and the reply it should get."""

    sent: bytes | None
    """None: what the server says before anything is sent."""
    at: float
    """Seconds after connecting that it was sent."""
    expect: Expectation
    line: int
    """Its line in the file: the `>` line, or the first `<` for a greeting."""


@dataclass(frozen=True, slots=True)
class Recording:
    exchanges: tuple[Exchange, ...]
    endpoint: str | None = None
    transport: str = "tcp"
    framing: Framing = Framing.LF


def load_recording(path: str | Path) -> Recording:
    """Read and check the recording at `path`; InputError (with the line) if it is none."""
    try:
        with open(path, "rb") as file:
            data = file.read(MAX_SIZE + 1)
    except OSError as error:
        raise InputError(f"Cannot read {path}: {error.strerror or error}.") from None
    return parse_recording(data, str(path))


def parse_recording(data: bytes, name: str = "the recording") -> Recording:
    if len(data) > MAX_SIZE:
        raise InputError(
            f"{name} is larger than a recording may be ({plural(MAX_SIZE, 'byte', grouped=True)})."
        )
    return _Reader(name).read(data.split(b"\n"))


@dataclass
class _Reader:
    name: str
    endpoint: str | None = None
    transport: str = "tcp"
    framing: Framing = Framing.LF
    exchanges: list[Exchange] = field(default_factory=list)
    # The exchange being read: its message, time, line, and the reply lines so far.
    _sent: bytes | None = None
    _at: float = 0.0
    _line: int = 0
    _replies: list[Expectation] = field(default_factory=list)
    _open: bool = False

    def read(self, lines: list[bytes]) -> Recording:
        if lines and lines[-1] == b"":
            lines.pop()  # the file's last newline ends a line, it begins none
        if len(lines) > MAX_LINES:
            self.fail(MAX_LINES + 1, f"a recording has at most {MAX_LINES:,} lines")
        for number, raw in enumerate(lines, 1):
            self.line(number, self.decode(number, raw))
        if not lines:
            self.fail(1, f"the file is empty; a recording starts with {HEADER!r}")
        self.finish()
        return Recording(tuple(self.exchanges), self.endpoint, self.transport, self.framing)

    def fail(self, number: int, why: str) -> None:
        raise InputError(f"{self.name}, line {number}: {why}.")

    def decode(self, number: int, raw: bytes) -> str:
        if len(raw) > MAX_LINE:
            self.fail(number, f"the line is longer than {MAX_LINE:,} characters")
        try:
            text = raw.decode("utf-8").removesuffix("\r")
        except UnicodeDecodeError:
            self.fail(number, "this is not UTF-8 text; a recording is a text file")
        if bad := _CONTROLS.search(text):
            self.fail(
                number,
                f"a control character ({escape_bytes(bad.group().encode())}) is not text; "
                "write it as an escape",
            )
        return text

    def line(self, number: int, text: str) -> None:
        if number == 1:
            if text.strip() != HEADER:
                self.fail(1, f"a recording starts with {HEADER!r}")
            return
        if text.startswith("# endpoint"):
            self.endpoint_line(number, text.strip())
        elif not text.strip() or text.startswith("#"):
            return
        elif text.startswith("> "):
            self.finish()
            self._open, self._line, self._replies = True, number, []
            self._at, rest = self.time(number, text[2:])
            self._sent = self.data(number, rest)
        elif text.startswith("< "):
            self.reply(number, text[2:])
        elif text.startswith("+ ") or text == "+":
            if not self._open or self._sent is None or self._replies:
                self.fail(number, "a '+' line goes on with the message sent on the line above")
            else:
                self._sent += self.data(number, text[2:])
        else:
            self.fail(
                number,
                f"{text[:20]!r} is no recording line: a line starts with '> ' (sent), "
                "'< ' (received) or '#' (a comment)",
            )

    def endpoint_line(self, number: int, text: str) -> None:
        if self.exchanges or self._open:
            self.fail(number, "the endpoint line comes before the first message")
        found = _ENDPOINT.fullmatch(text)
        if found is None:
            self.fail(number, "write the endpoint as '# endpoint HOST:PORT tcp, framing lf'")
            return
        if found["transport"] not in TRANSPORTS:
            self.fail(number, f"unknown transport {found['transport']!r}: use tcp or udp")
        try:
            self.framing = Framing.parse(found["framing"])
            parse_endpoint(found["endpoint"], network=found["transport"])
        except InputError as error:
            self.fail(number, str(error).rstrip("."))
        self.endpoint, self.transport = found["endpoint"], found["transport"]

    def reply(self, number: int, text: str) -> None:
        if not self._open:  # what the server says first
            self._open, self._sent, self._at, self._line = True, None, 0.0, number
        # A reply's time is for the reader: replay waits for the bytes themselves.
        has_time = bool(_TIME.match(text))
        rest = self.time(number, text)[1] if has_time else text
        if rest == "*" or rest.startswith("~ ") or rest == "~":
            expectation = self.expectation(number, rest)
        elif not has_time:
            self.fail(number, "a reply's bytes come after its time, as in '< 0.002 hello\\n'")
            return
        else:
            expectation = Expectation(Match.EXACT, self.data(number, rest))
        kinds = {reply.match for reply in self._replies} | {expectation.match}
        if len(self._replies) >= 1 and kinds != {Match.EXACT}:
            self.fail(number, "a reply written as ~ or * is the whole reply: one line of its own")
        self._replies.append(expectation)

    def expectation(self, number: int, rest: str) -> Expectation:
        if rest == "*":
            return Expectation(Match.ANY)
        source = rest[2:].encode()
        try:
            regex.compile(source)
        except regex.error as error:
            self.fail(number, f"the regular expression does not compile: {error}")
        except RecursionError:
            self.fail(number, "the regular expression is nested too deeply")
        return Expectation(Match.REGEX, source)

    def time(self, number: int, text: str) -> tuple[float, str]:
        stamp, _, rest = text.partition(" ")
        if not _TIME.fullmatch(stamp):
            self.fail(number, f"{stamp[:20]!r} is no time: write seconds, as in '> 1.503 hello'")
        seconds = float(stamp)
        if not math.isfinite(seconds) or seconds > MAX_OFFSET:
            self.fail(number, f"{stamp} s is more than a day after connecting")
        return seconds, rest

    def data(self, number: int, text: str) -> bytes:
        try:
            return unescape_bytes(text)
        except ValueError as error:
            self.fail(number, str(error))
            raise  # not reached: fail() raised

    def finish(self) -> None:
        """The exchange being read is complete: its `<` lines are its reply."""
        if not self._open:
            return
        replies = self._replies
        if len(replies) == 1 and replies[0].match is not Match.EXACT:
            expectation = replies[0]
        else:
            expectation = Expectation(Match.EXACT, b"".join(reply.data for reply in replies))
        self.exchanges.append(Exchange(self._sent, self._at, expectation, self._line))
        self._open = False


def _chunks(data: bytes) -> list[bytes]:
    return [data[start : start + LINE_BYTES] for start in range(0, len(data), LINE_BYTES)]


def _escape_line(data: bytes) -> str:
    """Bytes as a line's text: escaped, and with nothing an editor or reader would misread."""
    text = escape_bytes(data)
    if text.startswith(("~", "*")):
        text = f"\\x{ord(text[0]):02x}{text[1:]}"
    if text.endswith(" "):
        text = text[:-1] + "\\x20"
    return text


class Recorder:
    """Writes a session's recording as it goes: each line as it happens, flushed, so
    whatever ends the session (the peer closing, Ctrl-C) the file has all that crossed.

    Past MAX_SIZE or MAX_LINES it stops, with a comment saying so, and `full` is set:
    what it wrote stays a recording netlab can read.
    """

    def __init__(
        self,
        out: TextIO,
        *,
        endpoint: str | None,
        transport: str,
        framing: Framing,
        started: float | None = None,
    ) -> None:
        self.out = out
        self.started = time.monotonic() if started is None else started
        self.full = False
        self.bytes_in = 0
        """Bytes written down as received: a sender waits until all that came is."""
        self._size = 0
        self._lines = 0
        self._lock = threading.Lock()
        self._write(HEADER)
        if endpoint is not None:
            self._write(f"# endpoint {endpoint} {transport}, framing {framing.value}")

    @classmethod
    def create(
        cls, path: str | Path, *, endpoint: str | None, transport: str, framing: Framing
    ) -> Recorder:
        """A recorder writing a new file at `path`; an existing file is never overwritten."""
        try:
            out = open(path, "x", encoding="utf-8", newline="\n")  # noqa: SIM115
        except FileExistsError:
            raise InputError(
                f"{path} exists already: give a new name, a recording never overwrites a file."
            ) from None
        except OSError as error:
            raise InputError(f"Cannot write {path}: {error.strerror or error}.") from None
        return cls(out, endpoint=endpoint, transport=transport, framing=framing)

    def sent(self, data: bytes, at: float | None = None) -> None:
        self._data(">", data, at)

    def received(self, data: bytes, at: float | None = None) -> None:
        self._data("<", data, at)
        self.bytes_in += len(data)

    def note(self, comment: str) -> None:
        """A line for the reader, which replay passes over: it starts with #."""
        self._write(comment)

    def close(self) -> None:
        with self._lock:
            self.out.close()

    def _data(self, mark: str, data: bytes, at: float | None) -> None:
        offset = max(0.0, (time.monotonic() if at is None else at) - self.started)
        stamp = f"{min(offset, MAX_OFFSET):.3f}"
        if mark == ">":
            # One message is one exchange: what does not fit a line goes on with "+".
            chunks = _chunks(data) or [b""]
            self._write(f"> {stamp} {_escape_line(chunks[0])}".rstrip())
            for chunk in chunks[1:]:
                self._write(f"+ {_escape_line(chunk)}")
            return
        # A reply's lines together are the reply: one per line of it reads as it came.
        for piece in re.split(b"(?<=\n)", data):
            for chunk in _chunks(piece):
                self._write(f"< {stamp} {_escape_line(chunk)}")

    def _write(self, line: str) -> None:
        with self._lock:
            if self.full or self.out.closed:
                return
            if self._size + len(line) + 200 > MAX_SIZE or self._lines + 2 > MAX_LINES:
                self.full = True
                line = "# the recording stopped here: it reached the size a recording may have"
            self.out.write(line + "\n")
            self.out.flush()
            self._size += len(line.encode()) + 1
            self._lines += 1


_SENT = frozenset({Kind.SENT, Kind.DATAGRAM_OUT})
_RECEIVED = frozenset({Kind.RECEIVED, Kind.DATAGRAM_IN})


def is_recorded(event: Event) -> bool:
    """Whether a session's event is part of its recording: bytes sent or received (a
    flood's counted messages carry none, and are not)."""
    return (event.kind in _SENT or event.kind in _RECEIVED) and not event.summed


def record_events(recorder: Recorder, events: Iterable[Event]) -> None:
    """Write down a session's events, as their own times say, once it has had them."""
    for event in events:
        if not is_recorded(event):
            continue
        if event.kind in _SENT:
            recorder.sent(event.data, event.time)
        else:
            recorder.received(event.data, event.time)
        if event.bytes_not_kept:
            recorder.note(
                f"# {event.bytes_not_kept:,} more bytes of this message were not kept "
                f"(a message's first {len(event.data):,} are): `netlab connect --record`, "
                "without --json, keeps every byte"
            )
