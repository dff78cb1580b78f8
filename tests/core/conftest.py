"""What the core's tests share: a lab served over its control socket (engine tests)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from netlab.core.engine.control import ControlServer
from netlab.core.engine.remote import RemoteLab
from netlab.core.lab import Lab


class Served:
    """A lab served at a path, its bus drained into the control server as serve does."""

    def __init__(self, path: Path) -> None:
        self.lab = Lab()
        self.path = str(path)
        self.control = ControlServer(self.lab, self.path).start()
        self._stop = threading.Event()
        self._drain = threading.Thread(target=self._pump, daemon=True)
        self._drain.start()

    def _pump(self) -> None:
        while not self._stop.is_set():
            self.lab.bus.wait(0.05)
            self.control.publish(self.lab.bus.drain())

    def close(self, last_words: str = "the lab closed") -> None:
        self._stop.set()
        self._drain.join(2)
        self.control.close(last_words)
        self.lab.close()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    lab = Served(tmp_path / "lab.sock")
    yield lab
    lab.close()


@pytest.fixture
def remote(served: Served) -> Iterator[RemoteLab]:
    lab = RemoteLab(served.path)
    yield lab
    lab.close()
