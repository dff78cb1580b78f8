"""The app's own lab: its servers in an engine process of their own (__main__.py).

The app draws while the engine serves, each in its own interpreter: a flood on a lab
server does not take the app's keys' time, nor the app's frames the server's. The app
starts the engine in the background once its first frame is made (start=False, then
start_in_background()); a command that comes first waits for it to be ready. It ends
with the app however the app ends: it watches a pipe that only the app holds open.

If the engine dies, `lost` says so in its last words (what it wrote to stderr, kept
in its log file), and the next start starts a fresh engine.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

from netlab.core.bus import EventBus
from netlab.core.engine.remote import REPLY_TIMEOUT as REMOTE_REPLY
from netlab.core.engine.remote import RemoteLab
from netlab.core.errors import OperationFailed

READY_WAIT = 10.0
"""Seconds an engine may take to listen: an interpreter starting on a loaded machine."""
STOP_WAIT = 2.0
"""Seconds an engine has to stop its servers once the app has gone, before it is killed."""
POLL = 0.02


class EngineLab(RemoteLab):
    """A Lab whose servers run in an engine process started for it, ended with it."""

    def __init__(self, bus: EventBus | None = None, *, start: bool = True) -> None:
        self._dir = tempfile.mkdtemp(prefix="netlab-engine-")  # the owner's alone (0700)
        super().__init__(os.path.join(self._dir, "engine.sock"), bus, attach=False)
        self._log = os.path.join(self._dir, "engine.log")
        self._process: subprocess.Popen[bytes] | None = None
        self._parent_end: int | None = None
        """Our end of the pipe the engine watches: closing it (or dying) ends the engine."""
        self._starting = threading.Lock()
        self._started = False
        if start:
            self.start_in_background()

    def start_in_background(self) -> None:
        """Start the engine in a thread of its own, once; a command waits for it."""
        if self._started:
            return
        self._started = True
        starter = threading.Thread(target=self._start_quietly, name="netlab engine", daemon=True)
        starter.start()

    def _ask(self, op: str, waits: float = REMOTE_REPLY, **fields: Any) -> Any:
        self._start()  # at once when it is up; else it comes up, or a fresh one does
        return super()._ask(op, waits, **fields)

    def close(self) -> None:
        """Close the sessions, end the engine (its servers and connections with it)."""
        super().close()
        self._end_engine()
        shutil.rmtree(self._dir, ignore_errors=True)

    def _start_quietly(self) -> None:
        with contextlib.suppress(OperationFailed):
            self._start()

    def _start(self) -> None:
        with self._starting:
            if self._closed.is_set():
                raise OperationFailed("The lab is closed.")
            if self._sock is not None and self.lost is None:
                return  # up, and answering
            self._end_engine()
            reading, self._parent_end = os.pipe()
            with open(self._log, "wb") as log:
                self._process = subprocess.Popen(
                    [sys.executable, "-m", "netlab.core.engine", self.path, str(reading)],
                    pass_fds=(reading,),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=log,
                    start_new_session=True,  # the terminal's signals are the app's to take
                )
            os.close(reading)
            self._wait_until_listening()
            self._attach()

    def _wait_until_listening(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + READY_WAIT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise OperationFailed(f"The lab engine did not start: {self._log_tail()}.")
            if _listening(self.path):
                return
            time.sleep(POLL)
        raise OperationFailed(f"The lab engine did not start in {READY_WAIT:g} s.")

    def _end_engine(self) -> None:
        if self._parent_end is not None:
            os.close(self._parent_end)
            self._parent_end = None
        process = self._process
        if process is None:
            return
        try:
            process.wait(STOP_WAIT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_WAIT)

    def _last_words(self, why: str) -> str:
        """The last line the engine wrote (a traceback's last), else what we saw."""
        why = self._log_tail() or why
        # The next start starts a fresh engine (_ask).
        return f"the lab engine ended ({why}); a server started now starts a new one"

    def _log_tail(self) -> str:
        """The last line the engine wrote: a traceback's last says what killed it."""
        with contextlib.suppress(OSError), open(self._log, "rb") as log:
            lines = log.read()[-4096:].decode(errors="replace").strip().splitlines()
            return lines[-1] if lines else ""
        return ""


def _listening(path: str) -> bool:
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(path)
    except OSError:
        return False
    finally:
        probe.close()
    return True
