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


def can_bind(port: int, kind: socket.SocketKind = socket.SOCK_STREAM) -> bool:
    """Whether a lab server could listen on 127.0.0.1:port now (SO_REUSEADDR, as they bind).

    A port left in TIME_WAIT by the last run counts as free, as it does for the servers.
    """
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def first_free_port(ports: tuple[int, ...]) -> int:
    """The first of these fixed ports free here (snapshots show ports); skips if none is."""
    for port in ports:
        if can_bind(port):
            return port
    pytest.skip(f"ports {ports} are all busy")
