"""The app's lab engine: a process of its own, ended with the app however the app ends."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator

import pytest

from netlab.core.engine.process import EngineLab
from tests.peers import Peer
from tests.waits import wait_until

ENDS_WITHIN = 2.0
"""Seconds within which the engine's process and its servers' ports must be gone."""


@pytest.fixture
def lab() -> Iterator[EngineLab]:
    lab = EngineLab()
    yield lab
    lab.close()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone in all but name: its parent (here, maybe us) has not reaped it.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(") ")[1][0] != "Z"


def refused(address: tuple[str, int]) -> bool:
    try:
        socket.create_connection(address, timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


def connections_to(port: int) -> int:
    """Established TCP connections on loopback to or from `port` (both ends count)."""
    hexport = f":{port:04X} "
    with open("/proc/net/tcp") as table:
        rows = table.read().splitlines()[1:]
    return sum(1 for row in rows if hexport in row and row.split()[3] == "01")


def echo(address: tuple[str, int]) -> bytes:
    with socket.create_connection(address, timeout=5) as client:
        client.sendall(b"hello\n")
        return client.recv(16)


def test_servers_and_sessions_run_in_the_engine_and_close_ends_them_all(lab: EngineLab) -> None:
    server = lab.start_server("echo:0")
    assert lab.peer_pid not in (0, os.getpid())
    engine = lab.peer_pid
    assert echo(server.address) == b"hello\n"
    assert wait_until(lambda: server.messages_in == 1)
    ended = threading.Event()

    def read_to_the_end(peer: Peer, conn: socket.socket) -> None:
        peer.read_to_end(conn)
        ended.set()

    with Peer(read_to_the_end) as peer:
        session = lab.open_session(peer.endpoint)
        session.send_bytes(b"from the engine\n")
        assert wait_until(lambda: peer.received == b"from the engine\n")
        lab.close()
        assert ended.wait(ENDS_WITHIN), "the session outlived the lab"
    assert wait_until(lambda: not alive(engine), ENDS_WITHIN)
    assert refused(server.address)
    assert not os.path.exists(lab.path)


def test_an_engine_that_dies_is_told_in_its_last_words_and_the_next_start_starts_a_fresh_one(
    lab: EngineLab,
) -> None:
    lab.start_server("echo:0")
    first = lab.peer_pid
    os.kill(first, signal.SIGKILL)
    assert wait_until(lambda: lab.lost is not None)
    assert lab.lost is not None and lab.lost.startswith("the lab engine ended")
    assert "a server started now starts a new one" in lab.lost
    assert not lab.servers
    server = lab.start_server("echo:0")
    assert lab.lost is None and lab.peer_pid not in (0, first)
    assert echo(server.address) == b"hello\n"


def test_an_app_killed_with_sigkill_leaves_no_engine_and_no_port() -> None:
    script = textwrap.dedent(
        """
        import sys, time
        from netlab.core.engine.process import EngineLab
        lab = EngineLab()
        server = lab.start_server("echo:0")
        lab.open_session(f"127.0.0.1:{server.address[1]}").send_bytes(b"hi")
        print(lab.peer_pid, server.address[1], flush=True)
        time.sleep(60)
        """
    )
    app = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert app.stdout is not None
        engine, port = (int(word) for word in app.stdout.readline().split())
        assert alive(engine) and not refused(("127.0.0.1", port))
        assert connections_to(port) >= 2  # the app's session, held by the engine
        app.kill()
        app.wait(5)
        assert wait_until(lambda: not alive(engine), ENDS_WITHIN), "the engine outlived the app"
        assert refused(("127.0.0.1", port))
        assert connections_to(port) == 0
    finally:
        app.kill()
        app.wait(5)
