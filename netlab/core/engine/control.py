"""A lab served to other processes over a Unix socket: `netlab serve … --control PATH`.

Whoever connects (the app, `netlab --attach PATH`) sends commands, one JSON object a
line: {"id": 1, "op": "start", "spec": "echo:0", "options": {…}}, "stop" and
"restart" with a "name", "set_faults" with a "name" and "faults" (a spec, or null),
"servers"; "snapshot" (its servers and its sessions); and
for client sessions of its own, "connect" (a "name", an "endpoint", "options"),
"send" ("data", bytes as Latin-1), "half_close", "close", "save" (a "path"), "forget".
Each gets one reply: {"id": 1, "ok": …} or {"id": 1, "error": "one sentence",
"input": true}; a command without an id gets none.
Commands run beside the reader (lanes.py), a session's in order: a send blocked on a
server that does not read holds that session alone.

Unasked, every TICK seconds, each connected peer also gets {"tick": {"events": […],
"servers": […], "dropped": N}}: what the servers did since the last tick, every
server's counters and connections, and how many of their events it was not sent. Its
sessions' events come as they happen, with their states: {"sessions": {"events": […],
"states": […]}}, never dropped but paced (sessions.py): the peer grants what it can
take with {"ack": [EVENTS, BYTES]}, counted from its start. On connecting it gets
{"hello": {…}} first, and when the lab closes, {"bye": "why"}.

The socket is the owner's alone (mode 0600, made so before it is bound). A peer that
does not read is sent no more than MAX_PENDING server events a tick: the rest are
counted, never held, and a peer whose socket stays full for SEND_TIMEOUT is dropped,
so no peer slows the lab's sockets. A command that does not parse is one error reply;
the peer stays.
"""

from __future__ import annotations

import contextlib
import os
import socket
import stat
import threading
import time
from typing import Any

from netlab import __version__
from netlab.core.engine import codec
from netlab.core.engine.lanes import Lanes
from netlab.core.engine.sessions import OPS as SESSION_OPS
from netlab.core.engine.sessions import SessionDesk
from netlab.core.errors import InputError, NetlabError, OperationFailed
from netlab.core.events import Event
from netlab.core.lab import Lab, Server
from netlab.core.servers.base import MAX_CLOSED

TICK = 0.1
"""Seconds between a peer's batches of events and states: ten frames a second."""
MAX_PENDING = 5_000
"""Server events held for one peer between ticks; beyond, they are counted as dropped.
A flooded server logs its first 1,000 messages a second one by one, each way, and they
come in a burst at the second's start: a few such servers' bursts must fit in a tick,
so the app's log has every message, one by one or summed (bench/README.md)."""
CONNECTIONS_SENT = MAX_CLOSED
"""A server's connections in each tick at most, the newest (servers.base.connections):
as many as the app lists. All of 10,000 would make every tick half a megabyte."""
BATCH = 500
"""Events a line at most, so a line stays far below codec.MAX_LINE."""
SEND_TIMEOUT = 5.0
"""Seconds a peer's socket may stay full before the peer is dropped as not reading."""
MAX_PEERS = 8
POLL = 0.2


def server_state(server: Server) -> codec.ServerState:
    return codec.ServerState(
        server.name,
        server.transport,
        server.model,
        server.address,
        server.running,
        {name: getattr(server, name) for name in codec.COUNTERS},
        tuple(server.connections(CONNECTIONS_SENT)),
        server.faults.text() if server.faults is not None else "",
    )


class ControlServer:
    """Serves `lab` to other processes at `path` until close()."""

    def __init__(self, lab: Lab, path: str) -> None:
        self.lab = lab
        self.path = path
        self._listener: socket.socket | None = None
        self._peers: dict[int, _Peer] = {}
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._accepting: threading.Thread | None = None
        self._lanes = Lanes("netlab control")

    def start(self) -> ControlServer:
        self._listener = _listen(self.path)
        self._accepting = threading.Thread(
            target=self._accept, name="netlab control accept", daemon=True
        )
        self._accepting.start()
        return self

    def publish(self, events: list[Event]) -> None:
        """Hand events drained from the lab's bus to every peer, for its next tick."""
        if events:
            for peer in self._each_peer():
                peer.take(events)

    def close(self, last_words: str = "the lab closed") -> None:
        """Say `last_words` to every peer, close, and remove the socket's file."""
        if self._closing.is_set():
            return
        self._closing.set()
        if self._listener is not None:
            self._listener.close()
            with contextlib.suppress(OSError):
                os.unlink(self.path)
        for peer in self._each_peer():
            peer.close(last_words)
        if self._accepting is not None:
            self._accepting.join(POLL * 3)

    def _each_peer(self) -> list[_Peer]:
        with self._lock:
            return list(self._peers.values())

    def _accept(self) -> None:
        assert self._listener is not None
        while not self._closing.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # closed
            with self._lock:
                if len(self._peers) >= MAX_PEERS:
                    sock.close()
                    continue
                peer = _Peer(self, sock)
                self._peers[id(peer)] = peer
            peer.start()

    def _gone(self, peer: _Peer) -> None:
        with self._lock:
            self._peers.pop(id(peer), None)

    def server_states(self) -> list[dict[str, Any]]:
        """Every server of the lab as it is now, as the wire has it."""
        # list(): one copy made at once, as a command may start or stop one meanwhile.
        return [codec.state_out(server_state(s)) for s in list(self.lab.servers.values())]

    def dispatch(self, peer: _Peer, request: dict[str, Any]) -> None:
        """Run a command in its lane; its reply goes to `peer` when it is done."""
        op = request.get("op")
        if op in SESSION_OPS:
            # A close must not wait behind a send it is there to end.
            lane: object = (id(peer), "close" if op == "close" else "session", request.get("name"))
        else:
            lane = "lab"  # the servers' commands in the order given, as a person gave them
        if not self._lanes.run(lane, lambda: peer.reply(request, self.answer(peer, request))):
            busy = "The lab is busy with many commands at once: try again in a moment."
            peer.reply(request, {"id": request.get("id"), "error": busy, "input": False})

    def answer(self, peer: _Peer, request: dict[str, Any]) -> dict[str, Any]:
        """One command's reply."""
        ident = request.get("id")
        try:
            return {"id": ident, "ok": self._do(peer, request)}
        except InputError as error:
            return {"id": ident, "error": str(error), "input": True}
        except NetlabError as error:
            return {"id": ident, "error": str(error), "input": False}

    def _do(self, peer: _Peer, request: dict[str, Any]) -> Any:
        op = request.get("op")
        lab = self.lab
        if op in SESSION_OPS:
            return peer.desk.do(str(op), request)
        if op == "servers":
            return self.server_states()
        if op == "snapshot":
            return {"servers": self.server_states(), "sessions": peer.desk.states()}
        if op == "start":
            spec = request.get("spec")
            if not isinstance(spec, str):
                raise InputError("A start needs a spec, such as echo:0.")
            server = lab.start_server(spec, **codec.options_in(request.get("options", {})))
            return codec.state_out(server_state(server))
        name = request.get("name")
        if op in ("stop", "restart", "set_faults") and not isinstance(name, str):
            raise InputError(f"A {op} needs the server's name, such as tcp/echo:7.")
        if op == "set_faults":
            faults = request.get("faults")
            if faults is not None and not isinstance(faults, str):
                raise InputError("set_faults takes faults as text, such as drop=0.1, or null.")
            return codec.state_out(server_state(lab.set_faults(str(name), faults)))
        if op == "stop":
            lab.stop_server(str(name))
            return None
        if op == "restart":
            server = lab.restart_server(str(name))
            return codec.state_out(server_state(server))
        raise InputError(
            f"Unknown command {op!r}: use start, stop, restart, set_faults or servers for the "
            "lab's "
            "servers; connect, send, half_close, close, save or forget for sessions; "
            "snapshot for both."
        )


class _Peer:
    """One connected process: a thread reading its commands, one sending to it."""

    def __init__(self, control: ControlServer, sock: socket.socket) -> None:
        self.control = control
        self.sock = sock
        self.sock.settimeout(SEND_TIMEOUT)
        self._pending: list[Event] = []
        self._dropped = 0
        self._replies: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._closed = threading.Event()
        self._last_words = ""
        self._send_lock = threading.Lock()
        self.desk = SessionDesk(wake=self._wake.set)

    def start(self) -> None:
        name = f"netlab control peer {self.sock.fileno()}"
        threading.Thread(target=self._read, name=f"{name} reader", daemon=True).start()
        threading.Thread(target=self._write, name=f"{name} writer", daemon=True).start()

    def take(self, events: list[Event]) -> None:
        with self._lock:
            room = MAX_PENDING - len(self._pending)
            if room < len(events):
                self._dropped += len(events) - max(room, 0)
                events = events[: max(room, 0)]
            self._pending += events

    def reply(self, request: dict[str, Any], reply: dict[str, Any]) -> None:
        if "id" not in request:
            return  # said, not asked: nobody waits for an answer
        with self._lock:
            self._replies.append(reply)
        self._wake.set()

    def close(self, last_words: str) -> None:
        self._last_words = last_words
        self._closed.set()
        self._wake.set()

    def _read(self) -> None:
        try:
            for line in codec.read_lines(self.sock, self._closed):
                try:
                    request = codec.decode(line)
                except codec.WireError as error:
                    self.reply({"id": None}, {"id": None, "error": str(error), "input": True})
                    continue
                if "ack" in request:
                    self._acknowledge(request["ack"])
                else:
                    self.control.dispatch(self, request)
        except (OSError, codec.WireError):
            pass
        finally:
            self._closed.set()
            self._wake.set()

    def _acknowledge(self, ack: Any) -> None:
        try:
            events, size = ack
            self.desk.bus.grant(int(events), int(size))
        except (TypeError, ValueError):
            self.reply(
                {"id": None}, {"id": None, "error": "An ack is [EVENTS, BYTES].", "input": True}
            )

    def _write(self) -> None:
        try:
            hello = {
                "version": __version__,
                "pid": os.getpid(),
                "servers": self.control.server_states(),
            }
            self._send({"hello": hello})
            next_tick = time.monotonic() + TICK
            while not self._closed.is_set():
                self._wake.wait(max(0.0, next_tick - time.monotonic()))
                self._wake.clear()
                self._send_replies_and_sessions()
                if time.monotonic() >= next_tick:
                    self._send_tick()
                    next_tick = time.monotonic() + TICK
            if self._last_words:
                self._send_replies_and_sessions()
                self._send_tick()
                self._send({"bye": self._last_words})
        except OSError:
            pass  # gone, or not reading for SEND_TIMEOUT: drop it
        finally:
            self._closed.set()
            with contextlib.suppress(OSError):
                self.sock.shutdown(socket.SHUT_RDWR)
            self.sock.close()
            self.control._gone(self)
            self.desk.close()  # its sessions were its own: they go with it

    def _send_replies_and_sessions(self) -> None:
        with self._lock:
            replies, self._replies = self._replies, []
        for reply in replies:
            self._send(reply)
        # After the replies: a connect's reply makes the session known before its
        # state comes; its events may come first, and wait for their tab meanwhile.
        events = self.desk.bus.drain()
        if not events and not replies:
            return
        for start in range(0, max(len(events), 1), BATCH):
            batch = [codec.event_out(e) for e in events[start : start + BATCH]]
            sessions: dict[str, Any] = {"events": batch}
            if start + BATCH >= len(events):
                sessions["states"] = self.desk.states()
            self._send({"sessions": sessions})

    def _send_tick(self) -> None:
        with self._lock:
            events, self._pending = self._pending, []
            dropped, self._dropped = self._dropped, 0
        states = self.control.server_states()
        for start in range(0, max(len(events), 1), BATCH):
            batch = [codec.event_out(e) for e in events[start : start + BATCH]]
            last = start + BATCH >= len(events)
            tick = {"events": batch, "dropped": dropped if last else 0}
            if last:
                tick["servers"] = states
            self._send({"tick": tick})

    def _send(self, message: dict[str, Any]) -> None:
        with self._send_lock:
            self.sock.sendall(codec.encode(message))


def _listen(path: str) -> socket.socket:
    """A Unix socket at `path`, the owner's alone; a stale one left by a lab that died
    is replaced, a live one or any other file is an error."""
    if os.path.lexists(path):
        if not stat.S_ISSOCK(os.lstat(path).st_mode):
            raise OperationFailed(f"{path} exists and is not a socket: choose another path.")
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(path)
        except OSError:
            os.unlink(path)  # nothing listens: a lab that ended without cleaning up
        else:
            raise OperationFailed(f"A lab already listens at {path}: attach to it instead.")
        finally:
            probe.close()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)  # the file is made 0600 as it is bound: never open to others
    try:
        sock.bind(path)
    except OSError as error:
        sock.close()
        raise OperationFailed(f"Cannot listen at {path}: {error.strerror}.") from None
    finally:
        os.umask(old)
    sock.listen(MAX_PEERS)
    sock.settimeout(POLL)
    return sock
