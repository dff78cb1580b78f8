"""What TCP and UDP servers share: the protocol, the bus, the counters, the bind."""

from __future__ import annotations

import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal, Protocol, Self, TypedDict, TypeVar

from netlab.core.bus import EventBus
from netlab.core.endpoints import address_text
from netlab.core.errors import InputError, OperationFailed
from netlab.core.events import MAX_EVENT_DATA, CloseReason, Closing, Event, Kind, closed_event
from netlab.core.framing import Splitter
from netlab.core.sampling import IN, MESSAGE_RATE, OUT, MessageSampler
from netlab.core.servers import loop
from netlab.core.servers.faults import FaultLimit, Faults, parse_faults
from netlab.core.servers.protocols import PROTOCOLS, Clock, ServerProtocol, Transport

if TYPE_CHECKING:
    from netlab.core.servers.conversation import Conversation

Model = Literal["threaded", "iterative", "async"]
MODELS: tuple[Model, ...] = ("threaded", "iterative", "async")
POLL = 0.1
"""How often blocked loops look at the stop flag; bounds how long stop() takes."""
MAX_CLOSED = 200
"""Closed connections a server remembers for connections(): as many as the Servers pane
lists of one server."""


@dataclass(frozen=True, slots=True)
class ConnectionInfo:
    """One connection (TCP) or datagram source (UDP) of a server, as the server counts it."""

    peer: str
    """"127.0.0.1:50312"."""
    since: float
    """When it was accepted, or its first datagram came: a time.monotonic() stamp."""
    bytes_in: int
    bytes_out: int
    closed: CloseReason | None = None
    """Why it ended; None while it is open (a UDP source never closes)."""


class CommonOptions(TypedDict, total=False):
    """What every server takes beside its protocol, host and port, TCP or UDP alike."""

    model: Model
    """How it serves: a thread per connection, one at a time, or on the shared loop."""
    bus: EventBus | None
    """Where its events go; None: a bus of its own."""
    name: str | None
    """How the lab knows it; None: "tcp/echo:PORT", once bound."""
    clock: Clock | None
    """The time its protocols tell (daytime, time); None: the real one."""
    message_rate: int
    """Messages a second logged one by one, per peer, before the rest are summed."""
    faults: Faults | str | None
    """What it does wrong on purpose (faults.py): parsed, or a spec such as "drop=0.1"."""


class Counted(Protocol):
    """What a server keeps of a live connection or source, read for a ConnectionInfo."""

    peer: str
    started: float
    """When it was accepted, or its first datagram came: a time.monotonic() stamp."""
    bytes_in: int
    bytes_out: int


class Accepted(Counted, Protocol):
    """A TCP connection the server admitted, in whichever model serves it."""

    host: str
    """The peer's address as accepted: what the server's admission counted."""
    conversation: Conversation | None
    """Its talk with the protocol, once begun (where set_faults finds its fault plan)."""

    def stop(self) -> None:
        """End it because the server stops (from where that model's stop() runs)."""
        ...


_K = TypeVar("_K")
_T = TypeVar("_T")
_C = TypeVar("_C")


def closed_info(conn: Counted, reason: CloseReason) -> ConnectionInfo:
    return ConnectionInfo(conn.peer, conn.started, conn.bytes_in, conn.bytes_out, reason)


def resolve_protocol(protocol: str | type[ServerProtocol]) -> type[ServerProtocol]:
    if isinstance(protocol, str):
        try:
            return PROTOCOLS[protocol.strip().lower()]
        except KeyError:
            names = ", ".join(PROTOCOLS)
            raise InputError(f"Unknown server kind {protocol!r}: use one of {names}.") from None
    return protocol


class ServerBase:
    """Lifecycle flags, counters and event helpers common to every server.

    Counters are plain ints: other threads read them without a lock (a slightly
    stale value is fine). In the threaded and iterative models updates go through
    `_count_lock` so none are lost; in the async model every update is made on the
    loop's one thread, and a message is counted without a lock (see `_on_loop`).
    """

    # Slots, not an instance dict: every message reads and counts several of these, and
    # Python 3.11 cannot specialize the look-ups in a dict of more than 30 keys.
    __slots__ = (
        "__weakref__",
        "_closed",
        "_count_lock",
        "_due_asked",
        "_fault_limit",
        "_lock",
        "_message_lock",
        "_name",
        "_on_loop",
        "_sampler",
        "_sock",
        "_stopping",
        "_thread",
        "address",
        "bus",
        "bytes_in",
        "bytes_out",
        "clock",
        "errors",
        "faults",
        "faults_injected",
        "host",
        "messages_in",
        "messages_out",
        "model",
        "on_named",
        "open_connections",
        "port",
        "protocol",
        "refused",
        "total_connections",
        "waiting",
    )

    transport: ClassVar[Transport]
    message_kinds: ClassVar[tuple[Kind, Kind]]
    """The event kinds of a message in and a message out."""

    def __init__(
        self,
        protocol: str | type[ServerProtocol],
        host: str,
        port: int,
        *,
        model: Model = "threaded",
        bus: EventBus | None = None,
        name: str | None = None,
        clock: Clock | None = None,
        message_rate: int = MESSAGE_RATE,
        faults: Faults | str | None = None,
    ) -> None:
        self.protocol = resolve_protocol(protocol)
        self._check(model, port, message_rate)
        self.faults = self._checked_faults(faults)
        """What it does wrong on purpose; None, the usual, costs the hot paths one check."""
        self.faults_injected = 0
        self._fault_limit = FaultLimit(message_rate)
        self.model = model
        self.host = host
        self.port = port
        self.bus = bus if bus is not None else EventBus()
        self.clock = clock
        self._name = name
        self.address: tuple[str, int] | None = None
        """Where the server listens, once started."""
        self._stopping = threading.Event()
        self._count_lock = threading.Lock()
        self._on_loop = model == "async"
        """Counters and sampler are the loop thread's alone: the async model counts each
        message there without a lock, and other threads ask the loop for the sampler's
        summaries (`_due_summaries`, `_publish_summed`) rather than touch it: a flood's
        every message would otherwise take and give back a lock no one else wants.
        Other threads only read the counters, a moment stale at worst."""
        self._message_lock = None if self._on_loop else self._count_lock
        """What count_message() takes: none on the loop."""
        self._due_asked = False
        """An async server's due summaries have been asked of the loop, not yet taken."""
        self._lock = threading.Lock()
        """Guards which connections (or sources) there are, and `_closed`: taken as one
        comes or goes, never per message."""
        self._sock: socket.socket | None = None
        """The listening (TCP) or datagram (UDP) socket, once started."""
        self._thread: threading.Thread | None = None
        """The server's own thread: TCP's accept loop, UDP's receive loop; None on the
        shared loop."""
        self._closed: deque[ConnectionInfo] = deque(maxlen=MAX_CLOSED)
        """The most recently closed connections, oldest first."""
        self.open_connections = 0
        self.total_connections = 0
        self.bytes_in = 0
        self.bytes_out = 0
        self.messages_in = 0
        self.messages_out = 0
        self.refused = 0
        self.errors = 0
        self.waiting = 0
        """Clients in the accept queue, as last seen (an iterative TCP server's; else 0)."""
        self._sampler = MessageSampler("", self.message_kinds, message_rate)
        """Which messages get an event of their own; named once the server is bound."""
        self.on_named: Callable[[ServerBase], None] | None = None
        """Called once the server is bound and named, before its listening event goes
        out: its owner (the lab) can know it by name before anyone hears of it."""

    def _check(self, model: Model, port: int, message_rate: int) -> None:
        """Raise InputError, in one sentence, for an option that cannot be."""
        protocol = self.protocol
        if self.transport not in protocol.transports:
            raise InputError(
                f"The {protocol.name} server does not run over {self.transport.upper()}: "
                f"use {' or '.join(sorted(protocol.transports)).upper()}."
            )
        if model not in MODELS:
            raise InputError(f"Unknown model {model!r}: use threaded, iterative or async.")
        if not 0 <= port <= 65535:
            raise InputError(f"Port {port} is out of range: use 0 to 65535.")
        if message_rate < 1:
            raise InputError(f"Message rate {message_rate} must be at least 1 a second.")

    def _checked_faults(self, faults: Faults | str | None) -> Faults | None:
        parsed = parse_faults(faults) if isinstance(faults, str) or faults is None else faults
        if parsed is not None:
            parsed.check(self.transport)
        return parsed

    def set_faults(self, faults: Faults | str | None) -> None:
        """Change what it does wrong while it runs: new connections (UDP: datagrams)
        take the new faults, open ones from their next message."""
        self.faults = self._checked_faults(faults)
        self._faults_changed()
        text = self.faults.text() if self.faults is not None else "none"
        self._emit(Kind.FAULT, detail=f"faults now: {text}")

    def _faults_changed(self) -> None:
        """Hand the new faults to what plays them out."""

    def fault(self, peer: str, detail: str) -> None:
        """A fault injected: counted, and logged as netlab's doing (at most as many a
        second as messages are; the rest counted, and told in one line)."""
        with self._count_lock:
            self.faults_injected += 1
            logged, unlogged = self._fault_limit.admit(time.monotonic())
        if unlogged:
            self._tell_unlogged_faults(unlogged)
        if logged:
            self.bus.publish(Event(Kind.FAULT, self.name, peer, detail=detail))

    def _tell_unlogged_faults(self, unlogged: int) -> None:
        detail = (
            f"{unlogged:,} more {'fault' if unlogged == 1 else 'faults'}, not logged one by one"
        )
        self.bus.publish(Event(Kind.FAULT, self.name, detail=detail))

    @property
    def name(self) -> str:
        if self._name:
            return self._name
        port = self.address[1] if self.address else self.port
        return f"{self.transport}/{self.protocol.name}:{port}"

    @property
    def running(self) -> bool:
        return self.address is not None and not self._stopping.is_set()

    @property
    def stopping(self) -> bool:
        """stop() has begun: whatever ends now ends because of it."""
        return self._stopping.is_set()

    def connections(self, limit: int | None = None) -> list[ConnectionInfo]:
        """What the server knows of its connections (UDP: sources) now, oldest first.

        Open ones, and the last MAX_CLOSED closed. With `limit`, at most that many: the
        oldest closed go first, then the oldest open. Callable from any thread: the set
        of connections is taken under the server's lock, and their byte counts, plain
        ints that only their own thread (or the async loop) changes, are read without
        one, as the server's own counters are.
        """
        with self._lock:
            live = self._live()
            closed = list(self._closed)
        if limit is not None:
            live = live[len(live) - limit :] if limit < len(live) else live
        records = [ConnectionInfo(c.peer, c.started, c.bytes_in, c.bytes_out) for c in live]
        room = len(closed) if limit is None else max(0, limit - len(records))
        if room < len(closed):
            closed.sort(key=_since)
            closed = closed[len(closed) - room :] if room else []
        return sorted([*closed, *records], key=_since)

    def _live(self) -> list[Counted]:
        """The open connections (or sources), oldest first; called under `_lock`."""
        raise NotImplementedError

    def _retire(self, conns: dict[_K, _C], key: _K, conn: Counted, reason: CloseReason) -> None:
        """Move a connection from the open ones (`conns`) to the closed, both at once."""
        with self._lock:
            conns.pop(key, None)
            self._closed.append(closed_info(conn, reason))

    def _count(self, **deltas: int) -> None:
        with self._count_lock:
            for counter, delta in deltas.items():
                setattr(self, counter, getattr(self, counter) + delta)

    def _open(self, kind: socket.SocketKind) -> tuple[socket.socket, tuple[str, int]]:
        """Bind (see _bind) and take the address: from here on the name is fixed."""
        if self.address is not None:
            raise OperationFailed(f"The server {self.name} has already been started.")
        sock = self._bind(kind)
        host, port = sock.getsockname()[:2]
        address = self.address = (host, port)
        self._name = self.name
        self._sampler.source = self._name
        self.bus.add_summaries(self, self._due_summaries)
        if self.on_named is not None:
            self.on_named(self)
        return sock, address

    def _loop_refused(self, sock: socket.socket, error: Exception) -> OperationFailed:
        """Undo _open() when the asyncio loop would not take the server; the error to raise."""
        sock.close()
        self._stopping.set()
        self.bus.remove_summaries(self)
        return OperationFailed(f"Cannot serve {self.name} on the asyncio loop: {error}.")

    def _emit(self, kind: Kind, peer: str = "", detail: str = "") -> None:
        if kind is Kind.STOPPED:
            # The server's last counts go out before the event that ends it.
            self._publish_summed("")
            with self._count_lock:
                unlogged = self._fault_limit.take()
            if unlogged:
                self._tell_unlogged_faults(unlogged)
            self.bus.remove_summaries(self)
        self.bus.publish(Event(kind, self.name, peer, detail=detail))

    def _closed_connection(self, conn: Counted, reason: CloseReason) -> None:
        """Tell of a connection's end: its last counts, then its CLOSED event."""
        self._publish_summed(conn.peer)
        duration = time.monotonic() - conn.started
        closing = Closing(reason, duration, conn.bytes_in, conn.bytes_out)
        self.bus.publish(closed_event(self.name, conn.peer, closing))

    def _publish_summed(self, peer: str) -> None:
        """Publish what is counted and not yet logged: of one peer, or ("") of all.

        An async server's are taken on the loop's thread: a connection's as it closes
        there, and all of them at the end of the loop's part of stop() (aio.py), so
        from any other thread this does nothing while the loop runs.
        """
        if self._on_loop and loop.running() and not loop.in_loop_thread():
            return
        with self._count_lock:
            summed = self._sampler.take_peer(peer) if peer else self._sampler.take_all()
        for event in summed:
            self.bus.publish(event)

    def received(self, peer: str, data: bytes, size: int, counted: int) -> None:
        """Count one message in, logging it or summing it.

        `size` is what the message took on the wire, its terminator included though the
        protocol is handed `data` without it; that is the size its event and summary
        show. `counted` is what goes into bytes_in, which follows reads rather than
        messages (a read can end several messages, or none): a read's bytes are
        counted once, with its first message, so one lock (on the loop, none) covers
        both.
        """
        self.count_message(peer, data, size, counted, IN)

    def sent(self, peer: str, data: bytes, conn: Counted | None = None) -> None:
        """Count one message out, logging it or summing it.

        `conn` is its connection when other threads may send on it too (a room's): its
        bytes_out is counted under the same lock, so none are lost.
        """
        size = len(data)
        self.count_message(peer, data, size, size, OUT, conn)

    def count_message(
        self,
        peer: str,
        data: bytes,
        size: int,
        counted: int,
        direction: int,
        conn: Counted | None = None,
    ) -> None:
        """received() (`direction` IN) or sent() (OUT), which the hot paths call
        directly: a flooded server spends much of its CPU on Python calls."""
        # The threaded models count under the lock; the async one on the loop's thread,
        # the only one counting, without (see _on_loop). Either may do the sampler's
        # admit() work here once its window has logged its messages, as its docstring
        # allows, sparing a call per message.
        lock = self._message_lock
        if lock is not None:
            lock.acquire()
        try:
            if direction == IN:
                self.messages_in += 1
                self.bytes_in += counted
            else:
                self.messages_out += 1
                self.bytes_out += counted
                if conn is not None:
                    conn.bytes_out += counted
            sampler = self._sampler
            clock = sampler.clock  # then called: 3.11 calls a slot's builtin slowly
            if clock() < sampler.counting_until:
                tally = sampler.counts.get(peer)
                if tally is not None:
                    tally[direction] += 1
                    tally[direction + 1] += size
                    return
            before = sampler.admit(peer, size, direction)
        finally:
            if lock is not None:
                lock.release()
        if before is not None:
            kind = self.message_kinds[direction != IN]
            self._publish_message(before, kind, peer, data, size)

    def count_read(self, size: int) -> None:
        """Count a read that ended no message: its bytes are in, its message not yet."""
        if self._on_loop:
            self.bytes_in += size
            return
        with self._count_lock:
            self.bytes_in += size

    def failed(self, peer: str, error: BaseException, what: str = "") -> None:
        """An error that ends a connection (or a datagram's answer), never the server:
        counted, and told in one line."""
        self._count(errors=1)
        self._emit(Kind.ERROR, peer, f"{what}{describe(error)}")

    def _publish_message(
        self, before: list[Event], kind: Kind, peer: str, data: bytes, size: int
    ) -> None:
        publish = self.bus.publish
        for event in before:
            publish(event)
        # The event keeps the start of the message, and its size on the wire.
        publish(Event(kind, self.name, peer, bytes(data[:MAX_EVENT_DATA]), size))

    def holding(self, peer: str, splitter: Splitter) -> None:
        """A read began a message and ended none: show what is held, and what for.

        Said once a message, as it begins: a server that answers nothing for a while
        is then seen to be waiting for the peer, not stuck.
        """
        held = splitter.held
        ending = self.protocol.framing.ending
        self.bus.publish(
            Event(
                Kind.HELD,
                self.name,
                peer,
                held[:MAX_EVENT_DATA],
                len(held),
                detail=f"no message yet: held until {ending} ends it",
            )
        )

    def _due_summaries(self) -> list[Event]:
        """What the bus's reader publishes as it drains: summaries of a second that is
        over, which no message of the server's own will carry."""
        if self._on_loop and loop.running() and not loop.in_loop_thread():
            # The sampler is the loop thread's: have it publish them, a moment from now.
            # Reading its window and counts from here is safe (single loads) and at worst
            # stale: then the next drain asks, or the loop finds nothing due.
            if self._sampler.anything_due() and not self._due_asked:
                self._due_asked = True
                try:
                    loop.call(self._publish_due)
                except RuntimeError:  # the loop closed just now: the next drain takes them
                    self._due_asked = False
            return []
        with self._count_lock:
            return self._sampler.due()

    def _publish_due(self) -> None:
        """An async server's due summaries, published on the loop's thread."""
        self._due_asked = False
        if self._stopping.is_set():
            return  # stop() takes every summary, before its stopped event
        for event in self._sampler.due():
            self.bus.publish(event)

    def _bind(self, kind: socket.SocketKind) -> socket.socket:
        """A socket bound to host:port, IPv6 when the host is an IPv6 address."""
        try:
            family, _, _, _, address = socket.getaddrinfo(
                self.host or None, self.port, socket.AF_UNSPEC, kind, 0, socket.AI_PASSIVE
            )[0]
        except socket.gaierror as error:
            raise OperationFailed(f"Cannot listen on {self.host!r}: {error.strerror}.") from None
        sock = socket.socket(family, kind)
        try:
            # A stopped lab server's port can be reused at once, despite TIME_WAIT.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6 and str(address[0]) == "::":
                # "::" asks for dual stack: IPv4 clients arrive as ::ffff:a.b.c.d.
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            sock.bind(address)
        except OSError as error:
            sock.close()
            where = address_text(address)
            raise OperationFailed(f"Cannot listen on {where}: {error.strerror}.") from None
        return sock

    def start(self) -> tuple[str, int]:
        """Bind and serve in the background; returns the (host, port) really bound,
        useful with port 0."""
        sock, address = self._open(self.socket_kind)
        self._sock = sock
        self._prepare(sock)
        sock.settimeout(POLL)
        # UDP's threaded and iterative models are one and the same thread: naming one
        # would tell of a difference there is not.
        shown = self.transport == "tcp" or self.model == "async"
        model = f" ({self.model})" if shown else ""
        self._emit(Kind.LISTENING, detail=f"on {address_text(address)}{model}")
        if self.model == "async":
            try:
                self._serve_on_loop(sock)
            except Exception as error:
                raise self._loop_refused(sock, error) from error
            return address
        name = f"{self.name}{self.thread_suffix}"
        self._thread = threading.Thread(target=self._serve_in_thread, name=name, daemon=True)
        self._thread.start()
        return address

    def stop(self) -> None:
        """Stop serving: when this returns (within a second) the port is free and every
        thread of the server has ended."""
        if self.address is None or self._stopping.is_set():
            return
        self._stopping.set()
        self._stop_serving()
        self._emit(Kind.STOPPED, detail=self._served())

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _until_stopped(
        self, take: Callable[[socket.socket], _T], what: str, pause: float = 0.0
    ) -> Iterator[_T]:
        """What `take` gets from the server's socket, each time, until the server stops.

        A take that fails is counted and told ("accept failed: …"), and the loop goes
        on after `pause` seconds; its timeout (POLL) only looks at the stop flag again.
        """
        sock = self._sock
        assert sock is not None
        while not self._stopping.is_set():
            try:
                yield take(sock)
            except TimeoutError:
                continue
            except OSError as error:
                if self._stopping.is_set():
                    break
                self.failed("", error, f"{what} failed: ")
                if pause:
                    time.sleep(pause)

    # -- what each transport does its own way --------------------------------------------

    socket_kind: ClassVar[socket.SocketKind]
    thread_suffix: ClassVar[str] = ""
    """What the server's own thread is called after the server's name."""

    def _prepare(self, sock: socket.socket) -> None:
        """Ready a bound socket to serve (TCP: listen)."""

    def _serve_on_loop(self, sock: socket.socket) -> None:
        raise NotImplementedError

    def _serve_in_thread(self) -> None:
        raise NotImplementedError

    def _stop_serving(self) -> None:
        """Close the socket and every connection, and end every thread, within a second."""
        raise NotImplementedError

    def _served(self) -> str:
        """What the server did, for its stopped event: "3 connections served"."""
        raise NotImplementedError


def describe(error: BaseException) -> str:
    """An error in a few words: the system's for a socket's, else its type and message."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return f"{type(error).__name__}: {error}"


def _since(info: ConnectionInfo) -> float:
    return info.since
