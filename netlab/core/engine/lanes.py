"""Commands run beside the control socket's reader, in order where order matters.

A peer's reader must never wait on a command: a send to a server that does not read
blocks for up to its send timeout, a connect for its connect timeout, and meanwhile
the peer's other commands and its acknowledgements must still be read. Each command
runs in a lane: jobs in one lane run one after another, in the order given (a
session's sends, then its half-close); lanes run beside each other. A lane's thread
lives while it has work, so idle lanes cost nothing.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Hashable


class Lanes:
    def __init__(self, name: str) -> None:
        self._name = name
        self._queues: dict[Hashable, deque[Callable[[], None]]] = {}
        self._lock = threading.Lock()

    def run(self, lane: Hashable, job: Callable[[], None]) -> None:
        """Run `job` after the jobs given to `lane` before it, beside other lanes."""
        with self._lock:
            queue = self._queues.get(lane)
            if queue is not None:
                queue.append(job)  # its thread takes it in turn
                return
            self._queues[lane] = deque([job])
        thread = threading.Thread(
            target=self._drain, args=(lane,), name=f"{self._name} {lane}", daemon=True
        )
        thread.start()

    def _drain(self, lane: Hashable) -> None:
        while True:
            with self._lock:
                queue = self._queues[lane]
                if not queue:
                    del self._queues[lane]
                    return
                job = queue.popleft()
            job()
