"""The shell: five views by number, F1 help, a clean quit, and a start-up that does only
what the first frame needs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from textual.dom import DOMNode
from textual.widgets import Tab, Tabs

from netlab.tui.app import LATER_CSS, NetlabApp, ViewTabs
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
            ("6", ["lessons"]),
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
        for view in ("1", "2", "3", "4", "5", "6"):
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
            "lessons",
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


def _styles(root: DOMNode) -> dict[DOMNode, tuple[str, dict[str, str]]]:
    """What the stylesheet gave each node under root, and each of its component classes."""
    return {
        node: (
            node.styles.base.css,
            {name: styles.base.css for name, styles in node._component_styles.items()},
        )
        for node in root.walk_children(with_self=True)
    }


def _stale(app: NetlabApp) -> list[str]:
    """The nodes whose styles a fresh styling of the whole screen changes."""
    before = _styles(app.screen)
    app.stylesheet.update(app.screen)
    after = _styles(app.screen)
    return [repr(node) for node in before if before[node] != after.get(node)]


class FirstFrame(NetlabApp):
    """The app, noting what there is as it starts building the other panes: just after
    its first frame."""

    async def _build_hidden_panes(self) -> None:
        self.panes_then = [pane.id for pane in self.query(Pane)]
        self.stylesheets_then = {
            Path(path).name for path, _ in self.stylesheet.source if path.endswith(".tcss")
        }
        self.stale_then = _stale(self)
        await super()._build_hidden_panes()


async def test_the_first_frame_has_the_first_pane_only_styled_once_and_right() -> None:
    app = FirstFrame()
    async with running(app, size=(120, 40)):
        assert app.panes_then == [PANES[0].pane_id]
        # The other panes' rules are read as those panes are built, not before.
        first = PANES[0].module.rpartition(".")[2] + ".tcss"
        assert app.stylesheets_then == {"netlab.tcss", first}
        # The first frame's widgets were styled once, as they were mounted (the screen
        # does not style them all again as it first resumes): nothing was left stale.
        assert app.stale_then == []
        # Every pane's rules are read once they are built, and each widget has them.
        names = {Path(path).name for path, _ in app.stylesheet.source if path.endswith(".tcss")}
        assert names == {"netlab.tcss", first, *(path.name for path in LATER_CSS)}
        assert {path.name for path in LATER_CSS} == {
            entry.module.rpartition(".")[2] + ".tcss" for entry in PANES[1:]
        }
        assert _stale(app) == []
        # The cursor is in the first field, and the tab bar was never styled as focused.
        assert app.focused is not None and app.focused.id == "address-input"


async def test_a_screen_coming_back_without_a_focus_gives_it_to_the_tab_bar() -> None:
    app = NetlabApp()
    async with running(app, size=(100, 30)) as pilot:
        app.screen.set_focus(None)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        assert app.focused is app.query_one(ViewTabs)


def test_the_app_module_leaves_what_the_first_frame_does_not_need_unimported() -> None:
    # A fresh interpreter: what an app test imports is no measure of it.
    later = [
        "netlab.core.lab",  # the app's own lab, made when a pane first asks for it
        "netlab.core.servers",
        "netlab.tui.commands",  # the palette's provider, when the palette opens
        "netlab.tui.help",
        "netlab.tui.jump",
        *(entry.module for entry in PANES),  # every pane, the first one as it is built
        "dns",
        "uvloop",
    ]
    code = f"import sys, netlab.tui.app; print([name for name in {later!r} if name in sys.modules])"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]", done.stdout


FIRST_FRAME_PROBE = """
import os, sys
from textual.app import App

LATER = sys.argv[1].split(",")

def first_frame(self, screen, renderable, _display=App._display):
    _display(self, screen, renderable)
    if renderable is not None:
        print([name for name in LATER if name in sys.modules], flush=True)
        os._exit(0)

App._display = first_frame
App.run = lambda self, _run=App.run, **options: _run(self, headless=True, size=(120, 40))
from netlab.cli import main
main([])
"""


def test_netlab_alone_makes_its_first_frame_without_what_comes_after() -> None:
    # `netlab` with no arguments, to its first frame, in a fresh interpreter.
    later = [
        "argparse",  # the command line's parser, for subcommands only
        "netlab.cli.parser",
        "netlab.cli.output",
        "netlab.cli.addresses",
        "netlab.core.addresses",  # read as the Address pane finishes building
        "netlab.core.lab",  # the lab and its engine, made as the panes are built
        "netlab.core.engine",
        "netlab.core.servers",
        *(entry.module for entry in PANES[1:]),
        "netlab.tui.commands",
        "netlab.tui.help",
    ]
    done = subprocess.run(
        [sys.executable, "-c", FIRST_FRAME_PROBE, ",".join(later)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.strip() == "[]", done.stdout + done.stderr[-2000:]
