"""The services database: service names <-> port numbers for tcp and udp.

Read from the system's /etc/services, as LookupPort does on Unix, and from a
bundled copy of the common entries where the system has none. Parsing the
file ourselves (rather than getservbyname) gives the same answers on every
machine and lets a lookup say where its answer came from.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from netlab.core.errors import InputError, OperationFailed

NETWORKS = ("tcp", "udp")
SYSTEM_SERVICES = Path("/etc/services")


@dataclass(frozen=True)
class Service:
    """One service known by name on one transport."""

    name: str
    port: int
    network: str
    aliases: tuple[str, ...] = ()
    source: str = "system"
    """Where the answer came from: "system" (/etc/services), "bundled" or "number"."""


@dataclass(frozen=True)
class ServiceTable:
    by_name: dict[tuple[str, str], Service]
    by_port: dict[tuple[int, str], Service]


def parse_services(text: str, source: str) -> ServiceTable:
    """Read text in the /etc/services format; the first entry for a name or port wins."""
    by_name: dict[tuple[str, str], Service] = {}
    by_port: dict[tuple[int, str], Service] = {}
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) < 2 or "/" not in fields[1]:
            continue
        number, _, network = fields[1].partition("/")
        network = network.lower()
        if not (number.isascii() and number.isdigit()) or network not in NETWORKS:
            continue
        service = Service(
            name=fields[0],
            port=int(number),
            network=network,
            aliases=tuple(fields[2:]),
            source=source,
        )
        for name in (service.name, *service.aliases):
            by_name.setdefault((name.lower(), network), service)
        by_port.setdefault((service.port, network), service)
    return ServiceTable(by_name, by_port)


@functools.cache
def services_table(path: Path = SYSTEM_SERVICES) -> ServiceTable:
    """The system's table, or the bundled one where the system has none."""
    try:
        return parse_services(path.read_text(encoding="utf-8", errors="replace"), "system")
    except OSError:
        bundled = resources.files("netlab.core").joinpath("data/services")
        return parse_services(bundled.read_text(encoding="utf-8"), "bundled")


def _check_network(network: str) -> str:
    network = network.strip().lower()
    if network not in NETWORKS:
        raise InputError(f"Unknown network {network!r}: use tcp or udp.")
    return network


def port_for_service(network: str, service: str, table: ServiceTable | None = None) -> Service:
    """The port of a named service, as LookupPort does: `tcp telnet` -> 23.

    A number in range is taken as the port itself, as Go does.
    """
    network = _check_network(network)
    name = service.strip()
    if not name:
        raise InputError("No service given: name one, such as http or telnet, or give a port.")
    if name.isascii() and name.isdigit():
        port = int(name)
        if not 1 <= port <= 65535:
            raise InputError(f"Port {name} is out of range: use 1 to 65535.")
        return Service(name=name, port=port, network=network, source="number")
    table = table or services_table()
    found = table.by_name.get((name.lower(), network))
    if found is None:
        raise OperationFailed(f"Unknown service {name!r} for {network}.")
    return found


def service_for_port(port: int, network: str = "tcp", table: ServiceTable | None = None) -> Service:
    """The service registered on a port: 23/tcp -> telnet."""
    network = _check_network(network)
    if not 1 <= port <= 65535:
        raise InputError(f"Port {port} is out of range: use 1 to 65535.")
    table = table or services_table()
    found = table.by_port.get((port, network))
    if found is None:
        raise OperationFailed(f"No service is registered on port {port}/{network}.")
    return found
