"""ICMP echo and TCP connect timing, against 127.0.0.1 and ::1 only."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from netlab.core import ping as ping_module
from netlab.core.errors import InputError, OperationFailed
from netlab.core.ping import (
    ECHO6_REPLY,
    ECHO6_REQUEST,
    ECHO_REPLY,
    SEED_IDENTIFIER,
    SEED_SEQUENCE,
    ConnectTiming,
    PingNotPermitted,
    PingReply,
    PingTimeout,
    checksum,
    echo_request,
    ping,
    tcp_ping,
)
from tests.isolated import run_isolated
from tests.loopback import has_ipv6_loopback

# What Ping.go prints as "Message sent" and "Message received".
SEED_SENT = bytes([8, 0, 247, 205, 0, 13, 0, 37])
SEED_RECEIVED = bytes([0, 0, 255, 205, 0, 13, 0, 37])


def _ping_or_skip(host: str, **options: object) -> list[PingReply | PingTimeout]:
    try:
        return list(ping(host, **options))  # type: ignore[arg-type]
    except PingNotPermitted as error:
        pytest.skip(f"this environment refuses ICMP sockets: {error}")


def _expected(message: bytes, identifier: int) -> bytes:
    """message with identifier in place, for datagram sockets that pick their own."""
    if message[4:6] == identifier.to_bytes(2, "big"):
        return message
    rebuilt = bytearray(message)
    rebuilt[4:6] = identifier.to_bytes(2, "big")
    rebuilt[2:4] = b"\x00\x00"
    rebuilt[2:4] = checksum(bytes(rebuilt)).to_bytes(2, "big")
    return bytes(rebuilt)


# checksum


def test_checksum_rfc1071_example() -> None:
    # RFC 1071 section 3: the words sum to 0xddf2, so the checksum is its complement.
    data = bytes([0x00, 0x01, 0xF2, 0x03, 0xF4, 0xF5, 0xF6, 0xF7])
    assert checksum(data) == 0xFFFF - 0xDDF2 == 0x220D


def test_checksum_of_nothing_and_zeros() -> None:
    assert checksum(b"") == 0xFFFF
    assert checksum(bytes(10)) == 0xFFFF
    assert checksum(b"\xff\xff") == 0


def test_checksum_folds_carries() -> None:
    # 0xffff + 0x0001 = 0x10000 -> folds to 0x0001 -> complement 0xfffe.
    assert checksum(b"\xff\xff\x00\x01") == 0xFFFE


def test_checksum_pads_odd_lengths_with_zero() -> None:
    assert checksum(b"\x01") == checksum(b"\x01\x00") == 0xFEFF
    assert checksum(b"\x00\x01\xf2") == checksum(b"\x00\x01\xf2\x00")


def test_checksum_of_the_seed_message() -> None:
    assert checksum(bytes([8, 0, 0, 0, 0, 13, 0, 37])) == 0xF7CD


@given(st.binary(min_size=4, max_size=600))
def test_a_message_carrying_its_checksum_sums_to_zero(message: bytes) -> None:
    blank = message[:2] + b"\x00\x00" + message[4:]
    filled = blank[:2] + checksum(blank).to_bytes(2, "big") + blank[4:]
    assert checksum(filled) == 0


@given(st.binary(max_size=300))
def test_checksum_is_sixteen_bits(data: bytes) -> None:
    assert 0 <= checksum(data) <= 0xFFFF


# echo_request


def test_echo_request_matches_the_seed() -> None:
    assert echo_request(13, 37) == SEED_SENT
    assert echo_request(SEED_IDENTIFIER, SEED_SEQUENCE) == SEED_SENT


def test_echo_request_carries_the_payload_under_the_checksum() -> None:
    message = echo_request(1, 2, b"hello")
    assert message[:2] == bytes([8, 0]) and message[4:8] == bytes([0, 1, 0, 2])
    assert message[8:] == b"hello"
    assert checksum(message) == 0


def test_echo_request_for_ipv6_leaves_the_checksum_to_the_kernel() -> None:
    assert echo_request(13, 37, ipv6=True) == bytes([ECHO6_REQUEST, 0, 0, 0, 0, 13, 0, 37])


@pytest.mark.parametrize(("identifier", "sequence"), [(-1, 0), (0, 65536), (70000, 1)])
def test_echo_request_rejects_fields_wider_than_sixteen_bits(
    identifier: int, sequence: int
) -> None:
    with pytest.raises(InputError, match="0 to 65535"):
        echo_request(identifier, sequence)


# Finding our reply among what a raw socket sees


def _ipv4_header(ttl: int = 64, options: bytes = b"") -> bytes:
    words = 5 + len(options) // 4
    return bytes([0x40 | words, 0, 0, 0, 0, 0, 0, 0, ttl, 1, 0, 0]) + bytes(8) + options


def test_parse_reply_skips_our_own_request_seen_on_loopback() -> None:
    data = _ipv4_header() + SEED_SENT
    assert ping_module._parse_reply(data, ipv6=False, identifier=13, sequence=37) is None


def test_parse_reply_strips_the_ip_header_and_reads_the_ttl() -> None:
    data = _ipv4_header(ttl=61) + SEED_RECEIVED
    parsed = ping_module._parse_reply(data, ipv6=False, identifier=13, sequence=37)
    assert parsed == (SEED_RECEIVED, 61)


def test_parse_reply_uses_the_header_length_not_twenty() -> None:
    data = _ipv4_header(ttl=5, options=b"\x01\x01\x01\x00") + SEED_RECEIVED
    parsed = ping_module._parse_reply(data, ipv6=False, identifier=13, sequence=37)
    assert parsed == (SEED_RECEIVED, 5)


def test_parse_reply_takes_a_datagram_reply_without_header() -> None:
    parsed = ping_module._parse_reply(SEED_RECEIVED, ipv6=False, identifier=13, sequence=37)
    assert parsed == (SEED_RECEIVED, None)


@pytest.mark.parametrize(
    ("identifier", "sequence"), [(14, 37), (13, 36)], ids=["other pinger", "late reply"]
)
def test_parse_reply_skips_replies_to_other_requests(identifier: int, sequence: int) -> None:
    data = _ipv4_header() + SEED_RECEIVED
    assert (
        ping_module._parse_reply(data, ipv6=False, identifier=identifier, sequence=sequence) is None
    )


def test_parse_reply_ignores_the_identifier_when_unknown() -> None:
    data = bytes([0, 0, 0, 0, 0x12, 0x34, 0, 37])
    parsed = ping_module._parse_reply(data, ipv6=False, identifier=None, sequence=37)
    assert parsed == (data, None)


def test_parse_reply_for_ipv6_wants_type_129_and_skips_128() -> None:
    request = bytes([ECHO6_REQUEST, 0, 0, 0, 0, 13, 0, 37])
    reply = bytes([ECHO6_REPLY, 0, 0x7E, 0x89, 0, 13, 0, 37])
    assert ping_module._parse_reply(request, ipv6=True, identifier=13, sequence=37) is None
    assert ping_module._parse_reply(reply, ipv6=True, identifier=13, sequence=37) == (reply, None)


def test_parse_reply_skips_truncated_packets() -> None:
    assert ping_module._parse_reply(b"\x00\x00", ipv6=False, identifier=13, sequence=37) is None
    assert (
        ping_module._parse_reply(b"\x45" + bytes(10), ipv6=False, identifier=13, sequence=37)
        is None
    )


# Real pings of the loopback addresses


def test_ping_127_0_0_1_with_the_seed_defaults() -> None:
    [reply] = _ping_or_skip("127.0.0.1", timeout=2.0)
    assert isinstance(reply, PingReply), reply
    assert reply.host == reply.address == "127.0.0.1"
    assert reply.sequence == SEED_SEQUENCE
    # A datagram ICMP socket may have put its own identifier in.
    identifier = int.from_bytes(reply.sent[4:6], "big")
    assert reply.sent == _expected(SEED_SENT, identifier)
    assert reply.received == _expected(SEED_RECEIVED, identifier)
    assert 0 < reply.rtt < 2.0
    assert reply.ttl is None or 1 <= reply.ttl <= 255


def test_ping_keeps_the_seed_identifier_here() -> None:
    # On this project's machine raw sockets work, so the seed's bytes go out unchanged.
    [reply] = _ping_or_skip("127.0.0.1")
    if reply.sent[4:6] != b"\x00\x0d":
        pytest.skip("a datagram ICMP socket chose its own identifier")
    assert isinstance(reply, PingReply)
    assert (reply.sent, reply.received) == (SEED_SENT, SEED_RECEIVED)


@pytest.mark.skipif(not has_ipv6_loopback(), reason="this machine has no IPv6 loopback")
def test_ping_ipv6_loopback() -> None:
    [reply] = _ping_or_skip("::1", timeout=2.0)
    assert isinstance(reply, PingReply), reply
    assert reply.address == "::1"
    identifier = int.from_bytes(reply.sent[4:6], "big")
    assert reply.sent == bytes([ECHO6_REQUEST, 0, 0, 0]) + identifier.to_bytes(2, "big") + bytes(
        [0, 37]
    )
    assert reply.received[0] == ECHO6_REPLY
    assert reply.received[4:8] == reply.sent[4:8]
    assert reply.rtt > 0
    assert reply.ttl is None


def test_ping_accepts_a_bracketed_ipv6_address() -> None:
    if not has_ipv6_loopback():
        pytest.skip("this machine has no IPv6 loopback")
    [reply] = _ping_or_skip("[::1]")
    assert reply.address == "::1"


def test_ping_counts_up_the_sequence() -> None:
    results = _ping_or_skip("127.0.0.1", count=3, interval=0)
    assert [type(result) for result in results] == [PingReply] * 3
    assert [result.sequence for result in results] == [37, 38, 39]
    assert [result.sent[6:8] for result in results] == [b"\x00\x25", b"\x00\x26", b"\x00\x27"]


def test_ping_sequence_wraps_at_sixteen_bits() -> None:
    results = _ping_or_skip("127.0.0.1", count=2, interval=0, first_sequence=65535)
    assert [result.sequence for result in results] == [65535, 0]


def test_ping_echoes_the_payload() -> None:
    [reply] = _ping_or_skip("127.0.0.1", payload=b"netlab")
    assert isinstance(reply, PingReply)
    assert reply.received[8:] == b"netlab"
    assert checksum(reply.received) == 0


def test_ping_localhost_resolves_to_a_loopback_address() -> None:
    [reply] = _ping_or_skip("localhost")
    assert reply.host == "localhost"
    assert reply.address in {"127.0.0.1", "::1"}


def test_ping_waits_interval_between_probes_but_not_after_the_last() -> None:
    start = time.perf_counter()
    results = _ping_or_skip("127.0.0.1", count=2, interval=0.2)
    elapsed = time.perf_counter() - start
    assert len(results) == 2
    assert 0.2 <= elapsed < 0.2 + 1.0


def test_ping_closes_its_socket_when_abandoned(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[socket.socket] = []
    real_open = ping_module._open_socket

    def recording_open(family: int, kind: int, proto: int) -> socket.socket:
        sock = real_open(family, kind, proto)
        opened.append(sock)
        return sock

    monkeypatch.setattr(ping_module, "_open_socket", recording_open)
    results = ping("127.0.0.1", count=5, interval=0)
    try:
        next(results)
    except PingNotPermitted as error:
        pytest.skip(f"this environment refuses ICMP sockets: {error}")
    results.close()  # type: ignore[attr-defined]
    assert opened and all(sock.fileno() == -1 for sock in opened)


# Machines that behave differently, made for real in a network namespace of their own

_PING_ONCE = """
import json
from netlab.core import ping
from netlab.core.errors import OperationFailed
try:
    results = list(ping.ping({host!r}, count={count}, timeout=0.3, interval=0))
except OperationFailed as error:
    print(json.dumps({{"error": type(error).__name__, "message": str(error)}}))
else:
    print(json.dumps([
        {{"kind": type(r).__name__, "sent": list(r.sent), "sequence": r.sequence,
          "received": list(getattr(r, "received", b"")), "ttl": getattr(r, "ttl", None)}}
        for r in results
    ]))
"""


def _ping_isolated(host: str = "127.0.0.1", count: int = 1, **options: object) -> Any:
    return run_isolated(_PING_ONCE.format(host=host, count=count), **options)  # type: ignore[arg-type]


def test_ping_reports_a_timeout_where_loopback_ignores_pings() -> None:
    results = _ping_isolated(count=2, sysctls={"net.ipv4.icmp_echo_ignore_all": "1"})
    assert results == [
        {
            "kind": "PingTimeout",
            "sent": list(SEED_SENT),
            "received": [],
            "sequence": 37,
            "ttl": None,
        },
        {
            "kind": "PingTimeout",
            "sent": list(echo_request(13, 38)),
            "received": [],
            "sequence": 38,
            "ttl": None,
        },
    ]


def test_ping_falls_back_to_the_unprivileged_datagram_socket() -> None:
    # An ordinary user may not open raw sockets, but this range lets them ping.
    results = _ping_isolated(sysctls={"net.ipv4.ping_group_range": "0 2147483647"}, as_nobody=True)
    [reply] = results
    assert reply["kind"] == "PingReply"
    assert reply["ttl"] is None  # datagram replies come without the IP header
    identifier = bytes(reply["sent"][4:6])
    assert reply["sent"] == list(_expected(SEED_SENT, int.from_bytes(identifier, "big")))
    assert reply["received"][0] == ECHO_REPLY


def test_ping_not_permitted_suggests_tcp() -> None:
    result = _ping_isolated(sysctls={"net.ipv4.ping_group_range": "1 0"}, as_nobody=True)
    assert result["error"] == "PingNotPermitted"
    assert "use --tcp PORT to time a TCP connect instead" in result["message"]
    assert issubclass(PingNotPermitted, OperationFailed)


def test_ping_of_a_name_that_cannot_be_resolved_fails() -> None:
    # The namespace has no DNS server to ask, so the lookup fails without leaving the machine.
    result = _ping_isolated(host="no-such-host.invalid")
    assert result["error"] == "OperationFailed"
    assert "could not be resolved" in result["message"]


# tcp_ping


@pytest.fixture
def listener() -> Iterator[int]:
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server.getsockname()[1]


def test_tcp_ping_times_a_connect(listener: int) -> None:
    results = list(tcp_ping("127.0.0.1", listener, count=2, interval=0))
    assert len(results) == 2
    for result in results:
        assert result.host == result.address == "127.0.0.1"
        assert result.port == listener
        assert result.error is None
        assert result.rtt is not None and 0 < result.rtt < 2.0


def test_tcp_ping_reports_a_refused_connect() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    [result] = tcp_ping("127.0.0.1", port, timeout=2.0)
    assert result == ConnectTiming("127.0.0.1", "127.0.0.1", port, None, "connection refused")


@pytest.mark.skipif(not has_ipv6_loopback(), reason="this machine has no IPv6 loopback")
def test_tcp_ping_ipv6_loopback() -> None:
    with socket.create_server(("::1", 0), family=socket.AF_INET6) as server:
        port = server.getsockname()[1]
        [result] = tcp_ping("::1", port)
    assert result.address == "::1" and result.error is None and result.rtt is not None


# Bad input


@pytest.mark.parametrize(
    "options",
    [
        {"count": 0},
        {"count": 1001},
        {"count": -1},
        {"timeout": -1},
        {"timeout": 0},
        {"timeout": 61},
        {"timeout": float("nan")},
        {"interval": -1},
        {"interval": float("inf")},
        {"identifier": 65536},
        {"first_sequence": -1},
        {"payload": bytes(70000)},
    ],
    ids=repr,
)
def test_ping_rejects_bad_arguments_at_once(options: dict[str, object]) -> None:
    with pytest.raises(InputError):
        ping("127.0.0.1", **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("host", ["", "   ", "two words", "bad_host!", "[::1", "a" * 300])
def test_ping_rejects_bad_hosts(host: str) -> None:
    with pytest.raises(InputError):
        ping(host)


@pytest.mark.parametrize("port", [0, -1, 65536])
def test_tcp_ping_rejects_bad_ports(port: int) -> None:
    with pytest.raises(InputError, match="1 to 65535"):
        tcp_ping("127.0.0.1", port)


@pytest.mark.parametrize("options", [{"count": 0}, {"timeout": -1}], ids=repr)
def test_tcp_ping_rejects_bad_arguments(options: dict[str, object]) -> None:
    with pytest.raises(InputError):
        tcp_ping("127.0.0.1", 80, **options)  # type: ignore[arg-type]


def test_tcp_ping_rejects_an_empty_host() -> None:
    with pytest.raises(InputError):
        tcp_ping("", 80)


def test_input_errors_are_one_sentence() -> None:
    for call in (lambda: ping(""), lambda: ping("127.0.0.1", count=0), lambda: tcp_ping("x", 0)):
        with pytest.raises(InputError) as caught:
            call()
        message = str(caught.value)
        assert message.endswith(".") and message.count(". ") == 0 and ":" in message
