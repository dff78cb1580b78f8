"""Keys and focus: where the cursor starts, how every view is reached, Escape, Go to.

Pilot sends key names; what a terminal sends as bytes is checked here at the parser
(ESC then a digit) and end to end in tests/e2e, in a real terminal. Going round every
view by Escape then a digit, and Escape back to the tab bar from each, are proven
there only, as the bytes a terminal sends: here they would cost a second app apiece.
"""

from __future__ import annotations

import socket

import pytest
from textual import events
from textual._xterm_parser import XTermParser
from textual.keys import _character_to_key
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select, Static

from netlab.tui.app import NetlabApp, ViewTabs
from netlab.tui.jump import JumpScreen
from netlab.tui.keys import read_escape_digit_as_alt
from netlab.tui.panes.lookup import LookupPane
from netlab.tui.widgets.footer import KeysFooter
from tests.tui.running import running
from tests.waits import until

SIZE = (120, 40)
FIRST_FIELDS = [
    ("1", "address", "address-input"),
    ("2", "lookup", "query"),
    ("3", "client", "client-endpoint"),
    ("4", "servers", "servers-port"),
    ("5", "split", "client-endpoint"),
    ("6", "lessons", "lessons-list"),
]


def _keys(data: str) -> list[str]:
    """The keys Textual reads from `data`, as if a terminal sent it and then went quiet."""
    parser = XTermParser()
    tokens = [*parser.feed(data), *parser.feed("")]
    return [token.key for token in tokens if isinstance(token, events.Key)]


@pytest.mark.parametrize("digit", "123456")
def test_escape_then_a_digit_reads_as_alt_digit(digit: str) -> None:
    read_escape_digit_as_alt()
    assert _keys(f"\x1b{digit}") == [f"alt+{digit}"]


def test_alt_digit_reads_at_once_so_a_quick_escape_after_it_is_its_own_key() -> None:
    read_escape_digit_as_alt()
    parser = XTermParser()
    keys = [token.key for token in parser.feed("\x1b2") if isinstance(token, events.Key)]
    assert keys == ["alt+2"]  # no wait for the escape delay
    assert _keys("\x1b1\x1b") == ["alt+1", "escape"]


def test_the_other_ways_alt_arrives_still_read_the_same() -> None:
    read_escape_digit_as_alt()
    assert _keys("\x1b[50;3u") == ["alt+2"]  # kitty's keyboard protocol
    assert _keys("\x1ba") == ["alt+a"]
    assert _keys("\x1b") == ["escape"]
    assert _keys("2") == ["2"]


def _focused_id(app: NetlabApp) -> str:
    return app.focused.id if app.focused is not None and app.focused.id else repr(app.focused)


def _footer(app: NetlabApp) -> list[str]:
    return app.query_one(KeysFooter).descriptions


async def _type(pilot: Pilot[None], text: str) -> None:
    """Characters as a terminal sends them: Pilot's press drops the character of `™`."""
    driver = pilot.app._driver
    assert driver is not None
    for character in text:
        driver.send_message(events.Key(_character_to_key(character), character))
        await pilot.pause()


async def test_the_app_starts_with_the_cursor_in_the_address_field() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        await pilot.press(*"192.168.1.3")
        assert app.view == "address"
        assert app.query_one("#address-input", Input).value == "192.168.1.3"


async def test_alt_digit_switches_from_inside_a_field() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        await pilot.press("1", "0")
        for digit, view, field in FIRST_FIELDS:
            await pilot.press(f"alt+{digit}")
            assert (app.view, _focused_id(app)) == (view, field)
        assert app.query_one("#address-input", Input).value == "10"


async def test_alt_digit_sent_as_a_character_switches_where_it_cannot_be_text() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        await _type(pilot, "™")  # macOS Option+2 without "Option as Meta"
        assert (app.view, _focused_id(app)) == ("lookup", "query")
        await _type(pilot, "³")  # xterm's eight-bit Alt+3
        assert app.view == "client"
        assert app.query_one("#address-input", Input).value == ""
        assert app.query_one("#query", Input).value == ""


async def test_in_a_message_those_characters_are_text() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        await pilot.press("alt+3")
        app.query_one("#client-message", Input).focus()
        await _type(pilot, "™£²")
        assert app.view == "client"
        assert app.query_one("#client-message", Input).value == "™£²"


async def test_digits_do_not_switch_views_from_buttons_selects_or_tables() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        await pilot.press("alt+4")
        for widget_id in ("servers-start", "servers-kind", "servers-table", "servers-log-pause"):
            app.query_one(f"#{widget_id}").focus()
            await pilot.press("2")
            assert app.view == "servers", widget_id


async def test_escape_stops_a_running_lookup_first_and_clears_what_was_not_its() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        lookup = app.query_one(LookupPane)
        table = lookup.query_one("#lookup-table", DataTable)
        await pilot.press("alt+2", *"localhost", "enter")
        await until(pilot, lambda: table.row_count > 0, "localhost to resolve")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
            silent.bind(("127.0.0.1", 0))  # a DNS server that never answers
            lookup.query_one("#kind", Select).value = "dns"
            await pilot.pause()
            lookup.query_one("#server", Input).value = "127.0.0.1:{}".format(
                *silent.getsockname()[1:]
            )
            lookup.query_one("#query", Input).focus()
            await pilot.press("enter")
            assert "Stop lookup" in _footer(app)
            await pilot.press("escape")
        assert _focused_id(app) == "query"  # the first Escape stopped the lookup
        assert "before it found anything" in str(
            lookup.query_one("#lookup-status", Static).render()
        )
        assert table.row_count == 0  # localhost's address is not passed off as the answer
        assert "Stop lookup" not in _footer(app)
        await pilot.press("escape")
        assert isinstance(app.focused, ViewTabs)


async def test_go_to_puts_the_cursor_on_any_field_in_two_keys() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        await pilot.press("alt+5", "ctrl+g")
        assert isinstance(app.screen, JumpScreen)
        assert app.screen.targets["m"].id == "client-message"
        assert app.screen.targets["t"].id == "servers-table"
        await pilot.press("t")
        assert not isinstance(app.screen, JumpScreen)
        assert _focused_id(app) == "servers-table"
        await pilot.press("ctrl+g", "escape")
        assert not isinstance(app.screen, JumpScreen)
        assert _focused_id(app) == "servers-table"


async def test_the_footer_shows_the_keys_that_work_where_the_cursor_is() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        await pilot.press("alt+3")
        assert "HEAD /" not in _footer(app)  # no session yet: nothing to send to
        assert {"Hex in", "Hex view"} <= set(_footer(app))
        await pilot.press("alt+4")
        assert "Stop server" not in _footer(app)
        app.lab.start_server("echo:0")
        await until(pilot, lambda: "Stop server" in _footer(app), "Ctrl+S in the footer")
        assert "Restart server" in _footer(app)
        await pilot.press("escape")
        assert "Views" in _footer(app) and "Open" in _footer(app)


async def test_at_80_columns_the_palettes_key_shows_whatever_else_must_go() -> None:
    app = NetlabApp()
    async with running(app, size=(80, 24)) as pilot:
        server = app.lab.start_server("echo:0")
        await pilot.press("alt+3")
        app.query_one("#client-endpoint", Input).value = f"127.0.0.1:{server.address[1]}"
        await pilot.press("enter")
        await until(pilot, lambda: "Disconnect" in _footer(app), "the session's keys")
        shown = _footer(app)
        assert shown[-1] == "palette"  # the one key that finds every action
        assert shown[0] == "Disconnect"  # the first keys of the cursor's place stay
        entries, palette = app.query_one(KeysFooter)._fitted()
        assert palette is not None  # and all of it in the line: nothing cropped
        assert sum(entry.width for entry, _ in entries) + palette.width + 1 <= 80
