"""netlab's readings of replies: what the bytes mean, beside them, never instead."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from netlab.core.events import Kind, Side, message_event
from netlab.core.readings import PROTOCOLS, reading, server_reading
from netlab.core.servers.protocols import RFC868_OFFSET

NOW = datetime(2026, 12, 1, 3, 14, 50, 500000, tzinfo=UTC)
"""The clock the readings compare with."""


def test_rfc_868s_four_bytes_read_as_the_date() -> None:
    seconds = int(NOW.timestamp()) + RFC868_OFFSET
    said = reading(seconds.to_bytes(4, "big"), protocol="time", now=NOW)
    assert said.startswith(f"RFC 868 time: {seconds:,} s since 1900-01-01 UTC = 2026-12-01")


def test_four_bytes_far_from_the_clock_are_time_only_when_said_so() -> None:
    far = (1).to_bytes(4, "big")
    assert reading(far, port=5000, now=NOW) == ""
    assert reading(far, port=37, now=NOW).startswith("RFC 868 time: 1 s since 1900")
    assert reading(far, protocol="time", now=NOW).startswith("RFC 868 time: 1 s")


@pytest.mark.parametrize(
    "line",
    [
        b"2026-12-01 03:14:50.410573 +0000 UTC\n",  # Go's time.String(): the seeds', netlab's
        b"2026-12-01 04:14:50.410573 +0100 CET\r\n",
        b"Tue, 01 Dec 2026 03:14:50 GMT\r\n",  # RFC 822's
    ],
)
def test_a_daytime_line_reads_as_the_time_it_states_and_how_far_from_ours(line: bytes) -> None:
    said = reading(line, port=13, now=NOW)
    assert said.startswith("daytime (RFC 867): 2026-12-01 03:14:50 UTC")
    assert said.endswith("s behind this clock")


def test_a_daytime_line_in_no_known_format_has_no_reading() -> None:
    assert reading(b"Tuesday, December 1, 2026 03:14:50-UTC\n", port=13, now=NOW) == ""


def test_the_timestamp_servers_answers_read_as_dates() -> None:
    seconds = int(NOW.timestamp())
    assert reading(f"{seconds}\n".encode(), protocol="timestamp", now=NOW) == (
        f"Unix time: {seconds:,} s since 1970-01-01 UTC = 2026-12-01 03:14:50 UTC"
        f" ({NOW.astimezone():%Y-%m-%d %H:%M:%S %Z} here)"
    )
    other = reading(b"2026-12-01 03:14:50.5 +0000 UTC\n", protocol="timestamp", now=NOW)
    assert other.startswith("the time: 2026-12-01 03:14:50 UTC")


def test_an_http_reply_reads_as_its_status_and_the_headers_that_matter() -> None:
    reply = (
        b"HTTP/1.0 404 File not found\r\nServer: SimpleHTTP/0.6\r\nDate: x\r\n"
        b"Content-Type: text/html\r\nContent-Length: 335\r\n\r\n<html>"
    )
    assert reading(reply, port=80) == (
        "HTTP/1.0 status 404 File not found (client error: the request was wrong or not "
        "allowed); 4 headers; Server SimpleHTTP/0.6, Content-Type text/html, Content-Length 335"
    )
    assert reading(b"SSH-2.0-OpenSSH_9.6\r\n", protocol="http") == ""


def test_every_protocol_a_person_can_name_is_one_the_cli_offers() -> None:
    from netlab.cli.sockets import READ_AS

    assert list(PROTOCOLS) == READ_AS


def test_a_lab_servers_reply_is_read_by_its_kind_not_its_port() -> None:
    four = (int(NOW.timestamp()) + RFC868_OFFSET).to_bytes(4, "big")
    sent = message_event(Kind.SENT, "tcp/time:5000", "127.0.0.1:40000", four)
    assert server_reading(sent).startswith("RFC 868 time: ")
    for unread in (
        message_event(Kind.SENT, "tcp/echo:37", "127.0.0.1:40000", four),
        message_event(Kind.RECEIVED, "tcp/time:5000", "127.0.0.1:40000", four),
        message_event(Kind.SENT, "tcp/time:5000", "127.0.0.1:5000", four, Side.CLIENT),
    ):
        assert server_reading(unread) == ""
