"""The protocols alone, without sockets, against a fixed clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from netlab.core.framing import Framing
from netlab.core.servers.protocols import (
    PROTOCOLS,
    RFC868_OFFSET,
    Daytime,
    Discard,
    Echo,
    Reply,
    Tab,
    Time,
    Timestamp,
    Upper,
    go_time_text,
)

AEDT = timezone(timedelta(hours=11), "AEDT")
MOMENT = datetime(2017, 1, 2, 20, 13, 21, 934698, tzinfo=AEDT)


def fixed() -> datetime:
    return MOMENT


def test_go_time_text_matches_the_seed() -> None:
    assert go_time_text(MOMENT) == "2017-01-02 20:13:21.934698 +1100 AEDT"
    assert go_time_text(MOMENT.replace(microsecond=500000)) == ("2017-01-02 20:13:21.5 +1100 AEDT")
    assert go_time_text(MOMENT.replace(microsecond=0)) == "2017-01-02 20:13:21 +1100 AEDT"


def test_registry_and_metadata() -> None:
    assert set(PROTOCOLS) == {
        "echo",
        "daytime",
        "time",
        "timestamp",
        "upper",
        "tab",
        "discard",
        "chat",
    }
    # The seeds' upper and timestamp servers answer each read: nothing waits for a newline.
    assert Timestamp.framing is Framing.RAW and Timestamp.max_message == 128
    assert Timestamp.idle_timeout == 120.0
    assert Tab.framing is Framing.TAB and Upper.framing is Framing.RAW
    assert Echo.framing is Framing.RAW
    assert Timestamp.transports == {"tcp"} and Tab.transports == {"tcp"}
    for kind in ("echo", "daytime", "time", "upper", "discard"):
        assert PROTOCOLS[kind].transports == {"tcp", "udp"}


def test_echo_and_discard() -> None:
    payload = bytes(range(256))
    assert Echo().on_message(payload) == Reply(payload)
    assert Echo().on_connect() == Reply()
    assert Discard().on_message(payload) == Reply()


def test_daytime_sends_on_connect_and_closes() -> None:
    reply = Daytime(clock=fixed).on_connect()
    assert reply == Reply(b"2017-01-02 20:13:21.934698 +1100 AEDT\n", close=True)
    assert Daytime("udp", fixed).on_message(b"") == Reply(reply.data)


def test_time_is_four_bytes_since_1900() -> None:
    reply = Time(clock=fixed).on_connect()
    assert reply.close and reply.data is not None and len(reply.data) == 4
    assert int.from_bytes(reply.data, "big") == int(MOMENT.timestamp()) + RFC868_OFFSET
    assert Time("udp", fixed).on_message(b"x").data == reply.data


def test_timestamp_answers_each_line_of_a_read_ended_as_it_was() -> None:
    session = Timestamp(clock=fixed)
    seconds = b"%d" % int(MOMENT.timestamp())
    text = go_time_text(MOMENT).encode()
    assert session.on_connect() == Reply()
    # The seed's client: "timestamp" with no newline, one read.
    assert session.on_message(b"timestamp") == Reply(seconds)
    assert session.on_message(b"what time") == Reply(text)
    # A person in nc or telnet: a line, or several in one read.
    assert session.on_message(b"timestamp\n") == Reply(seconds + b"\n")
    assert session.on_message(b"timestamp\r\nwhen\n") == Reply(seconds + b"\r\n" + text + b"\n")
    assert session.on_message(b"\n") == Reply(text + b"\n")


def test_upper_answers_the_read_upper_cased_as_the_seed_does() -> None:
    assert Upper().on_message(b"hello world") == Reply(b"HELLO WORLD")
    assert Upper().on_message(b"one\r\ntwo\n") == Reply(b"ONE\r\nTWO\n")
    assert Upper("udp").on_message(b"hello\n") == Reply(b"HELLO\n")
    assert Upper("udp").on_message("straße".encode()) == Reply(b"STRASSE")
    assert Upper("udp").on_message(b"\xffab") == Reply(b"\xffAB")


def test_tab() -> None:
    assert Tab().on_message(b"hi") == Reply(b"server got:hi\t")
