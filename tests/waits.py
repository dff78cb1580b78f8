"""The one way tests wait: poll a condition, bounded in time, and say what was awaited.

`wait_until` is for plain code (threads, sockets): it returns whether the condition
came to hold, so a test asserts on it, or, given `what`, fails the test by name.
`until` is for app tests: it lets the app run between polls (a Pilot's pause).
`loop_until` is for plain asyncio code: it lets the event loop run between polls.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # textual only for the app waits: the core tests need not load it
    from textual.pilot import Pilot

TIMEOUT = 5.0
"""Seconds a wait lasts when the caller does not say."""

EVERY = 0.01
"""Seconds between polls of a synchronous wait."""

APP_EVERY = 0.05
"""Seconds an app runs between polls of an app wait."""

SCREEN_EVERY = 0.05
"""Seconds between reads of a screen another process draws (tmux's, a browser's)."""


def wait_until(
    condition: Callable[[], object], timeout: float = TIMEOUT, what: str | None = None
) -> bool:
    """Poll `condition` until it holds, for at most `timeout` seconds; whether it held.

    Given `what`, a wait that runs out fails the test, naming what was awaited.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(EVERY)
    if condition():
        return True
    if what is not None:
        pytest.fail(f"timed out after {timeout:g} s waiting for {what}")
    return False


def wait_for_screen(
    read: Callable[[], str],
    check: str | Callable[[str], object],
    what: str = "",
    seconds: float = TIMEOUT,
    *,
    ended: Callable[[], bool] | None = None,
) -> str:
    """Poll a screen read as text (a terminal's, a page's) until it shows `check` (text,
    or a test of the screen), for at most `seconds`, or until `ended()`; the screen.

    A wait that runs out fails the test with what the screen shows then.
    """
    test = (lambda screen: check in screen) if isinstance(check, str) else check
    deadline = time.monotonic() + seconds
    screen = ""
    while time.monotonic() < deadline:
        screen = read()
        if test(screen):
            return screen
        if ended is not None and ended():
            break
        time.sleep(SCREEN_EVERY)
    pytest.fail(f"the screen did not show {what or check!r} within {seconds:g} s:\n{screen}")


async def until(
    pilot: Pilot[Any],
    condition: Callable[[], object],
    what: str,
    timeout: float = TIMEOUT,
    *,
    context: Callable[[], object] | None = None,
) -> None:
    """Let the app run until `condition()` holds, for at most `timeout` seconds.

    A wait that runs out fails the test, naming what was awaited and, given
    `context`, what it returns then (what the screen shows, say).
    """
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            seen = f": {context()}" if context is not None else ""
            pytest.fail(f"timed out after {timeout:g} s waiting for {what}{seen}")
        await pilot.pause(APP_EVERY)


async def loop_until(condition: Callable[[], object], what: str, timeout: float = TIMEOUT) -> None:
    """Let the event loop run until `condition()` holds, for at most `timeout` seconds.

    A wait that runs out fails the test, naming what was awaited.
    """
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:g} s waiting for {what}")
        await asyncio.sleep(EVERY)
