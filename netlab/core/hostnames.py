"""What may be a host name, checked before any resolver is asked.

glibc's getaddrinfo accepts more than it should: "127.1" and "0x7f000001" become
127.0.0.1 and "010.0.0.1" becomes 8.0.0.1. Names are held to RFC 1123 here, so a
mistyped address is an input error with a clear sentence, not a surprise.
"""

from __future__ import annotations

import ipaddress
import re
import socket

from netlab.core.errors import InputError

MAX_NAME = 253
MAX_LABEL = 63
LOOPBACK_NAMES = frozenset({"localhost", "localhost.", "ip6-localhost"})
"""Names that mean this machine's loopback wherever netlab runs (/etc/hosts's)."""

_NAME_CHARS = re.compile(r"[A-Za-z0-9_.-]*")
# inet_aton reads these as addresses ("127.1", "0x7f000001") though ipaddress and Go
# do not; only names made of these characters can be one.
_SHORTHAND_CHARS = re.compile(r"[0-9A-Fa-fXx.]+")


def names_loopback(host: str) -> bool:
    """Whether `host` names loopback as written, a loopback address or `localhost`,
    without asking a resolver: what a name other than these resolves to can change."""
    host = host.strip().lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_hostname(name: str) -> str:
    """name, stripped, once it is known to be a host name a resolver can be asked about."""
    host = name.strip()
    if not host:
        raise InputError("No host name given: type one, such as localhost or example.com.")
    if len(host) > MAX_NAME + 1:
        raise InputError(
            f"That host name is {len(host)} characters long: a name has at most {MAX_NAME}."
        )
    try:
        ascii_host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        raise InputError(
            f"{host!r} is not a valid international host name: check each part between dots."
        ) from None
    bare = ascii_host.removesuffix(".")
    if len(bare) > MAX_NAME:
        raise InputError(
            f"That host name is {len(bare)} characters long: a name has at most {MAX_NAME}."
        )
    bad = next((char for char in bare if not _NAME_CHARS.fullmatch(char)), None)
    if bad is not None:
        raise InputError(
            f"{host!r} contains {bad!r}, which cannot be in a host name: "
            "use letters, digits, hyphens and dots."
        )
    for label in bare.split("."):
        if not label:
            raise InputError(f"{host!r} has an empty part between dots: write it as example.com.")
        if len(label) > MAX_LABEL:
            raise InputError(
                f"{host!r} has a part of {len(label)} characters: each part between dots "
                f"has at most {MAX_LABEL}."
            )
        if label.startswith("-") or label.endswith("-"):
            raise InputError(
                f"{host!r} has a part that starts or ends with a hyphen: "
                "a hyphen can only be inside a part, as in my-host."
            )
    last = bare.rsplit(".", 1)[-1]
    if last.isdigit() or (_SHORTHAND_CHARS.fullmatch(bare) and _inet_aton_accepts(bare)):
        # No name ends in a number (RFC 1123); these are mistyped addresses.
        raise InputError(
            f"{host!r} is not an IPv4 address: write four numbers from 0 to 255 "
            "without leading zeros, such as 127.0.0.1."
        )
    return host


def _inet_aton_accepts(text: str) -> bool:
    try:
        socket.inet_aton(text)
    except OSError:
        return False
    return True


def is_ip_literal(text: str) -> bool:
    """An address, with a zone (fe80::1%eth0) that has no spaces or control characters."""
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return " " not in text and text.isprintable()


def check_host(text: str) -> str:
    """An IP address or a host name, stripped; anything else is an InputError."""
    host = text.strip()
    if is_ip_literal(host):
        return host
    if ":" in host:
        raise InputError(f"{host!r} is not an IPv6 address: write one such as ::1.")
    return check_hostname(host)
