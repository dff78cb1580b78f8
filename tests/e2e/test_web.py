"""`netlab web` in headless Chromium: the key scenario typed on the page, each tab's lab
its own or, attached, one lab for all, and Ctrl-C ending every app and freeing ports.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.cli.test_cli_sockets import Serve
from tests.e2e.browser import Tab, chromium, needs_browser
from tests.waits import wait_until
from tests.web.running import WebServer, process_gone

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = needs_browser

VIEWS = ("Address", "Lookup", "Client", "Servers")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as running:
        yield running


@pytest.fixture
def web() -> Iterator[Callable[..., WebServer]]:
    """Start `netlab web` with these arguments; every one started is ended after."""
    started: list[WebServer] = []

    def start(*args: str) -> WebServer:
        server = WebServer(*args)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def tabs(browser: Browser) -> Iterator[Callable[..., list[Tab]]]:
    """Open tabs on a URL, their apps starting side by side; every one is closed after."""
    opened: list[Tab] = []

    def open_tabs(url: str, count: int = 1) -> list[Tab]:
        new = [Tab(browser, url) for _ in range(count)]
        opened.extend(new)
        return [tab.ready() for tab in new]

    yield open_tabs
    for tab in opened:
        tab.close()


def _start_echo_server(tab: Tab) -> int:
    """Alt+4, Enter: the Servers view's form starts an echo server; its port."""
    tab.press("Alt+4")
    tab.wait_for("idle s", "the Servers view's form")
    tab.press("Enter")
    screen = tab.wait_for(lambda s: re.search(r"tcp/echo:(\d+)", s), "the server in the table")
    return int(re.search(r"tcp/echo:(\d+)", screen).group(1))  # type: ignore[union-attr]


def _refused(port: int) -> bool:
    """Whether nothing listens on 127.0.0.1:port any more."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


def test_the_key_scenario_in_a_browser_a_lab_per_tab_and_ctrl_c_ends_it_all(
    web: Callable[..., WebServer], tabs: Callable[..., list[Tab]]
) -> None:
    server = web()
    (tab,) = tabs(server.url)
    tab.wait_for(lambda s: all(view in s for view in VIEWS), "the four views' names")
    opened = server.wait_for(r"tab 1 opened by 127\.0\.0\.1:\d+: app \d+", "the tab's app")
    app_pid = int(opened.rsplit(" ", 1)[1])

    # The README's tour: Alt+4, Enter; Alt+5, Enter; hello, Enter.
    port = _start_echo_server(tab)
    tab.press("Alt+5")
    tab.wait_for(f"127.0.0.1:{port}", "the server's address in the Client's field")
    tab.press("Enter")
    tab.wait_for("connected to", "the connection")
    tab.type("hello")
    tab.press("Enter")
    story = [" accepted ", " received ", " sent ", "6 bytes"]

    def whole_story(screen: str) -> bool:
        text = " ".join(screen.split())
        return all(part in text for part in story) and text.count("hello\\n") >= 4

    # Sent and echoed in the transcript, received and sent in the server's log.
    screen = tab.wait_for(whole_story, "hello back, and the server's log of it")
    assert re.search(r"received \S*127\.0\.0\.1:\d+ 6 bytes", " ".join(screen.split())), screen
    assert not tab.errors

    # A smaller window: the page's terminal shrinks to about 80x24, and the app with it.
    tab.page.set_viewport_size({"width": 740, "height": 470})
    wait_until(lambda: tab.size()[0] < 90 and tab.size()[1] < 26, what="the terminal to shrink")
    columns, rows = tab.size()

    def redrawn(screen: str) -> bool:
        lines = screen.splitlines()  # the tab bar's rule spans the new width, no more
        return len(lines) == rows and len(lines[2].rstrip()) == columns

    tab.wait_for(redrawn, f"the app redrawn at {columns}x{rows}")

    # Another tab: an app and a lab of its own, without the first tab's server.
    (other,) = tabs(server.url)
    other.press("Alt+4")
    assert f"tcp/echo:{port}" not in other.wait_for("idle s", "the other tab's Servers view")
    server.wait_for(r"tab 2 opened", "the other tab's app")

    # Ctrl-C at netlab web's terminal: the app, its lab and the echo server's port go.
    assert server.stop() == 0, server.output
    assert "2 apps ended with it" in server.output, server.output
    assert "tab 1 closed: the app ended" in server.output, server.output
    wait_until(lambda: process_gone(app_pid), what="the tab's app to end")
    wait_until(lambda: _refused(port), what=f"port {port} to be free")


@pytest.fixture
def served_lab(tmp_path: Path) -> Iterator[tuple[str, int]]:
    """`netlab serve echo:0 --control PATH`, as a teacher runs it: the path, the port."""
    path = str(tmp_path / "lab.sock")
    lab = Serve("echo:0", options=("--control", path))
    try:
        lab.wait_for(f"lab control at {path}", timeout=10)
        yield path, int(lab.addresses["tcp/echo"].rsplit(":", 1)[1])
    finally:
        lab.stop()


def test_attached_every_tab_shows_the_one_lab_and_its_log(
    web: Callable[..., WebServer],
    tabs: Callable[..., list[Tab]],
    served_lab: tuple[str, int],
) -> None:
    path, port = served_lab
    server = web("--attach", path)
    room = tabs(server.url, 2)
    for tab in room:
        tab.press("Alt+4")
        tab.wait_for(f"tcp/echo:{port}", "the served lab's echo server")
    with socket.create_connection(("127.0.0.1", port), timeout=5) as peer:
        peer.sendall(b"from the room\n")
        assert peer.recv(100) == b"from the room\n"
    for tab in room:
        tab.wait_for("from the room", "the message in the shared log")
    # Ctrl-C ends the apps, not the lab: it is `netlab serve`'s.
    assert server.stop() == 0, server.output
    assert "goes on" in server.output, server.output
    with socket.create_connection(("127.0.0.1", port), timeout=5):
        pass
