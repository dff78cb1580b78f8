"""One DNS question to one server, as a stub resolver asks it: UDP, then TCP if truncated.

The UDP socket is connected to the server, so the ICMP port unreachable that a
closed port sends back reaches us as ConnectionRefusedError at once. An
unconnected socket (dnspython's resolver uses one) never hears it and waits out
the whole timeout; dig and glibc connect theirs for this reason.

dnspython is imported by the functions that use it, as in lookup.py.
"""

from __future__ import annotations

import socket
import struct
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import dns.message

# A lost datagram is sent again after this long, then after twice as long, and so on.
FIRST_RESEND = 1.0
_MAX_DATAGRAM = 65535


class Unanswered(Exception):
    """The server gave no DNS response: nothing listening, no reply in time, or no route.

    `status` is "not-listening", "timeout", "unreachable" or "bad-reply" (over TCP,
    something that is not a DNS answer); `reason` the system's words for it; `tcp`
    whether it happened over TCP, after a truncated UDP answer.
    """

    def __init__(self, status: str, reason: str, *, tcp: bool = False) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.tcp = tcp


@dataclass(frozen=True)
class Reply:
    """A server's response and how it came: over UDP, or over TCP after a truncated one."""

    message: dns.message.Message
    transport: str
    """How it came: udp, or tcp when the UDP answer was truncated (TC) and TCP was asked."""
    size: int
    """The response's size in bytes, as it came over that transport."""


def ask(query: dns.message.Message, address: str, port: int, timeout: float) -> Reply:
    """The server's response to query, over TCP when the UDP answer comes back truncated.

    Any response counts, whatever its rcode; raises Unanswered when none came.
    """
    import dns.flags

    deadline = time.monotonic() + timeout
    response, size = _over_udp(query, address, port, deadline)
    if response.flags & dns.flags.TC:
        response, size = _over_tcp(query, address, port, deadline)
        return Reply(response, "tcp", size)
    return Reply(response, "udp", size)


def _over_udp(
    query: dns.message.Message, address: str, port: int, deadline: float
) -> tuple[dns.message.Message, int]:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    wire = query.to_wire()
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect((address, port))
            sock.send(wire)
            wait = FIRST_RESEND
            resend_at = time.monotonic() + wait
            # Bounded by the deadline: every pass either returns, raises or waits on recv.
            while (now := time.monotonic()) < deadline:
                if now >= resend_at:
                    sock.send(wire)
                    wait *= 2
                    resend_at = now + wait
                sock.settimeout(max(min(deadline, resend_at) - now, 0.001))
                try:
                    data = sock.recv(_MAX_DATAGRAM)
                except TimeoutError:
                    continue
                response = _response_to(query, data)
                if response is not None:
                    return response, len(data)
        except ConnectionRefusedError:
            raise Unanswered("not-listening", "connection refused") from None
        except OSError as error:
            raise Unanswered("unreachable", error.strerror or str(error)) from None
    raise Unanswered("timeout", "no reply")


def _response_to(query: dns.message.Message, data: bytes) -> dns.message.Message | None:
    """data as the response to query, or None for anything else (garbage, a stale reply)."""
    import dns.exception
    import dns.message

    try:
        response = dns.message.from_wire(data)
    except (dns.exception.DNSException, ValueError):
        return None
    return response if query.is_response(response) else None


def _over_tcp(
    query: dns.message.Message, address: str, port: int, deadline: float
) -> tuple[dns.message.Message, int]:
    """The response over TCP (RFC 1035 4.2.2: each message after its length in two bytes),
    and its size: asked by hand rather than by dns.query.tcp, which does not tell it."""
    import dns.exception
    import dns.message

    if deadline - time.monotonic() <= 0:
        raise Unanswered("timeout", "no reply", tcp=True)
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    wire = query.to_wire()
    try:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.settimeout(max(deadline - time.monotonic(), 0.001))
            sock.connect((address, port))
            sock.sendall(struct.pack("!H", len(wire)) + wire)
            (length,) = struct.unpack("!H", _receive(sock, 2, deadline))
            data = _receive(sock, length, deadline)
    except ConnectionRefusedError:
        raise Unanswered("not-listening", "connection refused", tcp=True) from None
    except TimeoutError:
        raise Unanswered("timeout", "no reply", tcp=True) from None
    except EOFError:
        raise Unanswered("unreachable", "the server closed the connection", tcp=True) from None
    except OSError as error:
        raise Unanswered("unreachable", error.strerror or str(error), tcp=True) from None
    try:
        response = dns.message.from_wire(data)
    except (dns.exception.DNSException, ValueError) as error:
        raise Unanswered("bad-reply", str(error), tcp=True) from None
    if not query.is_response(response):
        raise Unanswered("bad-reply", "it does not answer the query asked", tcp=True)
    return response, len(data)


def _receive(sock: socket.socket, count: int, deadline: float) -> bytes:
    """Exactly count bytes from sock by the deadline; EOFError if the server closes first."""
    data = b""
    while len(data) < count:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        sock.settimeout(remaining)
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data
