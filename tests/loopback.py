"""What this machine's loopback offers, for tests that need IPv6."""

from __future__ import annotations

import socket

import pytest


def has_ipv6_loopback() -> bool:
    """Whether ::1 can be bound here (containers sometimes have no IPv6 at all)."""
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


needs_ipv6 = pytest.mark.skipif(not has_ipv6_loopback(), reason="no IPv6 loopback here")
