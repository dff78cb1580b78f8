"""`netlab --attach PATH` in a real terminal, on the lab a `netlab serve` runs.

The serving process runs beside the terminal, as a person runs it in another window;
the app in tmux is the installed `netlab`, typed at as a person types. What the screen
shows must be the other process's servers, and quitting must leave them serving.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.cli.test_cli_sockets import Serve
from tests.e2e.terminal import CTRL, NETLAB, Terminal, alt, needs_tmux

pytestmark = needs_tmux

MAX_SOCKET_PATH = 100
"""A Unix socket's path must fit in 108 bytes (sun_path)."""


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Serve, str]]:
    """`netlab serve echo:0 --control PATH` and its PATH; stopped (bounded) after the test."""
    path = str(tmp_path / "lab.sock")
    assert len(path) < MAX_SOCKET_PATH, f"{path} is too long for a Unix socket"
    server = Serve("echo:0", options=("--control", path))
    try:
        server.wait_for(f"lab control at {path}", timeout=10)
        yield server, path
    finally:
        server.stop()


def _echo(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
        client.sendall(data)
        got = b""
        while len(got) < len(data):
            chunk = client.recv(len(data) - len(got))
            if not chunk:
                break
            got += chunk
        return got


def test_the_attached_app_shows_the_served_lab_and_quitting_leaves_it(
    terminal: Callable[..., Terminal], served: tuple[Serve, str]
) -> None:
    server, path = served
    where = server.addresses["tcp/echo"]
    name = f"tcp/echo:{where.rsplit(':', 1)[1]}"
    term = terminal(120, 40, [str(NETLAB), "--attach", path])
    term.wait_for("^p palette", "the app")

    term.send(alt("4"))
    term.wait_for("idle s", "the Servers view")

    def row(screen: str) -> bool:
        return any(name in line and where in line for line in screen.splitlines())

    term.wait_for(row, f"{name}'s row, listening on {where}")
    # What the other process's server does reaches this screen: its log of an exchange.
    assert _echo(int(where.rsplit(":", 1)[1]), b"hello\n") == b"hello\n"
    term.wait_for(lambda screen: screen.count("6 bytes hello\\n") >= 2, "the exchange in the log")

    term.send(CTRL["q"])
    assert term.wait_for_exit() == 0
    # Detached, not stopped: serve runs on, and its server still echoes.
    assert server.process.poll() is None
    assert _echo(int(where.rsplit(":", 1)[1]), b"after\n") == b"after\n"
    server.wait_for("after\\n")
    assert not any("stopped" in line for line in server.lines)
