"""The Servers pane: start lab servers, watch their counters, connections and events.

Everything that blocks (binding, stopping, restarting) runs in a thread worker that
posts what came of it as a message. On a timer, the table of servers is brought up to
date from the servers' counters, and the table of connections from the selected
server's own list of them (`connections()`), changing only the cells that changed.
Events arrive in batches from the app (`show_events`); the EventLog writes each batch
in one call.
"""

from __future__ import annotations

import contextlib
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import ClassVar, Literal

from rich.cells import cell_len
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.css.query import NoMatches
from textual.message import Message
from textual.widgets import Button, Checkbox, DataTable, Input, Label, Select, Static
from textual.widgets.data_table import RowDoesNotExist

from netlab.core import tcpstate
from netlab.core.endpoints import address_text
from netlab.core.errors import InputError, NetlabError
from netlab.core.events import Event, Side
from netlab.core.hostnames import names_loopback
from netlab.core.lab import Lab, Server
from netlab.core.servers import MODELS, PROTOCOLS, ServerOptions, ServerSpec, parse_spec
from netlab.core.servers.base import MAX_CLOSED, ConnectionInfo
from netlab.core.servers.faults import MAX_FAULTS, Faults, parse_faults
from netlab.core.servers.protocols import Clock as ServerClock
from netlab.tui.panes.base import Pane, PaneCommand
from netlab.tui.widgets.eventlog import EventLog
from netlab.tui.widgets.field import Field

REFRESH = 0.5
"""Seconds between readings of every server's counters."""
SPARK_BARS = "▁▂▃▄▅▆▇█"
SPARK_SAMPLES = 8
MAX_PEERS = MAX_CLOSED
"""Connections (or UDP sources) listed for a server; the oldest closed go first."""
NARROW = 140
"""Below this many columns the start form takes two lines (one line ends at column 137)."""
THIN = 78
"""Below this many columns (the split view) it takes three: its first line is too wide."""
SHORT = 30
"""Below this many lines the pane drops its blank lines between parts."""
Verb = Literal["start", "stop", "restart", "faults"]
"""What a server job does; the name of a server being started is "new"."""

SERVERS_HELP = """\
# Servers

Start the lab's servers, as many as you like, and watch what they do.

- **The form**: pick a kind, TCP or UDP, the address to listen on (127.0.0.1 keeps it
  on this machine), a port (0 lets the system choose), how TCP connections are served
  (threaded, iterative or async), the faults it is to inject (below; empty for none)
  and the limits (idle timeout in seconds, most connections at once), then **Start**
  or Enter in any field of the form. TCP and UDP may share a port number.
- **The table** shows each server's counters, refreshed twice a second, with a small
  graph of messages per second. **Ctrl+S** stops and **Ctrl+R** restarts the selected
  server (or the buttons below the table); **Ctrl+N** connects the Client to it.
- **Connections** lists the selected server's peers: when they connected, bytes each
  way, and the kernel's TCP state (ESTABLISHED, CLOSE_WAIT, TIME_WAIT…).
- **The log** shows every connection and message of every server, as `netlab serve`
  prints them. Filter it by server or text; **p** (or the Pause box) freezes it:
  new events are kept and counted, and appear when you resume (at most the newest
  5,000 lines are kept). Scroll up to stop following the newest lines; **f** or End
  follows again. Data from the network is shown as text, control characters escaped.

## Faults

A server can misbehave on purpose, to show what a client sees when the network or the
peer does. Write them in the **faults** field, comma-separated, as
`delay=200ms~50ms,drop=0.1`:

- `delay=T[~J]` — each reply late by T (ms or s), give or take J
- `drop=P` — a reply never sent, with chance P (0 to 1)
- `duplicate=P`, `reorder=P` — UDP: a reply sent twice, or held back and sent after
  the next
- `reset=P` — TCP: the connection reset instead of a reply, with chance P
- `close-after=N`, `half-close-after=N`, `reset-after=N` — TCP: after N replies the
  connection is closed, half-closed (FIN sent, still reading) or reset
- `accept-delay=T` — TCP: each connection accepted T late
- `read-slowly`, `small-writes`, `stall` — TCP: read a little at a time, write a byte at a
  time, or leave the connection hanging, neither read nor written
- `seed=N` — the same random choices every run

Each fault injected appears in the log as a **fault** line, coloured: netlab's doing,
never the peer's. **Ctrl+F** gives the selected server the faults field's faults
while it runs (empty clears them); the connections' title shows the selected server's.

The servers mirror the seed programs: **DaytimeServer** (daytime), **SimpleEchoServer**
(echo, iterative model), **ThreadedEchoServer** (echo, threaded), **UDPDaytimeServer**
(daytime over UDP), the **uppercase**, **timestamp** and **tab** servers (upper,
timestamp, tab), and the **multi-port server** (start several at once here).
"""


def human(count: int) -> str:
    """A count in at most five characters: 999, 12.3k, 4.56M."""
    if count < 10_000:
        return str(count)
    for unit, size in (("k", 1e3), ("M", 1e6), ("G", 1e9)):
        if count < size * 1000:
            value = count / size
            return f"{value:.1f}{unit}" if value < 100 else f"{value:.0f}{unit}"
    return f"{count / 1e12:.0f}T"


def sparkline(samples: Iterable[float]) -> str:
    """A text graph, ▁ to █, scaled to its largest sample."""
    values = list(samples)
    top = max(values, default=0.0)
    if top <= 0:
        return SPARK_BARS[0] * len(values)
    last = len(SPARK_BARS) - 1
    return "".join(SPARK_BARS[min(last, round(value / top * last))] for value in values)


@dataclass
class Reading:
    """The last counters read from one server, for its messages-per-second graph."""

    messages: int
    at: float
    rates: deque[float] = field(default_factory=lambda: deque([0.0] * SPARK_SAMPLES, SPARK_SAMPLES))


class ServersTable(DataTable[str]):
    """The running servers; the highlighted one is what Stop and Restart act on."""


SERVER_COLUMNS = (
    # What matters most first: at half width the last columns scroll out of view.
    ("name", "server"),
    ("open", "open"),
    ("total", "total"),
    ("msgs_in", "msgs in"),
    ("msgs_out", "out"),
    ("rate", "msgs/s"),
    ("bytes_in", "bytes in"),
    ("bytes_out", "out"),
    ("refused", "refused"),
    ("address", "address"),
    ("model", "model"),
    ("faults", "faults"),
)
PEER_COLUMNS = (
    ("peer", "peer"),
    ("since", "since"),
    ("bytes_in", "bytes in"),
    ("bytes_out", "out"),
    ("state", "state"),
)


class ServersPane(Pane):
    PANE_ID = "servers"
    HELP = SERVERS_HELP
    BINDINGS: ClassVar[list[BindingType]] = [
        # Anywhere in the pane, not only on the table: they act on the selected server.
        Binding("ctrl+s", "stop_selected", "Stop server", id="servers-stop"),
        Binding("ctrl+r", "restart_selected", "Restart server", id="servers-restart"),
        # The Client's own connect key: here, to the selected server.
        Binding("ctrl+n", "connect_client", "Connect client", show=False, id="servers-connect"),
        # Not shown: the footer has no room left at 80 columns (F1 and the palette tell it).
        Binding("ctrl+f", "set_faults", "Set faults", show=False, id="servers-faults"),
    ]
    JUMP_KEYS: ClassVar[dict[str, str]] = {
        "servers-kind": "k",
        "servers-start": "s",
        "servers-bind": "b",
        "servers-port": "p",
        "servers-faults": "i",
        "servers-table": "t",
        "servers-log-filter": "/",
        "servers-log": "l",
    }

    @dataclass
    class ServerStarted(Message):
        """A server started, or (verb "restart") started again in place of `name`, or
        (verb "faults") was given new faults."""

        verb: Verb
        name: str
        server: Server

    @dataclass
    class ServerStopped(Message):
        name: str

    @dataclass
    class ServerFailed(Message):
        """A start, stop or restart failed: `error` is the one line saying why."""

        verb: Verb
        name: str
        error: str

    def __init__(self) -> None:
        super().__init__()
        self.server_clock: ServerClock | None = None
        """The clock given to servers started here (daytime, time); None for the real one.
        Snapshot tests fix it, as they fix the log's `EventLog.clock`."""
        self._readings: dict[str, Reading] = {}
        self._tcp_states: dict[str, str] = {}
        self._tcp_states_for: int | None = None
        """The last TCP states read (peer -> state) and the port they were read for."""
        self._reading_states = False
        """One read of /proc at a time: a slow one is not piled on by the next tick."""
        self._cells: dict[str, dict[str, dict[str, str]]] = {"servers": {}, "peers": {}}
        self._busy: set[str] = set()
        """Servers being stopped or restarted: their rows stay until that is done."""
        self._selected: str | None = None
        self._peers_shown_for: str | None = None
        self._server_names: tuple[str, ...] = ()
        self._told_lost = False
        self.event_log = EventLog(id="servers-log")
        """Every server's events; its `clock` is how their times are shown."""

    # -- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="servers-form"):
            # Kind and faults make the first line when the form takes two (80 columns).
            with Horizontal(id="servers-form-first"):
                yield from self._compose_kind()
                yield from self._compose_faults()
            yield from self._compose_where()
        yield Static("", id="servers-warning")
        yield Static("", id="servers-message")
        yield from self._compose_tables()
        yield from self._compose_log()

    def _compose_kind(self) -> ComposeResult:
        """The form's first part: what server to start, and Start."""
        kinds = [(f"{name}", name) for name in PROTOCOLS]
        with Horizontal(classes="form-group"):
            yield Label("Start", classes="form-label")
            yield Select(kinds, value="echo", allow_blank=False, compact=True, id="servers-kind")
            yield Select(
                [("TCP", "tcp"), ("UDP", "udp")],
                value="tcp",
                allow_blank=False,
                compact=True,
                id="servers-transport",
            )
            yield Select(
                [(model, model) for model in MODELS],
                value="threaded",
                allow_blank=False,
                compact=True,
                id="servers-model",
            )
            yield Button("Start", id="servers-start", variant="primary", compact=True)

    def _compose_faults(self) -> ComposeResult:
        """The faults the server is to inject (faults.py), empty for none."""
        with Horizontal(classes="form-group"):
            yield Label("faults", classes="form-label")
            yield Field(
                placeholder="delay=200ms", id="servers-faults", compact=True, max_length=MAX_FAULTS
            )

    def _compose_where(self) -> ComposeResult:
        """The form's second part: where the server listens, and its limits."""
        with Horizontal(classes="form-group"):
            yield Label("on", classes="form-label")
            yield Field("127.0.0.1", id="servers-bind", compact=True, max_length=255)
            yield Label("port", classes="form-label")
            yield Field(placeholder="0", id="servers-port", compact=True, max_length=16)
            yield Label("idle s", classes="form-label")
            yield Field(placeholder="def.", id="servers-idle", compact=True, max_length=8)
            yield Label("max", classes="form-label")
            yield Field(placeholder="100", id="servers-max-conns", compact=True, max_length=7)

    def _compose_tables(self) -> ComposeResult:
        """The servers, the buttons acting on the selected one, and its connections."""
        table: ServersTable = ServersTable(
            id="servers-table", cursor_type="row", zebra_stripes=True
        )
        for key, label in SERVER_COLUMNS:
            table.add_column(label, key=key)
        yield table
        with Horizontal(id="servers-actions"):
            yield Button("Stop", id="servers-stop", variant="error", compact=True, disabled=True)
            yield Button("Restart", id="servers-restart", compact=True, disabled=True)
            yield Static("No servers yet: start one above.", id="servers-peers-title")
            yield Static("", id="servers-dropped")
        peers: DataTable[str] = DataTable(id="servers-peers", cursor_type="none", show_cursor=False)
        for key, label in PEER_COLUMNS:
            peers.add_column(label, key=key)
        yield peers

    def _compose_log(self) -> ComposeResult:
        """The log's filter bar, and the log."""
        with Horizontal(id="servers-log-bar"):
            yield Select(
                [], prompt="all servers", allow_blank=True, compact=True, id="servers-log-server"
            )
            yield Field(
                placeholder="filter text",
                id="servers-log-filter",
                free_text=True,
                compact=True,
                max_length=200,
            )
            yield Checkbox("Pause", id="servers-log-pause", compact=True)
            yield Static("", id="servers-log-status")
        yield self.event_log

    def on_mount(self) -> None:
        self.set_interval(REFRESH, self.refresh_servers)
        self.watch(self.event_log, "paused", self._paused_changed, init=False)

    def fit_layout(self) -> None:
        # Inline styles on the few widgets concerned, not a class on the pane: a class
        # change styles all of the pane's widgets again, on every switch to the split view.
        size = self.size
        if not size:
            return
        narrow = size.width < NARROW
        self.query_one("#servers-form").styles.layout = "vertical" if narrow else "horizontal"
        thin = size.width < THIN
        self.query_one("#servers-form-first").styles.layout = "vertical" if thin else "horizontal"
        # Short windows (80x24): every line goes to content.
        gap = 0 if size.height < SHORT else 1
        for part in ("#servers-form", "#servers-table", "#servers-actions", "#servers-log-bar"):
            self.query_one(part).styles.margin = (gap, 0, 0, 0)

    def focus_first(self) -> None:
        # Enter in the port field starts the server the form describes.
        self.screen.set_focus(self.query_one("#servers-port", Input))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("stop_selected", "restart_selected", "connect_client", "set_faults"):
            return self._selected is not None
        return True

    def commands(self) -> Iterator[PaneCommand]:
        for name, protocol in PROTOCOLS.items():
            for transport in sorted(protocol.transports):
                yield PaneCommand(
                    f"Start a {transport.upper()} {name} server",
                    partial(self.start_server, name, transport),
                    protocol.summary,
                )
        servers = dict(self.lab.servers)
        for name, server in servers.items():
            where = address_text(server.address) if server.address else ""
            yield PaneCommand(f"Stop server {name}", partial(self.stop, name), f"at {where}")
            yield PaneCommand(
                f"Restart server {name}", partial(self.restart, name), "on the same port"
            )
            yield PaneCommand(
                f"Set faults on {name} (from the faults field)",
                partial(self.set_faults, name, None),
                "Ctrl+F on the selected server",
            )
            if server.faults is not None:
                yield PaneCommand(
                    f"Clear faults on {name}",
                    partial(self.set_faults, name, ""),
                    "now: " + server.faults.text(),
                )
        yield from self._timeline_commands(servers)
        if len(servers) > 1:
            yield PaneCommand("Stop every server", self.stop_all, f"all {len(servers)} of them")
        log = self.event_log
        yield PaneCommand("Clear the server log", self.clear_log, "forget every line it shows")
        yield PaneCommand(
            "Resume the server log" if log.paused else "Pause the server log",
            log.action_toggle_pause,
            "held lines appear on resume" if log.paused else "new lines are held meanwhile (p)",
        )
        if not log.following:
            yield PaneCommand("Follow the newest log lines", log.action_follow, "f or End")

    def _timeline_commands(self, servers: dict[str, Server]) -> Iterator[PaneCommand]:
        """A timeline for each connection the selected TCP server lists (Ctrl+L in the
        Client pane shows a session's): its end alone, or both when the client is the lab's."""
        server = servers.get(self._selected or "")
        if server is None or server.transport != "tcp":
            return
        for connection in server.connections(MAX_PEERS):
            yield PaneCommand(
                f"Timeline of {server.name}'s connection from {connection.peer}",
                partial(self.show_timeline, server.name, connection.peer),
                "its TCP states and what each end did, in time",
            )

    def show_timeline(self, name: str, peer: str) -> None:
        from netlab.tui.timeline import TimelineScreen, listening

        where = listening(self.lab)
        log = self.app.connections  # type: ignore[attr-defined]
        self.app.push_screen(TimelineScreen(lambda: log.server_timeline(name, peer, where)))

    def start_server(self, kind: str, transport: str) -> None:
        """Start a server of `kind` on any free port, the form's other choices kept."""
        self.bring_into_view()
        self.query_one("#servers-transport", Select).value = transport
        self.query_one("#servers-kind", Select).value = kind
        self.query_one("#servers-port", Input).value = ""
        # After the Selects have posted their changes (UDP turns off the TCP limits).
        self.call_after_refresh(self.start_from_form)

    def stop(self, name: str) -> None:
        self.select_server(name)
        self._run_on(name, "stop")

    def restart(self, name: str) -> None:
        self.select_server(name)
        self._run_on(name, "restart")

    def set_faults(self, name: str, faults: str | None) -> None:
        """Give a running server new faults: `faults`, or the form's field when None; ""
        clears them. The lab checks them (a bad one is the usual one-line error)."""
        if faults is None:
            faults = self.query_one("#servers-faults", Input).value
        self.select_server(name)
        self._server_job("faults", name, partial(self.lab.set_faults, name, faults.strip()))

    def stop_all(self) -> None:
        for name in list(self.lab.servers):
            self._run_on(name, "stop")

    def clear_log(self) -> None:
        self.event_log.forget()
        self.say("The log is cleared; the servers go on.")

    @property
    def lab(self) -> Lab:
        lab = getattr(self.app, "lab", None)
        if not isinstance(lab, Lab):
            raise RuntimeError("The Servers pane runs inside an app with a `lab`.")
        return lab

    @property
    def server_table(self) -> ServersTable:
        return self.query_one(ServersTable)

    @property
    def peer_table(self) -> DataTable[str]:
        return self.query_one("#servers-peers", DataTable)

    # -- messages --------------------------------------------------------------------------

    def say(self, text: str, *, error: bool = False) -> None:
        """One line under the form: the outcome of the last start, stop or restart."""
        message = self.query_one("#servers-message", Static)
        message.update(text)
        message.set_class(error, "error")
        message.set_class(not error, "hint")
        message.display = bool(text)

    @on(Input.Changed, "#servers-bind")
    def _bind_changed(self, event: Input.Changed) -> None:
        host = event.value.strip()
        warning = self.query_one("#servers-warning", Static)
        if names_loopback(host):
            warning.display = False
            return
        where = host or "every address of this machine"
        warning.update(f"listening on {where}: other machines can reach it")
        warning.display = True

    @on(Select.Changed, "#servers-transport")
    def _transport_changed(self, event: Select.Changed) -> None:
        # Connection limits mean nothing to a UDP server.
        for field_id in ("#servers-idle", "#servers-max-conns"):
            self.query_one(field_id, Input).disabled = event.value == "udp"

    # -- starting --------------------------------------------------------------------------

    @on(Button.Pressed, "#servers-start")
    def _start_pressed(self) -> None:
        self.start_from_form()

    @on(Input.Submitted, "#servers-form Input")
    def _form_submitted(self) -> None:
        self.start_from_form()

    def start_from_form(self) -> None:
        """Check the form here, then bind in a thread worker."""
        try:
            spec, options = self._read_form()
        except InputError as error:
            self.say(str(error), error=True)
            return
        self.say(f"Starting {spec.transport}/{spec.kind} on port {spec.port or 'any'}…")
        self._server_job("start", "new", partial(self.lab.start_server, spec, **options))

    def _read_form(self) -> tuple[ServerSpec, ServerOptions]:
        kind = str(self.query_one("#servers-kind", Select).value)
        transport = str(self.query_one("#servers-transport", Select).value)
        model = str(self.query_one("#servers-model", Select).value)
        port_text = self.query_one("#servers-port", Input).value.strip() or "0"
        spec = parse_spec(f"{transport}:{kind}:{port_text}@{model}")
        host = self.query_one("#servers-bind", Input).value.strip()
        if host.startswith("[") and host.endswith("]"):
            host = host[1:-1]
        options: ServerOptions = {"host": host}
        if self.server_clock is not None:
            options["clock"] = self.server_clock
        faults = parse_faults(self.query_one("#servers-faults", Input).value)
        if faults is not None:
            faults.check(spec.transport)
            options["faults"] = faults
        if transport == "tcp":
            idle = self.query_one("#servers-idle", Input).value.strip()
            if idle:
                options["idle_timeout"] = _number(idle, "The idle timeout", 0.0, 3600.0)
            most = self.query_one("#servers-max-conns", Input).value.strip()
            if most:
                options["max_conns"] = int(_number(most, "The most connections", 1, 10_000, int))
        return spec, options

    # -- stopping and restarting -----------------------------------------------------------

    @on(Button.Pressed, "#servers-stop")
    def action_stop_selected(self) -> None:
        """Stop the highlighted server, in a worker (it can take up to a second)."""
        self._run_on_selected("stop")

    @on(Button.Pressed, "#servers-restart")
    def action_restart_selected(self) -> None:
        """Stop the highlighted server and start one like it on the same port."""
        self._run_on_selected("restart")

    class ConnectClient(Message):
        """Connect the Client to the server `name` (the app hands it on to the Client)."""

        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    def action_set_faults(self) -> None:
        """The faults field's faults, on the highlighted server (empty: none)."""
        if self._selected is not None:
            self.set_faults(self._selected, None)

    def action_connect_client(self) -> None:
        if self._selected is not None:
            self.post_message(self.ConnectClient(self._selected))

    def _run_on_selected(self, verb: Verb) -> None:
        if self._selected is not None:
            self._run_on(self._selected, verb)

    def _run_on(self, name: str, verb: Verb) -> None:
        if name in self._busy:
            return
        self._busy.add(name)
        self.say(f"{'Stopping' if verb == 'stop' else 'Restarting'} {name}…")
        lab = self.lab
        if verb == "stop":
            self._server_job(verb, name, partial(_stopped, lab, name))
        else:
            self._server_job(verb, name, partial(lab.restart_server, name))

    @work(thread=True, group="servers", name="servers", exit_on_error=False)
    def _server_job(self, verb: Verb, name: str, job: Callable[[], Server | None]) -> None:
        """Start, stop or restart a server off the UI thread (a bind or a stop can take a
        second), and post how it went."""
        try:
            server = job()
        except Exception as error:
            text = str(error) if isinstance(error, NetlabError) else repr(error)
            self.post_message(self.ServerFailed(verb, name, text.splitlines()[0] if text else ""))
            return
        if server is None:
            self.post_message(self.ServerStopped(name))
        else:
            self.post_message(self.ServerStarted(verb, name, server))

    def on_servers_pane_server_started(self, message: ServerStarted) -> None:
        message.stop()
        self._busy.discard(message.name)
        server = message.server
        if message.verb == "faults":
            self.say(f"{server.name}: {faults_text(server.faults)}")
        else:
            started = "Restarted" if message.verb == "restart" else "Started"
            self.say(f"{started} {server.name} on {address_text(server.address)}.")
        self.refresh_servers()
        self.select_server(server.name)

    def on_servers_pane_server_stopped(self, message: ServerStopped) -> None:
        message.stop()
        self._busy.discard(message.name)
        self.say(f"Stopped {message.name}.")
        self.refresh_servers()

    def on_servers_pane_server_failed(self, message: ServerFailed) -> None:
        message.stop()
        self._busy.discard(message.name)
        self.say(message.error or f"Could not {message.verb} {message.name}.", error=True)
        self.refresh_servers()

    # -- the servers table -----------------------------------------------------------------

    def refresh_servers(self) -> None:
        """Read every server's counters; add, remove and update rows and cells."""
        # While the app closes, the pane's children go before its timers and the
        # app's drain do: there is nothing left to show things in.
        with contextlib.suppress(NoMatches):
            self._refresh_servers()

    def _refresh_servers(self) -> None:
        lab = self.lab
        if lab.lost is None:
            self._told_lost = False
        elif not self._told_lost:
            # Its servers are no longer listed: say why, once, in its own last words.
            self._told_lost = True
            self.say(f"The lab's servers are gone: {lab.lost}.", error=True)
        servers = dict(lab.servers)
        table = self.server_table
        now = time.monotonic()
        rows: dict[str, dict[str, str]] = {}
        for name, server in servers.items():
            rows[name] = self._server_cells(server, now)
        for name in self._busy:
            if name not in rows and name in self._cells["servers"]:
                rows[name] = self._cells["servers"][name]
        _sync_table(table, self._cells["servers"], rows)
        for name in list(self._readings):
            if name not in rows:
                del self._readings[name]
        if self._selected not in rows:
            self._selected = _highlighted(table)
            self.refresh_bindings()
        names = tuple(sorted(rows))
        if names != self._server_names:
            self._server_names = names
            self._update_log_servers(names)
        for button_id in ("#servers-stop", "#servers-restart"):
            self.query_one(button_id, Button).disabled = self._selected is None
        # Dropped by the bus, or cut from a batch too big to show: a flood either way.
        dropped = lab.bus.dropped + self.event_log.lost
        label = self.query_one("#servers-dropped", Static)
        label.update(f"log events not shown: {dropped:,}" if dropped else "")
        self._refresh_peers()
        self._show_log_status()

    def _server_cells(self, server: Server, now: float) -> dict[str, str]:
        messages = server.messages_in + server.messages_out
        reading = self._readings.get(server.name)
        if reading is None:
            reading = self._readings[server.name] = Reading(messages, now)
        elif now - reading.at >= REFRESH * 0.8:
            reading.rates.append(max(0, messages - reading.messages) / (now - reading.at))
            reading.messages, reading.at = messages, now
        rate = reading.rates[-1]
        address = server.address
        where = ""
        if address is not None:
            where = address_text(address)
        tcp = server.transport == "tcp"
        return {
            "name": server.name,
            "open": human(server.open_connections) if tcp else "-",
            "total": human(server.total_connections) if tcp else "-",
            "msgs_in": human(server.messages_in),
            "msgs_out": human(server.messages_out),
            "rate": f"{sparkline(reading.rates)} {human(round(rate))}",
            "bytes_in": human(server.bytes_in),
            "bytes_out": human(server.bytes_out),
            "refused": human(server.refused),
            "address": where,
            "model": server.model,
            "faults": server.faults.text() if server.faults is not None else "",
        }

    def select_server(self, name: str) -> None:
        """Highlight a server's row, showing its connections."""
        table = self.server_table
        with contextlib.suppress(RowDoesNotExist):
            table.move_cursor(row=table.get_row_index(name))
            self._selected = name
            self._refresh_peers()

    def reset_rates(self) -> None:
        """Start every messages-per-second graph afresh, flat, from the counters now."""
        self._readings.clear()
        self.refresh_servers()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table is not self.server_table:
            return
        self._selected = event.row_key.value
        self._refresh_peers()
        self.refresh_bindings()

    def _update_log_servers(self, names: tuple[str, ...]) -> None:
        select: Select[str] = self.query_one("#servers-log-server", Select)
        current = select.value
        with select.prevent(Select.Changed):
            select.set_options([(name, name) for name in names])
            if isinstance(current, str) and current in names:
                select.value = current
        if isinstance(current, str) and current not in names:
            self._apply_log_filter()

    # -- connections -----------------------------------------------------------------------

    def show_events(self, events: list[Event]) -> None:
        """Log the batch of the servers' events in one write."""
        if not events or not self.event_log.is_attached:
            return
        # The lab's bus also carries client sessions; this log is the servers' side.
        server = Side.SERVER
        events = [event for event in events if event.side is server]
        if not events:
            return
        self.event_log.show_events(events)
        if self.event_log.paused:
            with contextlib.suppress(NoMatches):
                self._show_log_status()

    def _refresh_peers(self) -> None:
        name = self._selected
        table = self.peer_table
        title = self.query_one("#servers-peers-title", Static)
        if name != self._peers_shown_for:
            self._peers_shown_for = name
            table.clear()
            self._cells["peers"] = {}
        server = self.lab.servers.get(name) if name else None
        if name is None:
            title.update("No servers yet: start one above." if not self._server_names else "")
            _sync_table(table, self._cells["peers"], {})
            return
        # The server's own count, read afresh each tick: exact however many events the
        # bus dropped. A server being stopped is gone from the lab, and lists none.
        peers = _by_peer(server.connections(MAX_PEERS)) if server is not None else {}
        udp = server.transport == "udp" if server is not None else name.startswith("udp/")
        what = ("source" if udp else "connection") + ("" if len(peers) == 1 else "s")
        waiting = server.waiting if server is not None else 0
        # An iterative server's next clients: connected, as far as they know, unserved.
        queued = f" · {waiting} waiting in the accept queue" if waiting else ""
        # The selected server's faults, where they show at any width (the column may not).
        faults = f" · {faults_text(server.faults)}" if server and server.faults else ""
        title.update(f"{len(peers)} {what} of {name}{faults}{queued}")
        port = None if udp or not peers or server is None else server.address[1]
        states = self._tcp_states if port is not None and port == self._tcp_states_for else {}
        if port is not None and not self._reading_states:
            self._reading_states = True
            self._read_tcp_states(port)
        clock = self.event_log.clock
        rows: dict[str, dict[str, str]] = {}
        for peer, record in peers.items():
            closed = str(record.closed) if record.closed else ""
            state = "-" if udp else states.get(peer, "")
            if not state:
                state = closed or "-"
            elif closed and state != "TIME_WAIT":
                state = closed
            rows[peer] = {
                "peer": peer,
                "since": clock(record.since),
                "bytes_in": human(record.bytes_in),
                "bytes_out": human(record.bytes_out),
                "state": state,
            }
        _sync_table(table, self._cells["peers"], rows)

    @work(thread=True, group="tcp-states", exit_on_error=False)
    def _read_tcp_states(self, port: int) -> None:
        # /proc/net/tcp lists every socket of the machine: with thousands of connections
        # reading it takes long enough to stall the screen, so it is read off the UI thread.
        states = tcp_states(port)
        self.app.call_from_thread(self._got_tcp_states, port, states)

    def _got_tcp_states(self, port: int, states: dict[str, str]) -> None:
        self._reading_states = False
        if (port, states) == (self._tcp_states_for, self._tcp_states):
            return
        self._tcp_states_for, self._tcp_states = port, states
        with contextlib.suppress(NoMatches):
            self._refresh_peers()

    # -- the log ---------------------------------------------------------------------------

    @on(Select.Changed, "#servers-log-server")
    @on(Input.Changed, "#servers-log-filter")
    def _apply_log_filter(self) -> None:
        value = self.query_one("#servers-log-server", Select).value
        server = value if isinstance(value, str) else None
        text = self.query_one("#servers-log-filter", Input).value
        self.event_log.set_filter(server=server, text=text)
        self._show_log_status()

    @on(Checkbox.Changed, "#servers-log-pause")
    def _pause_toggled(self, event: Checkbox.Changed) -> None:
        self.event_log.paused = event.value

    def _paused_changed(self, paused: bool) -> None:
        checkbox = self.query_one("#servers-log-pause", Checkbox)
        if checkbox.value != paused:
            with checkbox.prevent(Checkbox.Changed):
                checkbox.value = paused
        self._show_log_status()

    def _show_log_status(self) -> None:
        self.query_one("#servers-log-status", Static).update(self.event_log.status)


def tcp_states(port: int) -> dict[str, str]:
    """The kernel's TCP state of each peer of a local port, by "host:port" text.

    Empty where the system cannot tell (no /proc): the table then shows "-".
    """
    try:
        sockets = tcpstate.sockets_on_port(port)
    except (NetlabError, OSError):
        return {}
    states: dict[str, str] = {}
    for entry in sockets or []:
        if entry.state is tcpstate.TcpState.LISTEN:
            continue
        # A socket a process still holds wins over a TIME_WAIT ghost of an older one.
        key = entry.remote_text
        if key not in states or entry.inode:
            states[key] = entry.state.value
    return states


def faults_text(faults: Faults | None) -> str:
    """A server's faults in words: "faults delay=200ms", "no faults"."""
    return f"faults {faults.text()}" if faults is not None else "no faults"


def _stopped(lab: Lab, name: str) -> None:
    """Stop a server: a job with no server to show for it."""
    lab.stop_server(name)


def _by_peer(connections: list[ConnectionInfo]) -> dict[str, ConnectionInfo]:
    """One row a peer: a closed connection and a newer one from the same host:port (the
    port used again) are one row, the newer's, where the newer comes."""
    latest: dict[str, ConnectionInfo] = {}
    for info in connections:
        latest.pop(info.peer, None)
        latest[info.peer] = info
    return latest


def _number(
    text: str, what: str, low: float, high: float, kind: Callable[[str], float] = float
) -> float:
    try:
        value = kind(text)
    except ValueError:
        raise InputError(f"{what} {text!r} is not a number: use {low:g} to {high:g}.") from None
    if not low < value <= high if kind is float else not low <= value <= high:
        raise InputError(f"{what} {text} is out of range: use {low:g} to {high:g}.")
    return value


def _highlighted(table: DataTable[str]) -> str | None:
    if not table.row_count:
        return None
    with contextlib.suppress(Exception):
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return key
    return None


def _sync_table(
    table: DataTable[str], shown: dict[str, dict[str, str]], rows: dict[str, dict[str, str]]
) -> bool:
    """Make `table` show `rows` (key -> column -> text), touching only what changed.

    `shown` is what the table holds now; it is brought up to date too. Returns whether
    any row was added.
    """
    removed = [key for key in shown if key not in rows]
    for key in removed:
        table.remove_row(key)
        del shown[key]
    added = False
    resized: set[str] = set()
    for key, cells in rows.items():
        old = shown.get(key)
        if old is None:
            table.add_row(*cells.values(), key=key)
            shown[key] = dict(cells)
            added = True
            continue
        for column, text in cells.items():
            before = old.get(column)
            if before != text:
                table.update_cell(key, column, text)
                old[column] = text
                if before is None or removed or cell_len(before) != cell_len(text):
                    resized.add(column)
    # DataTable re-measures a whole column for each narrower cell it is told to fit: with
    # a hundred connections that was 10,000 measures a refresh, stalling keys for a second.
    # Telling it about only the widest cell of each column whose widths moved gives the
    # same widths with at most one pass over a column.
    for column in resized:
        key = max(shown, key=lambda row: cell_len(shown[row][column]))
        table.update_cell(key, column, shown[key][column], update_width=True)
    return added
