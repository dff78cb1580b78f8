"""A lab whose servers run in another process, reached at its control socket.

RemoteLab is a Lab to whoever holds it (the app): `servers` lists the other process's
servers, each a RemoteServer whose counters and connections are those of the last
tick (a tenth of a second old at most); their events arrive on this lab's own bus, so
the logs show them as they show local ones; start, stop and restart are commands to
the other process, blocking as a local start blocks (call them from a worker). The
client sessions it opens are this process's own, as a local lab's are.

When the other process ends, `lost` says so, in its last words when it had any, and
its servers leave `servers`: nothing pretends they still run. close() detaches: the
servers go on where they run.
"""

from __future__ import annotations

import contextlib
import itertools
import socket
import threading
from typing import TYPE_CHECKING, Any

from netlab.core.bus import EventBus
from netlab.core.engine import codec
from netlab.core.errors import InputError, OperationFailed
from netlab.core.lab import Lab, Server
from netlab.core.servers import ServerSpec
from netlab.core.servers.base import ConnectionInfo
from netlab.core.servers.protocols import Transport

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from netlab.core.servers import Model, ServerOptions

CONNECT_TIMEOUT = 2.0
REPLY_TIMEOUT = 10.0
"""A start may bind and wait for the async loop; a stop takes up to a second."""


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


class RemoteLab(Lab):
    """The servers of the lab at `path`, and client sessions of this process's own."""

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
        if attach:
            self._attach()

    def _attach(self) -> None:
        """Connect to the lab at `path` and take its hello: its servers, as they are."""
        sock = _connect(self.path)
        hello = threading.Event()
        self.lost = None
        self._sock = sock
        self._reader = threading.Thread(
            target=self._read, args=(sock, hello), name="netlab attach", daemon=True
        )
        self._reader.start()
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

    def close(self) -> None:
        """Close this process's sessions and detach: the servers go on where they run."""
        self.close_sessions()
        self._detach()

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

    def _ask(self, op: str, **fields: Any) -> Any:
        if self.lost is not None:
            raise OperationFailed(f"The lab at {self.path} is gone: {self.lost}.")
        ident = next(self._ids)
        assert self._sock is not None
        try:
            with self._send_lock:
                self._sock.sendall(codec.encode({"id": ident, "op": op, **fields}))
        except OSError as error:
            raise OperationFailed(f"The lab at {self.path} is gone: {error.strerror}.") from None
        with self._replied:
            answered = self._replied.wait_for(
                lambda: ident in self._replies or self.lost is not None, REPLY_TIMEOUT
            )
            reply = self._replies.pop(ident, None)
        if reply is None:
            why = self.lost if answered else f"no answer in {REPLY_TIMEOUT:g} s"
            raise OperationFailed(f"The lab at {self.path} did not {op}: {why}.")
        if "error" in reply:
            failure = InputError if reply.get("input") else OperationFailed
            raise failure(str(reply["error"]))
        return reply.get("ok")

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
        elif "hello" in message:
            greeting = message["hello"]
            self.peer_pid = int(greeting.get("pid", 0))
            self._states([codec.state_in(s) for s in greeting.get("servers", ())])
            hello.set()
        elif "id" in message:
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

    def _lose(self, why: str) -> None:
        if not self._closed.is_set():
            self.lost = self._last_words(why)
            self.servers.clear()
        with self._replied:
            if self.lost is None:
                self.lost = "detached"
            self._replied.notify_all()

    def _last_words(self, why: str) -> str:
        """What to say of the other process's end, given what the connection said."""
        return why


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
