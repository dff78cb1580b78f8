"""A running `netlab web --port 0`, for the tests that talk to it and the browser tests.

Its lines are read by a thread as they come, so a wait is a bounded poll on lines
already in hand. Stopping it is Ctrl-C (SIGINT), as a person stops it; should that
fail, it is killed, and any app it left (each a process group of its own) with it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

NETLAB = Path(sys.executable).with_name("netlab")
"""The installed command, beside the interpreter running the tests."""
WAIT = 15.0
"""Seconds netlab web may take to say what is awaited (an app starts in about 2)."""
POLL = 0.02


class WebServer:
    """`netlab web --port 0 OPTIONS` in a child process, and every line it printed."""

    def __init__(self, *options: str) -> None:
        self.process = subprocess.Popen(
            [str(NETLAB), "web", "--port", "0", *options],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        try:
            self.first = self.wait_for("", "netlab web's first line")
        except BaseException:
            self.stop()  # never leave a server running behind a failed start
            raise
        self.url = (
            json.loads(self.first)["url"]
            if "--json" in options
            else self.first.removeprefix("netlab web: open ")
        )
        parts = urlsplit(self.url)
        assert parts.port is not None, self.first
        self.port: int = parts.port
        self.origin = f"http://127.0.0.1:{self.port}"
        self.token = parse_qs(parts.query).get("token", [None])[0]

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws?width=80&height=24"

    def wait_for(self, pattern: str, what: str = "", seconds: float = WAIT) -> str:
        """The first line, of all printed so far, in which `pattern` (a regex) is found."""
        deadline = time.monotonic() + seconds
        while True:
            for line in list(self.lines):
                if re.search(pattern, line):
                    return line
            if time.monotonic() > deadline or not self._reader.is_alive():
                break
            time.sleep(POLL)
        pytest.fail(
            f"netlab web did not print {what or pattern!r} within {seconds:g} s:\n{self.output}"
        )

    def app_pids(self) -> list[int]:
        """The apps it started, from its lines `tab N opened by PEER: app PID`."""
        return [int(line.rsplit(" ", 1)[1]) for line in self.lines if " opened by " in line]

    def stop(self, seconds: float = WAIT) -> int:
        """Ctrl-C, as at its terminal; its exit status once it has ended."""
        try:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGINT)
            try:
                return self.process.wait(seconds)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
                pytest.fail(
                    f"netlab web did not stop within {seconds:g} s of Ctrl-C:\n{self.output}"
                )
        finally:
            self._reader.join(5)
            for pid in self.app_pids():  # only were the stop cut short
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    if os.getpgid(pid) == pid:
                        os.killpg(pid, signal.SIGKILL)


def process_gone(pid: int) -> bool:
    """Whether the process `pid` has ended (and been reaped by its parent)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # the number is another user's process now: ours is gone
        return True
    return False
