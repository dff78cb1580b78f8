"""Fixtures shared by the core and CLI tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.core.dns_server import LocalDnsServer


@pytest.fixture(scope="session")
def dns_server() -> Iterator[LocalDnsServer]:
    """A DNS server of our own on 127.0.0.1, answering for example.test."""
    server = LocalDnsServer().start()
    try:
        yield server
    finally:
        server.stop()
