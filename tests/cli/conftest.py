"""What the CLI tests share: a lab server in this process, for commands run in it too."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from netlab.core.lab import Lab, Server


@pytest.fixture
def time_lab() -> Iterator[tuple[Lab, Server]]:
    """A lab with an RFC 868 time server on 127.0.0.1, on a port of the system's choosing:
    never 37, so what netlab reads is read by the server's kind, not by its port."""
    lab = Lab()
    try:
        server = lab.start_server("time:0", host="127.0.0.1")
        yield lab, server
    finally:
        lab.close()
