"""The async model runs on uvloop where it is installed, and on plain asyncio when asked."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from netlab.core.servers import loop

ECHO_ONCE = textwrap.dedent(
    """
    import socket
    from netlab.core.servers import TcpServer, loop
    with TcpServer("echo", model="async") as server:
        server.start()
        with socket.create_connection(server.address, timeout=3) as client:
            client.sendall(b"ping")
            assert client.recv(16) == b"ping"
    print(loop.loop_kind())
    """
)


def test_uvloop_where_installed() -> None:
    pytest.importorskip("uvloop")
    assert loop.loop_kind() == "uvloop"


def test_plain_asyncio_on_request() -> None:
    env = os.environ | {"NETLAB_LOOP": "asyncio"}
    done = subprocess.run(
        [sys.executable, "-c", ECHO_ONCE], env=env, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "asyncio"
