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
import secrets
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from netlab.core.hostnames import names_loopback

TOKEN_COOKIE = "netlab-web-token"


def new_token() -> str:
    """A secret for the URL: 128 random bits, URL-safe."""
    return secrets.token_urlsafe(16)


def is_loopback(host: str) -> bool:
    """Whether `host` (an address or a name) reaches only this machine."""
    if names_loopback(host):
        return True
    try:
        found = socket.getaddrinfo(host.strip("[]"), None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return False
    addresses = {str(info[4][0]).partition("%")[0] for info in found}
    return bool(addresses) and all(names_loopback(address) for address in addresses)


def _hostname(host_header: str) -> str:
    """The name in a Host header, without its port: `[::1]:8000` is `::1`."""
    if host_header.startswith("["):
        return host_header[1:].partition("]")[0]
    if host_header.count(":") == 1:
        return host_header.partition(":")[0]
    return host_header


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
        # A name other than localhost could be pointed anywhere: the rebinding attack.
        if self.token is None and not names_loopback(_hostname(host)):
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
