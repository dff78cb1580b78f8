"""The lab: every server and client session one person has running, on one event bus.

The app keeps one Lab; so does `netlab serve`. Whoever owns it drains `lab.bus` and
calls `close()` on the way out, which stops every server and session it started.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

from netlab.core.bus import EventBus
from netlab.core.client import ClientSession
from netlab.core.errors import InputError, OperationFailed
from netlab.core.servers import ServerSpec, make_server, parse_spec

Server = Any
"""A TcpServer or UdpServer (their common surface: start, stop, name, counters)."""


class Lab:
    """Servers and sessions by name, sharing one bus."""

    def __init__(self, bus: EventBus | None = None) -> None:
        self.bus = bus if bus is not None else EventBus()
        self.servers: dict[str, Server] = {}
        self.sessions: dict[str, ClientSession] = {}
        self._session_numbers = itertools.count(1)

    def start_server(self, spec: ServerSpec | str, **options: Any) -> Server:
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
        server = make_server(spec, bus=self.bus, **options)
        # Kept by name as soon as it has one, before its listening event is on the bus:
        # whoever hears that event finds the server here.
        server.on_named = lambda named: self.servers.__setitem__(named.name, named)
        try:
            server.start()
        except BaseException:
            if self.servers.get(server.name) is server:
                del self.servers[server.name]
            raise
        return server

    def stop_server(self, name: str) -> None:
        server = self.servers.pop(name, None)
        if server is None:
            raise InputError(f"No server named {name!r} is running.")
        server.stop()

    def open_session(self, endpoint: str, **options: Any) -> ClientSession:
        """Connect a client session (blocking: call it from a worker).

        Its received bytes reach whoever reads the lab's bus, as events; there is no
        inbox, so the bus's reader sets the pace and nothing received is dropped.
        """
        name = options.pop("name", None) or f"client-{next(self._session_numbers)}"
        options.setdefault("inbox", False)
        session = ClientSession(endpoint, bus=self.bus, name=name, **options)
        session.connect()
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
        closers += [server.stop for server in self.servers.values()]
        self.sessions.clear()
        self.servers.clear()
        threads = [threading.Thread(target=close, name="netlab lab close") for close in closers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=2)
