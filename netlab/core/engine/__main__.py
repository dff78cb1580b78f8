"""The app's lab engine: `python -m netlab.core.engine PATH PARENT_FD`.

A Lab served at PATH (control.py) until the app that started it ends, however it
ends: the app holds the write end of a pipe whose read end is PARENT_FD, and writes
nothing to it. When the app quits, crashes or is killed, the kernel closes its end,
the read here returns, and every server and connection is stopped, freeing its port.
PATH's directory is the engine's own (the app made it for it): it goes too, unless the
engine itself failed, when its log there keeps its last words for the app to read.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import threading

from netlab.core.engine.control import ControlServer
from netlab.core.lab import Lab

DRAIN_WAIT = 0.05
"""Seconds the loop waits for events before looking at the parent again."""


def run(path: str, parent_fd: int) -> int:
    lab = Lab()
    control = ControlServer(lab, path).start()
    parent_gone = threading.Event()

    def watch_parent() -> None:
        try:
            while os.read(parent_fd, 1):
                pass
        except OSError:
            pass
        parent_gone.set()

    threading.Thread(target=watch_parent, name="netlab engine parent", daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: parent_gone.set())
    try:
        while not parent_gone.is_set():
            lab.bus.wait(DRAIN_WAIT)
            control.publish(lab.bus.drain())
    finally:
        control.close("the lab engine stopped")
        lab.close()
    shutil.rmtree(os.path.dirname(path), ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1], int(sys.argv[2])))
