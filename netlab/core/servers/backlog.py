"""The clients waiting in a listening socket's accept queue: blocking, made visible.

An iterative server (the seeds' SimpleEchoServer) serves one client at a time; the
next ones have connected, as far as they can tell, and wait in the kernel's accept
queue until the server calls accept() again. Linux tells a listening socket's queue
length in TCP_INFO (tcpi_unacked; tcpi_sacked is the backlog it may reach); elsewhere
nothing is known and the count stays None.

The queue is first in, first out: looking at its length every POLL seconds gives each
newcomer the time it was first seen, and the oldest one seen is the next accepted, so
when it is, how long it waited (to within a look).
"""

from __future__ import annotations

import socket
import struct
import threading
from collections import deque

_TCP_INFO_SIZE = 104
_UNACKED_AT = 24
"""tcp_info: eight one-byte fields, then rto, ato, snd_mss, rcv_mss, unacked (u32)."""


def accept_queue(sock: socket.socket) -> int | None:
    """How many connections wait in `sock`'s accept queue (a listening TCP socket), or
    None where the system does not say."""
    option = getattr(socket, "TCP_INFO", None)
    if option is None:
        return None
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, option, _TCP_INFO_SIZE)
    except OSError:
        return None
    if len(info) < _UNACKED_AT + 4:
        return None
    return int(struct.unpack_from("=I", info, _UNACKED_AT)[0])


class Waiting:
    """When each client now in the queue was first seen there."""

    def __init__(self) -> None:
        self._arrivals: deque[float] = deque()
        self._lock = threading.Lock()

    def look(self, length: int, now: float) -> None:
        """The queue's length now: newcomers are stamped `now`. A shorter queue than
        stamped means clients gave up waiting (reset): the oldest stamps go first."""
        with self._lock:
            while len(self._arrivals) < length:
                self._arrivals.append(now)
            while len(self._arrivals) > length:
                self._arrivals.popleft()

    def accepted(self, now: float) -> float | None:
        """The server took the next in the queue: how long it waited, if it was seen."""
        with self._lock:
            return now - self._arrivals.popleft() if self._arrivals else None
