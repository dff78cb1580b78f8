"""Every key the README and F1 name, sent as a terminal sends it, read off the screen.

Alt+digit as ESC and the digit at once (tmux, xterm, VTE, Windows Terminal), and as
the character a Mac or xterm's eight-bit input sends (kitty's CSI u form is read at
the parser, in tests/tui/test_keys.py: tmux re-encodes it on the way in);
Escape then the digit with a person's pause between; text one byte at a time.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.e2e.terminal import (
    CTRL,
    ENTER,
    ESC,
    F1,
    LEFT,
    RIGHT,
    TAB,
    Terminal,
    alt,
    needs_tmux,
)

pytestmark = needs_tmux

TITLES = {
    "Address": "address",
    "Lookup": "lookup",
    "Client": "client",
    "Servers": "servers",
    "Client + Servers": "split",
    "Lessons": "lessons",
}
DIGITS = {
    "1": "address",
    "2": "lookup",
    "3": "client",
    "4": "servers",
    "5": "split",
    "6": "lessons",
}
AROUND = [*list(DIGITS.items())[1:], ("1", "address")]
"""Every view once, from the Address view the app starts in and back to it."""
TAB_BAR_FOOTER = "Views"
"""The tab bar's footer: `123456 Views  ⏎ Open`."""


def view_on(screen: str) -> str:
    """The view the header names: "netlab — Client + Servers"."""
    header = screen.partition("\n")[0]
    return TITLES.get(header.partition(" — ")[2].strip(), "none")


def _opened(term: Terminal, view: str) -> None:
    term.wait_for(lambda screen: view_on(screen) == view, f"the {view} view")


@pytest.fixture
def app(terminal: Callable[..., Terminal]) -> Terminal:
    term = terminal(120, 40)
    term.wait_for("^p palette", "the app")
    return term


def test_text_typed_at_once_goes_into_the_address_field(app: Terminal) -> None:
    app.type("192.168.1.3")
    app.wait_for("class C", "the address described")
    assert view_on(app.screen()) == "address"


def test_alt_digit_in_each_shape_terminals_send_it(app: Terminal) -> None:
    shapes: list[tuple[str, Callable[[str], bytes]]] = [
        ("ESC then the digit", alt),
        ("macOS Option without Meta", lambda digit: "¡™£¢∞§"[int(digit) - 1].encode()),
        ("xterm's eight-bit meta", lambda digit: chr(0x80 | ord(digit)).encode()),
    ]
    for _shape, keys in shapes:
        for digit, view in AROUND:
            app.send(keys(digit))
            _opened(app, view)
    # None of it was typed into a field on the way.
    assert "™" not in app.screen() and "²" not in app.screen()


def test_escape_then_a_digit_from_every_view(app: Terminal) -> None:
    for digit, view in AROUND:
        app.escape_then(digit)
        _opened(app, view)
        # The cursor is in the view's first field: what is typed next is text there.
        app.type("7")
        app.wait_for("7", "the digit typed into the field")
        assert view_on(app.screen()) == view
        app.send(b"\x7f")  # Backspace, leaving the field as it was


def test_escape_goes_to_the_tab_bar_and_arrows_look_through_views(app: Terminal) -> None:
    for digit, view in DIGITS.items():
        app.send(alt(digit))
        _opened(app, view)
        app.send(ESC)
        app.wait_for(TAB_BAR_FOOTER, f"the tab bar's keys, from {view}")
    app.send(alt("1"))
    _opened(app, "address")
    app.send(ESC)
    app.wait_for(TAB_BAR_FOOTER)
    app.send(RIGHT)
    _opened(app, "lookup")
    app.send(RIGHT)
    _opened(app, "client")
    app.send(LEFT)
    _opened(app, "lookup")
    app.send(ENTER)  # into the view: the cursor is in the name field
    app.type("localhost")
    app.send(ENTER)
    app.wait_for("Resolved address is", "the lookup")


def test_f1_help_ctrl_g_go_to_and_tab(app: Terminal) -> None:
    app.send(F1)
    help_text = "everything about it appears"  # the Address view's help
    app.wait_for(help_text, "the help")
    app.send(ESC)
    app.wait_for(lambda screen: help_text not in screen, "the help closed")
    app.send(CTRL["g"])
    app.wait_for("Go to: press", "the Go to labels")
    app.send(ESC)
    app.wait_for(lambda screen: "Go to: press" not in screen, "Go to cancelled")
    app.send(TAB)  # from the Address field to the examples
    app.send(ENTER)  # the first example
    app.wait_for("class C", "the example chosen")


def test_the_palette_starts_a_server_and_connects_the_client(app: Terminal) -> None:
    app.send(CTRL["p"])
    app.wait_for("Search for commands", "the palette")
    app.type("Start a TCP echo server")
    app.send(ENTER)
    app.wait_for("Started tcp/echo:", "the server")
    app.send(alt("5"))
    app.send(CTRL["p"])
    app.wait_for("Search for commands", "the palette")
    app.type("Connect the client to tcp/echo")
    app.send(ENTER)
    app.wait_for("connected to", "the connection")
    assert view_on(app.screen()) == "split"
    app.type("hi")
    app.send(ENTER)
    app.wait_for(lambda screen: screen.count("hi\\n") >= 3, "hi sent, echoed and logged")


def test_ctrl_n_on_a_server_connects_the_client_to_it(app: Terminal) -> None:
    app.send(alt("4"))
    _opened(app, "servers")
    app.send(ENTER)
    app.wait_for("Started tcp/echo:", "the server")
    app.send(CTRL["n"])  # byte 0x0e, as a terminal sends Ctrl+N
    app.wait_for("connected to", "the client's session")
    assert view_on(app.screen()) == "client"


def test_ctrl_q_quits_and_frees_what_it_started(app: Terminal) -> None:
    app.send(alt("4"))
    _opened(app, "servers")
    app.send(ENTER)
    app.wait_for("Started tcp/echo:", "the server")
    app.send(CTRL["q"])
    assert app.wait_for_exit() == 0
