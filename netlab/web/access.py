"""Who may drive a lab that `netlab web` serves.

Served on loopback, the lab is still in reach of every web page the person opens:
that page's script may open a websocket to 127.0.0.1 (only the Origin header tells
it apart), or reach 127.0.0.1 through a name of its own that it points there (DNS
rebinding: only the Host header tells). So every request must name a loopback host,
and a websocket must come from the lab's own page. Served on any other address, the
token printed at start is needed as well: in the first URL, then in a cookie that the
browser sends with the page's requests and its websocket.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

TOKEN_COOKIE = "netlab-web-token"
LOOPBACK_NAMES = frozenset({"localhost", "localhost."})


def new_token() -> str:
    """A secret for the URL: 128 random bits, URL-safe."""
    return secrets.token_urlsafe(16)


def is_loopback(host: str) -> bool:
    """Whether `host` (an address or a name) reaches only this machine."""
    literal = host.strip("[]")
    if literal.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(literal).is_loopback
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(literal, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return False
    addresses = {str(info[4][0]).partition("%")[0] for info in found}
    return bool(addresses) and all(ipaddress.ip_address(a).is_loopback for a in addresses)


def _hostname(host_header: str) -> str:
    """The name in a Host header, without its port: `[::1]:8000` is `::1`."""
    if host_header.startswith("["):
        return host_header[1:].partition("]")[0]
    if host_header.count(":") == 1:
        return host_header.partition(":")[0]
    return host_header


def _names_loopback(host_header: str) -> bool:
    """Whether a Host header names loopback by an address or `localhost` (never by
    another name: a name can be pointed anywhere, which is the rebinding attack)."""
    name = _hostname(host_header).lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Access:
    """The rules for one `netlab web`: `token` is None when served on loopback alone."""

    token: str | None = None

    def refusal(
        self,
        *,
        host: str,
        origin: str | None,
        token: str | None,
        cookie: str | None,
        websocket: bool,
    ) -> str | None:
        """Why this request may not drive the lab, or None when it may."""
        if self.token is None and not _names_loopback(host):
            return (
                f"this lab answers only at 127.0.0.1, ::1 or localhost, not at {host!r}: "
                "open the URL netlab web printed"
            )
        if websocket and origin is not None and urlsplit(origin).netloc.lower() != host.lower():
            return f"a page from {origin} may not drive this lab: only its own page may"
        if self.token is not None and not (self.holds_token(token) or self.holds_token(cookie)):
            return "this lab needs its token: open the URL with ?token= that netlab web printed"
        return None

    def holds_token(self, given: str | None) -> bool:
        """Whether `given` is the token, compared in constant time."""
        if self.token is None or given is None:
            return False
        return hmac.compare_digest(given.encode(), self.token.encode())
