"""netlab web's tabs against apps and pages nobody polite wrote.

The server runs here, in the test's event loop, with short waits; behind each tab is a
small program speaking the web driver's framing (tests/web/fake_apps.py) instead of the
netlab app, so each misbehaviour is certain: an app that floods, one that will not
quit, one that dies at start. The pages are aiohttp clients, and one raw socket that
never reads.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import AsyncIterator, Sequence

import aiohttp
import pytest

from netlab.web.access import Access
from netlab.web.server import WebEvent, WebLab
from netlab.web.tab import Waits
from tests.waits import loop_until
from tests.web import fake_apps

SHORT = Waits(write=0.5, quit=0.5, kill=0.5)


@contextlib.asynccontextmanager
async def serving(
    command: Sequence[str], **options: object
) -> AsyncIterator[tuple[WebLab, int, list[WebEvent]]]:
    """A WebLab on 127.0.0.1, its port, and what it said; stopped (bounded) after."""
    said: list[WebEvent] = []
    lab = WebLab(command, Access(), said.append, waits=SHORT, **options)  # type: ignore[arg-type]
    sock = socket.create_server(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    serving = asyncio.create_task(lab.serve(sock))
    try:
        yield lab, port, said
    finally:
        lab.stop()
        await asyncio.wait_for(serving, 10)


def _keys_held_back(lab: WebLab) -> bool:
    """Whether keys wait in netlab web for an app's full pipe: its insides, as no page
    could tell this from a slow app."""
    [tab] = lab._tabs.values()
    process = tab._process
    assert process is not None and process.stdin is not None
    return process.stdin.transport.get_write_buffer_size() > 0


def _events(said: list[WebEvent], kind: str) -> list[WebEvent]:
    return [event for event in said if event.event == kind]


async def _get(port: int) -> int:
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/") as got:
        return got.status


@contextlib.asynccontextmanager
async def tab_page(port: int) -> AsyncIterator[aiohttp.ClientWebSocketResponse]:
    """A page's websocket to a tab, from the server's own origin."""
    url = f"ws://127.0.0.1:{port}/ws?width=80&height=24"
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(url, headers={"Origin": f"http://127.0.0.1:{port}"}) as page,
    ):
        yield page


async def test_keys_reach_the_app_and_its_quit_closes_the_page() -> None:
    async with serving(fake_apps.command("echo")) as (lab, port, said), tab_page(port) as page:
        await page.send_json(["stdin", "hello \x1b[A é"])
        message = await page.receive(timeout=5)
        assert message.data == "hello \x1b[A é".encode()  # the bytes a terminal sends
        lab.stop()
        closing = await page.receive(timeout=5)  # the app said exit: the page is closed
        assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    assert [event.detail for event in _events(said, "closed")] == ["the app ended"]


async def test_what_a_page_sends_that_is_not_the_protocol_is_passed_over() -> None:
    async with serving(fake_apps.command("echo")) as (_, port, said), tab_page(port) as page:
        for junk in ("not json", "[]", '["stdin", 7]', '["resize", {"width": -1}]', "{}"):
            await page.send_str(junk)
        await page.send_bytes(b"\x00\xff binary")
        await page.send_json(["stdin", "still here"])
        message = await page.receive(timeout=5)
        assert message.data == b"still here"
    assert not _events(said, "failed")


async def test_a_page_that_never_reads_is_let_go_and_wedges_nothing() -> None:
    async with serving(fake_apps.command("flood")) as (_, port, said):
        page = socket.socket()
        page.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        page.setblocking(False)
        try:
            await asyncio.get_running_loop().sock_connect(page, ("127.0.0.1", port))
            page.send(fake_apps.websocket_request(port))  # and then never a recv
            started = time.monotonic()
            await loop_until(lambda: _events(said, "closed"), timeout=10, what="the tab let go")
            assert time.monotonic() - started < 5
            [closed] = _events(said, "closed")
            assert closed.detail is not None
            assert "the page read nothing for 0.5 s" in closed.detail
            assert await _get(port) == 200  # the server went on serving throughout
        finally:
            page.close()


async def test_an_app_that_will_not_quit_is_killed_in_bounded_time() -> None:
    async with serving(fake_apps.command("stubborn")) as (lab, port, said), tab_page(port) as page:
        await loop_until(lambda: _events(said, "opened"), timeout=5, what="the tab")
        for _ in range(20):  # keys it never reads: its pipe fills, and the quit cannot go in
            await page.send_json(["stdin", "x" * 60_000])
        await loop_until(lambda: _keys_held_back(lab), timeout=5, what="its stdin pipe full")
        started = time.monotonic()
        assert await lab.stop_tabs() == 1
        assert time.monotonic() - started < 3  # the quit, SIGTERM, SIGKILL: 0.5 s each
    [closed] = _events(said, "closed")
    assert closed.detail == "the app ended with signal 9"


async def test_an_app_that_dies_at_start_says_why_on_the_terminal() -> None:
    async with serving(fake_apps.command("dies")) as (_, port, said):
        async with tab_page(port) as page:
            closing = await page.receive(timeout=5)
            assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        await loop_until(lambda: _events(said, "closed"), timeout=5, what="the tab closed")
    [closed] = _events(said, "closed")
    # Its last words as the lab shows bytes: the escape written out, never obeyed.
    assert closed.detail == "the app ended with status 3: no terminal for you\\x1b[2J"


async def test_past_the_cap_a_tab_is_refused_with_why() -> None:
    async with serving(fake_apps.command("echo"), max_tabs=1) as (_, port, said), tab_page(port):
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            async with tab_page(port):
                pass
        assert refused.value.status == 503
    [refusal] = _events(said, "refused")
    assert refusal.detail == "1 app open, the most netlab web runs at once"
