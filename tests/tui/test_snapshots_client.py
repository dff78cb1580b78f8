"""Snapshots of the Client pane: a chat with an echo server, and a refused connection.

The echo server listens on a fixed port (the first free one of its test's PORTS) so
the tab and the transcript read the same on every run; the clock is fixed and the client's own
ephemeral port is written as 50000 for the same reason.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from netlab.core.events import Event, Kind
from netlab.tui.app import NetlabApp
from netlab.tui.widgets.transcript import Transcript
from tests.loopback import first_free_port
from tests.waits import until

PORTS = {
    # Below the ephemeral range (32768 and up), and one list per test: tests run side
    # by side, and no other socket of theirs takes these.
    "120x40": (29891, 29892, 29893),
    "80x24": (29894, 29895, 29896),
    "refused": (29897, 29898, 29899),
}


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Transcript, "clock", lambda moment: datetime(2024, 5, 1, 12, 0, 7))


def steady_app() -> NetlabApp:
    """An app whose session events name a fixed local port."""
    app = NetlabApp()
    publish = app.lab.bus.publish

    def fixed(event: Event) -> None:
        if event.kind is Kind.CONNECTED:
            event = dataclasses.replace(event, detail="from 127.0.0.1:50000")
        publish(event)

    app.lab.bus.publish = fixed  # type: ignore[method-assign]
    return app


def lines(app: NetlabApp) -> Iterator[str]:
    for transcript in app.query(Transcript):
        for strip in transcript.lines:
            yield strip.text


def echoed(app: NetlabApp, count: int) -> bool:
    return sum("←" in line for line in lines(app)) >= count


async def chat(pilot: Pilot[None], port: int) -> None:
    app = pilot.app
    assert isinstance(app, NetlabApp)
    await pilot.press("alt+3")
    app.query_one("#client-endpoint", Input).value = f"127.0.0.1:{port}"
    await pilot.press("enter")
    await until(pilot, lambda: any("connected to" in line for line in lines(app)), "connect")
    messages = ["hello", "\x1b[31mred?\x1b[0m [bold]not bold[/bold]"]
    for count, message in enumerate(messages, start=1):
        app.query_one("#client-message", Input).value = message
        await pilot.press("enter")
        await until(pilot, functools.partial(echoed, app, count), "the echo")
    field = app.query_one("#client-message", Input)
    field.value = "typing while replies arrive"
    field.cursor_position = len(field.value)
    await steady_cursor(pilot, "#client-message")


async def steady_cursor(pilot: Pilot[None], where: str) -> None:
    """No blinking: the cursor shows in every snapshot, in the field `where`."""
    app = pilot.app
    for field in app.query(Input):
        field.cursor_blink = False
    await until(pilot, lambda: app.focused is app.query_one(where), f"the cursor in {where}")
    await pilot.pause()  # the repaint


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
def test_chat_with_an_echo_server(snap_compare: Callable[..., bool], size: tuple[int, int]) -> None:
    port = first_free_port(PORTS["{}x{}".format(*size)])
    app = steady_app()
    app.lab.start_server(f"echo:{port}")

    async def run_before(pilot: Pilot[None]) -> None:
        await chat(pilot, port)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


def test_refused_connection(snap_compare: Callable[..., bool]) -> None:
    port = first_free_port(PORTS["refused"])
    app = steady_app()

    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.press("alt+3")
        app.query_one("#client-endpoint", Input).value = f"127.0.0.1:{port}"
        await pilot.press("enter")
        await until(pilot, lambda: app.query_one("#client-status").has_class("error"), "error")
        await steady_cursor(pilot, "#client-endpoint")  # back where the address is typed

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)
