"""A lab whose servers run in another process, reached at its control socket.

RemoteLab is a Lab to whoever holds it (the app): `servers` lists the other process's
servers, each a RemoteServer whose counters and connections are those of the last
tick (a tenth of a second old at most); their events arrive on this lab's own bus, so
the logs show them as they show local ones; start, stop and restart are commands to
the other process, blocking as a local start blocks (call them from a worker).

The client sessions it opens run there too, each a RemoteSession here: connect, send,
half-close, close and save are commands, blocking as a local session's do; their
events come as they happen, no more than this lab grants: what it has taken and the
room its bus has (engine/sessions.py paces them by it). Nothing they receive is
dropped, and a reader here that falls behind slows their servers, not the lab.

When the other process ends, `lost` says so, in its last words when it had any, its
servers leave `servers`, and each open session is closed with those words: nothing
pretends to run on. close() detaches: the servers go on where they run, and the
sessions opened from here close there.
"""

from __future__ import annotations

import contextlib
import itertools
import socket
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from netlab.core.bus import EventBus
from netlab.core.client import SEND_TIMEOUT, State
from netlab.core.endpoints import parse_endpoint
from netlab.core.engine import codec
from netlab.core.errors import InputError, OperationFailed
from netlab.core.events import CloseReason, Closing, Event, Side, closed_event
from netlab.core.lab import Lab, Server, Session, SessionOptions
from netlab.core.servers import ServerSpec
from netlab.core.servers.base import ConnectionInfo
from netlab.core.servers.faults import parse_faults
from netlab.core.servers.protocols import Transport

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from netlab.core.servers import Model, ServerOptions

CONNECT_TIMEOUT = 2.0
REPLY_TIMEOUT = 10.0
"""A start may bind and wait for the async loop; a stop takes up to a second."""
SEND_CHUNK = 1024 * 1024
"""Bytes sent a command at most: as JSON, at most six times as many, well within a line."""
ACK_POLL = 0.05
"""Seconds between looks at this lab's bus while it is too full to grant more."""
GRANT_BYTES = 4 * 1024 * 1024
"""Bytes of the sessions' data on their way here at most."""


class RemoteServer:
    """A server in another process, as of its last tick; stop() asks that process."""

    def __init__(self, lab: RemoteLab, state: codec.ServerState) -> None:
        self._lab = lab
        self.update(state)

    def update(self, state: codec.ServerState) -> None:
        self.name = state.name
        self.transport: Transport = "udp" if state.transport == "udp" else "tcp"
        self.model: Model = state.model  # type: ignore[assignment]  # the engine's own
        self.address = state.address
        self.running = state.running
        counters = state.counters
        self.open_connections = counters["open_connections"]
        self.total_connections = counters["total_connections"]
        self.messages_in = counters["messages_in"]
        self.messages_out = counters["messages_out"]
        self.bytes_in = counters["bytes_in"]
        self.bytes_out = counters["bytes_out"]
        self.refused = counters["refused"]
        self.errors = counters["errors"]
        self.waiting = counters["waiting"]
        self.faults = parse_faults(state.faults)
        self._connections = state.connections

    def connections(self, limit: int | None = None) -> list[ConnectionInfo]:
        connections = list(self._connections)
        if limit is not None and len(connections) > limit:
            open_ones = [c for c in connections if c.closed is None][-limit:]
            closed = [c for c in connections if c.closed is not None]
            room = max(0, limit - len(open_ones))
            kept = [*closed[len(closed) - room :], *open_ones] if room else open_ones
            connections = sorted(kept, key=lambda c: c.since)
        return connections

    def stop(self) -> None:
        self._lab.stop_server(self.name)


class RemoteSession:
    """A client session in another process, as of its last state; acting asks there."""

    def __init__(self, lab: RemoteLab, state: codec.SessionState) -> None:
        self._lab = lab
        self.name = state.name
        self.transport: Transport = "udp" if state.transport == "udp" else "tcp"
        self.endpoint = parse_endpoint(state.endpoint, network=self.transport)
        self.spool = None if state.spool is None else RemoteSpool(lab, state.name)
        self.state: State = "connecting"
        self.write_shut = False
        self.bytes_in = self.bytes_out = self.messages_in = self.messages_out = 0
        self.update(state)

    def update(self, state: codec.SessionState) -> None:
        """Take a state, which may be older than one already taken (an answer and a
        batch of events race here): a session only goes forward, so keep the newest
        of each fact."""
        if self.state == "closed":
            return
        self.peer = state.peer
        self.state = state.state  # type: ignore[assignment]  # the engine's own
        self.write_shut = self.write_shut or state.write_shut
        self.close_reason = state.close_reason
        for name, value in state.counters.items():
            setattr(self, name, max(value, getattr(self, name)))

    def ended(self, reason: CloseReason) -> bool:
        """Mark the session closed here, when its process can no longer say so; whether
        it was open until now."""
        if self.state == "closed":
            return False
        self.state = "closed"
        self.close_reason = reason
        return True

    def send_bytes(self, data: bytes) -> None:
        """Send, in commands of SEND_CHUNK bytes at most (a line of the control protocol
        has a limit); each waits there up to its own timeout for a server not reading."""
        data = bytes(data)
        for start in range(0, max(len(data), 1), SEND_CHUNK):
            chunk = data[start : start + SEND_CHUNK].decode("latin-1")
            self._ask("send", SEND_TIMEOUT + REPLY_TIMEOUT, data=chunk)

    def shutdown_write(self) -> None:
        self._ask("half_close")

    def close(self) -> None:
        self._ask("close")

    def _ask(self, op: str, waits: float = REPLY_TIMEOUT, **fields: Any) -> None:
        """Ask the other process to act; its answer is the session's state after."""
        self.update(codec.session_state_in(self._lab._ask(op, waits, name=self.name, **fields)))


class RemoteSpool:
    """A remote session's spool: saved by the process that holds it, at this one's path."""

    def __init__(self, lab: RemoteLab, name: str) -> None:
        self._lab = lab
        self._name = name
        self.not_kept = 0

    def save(self, path: Path) -> int:
        # Absolute: the other process may run elsewhere (an attached lab's own directory).
        saved = self._lab._ask("save", name=self._name, path=str(Path(path).absolute()))
        if "oserror" in saved:
            number, words = saved["oserror"]
            raise OSError(number, words)
        self.not_kept = int(saved["not_kept"])
        return int(saved["saved"])

    def discard(self) -> None:
        self._lab.forget_session(self._name)


class RemoteLab(Lab):
    """The servers of the lab at `path`, and the client sessions opened from here, which
    run there too."""

    def __init__(self, path: str, bus: EventBus | None = None, *, attach: bool = True) -> None:
        super().__init__(bus)
        self.path = path
        self.peer_pid = 0
        self._ids = itertools.count(1)
        self._replies: dict[int, dict[str, Any]] = {}
        self._replied = threading.Condition()
        self._send_lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._closed = threading.Event()
        self._reader: threading.Thread | None = None
        self._acks = _Acks()
        self._known_sessions: dict[str, RemoteSession] = {}
        """Every session opened from here, open or closed, until its tab lets it go."""
        if attach:
            self._attach()

    def _attach(self) -> None:
        """Connect to the lab at `path` and take its hello: its servers, as they are."""
        sock = _connect(self.path)
        hello = threading.Event()
        self.lost = None
        self._sock = sock
        self._acks = acks = _Acks()  # counted afresh: the other side's count starts with us
        self._reader = threading.Thread(
            target=self._read, args=(sock, hello), name="netlab attach", daemon=True
        )
        self._reader.start()
        threading.Thread(
            target=self._acknowledge, args=(sock, acks), name="netlab attach acks", daemon=True
        ).start()
        if not hello.wait(REPLY_TIMEOUT):
            self._detach()
            raise OperationFailed(f"The lab at {self.path} did not answer: is it a netlab lab?")
        if self.lost is not None:
            raise OperationFailed(f"The lab at {self.path} is gone: {self.lost}.")

    # -- what a Lab offers, done by the other process ----------------------------------

    def start_server(self, spec: ServerSpec | str, **options: Unpack[ServerOptions]) -> Server:
        state = codec.state_in(
            self._ask(
                "start",
                spec=spec if isinstance(spec, str) else spec.text(),
                options=codec.options_out(options),
            )
        )
        return self._known(state)

    def stop_server(self, name: str) -> None:
        self._ask("stop", name=name)
        self.servers.pop(name, None)

    def restart_server(self, name: str) -> Server:
        state = codec.state_in(self._ask("restart", name=name))
        if state.name != name:
            self.servers.pop(name, None)
        return self._known(state)

    def set_faults(self, name: str, faults: str | None) -> Server:
        return self._known(codec.state_in(self._ask("set_faults", name=name, faults=faults)))

    def open_session(self, endpoint: str, **options: Unpack[SessionOptions]) -> Session:
        name = options.get("name") or f"client-{next(self._session_numbers)}"
        # The connect's own timeout there, and then the usual wait for its answer.
        waits = options.get("connect_timeout", 5.0) + REPLY_TIMEOUT
        state = codec.session_state_in(
            self._ask(
                "connect",
                waits,
                name=name,
                endpoint=endpoint,
                options=codec.session_options_out(options),
            )
        )
        session = self._known_sessions[name] = RemoteSession(self, state)
        self.sessions[name] = session
        return session

    def close_session(self, name: str) -> None:
        session = self.sessions.pop(name, None)
        if session is not None:
            session.close()

    def close(self) -> None:
        """Detach: the servers go on where they run; the sessions opened from here
        close there, as we go."""
        self._detach()
        for session in self._known_sessions.values():
            session.ended(CloseReason.BY_US)
        self.sessions.clear()

    def _detach(self) -> None:
        self._closed.set()
        sock = self._sock
        if sock is None:
            return
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        if self._reader is not None and self._reader is not threading.current_thread():
            self._reader.join(1.0)
        sock.close()

    # -- the conversation --------------------------------------------------------------

    def _ask(self, op: str, waits: float = REPLY_TIMEOUT, **fields: Any) -> Any:
        """Send a command and wait up to `waits` seconds for its answer."""
        if self.lost is not None:
            raise OperationFailed(f"The lab at {self.path} is gone: {self.lost}.")
        ident = next(self._ids)
        try:
            self._send({"id": ident, "op": op, **fields})
        except OSError as error:
            raise OperationFailed(f"The lab at {self.path} is gone: {error.strerror}.") from None
        with self._replied:
            answered = self._replied.wait_for(
                lambda: ident in self._replies or self.lost is not None, waits
            )
            reply = self._replies.pop(ident, None)
        if reply is None:
            why = self.lost if answered else f"no answer in {waits:g} s"
            raise OperationFailed(f"The lab at {self.path} did not {op}: {why}.")
        if "error" in reply:
            failure = InputError if reply.get("input") else OperationFailed
            raise failure(str(reply["error"]))
        return reply.get("ok")

    def _tell(self, op: str, **fields: Any) -> None:
        """Send a command nobody waits on (its lab may be gone: then there is no one to tell)."""
        with contextlib.suppress(OSError):
            if self.lost is None:
                self._send({"op": op, **fields})

    def _send(self, message: dict[str, Any]) -> None:
        sock = self._sock
        if sock is None:
            raise OSError(0, "not attached")
        with self._send_lock:
            sock.sendall(codec.encode(message))

    def _acknowledge(self, sock: socket.socket, acks: _Acks) -> None:
        """Grant the other process room for more of its sessions' events: at once, then
        each time some are taken while this lab's bus has room; that paces them."""
        while not self._closed.is_set() and sock is self._sock and self.lost is None:
            if not acks.due.wait(REPLY_TIMEOUT / 20):
                continue
            if self.bus.behind():
                self._closed.wait(ACK_POLL)  # the reader here is behind: let it catch up
                continue
            acks.due.clear()  # before the count is read: what comes after is due again
            count, size = acks.taken
            room = self.bus.capacity // 2 - len(self.bus)  # at least 1: not behind
            try:
                self._send({"ack": [count + room, size + GRANT_BYTES]})
            except OSError:
                return  # gone: the reader says how

    def _known(self, state: codec.ServerState) -> Server:
        server = self.servers.get(state.name)
        if isinstance(server, RemoteServer):
            server.update(state)
            return server
        known = self.servers[state.name] = RemoteServer(self, state)
        return known

    def _read(self, sock: socket.socket, hello: threading.Event) -> None:
        why = "it closed the connection"
        try:
            for line in codec.read_lines(sock, self._closed):
                message = codec.decode(line)
                if "bye" in message:
                    why = str(message["bye"])
                    break
                self._take(message, hello)
        except (OSError, codec.WireError) as error:
            why = str(error)
        finally:
            if sock is self._sock:  # not a connection since replaced by a fresh one
                self._lose(why)
            hello.set()

    def _take(self, message: dict[str, Any], hello: threading.Event) -> None:
        if "tick" in message:
            tick = message["tick"]
            # The servers first: whoever hears a listening event finds its server known.
            if "servers" in tick:
                self._states([codec.state_in(s) for s in tick["servers"]])
            for value in tick.get("events", ()):
                self.bus.publish(codec.event_in(value))
            self.bus.count_dropped(int(tick.get("dropped", 0)))
        elif "sessions" in message:
            batch = message["sessions"]
            for value in batch.get("states", ()):
                self._session_state(codec.session_state_in(value))
            events = [codec.event_in(value) for value in batch.get("events", ())]
            for event in events:
                self.bus.publish(event)
            self._acks.took(events)
        elif "hello" in message:
            greeting = message["hello"]
            self.peer_pid = int(greeting.get("pid", 0))
            self._states([codec.state_in(s) for s in greeting.get("servers", ())])
            hello.set()
        elif message.get("id") is not None:  # an answer to nobody is nothing to keep
            with self._replied:
                self._replies[int(message["id"])] = message
                self._replied.notify_all()

    def _states(self, states: list[codec.ServerState]) -> None:
        """The other process's servers as they are now: new ones added, gone ones gone."""
        names = {state.name for state in states}
        # list(): one copy made at once, as a worker may start or stop one meanwhile.
        for name in list(self.servers):
            if name not in names:
                self.servers.pop(name, None)
        for state in states:
            self._known(state)

    def _session_state(self, state: codec.SessionState) -> None:
        session = self._known_sessions.get(state.name)
        if session is not None:  # else still connecting: its connect's answer makes it
            session.update(state)

    def forget_session(self, name: str) -> None:
        """Let a session go for good, its spool with it: told, not asked (a tab closing
        on the screen's thread must not wait on another process)."""
        self._known_sessions.pop(name, None)
        self._tell("forget", name=name)

    def _lose(self, why: str) -> None:
        if not self._closed.is_set():
            self.lost = self._last_words(why)
            self.servers.clear()
            self._end_sessions(self.lost)
        with self._replied:
            if self.lost is None:
                self.lost = "detached"
            self._replied.notify_all()

    def _end_sessions(self, why: str) -> None:
        """Close each open session here with the other process's last words: its
        connection went with that process."""
        closing = Closing(CloseReason.LAB_GONE, why=why)
        for session in list(self._known_sessions.values()):
            if session.ended(CloseReason.LAB_GONE):
                self.bus.publish(closed_event(session.name, session.peer, closing, Side.CLIENT))
        self.sessions.clear()

    def _last_words(self, why: str) -> str:
        """What to say of the other process's end, given what the connection said."""
        return why


class _Acks:
    """How much this lab has taken of its sessions' events on one connection."""

    def __init__(self) -> None:
        self.taken = (0, 0)
        """Events, and bytes of data in them, since the connection began."""
        self.due = threading.Event()
        self.due.set()  # the first grant: nothing comes before it

    def took(self, events: list[Event]) -> None:
        if events:
            count, size = self.taken
            self.taken = (count + len(events), size + sum(len(e.data) for e in events))
            self.due.set()


def _connect(path: str) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(CONNECT_TIMEOUT)
    try:
        sock.connect(path)
    except (FileNotFoundError, ConnectionRefusedError):
        sock.close()
        raise OperationFailed(
            f"No lab listens at {path}: start one with netlab serve SPEC --control {path}."
        ) from None
    except OSError as error:
        sock.close()
        raise OperationFailed(f"Cannot attach to {path}: {error.strerror or error}.") from None
    sock.settimeout(None)
    return sock
