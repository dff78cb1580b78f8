"""`netlab --attach PATH` where no lab listens, and `serve --control`'s socket file."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
from pathlib import Path

import pytest

from netlab.core.endpoints import address_text
from netlab.core.engine.remote import RemoteLab
from tests.cli.run import netlab
from tests.cli.test_cli_sockets import Serve

MAX_SOCKET_PATH = 100
"""A Unix socket's path must fit in 108 bytes (sun_path)."""


def _stale_socket(tmp_path: Path) -> str:
    """A socket file nothing listens at: what a lab that was killed leaves behind."""
    path = str(tmp_path / "stale.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as dead:
        dead.bind(path)
    return path


@pytest.mark.parametrize("where", ["nonexistent", "stale"])
def test_attaching_where_no_lab_listens_is_one_line_and_status_1(
    tmp_path: Path, where: str
) -> None:
    path = "/nonexistent/path.sock" if where == "nonexistent" else _stale_socket(tmp_path)
    done = netlab("--attach", path)
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"netlab: No lab listens at {path}"), lines[0]


def test_the_control_socket_is_the_owners_alone_and_goes_when_serve_stops(
    tmp_path: Path,
) -> None:
    path = str(tmp_path / "lab.sock")
    assert len(path) < MAX_SOCKET_PATH, f"{path} is too long for a Unix socket"
    server = Serve("echo:0", options=("--control", path))
    try:
        assert server.wait_for("lab control at", timeout=10) == (
            f"lab control at {path}: netlab --attach {path}"
        )
        mode = os.lstat(path).st_mode
        assert stat.S_ISSOCK(mode)
        assert stat.S_IMODE(mode) == 0o600
        # A second lab at the same path is refused: the first is still there.
        again = netlab("serve", "echo:0", "--control", path)
        assert again.returncode == 1
        assert f"A lab already listens at {path}" in again.stderr
        assert os.path.exists(path)
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=5) == 0
    finally:
        server.stop()
    assert not os.path.lexists(path)


def test_a_path_that_cannot_be_served_fails_before_any_server_starts(tmp_path: Path) -> None:
    taken = tmp_path / "file"
    taken.write_text("mine")
    done = netlab("serve", "echo:0", "--control", str(taken))
    assert done.returncode == 1
    assert done.stdout == ""  # no server started, so none listening nor stopped
    assert done.stderr.strip() == (
        f"netlab serve: {taken} exists and is not a socket: choose another path."
    )


def test_a_server_an_attached_app_starts_has_its_local_address_in_serves_json(
    tmp_path: Path,
) -> None:
    path = str(tmp_path / "lab.sock")
    server = Serve("echo:0", options=("--control", path), as_json=True)
    try:
        # Serve has printed its echo server's listening line: the socket was bound first.
        attached = RemoteLab(path)
        try:
            started = attached.start_server("udp:daytime:0")
        finally:
            attached.close()
        line = server.wait_for(f'"source": "{started.name}"', timeout=5)
        assert json.loads(line)["event"] == "listening"
        assert json.loads(line)["local"] == address_text(started.address)
    finally:
        server.stop()
