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


_SLOW_FIRST = ("tests/tui/", "tests/e2e/")
"""Where each test starts an app (a second or more each): run first, so the many quick
core and CLI tests fill the workers' last minutes instead of leaving one worker with
a long tail."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def slow_first(item: pytest.Item) -> int:
        path = item.nodeid
        return 0 if path.startswith(_SLOW_FIRST) else 1

    items.sort(key=slow_first)  # stable: each module's tests stay together and in order
