"""Ctrl+L, Ctrl+O and Ctrl+N hand an address or a name on: to the Lookup view (look it
up, ping it) or to the Client's address field. Only loopback is ever looked up."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select

from netlab.tui.app import NetlabApp
from netlab.tui.panes.address import AddressPane
from netlab.tui.panes.handoff import Target
from netlab.tui.panes.lookup import LookupPane
from netlab.tui.widgets.footer import KeysFooter
from netlab.tui.widgets.subnettable import SubnetTable
from tests.tui.running import running
from tests.waits import until

SIZE = (100, 40)


async def _type_address(pilot: Pilot[None], text: str) -> None:
    app = pilot.app
    field = app.query_one("#address-input", Input)
    app.screen.set_focus(field)
    field.value = text
    await pilot.pause()


async def _answered(pilot: Pilot[None]) -> list[str]:
    """Once the lookup under way is done: the rows' last cells (the answers)."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    table = pilot.app.query_one("#lookup-table", DataTable)
    return [str(table.get_row_at(row)[-1]) for row in range(table.row_count)]


def _form(app: NetlabApp) -> tuple[object, str]:
    return app.query_one("#kind", Select).value, app.query_one("#query", Input).value


async def test_ctrl_n_puts_the_address_or_a_subnets_first_host_in_the_client_field() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        await _type_address(pilot, "10.1.2.3/8")
        assert {"Look up", "Ping", "To Client"} <= set(app.query_one(KeysFooter).descriptions)
        app.query_one("#split-input", Input).value = "/24"
        await pilot.pause()
        app.screen.set_focus(app.query_one(SubnetTable))
        await pilot.press("down")  # 10.0.1.0/24
        assert app.query_one(AddressPane).target() == Target("10.0.1.1")

        await _type_address(pilot, "10.1.2.3/8")  # the cursor back in the address field
        titles = [command.title for command in app.query_one(AddressPane).commands()]
        assert {"Look up 10.1.2.3", "Ping 10.1.2.3"} <= set(titles)
        await pilot.press("ctrl+n")
        endpoint = app.query_one("#client-endpoint", Input)
        await until(pilot, lambda: app.view == "client", "the Client view")
        # Up to the colon, the cursor after it: the port is the person's to type.
        assert endpoint.value == "10.1.2.3:"
        assert app.focused is endpoint
        assert endpoint.cursor_position == len(endpoint.value)
        assert not app.lab.sessions  # nothing connects until Enter


async def test_an_address_is_looked_up_and_its_answers_looked_up_and_pinged() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        await _type_address(pilot, "127.0.0.1")
        await pilot.press("ctrl+l")  # an address: a reverse lookup
        await until(pilot, lambda: app.view == "lookup", "the Lookup view")
        assert _form(app) == ("reverse", "127.0.0.1")
        names = await _answered(pilot)
        assert names, "127.0.0.1 has a name in /etc/hosts"

        await pilot.press("ctrl+l")  # a name: resolved
        assert _form(app) == ("resolve-ip", names[0])
        addresses = await _answered(pilot)
        assert addresses

        await pilot.press("ctrl+o")
        assert _form(app) == ("ping", addresses[0])
        await _answered(pilot)  # a reply, or a line saying ping is not permitted here
        history = [query.label().plain.split() for query in app.query_one(LookupPane).history]
        assert history[0] == ["Ping", addresses[0]]


async def test_with_nothing_to_act_on_a_key_says_what_is_needed_and_does_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = NetlabApp()
    said: list[str] = []
    async with running(app, size=SIZE) as pilot:
        monkeypatch.setattr(app, "notify", lambda message, **options: said.append(message))
        await pilot.press("ctrl+l")  # the address field is empty
        await _type_address(pilot, "10.0.0.300")
        await pilot.press("ctrl+o")
        await pilot.press("alt+2")
        await pilot.press("ctrl+n")  # no lookup yet
        await pilot.pause()
        assert said == [
            "Nothing to look up: type an address first.",
            "Nothing to ping: the address has an error; correct it first.",
            "Nothing to put in the Client: no answer shown; look something up first.",
        ]
        assert app.view == "lookup"
        assert _form(app) == ("resolve-ip", "")
        assert not app.query_one(LookupPane).history
        assert app.query_one("#client-endpoint", Input).value == ""
