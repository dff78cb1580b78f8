"""The lab: every server and client session one person has running, on one event bus.

The app keeps one Lab; so does `netlab serve`. Whoever owns it drains `lab.bus` and
calls `close()` on the way out, which stops every server and session it started.
"""

from __future__ import annotations

import dataclasses
import itertools
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypedDict, cast

from netlab.core.bus import EventBus
from netlab.core.client import ClientSession, Keepalive, State
from netlab.core.endpoints import Endpoint
from netlab.core.errors import InputError, OperationFailed
from netlab.core.framing import Framing
from netlab.core.servers import (
    Model,
    ServerOptions,
    ServerSpec,
    TcpServer,
    UdpServer,
    make_server,
    parse_spec,
)
from netlab.core.servers.base import ConnectionInfo
from netlab.core.servers.faults import Faults
from netlab.core.servers.protocols import Transport

if TYPE_CHECKING:
    from typing_extensions import Unpack


class ServerSurface(Protocol):
    """What the lab's users use of a server: a TcpServer or UdpServer, checked as one.

    Counters are read without a lock, from any thread: a value a moment stale is fine.
    """

    @property
    def name(self) -> str: ...
    @property
    def transport(self) -> Transport: ...
    @property
    def model(self) -> Model: ...
    @property
    def running(self) -> bool: ...

    open_connections: int
    total_connections: int
    messages_in: int
    messages_out: int
    bytes_in: int
    bytes_out: int
    refused: int
    errors: int
    waiting: int
    """Clients waiting in the accept queue (an iterative TCP server's), as last seen."""
    faults: Faults | None
    """What it does wrong on purpose; None for nothing."""

    def connections(self, limit: int | None = None) -> list[ConnectionInfo]: ...
    def stop(self) -> None: ...


class Server(ServerSurface, Protocol):
    """A server in the lab: started, so where it listens is known."""

    @property
    def address(self) -> tuple[str, int]:
        """Host and port, as bound."""
        ...


def _in_lab(server: TcpServer | UdpServer) -> Server:
    """A started server as the lab hands it out."""
    surface: ServerSurface = server  # mypy checks here that the classes have the surface
    # and the one fact they cannot state: a started server's address is no longer None.
    return cast(Server, surface)


class Saving(Protocol):
    """A session's spool as its users use it: every byte received, saved whole or let go."""

    @property
    def not_kept(self) -> int:
        """Bytes received past the spool's limit: counted, not kept."""
        ...

    def save(self, path: Path) -> int: ...
    def discard(self) -> None: ...


class Session(Protocol):
    """What the lab's users use of a client session: a ClientSession here, or one in
    the lab's engine process (engine.remote.RemoteSession), checked as one.

    Sending, half-closing and closing block (call them from a worker); the rest is
    read without a lock, from any thread: a value a moment stale is fine.
    """

    @property
    def name(self) -> str: ...
    @property
    def transport(self) -> Transport: ...
    @property
    def endpoint(self) -> Endpoint: ...
    @property
    def state(self) -> State: ...
    @property
    def peer(self) -> str:
        """The address connected to, e.g. "127.0.0.1:7"; empty until connected."""
        ...

    @property
    def write_shut(self) -> bool: ...
    @property
    def spool(self) -> Saving | None: ...

    def send_bytes(self, data: bytes) -> None: ...
    def shutdown_write(self) -> None: ...
    def close(self) -> None: ...


class SessionOptions(TypedDict, total=False):
    """A lab session's options, as ClientSession takes them; the lab gives it its bus."""

    transport: Transport
    framing: Framing
    connect_timeout: float
    read_timeout: float | None
    keepalive: bool | Keepalive
    name: str | None
    """None, or left out: "client-N", numbered in the lab."""
    inbox: bool
    """Left out: False, as the bus's reader takes what arrives."""
    keep_all: bool


class Lab:
    """Servers and sessions by name, sharing one bus."""

    def __init__(self, bus: EventBus | None = None) -> None:
        self.bus = bus if bus is not None else EventBus()
        self.servers: dict[str, Server] = {}
        self._launches: dict[str, tuple[ServerSpec, ServerOptions]] = {}
        """How each server was started, by name: what restart_server starts again."""
        self.sessions: dict[str, Session] = {}
        self._connecting: dict[str, ClientSession] = {}
        """Sessions still connecting (in a worker): close() abandons their connects."""
        self._session_numbers = itertools.count(1)
        self.lost: str | None = None
        """Why this lab's servers are out of reach, once they are: a lab in another
        process (engine.remote.RemoteLab) that has ended. A lab here is never lost."""

    def start_in_background(self) -> None:
        """Get ready to serve without waiting: a lab here always is; a lab with an
        engine process of its own starts it (engine.process.EngineLab)."""

    def start_server(self, spec: ServerSpec | str, **options: Unpack[ServerOptions]) -> Server:
        """Make, start and keep a server; its name is how the rest of the lab knows it."""
        spec = parse_spec(spec) if isinstance(spec, str) else spec
        for running in self.servers.values():
            # SO_REUSEADDR would let a second UDP server share the port and steal datagrams.
            if (
                running.transport == spec.transport
                and spec.port
                and running.address[1] == spec.port
            ):
                raise OperationFailed(
                    f"{running.name} already serves {spec.transport.upper()} port {spec.port}: "
                    "stop it first or choose another port."
                )
        options["bus"] = self.bus
        server = make_server(spec, **options)
        # Kept by name as soon as it has one, before its listening event is on the bus:
        # whoever hears that event finds the server here.
        server.on_named = lambda named: self.servers.__setitem__(named.name, _in_lab(server))
        try:
            server.start()
        except BaseException:
            if self.servers.get(server.name) is server:
                del self.servers[server.name]
            raise
        self._launches[server.name] = (spec, options.copy())
        return _in_lab(server)

    def stop_server(self, name: str) -> None:
        server = self.servers.pop(name, None)
        self._launches.pop(name, None)
        if server is None:
            raise InputError(f"No server named {name!r} is running.")
        server.stop()

    def restart_server(self, name: str) -> Server:
        """Stop a server and start one like it (blocking: call it from a worker).

        The same kind, transport, model and options, on the port it had: with port 0
        asked for, the one the system gave it. Its counters start afresh.
        """
        server = self.servers.get(name)
        launch = self._launches.get(name)
        if server is None or launch is None:
            raise InputError(f"No server named {name!r} is running.")
        spec, options = launch
        spec = dataclasses.replace(spec, port=server.address[1])
        self.stop_server(name)
        return self.start_server(spec, **options)

    def set_faults(self, name: str, faults: str | None) -> Server:
        """Change a running server's faults ("" or None: none); a restart keeps them."""
        server = self.servers.get(name)
        launch = self._launches.get(name)
        if server is None or launch is None:
            raise InputError(f"No server named {name!r} is running.")
        cast("TcpServer | UdpServer", server).set_faults(faults)
        launch[1]["faults"] = server.faults
        return server

    def open_session(self, endpoint: str, **options: Unpack[SessionOptions]) -> Session:
        """Connect a client session (blocking: call it from a worker).

        Its received bytes reach whoever reads the lab's bus, as events; there is no
        inbox, so the bus's reader sets the pace and nothing received is dropped.
        """
        options["name"] = options.get("name") or f"client-{next(self._session_numbers)}"
        options.setdefault("inbox", False)
        session = ClientSession(endpoint, bus=self.bus, **options)
        # Known while it connects, so close() can abandon the connect rather than wait.
        self._connecting[session.name] = session
        try:
            session.connect()
        finally:
            self._connecting.pop(session.name, None)
        self.sessions[session.name] = session
        return session

    def close_session(self, name: str) -> None:
        session = self.sessions.pop(name, None)
        if session is not None:
            session.close()

    def close(self) -> None:
        """Stop every server and close every session, side by side.

        Each stop takes up to a second with clients attached; doing them in parallel
        keeps quitting the app under two seconds however many are running.
        """
        closers = [session.close for session in self.sessions.values()]
        closers += [session.close for session in list(self._connecting.values())]
        closers += [server.stop for server in self.servers.values()]
        self.sessions.clear()
        self.servers.clear()
        self._launches.clear()
        side_by_side(closers)


def side_by_side(closers: list[Callable[[], None]]) -> None:
    """Run each closer in a thread of its own; wait for each up to 2 s."""
    threads = [threading.Thread(target=close, name="netlab lab close") for close in closers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=2)
