"""Commands run beside the control socket's reader, in order where order matters.

A peer's reader must never wait on a command: a send to a server that does not read
blocks for up to its send timeout, a connect for its connect timeout, and meanwhile
the peer's other commands and its acknowledgements must still be read. Each command
runs in a lane: jobs in one lane run one after another, in the order given (a
session's sends, then its half-close); lanes run beside each other. A lane's thread
lives while it has work, so idle lanes cost nothing; at most MAX_LANES are busy at
once, so a peer that sends many commands that wait cannot make threads without end.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Hashable

MAX_LANES = 256
"""Lanes busy at once: far more than the sessions and servers of every peer (64 each)."""


class Lanes:
    def __init__(self, name: str) -> None:
        self._name = name
        self._queues: dict[Hashable, deque[Callable[[], object]]] = {}
        self._lock = threading.Lock()

    def run(self, lane: Hashable, job: Callable[[], object]) -> bool:
        """Run `job` after the jobs given to `lane` before it, beside other lanes; False,
        and nothing run, when MAX_LANES are busy already and `lane` is not one of them."""
        with self._lock:
            queue = self._queues.get(lane)
            if queue is not None:
                queue.append(job)  # its thread takes it in turn
                return True
            if len(self._queues) >= MAX_LANES:
                return False
            self._queues[lane] = deque([job])
        thread = threading.Thread(
            target=self._drain, args=(lane,), name=f"{self._name} {lane}", daemon=True
        )
        thread.start()
        return True

    def _drain(self, lane: Hashable) -> None:
        while True:
            with self._lock:
                queue = self._queues[lane]
                if not queue:
                    del self._queues[lane]
                    return
                job = queue.popleft()
            job()
