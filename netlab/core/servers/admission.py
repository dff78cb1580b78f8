"""Who a TCP lab server lets in: allow and deny lists, and per-source limits.

One rule for every model: the threaded and iterative accept loop and the async
connection_made both ask `Admission.admit` about each accepted connection and close
it at once when it gives a reason, as xinetd (only_from, no_access, per_source, cps)
and ncat (--allow, --deny) do. The per-source token bucket is UDP's, reused.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections.abc import Iterable

from netlab.core.errors import InputError
from netlab.core.plural import plural

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Networks = str | IPNetwork | Iterable[str | IPNetwork]
"""An allow or deny list: "127.0.0.0/8,::1", or several such, or networks already parsed."""

PER_SOURCE = 50
"""Connections at once from one address: half the default max_conns (100), so one
source, a runaway script or a hostile peer, can never take every slot while a person's
own tests (a few dozen clients at once) never meet it."""
CPS = 200
"""New connections a second from one address, with a burst as large: a person's loop
of `netlab send` or connect-and-close runs far below it, while a flood of 500 a second
(xinetd's cps exists for it) is cut to this rate."""
MAX_NETWORKS = 1000
"""Entries in an allow or deny list; a list is typed or passed in, never grown by peers."""
MAX_SOURCES = 4096
"""Buckets kept before idle ones are forgotten, so a spoofed flood cannot grow memory."""


class RateLimiter:
    """A token bucket per source host: `rate` answers a second, bursts up to `burst`.

    Not thread-safe on its own: each user calls it from one thread or under its lock.
    """

    def __init__(self, rate: float, burst: float | None = None) -> None:
        self.rate = rate
        self.burst = burst if burst is not None else max(rate, 1.0)
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, source: str, now: float | None = None) -> bool:
        # Asked for every datagram a UDP server answers: plain branches, not min() and
        # a default bucket made for each call.
        if now is None:
            now = time.monotonic()
        buckets = self._buckets
        bucket = buckets.get(source)
        if bucket is None:
            tokens = self.burst
            if len(buckets) >= MAX_SOURCES:
                self._forget_idle(now)
                buckets = self._buckets
        else:
            tokens = bucket[0] + (now - bucket[1]) * self.rate
            if not tokens < self.burst:  # min(), NaN of an infinite rate included
                tokens = self.burst
        if tokens < 1.0:
            buckets[source] = (tokens, now)
            return False
        buckets[source] = (tokens - 1.0, now)
        return True

    def _forget_idle(self, now: float) -> None:
        full_after = self.burst / self.rate if self.rate > 0 else 0.0
        self._buckets = {
            source: bucket
            for source, bucket in self._buckets.items()
            if now - bucket[1] < full_after
        }
        if len(self._buckets) >= MAX_SOURCES:
            self._buckets.clear()  # all busy: forgetting them only grants each a burst


def parse_networks(networks: Networks | None, what: str = "address list") -> tuple[IPNetwork, ...]:
    """Addresses and networks, comma-separated or several: "127.0.0.0/8,::1", "10.1.2.3".

    A bare address is a network of one; host bits are forgiven (10.1.2.3/8 is 10.0.0.0/8).
    """
    if networks is None:
        return ()
    items = [networks] if isinstance(networks, str | IPNetwork) else list(networks)
    parsed: list[IPNetwork] = []
    for item in items:
        if isinstance(item, IPNetwork):
            parsed.append(item)
            continue
        for text in str(item).split(","):
            text = text.strip()
            if not text:
                continue  # "a,,b" or a trailing comma
            try:
                parsed.append(ipaddress.ip_network(text, strict=False))
            except ValueError:
                shown = text if len(text) <= 60 else text[:57] + "..."
                raise InputError(
                    f"{shown!r} in the {what} is not an address or network: "
                    "write one such as 127.0.0.1, ::1 or 10.0.0.0/8."
                ) from None
            if len(parsed) > MAX_NETWORKS:
                raise InputError(
                    f"The {what} is too long: give at most {MAX_NETWORKS} addresses or networks."
                )
    if not parsed:
        raise InputError(f"The {what} is empty: give addresses or networks such as 127.0.0.0/8.")
    return tuple(parsed)


def _per_second(cps: float | None) -> str:
    return "1 new connection" if cps == 1 else f"{cps:g} new connections"


def source_address(host: str) -> IPAddress | None:
    """A peer's host as an address; an IPv4 peer of a dual-stack listener (::ffff:a.b.c.d)
    is its IPv4 address. None when it is no address at all (never, from a TCP socket)."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


class Admission:
    """The rule: deny wins, then the allow list when there is one, then the limits.

    admit() is asked once per accepted connection and, when it lets it in, counts it
    until release(); both may be called from any thread. A limit of None is no limit.
    The per-reason counts are for tests and the curious; the server counts `refused`.
    """

    def __init__(
        self,
        *,
        per_source: int | None = PER_SOURCE,
        cps: float | None = CPS,
        allow: Networks | None = None,
        deny: Networks | None = None,
    ) -> None:
        if per_source is not None and (isinstance(per_source, bool) or per_source < 1):
            raise InputError(f"The per-source limit {per_source!r} must be at least 1.")
        if cps is not None and (isinstance(cps, bool) or not cps > 0):
            raise InputError(f"The new-connection rate {cps!r} must be more than 0 a second.")
        self.per_source = per_source
        self.cps = cps
        self.allow = parse_networks(allow, "allow list") if allow is not None else None
        """None: everyone not denied; else only these."""
        self.deny = parse_networks(deny, "deny list") if deny is not None else ()
        self.listing = self.allow is not None or bool(self.deny)
        """Whether there is a list to look at: without one, no address need be parsed
        (a UDP server asks for every datagram)."""
        # Burst as large as the rate: a second's worth of connections may come at once.
        self._limiter = RateLimiter(cps, cps) if cps is not None else None
        self._open: dict[str, int] = {}
        """Connections at once by source; an entry goes at 0, so this stays <= max_conns."""
        self._lock = threading.Lock()
        self.listed = 0
        """Refused by the allow or deny list."""
        self.crowded = 0
        """Refused as over the connections at once from their source."""
        self.rated = 0
        """Refused as over the new connections a second from their source."""

    def unlisted(self, host: str) -> str | None:
        """Why the allow and deny lists keep `host` out, or None when they let it in.

        UDP servers ask only this: a datagram is no connection, and they have a rate
        limit of their own.
        """
        if not self.listing:
            return None
        address = source_address(host)
        if address is not None and any(address in network for network in self.deny):
            reason = "in the deny list"
        elif self.allow is not None and (
            address is None or not any(address in network for network in self.allow)
        ):
            reason = "not in the allow list"
        else:
            return None
        with self._lock:
            self.listed += 1
        return reason

    def admit(self, host: str) -> str | None:
        """Let the peer at `host` in (and count it), or say why not."""
        refusal = self.unlisted(host)
        if refusal is not None:
            return refusal
        address = source_address(host)
        source = str(address) if address is not None else host
        with self._lock:
            open_now = self._open.get(source, 0)
            if self.per_source is not None and open_now >= self.per_source:
                self.crowded += 1
                at_once = plural(self.per_source, "connection")
                return f"over its limit of {at_once} at once from {source}"
            if self._limiter is not None and not self._limiter.allow(source):
                self.rated += 1
                return f"over {_per_second(self.cps)} a second from {source}"
            self._open[source] = open_now + 1
        return None

    def release(self, host: str) -> None:
        """A connection admit() let in has closed."""
        address = source_address(host)
        source = str(address) if address is not None else host
        with self._lock:
            left = self._open.get(source, 0) - 1
            if left > 0:
                self._open[source] = left
            else:
                self._open.pop(source, None)
