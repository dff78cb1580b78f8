"""What received bytes mean, where netlab can tell: its reading, shown beside the bytes.

A reading never replaces the bytes; the CLI and the app print it as netlab's, on a
line of its own.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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


def reading(data: bytes, port: int | None = None, now: datetime | None = None) -> str:
    """netlab's reading of a reply, or "" when it has none.

    Four binary bytes from port 37 are RFC 868's time; from another port, only when
    they read within a year of the local clock (an RFC 868 server elsewhere, such as
    netlab's own on a port of its choosing).
    """
    moment = rfc868_time(data)
    if moment is None:
        return ""
    now = now or datetime.now(UTC)
    if port != TIME_PORT and abs(moment - now) > PLAUSIBLE:
        return ""
    seconds = int.from_bytes(data, "big")
    local = moment.astimezone()
    return (
        f"RFC 868 time: {seconds:,} s since 1900-01-01 UTC = "
        f"{moment:%Y-%m-%d %H:%M:%S} UTC ({local:%Y-%m-%d %H:%M:%S %Z} here)"
    )
