"""`netlab web`'s server: a page, its websocket, and an app behind each websocket.

The page and its script are textual-serve's (Textualize's terminal for Textual apps
in a browser: xterm.js and the web driver's protocol); the server is netlab's own on
aiohttp, for what a lab needs of it: the access rules of access.py on every request,
a cap on the apps it runs at once, a line on the terminal for each tab, and a stop
that ends every app it started (and so their labs, and their servers' ports) before
it returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import partial
from importlib import resources
from pathlib import Path

from aiohttp import WSMsgType, web

from netlab.core.plural import plural
from netlab.web.access import TOKEN_COOKIE, Access
from netlab.web.tab import WAITS, AppTab, Waits

MAX_TABS = 16
"""Apps run at once: each is an interpreter and a lab engine, some 100 MB together."""
MAX_MESSAGE = 64 * 1024
"""The largest message a page may send: keys typed or pasted, a resize."""
SIZE_RANGE = range(1, 1001)
"""Columns or rows a page may ask for."""
PAGE_HEADERS = {
    # Never inside another site's frame, where that site could steer the keys typed.
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
SHUTDOWN_WAIT = 2.0
"""Seconds aiohttp gives open requests once the apps have ended."""


@dataclass(frozen=True)
class WebEvent:
    """What happened, for netlab web's terminal: a line of text, and its facts for JSON."""

    event: str
    """listening, opened, closed, refused, failed or stopped."""
    text: str
    tab: int | None = None
    peer: str | None = None
    pid: int | None = None
    detail: str | None = None


Say = Callable[[WebEvent], None]


def _static_dir() -> Path:
    """textual-serve's page assets: its script (xterm.js and the protocol), CSS, fonts."""
    return Path(str(resources.files("textual_serve"))) / "static"


def _index_html() -> bytes:
    return resources.files("netlab.web").joinpath("index.html").read_bytes()


class WebLab:
    """Serves the netlab app to browsers, one app per websocket, until stop()."""

    def __init__(
        self,
        command: Sequence[str],
        access: Access,
        say: Say,
        *,
        max_tabs: int = MAX_TABS,
        waits: Waits = WAITS,
    ) -> None:
        self._command = list(command)
        self._waits = waits
        self._access = access
        self._say = say
        self._max_tabs = max_tabs
        self._tabs: dict[int, AppTab] = {}
        self._opened = 0
        self._stopping = asyncio.Event()
        self._index = _index_html()

    def application(self) -> web.Application:
        app = web.Application(middlewares=[self._guard], client_max_size=MAX_MESSAGE)
        app.router.add_get("/", self._handle_index)
        app.router.add_get("/ws", self._handle_websocket)
        app.router.add_static("/static", _static_dir())
        return app

    async def serve(self, sock: socket.socket) -> None:
        """Serve on a listening socket until stop(); then end every app before returning."""
        runner = web.AppRunner(
            self.application(),
            handle_signals=False,
            access_log=None,
            shutdown_timeout=SHUTDOWN_WAIT,
        )
        await runner.setup()
        try:
            await web.SockSite(runner, sock).start()
            await self._stopping.wait()
            await self.stop_tabs()
        finally:
            await runner.cleanup()

    def stop(self) -> None:
        self._stopping.set()

    @property
    def tabs(self) -> int:
        return len(self._tabs)

    async def stop_tabs(self) -> int:
        """End every app at once; how many there were."""
        tabs = list(self._tabs.values())
        await asyncio.gather(*(tab.stop() for tab in tabs))
        return len(tabs)

    @web.middleware
    async def _guard(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        refusal = self._access.refusal(
            host=request.host,
            origin=request.headers.get("Origin"),
            token=request.query.get("token"),
            cookie=request.cookies.get(TOKEN_COOKIE),
            websocket=request.path == "/ws",
        )
        if refusal is not None:
            self._say(
                WebEvent(
                    "refused",
                    f"refused {request.path} from {_peer_text(request)}: {refusal}",
                    peer=_peer(request),
                    detail=f"{request.path}: {refusal}",
                )
            )
            return web.Response(status=403, text=f"netlab web: {refusal}.\n")
        return await handler(request)

    async def _handle_index(self, request: web.Request) -> web.StreamResponse:
        if self._access.holds_token(request.query.get("token")):
            # The token becomes a cookie, and leaves the address bar (and the history).
            response = web.HTTPSeeOther("/")
            response.set_cookie(
                TOKEN_COOKIE, request.query["token"], httponly=True, samesite="Strict"
            )
            return response
        return web.Response(
            body=self._index, content_type="text/html", charset="utf-8", headers=PAGE_HEADERS
        )

    async def _handle_websocket(self, request: web.Request) -> web.StreamResponse:
        if self._stopping.is_set() or len(self._tabs) >= self._max_tabs:
            why = (
                "netlab web is stopping"
                if self._stopping.is_set()
                else f"{plural(self._max_tabs, 'app')} open, the most netlab web runs at once"
            )
            self._say(
                WebEvent(
                    "refused",
                    f"refused a tab from {_peer_text(request)}: {why}",
                    peer=_peer(request),
                    detail=why,
                )
            )
            return web.Response(status=503, text=f"netlab web: {why}: close a tab first.\n")
        websocket = web.WebSocketResponse(heartbeat=15, max_msg_size=MAX_MESSAGE)
        await websocket.prepare(request)
        self._opened += 1
        tab = AppTab(
            self._opened,
            self._command,
            _size(request.query.get("width"), 80),
            _size(request.query.get("height"), 24),
            self._waits,
        )
        self._tabs[tab.number] = tab
        peer = _peer(request)
        try:
            await tab.start()
            self._say(
                WebEvent(
                    "opened",
                    f"tab {tab.number} opened by {_peer_text(request)}: app {tab.pid}",
                    tab=tab.number,
                    peer=peer,
                    pid=tab.pid,
                )
            )
            relay = asyncio.create_task(
                tab.relay(websocket.send_bytes, websocket.close, partial(_drop, request))
            )
            try:
                await self._read_page(websocket, tab)
            finally:
                ending = await tab.stop()
                relay.cancel()  # it ends with the app; this, should the pipe outlive it
                with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                    await relay
                self._say(
                    WebEvent(
                        "closed",
                        f"tab {tab.number} closed: {ending}",
                        tab=tab.number,
                        peer=peer,
                        pid=tab.pid,
                        detail=ending,
                    )
                )
        except OSError as error:
            why = f"the app did not start ({error})"
            self._say(
                WebEvent("failed", f"tab {tab.number} failed: {why}", tab=tab.number, detail=why)
            )
        finally:
            del self._tabs[tab.number]
            await websocket.close()
        return websocket

    async def _read_page(self, websocket: web.WebSocketResponse, tab: AppTab) -> None:
        """The page's messages, to the app, until the page goes: keys, sizes, focus."""
        async for message in websocket:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                kind, *rest = json.loads(message.data)
            except (ValueError, TypeError):
                continue  # not the page's script: nothing to act on
            if kind == "stdin" and rest and isinstance(rest[0], str):
                await tab.type(rest[0])
            elif kind == "resize" and rest and isinstance(rest[0], dict):
                width = _size(rest[0].get("width"), 0)
                height = _size(rest[0].get("height"), 0)
                if width and height:
                    await tab.meta(type="resize", width=width, height=height)
            elif kind in ("focus", "blur"):
                await tab.meta(type=kind)
            elif kind == "ping" and rest:
                await websocket.send_json(["pong", rest[0]])


def _size(value: object, default: int) -> int:
    try:
        number = int(str(value))
    except ValueError:
        return default
    return number if number in SIZE_RANGE else default


def _drop(request: web.Request) -> None:
    """Cut a page's connection at once: a page not reading would not take a close frame."""
    if request.transport is not None:
        request.transport.abort()


def _peer(request: web.Request) -> str | None:
    """The page's host:port, as the lab's events write a peer."""
    peer = request.transport.get_extra_info("peername") if request.transport else None
    if not peer:
        return None
    host, port = peer[0], peer[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _peer_text(request: web.Request) -> str:
    return _peer(request) or "a peer gone already"
