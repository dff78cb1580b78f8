"""The Client pane: connect to a server, talk to it, and watch the replies arrive.

This is the seeds' interactive clients in one place: the concurrent TCP client of
§2.4 (replies show while you type), GetHeadInfo, telnet to a daytime server and
UDPDaytimeClient. Each session lives in its own tab with its own transcript; the
message line sends to the tab in front.

What blocks runs in labelled thread workers that report back with typed messages, as
the Lookup pane's lookups do: connecting (`Connected` or `ConnectFailed`), closing, and
sending, which goes through an outbox that one worker at a time drains in order (a
`SendFailed` says why a send failed), so a peer that stops reading never freezes the
screen. What the sessions do arrives as events from the lab's bus, batched by the app,
and each transcript writes once per batch.
"""

from __future__ import annotations

import contextlib
import ipaddress
import math
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, cast

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, Static, TabbedContent, TabPane
from textual.worker import Worker, get_current_worker

from netlab.core.client import HEAD_REQUEST, parse_hex
from netlab.core.endpoints import address_text
from netlab.core.errors import NetlabError
from netlab.core.events import MAX_EVENT_DATA, Event, Kind
from netlab.core.framing import Framing
from netlab.core.plural import plural
from netlab.tui.panes.base import Pane, PaneCommand
from netlab.tui.panes.handoff import Target
from netlab.tui.panes.recordings import Tape, offered_recordings, recording_path
from netlab.tui.widgets.field import Field
from netlab.tui.widgets.transcript import Transcript

if TYPE_CHECKING:
    from netlab.core.lab import Lab, Session, SessionOptions
    from netlab.core.recording import Recording
    from netlab.core.replay import Outcome
    from netlab.core.servers.protocols import Transport

NARROW = 100
"""Below this many columns the connection bar takes two rows."""
VERY_NARROW = 56
"""Below this many, three: the split view in an 80-column terminal."""
_CONNECT_FIELDS = ("client-endpoint", "client-connect", "client-timeout")
"""Where the cursor is when a person connects: it moves on to the message line."""
FRAMINGS: list[tuple[str, Framing]] = [
    ("LF", Framing.LF),
    ("CRLF", Framing.CRLF),
    ("TAB", Framing.TAB),
    ("raw", Framing.RAW),
]
_FRAMING_NAMES = {framing: label for label, framing in FRAMINGS}


def _worker(
    group: str, description: str
) -> Callable[[Callable[..., None]], Callable[..., Worker[None]]]:
    """The pane's blocking work: a labelled thread worker that posts how it went as a
    message, so an exception escaping it must not end the app.

    Not exclusive: a second connect must not stop the first (each is its own session),
    nor a send the one under way (there is only one at a time).
    """
    return work(
        thread=True, exclusive=False, exit_on_error=False, group=group, description=description
    )


class HistoryInput(Field):
    """A free-text field that remembers what was sent: Up and Down walk back and forth."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "history(-1)", "Previous line", show=False),
        Binding("down", "history(1)", "Next line", show=False),
    ]
    MAX_HISTORY = 200

    def __init__(self, **options: Any) -> None:
        super().__init__(free_text=True, **options)
        self.history: list[str] = []
        self._index: int | None = None
        self._draft = ""

    def remember(self, line: str) -> None:
        """Keep a sent line (not twice in a row) and start again from the newest."""
        if line and (not self.history or self.history[-1] != line):
            self.history.append(line)
            del self.history[: -self.MAX_HISTORY]
        self._index = None

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        if self._index is None:
            if step > 0:
                return
            self._draft = self.value
            index: int | None = len(self.history) - 1
        else:
            index = max(0, self._index + step)
            if index >= len(self.history):
                index = None
        self._index = index
        self.value = self._draft if index is None else self.history[index]
        self.cursor_position = len(self.value)


class ClientPane(Pane):
    PANE_ID = "client"
    HELP = """\
# Client

Connect to a server and talk to it: what you send and what comes back, each line with
its time and byte count (**→** sent, **←** received). Replies show as they arrive, even
while you type — the concurrent client of the seeds (§2.4), one thread reading while
you write. Received bytes are shown as text, never obeyed: escape sequences and markup
from the network appear literally.

- **Connect**: type `host:port` (such as `127.0.0.1:1201` or `[::1]:7`), pick TCP or UDP,
  the framing that Enter adds (LF, CRLF, TAB or raw), a connect timeout and TCP
  keepalive (probes after 10 s idle, every 5 s, 3 at most: a vanished peer is found
  in seconds), then press Enter or **Connect**. A server you start in the Servers pane
  fills in an empty address field; **Ctrl+N** in the Address or Lookup view puts its
  address there, the cursor after the colon for you to type the port. Every
  connection opens its own tab; the message line sends to the tab in front.
  **Disconnect** (Ctrl+D) closes it; on a closed session it closes the tab.
- **Send**: the cursor moves to the message line as you connect: type and press Enter
  (what you send before the connection is open waits for it). **Up** and **Down**
  recall earlier lines.
- **HEAD /** (Ctrl+R) sends `HEAD / HTTP/1.0\\r\\n\\r\\n` as GetHeadInfo.go does: try it
  on a web server's port 80.
- **timestamp** (Ctrl+T) asks the timestamp server for Unix seconds; anything else gets
  the time as text.
- **hex input** (Ctrl+X) sends the message line as hex bytes, such as `48 45 41 44`,
  with no framing added. **hex view** (Ctrl+O) shows the data as a hex dump.
- **Nothing is dropped.** When the screen falls behind a flood, netlab stops reading
  and TCP slows the server. The transcript keeps its newest 500 entries and says on the
  message line how many it no longer keeps; **Save everything … received** (Ctrl+P)
  writes every byte received to a file in the current directory.
- **Recordings**: **Ctrl+S** (or the palette's **Save … session as a recording…**)
  writes what the session in front sent and received, with the times, to a `.rec`
  file in the current directory: a text file to read and edit (`netlab replay`).
  The palette's **Replay a recording** sends one of those files again, to the address
  in the address field (or the one it was recorded at), and says reply by reply
  whether it still matches.
- **Half-close** (Ctrl+P) sends FIN: the server reads end of input, and one that
  answers only then (as `wc` would) answers; replies still come in.
- Bytes that are not UTF-8 show as `\\xNN`; RFC 868's four bytes are also read as the
  date they stand for.
- **Timeline** (Ctrl+L) shows the session's connection in time: what each end did and
  the TCP state it left it in (ESTABLISHED, FIN_WAIT1, CLOSE_WAIT, LAST_ACK, TIME_WAIT),
  both ends when the server is one of the lab's, and what the kernel says of each end
  now. The end that closed first waits in TIME_WAIT.

The echo, uppercase and tab servers answer what you send (use the TAB framing for the
tab server); a TCP daytime server sends the time and closes, as telnet shows. For
UDPDaytimeClient, connect over UDP and send anything: the reply is the time.
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+n", "connect", "Connect", show=False, id="client-connect"),
        Binding("ctrl+d", "disconnect", "Disconnect", priority=True, id="client-disconnect"),
        Binding("ctrl+r", "head", "HEAD /", id="client-head"),
        Binding("ctrl+t", "timestamp", "timestamp", id="client-timestamp"),
        Binding("ctrl+x", "flip('#client-hex-input')", "Hex in", priority=True, id="client-hex-in"),
        Binding("ctrl+o", "flip('#client-hex-view')", "Hex view", id="client-hex-view"),
        Binding("ctrl+l", "timeline", "Timeline", id="client-timeline"),
        # Not in the footer, which is full at 80 columns: the help and the palette say it.
        Binding("ctrl+s", "save_recording", "Save recording", show=False, id="client-record"),
    ]
    JUMP_KEYS: ClassVar[dict[str, str]] = {
        "client-endpoint": "a",
        "client-connect": "c",
        "client-disconnect": "d",
        "client-framing": "f",
        "client-message": "m",
        "client-head": "h",
        "client-hex-input": "x",
        "client-hex-view": "o",
    }

    @dataclass
    class Connected(Message):
        """A session connected: its tab can be made."""

        session: Session

    @dataclass
    class ConnectFailed(Message):
        """A session did not connect: the one sentence saying why."""

        name: str
        reason: str

    @dataclass
    class Saved(Message):
        """A session's received bytes were saved (`done`), or could not be: what to say."""

        text: str
        done: bool

    @dataclass
    class Replayed(Message):
        """One exchange of a recording being replayed, and how it went."""

        outcome: Outcome

    @dataclass
    class SendFailed(Message):
        """What was typed could not be sent (the peer stopped reading, or went): why."""

        reason: str

    def __init__(self) -> None:
        super().__init__()
        self._sessions: dict[str, Session] = {}
        self._transcripts: dict[str, Transcript] = {}
        self._pending: dict[str, list[Event]] = {}
        """Events of sessions still connecting, kept until their tab exists."""
        self._last_number = 0
        """The number of the newest session that connected: a failed connect uses none."""
        self._outbox: deque[tuple[Session, bytes | None]] = deque()
        """What is to be sent, oldest first (None: half-close); one send worker at a time
        takes from it."""
        self._outbox_lock = threading.Lock()
        self._draining = False
        """Whether a send worker is taking from the outbox (under the lock, as it is)."""
        self._filled_endpoint = ""
        """What the pane last put in the address field itself (a new server's address)."""
        self._send_error = False
        """Whether the status line says what was wrong with the message line."""
        self._awaited: str | None = None
        """The session being connected from the address field: what is typed meanwhile
        on the message line is held for it, and sent once it is connected."""
        self._held: list[tuple[str, bytes]] = []
        """(line as typed, bytes) held for the awaited session, in order."""
        self._tapes: dict[str, Tape] = {}
        """What each session sent and received, for its recording."""

    def compose(self) -> ComposeResult:
        with Horizontal(id="client-bar"):
            with Horizontal(id="client-target"):
                yield Field(
                    placeholder="host:port, such as 127.0.0.1:1201",
                    id="client-endpoint",
                    compact=True,
                )
                yield Button("Connect", id="client-connect", variant="primary", compact=True)
                yield Button("Disconnect", id="client-disconnect", compact=True)
            with Horizontal(id="client-options"):
                with Horizontal(id="client-choices"):
                    yield Select(
                        [("TCP", "tcp"), ("UDP", "udp")],
                        value="tcp",
                        allow_blank=False,
                        id="client-transport",
                        compact=True,
                    )
                    yield Select(
                        FRAMINGS,
                        value=Framing.LF,
                        allow_blank=False,
                        id="client-framing",
                        compact=True,
                    )
                with Horizontal(id="client-limits"):
                    yield Label("timeout", classes="option-label")
                    yield Field("5", id="client-timeout", type="number", compact=True)
                    yield Label("s", classes="option-label")
                    yield Checkbox("keepalive", id="client-keepalive", compact=True)
        yield Static(id="client-status", classes="hint")
        yield Static(
            "No session yet. Type host:port above and press Enter: an echo server started in "
            "the Servers pane, a web server's :80 for HEAD /, or udp with a daytime server.",
            id="client-empty",
            classes="hint",
        )
        yield TabbedContent(id="client-sessions")
        yield HistoryInput(placeholder="Type a message; Enter sends it", id="client-message")
        with Horizontal(id="client-actions"):
            yield Button("HEAD /", id="client-head", compact=True)
            yield Button("timestamp", id="client-timestamp", compact=True)
            yield Checkbox("hex input", id="client-hex-input", compact=True)
            yield Checkbox("hex view", id="client-hex-view", compact=True)

    def on_mount(self) -> None:
        self._refresh_controls()

    def fit_layout(self) -> None:
        # One row when wide; the options on a second row when narrow; at half of 80
        # columns, the limits on a third and Disconnect left to Ctrl+D, so that an
        # address fits whole. Inline styles on the few widgets concerned, not a class on
        # the pane: a class change styles all of its widgets again, on every switch.
        width = self.size.width
        if not width:
            return
        narrow, very_narrow = width < NARROW, width < VERY_NARROW
        self.query_one("#client-bar").styles.layout = "vertical" if narrow else "horizontal"
        options = self.query_one("#client-options")
        options.styles.width = "1fr" if narrow else "auto"
        options.styles.layout = "vertical" if very_narrow else "horizontal"
        self.query_one("#client-transport").styles.margin = (0, 0, 0, 0 if narrow else 1)
        self.query_one("#client-limits").styles.margin = (0, 0, 0, 0 if very_narrow else 1)
        self.query_one("#client-disconnect").display = not very_narrow

    def focus_first(self) -> None:
        target = "#client-message" if self._sessions else "#client-endpoint"
        self.screen.set_focus(self.query_one(target, Input))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Keys that need a session show (and work) only when there is one.
        if action == "disconnect":
            return self._active_session() is not None
        if action == "save_recording":
            return self._active_session() is not None
        if action in ("head", "timestamp"):
            session = self._active_session()
            return session is not None and session.state != "closed"
        return True

    def commands(self) -> Iterator[PaneCommand]:
        yield from self._connect_commands()
        session = self._active_session()
        if session is not None:
            yield from self._session_commands(session)
        yield from self._toggle_commands()
        yield from self._replay_commands()

    def _connect_commands(self) -> Iterator[PaneCommand]:
        for name, server in dict(_lab(self.app).servers).items():
            if server.address is None:
                continue  # not listening yet
            where = address_text(_reachable(server.address))
            yield PaneCommand(
                f"Connect the client to {name}",
                partial(self.connect_to_server, name),
                f"at {where}",
            )

    def _session_commands(self, session: Session) -> Iterator[PaneCommand]:
        """What can be done with the session in front: more while it is open."""
        closed = session.state == "closed"
        yield PaneCommand(
            f"Close the tab of {session.name}" if closed else f"Disconnect {session.name}",
            self.action_disconnect,
            f"connected to {session.peer or session.endpoint}" if not closed else "closed",
        )
        yield PaneCommand(
            f"Timeline of {session.name}'s connection",
            self.action_timeline,
            "both ends in time, with their TCP states, when the server is the lab's",
        )
        yield PaneCommand(
            f"Clear the transcript of {session.name}",
            self.clear_transcript,
            "forget what it shows; the session goes on",
        )
        if session.spool is not None:
            yield PaneCommand(
                f"Save everything {session.name} received",
                self.save_received,
                "every byte, whatever the transcript kept, to a file in this directory",
            )
        yield PaneCommand(
            f"Save {session.name}'s session as a recording…",
            self.action_save_recording,
            "what it sent and received, to a .rec file in this directory (Ctrl+S)",
        )
        if not closed and session.transport == "tcp" and not session.write_shut:
            yield PaneCommand(
                f"Half-close {session.name} (send FIN)",
                self.half_close,
                "nothing more from us; replies still come (for servers that answer at "
                "end of input)",
            )
        yield from self._reading_commands(session.name)
        if not closed:
            yield PaneCommand(
                f"Send HEAD / to {session.name}", self.action_head, "as GetHeadInfo.go (Ctrl+R)"
            )
            yield PaneCommand(
                f"Send timestamp to {session.name}",
                self.action_timestamp,
                "ask the timestamp server for Unix seconds (Ctrl+T)",
            )

    def _reading_commands(self, name: str) -> Iterator[PaneCommand]:
        """How netlab reads what the session receives, from now on: as a protocol named,
        or (the default) as the peer's port says (13 daytime, 37 time, 80 HTTP)."""
        transcript = self._transcripts.get(name)
        if transcript is None:
            return
        for protocol, words in _READINGS.items():
            if protocol != transcript.read_as:
                yield PaneCommand(
                    f"Read {name}'s replies {words}",
                    partial(self.read_as, name, protocol),
                    "netlab's reading, a line of its own beside the bytes",
                )

    def read_as(self, name: str, protocol: str | None) -> None:
        transcript = self._transcripts.get(name)
        if transcript is not None:
            transcript.read_as = protocol
            self._show_status(f"{name}'s replies are read {_READINGS[protocol]} from now on.")

    def _toggle_commands(self) -> Iterator[PaneCommand]:
        hex_view = self.query_one("#client-hex-view", Checkbox).value
        yield PaneCommand(
            "Client: show data as text" if hex_view else "Client: show data as a hex dump",
            partial(self.action_flip, "#client-hex-view"),
            "the hex view (Ctrl+O)",
        )
        hex_input = self.query_one("#client-hex-input", Checkbox).value
        yield PaneCommand(
            "Client: type messages as text" if hex_input else "Client: type messages as hex bytes",
            partial(self.action_flip, "#client-hex-input"),
            "hex input (Ctrl+X)",
        )

    def connect_to_server(self, name: str) -> None:
        """Connect a new session to the lab's server `name` (Ctrl+N on it in Servers)."""
        server = _lab(self.app).servers.get(name)
        if server is None or server.address is None:
            self._show_error(f"{name} is not running: start it again to connect to it.")
            return
        self.connect_to(address_text(_reachable(server.address)), server.transport)

    def connect_to(self, endpoint: str, transport: str) -> None:
        """Connect a new session to `endpoint` (the palette's "Connect the client to …")."""
        self.bring_into_view()
        self.prefill(endpoint, transport)
        # From the address field, the new session's message line takes the cursor.
        self.screen.set_focus(self.query_one("#client-endpoint", Input))
        self.action_connect()

    def fill_endpoint(self, target: Target) -> None:
        """Show this view with an address or name handed on (Ctrl+N in the Address or
        Lookup view) in the address field, the cursor after it; nothing connects yet.

        With the port it came with (a TCP timing, an SRV record), or none: "10.0.0.1:",
        the cursor after the colon. A port already in the field was for another host's
        service, and kept it would be a guess that Enter connects to without a word;
        an empty port is one the person sees is missing, and Enter says so.
        """
        self.bring_into_view()
        field = self.query_one("#client-endpoint", Input)
        field.value = target.endpoint_text()
        field.cursor_position = len(field.value)
        self.screen.set_focus(field)
        if target.port is None:
            self._show_status(f"Type the port after {target.host}'s colon, then Enter connects.")
        else:
            self._show_status(f"Enter connects to {field.value}.")

    def prefill(self, endpoint: str, transport: str) -> None:
        """Put an address and a transport in the connection bar, to connect to."""
        self.query_one("#client-transport", Select).value = transport
        self.query_one("#client-endpoint", Input).value = endpoint

    def save_received(self) -> None:
        session = self._active_session()
        if session is None or session.spool is None:
            self._show_error("No session is open.")
            return
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        self._show_status(f"Saving what {session.name} received…")
        self._save(session, Path(f"netlab-{session.name}-{stamp}.bin"))

    @_worker("client-save", "Save what a session received")
    def _save(self, session: Session, path: Path) -> None:
        """Copy the session's spool to `path`: up to a gibibyte, so never on the screen's thread."""
        assert session.spool is not None
        try:
            size = session.spool.save(path)
        except OSError as error:
            self._post(self.Saved(f"Cannot save to {path}: {error.strerror or error}.", False))
            return
        except NetlabError as error:  # the process holding the session is gone
            self._post(self.Saved(str(error), False))
            return
        lost = session.spool.not_kept
        more = (
            f"; {plural(lost, 'byte', grouped=True)} past the spool's limit were not kept"
            if lost
            else ""
        )
        saved = plural(size, "byte", grouped=True)
        self._post(self.Saved(f"Saved the {saved} {session.name} received to {path}{more}.", True))

    def on_client_pane_saved(self, event: Saved) -> None:
        event.stop()
        (self._show_status if event.done else self._show_error)(event.text)

    def action_save_recording(self) -> None:
        name = self._active_name()
        tape = None if name is None else self._tapes.get(name)
        if name is None or tape is None:
            self._show_error("No session is open.")
            return
        self._save_recording(name, tape, recording_path(name))

    @_worker("client-save", "Save a session as a recording")
    def _save_recording(self, name: str, tape: Tape, path: Path) -> None:
        try:
            messages = tape.save(path)
        except NetlabError as error:  # the name is taken, or the folder cannot be written
            self._post(self.Saved(str(error), False))
            return
        saved = f"Saved {name}'s {plural(messages, 'message')} as a recording: {path}."
        if cut := tape.cut:
            # Said, never silent: the file's own lines say where, and replay will differ.
            saved += (
                f" {plural(cut, 'message')} over {MAX_EVENT_DATA:,} bytes kept only"
                f" {'its' if cut == 1 else 'their'} start;"
                " `netlab connect --record` keeps every byte."
            )
        self._post(self.Saved(saved, not cut))

    def _replay_commands(self) -> Iterator[PaneCommand]:
        for path in offered_recordings():
            yield PaneCommand(
                f"Replay a recording: {path.name}",
                partial(self.replay_recording, path),
                "send it again and check each reply, to the address field's host:port "
                "or where it was recorded",
            )

    def replay_recording(self, path: Path) -> None:
        from netlab.core.recording import load_recording

        try:
            recording = load_recording(path)
        except NetlabError as error:
            self._show_error(str(error))
            return
        endpoint = self.query_one("#client-endpoint", Input).value.strip() or recording.endpoint
        if not endpoint:
            self._show_error(f"{path.name} says no endpoint: type host:port first.")
            return
        self.bring_into_view()
        self._show_status(f"Replaying {path.name} to {endpoint}…")
        self._replay(recording, endpoint, path.name)

    @_worker("client-replay", "Replay a recording")
    def _replay(self, recording: Recording, endpoint: str, name: str) -> None:
        from netlab.core.replay import replay

        def report(outcome: Outcome) -> None:
            self._post(self.Replayed(outcome))

        try:
            outcomes = replay(recording, endpoint, report=report)
        except NetlabError as error:
            self._post(self.Saved(f"Replaying {name}: {error}", False))
            return
        differed = [outcome for outcome in outcomes if not outcome.ok]
        if differed:
            summary = (
                f"Replayed {name} to {endpoint}: {len(differed)} of {len(outcomes)} replies "
                f"differed, the first at line {differed[0].exchange.line}: {differed[0].text()}"
            )
        else:
            replies = plural(len(outcomes), "reply", "replies")
            summary = f"Replayed {name} to {endpoint}: {replies}, every one as recorded."
        self._post(self.Saved(summary, not differed))

    def on_client_pane_replayed(self, event: Replayed) -> None:
        event.stop()
        outcome = event.outcome
        (self._show_status if outcome.ok else self._show_error)(outcome.text())

    def half_close(self) -> None:
        session = self._active_session()
        if session is None or session.state == "closed":
            self._show_error("No session is open.")
            return
        # Through the outbox: FIN goes after every line typed before it, and from the
        # send worker, as shutdown_write waits for a send blocked on a peer not reading.
        self._queue(session, None)
        self._show_status(
            f"{session.name} sends FIN: the server reads end of input; replies still come."
        )

    def clear_transcript(self) -> None:
        name = self._active_name()
        if name is not None:
            self._transcripts[name].forget()
            self._show_status(f"{name}'s transcript is cleared.")

    # -- events from the lab -----------------------------------------------------------

    def show_events(self, events: list[Event]) -> None:
        batches: dict[str, list[Event]] = {}
        for event in events:
            if event.source in self._transcripts or event.source in self._pending:
                batches.setdefault(event.source, []).append(event)
            elif event.kind is Kind.LISTENING:
                self._offer_server(event.source)
        for name, batch in batches.items():
            if (tape := self._tapes.get(name)) is not None:
                for event in batch:
                    tape.add(event)
            if name in self._pending:
                self._pending[name].extend(batch)
                continue
            transcript = self._transcripts[name]
            forgotten = transcript.forgotten
            transcript.add_events(batch)
            if any(event.kind is Kind.CLOSED for event in batch):
                self._refresh_tab(name)
                self._refresh_controls()
            elif transcript.forgotten != forgotten and name == self._active_name():
                self._refresh_controls()

    def _offer_server(self, name: str) -> None:
        """A lab server started: put its address in the address field, if that is free."""
        server = _lab(self.app).servers.get(name)  # the lab names it before it is heard
        field = self.query_one("#client-endpoint", Input)
        if server is None or server.address is None:
            return  # stopped again meanwhile
        if field.value.strip() not in ("", self._filled_endpoint):
            return  # what the person typed stays
        where = address_text(_reachable(server.address))
        self.prefill(where, server.transport)
        self._filled_endpoint = where
        field.cursor_position = len(where)
        self._show_status(f"{name} is listening: Enter in the address field connects to it.")

    # -- connecting --------------------------------------------------------------------

    @on(Input.Submitted, "#client-endpoint")
    @on(Input.Submitted, "#client-timeout")
    @on(Button.Pressed, "#client-connect")
    def action_connect(self) -> None:
        endpoint = self.query_one("#client-endpoint", Input).value.strip()
        if not endpoint:
            self._show_error("Type host:port first, such as 127.0.0.1:1201.")
            self.screen.set_focus(self.query_one("#client-endpoint", Input))
            return
        timeout_text = self.query_one("#client-timeout", Input).value.strip()
        try:
            timeout = float(timeout_text)
        except ValueError:
            timeout = math.nan
        if not (math.isfinite(timeout) and timeout > 0):
            self._show_error("The timeout must be a positive number of seconds, such as 5.")
            return
        transport: Transport = (
            "udp" if self.query_one("#client-transport", Select).value == "udp" else "tcp"
        )
        options: SessionOptions = {
            "transport": transport,
            "framing": self._framing(),
            "connect_timeout": timeout,
            "keepalive": self.query_one("#client-keepalive", Checkbox).value,
            # The transcript keeps its newest entries, the spool every byte.
            "keep_all": True,
        }
        name = options["name"] = self._next_name()
        self._pending[name] = []
        self._tapes[name] = Tape(endpoint, transport, options["framing"])
        self._show_status(f"Connecting {name} to {endpoint} over {transport.upper()}…")
        # A person types the first message at once: the message line takes the cursor
        # now, and holds what is sent until the session is open.
        self._awaited = name
        focused = self.app.focused
        if self.display and (focused is None or focused.id in _CONNECT_FIELDS):
            self.screen.set_focus(self.query_one("#client-message", Input))
        self._open(_lab(self.app), name, endpoint, options)

    def _next_name(self) -> str:
        taken = set(_lab(self.app).sessions) | set(self._transcripts) | set(self._pending)
        number = self._last_number + 1
        while f"client-{number}" in taken:
            number += 1
        return f"client-{number}"

    @_worker("client-connect", "Connect a client session")
    def _open(self, lab: Lab, name: str, endpoint: str, options: SessionOptions) -> None:
        """Connect, then report: Connected, or ConnectFailed with the reason."""
        try:
            session = lab.open_session(endpoint, **options)
        except NetlabError as error:
            self._post(self.ConnectFailed(name, str(error)))
            return
        except Exception as error:  # pragma: no cover - a bug, shown rather than lost
            self.log.error(f"connecting {name} to {endpoint} failed", error)
            self._post(self.ConnectFailed(name, f"Connecting failed: {error!r}"))
            return
        if get_current_worker().is_cancelled or not self._post(self.Connected(session)):
            lab.close_session(name)  # the pane has gone: nothing would ever close it

    def _post(self, message: Message) -> bool:
        """Post from a worker's thread; False once the pane (or the app) has gone."""
        try:
            return self.post_message(message)
        except RuntimeError:  # the app's loop is closed
            return False

    def _scroll_to_active_tab(self) -> None:
        tabs = self.query_one("#client-sessions", TabbedContent)
        with contextlib.suppress(Exception):  # the tab went meanwhile
            tab = tabs.get_tab(tabs.active)
            # The bar's scroller hides its scrollbar (overflow hidden): only a forced
            # scroll moves it, as the tab bar itself does when a tab is clicked.
            scroller = tab.query_ancestor("#tabs-scroll", Widget)
            scroller.scroll_to_widget(tab, animate=False, force=True, immediate=True)

    def on_client_pane_connect_failed(self, event: ConnectFailed) -> None:
        event.stop()
        name, message = event.name, event.reason
        self._pending.pop(name, None)
        self._tapes.pop(name, None)
        if self._awaited != name:
            self._show_error(message)
            return
        self._awaited = None
        held, self._held = self._held, []
        if held:
            # Nothing typed is lost: the held lines go back on the message line.
            field = self.query_one("#client-message", Input)
            field.value = " ".join(text for text, _ in held)
            message += f" Not sent: {plural(len(held), 'line')}, back on the message line."
        self._show_error(message)
        if self.display:
            self.screen.set_focus(self.query_one("#client-endpoint", Input))

    async def on_client_pane_connected(self, event: Connected) -> None:
        event.stop()
        session = event.session
        name = session.name
        self._last_number = max(self._last_number, int(name.rpartition("-")[2] or 0))
        port = int(session.peer.rpartition(":")[2]) if session.peer else None
        udp = session.transport == "udp"
        transcript = Transcript(name, port=port, udp=udp, id=f"transcript-{name}")
        transcript.hex_view = self.query_one("#client-hex-view", Checkbox).value
        transcript.add_events(self._pending.pop(name, []))
        self._sessions[name] = session
        self._transcripts[name] = transcript
        tabs = self.query_one("#client-sessions", TabbedContent)
        pane = TabPane(self._tab_title(session), transcript, id=f"session-{name}")
        await tabs.add_pane(pane)
        tabs.active = pane.id or ""
        self._refresh_tab(name)
        self._show_status(f"{name} is connected to {session.peer or session.endpoint}.")
        self._refresh_controls()
        # A new tab is laid out after this: only then can the bar scroll it into view.
        self.call_after_refresh(self._scroll_to_active_tab)
        if self._awaited == name:
            self._awaited = None
            held, self._held = self._held, []
            for _text, data in held:
                if data or session.transport == "udp":
                    self._send(session, data)

    @on(Button.Pressed, "#client-disconnect")
    def action_timeline(self) -> None:
        from netlab.tui.timeline import TimelineScreen, listening

        name = self._active_name()
        if name is None:
            self._show_error("No session: connect first, and its connection has a timeline.")
            return
        if self._sessions[name].transport != "tcp":
            self._show_error(f"{name} is UDP: no connection, so no TCP states to follow.")
            return
        servers = listening(_lab(self.app))
        log = self.app.connections  # type: ignore[attr-defined]
        self.app.push_screen(TimelineScreen(lambda: log.timeline(name, servers)))

    async def action_disconnect(self) -> None:
        name = self._active_name()
        if name is None:
            self._show_error("No session is open.")
            return
        was_open = self._sessions[name].state != "closed"
        self._close(_lab(self.app), name)
        if was_open:
            self._show_status(f"Closing {name}…")
            return
        # Already closed: this closes its tab.
        spool = self._sessions[name].spool
        if spool is not None:
            spool.discard()
        del self._sessions[name]
        del self._transcripts[name]
        self._tapes.pop(name, None)
        await self.query_one("#client-sessions", TabbedContent).remove_pane(f"session-{name}")
        self._show_status(f"{name}'s tab is closed.")
        self._refresh_controls()

    @_worker("client-close", "Close a client session")
    def _close(self, lab: Lab, name: str) -> None:
        """Close a session: close() joins its receiver for up to a second, never on the
        screen's thread. What it did arrives as the session's closed event, on the bus."""
        lab.close_session(name)

    # -- sending -----------------------------------------------------------------------

    @on(Input.Submitted, "#client-message")
    def _send_line(self, event: Input.Submitted) -> None:
        field = self.query_one("#client-message", HistoryInput)
        text = event.value
        session = self._active_session()
        if session is None and self._awaited is None:
            self._show_error("Connect first: there is no session to send to.")
            return
        if self.query_one("#client-hex-input", Checkbox).value:
            try:
                data = parse_hex(text)
            except NetlabError as error:
                self._show_error(str(error))
                self._send_error = True
                return
        else:
            data = self._framing().frame(text.encode("utf-8"))
        field.remember(text)
        field.value = ""
        if self._awaited is not None:
            self._held.append((text, data))
            self._show_status(
                f"Connecting {self._awaited}: what you typed is sent once it is connected."
            )
            return
        assert session is not None
        if data or session.transport == "udp":  # an empty datagram is still a message
            self._send(session, data)

    @on(Input.Changed, "#client-message")
    def _message_changed(self) -> None:
        # What was wrong with the line is wrong no more once it changes.
        if self._send_error:
            self._send_error = False
            self._show_status("")

    @on(Button.Pressed, "#client-head")
    def action_head(self) -> None:
        self._send_to_front(HEAD_REQUEST, "a web server first, such as 127.0.0.1:80")

    @on(Button.Pressed, "#client-timestamp")
    def action_timestamp(self) -> None:
        framing = self._framing()
        # The timestamp server reads lines: raw or TAB framing would never be answered.
        if framing not in (Framing.LF, Framing.CRLF):
            framing = Framing.LF
        self._send_to_front(framing.frame(b"timestamp"), "a timestamp server first")

    def _send_to_front(self, data: bytes, peer: str) -> None:
        """Send to the session in front; with none, say what to connect to (`peer`)."""
        session = self._active_session()
        if session is None:
            self._show_error(f"Connect to {peer}.")
            return
        self._send(session, data)

    def _send(self, session: Session, data: bytes) -> None:
        if session.state != "connected":
            self._show_error(f"{session.name} is closed: connect again to send.")
            return
        self._queue(session, data)

    def _queue(self, session: Session, data: bytes | None) -> None:
        """Hand bytes (or None, FIN) to the send worker, starting one if none is under way."""
        with self._outbox_lock:
            self._outbox.append((session, data))
            if self._draining:
                return  # the worker under way takes it, after what came before
            self._draining = True
        self._drain_outbox()

    @_worker("client-send", "Send what was typed, in order")
    def _drain_outbox(self) -> None:
        """Send everything in the outbox, oldest first, then end.

        One such worker at a time (`_draining`), so lines typed quickly go out in the
        order they were typed; a peer that stops reading holds this thread, up to the
        session's send timeout, and never the screen. A failure is a SendFailed.
        """
        worker = get_current_worker()
        while True:
            with self._outbox_lock:
                if worker.is_cancelled:  # the pane has gone
                    self._outbox.clear()
                if not self._outbox:
                    self._draining = False
                    return
                session, data = self._outbox.popleft()
            try:
                if data is None:
                    session.shutdown_write()
                else:
                    session.send_bytes(data)
            except NetlabError as error:
                self._post(self.SendFailed(str(error)))
            except Exception as error:  # pragma: no cover - a bug, shown rather than lost
                self.log.error(f"sending to {session.name} failed", error)
                self._post(self.SendFailed(f"Sending failed: {error!r}"))

    def on_client_pane_send_failed(self, event: SendFailed) -> None:
        event.stop()
        self._show_error(event.reason)

    # -- toggles and controls ----------------------------------------------------------

    def action_flip(self, selector: str) -> None:
        self.query_one(selector, Checkbox).toggle()

    @on(Checkbox.Changed, "#client-hex-view")
    def _hex_view_changed(self, event: Checkbox.Changed) -> None:
        for transcript in self._transcripts.values():
            transcript.hex_view = event.value

    @on(Checkbox.Changed, "#client-hex-input")
    @on(Select.Changed, "#client-framing")
    @on(TabbedContent.TabActivated)
    def _refresh_controls(self) -> None:
        session = self._active_session()
        has_tabs = bool(self._sessions)
        self.query_one("#client-empty").display = not has_tabs
        self.query_one("#client-sessions").display = has_tabs
        closed = session is not None and session.state == "closed"
        self.query_one("#client-disconnect", Button).label = "Close tab" if closed else "Disconnect"
        field = self.query_one("#client-message", Input)
        hex_input = self.query_one("#client-hex-input", Checkbox).value
        how = "hex bytes, no framing" if hex_input else f"{_FRAMING_NAMES[self._framing()]} framing"
        if session is None:
            field.border_title = "no session: connect first"
        else:
            state = " (closed)" if closed else ""
            where = session.peer or session.endpoint
            title = f"to {session.name} at {where}{state} · {how}"
            transcript = self._transcripts.get(session.name)
            if transcript is not None and transcript.forgotten:
                title += f" · {transcript.forgotten_text}: Ctrl+P, Save"
            field.border_title = Content(title)
        field.placeholder = (
            "Hex bytes such as 48 45 41 44; Enter sends them"
            if hex_input
            else "Type a message; Enter sends it, ↑↓ recall earlier lines"
        )
        self.refresh_bindings()

    def _refresh_tab(self, name: str) -> None:
        session = self._sessions.get(name)
        if session is None:
            return
        tabs = self.query_one("#client-sessions", TabbedContent)
        try:
            tabs.get_tab(f"session-{name}").label = self._tab_title(session)
        except Exception:  # the tab is not mounted yet or already gone
            return

    @staticmethod
    def _tab_title(session: Session) -> Content:
        # Short, so several fit beside each other in the split view: where the session
        # goes is on the message line's title and in the transcript.
        udp = " udp" if session.transport == "udp" else ""
        closed = "✕ " if session.state == "closed" else ""
        return Content(f"{closed}{session.name}{udp}")

    # -- helpers -----------------------------------------------------------------------

    def _framing(self) -> Framing:
        value = self.query_one("#client-framing", Select).value
        return value if isinstance(value, Framing) else Framing.LF

    def _active_name(self) -> str | None:
        active = self.query_one("#client-sessions", TabbedContent).active
        name = active.removeprefix("session-")
        return name if name in self._sessions else None

    def _active_session(self) -> Session | None:
        name = self._active_name()
        return None if name is None else self._sessions[name]

    def _show_status(self, message: str) -> None:
        self._say(message, "hint")

    def _show_error(self, message: str) -> None:
        self._say(message, "error")

    def _say(self, message: str, kind: str) -> None:
        # A worker's message can land as the app quits and the line is already gone.
        for status in self.query("#client-status").results(Static):
            status.set_classes(kind)
            status.update(Text(message))


_READINGS: dict[str | None, str] = {
    None: "as their port says",
    "time": "as RFC 868 time",
    "daytime": "as a daytime line",
    "timestamp": "as the timestamp server's answers",
    "http": "as HTTP",
}
"""How a session's replies can be read (netlab.core.readings.PROTOCOLS, and the port's)."""


def _reachable(address: tuple[Any, ...]) -> tuple[Any, ...]:
    """Where a client reaches a server: its loopback address when it listens on all."""
    host = str(address[0])
    with contextlib.suppress(ValueError):
        if ipaddress.ip_address(host).is_unspecified:
            host = "::1" if ":" in host else "127.0.0.1"
    return (host, *address[1:])


def _lab(app: App[Any]) -> Lab:
    """The lab of the NetlabApp this pane lives in."""
    return cast("Lab", app.lab)  # type: ignore[attr-defined]
