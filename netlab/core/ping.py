"""ICMP echo ("ping") as in Ping.go, and a TCP connect timer for where ICMP is refused.

Ping.go writes an 8-byte echo request (type 8, identifier 13, sequence 37) on a raw
socket and prints the reply from byte 20, past the IPv4 header. Here the same message
is sent on a raw socket when allowed, else on Linux's unprivileged ICMP datagram
socket, and the reply is found among everything else the socket sees: a raw socket
gets every ICMP packet on the machine, including, on loopback, our own request.

Arguments are checked when ping() or tcp_ping() is called; the name lookup and the
sockets wait until the first result is asked for, so a slow lookup blocks whoever
iterates (a worker), not whoever set the ping up.
"""

from __future__ import annotations

import contextlib
import ipaddress
import math
import socket
import sys
import time
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from netlab.core.errors import InputError, OperationFailed
from netlab.core.hostnames import check_host

ECHO_REQUEST = 8
ECHO_REPLY = 0
ECHO6_REQUEST = 128
ECHO6_REPLY = 129
SEED_IDENTIFIER = 13
SEED_SEQUENCE = 37

MAX_COUNT = 1000
MAX_TIMEOUT = 60.0
MAX_INTERVAL = 3600.0
# An IPv4 datagram is at most 65535 bytes, 20 of them IP header and 8 ICMP header.
MAX_PAYLOAD = 65535 - 20 - 8
_RECEIVE_SIZE = 65535 + 60
_HEADER = 8


@dataclass(frozen=True)
class PingReply:
    """An echo reply that answered one of our requests."""

    host: str
    address: str
    sequence: int
    sent: bytes
    received: bytes
    rtt: float
    ttl: int | None


@dataclass(frozen=True)
class PingTimeout:
    """No echo reply came back for one request within the timeout."""

    host: str
    address: str
    sequence: int
    sent: bytes
    timeout: float


class PingNotPermitted(OperationFailed):
    """ICMP sockets are not allowed here."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or "This machine refused both raw and unprivileged ICMP sockets, so it cannot "
            "ping: run as root, allow it with the sysctl net.ipv4.ping_group_range, or "
            "use --tcp PORT to time a TCP connect instead."
        )


@dataclass(frozen=True)
class ConnectTiming:
    """How long one TCP connect took, or why it failed."""

    host: str
    address: str
    port: int
    rtt: float | None
    error: str | None


def checksum(data: bytes) -> int:
    """The RFC 1071 internet checksum; an odd length is padded with a zero byte."""
    if len(data) % 2:
        data = bytes(data) + b"\x00"
    words = array("H", data)
    # The checksum adds big-endian words, as they travel on the wire.
    if sys.byteorder == "little":
        words.byteswap()
    total = sum(words)
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _check_u16(value: int, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 0xFFFF:
        raise InputError(
            f"The {what} {value!r} is out of range: use a whole number from 0 to 65535."
        )


def echo_request(
    identifier: int, sequence: int, payload: bytes = b"", *, ipv6: bool = False
) -> bytes:
    """An ICMP (or ICMPv6) echo request: type, code 0, checksum, identifier, sequence, payload.

    For ICMPv6 the checksum stays 0: it covers a pseudo-header with our source
    address, which only the kernel knows, and it fills the checksum in.
    """
    _check_u16(identifier, "identifier")
    _check_u16(sequence, "sequence number")
    kind = ECHO6_REQUEST if ipv6 else ECHO_REQUEST
    message = bytearray(
        bytes([kind, 0, 0, 0]) + identifier.to_bytes(2, "big") + sequence.to_bytes(2, "big")
    )
    message += payload
    if not ipv6:
        message[2:4] = checksum(bytes(message)).to_bytes(2, "big")
    return bytes(message)


def _check_host(host: str) -> str:
    if not isinstance(host, str) or not host.strip():
        raise InputError("No host given: name one, such as localhost or 127.0.0.1.")
    host = host.strip()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return check_host(host)


def _check_common(count: int, timeout: float, interval: float) -> None:
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
        raise InputError(f"A count of {count!r} is out of range: use 1 to {MAX_COUNT}.")
    if not isinstance(timeout, int | float) or not 0 < timeout <= MAX_TIMEOUT:
        raise InputError(
            f"A timeout of {timeout!r} seconds is out of range: use more than 0 "
            f"and at most {MAX_TIMEOUT:g}."
        )
    if not isinstance(interval, int | float) or not (
        math.isfinite(interval) and 0 <= interval <= MAX_INTERVAL
    ):
        raise InputError(
            f"An interval of {interval!r} seconds is out of range: use 0 to {MAX_INTERVAL:g}."
        )


def _resolve(host: str) -> tuple[int, Any]:
    """(family, sockaddr) for host, preferring IPv4 as Ping.go's "ip4" does."""
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_DGRAM)
    except (socket.gaierror, UnicodeError) as error:
        reason = getattr(error, "strerror", None) or str(error) or "no address"
        raise OperationFailed(
            f"{host!r} could not be resolved ({reason}): check the name or use an address "
            "such as 127.0.0.1."
        ) from None
    for wanted in (socket.AF_INET, socket.AF_INET6):
        for family, _, _, _, sockaddr in infos:
            if family == wanted:
                return family, sockaddr
    raise OperationFailed(
        f"{host!r} has no IPv4 or IPv6 address: check the name or use an address such as 127.0.0.1."
    )


def _open_socket(family: int, kind: int, proto: int) -> socket.socket:
    """socket.socket, a seam for tests that need a refusing or silent socket."""
    return socket.socket(family, kind, proto)


def _open_icmp(family: int) -> tuple[socket.socket, bool]:
    """An ICMP socket for family and whether it is the datagram kind."""
    proto = socket.IPPROTO_ICMPV6 if family == socket.AF_INET6 else socket.IPPROTO_ICMP
    try:
        return _open_socket(family, socket.SOCK_RAW, proto), False
    except PermissionError:
        pass
    except OSError as error:
        raise OperationFailed(
            f"This machine cannot open an ICMP socket for {_family_name(family)} "
            f"({_describe(error)}): ping an address of the other family, or use --tcp PORT."
        ) from None
    try:
        return _open_socket(family, socket.SOCK_DGRAM, proto), True
    except OSError:
        # Any refusal here (EACCES from ping_group_range, EPROTONOSUPPORT on
        # kernels without ping sockets) leaves no way to send ICMP at all.
        raise PingNotPermitted() from None


def _family_name(family: int) -> str:
    return "IPv6" if family == socket.AF_INET6 else "IPv4"


def _describe(error: OSError) -> str:
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, TimeoutError):
        return "timed out"
    text = error.strerror or str(error) or type(error).__name__
    return text[:1].lower() + text[1:]


def _same_host(a: str, b: str) -> bool:
    try:
        return ipaddress.ip_address(a.split("%", 1)[0]) == ipaddress.ip_address(b.split("%", 1)[0])
    except ValueError:
        return False


def _parse_reply(
    data: bytes, *, ipv6: bool, identifier: int | None, sequence: int
) -> tuple[bytes, int | None] | None:
    """(ICMP message, TTL) when data is the echo reply we wait for, else None.

    IPv4 raw sockets (and datagram ones on some systems) hand over the IP header
    first; an ICMP message never starts with 0x4_, so a version nibble of 4 means
    a header, whose length comes from IHL since options make it longer than 20.
    """
    ttl: int | None = None
    if not ipv6 and data and data[0] >> 4 == 4:
        length = (data[0] & 0x0F) * 4
        if length < 20 or len(data) < length:
            return None
        ttl = data[8]
        data = data[length:]
    if len(data) < _HEADER:
        return None
    if data[0] != (ECHO6_REPLY if ipv6 else ECHO_REPLY) or data[1] != 0:
        return None
    if identifier is not None and int.from_bytes(data[4:6], "big") != identifier:
        return None
    if int.from_bytes(data[6:8], "big") != sequence:
        return None
    return bytes(data), ttl


def ping(
    host: str,
    *,
    count: int = 1,
    timeout: float = 2.0,
    interval: float = 1.0,
    identifier: int = SEED_IDENTIFIER,
    first_sequence: int = SEED_SEQUENCE,
    payload: bytes = b"",
) -> Iterator[PingReply | PingTimeout]:
    """Send count echo requests to host, yielding a reply or a timeout for each.

    Probes start at least interval seconds apart, as ping(8) does; sequence numbers
    count up from first_sequence, wrapping at 65536. Raises InputError for bad
    arguments at once; OperationFailed (PingNotPermitted when ICMP is refused) once
    iteration starts.
    """
    host = _check_host(host)
    _check_common(count, timeout, interval)
    _check_u16(identifier, "identifier")
    _check_u16(first_sequence, "first sequence number")
    if not isinstance(payload, bytes | bytearray | memoryview):
        raise InputError(f"The payload must be bytes, not {type(payload).__name__}.")
    payload = bytes(payload)
    if len(payload) > MAX_PAYLOAD:
        raise InputError(
            f"A payload of {len(payload)} bytes is too big: use at most {MAX_PAYLOAD}."
        )
    return _ping(host, count, float(timeout), float(interval), identifier, first_sequence, payload)


def _ping(
    host: str,
    count: int,
    timeout: float,
    interval: float,
    identifier: int,
    first_sequence: int,
    payload: bytes,
) -> Iterator[PingReply | PingTimeout]:
    family, sockaddr = _resolve(host)
    address: str = sockaddr[0]
    ipv6 = family == socket.AF_INET6
    sock, datagram = _open_icmp(family)
    with sock:
        expected_id: int | None = identifier
        if datagram:
            # Linux's ping socket puts its bound "port" in the identifier field;
            # binding to ours keeps the seed's bytes when nobody else holds it.
            with contextlib.suppress(OSError):
                sock.bind(("::" if ipv6 else "0.0.0.0", identifier))
        started: float | None = None
        for index in range(count):
            _wait_for_turn(started, interval)
            sequence = (first_sequence + index) & 0xFFFF
            message = echo_request(identifier, sequence, payload, ipv6=ipv6)
            started = time.perf_counter()
            _send_echo(sock, message, sockaddr, address)
            if datagram:
                expected_id = _datagram_identifier(sock, identifier)
                if expected_id is not None and expected_id != identifier:
                    message = echo_request(expected_id, sequence, payload, ipv6=ipv6)
            found = _receive(
                sock,
                deadline=started + timeout,
                ipv6=ipv6,
                identifier=expected_id,
                sequence=sequence,
                address=None if datagram else address,
            )
            if found is None:
                yield PingTimeout(host, address, sequence, message, timeout)
            else:
                received, ttl, arrived = found
                yield PingReply(host, address, sequence, message, received, arrived - started, ttl)


def _wait_for_turn(started: float | None, interval: float) -> None:
    """Sleep until interval seconds after the last probe started, as ping(8) paces them."""
    if started is not None:
        wait = started + interval - time.perf_counter()
        if wait > 0:
            time.sleep(wait)


def _send_echo(sock: socket.socket, message: bytes, sockaddr: Any, address: str) -> None:
    try:
        sock.sendto(message, sockaddr)
    except OSError as error:
        raise OperationFailed(
            f"The echo request to {address} could not be sent ({_describe(error)}): "
            "check that the address is reachable from this machine."
        ) from None


def _datagram_identifier(sock: socket.socket, identifier: int) -> int | None:
    """The identifier a datagram ICMP socket really sent, or None when unknown."""
    try:
        port = sock.getsockname()[1]
    except (OSError, IndexError, TypeError):
        return None
    # Systems that keep our identifier report no port at all.
    return port if isinstance(port, int) and port else identifier


def _receive(
    sock: socket.socket,
    *,
    deadline: float,
    ipv6: bool,
    identifier: int | None,
    sequence: int,
    address: str | None,
) -> tuple[bytes, int | None, float] | None:
    """Wait until deadline for our reply: (ICMP message, TTL, arrival time), or None."""
    while (remaining := deadline - time.perf_counter()) > 0:
        sock.settimeout(remaining)
        try:
            data, source = sock.recvfrom(_RECEIVE_SIZE)
        except TimeoutError:
            return None
        except OSError as error:
            raise OperationFailed(
                f"Waiting for the echo reply failed ({_describe(error)}): "
                "check that the address is reachable from this machine."
            ) from None
        arrived = time.perf_counter()
        # A raw socket sees replies meant for every pinger on the machine.
        if address is not None and not _same_host(source[0], address):
            continue
        parsed = _parse_reply(data, ipv6=ipv6, identifier=identifier, sequence=sequence)
        if parsed is not None:
            return parsed[0], parsed[1], arrived
    return None


def tcp_ping(
    host: str, port: int, *, count: int = 1, timeout: float = 2.0, interval: float = 1.0
) -> Iterator[ConnectTiming]:
    """Time count TCP connects to host:port; failures are results, not exceptions.

    Raises InputError for bad arguments at once, and OperationFailed when iteration
    starts if host cannot be resolved.
    """
    host = _check_host(host)
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise InputError(f"Port {port!r} is out of range: use 1 to 65535.")
    _check_common(count, timeout, interval)
    return _tcp_ping(host, port, count, float(timeout), float(interval))


def _tcp_ping(
    host: str, port: int, count: int, timeout: float, interval: float
) -> Iterator[ConnectTiming]:
    _, sockaddr = _resolve(host)
    address: str = sockaddr[0]
    started: float | None = None
    for _ in range(count):
        _wait_for_turn(started, interval)
        started = time.perf_counter()
        try:
            with socket.create_connection((address, port), timeout=timeout):
                rtt = time.perf_counter() - started
        except OSError as error:
            yield ConnectTiming(host, address, port, None, _describe(error))
        else:
            yield ConnectTiming(host, address, port, rtt, None)
