"""The README's tour of the key scenario, typed word for word into the installed netlab.

At 120x40 with Alt+digit as terminals send it (ESC and the digit at once), and at
80x24 the way that needs no modifier (Escape, a pause, the digit). Then the split
view's log is read off the screen: every line whole, at both sizes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.terminal import CTRL, ENTER, ESC, Terminal, alt, needs_tmux

README = Path(__file__).resolve().parents[2] / "README.md"
TOUR_KEYS = ["Alt+4", "Escape", "4", "Enter", "Alt+5", "Escape", "5", "Enter", "Enter"]
"""The keys the tour names, in order; the tests below press exactly these."""
DIVIDER = "▏"
"""The line between Client and Servers in the split view."""

pytestmark = needs_tmux


def _tour() -> str:
    readme = README.read_text(encoding="utf-8")
    start = readme.index("**Chat with an echo server and watch its log**")
    return readme[start : readme.index("![Client and Servers side by side", start)]


def test_the_tour_in_the_readme_names_the_keys_these_tests_press() -> None:
    assert re.findall(r"\*\*(.+?)\*\*", _tour())[1:] == TOUR_KEYS


def _go(term: Terminal, digit: str, how: str) -> None:
    """Step 1's and 2's "Press Alt+N (or Escape, then N)", one way or the other."""
    if how == "alt":
        term.send(alt(digit))
    else:
        term.escape_then(digit)


def _client_side(screen: str) -> str:
    """The left half of the split view."""
    return "\n".join(line.partition(DIVIDER)[0] for line in screen.splitlines() if DIVIDER in line)


def _servers_side(screen: str) -> str:
    """The right half of the split view: the text after the divider, line by line."""
    return "\n".join(line.partition(DIVIDER)[2] for line in screen.splitlines() if DIVIDER in line)


@pytest.mark.parametrize(("width", "height", "how"), [(120, 40, "alt"), (80, 24, "escape")])
def test_the_readme_tour_typed_as_written(
    terminal: Callable[..., Terminal], width: int, height: int, how: str
) -> None:
    term = terminal(width, height)
    term.wait_for("^p palette", "the app")

    # 1. Alt+4 (or Escape, then 4): the form, the cursor in its port field. Enter.
    _go(term, "4", how)
    term.wait_for("idle s", "the Servers view")
    term.send(ENTER)
    screen = term.wait_for(lambda s: re.search(r"tcp/echo:(\d+)", s), "the server in the table")
    port = re.search(r"tcp/echo:(\d+)", screen).group(1)  # type: ignore[union-attr]
    where = f"127.0.0.1:{port}"

    # 2. Alt+5 (or Escape, then 5): the address is in the Client's field. Enter.
    _go(term, "5", how)
    term.wait_for(lambda s: where in _client_side(s), f"{where} in the Client's address field")
    term.send(ENTER)
    term.wait_for("connected to", "the connection")

    # 3. The cursor is on the message line: hello, Enter.
    term.type("hello")
    term.send(ENTER)
    story = [" accepted ", " received ", " sent ", "6 bytes", "hello\\n"]

    def whole_story(screen: str) -> bool:
        log = " ".join(_servers_side(screen).split())
        return all(part in log for part in story) and log.count("hello\\n") >= 2

    screen = term.wait_for(whole_story, "the server's log of the exchange")
    log = " ".join(_servers_side(screen).split())
    # Each event keeps its peer, its byte count and its data, however narrow the log.
    assert re.search(r"received \S*127\.0\.0\.1:\d+ 6 bytes hello\\n", log), log
    assert re.search(r"sent \S*127\.0\.0\.1:\d+ 6 bytes hello\\n", log), log
    transcript = _client_side(screen)
    assert transcript.count("hello\\n") == 2, transcript  # sent, and echoed back

    # Beyond the tour, keys the footer and F1 name: hex view, disconnect, stop, quit.
    term.send(CTRL["o"])
    term.wait_for(lambda s: "68 65 6c 6c" in s and "6f 0a" in s, "the hex view")
    term.send(CTRL["d"])
    term.wait_for("closed", "the session closed")
    term.send(CTRL["l"])  # 0x0c: the connection's timeline, both ends
    term.wait_for("client: TIME_WAIT", "the kernel's TIME_WAIT on the client, which closed first")
    term.send(ESC)
    term.wait_for(lambda s: "client: TIME_WAIT" not in s, "the timeline closed")
    term.send(CTRL["g"])
    term.wait_for("Go to: press", "the Go to labels")
    term.send(b"t")  # the servers table
    term.wait_for("Stop server", "the table's keys in the footer")
    term.send(CTRL["s"])
    term.wait_for(f"Stopped tcp/echo:{port}", "the server stopped")
    term.send(CTRL["q"])
    assert term.wait_for_exit() == 0
