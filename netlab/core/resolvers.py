"""The system's resolver next to a DNS server: `netlab dns NAME --compare`.

getaddrinfo asks the sources nsswitch.conf lists for hosts, /etc/hosts first on most
systems and DNS after, and the DNS servers of /etc/resolv.conf; a DNS server knows only
its own answers. So the two differ when /etc/hosts names the host, or when the system
asks other servers than the one named. This says which, in one sentence.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from netlab.core.errors import NetlabError
from netlab.core.lookup import DEFAULT_TIMEOUT, DnsFailed, dns_query, lookup_host

HOSTS = Path("/etc/hosts")


@dataclass(frozen=True)
class Comparison:
    name: str
    system: tuple[str, ...]
    """What getaddrinfo gave (IPv4 first), or () with `system_error`."""
    system_error: str
    hosts: tuple[str, ...]
    """What /etc/hosts says of the name: the first source getaddrinfo asks, as a rule."""
    dns: tuple[str, ...]
    """The A and AAAA records the DNS server gave."""
    dns_error: str
    server: str
    """The DNS server that answered ("host:port"), or "" when none did."""
    why: str

    @property
    def agree(self) -> bool:
        return set(self.system) == set(self.dns)


def compare(
    name: str, server: str | None = None, timeout: float = DEFAULT_TIMEOUT, hosts: Path = HOSTS
) -> Comparison:
    """Ask getaddrinfo and the DNS server (`server`, else the system's) for `name`."""
    try:
        system, system_error = lookup_host(name, timeout).addresses, ""
    except NetlabError as error:
        system, system_error = (), str(error)
    dns, dns_error, asked = _dns_addresses(name, server, timeout)
    in_hosts = hosts_addresses(name, hosts)
    found = Comparison(name, tuple(system), system_error, in_hosts, dns, dns_error, asked, "")
    return dataclasses.replace(found, why=_why(found))


def _dns_addresses(
    name: str, server: str | None, timeout: float
) -> tuple[tuple[str, ...], str, str]:
    """The A and AAAA records for `name`, the first failure that was not "no data", and
    who answered."""
    found: list[str] = []
    failure = ""
    asked = server or ""  # who answered, when one did
    for kind in ("A", "AAAA"):
        try:
            answer = dns_query(name, kind, server=server, timeout=timeout)
        except DnsFailed as failed:
            asked = failed.answer.server or asked
            if failed.answer.status != "no-data" and not failure:
                failure = str(failed)
            continue
        asked = answer.server
        found += [record.value for record in answer.records if record.type == kind]
    return tuple(found), "" if found else failure, asked


def hosts_addresses(name: str, hosts: Path = HOSTS) -> tuple[str, ...]:
    """The addresses a hosts file gives `name` (its names are matched without case)."""
    wanted = name.strip().rstrip(".").lower()
    try:
        text = hosts.read_text(errors="replace")
    except OSError:
        return ()
    found = []
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) > 1 and wanted in (field.lower() for field in fields[1:]):
            found.append(fields[0])
    return tuple(found)


def _why(found: Comparison) -> str:
    if found.agree:
        return "They agree."
    if found.hosts and set(found.hosts) & set(found.system):
        dns = "has no such name" if not found.dns else "answers otherwise"
        return (
            f"The system's answer comes from /etc/hosts, which getaddrinfo reads before DNS; "
            f"the DNS server {dns}."
        )
    if not found.system:
        return (
            "Only the DNS server knows it: the system's resolver asks the servers in "
            "/etc/resolv.conf, not this one."
        )
    return (
        "They answer differently: the system's resolver asked other DNS servers (those in "
        "/etc/resolv.conf), or a source before DNS in nsswitch.conf answered."
    )
