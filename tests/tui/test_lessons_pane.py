"""The Lessons view: choose a seed program, read it, run its netlab counterpart with a key."""

from __future__ import annotations

from textual.widgets import OptionList, Static

from netlab.core.lessons import find_lesson
from netlab.tui.app import NetlabApp
from netlab.tui.panes.lessons import LessonsPane
from tests.tui.running import running
from tests.waits import until


def _page(app: NetlabApp) -> str:
    return str(app.query_one("#lessons-text", Static).render())


async def test_a_lesson_is_read_then_run_with_enter_and_its_servers_go_to_the_lab() -> None:
    app = NetlabApp()
    async with running(app, size=(80, 24)) as pilot:
        await pilot.press("alt+6")
        pane = app.query_one(LessonsPane)
        assert app.focused is app.query_one("#lessons-list", OptionList)
        await pilot.press("down")
        assert _page(app).startswith("2. Mask.go")
        await pilot.press("enter")
        await until(pilot, lambda: "Network is 103.232.159.0" in _page(app), "Mask.go's run", 20)
        await until(pilot, lambda: not pane.escape_cancels(), "the run to end", 20)

        # The daytime lesson starts its server in the app's lab, where the Servers view
        # shows it; running it again replaces it rather than leaving one more behind.
        for _ in range(2):
            pane.run_lesson(find_lesson("daytime")[1])
            await until(pilot, lambda: "closed by the peer" in _page(app), "daytime's run", 20)
            await until(pilot, lambda: not pane.escape_cancels(), "the run to end", 20)
        await until(
            pilot,
            lambda: [name for name in app.lab.servers if "daytime" in name] != [],
            "the daytime server in the lab",
            5,
        )
        await until(pilot, lambda: len(app.lab.servers) == 1, "the first one stopped", 5)
