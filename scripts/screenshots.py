"""Save the README's screenshots from the app itself: `.venv/bin/python scripts/screenshots.py`.

Each view is driven the way a person would drive it (keys and typing) against real
servers on 127.0.0.1, then saved as SVG into screenshots/.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.pilot import Pilot

from netlab.tui.app import NetlabApp

OUT = Path(__file__).resolve().parent.parent / "screenshots"
SIZE = (120, 36)


async def _settle(pilot: Pilot[None], seconds: float = 0.5) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause(seconds)


async def address(pilot: Pilot[None]) -> None:
    await pilot.press(*"192.168.1.3/24")  # the app starts with the cursor in the field
    await _settle(pilot)


async def lookup(pilot: Pilot[None]) -> None:
    await pilot.press("alt+2", *"localhost", "enter")
    await _settle(pilot)


async def _chat(pilot: Pilot[None]) -> None:
    """The README's tour: Alt+4, Enter, Alt+5, Enter, then a few lines."""
    app = pilot.app
    assert isinstance(app, NetlabApp)
    await pilot.press("alt+4", "enter")
    await _until(pilot, lambda: bool(app.lab.servers))
    await pilot.press("alt+5")
    await _settle(pilot, 0.3)
    await pilot.press("enter")
    await _until(pilot, lambda: bool(app.lab.sessions))
    for line in ("hello", "is anybody there?", "netlab speaks echo"):
        await pilot.press(*line, "enter")
        await _settle(pilot, 0.3)
    await _settle(pilot)


async def _until(pilot: Pilot[None], check: Callable[[], bool]) -> None:
    for _ in range(100):  # at most 5 s
        if check():
            return
        await pilot.pause(0.05)
    raise TimeoutError("the app did not get there in 5 s")


async def split(pilot: Pilot[None]) -> None:
    await _chat(pilot)


async def client(pilot: Pilot[None]) -> None:
    await _chat(pilot)
    await pilot.press("alt+3")
    await _settle(pilot)


async def servers(pilot: Pilot[None]) -> None:
    app = pilot.app
    assert isinstance(app, NetlabApp)
    await _chat(pilot)
    app.lab.start_server("udp:daytime:0")
    await pilot.press("alt+4")
    await _settle(pilot)


async def lessons(pilot: Pilot[None]) -> None:
    """SimpleEchoServer.go's lesson, run: the second client waits for the first to leave."""
    app = pilot.app
    await pilot.press("alt+6", *["down"] * 11, "enter")
    await _until(pilot, lambda: "B  second" in str(app.query_one("#lessons-text").render()))
    await _settle(pilot)


VIEWS: dict[str, Callable[[Pilot[None]], Awaitable[None]]] = {
    "address": address,
    "lookup": lookup,
    "client": client,
    "servers": servers,
    "split": split,
    "lessons": lessons,
}


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name, drive in VIEWS.items():
        app = NetlabApp()
        async with app.run_test(size=SIZE) as pilot:
            for _ in range(250):  # at most 5 s: the panes are built just after the first frame
                if app.panes_built:
                    break
                await pilot.pause(0.02)
            await drive(pilot)
            app.save_screenshot(f"{name}.svg", str(OUT))
        print(OUT / f"{name}.svg")


if __name__ == "__main__":
    asyncio.run(main())
