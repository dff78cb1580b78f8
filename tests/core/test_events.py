"""Event lines: their columns (event_parts), and format_event, the line `netlab serve` prints."""

from __future__ import annotations

import pytest

from netlab.core.events import (
    CloseReason,
    Closing,
    Event,
    Kind,
    Side,
    closed_event,
    event_parts,
    format_event,
    message_event,
)


def noon(_moment: float) -> str:
    return "12:00:00"


@pytest.mark.parametrize(
    ("event", "line"),
    [
        (
            Event(Kind.LISTENING, "tcp/echo:1201", detail="on 127.0.0.1:1201"),
            "12:00:00  tcp/echo:1201  listening  on 127.0.0.1:1201",
        ),
        (
            Event(Kind.ACCEPTED, "tcp/echo:1201", "127.0.0.1:50312"),
            "12:00:00  tcp/echo:1201  accepted  127.0.0.1:50312",
        ),
        (
            message_event(Kind.RECEIVED, "tcp/echo:1201", "127.0.0.1:50312", b"hello\n"),
            "12:00:00  tcp/echo:1201  received  127.0.0.1:50312  6 bytes hello\\n",
        ),
        (
            message_event(Kind.SENT, "tcp/echo:1201", "127.0.0.1:50312", b"x"),
            "12:00:00  tcp/echo:1201  sent  127.0.0.1:50312  1 byte x",
        ),
        (
            Event(Kind.CLOSED, "tcp/echo:1201", "127.0.0.1:50312", detail="closed by peer"),
            "12:00:00  tcp/echo:1201  closed  127.0.0.1:50312  closed by peer",
        ),
        (
            Event(Kind.ERROR, "udp/echo:7", detail="boom"),
            "12:00:00  udp/echo:7  error  boom",
        ),
        (Event(Kind.STOPPED, "udp/echo:7"), "12:00:00  udp/echo:7  stopped"),
        (
            Event(Kind.DATAGRAM_IN, "udp/echo:7", "", b"hi", 2, detail="late"),
            "12:00:00  udp/echo:7  datagram-in  2 bytes hi  late",
        ),
    ],
)
def test_format_event_joins_the_parts_with_two_spaces(event: Event, line: str) -> None:
    assert format_event(event, noon) == line
    time_text, source, rest = event_parts(event, noon)
    assert "  ".join((time_text, source, *rest)) == line
    assert (time_text, source, rest[0]) == ("12:00:00", event.source, event.kind.value)
    assert all(rest)


def test_the_parts_of_a_message_line() -> None:
    event = message_event(Kind.RECEIVED, "tcp/echo:1201", "127.0.0.1:50312", b"a  b\x1b")
    assert event_parts(event, noon) == (
        "12:00:00",
        "tcp/echo:1201",
        ("received", "127.0.0.1:50312", "5 bytes a  b\\x1b"),
    )


@pytest.mark.parametrize(
    ("size", "summed", "text"),
    [
        (0, 0, ""),
        (1, 0, "1 byte x"),
        (2, 0, "2 bytes x"),
        (1, 1, "1 message, 1 byte, not logged one by one"),
        (64_000, 1, "1 message, 64,000 bytes, not logged one by one"),
        (1, 2, "2 messages, 1 byte, not logged one by one"),
        (64_000, 1000, "1,000 messages, 64,000 bytes, not logged one by one"),
    ],
)
def test_counts_of_one_are_singular(size: int, summed: int, text: str) -> None:
    data = b"x" if size and not summed else b""
    event = Event(Kind.RECEIVED, "tcp/echo:7", "127.0.0.1:5000", data, size, summed=summed)
    line = format_event(event, noon)
    assert line == "12:00:00  tcp/echo:7  received  127.0.0.1:5000" + (f"  {text}" if text else "")


def test_made_safe_is_shared_across_a_batch() -> None:
    made_safe: dict[bytes, str] = {}
    event = message_event(Kind.RECEIVED, "tcp/echo:7", "p", b"\x00hi")
    first = format_event(event, noon, made_safe)
    assert made_safe == {b"\x00hi": "\\0hi"}
    assert (
        format_event(event, noon, made_safe)
        == first
        == "12:00:00  tcp/echo:7  received  p  3 bytes \\0hi"
    )


@pytest.mark.parametrize(
    ("closing", "detail"),
    [
        # A server's close: the reason, how long, and the bytes each way.
        (
            Closing(CloseReason.BY_PEER, 0.1234, 6, 6),
            "closed by peer; 0.123 s; 6 bytes in, 6 out",
        ),
        (Closing(CloseReason.TIMEOUT, 5.0, 1, 0), "idle timeout; 5.000 s; 1 byte in, 0 out"),
        # A client's: the reason, and more words on it when there are some.
        (Closing(CloseReason.BY_US), "closed by us"),
        (
            Closing(CloseReason.RESET, why="Connection reset by peer"),
            "reset by peer: Connection reset by peer",
        ),
        (
            Closing(CloseReason.TIMEOUT, why="nothing received for 5 s"),
            "idle timeout: nothing received for 5 s",
        ),
    ],
)
def test_a_close_is_told_in_one_way(closing: Closing, detail: str) -> None:
    event = closed_event("tcp/echo:1201", "127.0.0.1:50312", closing)
    assert event.kind is Kind.CLOSED and event.closing is closing
    assert event.detail == closing.text() == detail
    assert format_event(event, noon) == (
        f"12:00:00  tcp/echo:1201  closed  127.0.0.1:50312  {detail}"
    )


def test_an_event_says_whose_it_is() -> None:
    assert Event(Kind.ACCEPTED, "tcp/echo:1201").side is Side.SERVER
    sent = message_event(Kind.SENT, "client-1", "127.0.0.1:1201", b"x", Side.CLIENT)
    assert sent.side is Side.CLIENT and sent.closing is None
    closed = closed_event("client-1", "", Closing(CloseReason.BY_US), Side.CLIENT)
    assert closed.side is Side.CLIENT
