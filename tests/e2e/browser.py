"""A real browser for end-to-end tests: headless Chromium on the installed `netlab web`.

Playwright drives Debian's Chromium (never a browser of its own download) as a person
would: keys pressed on the page, which xterm.js turns into the bytes a terminal sends
(Alt+4 is ESC then `4`). The page draws the app on a canvas, so its text is read from
the page's terminal: a script added before the page's own keeps each xterm.js
Terminal the page makes, and `screen()` reads its rows as a person sees them.

`netlab web` itself runs as tests/web/running.py's WebServer.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.packages import wait_for_ci_packages
from tests.waits import wait_for_screen

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
    rows.push(line ? line.translateToString(true, 0, terminal.cols) : "");
  }
  return rows.join("\\n");
}"""


@contextmanager
def chromium() -> Iterator[Browser]:
    """Headless Chromium under Playwright (a fresh profile of its own), closed after."""
    from playwright.sync_api import sync_playwright

    wait_for_ci_packages()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


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

    def size(self) -> tuple[int, int]:
        """The page's terminal's columns and rows, as it fits them to the window."""
        cols, rows = self.page.evaluate(
            "() => [window.__netlabTerminals[0].cols, window.__netlabTerminals[0].rows]"
        )
        return int(cols), int(rows)

    def wait_for(
        self, check: str | Callable[[str], Any], what: str = "", seconds: float = WAIT
    ) -> str:
        """Poll the page's screen until it shows `check` (text, or a test of the screen)."""
        return wait_for_screen(self.screen, check, what, seconds)

    def press(self, *keys: str) -> None:
        """Keys by Playwright's names ("Alt+4", "Enter"), one press each."""
        for key in keys:
            self.page.keyboard.press(key)

    def type(self, text: str) -> None:
        self.page.keyboard.type(text, delay=20)

    def close(self) -> None:
        self.context.close()
