"""What the Lookup pane looks like with results, with an error, and at 80x24.

Only lookups whose display never changes are shown: services from the services
table, localhost from /etc/hosts (its elapsed time pinned below a millisecond),
and input errors. Every lookup's worker is waited for before the screenshot.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select

from netlab.core import lookup
from netlab.tui.app import NetlabApp
from tests.waits import until

SnapCompare = Callable[..., bool]


@pytest.fixture
def steady_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Resolve as ever, but report it as taking 0.2 ms so the status line never changes."""
    real_resolve = lookup.resolve

    def resolve(*args: Any, **kwargs: Any) -> lookup.Resolved:
        return dataclasses.replace(real_resolve(*args, **kwargs), elapsed=0.0002)

    monkeypatch.setattr(lookup, "resolve", resolve)


async def _look_up(pilot: Pilot[None], kind: str, text: str, **fields: str) -> None:
    app = pilot.app
    app.query_one("#kind", Select).value = kind
    await pilot.pause()
    for name, value in fields.items():
        widget = app.query_one(f"#{name}")
        assert isinstance(widget, Input | Select)
        widget.value = value
    query = app.query_one("#query", Input)
    # A blinking cursor would be caught on or off at random.
    query.cursor_blink = False
    query.value = text
    query.cursor_position = len(text)
    query.focus()
    await pilot.press("enter")
    await app.workers.wait_for_complete()
    # The worker's result arrives as a message: wait until the table has taken it.
    # Under load the table can be painted once before its columns take their widths.
    table = app.query_one("#lookup-table", DataTable)

    def settled() -> bool:
        return not table.loading and all(
            column.content_width >= _widest(table, key) for key, column in table.columns.items()
        )

    await until(pilot, settled, "the table to take the result and its columns their widths")
    # A row painted before its column widened stays in the DataTable's render cache,
    # whose key does not change with the widths (Textual 8.2): drop the cache, paint again.
    table._clear_caches()
    table.refresh(layout=True)
    await pilot.pause()


def _widest(table: DataTable[Any], key: Any) -> int:
    """The width the column's cells ask for."""
    cells = [len(str(cell)) for cell in table.get_column(key)]
    return max(cells, default=0)


def test_service_to_port(snap_compare: SnapCompare) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.press("alt+2")
        await _look_up(pilot, "port", "tcp telnet")

    assert snap_compare(NetlabApp(), terminal_size=(100, 40), run_before=run_before)


def test_resolve_localhost_with_history(snap_compare: SnapCompare, steady_clock: None) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.press("alt+2")
        await _look_up(pilot, "service", "53", network="udp")
        await _look_up(pilot, "port", "tcp telnet")
        await _look_up(pilot, "resolve-ip4", "localhost")

    assert snap_compare(NetlabApp(), terminal_size=(100, 40), run_before=run_before)


def test_invalid_name_error(snap_compare: SnapCompare) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.press("alt+2")
        await _look_up(pilot, "resolve-ip", "bad name!")

    assert snap_compare(NetlabApp(), terminal_size=(100, 40), run_before=run_before)


def test_dns_fields_and_error_at_80x24(snap_compare: SnapCompare) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.press("alt+2")
        await _look_up(pilot, "service", "53", network="udp")
        # An input error, found before any server is asked.
        await _look_up(pilot, "dns", "bad name!", rdtype="MX", server="127.0.0.1:5353")

    assert snap_compare(NetlabApp(), terminal_size=(80, 24), run_before=run_before)
