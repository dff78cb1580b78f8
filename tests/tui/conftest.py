"""Every app test begins once all of the app's panes are built.

The app shows its first frame with only the Address pane and builds the others just
after (see NetlabApp.on_mount). A person sees the app appear before they type; a
test's first key comes at once, so here each test, and each snapshot's script, first
waits (bounded) for the panes, as a person would.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from netlab.tui.app import NetlabApp


async def panes_built(pilot: Pilot[Any]) -> None:
    app = pilot.app
    for _ in range(250):  # at most 5 s: they are built right after the first frame
        if getattr(app, "panes_built", True):
            break
        await pilot.pause(0.02)
    await pilot.pause()


@pytest.fixture(autouse=True)
def _run_test_waits_for_the_panes(monkeypatch: pytest.MonkeyPatch) -> None:
    run_test = NetlabApp.run_test

    @contextlib.asynccontextmanager
    async def ready(self: NetlabApp, *args: Any, **kwargs: Any) -> AsyncIterator[Pilot[Any]]:
        async with run_test(self, *args, **kwargs) as pilot:
            await panes_built(pilot)
            yield pilot

    monkeypatch.setattr(NetlabApp, "run_test", ready)


@pytest.fixture
def snap_compare(snap_compare: Callable[..., bool]) -> Callable[..., bool]:
    """pytest-textual-snapshot's snap_compare, its script run once the panes are built."""

    def compare(app: Any, *args: Any, run_before: Any = None, **kwargs: Any) -> bool:
        async def ready_then(pilot: Pilot[Any]) -> None:
            await panes_built(pilot)
            if run_before is not None:
                result = run_before(pilot)
                if inspect.isawaitable(result):
                    await result

        return snap_compare(app, *args, run_before=ready_then, **kwargs)

    return compare
