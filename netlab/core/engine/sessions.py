"""A control peer's client sessions, run in the lab's engine (control.py serves them).

Sessions belong to the peer that opened them (the app): only it hears their events,
and they close when it goes. What they receive reaches it whole. Their events wait
on the desk's own bus until the peer's writer sends them, and are never dropped. The
peer grants how many events, and bytes in them, it can take (counted from its start:
what it has taken and the room its own bus has); once the sessions have published
that much, each leaves its socket unread (ClientSession asks its bus whether it is
behind) until the next grant, so TCP holds its server back, as a session in the
app's own process is held back by the app's bus.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from netlab.core.bus import EventBus
from netlab.core.client import ClientSession
from netlab.core.engine import codec
from netlab.core.errors import InputError, OperationFailed
from netlab.core.events import Event
from netlab.core.lab import side_by_side
from netlab.core.plural import plural

MAX_SESSIONS = 64
"""Sessions one peer may hold, open or closed and not yet forgotten."""
CAPACITY = 100_000
"""Never reached: a session stops reading one read past what the peer granted, and a
peer grants no more than its own bus holds (half of netlab's 50,000)."""
OPS = frozenset({"connect", "send", "half_close", "close", "save", "forget"})


class PacedBus(EventBus):
    """The sessions' events on their way to the peer: behind once they reach what the
    peer has granted."""

    def __init__(self, wake: Callable[[], None]) -> None:
        super().__init__(CAPACITY)
        self.published_bytes = 0
        self._granted = (0, 0)
        self._wake = wake

    def publish(self, event: Event) -> None:
        with self._lock:
            self.published_bytes += len(event.data)
        super().publish(event)
        self._wake()  # a reply is awaited on the other side: send it now, not next tick

    def grant(self, events: int, size: int) -> None:
        """The peer can take this many events, and bytes in them, since it came."""
        self._granted = (events, size)

    def behind(self) -> bool:
        events, size = self._granted
        return self.published - self.dropped >= events or self.published_bytes >= size


class SessionDesk:
    """One peer's sessions, by name: kept after they close, for their state and their
    spool, until the peer forgets them."""

    def __init__(self, wake: Callable[[], None]) -> None:
        self.bus = PacedBus(wake)
        self._sessions: dict[str, ClientSession] = {}
        self._lock = threading.Lock()

    def states(self) -> list[dict[str, Any]]:
        with self._lock:
            sessions = list(self._sessions.values())
        return [codec.session_state_out(codec.session_state(s)) for s in sessions]

    def do(self, op: str, request: dict[str, Any]) -> Any:
        """One session command (in its lane: a session's commands run in order)."""
        name = request.get("name")
        if not isinstance(name, str) or not name:
            raise InputError(f"A {op} needs the session's name, such as client-1.")
        if op == "connect":
            return self._connect(name, request)
        if op == "forget":
            self._forget(name)
            return None
        session = self._session(name)
        if op == "save":
            return _save(session, str(request.get("path", "")))
        if op == "send":
            session.send_bytes(str(request.get("data", "")).encode("latin-1"))
        elif op == "half_close":
            session.shutdown_write()
        else:  # close
            session.close()
        # As it is now: the asker sees what it did at once, as with a session of its own.
        return codec.session_state_out(codec.session_state(session))

    def close(self) -> None:
        """Close every session, connecting or connected, side by side; let go of all."""
        with self._lock:
            sessions = list(self._sessions.values())
            self._sessions.clear()
        side_by_side([session.close for session in sessions])
        for session in sessions:
            if session.spool is not None:
                session.spool.discard()

    def _connect(self, name: str, request: dict[str, Any]) -> dict[str, Any]:
        endpoint = request.get("endpoint")
        if not isinstance(endpoint, str):
            raise InputError("A connect needs where to, such as 127.0.0.1:7.")
        options = codec.session_options_in(request.get("options", {}))
        options["name"] = name
        options["inbox"] = False  # the bus's reader, the peer, sets the pace
        session = ClientSession(endpoint, bus=self.bus, **options)
        with self._lock:
            if name in self._sessions:
                raise InputError(f"A session named {name!r} is open already: choose another.")
            if len(self._sessions) >= MAX_SESSIONS:
                most = plural(MAX_SESSIONS, "session")
                raise OperationFailed(f"One app holds {most} at most: close some tabs first.")
            # Known while it connects, so close() abandons the connect rather than wait.
            self._sessions[name] = session
        try:
            session.connect()
        except BaseException:
            with self._lock:
                self._sessions.pop(name, None)
            raise
        return codec.session_state_out(codec.session_state(session))

    def _session(self, name: str) -> ClientSession:
        session = self._sessions.get(name)
        if session is None:
            raise InputError(f"No session named {name!r}: connect one first.")
        return session

    def _forget(self, name: str) -> None:
        with self._lock:
            session = self._sessions.pop(name, None)
        if session is not None:
            session.close()
            if session.spool is not None:
                session.spool.discard()


def _save(session: ClientSession, path: str) -> dict[str, Any]:
    """Save the session's spool at `path`: how much, or the system's refusal as it is,
    for the other side to tell in its own words."""
    if session.spool is None:
        raise InputError(f"{session.name} keeps nothing to save: it was opened without keep_all.")
    try:
        size = session.spool.save(Path(path))
    except OSError as error:
        return {"oserror": [error.errno, error.strerror or str(error)]}
    return {"saved": size, "not_kept": session.spool.not_kept}
