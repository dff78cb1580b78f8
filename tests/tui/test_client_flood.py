"""The Client pane under a flood and at end of input: it says what it did not keep,
saves every byte received, and half-closes when asked."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from netlab.tui.app import NetlabApp
from netlab.tui.widgets import transcript as transcript_module
from tests.peers import Peer, answers_at_end_of_input, flood_then_half_close, numbered
from tests.tui.running import running
from tests.tui.test_client_pane import (
    SIZE,
    connect,
    connect_soon,
    received,
    send,
    shown,
    status_text,
    until,
)

KEPT = 40
"""The transcript's cap in these tests: a flood of a few hundred reads passes it."""
LINES = 8_000  # 800 KB in about two hundred reads


async def run_command(app: NetlabApp, title: str) -> None:
    """What Ctrl+P then Enter on `title` runs: the pane's own command."""
    pane = app.query_one("#client")
    [command] = [c for c in pane.commands() if c.title.startswith(title)]  # type: ignore[attr-defined]
    command.run()


async def test_a_flood_is_counted_on_screen_and_saved_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(transcript_module, "MAX_ENTRIES", KEPT)
    app = NetlabApp()
    with Peer(flood_then_half_close(LINES)) as peer:
        async with running(app, size=SIZE) as pilot:
            await pilot.press("alt+3")
            await connect_soon(pilot, peer.endpoint)
            await until(pilot, lambda: app.query("#transcript-client-1"), "the session's tab")
            transcript = app.query_one("#transcript-client-1")
            await until(pilot, lambda: "closed by the peer" in shown(app), "the flood to end")
            assert transcript.forgotten > 0  # type: ignore[attr-defined]
            assert len(transcript.entries) == KEPT  # type: ignore[attr-defined]
            title = str(app.query_one("#client-message").border_title)
            assert "earlier entries" in title and "not kept here" in title
            assert "Ctrl+P, Save" in title
            await run_command(app, "Save everything client-1 received")
            await until(pilot, lambda: "Saved" in status_text(app), "the save, off the UI thread")
            assert "Saved the 800,000 bytes client-1 received to " in status_text(app)
    [saved] = os.listdir(tmp_path)
    assert (tmp_path / saved).read_bytes() == b"".join(numbered(n) for n in range(LINES))


async def test_half_close_lets_the_server_answer_at_end_of_input() -> None:
    app = NetlabApp()
    with Peer(answers_at_end_of_input) as peer:
        async with running(app, size=SIZE) as pilot:
            await pilot.press("alt+3")
            await connect(pilot, peer.endpoint)
            await send(pilot, "hello")
            await until(pilot, lambda: "→" in shown(app), "the line to go")
            await run_command(app, "Half-close client-1")
            await until(pilot, lambda: received(app, "got 6 bytes"), "the answer")
            assert "half-closed: we sent FIN" in shown(app)
            await until(pilot, lambda: "closed by the peer" in shown(app), "the close")


async def test_the_time_servers_four_bytes_are_read_as_the_date() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        server = app.lab.start_server("time:0")
        await pilot.press("alt+3")
        await connect(pilot, f"127.0.0.1:{server.address[1]}")
        await until(pilot, lambda: "closed by the peer" in shown(app), "the time and the close")
        assert "netlab reads it as RFC 868 time: " in shown(app)


async def test_replies_are_read_as_the_protocol_chosen_from_the_palette() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        server = app.lab.start_server("timestamp:0")
        await pilot.press("alt+3")
        await connect(pilot, f"127.0.0.1:{server.address[1]}")
        await send(pilot, "timestamp")
        await until(pilot, lambda: "←" in shown(app), "the first answer")
        assert "netlab reads it as" not in shown(app)  # a port of no known protocol
        await run_command(app, "Read client-1's replies as the timestamp server's answers")
        assert "read as the timestamp server's answers from now on" in status_text(app)
        await send(pilot, "timestamp")
        await until(pilot, lambda: "netlab reads it as Unix time: " in shown(app), "the reading")
