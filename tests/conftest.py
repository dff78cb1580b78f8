"""Fixtures shared by the core and CLI tests."""

from __future__ import annotations

import compileall
from collections.abc import Iterator
from pathlib import Path

import pytest

import netlab
from tests.core.dns_server import LocalDnsServer


def pytest_configure(config: pytest.Config) -> None:
    """Compile netlab's modules once, before the workers start.

    The tests start netlab hundreds of times (each CLI run in a process of its own, each
    tmux test's app and its engine). Where PYTHONDONTWRITEBYTECODE is set, as on many CI
    machines, nothing caches the compiled modules, and every one of those processes
    compiled netlab's sources afresh: a tenth of a second each.
    """
    if not hasattr(config, "workerinput"):  # the controller, not each xdist worker
        compileall.compile_dir(Path(netlab.__file__).parent, quiet=1)


@pytest.fixture(scope="session")
def dns_server() -> Iterator[LocalDnsServer]:
    """A DNS server of our own on 127.0.0.1, answering for example.test."""
    server = LocalDnsServer().start()
    try:
        yield server
    finally:
        server.stop()
