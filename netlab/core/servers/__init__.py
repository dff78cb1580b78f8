"""Lab servers from the seeds: echo, daytime, time, timestamp, upper, tab and discard,
and a chat room.

A spec such as "echo:1201", "udp:daytime:1200", "tab:8085" or "chat:9000@async"
names one; make_server builds it, unstarted, over TCP or UDP. The optional @MODEL
picks how it runs: threaded (the default), iterative, or async, where every
connection of every async server shares one asyncio loop in one thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from netlab.core.endpoints import parse_port
from netlab.core.errors import InputError
from netlab.core.plural import plural
from netlab.core.servers.admission import Networks
from netlab.core.servers.base import MODELS, CommonOptions, Model
from netlab.core.servers.protocols import (
    PROTOCOLS,
    TRANSPORTS,
    Reply,
    ServerProtocol,
    Transport,
)
from netlab.core.servers.room import Member, Room
from netlab.core.servers.tcp import TcpServer
from netlab.core.servers.udp import UdpServer

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = [
    "MODELS",
    "PROTOCOLS",
    "Member",
    "Model",
    "Reply",
    "Room",
    "ServerOptions",
    "ServerProtocol",
    "ServerSpec",
    "TcpServer",
    "UdpServer",
    "make_server",
    "parse_spec",
]

MAX_SPEC = 100


@dataclass(frozen=True)
class ServerSpec:
    """A server kind on a transport and port; port 0 lets the system choose.

    `model` is None when the spec names none, leaving the choice to make_server's caller.
    """

    transport: Transport
    kind: str
    port: int
    model: Model | None = None

    def __str__(self) -> str:
        model = f"@{self.model}" if self.model else ""
        return f"{self.transport}/{self.kind}:{self.port}{model}"

    def text(self) -> str:
        """The spec as parse_spec reads it: "tcp:echo:0@async"."""
        model = f"@{self.model}" if self.model else ""
        return f"{self.transport}:{self.kind}:{self.port}{model}"


def parse_spec(text: str) -> ServerSpec:
    """Parse "[tcp:|udp:]KIND:PORT[@MODEL]", e.g. "echo:1201", "udp:daytime:1200",
    "chat:0@async"."""
    text = text.strip()
    shape = "write [tcp:|udp:]KIND:PORT[@MODEL], such as echo:1201 or udp:daytime:1200"
    if not text:
        raise InputError(f"No server given: {shape}.")
    if len(text) > MAX_SPEC:
        raise InputError(
            f"That server spec is too long ({plural(len(text), 'character')}): {shape}."
        )
    model: Model | None = None
    if "@" in text:
        text, _, named_model = text.partition("@")
        named_model = named_model.strip().lower()
        if named_model not in MODELS:
            raise InputError(
                f"Unknown model {named_model!r}: use threaded, iterative or async, "
                "as in echo:1201@async."
            )
        model = next(m for m in MODELS if m == named_model)
    parts = text.split(":")
    transport: Transport = "tcp"
    if len(parts) == 3:
        named = parts.pop(0).strip().lower()
        if named not in TRANSPORTS:
            raise InputError(f"Unknown transport {named!r}: use tcp or udp, as in {shape[6:]}.")
        transport = "udp" if named == "udp" else "tcp"
    if len(parts) != 2:
        raise InputError(f"{text!r} is not a server spec: {shape}.")
    kind = parts[0].strip().lower()
    if kind not in PROTOCOLS:
        names = ", ".join(PROTOCOLS)
        raise InputError(f"Unknown server kind {parts[0]!r}: use one of {names}.")
    if transport not in PROTOCOLS[kind].transports:
        raise InputError(
            f"The {kind} server does not run over {transport.upper()}: leave out {transport}:."
        )
    port = parse_port(parts[1], network=transport, allow_zero=True)
    return ServerSpec(transport, kind, port, model)


class TcpOptions(CommonOptions, total=False):
    """TcpServer's options, as make_server and the lab take them; see TcpServer."""

    host: str
    idle_timeout: float | None
    max_conns: int
    max_message: int
    max_outbox: int
    write_timeout: float | None
    per_source: int | None
    cps: float | None
    allow: Networks | None
    deny: Networks | None


class UdpOptions(CommonOptions, total=False):
    """UdpServer's options, as make_server and the lab take them; see UdpServer."""

    host: str
    rate: float
    burst: float | None
    allow: Networks | None
    deny: Networks | None


class ServerOptions(TcpOptions, UdpOptions, total=False):
    """A server's options, TCP or UDP: a UDP server takes none of TCP's own."""


def make_server(spec: ServerSpec | str, **options: Unpack[ServerOptions]) -> TcpServer | UdpServer:
    """An unstarted server for the spec; options go to TcpServer or UdpServer.

    A model named in the spec wins over a `model` option, which is the caller's default.
    """
    if isinstance(spec, str):
        spec = parse_spec(spec)
    if spec.model is not None:
        options["model"] = spec.model
    if spec.transport == "udp":
        return UdpServer(spec.kind, port=spec.port, **cast(UdpOptions, options))
    return TcpServer(spec.kind, port=spec.port, **cast(TcpOptions, options))
