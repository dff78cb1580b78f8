"""`netlab web` through the real entry point, on loopback only: its refusals, its page,
its token, and an app behind a websocket that Ctrl-C ends with the command.

Browsers are not needed: the page is plain HTTP, and a tab is a websocket that the app
draws into. Starting `netlab web` is cheap; each tab starts an app, which is not, so
only two tests open one.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import io
import json
import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from netlab.cli import main
from tests.cli.run import netlab
from tests.cli.schema import check_schema
from tests.waits import wait_until
from tests.web.running import WebServer, process_gone

APP_START = 15.0
"""Seconds an app may take to draw its first screen (some 1.5 s on a quiet machine)."""


def get(
    port: int, path: str = "/", headers: dict[str, str] | None = None
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """One GET on 127.0.0.1, redirects not followed: the status, headers and body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def one_line(result: subprocess.CompletedProcess[str], status: int) -> str:
    """The one line a refused start says, after checking it refused as a person sees it."""
    assert result.returncode == status, result
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [result.stderr.strip()], result.stderr
    assert result.stderr.startswith("netlab web: ")
    return result.stderr.strip()


async def first_drawing(websocket: aiohttp.ClientWebSocketResponse) -> bytes:
    """The first bytes the app draws into its tab, within APP_START seconds."""
    deadline = time.monotonic() + APP_START
    for _ in range(1000):
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            message = await websocket.receive(timeout=left)
        except TimeoutError:
            break
        if message.type is aiohttp.WSMsgType.BINARY:
            return bytes(message.data)
        if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
            pytest.fail(f"the tab closed before the app drew anything: {message}")
    pytest.fail(f"the app drew nothing within {APP_START:g} s")


async def read_until_closed(websocket: aiohttp.ClientWebSocketResponse) -> None:
    """Read as a browser does, so the server's close is answered, not waited out."""
    deadline = time.monotonic() + 15
    for _ in range(100_000):
        left = deadline - time.monotonic()
        if left <= 0 or websocket.closed:
            return
        with contextlib.suppress(TimeoutError):
            message = await websocket.receive(timeout=left)
            if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                return


@pytest.fixture(scope="module")
def web() -> Iterator[WebServer]:
    """One server for the tests that only ask it for pages: none of them opens a tab."""
    server = WebServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def web_token() -> Iterator[WebServer]:
    server = WebServer("--token")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def test_a_taken_port_is_one_line_and_exit_1(taken_port: int) -> None:
    line = one_line(netlab("web", "--port", str(taken_port)), 1)
    assert f"127.0.0.1:{taken_port}" in line  # what was wrong
    assert "--port 0" in line  # what to do


def test_another_host_without_a_token_is_refused_before_anything_listens(
    taken_port: int,
) -> None:
    """Given a taken port, a bind would fail on the port: the line is about the token,
    so the refusal came before any bind."""
    started = time.monotonic()
    line = one_line(netlab("web", "--host", "0.0.0.0", "--port", str(taken_port), timeout=10), 2)
    assert time.monotonic() - started < 5  # it does not serve, not even for a moment
    assert "0.0.0.0" in line and "--token" in line
    assert "127.0.0.1" in line  # or stay on loopback


def test_a_port_out_of_range_is_one_line_and_exit_2() -> None:
    line = one_line(netlab("web", "--port", "70000"), 2)
    assert "70000" in line and "0 to 65535" in line


def test_attach_where_no_lab_answers_is_one_line_and_exit_1() -> None:
    line = one_line(netlab("web", "--attach", "/nonexistent/path"), 1)
    assert "/nonexistent/path" in line
    assert "netlab serve" in line and "--control /nonexistent/path" in line  # how to start one


def test_the_page_is_served_with_its_terminal(web: WebServer) -> None:
    assert web.url == f"http://127.0.0.1:{web.port}/"
    status, headers, body = get(web.port)
    assert status == 200
    assert headers.get_content_type() == "text/html"
    assert b"textual-terminal" in body
    assert headers["X-Frame-Options"] == "DENY"  # no other site may frame it and steer keys


def test_the_readme_shows_its_first_lines_as_printed(web: WebServer) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## In a browser") :]
    shown = section[section.index("$ netlab web\n") :].splitlines()[1:4]
    printed = [line.replace(f":{web.port}/", ":8000/") for line in web.lines[:3]]
    assert printed == shown


def test_the_pages_script_is_served(web: WebServer) -> None:
    status, _, body = get(web.port, "/static/js/textual.js")
    assert status == 200
    assert body


def test_a_request_naming_another_host_is_refused_and_logged(web: WebServer) -> None:
    status, _, body = get(web.port, headers={"Host": "evil.example"})
    assert status == 403
    assert b"evil.example" in body
    assert "evil.example" in web.wait_for("refused / from 127.0.0.1:")


async def test_a_websocket_from_another_sites_page_is_refused(web: WebServer) -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await session.ws_connect(web.ws_url(), headers={"Origin": "http://evil.example"})
    assert refused.value.status == 403
    line = await asyncio.to_thread(web.wait_for, "refused /ws from 127.0.0.1:")
    assert "evil.example" in line
    assert not web.app_pids()  # no app was started for it


def test_the_token_is_in_the_url_printed(web_token: WebServer) -> None:
    assert web_token.token
    assert web_token.url == f"http://127.0.0.1:{web_token.port}/?token={web_token.token}"


@pytest.mark.parametrize("path", ["/", "/?token=wrong"])
def test_with_a_token_a_request_without_it_is_refused(web_token: WebServer, path: str) -> None:
    status, _, body = get(web_token.port, path)
    assert status == 403
    assert b"token" in body


def test_the_right_token_becomes_a_cookie_that_opens_the_page(web_token: WebServer) -> None:
    status, headers, _ = get(web_token.port, f"/?token={web_token.token}")
    assert status == 303
    assert headers["Location"] == "/"  # the token leaves the address bar
    cookie = SimpleCookie(headers["Set-Cookie"])["netlab-web-token"]
    assert cookie.value == web_token.token
    assert cookie["httponly"] is True  # the page's scripts cannot read it
    assert cookie["samesite"] == "Strict"  # other sites' requests do not carry it
    status, headers, body = get(
        web_token.port, headers={"Cookie": f"netlab-web-token={cookie.value}"}
    )
    assert status == 200
    assert b"textual-terminal" in body


def test_json_starts_with_the_listening_event_and_ends_with_stopped() -> None:
    server = WebServer("--json")
    try:
        event = json.loads(server.first)
        assert event["event"] == "listening"
        assert event["url"] == f"http://127.0.0.1:{server.port}/"
        check_schema(event)
        # Serving, so Ctrl-C is netlab web's to handle: see the xfail test below.
        assert get(server.port)[0] == 200
        assert server.stop() == 0
        stopped = json.loads(server.wait_for('"stopped"'))
        check_schema(stopped)
        assert stopped["detail"] == "no app was open"
    finally:
        server.stop()


class CtrlCAfterTheUrl(io.StringIO):
    """Standard output where Ctrl-C comes the moment the URL to open is written."""

    def write(self, text: str) -> int:
        written = super().write(text)
        if "http://" in text:
            os.kill(os.getpid(), signal.SIGINT)
        return written


@pytest.mark.timeout(10)  # were that Ctrl-C lost, it would serve here until the timeout
def test_ctrl_c_as_soon_as_the_url_is_printed_stops_as_it_does_later() -> None:
    """A script that reads the URL and then stops netlab web must see the stop it sees
    later. In a child process the Ctrl-C lands in that window about half the time; here,
    in this process, it comes as the URL is written, every time."""
    out = CtrlCAfterTheUrl()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        status = main(["web", "--port", "0"])
    assert status == 0
    assert "netlab web: stopped" in out.getvalue()


@pytest.mark.timeout(10)
def test_off_loopback_it_says_who_can_drive_the_lab_and_prints_the_token_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As if 127.0.0.1 were another address: the tests never listen off loopback."""
    from netlab.web import access

    monkeypatch.setattr(access, "is_loopback", lambda host: False)
    out, err = CtrlCAfterTheUrl(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(["web", "--port", "0", "--token"])
    assert status == 0
    [url] = re.findall(r"http://\S+", out.getvalue())  # once, and only here
    token = parse_qs(urlsplit(url).query)["token"][0]
    assert len(token) >= 20
    warning = err.getvalue()
    assert "anyone who can reach 127.0.0.1" in warning and "drive this lab" in warning
    assert token not in warning


async def test_a_tab_gets_an_app_that_draws_and_its_close_ends_it() -> None:
    server = WebServer()
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(server.ws_url(), headers={"Origin": server.origin}) as tab,
        ):
            drawn = await first_drawing(tab)
            assert b"\x1b[" in drawn  # terminal output, not a message about it
            opened = await asyncio.to_thread(server.wait_for, "tab 1 opened by 127.0.0.1:")
        closed = await asyncio.to_thread(server.wait_for, "tab 1 closed")
        assert "the app ended" in closed
        assert process_gone(int(opened.rsplit(" ", 1)[1]))
        server.process.send_signal(signal.SIGINT)
        assert await asyncio.to_thread(server.process.wait, 5) == 0
        assert "no app was open" in server.wait_for("netlab web: stopped")
    finally:
        server.stop()


async def test_ctrl_c_with_a_tab_open_ends_its_app_and_exits_0() -> None:
    server = WebServer()
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(server.ws_url(), headers={"Origin": server.origin}) as tab,
        ):
            await first_drawing(tab)
            opened = await asyncio.to_thread(server.wait_for, "tab 1 opened by 127.0.0.1:")
            server.process.send_signal(signal.SIGINT)
            reading = asyncio.create_task(read_until_closed(tab))
            assert await asyncio.to_thread(server.process.wait, 10) == 0
            await reading
        assert "1 app ended with it" in server.wait_for("netlab web: stopped")
        assert any(line.startswith("tab 1 closed") for line in server.lines)
        pid = int(opened.rsplit(" ", 1)[1])
        wait_until(lambda: process_gone(pid), timeout=5, what=f"the app's process {pid} to end")
        assert server.process.stderr is not None
        assert "Traceback" not in server.process.stderr.read()
    finally:
        server.stop()
