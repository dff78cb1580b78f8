"""The keys each pane's F1 help names, typed as bytes into the installed netlab.

Peers nobody here wrote where there are some: Python's own http.server answers
HEAD; a socket that never answers stands in for a DNS server that is down.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest

from tests.e2e.terminal import CTRL, ENTER, ESC, Terminal, alt, needs_tmux

pytestmark = needs_tmux

UP, DOWN = b"\x1b[A", b"\x1b[B"


@pytest.fixture
def app(terminal: Callable[..., Terminal]) -> Terminal:
    term = terminal(120, 40)
    term.wait_for("^p palette", "the app")
    return term


@pytest.fixture
def http_server() -> Iterator[int]:
    """`python -m http.server` on 127.0.0.1, any free port; the port it took."""
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # "Serving HTTP on 127.0.0.1 port 41827 (...)"
        found = re.search(r"port (\d+)", line)
        assert found, line
        yield int(found.group(1))
    finally:
        process.kill()
        process.wait(timeout=5)


def _palette(term: Terminal, command: str) -> None:
    term.send(CTRL["p"])
    term.wait_for("Search for commands", "the palette")
    term.type(command)
    term.send(ENTER)


def test_client_keys_head_timestamp_hex_input_and_history(app: Terminal, http_server: int) -> None:
    _palette(app, "Start a TCP timestamp server")
    app.wait_for("Started tcp/timestamp:", "the timestamp server")
    app.send(alt("3"))  # its address is in the field: Enter connects
    app.wait_for("is listening: Enter", "the address filled in")
    app.send(ENTER)
    app.wait_for("connected to", "the connection")
    app.send(CTRL["t"])  # timestamp: Unix seconds come back
    app.wait_for(lambda screen: re.search(r"← .*\b\d{10}\\n", screen), "Unix seconds")
    app.send(CTRL["x"])  # hex input: "timestamp\n" as bytes
    app.wait_for("hex bytes, no framing", "hex input on")
    app.type("74 69 6d 65 73 74 61 6d 70 0a")
    app.send(ENTER)
    app.wait_for(lambda screen: len(re.findall(r"\b\d{10}\\n", screen)) >= 2, "a second reply")
    app.send(UP)  # the line sent comes back for editing
    app.wait_for("74 69 6d 65 73 74 61 6d 70 0a", "the line recalled")
    app.send(DOWN)
    app.send(CTRL["x"])
    app.wait_for("LF framing", "hex input off")

    # HEAD / to a web server netlab did not write, in a second session.
    app.send(CTRL["g"])
    app.wait_for("Go to: press", "the Go to labels")
    app.send(b"a")  # the address field
    app.type(f"127.0.0.1:{http_server}")
    app.send(ENTER)
    app.wait_for("client-2 is connected", "the second session")
    app.send(CTRL["r"])
    app.wait_for("HTTP/1.0 200", "the web server's status line")
    app.wait_for("closed by the peer", "the web server closing")


def test_servers_keys_restart_pause_and_follow(app: Terminal) -> None:
    app.send(alt("4"))
    app.wait_for("idle s", "the Servers view")
    app.send(ENTER)
    screen = app.wait_for(lambda s: re.search(r"Started (tcp/echo:\d+)", s), "the server")
    name = re.search(r"Started (tcp/echo:\d+)", screen).group(1)  # type: ignore[union-attr]
    app.send(CTRL["r"])  # from the form: the selected server, wherever the cursor is
    app.wait_for(f"Restarted {name}", "the restart")
    app.send(CTRL["g"])
    app.wait_for("Go to: press")
    app.send(b"i")  # the faults field
    app.type("delay=10ms")
    app.send(CTRL["f"])  # 0x06: the field's faults, set on the selected server as it runs
    app.wait_for(f"{name}: faults delay=10ms", "the faults set")
    app.send(CTRL["g"])
    app.wait_for("Go to: press")
    app.send(b"l")  # the log
    app.wait_for("Pause/resume log", "the log's keys in the footer")
    app.send(b"p")
    app.wait_for("paused", "the log paused")
    app.send(b"p")
    app.wait_for(lambda screen: "paused" not in screen, "the log resumed")
    app.send(b"f")
    app.send(CTRL["s"])
    app.wait_for(f"Stopped {name}", "the stop")


def test_address_keys_turn_the_pages_of_a_split(app: Terminal) -> None:
    app.type("10.0.0.0/8")
    app.wait_for("16,777,214", "the network's hosts")
    in_address = app.cursor()
    app.send(ENTER)  # on to the split box, where the cursor is seen to go
    app.wait_for_cursor_to_leave(in_address, "for the split box")
    app.type("/24")
    app.wait_for("subnets 1–50 of 65,536", "the first page")
    app.send(ENTER)  # into the table, whose keys the footer then shows
    app.wait_for("Next page", "the table's keys in the footer")
    app.send(b"]")
    app.wait_for("subnets 51–100 of 65,536", "the next page")
    app.send(b"}")
    app.wait_for("subnets 65,501–65,536 of 65,536", "the last page")
    app.send(b"{")
    app.wait_for("subnets 1–50 of 65,536", "the first page again")
    app.send(CTRL["n"])  # 0x0e: the highlighted subnet's first host, to the Client
    app.wait_for("Type the port after 10.0.0.1's colon", "the Client's address field filled")


def test_escape_stops_a_lookup_first_then_leaves_the_view(app: Terminal) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))  # a DNS server that never answers
        app.send(alt("2"))
        app.wait_for("History", "the Lookup view")
        app.send(CTRL["g"])
        app.wait_for("Go to: press")
        app.send(b"k")  # the kind of lookup
        app.send(ENTER)
        app.wait_for("Canonical name", "the list of lookups open")
        for _ in range(6):  # down to "DNS record"
            app.send(DOWN)
        app.send(ENTER)
        app.wait_for("Records from a DNS server", "the DNS fields")
        app.send(CTRL["g"])
        app.wait_for("Go to: press")
        app.send(b"s")  # the server field
        app.type("127.0.0.1:{}".format(*silent.getsockname()[1:]))
        app.send(CTRL["g"])
        app.wait_for("Go to: press")
        app.send(b"q")
        app.type("example.test")
        app.send(ENTER)
        app.wait_for("Stop lookup", "Escape offered to stop it")
        app.send(ESC)
        app.wait_for("before it found anything", "the lookup stopped")
        app.send(ESC)
        app.wait_for("123456 Views", "the tab bar")


def test_a_lesson_is_run_with_enter_at_80x24_and_its_server_is_in_the_servers_view(
    terminal: Callable[..., Terminal],
) -> None:
    term = terminal(80, 24)
    term.wait_for("^p palette", "the app")
    term.escape_then("6")
    term.wait_for("1. IP.go", "the Lessons view on its first lesson")
    for _ in range(10):  # down to 11, DaytimeServer.go, as a person presses ↓
        term.send(DOWN)
    term.wait_for("11. DaytimeServer.go", "the daytime lesson")
    term.send(ENTER)
    term.wait_for("closed by the peer", "the lesson run: the time, then the server's close")
    term.send(alt("4"))
    term.wait_for("tcp/daytime", "the lesson's server in the Servers view")
