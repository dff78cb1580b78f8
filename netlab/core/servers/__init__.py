"""Lab servers from the seeds: echo, daytime, time, timestamp, upper, tab and discard.

A spec such as "echo:1201", "udp:daytime:1200" or "tab:8085" names one; make_server
builds it, unstarted, over TCP or UDP.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from netlab.core.endpoints import parse_port
from netlab.core.errors import InputError
from netlab.core.servers.protocols import (
    PROTOCOLS,
    TRANSPORTS,
    Reply,
    ServerProtocol,
    Transport,
)
from netlab.core.servers.tcp import TcpServer
from netlab.core.servers.udp import UdpServer

__all__ = [
    "PROTOCOLS",
    "Reply",
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
    """A server kind on a transport and port; port 0 lets the system choose."""

    transport: Transport
    kind: str
    port: int

    def __str__(self) -> str:
        return f"{self.transport}/{self.kind}:{self.port}"


def parse_spec(text: str) -> ServerSpec:
    """Parse "[tcp:|udp:]KIND:PORT", e.g. "echo:1201", "udp:daytime:1200", "echo:0"."""
    text = text.strip()
    shape = "write [tcp:|udp:]KIND:PORT, such as echo:1201 or udp:daytime:1200"
    if not text:
        raise InputError(f"No server given: {shape}.")
    if len(text) > MAX_SPEC:
        raise InputError(f"That server spec is too long ({len(text)} characters): {shape}.")
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
    return ServerSpec(transport, kind, port)


def make_server(spec: ServerSpec | str, **options: Any) -> TcpServer | UdpServer:
    """An unstarted server for the spec; options go to TcpServer or UdpServer."""
    if isinstance(spec, str):
        spec = parse_spec(spec)
    if spec.transport == "udp":
        return UdpServer(spec.kind, port=spec.port, **options)
    return TcpServer(spec.kind, port=spec.port, **options)
