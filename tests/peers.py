"""Peers whose other end nobody here wrote: small, hostile or odd, on loopback only.

A Peer listens on 127.0.0.1 port 0 and runs one behaviour, `talk(peer, conn)`, on
the one connection it accepts, in a thread of its own with every wait bounded. It
records what it was sent. Use it as a context manager: leaving ends the thread.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable

from tests import waits

LIMIT = 10.0
"""Seconds any peer waits for anything before it gives up."""

Talk = Callable[["Peer", socket.socket], None]


class Peer:
    def __init__(self, talk: Talk, *, rcvbuf: int | None = None) -> None:
        self.listener = socket.socket()
        if rcvbuf is not None:
            # Before listen, so the accepted socket's window is small from the start.
            self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.listener.settimeout(LIMIT)
        self.port = int(self.listener.getsockname()[1])
        self.endpoint = f"127.0.0.1:{self.port}"
        self.received = bytearray()
        self.sent = 0
        self.over = threading.Event()
        self._talk = talk
        self._conn: socket.socket | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Peer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.over.set()
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        self._thread.join(LIMIT)

    def _run(self) -> None:
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        self._conn = conn
        with conn:
            conn.settimeout(LIMIT)
            with contextlib.suppress(OSError):
                self._talk(self, conn)

    def read_to_end(self, conn: socket.socket) -> None:
        """Everything the client sends, until its FIN (or its close)."""
        while chunk := conn.recv(65536):
            self.received += chunk

    def send(self, conn: socket.socket, data: bytes) -> None:
        """sendall, counting what the kernel took as it goes."""
        view = memoryview(data)
        while view:
            taken = conn.send(view[:65536])
            self.sent += taken
            view = view[taken:]


def numbered(number: int) -> bytes:
    """Line `number` of a flood: 100 bytes, its newline included."""
    return f"line {number:08d} ".encode().ljust(99, b".") + b"\n"


def flood_then_half_close(lines: int) -> Talk:
    """Sends `lines` numbered lines, half-closes, and reads until the client goes."""

    def talk(peer: Peer, conn: socket.socket) -> None:
        peer.send(conn, b"".join(numbered(number) for number in range(lines)))
        conn.shutdown(socket.SHUT_WR)
        peer.read_to_end(conn)

    return talk


def answers_at_end_of_input(peer: Peer, conn: socket.socket) -> None:
    """Reads until the client's FIN, then says how much it got and closes (as wc would)."""
    peer.read_to_end(conn)
    conn.sendall(b"got %d bytes\n" % len(peer.received))


def sends_then_closes(data: bytes) -> Talk:
    def talk(peer: Peer, conn: socket.socket) -> None:
        peer.send(conn, data)

    return talk


def reads_once_then_closes(peer: Peer, conn: socket.socket) -> None:
    """Takes one read and leaves without a word."""
    peer.received += conn.recv(65536)


def never_reads(peer: Peer, conn: socket.socket) -> None:
    """Accepts, then reads nothing until the test is over."""
    peer.over.wait(LIMIT)


def wait_until(condition: Callable[[], object], timeout: float = LIMIT) -> bool:
    """tests.waits.wait_until, waiting as long as a peer does (LIMIT) unless told."""
    return waits.wait_until(condition, timeout)
