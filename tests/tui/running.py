"""How an app test runs the app: `async with running(app, size=...) as pilot`.

The app shows its first frame with only the Address pane and builds the others just
after (see NetlabApp.on_mount). A person sees the app appear before they type; a
test's first key comes at once, so `running` enters `app.run_test(...)` and first
waits (bounded) for the panes, as a person would. Snapshot scripts wait the same
way: see the snap_compare fixture in conftest.py.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from textual.pilot import Pilot

from netlab.tui.app import NetlabApp
from tests.waits import until

PANES_WAIT = 20.0
"""Bounded, but generously: on a loaded machine building the panes takes seconds."""


async def panes_built(pilot: Pilot[Any]) -> None:
    """Let the app run until every pane is built (right after its first frame)."""
    app = pilot.app

    def built() -> bool:
        return bool(getattr(app, "panes_built", True))

    await until(pilot, built, "the app's panes to be built", PANES_WAIT)
    await pilot.pause()


@contextlib.asynccontextmanager
async def running(
    app: NetlabApp, *, size: tuple[int, int] = (80, 24), **options: Any
) -> AsyncIterator[Pilot[None]]:
    """`app.run_test(size=size, **options)`, its pilot handed over once the panes are built."""
    async with app.run_test(size=size, **options) as pilot:
        await panes_built(pilot)
        yield pilot
