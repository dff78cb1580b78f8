"""What received bytes mean, where netlab can tell: its reading, shown beside the bytes.

A reading never replaces the bytes; the CLI and the app print it as netlab's, on a
line of its own.
"""

from __future__ import annotations

import email.utils
import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from netlab.core.events import MAX_EVENT_DATA, Event, Kind, Side, wall_time
from netlab.core.safetext import safe_text
from netlab.core.servers.protocols import RFC868_OFFSET

TIME_PORT = 37
"""RFC 868's well-known port."""
PLAUSIBLE = timedelta(days=366)
"""How near the local clock four bytes must read to be taken for RFC 868 elsewhere."""
_TEXT_CONTROLS = frozenset(b"\t\n\r\x1b")
"""Control bytes that text has: a terminal's escape sequences are still text."""


def is_binary(data: bytes) -> bool:
    """Whether `data` holds control bytes that text does not (NUL, say).

    Bytes that are not UTF-8 alone do not make it binary: text with a stray byte is
    shown as text, the byte as \\xNN.
    """
    return any((byte < 0x20 or byte == 0x7F) and byte not in _TEXT_CONTROLS for byte in data)


def rfc868_time(data: bytes) -> datetime | None:
    """Four bytes as RFC 868 has them: seconds since 1900-01-01 UTC, big-endian."""
    if len(data) != 4:
        return None
    seconds = int.from_bytes(data, "big") - RFC868_OFFSET
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)


PROTOCOLS = ("time", "daytime", "timestamp", "http")
"""What a person can ask a reply to be read as (`--as`)."""
WELL_KNOWN = {TIME_PORT: "time", 13: "daytime", 80: "http"}
"""The protocol a port names when nobody says otherwise."""
SERVER_PROTOCOLS = frozenset({"time", "daytime", "timestamp"})
"""Lab servers whose replies netlab reads: their kind names the protocol."""
_GO_TIME = re.compile(
    rb"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)(\.\d+)? ([+-]\d{4})(?: [A-Za-z0-9+-]+)?\s*"
)
_SHOWN_HEADERS = ("Server", "Content-Type", "Content-Length", "Location")
"""The headers an HTTP reading names, when the reply has them."""
_HTTP_CLASSES = {
    "1": "informational: more is to come",
    "2": "success: the request was understood and done",
    "3": "redirection: the thing asked for is elsewhere",
    "4": "client error: the request was wrong or not allowed",
    "5": "server error: the server failed at a request that may be fine",
}


def reading(
    data: bytes, port: int | None = None, now: datetime | None = None, protocol: str | None = None
) -> str:
    """netlab's reading of a reply, or "" when it has none.

    `protocol` (one of PROTOCOLS) is what the person said the reply is; else the port's
    well-known protocol; else four binary bytes that read within a year of the local
    clock are taken for RFC 868's time (netlab's own time server on a port of its
    choosing, say).
    """
    now = now or datetime.now(UTC)
    protocol = protocol or WELL_KNOWN.get(port or 0)
    if protocol == "daytime":
        return _clock(data, now, "daytime (RFC 867)")
    if protocol == "timestamp":
        return _timestamp(data) or _clock(data, now, "the time")
    if protocol == "http":
        return _http(data)
    moment = rfc868_time(data)
    if moment is None or (protocol != "time" and abs(moment - now) > PLAUSIBLE):
        return ""
    seconds = int.from_bytes(data, "big")
    return f"RFC 868 time: {seconds:,} s since 1900-01-01 UTC = {_when(moment)}"


def reading_note(meaning: str) -> str:
    """A reading as shown beside the bytes: marked as netlab's, never as the peer's words,
    and made safe (an HTTP reading quotes headers from the wire)."""
    return safe_text(f"netlab reads it as {meaning}", limit=None)


@lru_cache(maxsize=256)
def server_protocol(source: str) -> str | None:
    """The protocol netlab reads a lab server's replies as, from its name, or None.

    A server is named "tcp/time:1234" (ServerBase.name): its kind, never its port, says
    what it speaks, as lab servers run on any port. Remembered: a flood asks per event.
    """
    kind = source.partition("/")[2].rpartition(":")[0]
    return kind if kind in SERVER_PROTOCOLS else None


def server_reading(event: Event) -> str:
    """netlab's reading of what a lab server sent over TCP (a SENT event), or "".

    Only the servers of SERVER_PROTOCOLS have one, and only the event's first
    MAX_EVENT_DATA bytes are read: in a flood an echo server's event costs a comparison,
    and a looked-up name for each one it sends.

    A UDP server's answer (DATAGRAM_OUT) is not read: the reading compares the time with
    this machine's clock and zone, which the Servers pane's snapshots (a UDP daytime
    server on a fixed clock) cannot fix.
    """
    if event.kind is not Kind.SENT or event.side is not Side.SERVER:
        return ""
    protocol = server_protocol(event.source)
    if protocol is None:
        return ""
    # Read against the clock when it was sent: a daytime line is then as far from ours
    # as the server's clock was, however late the log gets to it.
    return reading(event.data[:MAX_EVENT_DATA], now=wall_time(event.time), protocol=protocol)


def _when(moment: datetime) -> str:
    utc, local = moment.astimezone(UTC), moment.astimezone()
    return f"{utc:%Y-%m-%d %H:%M:%S} UTC ({local:%Y-%m-%d %H:%M:%S %Z} here)"


def _clock(data: bytes, now: datetime, what: str) -> str:
    """A line telling the time (daytime's: RFC 867 fixes no format): Go's time.String()
    (the seeds' and netlab's) and RFC 822's are read, and how far that clock is from ours."""
    line = data.strip()
    found = _GO_TIME.fullmatch(line)
    try:
        if found:
            stamp, fraction, offset = (part.decode() if part else "" for part in found.groups())
            moment = datetime.strptime(f"{stamp} {offset}", "%Y-%m-%d %H:%M:%S %z")
            moment += timedelta(seconds=float(f"0{fraction}" if fraction else 0))
        else:
            moment = email.utils.parsedate_to_datetime(line.decode("ascii"))
    except (ValueError, TypeError, UnicodeDecodeError):
        return ""
    if moment.tzinfo is None:
        return ""
    apart = (moment - now).total_seconds()
    return f"{what}: {_when(moment)}, {abs(apart):.1f} s {_side(apart)} this clock"


def _side(apart: float) -> str:
    return "ahead of" if apart > 0 else "behind"


def _timestamp(data: bytes) -> str:
    """The timestamp server's answer to "timestamp": Unix seconds."""
    text = data.strip()
    if not text.isdigit() or len(text) > 12:
        return ""
    seconds = int(text)
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)
    return f"Unix time: {seconds:,} s since 1970-01-01 UTC = {_when(moment)}"


def _http(data: bytes) -> str:
    """An HTTP reply's status line and headers, in one line."""
    head = data.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    lines = head.decode("latin-1").splitlines()
    status = lines[0].split(" ", 2) if lines else []
    if len(status) < 2 or not status[0].startswith("HTTP/") or not status[1].isdigit():
        return ""
    code = status[1]
    reason = status[2].strip() if len(status) > 2 else ""
    meaning = _HTTP_CLASSES.get(code[0], "a status HTTP does not define")
    headers = [line.split(":", 1) for line in lines[1:] if ":" in line]
    said = {name.strip().lower(): value.strip() for name, value in headers}
    known = [f"{name} {said[name.lower()]}" for name in _SHOWN_HEADERS if name.lower() in said]
    shown = f"; {', '.join(known)}" if known else ""
    return (
        f"{status[0]} status {code} {reason} ({meaning}); "
        f"{len(headers)} header{'' if len(headers) == 1 else 's'}{shown}"
    )
