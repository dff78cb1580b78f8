"""A real browser for end-to-end tests: headless Chromium on the installed `netlab web`.

Playwright drives Debian's Chromium (never a browser of its own download) as a person
would: keys pressed on the page, which xterm.js turns into the bytes a terminal sends
(Alt+4 is ESC then `4`). The page draws the app on a canvas, so its text is read from
the page's terminal: a script added before the page's own keeps each xterm.js
Terminal the page makes, and `screen()` reads its rows as a person sees them.

`WebServer` runs `netlab web` in a child process and reads its terminal lines as they
come; closing it sends Ctrl-C (SIGINT) as a person stops it.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

NETLAB = Path(sys.executable).with_name("netlab")
"""The installed command, beside the interpreter running the tests."""
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
WAIT = 15.0
"""Seconds a page may take to show what is awaited (an app starts in about 2)."""
POLL = 0.05
CHROMIUM_FLAGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    # No connection but to the lab: the machine's network is closed, and Chromium's own
    # background traffic would only be refused, many at a time.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def _missing() -> str | None:
    """What the browser tests lack here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[test]')"
    if not os.access(CHROMIUM, os.X_OK):
        return "Chromium is not installed (apt-get install chromium); .ci/run installs it"
    return None


needs_browser = pytest.mark.skipif(
    _missing() is not None and not os.environ.get("NETLAB_REQUIRE_BROWSER"),
    reason=_missing() or "",
)
"""Skip where the browser is missing, except in CI (NETLAB_REQUIRE_BROWSER), where the
tests must run and fail if it cannot start."""

KEEP_TERMINALS = """
window.__netlabTerminals = [];
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  set(value) {
    if (value && value.buffer && value.buffer.active) window.__netlabTerminals.push(value);
    Object.defineProperty(this, "terminal", {
      value, writable: true, configurable: true, enumerable: true,
    });
  },
});
"""
"""The page's script keeps its xterm.js Terminal as `this.terminal` of an object of its
own; this setter, met before any own property exists, hands the Terminal to the test."""

READ_SCREEN = """() => {
  const terminal = window.__netlabTerminals[0];
  if (!terminal) return "";
  const buffer = terminal.buffer.active;
  const rows = [];
  for (let y = 0; y < terminal.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    rows.push(line ? line.translateToString(true) : "");
  }
  return rows.join("\\n");
}"""


@contextmanager
def chromium() -> Iterator[Browser]:
    """Headless Chromium under Playwright (a fresh profile of its own), closed after."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


class WebServer:
    """`netlab web --port 0 ARGS` in a child process; its lines kept as they come."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [str(NETLAB), "web", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        first = self.wait_for_line(r"open (http://\S+)", "netlab web's URL")
        self.url = re.search(r"open (http://\S+)", first).group(1)  # type: ignore[union-attr]

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self._lines)

    def wait_for_line(self, pattern: str, what: str, seconds: float = WAIT) -> str:
        """The first line matching `pattern`, polled for at most `seconds`."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for line in list(self._lines):
                if re.search(pattern, line):
                    return line
            if self.process.poll() is not None and not self._reader.is_alive():
                break
            time.sleep(POLL)
        pytest.fail(f"netlab web did not print {what} within {seconds:g} s:\n{self.output}")

    def interrupt(self, seconds: float = WAIT) -> int:
        """Ctrl-C, as at its terminal; its exit status once it has ended."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            status = self.process.wait(seconds)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
            pytest.fail(f"netlab web did not stop within {seconds:g} s of Ctrl-C:\n{self.output}")
        self._reader.join(5)
        return status

    def close(self) -> None:
        """Ctrl-C, so that its apps end with it; a kill only if that fails."""
        if self.process.poll() is None:
            self.interrupt()


class Tab:
    """One browser tab on netlab web: keys pressed on the page, its screen read as text."""

    def __init__(self, browser: Browser, url: str, width: int = 1200, height: int = 800) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.page: Page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.add_init_script(KEEP_TERMINALS)
        self.page.goto(url)

    def ready(self) -> Tab:
        """Wait for the app to draw, then give the page's terminal the keys."""
        self.wait_for("^p palette", "the app in the page")
        self.page.focus(".xterm-helper-textarea")  # where xterm.js takes the keys
        return self

    def screen(self) -> str:
        return str(self.page.evaluate(READ_SCREEN))

    def wait_for(
        self, check: str | Callable[[str], Any], what: str = "", seconds: float = WAIT
    ) -> str:
        """Poll the page's screen until it shows `check` (text, or a test of the screen)."""
        test = (lambda screen: check in screen) if isinstance(check, str) else check
        deadline = time.monotonic() + seconds
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if test(screen):
                return screen
            time.sleep(POLL)
        pytest.fail(
            f"the page did not show {what or check!r} within {seconds:g} s "
            f"(page errors: {self.errors}); it shows:\n{screen}"
        )

    def press(self, *keys: str) -> None:
        """Keys by Playwright's names ("Alt+4", "Enter"), one press each."""
        for key in keys:
            self.page.keyboard.press(key)

    def type(self, text: str) -> None:
        self.page.keyboard.type(text, delay=20)

    def close(self) -> None:
        self.context.close()
