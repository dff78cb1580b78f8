"""What the Address pane looks like: an IPv4 and an IPv6 address, an error, a split table,
a wildcard mask and a Teredo address with the IPv4 addresses inside it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from netlab.tui.app import NetlabApp

SIZE = (100, 40)


def _steady_cursors(pilot: Pilot[Any]) -> None:
    """A blinking cursor is on or off depending on timing: keep it on."""
    for text_input in pilot.app.query(Input):
        text_input.cursor_blink = False


def _typed(address: str, split: str = "") -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await pilot.pause()  # the app's first layout, as a person would see it
        await pilot.press("alt+1")  # into the address field
        _steady_cursors(pilot)
        pilot.app.query_one("#address-input", Input).value = address
        await pilot.press("end")  # no selection: the cursor after the text
        if split:
            await pilot.press("enter")  # to the split box
            pilot.app.query_one("#split-input", Input).value = split
            await pilot.press("end")
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()

    return run_before


@pytest.mark.parametrize(
    ("address", "split", "size"),
    [
        pytest.param("192.168.1.3/24", "", SIZE, id="ipv4"),
        pytest.param("FE80:CD00:0000:0CDE:1257:0000:211E:729C", "", SIZE, id="ipv6"),
        pytest.param("192.168.01.3", "", SIZE, id="error"),
        pytest.param("10.0.0.0/8", "/32", SIZE, id="split"),
        pytest.param("103.232.159.187 24 32", "", (80, 24), id="ipv4-80x24"),
        pytest.param("10.0.0.0/0.0.0.255", "", SIZE, id="wildcard"),
        pytest.param("2001:0:4136:e378:8000:63bf:3fff:fdd2", "", (160, 50), id="teredo-wide"),
    ],
)
def test_address_pane(snap_compare: Any, address: str, split: str, size: tuple[int, int]) -> None:
    assert snap_compare(NetlabApp(), terminal_size=size, run_before=_typed(address, split))


def test_address_pane_empty(snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await pilot.pause()
        _steady_cursors(pilot)

    assert snap_compare(NetlabApp(), terminal_size=SIZE, run_before=run_before)
