"""One bounded wait for app tests: poll a condition, fail with what was awaited."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot

WAIT = 5.0


async def until(
    pilot: Pilot[Any], check: Callable[[], object], what: str, seconds: float = WAIT
) -> None:
    """Let the app run until `check()` holds, for at most `seconds`."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {seconds:g} s waiting for {what}")
        await pilot.pause(0.05)
