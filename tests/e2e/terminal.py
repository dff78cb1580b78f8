"""A real terminal for end-to-end tests: tmux running the installed `netlab`.

Pilot hands the app key names; a terminal sends bytes, and the same key arrives in
different shapes (Alt+2 is ESC then `2`; a slow typist sends ESC alone, then `2`).
Here the bytes go in through `tmux send-keys -H`, exactly as given, and the screen is
read back as text with `capture-pane`, as a person would see it. Every wait is a
bounded poll on the screen text.

Each Terminal has a tmux server of its own (a private socket), so tests never touch a
person's tmux, and closing it ends everything that ran inside.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.packages import wait_for_ci_packages
from tests.waits import wait_for_screen

NETLAB = Path(sys.executable).with_name("netlab")
"""The installed command, beside the interpreter running the tests."""
WAIT = 10.0
"""Seconds a screen may take to show what is awaited (the app starts in about 2)."""
POLL = 0.05

ESC = b"\x1b"
ENTER = b"\r"
TAB = b"\t"
CTRL = {letter: bytes([ord(letter) - 96]) for letter in "abcdefghijklmnopqrstuvwxyz"}
"""Ctrl+letter as a terminal sends it: one control byte."""
F1 = b"\x1bOP"
RIGHT = b"\x1b[C"
LEFT = b"\x1b[D"
ESCAPE_GAP = 0.25
"""Longer than the wait after ESC in which Textual takes what follows as part of it
(ESCDELAY, 100 ms): ESC, this pause, then a digit reads as two keys."""
KEY_GAP = 0.04
"""Between two key presses: a fast typist's pace. Keys sent in one write all reach the
widget that had the cursor when the first arrived, which no person's typing does."""

needs_tmux = pytest.mark.skipif(
    shutil.which("tmux") is None and not os.environ.get("NETLAB_REQUIRE_TMUX"),
    reason="tmux is not installed (apt-get install tmux); .ci/run installs it",
)
"""Skip where tmux is missing, except in CI (NETLAB_REQUIRE_TMUX), where they must run."""


_ENVIRONMENT = {
    name: value for name, value in os.environ.items() if name not in ("COLUMNS", "LINES", "TMUX")
}
"""What the tmux server and netlab inside it inherit: not a size pytest may have set,
which the app would take over the window's (nor a tmux of the person's own)."""


def alt(key: str) -> bytes:
    """Alt+key as tmux, xterm and most terminals send it: ESC, then the key, at once."""
    return ESC + key.encode()


class Terminal:
    """One tmux window of a fixed size running `netlab` (or another command)."""

    def __init__(self, width: int, height: int, command: list[str] | None = None) -> None:
        wait_for_ci_packages()
        self.width, self.height = width, height
        self.socket = f"netlab-e2e-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        argv = command or [str(NETLAB)]
        env = {"TERM": "xterm-256color", "COLORTERM": "truecolor", "LANG": "C.UTF-8"}
        # remain-on-exit keeps the window after netlab ends, so its last screen (a
        # traceback, say) can still be read and a quit can be told from a crash.
        self._tmux("-f", "/dev/null", "new-session", "-d", "-x", str(width), "-y", str(height))
        self._tmux("set-option", "-g", "remain-on-exit", "on")
        self._tmux("set-option", "-g", "status", "off")
        setenv = [arg for name, value in env.items() for arg in ("-e", f"{name}={value}")]
        self._tmux("respawn-pane", "-k", *setenv, "--", *argv)

    def _tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
            env=_ENVIRONMENT,
        )
        if done.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    # -- input --------------------------------------------------------------------------

    def send(self, data: bytes) -> None:
        """These bytes, in one write, as a terminal sends one key press."""
        self._tmux("send-keys", "-H", *(f"{byte:02x}" for byte in data))
        time.sleep(KEY_GAP)

    def type(self, text: str) -> None:
        """Text one character (its UTF-8 bytes) at a time, as typed."""
        for character in text:
            self.send(character.encode())

    def escape_then(self, key: str) -> None:
        """Escape, a pause a person makes, then the key: two presses, no modifier."""
        self.send(ESC)
        time.sleep(ESCAPE_GAP)
        self.send(key.encode())

    def resize(self, width: int, height: int) -> None:
        self._tmux("resize-window", "-x", str(width), "-y", str(height))
        self.width, self.height = width, height

    # -- output -------------------------------------------------------------------------

    def screen(self) -> str:
        """What the window shows now, as text, one line per row."""
        return self._tmux("capture-pane", "-p", "-t", "0")

    def lines(self) -> list[str]:
        return self.screen().splitlines()

    def cursor(self) -> tuple[int, int]:
        """Where the terminal's cursor is (column, row): netlab keeps it in the field
        that has the cursor, as an input method would want."""
        where = self._tmux("display-message", "-p", "-t", "0", "#{cursor_x} #{cursor_y}")
        column, row = where.split()
        return int(column), int(row)

    def wait_for_cursor_to_leave(self, where: tuple[int, int], what: str) -> None:
        """Poll until the cursor has moved from `where`, as a person watches it go."""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if self.cursor() != where:
                return
            time.sleep(POLL)
        pytest.fail(f"the cursor did not leave {where} ({what}) within {WAIT:g} s")

    def wait_for(
        self, check: str | Callable[[str], object], what: str = "", seconds: float = WAIT
    ) -> str:
        """Poll the screen until it shows `check` (text, or a test of the screen); the screen."""
        return wait_for_screen(self.screen, check, what, seconds, ended=self.exited)

    def exited(self) -> bool:
        """Whether the command in the window has ended."""
        return self._tmux("display-message", "-p", "-t", "0", "#{pane_dead}").strip() == "1"

    def wait_for_exit(self, seconds: float = WAIT) -> int:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.exited():
                status = self._tmux("display-message", "-p", "-t", "0", "#{pane_dead_status}")
                return int(status.strip() or 0)
            time.sleep(POLL)
        pytest.fail(f"the command did not end within {seconds:g} s:\n{self.screen()}")

    def close(self) -> None:
        subprocess.run(
            ["tmux", "-L", self.socket, "kill-server"],
            capture_output=True,
            timeout=10,
            env=_ENVIRONMENT,
            check=False,
        )
