"""Parse what a person types for an endpoint: "host:port", "[::1]:23", ":80", "localhost:http".

getaddrinfo is not trusted with the port: it wraps 99999 around to 34463 without a
word, so the port is checked here, and service names go through the services table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from netlab.core.errors import InputError, OperationFailed
from netlab.core.hostnames import check_host, is_ip_literal
from netlab.core.services import port_for_service

MAX_INPUT = 300
_SERVICE = re.compile(r"^[A-Za-z][A-Za-z0-9_+.-]*$")


@dataclass(frozen=True)
class Endpoint:
    """A host and a port. An empty host means "this machine", as in Go's ":80"."""

    host: str
    port: int

    @property
    def is_ipv6_literal(self) -> bool:
        return ":" in self.host

    def __str__(self) -> str:
        host = f"[{self.host}]" if self.is_ipv6_literal else self.host
        return f"{host}:{self.port}"


def address_text(address: tuple[object, ...]) -> str:
    """A socket address tuple, (host, port, ...), written as "host:port" or "[v6]:port".

    An IPv4 peer of a dual-stack listener arrives as ::ffff:a.b.c.d; it is written as
    the IPv4 address it is.
    """
    host = str(address[0])
    if host.startswith("::ffff:") and "." in host:
        host = host.removeprefix("::ffff:")
    return str(Endpoint(host, int(str(address[1]))))


def parse_port(text: str, *, network: str = "tcp", allow_zero: bool = False) -> int:
    """A port number or a service name (http, telnet) -> a checked port number."""
    text = text.strip()
    lowest = 0 if allow_zero else 1
    if not text:
        raise InputError("The port is missing: add one after the colon, such as :80 or :http.")
    if text.isascii() and text.isdigit():
        port = int(text)
        if not lowest <= port <= 65535:
            raise InputError(f"Port {text} is out of range: use {lowest} to 65535.")
        return port
    if not _SERVICE.match(text):
        raise InputError(
            f"{text!r} is not a port: give a number from {lowest} to 65535 or a service name."
        )
    try:
        return port_for_service(network, text).port
    except OperationFailed as error:
        raise InputError(f"{error} Give a port number instead.") from None


def _check_host(host: str) -> str:
    if not host:
        return host  # Go's ":80": this machine
    if host != host.strip():
        raise InputError(f"{host!r} has spaces around it: write host:port with none.")
    return check_host(host)


def parse_endpoint(
    text: str,
    *,
    default_port: int | None = None,
    network: str = "tcp",
    allow_zero_port: bool = False,
) -> Endpoint:
    """Parse "host:port", "[v6]:port", ":port", or a bare host when default_port is given."""
    text = text.strip()
    if not text:
        raise InputError("No endpoint given: write host:port, such as localhost:7.")
    if len(text) > MAX_INPUT:
        raise InputError(f"That endpoint is too long ({len(text)} characters): use host:port.")

    def port_of(port_text: str) -> int:
        return parse_port(port_text, network=network, allow_zero=allow_zero_port)

    if text.startswith("["):
        host, bracket, rest = text[1:].partition("]")
        if not bracket:
            raise InputError(f"{text!r} has no closing bracket: write it as [::1]:23.")
        if not is_ip_literal(host):
            raise InputError(f"{f'[{host}]'!r} is not an IPv6 address: write it as [::1]:23.")
        if rest.startswith(":"):
            return Endpoint(host, port_of(rest[1:]))
        if rest:
            raise InputError(f"Unexpected {rest!r} after [{host}]: write it as [{host}]:23.")
        if default_port is None:
            raise InputError(f"No port given: write it as [{host}]:23.")
        return Endpoint(host, default_port)

    if text.count(":") > 1:
        if not is_ip_literal(text):
            raise InputError(
                f"{text!r} is not host:port: an IPv6 address goes in brackets, as [::1]:23."
            )
        if default_port is None:
            raise InputError(f"Put an IPv6 address in brackets to add a port: [{text}]:23.")
        return Endpoint(text, default_port)

    host, colon, port_text = text.partition(":")
    if colon:
        return Endpoint(_check_host(host), port_of(port_text))
    host = _check_host(host)  # before the host is quoted in a message below
    if default_port is None:
        raise InputError(f"No port given: write it as {text}:7 or {text}:echo.")
    return Endpoint(host, default_port)
