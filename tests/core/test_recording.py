"""Recordings: escapes that go back to bytes exactly, and files read or refused whole."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from netlab.core.errors import InputError
from netlab.core.events import MAX_EVENT_DATA, Event, Kind
from netlab.core.framing import Framing
from netlab.core.recording import (
    MAX_LINE,
    MAX_LINES,
    MAX_SIZE,
    Match,
    Recorder,
    parse_recording,
    record_events,
)
from netlab.core.safetext import escape_bytes, unescape_bytes

HEAD = b"# netlab recording 1\n# endpoint 127.0.0.1:7 tcp, framing lf\n"


@given(st.binary(max_size=200) | st.text(max_size=60).map(str.encode))
def test_escapes_go_back_to_the_same_bytes(data: bytes) -> None:
    text = escape_bytes(data)
    assert text.isprintable()
    assert unescape_bytes(text) == data


def test_each_escape_stands_for_one_thing() -> None:
    # The byte 0x80 and the character U+0080 differ; a backslash is doubled.
    assert (
        escape_bytes(b"\x80" + "\x80".encode() + b"\\x41\t\n\x00") == "\\x80\\u0080\\\\x41\\t\\n\\0"
    )
    assert unescape_bytes("caf\\u00e9 \\U0001f600") == "café 😀".encode()


@given(st.binary(max_size=3000))
def test_what_the_recorder_writes_reads_back(data: bytes) -> None:
    out = io.StringIO()
    recorder = Recorder(out, endpoint="127.0.0.1:7", transport="tcp", framing=Framing.RAW)
    recorder.received(b"greeting\r\n")
    recorder.sent(data)
    recorder.received(data)
    recording = parse_recording(out.getvalue().encode())
    assert recording.framing is Framing.RAW
    greeting, exchange = recording.exchanges
    assert greeting.sent is None and greeting.expect.data == b"greeting\r\n"
    assert exchange.sent == data and exchange.expect.data == data


def test_a_message_an_event_kept_only_the_start_of_says_so_in_the_recording() -> None:
    out = io.StringIO()
    recorder = Recorder(out, endpoint="127.0.0.1:7", transport="tcp", framing=Framing.RAW)
    start = b"x" * MAX_EVENT_DATA
    long = Event(Kind.SENT, "tcp/127.0.0.1:7", "127.0.0.1:7", start, 10_000, time=1.0)
    record_events(recorder, [long])
    text = out.getvalue()
    assert "# 5,904 more bytes of this message were not kept" in text
    assert "netlab connect --record" in text
    [exchange] = parse_recording(text.encode()).exchanges  # a comment: replay passes over it
    assert exchange.sent == start


def test_expectations_exact_regex_and_anything() -> None:
    recording = parse_recording(
        HEAD + b"> 0 a\\n\n< 0.1 A\\n\n> 1 b\\n\n< ~ ^B\\d?\n> 2 c\n< *\n> 3 \\x2a\n< 3.1 \\x7e x\n"
    )
    exact, regex, anything, starred = recording.exchanges
    assert exact.expect.accepts(b"A\n") and not exact.expect.accepts(b"a\n")
    assert regex.expect.match is Match.REGEX
    assert regex.expect.accepts(b"B7\n") and not regex.expect.accepts(b"b\n")
    assert anything.expect.accepts(b"") and anything.expect.accepts(b"\xff")
    assert starred.sent == b"*" and starred.expect.data == b"~ x"


HOSTILE = {
    "wrong header": b"# some other file\n> 0 a\n",
    "unknown line": HEAD + b"> 0 a\nhello\n",
    "bad escape": HEAD + b"> 0 a\\q\n",
    "short hex escape": HEAD + b"> 0 \\x4\n",
    "surrogate": HEAD + b"> 0 \\ud800\n",
    "bad time": HEAD + b"> soon a\n",
    "bad regex": HEAD + b"> 0 a\n< ~ (\n",
    "expectation among bytes": HEAD + b"> 0 a\n< 0 A\n< *\n",
    "bad transport": b"# netlab recording 1\n# endpoint 127.0.0.1:7 sctp, framing lf\n",
    "binary garbage": HEAD + b"> 0 \x00\x01\xff\xfe\n",
    "not utf-8": HEAD + b"> 0 \xff\n",
    "empty": b"",
    "too many lines": HEAD + b"# x\n" * MAX_LINES,
    "line too long": HEAD + b"> 0 " + b"a" * MAX_LINE + b"\n",
    "too big": HEAD + b"# " + b"x" * MAX_SIZE + b"\n",
}


@pytest.mark.parametrize("data", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_file_is_one_input_error_naming_its_line(data: bytes) -> None:
    with pytest.raises(InputError) as raised:
        parse_recording(data, "bad.rec")
    message = str(raised.value)
    assert message.startswith("bad.rec") and "\n" not in message
    if len(data) <= MAX_SIZE:
        assert ", line " in message
