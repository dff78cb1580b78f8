"""The Client pane against real servers on loopback: echo, a hostile peer, HTTP, UDP."""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static, TabbedContent
from textual.worker import Worker

from netlab.core.engine.process import EngineLab
from netlab.core.recording import load_recording
from netlab.tui.app import NetlabApp
from netlab.tui.panes.client import ClientPane, HistoryInput
from netlab.tui.widgets.transcript import Transcript
from tests import waits
from tests.tui.running import running

SIZE = (120, 40)
WAIT = 5.0


def app_with_an_engine() -> NetlabApp:
    """The app as `netlab` runs it: its servers and sessions in an engine process."""
    return NetlabApp(lab=EngineLab())


EITHER_LAB = pytest.mark.parametrize(
    "make_app", [NetlabApp, app_with_an_engine], ids=["lab-here", "lab-engine"]
)
"""For what must work the same whether the sessions run in the app or in its engine:
quitting with a session open. The engine's session commands (send, half-close, save,
forget, a flood paced without loss) are tested in tests/core/test_engine_sessions.py,
and the key scenario through the engine by the tmux suite, which drives the installed
`netlab`: each app test run through an engine costs seconds of CI."""


async def until(pilot: Pilot[None], check: Callable[[], object], what: str) -> None:
    """Let the app run until `check()` is true; after WAIT seconds, fail showing the screen."""

    def on_screen() -> str:
        app = pilot.app
        assert isinstance(app, NetlabApp)
        texts = {t.session: shown(app, t.session) for t in app.query(Transcript)}
        return f"{status_text(app)!r} {texts}"

    await waits.until(pilot, check, what, WAIT, context=on_screen)


def transcript(app: NetlabApp, name: str = "client-1") -> Transcript:
    return app.query_one(f"#transcript-{name}", Transcript)


def shown(app: NetlabApp, name: str = "client-1") -> str:
    """The transcript's text as on screen."""
    found = app.query(f"#transcript-{name}")
    if not found:
        return ""
    return "\n".join(strip.text for strip in transcript(app, name).lines)


def status(app: NetlabApp) -> Static:
    return app.query_one("#client-status", Static)


def status_text(app: NetlabApp) -> str:
    return str(status(app).render())


async def connect(
    pilot: Pilot[None], endpoint: str, *, transport: str = "tcp", name: str = "client-1"
) -> None:
    app = pilot.app
    assert isinstance(app, NetlabApp)
    app.query_one("#client-transport", Select).value = transport
    app.query_one("#client-endpoint", Input).value = endpoint
    app.query_one("#client-endpoint").focus()
    await pilot.press("enter")
    await until(pilot, lambda: "connected to" in shown(app, name), f"{name} to connect")


async def connect_soon(pilot: Pilot[None], endpoint: str) -> None:
    """Type the address and press Enter, without waiting for the connection."""
    app = pilot.app
    app.query_one("#client-endpoint", Input).value = endpoint
    app.query_one("#client-endpoint").focus()
    await pilot.press("enter")


async def send(pilot: Pilot[None], text: str) -> None:
    field = pilot.app.query_one("#client-message", HistoryInput)
    field.focus()
    field.value = text
    await pilot.press("enter")


def received(app: NetlabApp, text: str, name: str = "client-1") -> bool:
    return any("←" in line and text in line for line in shown(app, name).splitlines())


@pytest.fixture
def hostile_peer() -> Iterator[int]:
    """A TCP server that greets every client with escape sequences and Rich markup."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    stop = threading.Event()

    def serve() -> None:
        conns = []
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            conn.sendall(b"\x1b[31mRED\x1b[0m [bold]not bold[/bold] \x07\n")
            conns.append(conn)
        for conn in conns:
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(2)
    listener.close()


@pytest.fixture
def http_server() -> Iterator[int]:
    class Handler(BaseHTTPRequestHandler):
        def do_HEAD(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()
    thread.join(2)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_echo_server_answers_hello_in_the_transcript() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        server = app.lab.start_server("echo:0")
        await pilot.press("alt+3")
        assert app.focused is app.query_one("#client-endpoint")
        await connect(pilot, f"127.0.0.1:{server.address[1]}")
        assert app.focused is app.query_one("#client-message")
        await pilot.press(*"hello", "enter")
        await until(pilot, lambda: received(app, "hello"), "the echo")
        lines = shown(app).splitlines()
        sent = next(line for line in lines if "→" in line)
        assert "6 B" in sent and "hello\\n" in sent
        assert re.search(r"\d\d:\d\d:\d\d", sent)
        tab = app.query_one(TabbedContent).get_tab("session-client-1")
        assert str(tab.label) == "client-1"  # short: where it goes is on the message line
        title = str(app.query_one("#client-message").border_title)
        assert f"to client-1 at 127.0.0.1:{server.address[1]}" in title


async def test_ctrl_s_saves_the_session_as_a_recording_the_palette_replays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # where the pane saves, as it saves received bytes
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        server = app.lab.start_server("echo:0")
        await pilot.press("alt+3")
        await connect(pilot, f"127.0.0.1:{server.address[1]}")
        await pilot.press(*"hello", "enter")
        await until(pilot, lambda: received(app, "hello"), "the echo")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "as a recording" in status_text(app), "the recording")
        [saved] = tmp_path.glob("*.rec")
        [exchange] = load_recording(saved).exchanges
        assert exchange.sent == b"hello\n" and exchange.expect.data == b"hello\n"
        pane = app.query_one(ClientPane)
        [replay] = [c for c in pane.commands() if c.title.startswith("Replay a recording")]
        replay.run()
        await until(
            pilot, lambda: "1 reply, every one as recorded" in status_text(app), "the replay"
        )


@pytest.fixture
def big_datagram_peer() -> Iterator[int]:
    """A UDP peer that answers one datagram with 6,000 bytes: more than an event keeps."""
    peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    peer.bind(("127.0.0.1", 0))
    peer.settimeout(10)

    def answer() -> None:
        with contextlib.suppress(OSError):
            _, sender = peer.recvfrom(100)
            peer.sendto(b"y" * 6000, sender)

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    try:
        yield int(peer.getsockname()[1])
    finally:
        peer.close()
        thread.join(10)


async def test_a_recording_of_a_message_over_4_kib_says_what_it_did_not_keep(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, big_datagram_peer: int
) -> None:
    monkeypatch.chdir(tmp_path)
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        await pilot.press("alt+3")
        await connect(pilot, f"127.0.0.1:{big_datagram_peer}", transport="udp")
        await pilot.press(*"hi", "enter")
        await until(pilot, lambda: "6,000 B" in shown(app) or "6000 B" in shown(app), "the reply")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "as a recording" in status_text(app), "the recording")
        assert "1 message over 4,096 bytes kept only its start" in status_text(app)
        [saved] = tmp_path.glob("*.rec")
        assert "1,904 more bytes of this message were not kept" in saved.read_text()


async def test_escapes_and_markup_from_the_peer_are_shown_literally(hostile_peer: int) -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        await pilot.press("alt+3")
        await connect(pilot, f"127.0.0.1:{hostile_peer}")
        await until(pilot, lambda: received(app, "RED"), "the greeting")
        text = shown(app)
        assert "\\x1b[31mRED\\x1b[0m [bold]not bold[/bold] \\x07\\n" in text
        line = next(line for line in transcript(app).lines if "RED" in line.text)
        data = [segment for segment in line if "bold" in segment.text]
        assert data and not any(segment.style and segment.style.bold for segment in data)


async def test_head_request_shows_the_http_status(http_server: int) -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        await pilot.press("alt+3")
        await connect(pilot, f"127.0.0.1:{http_server}")
        await pilot.press("ctrl+r")
        await until(pilot, lambda: "HTTP/1.0 200" in shown(app), "the HTTP reply")
        assert "HEAD / HTTP/1.0\\r\\n" in shown(app)
        await until(pilot, lambda: "closed by the peer" in shown(app), "the server to close")
        tab = app.query_one(TabbedContent).get_tab("session-client-1")
        assert str(tab.label).startswith("✕ client-1")


async def test_udp_daytime_replies_with_the_time() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        server = app.lab.start_server("udp:daytime:0")
        await pilot.press("alt+3")
        await connect(pilot, f"127.0.0.1:{server.address[1]}", transport="udp")
        assert " udp" in str(app.query_one(TabbedContent).get_tab("session-client-1").label)
        await send(pilot, "anything")
        pattern = re.compile(r"←.*\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
        await until(pilot, lambda: pattern.search(shown(app)), "the time")


async def test_timestamp_quick_action() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        server = app.lab.start_server("timestamp:0")
        await pilot.press("alt+3")
        await connect(pilot, f"127.0.0.1:{server.address[1]}")
        await pilot.press("ctrl+t")
        await until(pilot, lambda: re.search(r"←.*\b\d{10}\\n", shown(app)), "Unix seconds")


async def test_quick_actions_without_a_session_say_what_to_connect_to() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        await pilot.press("alt+3")
        pane = app.query_one(ClientPane)
        pane.action_head()
        assert status_text(app) == "Connect to a web server first, such as 127.0.0.1:80."
        pane.action_timestamp()
        assert status_text(app) == "Connect to a timestamp server first."
        assert status(app).has_class("error")


async def test_refused_connection_shows_one_error_line_and_the_app_goes_on() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        await pilot.press("alt+3")
        app.query_one("#client-endpoint", Input).value = f"127.0.0.1:{closed_port()}"
        await pilot.press("enter")
        await until(pilot, lambda: status(app).has_class("error"), "the error")
        assert "refused" in status_text(app)
        assert len(status_text(app).splitlines()) == 1
        assert not app.query(Transcript)
        # Still alive: a good connection works afterwards, and the failed one used no number.
        server = app.lab.start_server("echo:0")
        await connect(pilot, f"127.0.0.1:{server.address[1]}", name="client-1")
        assert not status(app).has_class("error")


async def test_bad_endpoint_shows_its_error() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        await pilot.press("alt+3")
        app.query_one("#client-endpoint", Input).value = "localhost:99999"
        await pilot.press("enter")
        await until(pilot, lambda: status(app).has_class("error"), "the error")
        assert "99999 is out of range" in status_text(app)
        await send(pilot, "hi")
        assert "Connect first" in status_text(app)


async def test_history_recalls_earlier_lines() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        server = app.lab.start_server("echo:0")
        await pilot.press("alt+3")
        await connect(pilot, f"127.0.0.1:{server.address[1]}")
        await send(pilot, "first")
        await send(pilot, "second")
        field = app.query_one("#client-message", HistoryInput)
        await pilot.press(*"draft")
        await pilot.press("up")
        assert field.value == "second"
        await pilot.press("up", "up")
        assert field.value == "first"
        await pilot.press("down")
        assert field.value == "second"
        await pilot.press("down")
        assert field.value == "draft"
        await until(pilot, lambda: received(app, "second"), "the echoes")


async def test_two_sessions_in_two_tabs_and_closing_one_leaves_the_other() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        server = app.lab.start_server("echo:0")
        endpoint = f"127.0.0.1:{server.address[1]}"
        await pilot.press("alt+3")
        await connect(pilot, endpoint)
        await connect(pilot, endpoint, name="client-2")
        tabs = app.query_one("#client-sessions", TabbedContent)
        assert tabs.tab_count == 2
        assert tabs.active == "session-client-2"
        await send(pilot, "to-two")
        await until(pilot, lambda: received(app, "to-two", "client-2"), "client-2's echo")
        tabs.active = "session-client-1"
        await pilot.pause()
        await send(pilot, "to-one")
        await until(pilot, lambda: received(app, "to-one"), "client-1's echo")
        assert "to-one" not in shown(app, "client-2")
        assert "to-two" not in shown(app)

        await pilot.press("ctrl+d")  # closes client-1, its tab stays
        await until(pilot, lambda: "closed (disconnected)" in shown(app), "client-1 to close")
        assert app.lab.sessions["client-2"].state == "connected"
        assert tabs.tab_count == 2
        await pilot.press("ctrl+d")  # on a closed session: closes the tab
        await until(pilot, lambda: tabs.tab_count == 1, "the tab to go")
        assert tabs.active == "session-client-2"
        await send(pilot, "still")
        await until(pilot, lambda: received(app, "still", "client-2"), "client-2 to go on")


async def test_hex_view_and_hex_input() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        server = app.lab.start_server("echo:0")
        await pilot.press("alt+3")
        await connect(pilot, f"127.0.0.1:{server.address[1]}")
        await send(pilot, "hello")
        await until(pilot, lambda: received(app, "hello"), "the echo")
        await pilot.press("ctrl+o")
        await until(pilot, lambda: "68 65 6c 6c 6f 0a" in shown(app), "the hex dump")
        assert "hello\\n" not in shown(app)
        await pilot.press("ctrl+o", "ctrl+x")
        await send(pilot, "68 69 0a")
        await until(pilot, lambda: received(app, "hi\\n"), "the hex bytes echoed")
        await send(pilot, "zz")
        assert "not hex" in status_text(app)
        assert app.query_one("#client-message", HistoryInput).value == "zz"
        # The error is about that line: once the line changes, it goes.
        app.query_one("#client-message", HistoryInput).value = ""
        await pilot.pause()
        assert "not hex" not in status_text(app)


def _gated(app: NetlabApp) -> threading.Event:
    """Hold every connect until the returned event is set: a slow network, made here."""
    gate = threading.Event()
    open_session = app.lab.open_session

    def slow(*args: Any, **options: Any) -> Any:
        gate.wait(WAIT)
        return open_session(*args, **options)

    app.lab.open_session = slow  # type: ignore[method-assign]
    return gate


async def test_what_is_typed_while_connecting_is_sent_once_connected() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        server = app.lab.start_server("echo:0")
        gate = _gated(app)
        await pilot.press("alt+3")
        await connect_soon(pilot, f"127.0.0.1:{server.address[1]}")
        assert app.focused is app.query_one("#client-message")  # at once, not once open
        await pilot.press(*"hello", "enter")
        assert "sent once it is connected" in status_text(app)
        gate.set()
        await until(pilot, lambda: received(app, "hello"), "the held line, sent and echoed")
        assert server.messages_in == 1


async def test_what_is_typed_for_a_failed_connect_comes_back() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        gate = _gated(app)
        await pilot.press("alt+3")
        await connect_soon(pilot, f"127.0.0.1:{closed_port()}")
        await pilot.press(*"hello", "enter")
        gate.set()
        await until(pilot, lambda: status(app).has_class("error"), "the refusal")
        assert "Not sent: 1 line, back on the message line" in status_text(app)
        assert app.query_one("#client-message", HistoryInput).value == "hello"
        assert app.focused is app.query_one("#client-endpoint")


async def test_many_sessions_keep_the_one_in_front_in_view() -> None:
    app = NetlabApp()
    async with running(app, size=(80, 24)) as pilot:
        server = app.lab.start_server("echo:0")
        await pilot.press("alt+5")
        for number in range(1, 7):
            await connect(pilot, f"127.0.0.1:{server.address[1]}", name=f"client-{number}")
        tabs = app.query_one(TabbedContent)
        assert tabs.active == "session-client-6"

        def newest_in_view() -> bool:
            bar = tabs.query_one("#tabs-scroll").region
            return bar.contains_region(tabs.get_tab("session-client-6").region)

        # The bar scrolls once the new tab is laid out (after a refresh): wait, bounded.
        await until(pilot, newest_in_view, "the bar to scroll client-6's tab into view")


@EITHER_LAB
async def test_quitting_with_a_session_open_is_prompt(make_app: Callable[[], NetlabApp]) -> None:
    app = make_app()
    async with running(app, size=SIZE) as pilot:
        server = app.lab.start_server("echo:0")
        await pilot.press("alt+3")
        await connect(pilot, f"127.0.0.1:{server.address[1]}")
        session = app.lab.sessions["client-1"]
        started = time.monotonic()
        await pilot.press("ctrl+q")
    assert time.monotonic() - started < 3
    assert session.state == "closed"


def test_pane_is_the_client_pane() -> None:
    assert ClientPane.PANE_ID == "client"
    assert "GetHeadInfo" in ClientPane.HELP and "UDPDaytimeClient" in ClientPane.HELP


async def test_a_new_server_fills_in_the_address_unless_one_was_typed() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        server = app.lab.start_server("echo:0")
        field = app.query_one("#client-endpoint", Input)
        where = f"127.0.0.1:{server.address[1]}"
        await until(pilot, lambda: field.value == where, "the address filled in")
        # What a person typed stays: the next server does not replace it.
        field.value = "127.0.0.1:7"
        app.lab.start_server("echo:0")  # its listening event is on the bus on return
        # Once the app has drained the bus, the panes have been shown that event.
        await until(pilot, lambda: len(app.lab.bus) == 0, "the app to take the event")
        assert field.value == "127.0.0.1:7"


async def test_lines_typed_quickly_go_out_in_order_from_labelled_workers() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(WAIT)
    got = bytearray()

    def read() -> None:
        with contextlib.suppress(OSError):
            conn, _ = listener.accept()
            with conn:
                conn.settimeout(WAIT)
                while chunk := conn.recv(4096):
                    got.extend(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    lines = [f"line {number:02}" for number in range(20)]
    expected = "".join(f"{line}\n" for line in lines).encode()
    messages: list[Message] = []
    app = NetlabApp()
    try:
        async with running(app, size=SIZE, message_hook=messages.append) as pilot:
            await pilot.press("alt+3")
            await connect(pilot, f"127.0.0.1:{listener.getsockname()[1]}")
            field = app.query_one("#client-message", HistoryInput)
            field.focus()
            for line in lines:
                field.value = line  # typed key by key, thirty lines take half a minute
                await pilot.press("enter")
            await until(pilot, lambda: len(got) >= len(expected), "every line to arrive")
            assert bytes(got) == expected
    finally:
        listener.close()
        reader.join(WAIT)
    assert any(isinstance(message, ClientPane.Connected) for message in messages)
    groups = {m.worker.group for m in messages if isinstance(m, Worker.StateChanged)}
    assert {"client-connect", "client-send"} <= groups
