"""The command palette: every view and every action of every pane, by name."""

from __future__ import annotations

from textual.command import CommandInput, CommandList, CommandPalette
from textual.pilot import Pilot
from textual.widgets import Input

from netlab.tui.app import NetlabApp
from netlab.tui.panes.address import AddressPane
from netlab.tui.panes.base import Pane
from netlab.tui.widgets.eventlog import EventLog
from tests.tui.running import running
from tests.waits import until


async def _run_command(pilot: Pilot[None], words: str) -> None:
    """Ctrl+P, the words (put in whole: tests/e2e types them key by key), Enter."""
    await pilot.press("ctrl+p")
    palette = pilot.app.screen
    assert isinstance(palette, CommandPalette)
    palette.query_one(CommandInput).value = words
    found = palette.query_one(CommandList)

    def first_is_it() -> bool:
        # The search runs in the background: its hits replace the list shown first.
        if not found.option_count:
            return False
        prompt = found.get_option_at_index(0).prompt
        return words.lower() in getattr(prompt, "plain", str(prompt)).lower()

    await until(pilot, first_is_it, f"the command {words!r} first in the list")
    await pilot.press("enter")
    await pilot.pause()


async def test_start_an_echo_server_then_connect_the_client_to_it() -> None:
    app = NetlabApp()
    async with running(app, size=(120, 40)) as pilot:
        await _run_command(pilot, "Start a TCP echo server")
        await until(pilot, lambda: len(app.lab.servers) == 1, "a server")
        [name] = app.lab.servers
        assert name.startswith("tcp/echo:")
        await _run_command(pilot, f"Connect the client to {name}")
        await until(pilot, lambda: len(app.lab.sessions) == 1, "a client session")
        assert app.view == "client"
        # The cursor is on the message line, in view: what is typed goes to the server.
        await until(
            pilot,
            lambda: app.focused is app.query_one("#client-message"),
            "the message field to have focus",
        )
        await pilot.press(*"hi", "enter")
        [server] = app.lab.servers.values()
        await until(pilot, lambda: server.messages_in == 1, "the server to take the message")


async def test_connecting_from_the_split_view_stays_in_it() -> None:
    app = NetlabApp()
    async with running(app, size=(120, 40)) as pilot:
        [name] = [app.lab.start_server("echo:0").name]
        await pilot.press("alt+5")
        await _run_command(pilot, f"Connect the client to {name}")
        await until(pilot, lambda: len(app.lab.sessions) == 1, "a client session")
        assert app.view == "split"
        await until(
            pilot,
            lambda: app.focused is app.query_one("#client-message"),
            "the message field to have focus",
        )


async def test_every_action_of_the_panes_is_in_the_palette() -> None:
    app = NetlabApp()
    async with running(app, size=(120, 40)) as pilot:
        server = app.lab.start_server("echo:0", faults="drop=0.5")
        await pilot.press("alt+5")
        await _run_command(pilot, f"Connect the client to {server.name}")
        await until(pilot, lambda: len(app.lab.sessions) == 1, "a client session")
        titles = [command.title for pane in app.query(Pane) for command in pane.commands()]
        for wanted in (
            f"Stop server {server.name}",
            f"Restart server {server.name}",
            f"Set faults on {server.name} (from the faults field)",
            f"Clear faults on {server.name}",
            "Disconnect client-1",
            "Clear the transcript of client-1",
            "Clear the server log",
            "Pause the server log",
            "Client: show data as a hex dump",
            "Client: type messages as hex bytes",
            "Send HEAD / to client-1",
            "Save client-1's session as a recording…",
        ):
            assert wanted in titles, wanted
        await _run_command(pilot, "Pause the server log")
        assert app.query_one(EventLog).paused
        await _run_command(pilot, f"Clear faults on {server.name}")
        await until(pilot, lambda: app.lab.servers[server.name].faults is None, "no faults")
        await _run_command(pilot, f"Stop server {server.name}")
        await until(pilot, lambda: not app.lab.servers, "the servers to stop")


async def test_the_address_pane_offers_its_pages_and_clearing() -> None:
    app = NetlabApp()
    async with running(app, size=(120, 40)) as pilot:
        await pilot.press(*"10.0.0.0/8")
        app.query_one("#split-input", Input).value = "/24"
        await pilot.pause()
        pane = app.query_one(AddressPane)
        titles = [command.title for command in pane.commands()]
        assert "Subnets: next page of 10.0.0.0/8 into /24" in titles
        assert "Clear the address" in titles
        await _run_command(pilot, "Subnets: last page")
        assert "65,536" in pane.page_label and pane.page_offset > 0
        await _run_command(pilot, "Clear the address")
        assert app.query_one("#address-input", Input).value == ""
        assert app.focused is app.query_one("#address-input")
