"""The kernel's TCP state of a connection, read from /proc/net/tcp and /proc/net/tcp6.

`tcp_state(local, remote)` tells whether a connection is ESTABLISHED, in CLOSE_WAIT
(the peer closed, we have not), TIME_WAIT (we closed first) and so on; `sockets_on_port`
lists every socket on a local port, for a server's connections table. Both answer
None where the system cannot tell: no /proc (not Linux), or the socket is not listed.

The tables print addresses as the kernel holds them: each 32-bit word of the address
in host byte order, in hex, and the port in hex. An IPv4 client of a dual-stack
listener shows in tcp6 as ::ffff:a.b.c.d; addresses are compared with such a mapped
address made plain IPv4, so either spelling finds it.
"""

from __future__ import annotations

import enum
import ipaddress
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from netlab.core.errors import InputError

TABLES = (Path("/proc/net/tcp"), Path("/proc/net/tcp6"))

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
SocketAddress = tuple[Address, int]


class TcpState(enum.StrEnum):
    """The states of RFC 793 as Linux names them (include/net/tcp_states.h)."""

    ESTABLISHED = "ESTABLISHED"
    SYN_SENT = "SYN_SENT"
    SYN_RECV = "SYN_RECV"
    FIN_WAIT1 = "FIN_WAIT1"
    FIN_WAIT2 = "FIN_WAIT2"
    TIME_WAIT = "TIME_WAIT"
    CLOSE = "CLOSE"
    CLOSE_WAIT = "CLOSE_WAIT"
    LAST_ACK = "LAST_ACK"
    LISTEN = "LISTEN"
    CLOSING = "CLOSING"
    NEW_SYN_RECV = "NEW_SYN_RECV"


_CODES = dict(enumerate(TcpState, start=1))


@dataclass(frozen=True)
class TcpSocket:
    """One row of a /proc/net/tcp table."""

    local: SocketAddress
    remote: SocketAddress
    state: TcpState
    uid: int
    inode: int
    """0 for a socket no process holds any more (TIME_WAIT, orphaned FIN_WAIT2)."""

    @property
    def local_text(self) -> str:
        return _text(self.local)

    @property
    def remote_text(self) -> str:
        return _text(self.remote)


def available() -> bool:
    """Whether this system has a TCP table to read."""
    return TABLES[0].is_file()


def tcp_state(
    local: object, remote: object | None = None, *, tables: Iterable[Path] = TABLES
) -> TcpState | None:
    """The state of the socket from `local` to `remote`, or None if the system cannot tell.

    Addresses are socket addresses as getsockname() gives them, ("127.0.0.1", 5000) or
    ("::1", 5000, 0, 0), or text such as "127.0.0.1:5000" or "[::1]:5000". With no
    remote, the listening socket on `local` is looked up (one on 0.0.0.0 or :: counts).
    """
    want_local = normalize(local)
    want_remote = None if remote is None else normalize(remote)
    found = _read(tables)
    if found is None:
        return None
    if want_remote is not None:
        matches = [e for e in found if e.local == want_local and e.remote == want_remote]
    else:
        # A listener on 0.0.0.0 or :: also listens on the address asked about.
        matches = [
            e
            for e in found
            if e.state is TcpState.LISTEN
            and e.local[1] == want_local[1]
            and (e.local[0] == want_local[0] or e.local[0].is_unspecified)
        ]
    # A socket a process still holds wins over a TIME_WAIT ghost of an older one.
    matches.sort(key=lambda entry: entry.inode == 0)
    return matches[0].state if matches else None


def sockets_on_port(port: int, *, tables: Iterable[Path] = TABLES) -> list[TcpSocket] | None:
    """Every TCP socket whose local port is `port`, listeners first; None without /proc."""
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port <= 65535:
        raise InputError(f"Port {port!r} is out of range: use 1 to 65535.")
    found = _read(tables)
    if found is None:
        return None
    mine = [entry for entry in found if entry.local[1] == port]
    mine.sort(key=lambda entry: (entry.state is not TcpState.LISTEN, _text(entry.remote)))
    return mine


def parse_table(text: str, *, byteorder: str = sys.byteorder) -> list[TcpSocket]:
    """The rows of a /proc/net/tcp or tcp6 table; lines that do not parse are skipped."""
    entries = []
    for line in text.splitlines()[1:]:
        entry = _parse_line(line, byteorder)
        if entry is not None:
            entries.append(entry)
    return entries


def normalize(address: object) -> SocketAddress:
    """A socket address as (IPv4 or IPv6 address, port), an IPv4-mapped one made IPv4."""
    if isinstance(address, str):
        host, port = _split_text(address)
    elif isinstance(address, tuple) and len(address) >= 2:
        host, port = str(address[0]), address[1]
    else:
        raise InputError(f"{address!r} is not a socket address such as ('127.0.0.1', 80).")
    try:
        ip = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        raise InputError(f"{host!r} is not an IP address.") from None
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise InputError(f"Port {port!r} is out of range: use 0 to 65535.")
    return _plain(ip), port


# -- reading --------------------------------------------------------------------------


def _read(tables: Iterable[Path]) -> list[TcpSocket] | None:
    entries: list[TcpSocket] = []
    readable = False
    for table in tables:
        try:
            text = table.read_text(encoding="ascii", errors="replace")
        except OSError:
            continue  # tcp6 is missing when IPv6 is off; tcp alone still answers
        readable = True
        entries += parse_table(text)
    return entries if readable else None


def _parse_line(line: str, byteorder: str) -> TcpSocket | None:
    fields = line.split()
    if len(fields) < 10 or not fields[0].endswith(":"):
        return None
    try:
        local = _parse_address(fields[1], byteorder)
        remote = _parse_address(fields[2], byteorder)
        state = _CODES.get(int(fields[3], 16))
        uid, inode = int(fields[7]), int(fields[9])
    except ValueError:
        return None
    if state is None:
        return None
    return TcpSocket(local, remote, state, uid, inode)


def _parse_address(text: str, byteorder: str) -> SocketAddress:
    """Parse "0100007F:1F90" to (127.0.0.1, 8080): 32-bit words in host order, then port."""
    host, _, port = text.partition(":")
    if len(host) not in (8, 32) or len(port) != 4:
        raise ValueError(f"not an address: {text}")
    order: Literal["little", "big"] = "little" if byteorder == "little" else "big"
    packed = b"".join(int(host[i : i + 8], 16).to_bytes(4, order) for i in range(0, len(host), 8))
    ip: Address = (
        ipaddress.IPv4Address(packed) if len(packed) == 4 else ipaddress.IPv6Address(packed)
    )
    return _plain(ip), int(port, 16)


def _plain(ip: Address) -> Address:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _split_text(text: str) -> tuple[str, int]:
    text = text.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port_text = rest.removeprefix(":")
    else:
        host, _, port_text = text.rpartition(":")
    if not host or not port_text.isascii() or not port_text.isdigit():
        raise InputError(f"{text!r} is not an address with a port such as 127.0.0.1:80.")
    return host, int(port_text)


def _text(address: SocketAddress) -> str:
    ip, port = address
    return f"[{ip}]:{port}" if ip.version == 6 else f"{ip}:{port}"
