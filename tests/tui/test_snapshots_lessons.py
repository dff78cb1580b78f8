"""What the Lessons view looks like at 80x24, Mask.go's lesson run (its output never
changes: a mask computed, no clock, no port)."""

from __future__ import annotations

from collections.abc import Callable

from textual.pilot import Pilot
from textual.widgets import Static

from netlab.tui.app import NetlabApp
from netlab.tui.panes.lessons import LessonsPane
from tests.waits import until


def test_mask_go_run_at_80x24(snap_compare: Callable[..., bool]) -> None:
    async def run_mask(pilot: Pilot[None]) -> None:
        app = pilot.app
        await pilot.press("alt+6", "down", "enter")
        page = app.query_one("#lessons-text", Static)
        pane = app.query_one(LessonsPane)
        await until(pilot, lambda: "f000::" in str(page.render()), "Mask.go's run", 20)
        await until(pilot, lambda: not pane.escape_cancels(), "the run to end", 20)
        await pilot.pause()

    assert snap_compare(NetlabApp(), terminal_size=(80, 24), run_before=run_mask)
