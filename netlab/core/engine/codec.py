"""How a lab's facts travel between processes: JSON lines, one object a line.

Events, server and session states and their options become plain JSON values and back,
losslessly: bytes as Latin-1 text (one character a byte), enums by value, times as
time.monotonic() stamps, which every process on the machine shares. JSON rather than
pickle: a control socket's peer gets to send data, never code, and a person can read
the traffic with `socat - UNIX-CONNECT:PATH`.

Anything that does not decode is a WireError with one sentence saying what was wrong.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, cast

from netlab.core.client import ClientSession, Keepalive
from netlab.core.errors import NetlabError
from netlab.core.events import CloseReason, Closing, Event, Kind, Side
from netlab.core.framing import Framing
from netlab.core.lab import SessionOptions
from netlab.core.servers import ServerOptions
from netlab.core.servers.base import ConnectionInfo
from netlab.core.servers.faults import Faults

MAX_LINE = 16 * 1024 * 1024
"""The longest line either end accepts: a batch of events is cut well below it."""
OPTION_NAMES = frozenset(ServerOptions.__annotations__) - {"bus", "clock", "name"}
"""The options a server can be started with from another process: its bus and clock
are the engine's own, and its name is made from where it listens."""
COUNTERS = (
    "open_connections",
    "total_connections",
    "messages_in",
    "messages_out",
    "bytes_in",
    "bytes_out",
    "refused",
    "errors",
    "waiting",
)


class WireError(NetlabError):
    """A line from the other process that is not what the control protocol allows."""


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


def decode(line: bytes) -> dict[str, Any]:
    try:
        message = json.loads(line)
    except (UnicodeDecodeError, ValueError) as error:
        raise WireError(f"Not a line of the control protocol: {error}.") from None
    if not isinstance(message, dict):
        raise WireError("Not a line of the control protocol: each line is one JSON object.")
    return message


def event_out(event: Event) -> list[Any]:
    closing = event.closing
    return [
        event.kind.value,
        event.source,
        event.peer,
        event.data.decode("latin-1"),
        event.size,
        event.detail,
        event.summed,
        event.time,
        event.side.value,
        None
        if closing is None
        else [
            closing.reason.value,
            closing.duration,
            closing.bytes_in,
            closing.bytes_out,
            closing.why,
        ],
    ]


def event_in(value: Any) -> Event:
    try:
        kind, source, peer, data, size, detail, summed, at, side, closing = value
        return Event(
            Kind(kind),
            str(source),
            str(peer),
            str(data).encode("latin-1"),
            int(size),
            str(detail),
            int(summed),
            float(at),
            Side(side),
            None if closing is None else Closing(CloseReason(closing[0]), *closing[1:]),
        )
    except (TypeError, ValueError, IndexError) as error:
        raise WireError(f"An event that does not decode: {error}.") from None


@dataclass(frozen=True, slots=True)
class ServerState:
    """A server as its engine last saw it: what a Server offers, without the server."""

    name: str
    transport: str
    model: str
    address: tuple[str, int]
    running: bool
    counters: dict[str, int]
    connections: tuple[ConnectionInfo, ...]
    faults: str = ""
    """Its faults as a spec (faults.py), "" for none."""


def state_out(state: ServerState) -> dict[str, Any]:
    return {
        "name": state.name,
        "transport": state.transport,
        "model": state.model,
        "address": list(state.address),
        "running": state.running,
        "counters": state.counters,
        "connections": [
            [c.peer, c.since, c.bytes_in, c.bytes_out, c.closed.value if c.closed else None]
            for c in state.connections
        ],
        "faults": state.faults,
    }


def state_in(value: Any) -> ServerState:
    try:
        host, port = value["address"]
        return ServerState(
            str(value["name"]),
            str(value["transport"]),
            str(value["model"]),
            (str(host), int(port)),
            bool(value["running"]),
            {name: int(value["counters"][name]) for name in COUNTERS},
            tuple(
                ConnectionInfo(
                    str(peer),
                    float(since),
                    int(bytes_in),
                    int(bytes_out),
                    None if closed is None else CloseReason(closed),
                )
                for peer, since, bytes_in, bytes_out, closed in value["connections"]
            ),
            str(value.get("faults", "")),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise WireError(f"A server's state that does not decode: {error!r}.") from None


def options_out(options: ServerOptions) -> dict[str, Any]:
    """Options as JSON: the allow and deny lists as text, the rest as they are."""
    wire: dict[str, Any] = {}
    for name, value in options.items():
        if name not in OPTION_NAMES:
            continue  # the engine's own (bus, clock, name)
        if name in ("allow", "deny") and value is not None and not isinstance(value, str):
            value = [str(network) for network in cast("Iterable[object]", value)]
        if name == "faults" and isinstance(value, Faults):
            value = value.text()
        wire[name] = value
    return wire


def options_in(value: Any) -> ServerOptions:
    # Each value is checked by the server that takes it, in its own words.
    options: ServerOptions = {}
    options.update(_known_options(value, OPTION_NAMES, "server"))  # type: ignore[typeddict-item]
    return options


def _known_options(value: Any, names: frozenset[str], what: str) -> dict[str, Any]:
    """`value` as options: one JSON object, of no option but those `names`."""
    if not isinstance(value, dict):
        raise WireError(f"{what.capitalize()} options must be one JSON object.")
    unknown = sorted(set(value) - names)
    if unknown:
        known = ", ".join(sorted(names))
        raise WireError(f"Unknown {what} option {unknown[0]!r}: use {known}.")
    return value


def read_lines(sock: socket.socket, closed: threading.Event) -> Iterator[bytes]:
    """The lines `sock` receives until its peer closes or `closed` is set; a line longer
    than MAX_LINE ends the conversation (WireError)."""
    buffer = bytearray()
    while not closed.is_set():
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            continue  # an idle peer: it may still send a command
        if not chunk:
            return
        start = len(buffer)  # what was held has no newline: look in what came
        buffer += chunk
        end = buffer.find(b"\n", start)
        while end >= 0:
            yield bytes(buffer[: end + 1])
            del buffer[: end + 1]
            end = buffer.find(b"\n")
        if len(buffer) > MAX_LINE:
            raise WireError("A line longer than the control protocol allows.")


SESSION_OPTION_NAMES = frozenset(
    {"transport", "framing", "connect_timeout", "read_timeout", "keepalive", "name", "keep_all"}
)
"""A session's options from another process: its bus and inbox are the engine's affair."""
SESSION_COUNTERS = ("bytes_in", "bytes_out", "messages_in", "messages_out")


def session_options_out(options: SessionOptions) -> dict[str, Any]:
    wire = {name: value for name, value in options.items() if name in SESSION_OPTION_NAMES}
    keepalive = wire.get("keepalive")
    if isinstance(keepalive, Keepalive):  # its timing, as IDLE,INTERVAL,COUNT
        wire["keepalive"] = f"{keepalive.idle},{keepalive.interval},{keepalive.count}"
    return wire


def session_options_in(value: Any) -> SessionOptions:
    options: SessionOptions = {}
    options.update(_known_options(value, SESSION_OPTION_NAMES, "session"))  # type: ignore[typeddict-item]
    if "framing" in options:
        options["framing"] = Framing.parse(str(options["framing"]))
    if isinstance(options.get("keepalive"), str):
        options["keepalive"] = Keepalive.parse(str(options["keepalive"]))
    return options


@dataclass(frozen=True, slots=True)
class SessionState:
    """A client session as its engine last saw it: what a Session offers, but acting."""

    name: str
    transport: str
    endpoint: str
    peer: str
    state: str
    write_shut: bool
    close_reason: CloseReason | None
    counters: dict[str, int]
    spool: tuple[int, int] | None
    """Bytes kept and bytes not kept, for a session that keeps all it receives."""


def session_state(session: ClientSession) -> SessionState:
    spool = session.spool
    return SessionState(
        session.name,
        session.transport,
        str(session.endpoint),
        session.peer,
        session.state,
        session.write_shut,
        session.close_reason,
        {name: getattr(session, name) for name in SESSION_COUNTERS},
        None if spool is None else (spool.size, spool.not_kept),
    )


def session_state_out(state: SessionState) -> dict[str, Any]:
    return {
        "name": state.name,
        "transport": state.transport,
        "endpoint": state.endpoint,
        "peer": state.peer,
        "state": state.state,
        "write_shut": state.write_shut,
        "close_reason": None if state.close_reason is None else state.close_reason.value,
        "counters": state.counters,
        "spool": None if state.spool is None else list(state.spool),
    }


def session_state_in(value: Any) -> SessionState:
    try:
        reason = value["close_reason"]
        spool = value["spool"]
        return SessionState(
            str(value["name"]),
            str(value["transport"]),
            str(value["endpoint"]),
            str(value["peer"]),
            str(value["state"]),
            bool(value["write_shut"]),
            None if reason is None else CloseReason(reason),
            {name: int(value["counters"][name]) for name in SESSION_COUNTERS},
            None if spool is None else (int(spool[0]), int(spool[1])),
        )
    except (KeyError, TypeError, ValueError, IndexError) as error:
        raise WireError(f"A session's state that does not decode: {error!r}.") from None
