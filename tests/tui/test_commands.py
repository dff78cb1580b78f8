"""The command palette starts servers and connects the client, by name."""

from __future__ import annotations

import time

from textual.pilot import Pilot

from netlab.tui.app import NetlabApp


async def _run_command(pilot: Pilot[None], words: str) -> None:
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*words)
    await pilot.pause(0.3)
    await pilot.press("enter")
    await pilot.pause()


async def _until(pilot: Pilot[None], condition: object, seconds: float = 5) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        await pilot.pause(0.05)
    return False


async def test_start_an_echo_server_then_connect_the_client_to_it() -> None:
    app = NetlabApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await _run_command(pilot, "Start a TCP echo server")
        assert await _until(pilot, lambda: len(app.lab.servers) == 1)
        [name] = app.lab.servers
        assert name.startswith("tcp/echo:")
        await _run_command(pilot, f"Connect the client to {name}")
        assert await _until(pilot, lambda: len(app.lab.sessions) == 1)
        assert app.view == "client"
