"""The shell: five views by number, F1 help, and a clean quit."""

from __future__ import annotations

import pytest
from textual.widgets import Tab, Tabs

from netlab.tui.app import NetlabApp, ViewTabs
from netlab.tui.commands import LabCommands
from netlab.tui.help import HelpScreen
from netlab.tui.panes import PANES, VIEWS
from netlab.tui.panes.base import Pane
from tests.tui.running import running


def _shown(app: NetlabApp) -> list[str]:
    return [pane.id or "" for pane in app.query(".pane") if pane.display]


async def test_each_view_shows_its_panes_and_split_shows_client_and_servers() -> None:
    app = NetlabApp()
    async with running(app, size=(100, 30)) as pilot:
        assert _shown(app) == ["address"]
        for key, shown in [
            ("2", ["lookup"]),
            ("3", ["client"]),
            ("4", ["servers"]),
            ("5", ["client", "servers"]),
            ("1", ["address"]),
        ]:
            await pilot.press("escape", key)
            assert _shown(app) == shown, key
            assert app.query_one(Tabs).active == f"tab-{app.view}"


async def test_f1_shows_the_help_of_the_pane_in_view() -> None:
    app = NetlabApp()
    async with running(app, size=(100, 30)) as pilot:
        await pilot.press("alt+2", "f1")
        assert isinstance(app.screen, HelpScreen)
        assert "Lookup" in app.screen.markdown
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_ctrl_q_quits() -> None:
    app = NetlabApp()
    async with running(app, size=(80, 24)) as pilot:
        await pilot.press("ctrl+q")
    assert app.return_code == 0


async def test_every_view_survives_resizing_down_to_80x24_and_back() -> None:
    app = NetlabApp()
    async with running(app, size=(140, 45)) as pilot:
        for view in ("1", "2", "3", "4", "5"):
            await pilot.press(f"alt+{view}")
            for size in ((80, 24), (140, 45)):
                await pilot.resize_terminal(*size)
                await pilot.pause()
                assert app.screen.size == size
        assert app.is_running


async def test_events_wait_on_the_bus_until_every_pane_is_built() -> None:
    app = NetlabApp()
    async with running(app, size=(100, 30)):  # which waits for them (tests/tui/running.py)
        assert {pane.id for pane in app.query(".pane")} == {
            "address",
            "lookup",
            "client",
            "servers",
        }
        # As if the panes were still being built: what happens waits on the bus.
        app.panes_built = False
        server = app.lab.start_server("echo:0")
        app.drain_events()
        assert len(app.lab.bus) >= 1
        app.panes_built = True
        app.drain_events()
        log = app.query_one("#servers-log").lines  # type: ignore[attr-defined]
        assert any(f"{server.name}  listening" in line for line in log)


async def test_the_tabs_panes_and_palette_views_come_from_the_list_of_panes() -> None:
    app = NetlabApp()
    async with running(app, size=(100, 30)):
        tabs = list(app.query_one(ViewTabs).query(Tab))
        assert [(tab.id, tab.label_text) for tab in tabs] == [
            (f"tab-{view.view_id}", view.title) for view in VIEWS
        ]
        assert [pane.id for pane in app.query(Pane)] == [entry.pane_id for entry in PANES]
        for entry in PANES:
            pane = app.query_one(f"#{entry.pane_id}", Pane)
            assert type(pane) is entry.load()
            assert entry.title == pane.TITLE
            assert entry.summary == pane.SUMMARY
        palette = [command.title for command in LabCommands(app.screen)._commands()]
        assert palette[: len(VIEWS)] == [view.summary for view in VIEWS]


def test_a_pane_class_is_made_only_from_its_entry_in_the_list() -> None:
    with pytest.raises(KeyError, match="PANES"):

        class Stray(Pane):
            PANE_ID = "nowhere"

    with pytest.raises(TypeError, match="ClientPane"):

        class Impostor(Pane):
            PANE_ID = "client"
