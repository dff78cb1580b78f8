"""Name lookups: the system's resolver as Go's net package uses it, and DNS queries.

resolve, lookup_host, lookup_cname and reverse go through getaddrinfo and
gethostbyaddr, so /etc/hosts and nsswitch apply, as they do for every other
program on the machine. dns_query asks a DNS server directly with dnspython and
reports every record of the answer, CNAME chain included.

getaddrinfo and gethostbyaddr take no timeout, so each call runs in a daemon
thread that is waited for at most `timeout` seconds and then abandoned.

dnspython is imported by the functions that use it: the app and every CLI command
import this module, and dnspython's import is a tenth of netlab's start-up time.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

from netlab.core.endpoints import Endpoint, parse_endpoint
from netlab.core.errors import InputError, NetlabError, OperationFailed, positive_seconds
from netlab.core.hostnames import check_hostname, is_ip_literal
from netlab.core.services import Service, port_for_service, service_for_port

if TYPE_CHECKING:
    import dns.name
    import dns.resolver

DEFAULT_TIMEOUT = 5.0
RECORD_TYPES = ("A", "AAAA", "CNAME", "MX", "NS", "TXT", "SOA", "PTR", "SRV")

NETWORKS = ("ip", "ip4", "ip6")

_T = TypeVar("_T")
_IP: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address

_DO53 = re.compile(r"Do53:(?P<host>.+)@\d+")
_NO_SUCH_HOST = {
    code
    for code in (
        getattr(socket, "EAI_NONAME", None),
        getattr(socket, "EAI_NODATA", None),
        getattr(socket, "EAI_ADDRFAMILY", None),
    )
    if code is not None
}
# h_errno values of socket.herror: HOST_NOT_FOUND and NO_DATA, and 0 where no reason
# was recorded: glibc's gethostbyaddr_r refuses :: at once, telling only its own
# caller HOST_NOT_FOUND, so Python raises herror(0, "Resolver Error 0 (no error)").
_NO_NAME = {0, 1, 4}


@dataclass(frozen=True)
class Resolved:
    """One address for a name, as ResolveIPAddr gives it."""

    name: str
    network: str
    address: str
    elapsed: float


@dataclass(frozen=True)
class HostAddresses:
    """Every address of a name, IPv4 first, as LookupHost gives them."""

    name: str
    addresses: tuple[str, ...]
    elapsed: float


@dataclass(frozen=True)
class CanonicalName:
    """The canonical name of a host, with its aliases and addresses."""

    name: str
    canonical: str
    aliases: tuple[str, ...]
    addresses: tuple[str, ...]
    elapsed: float


@dataclass(frozen=True)
class ReverseName:
    """The names registered for an address, primary name first."""

    address: str
    names: tuple[str, ...]
    elapsed: float


@dataclass(frozen=True)
class DnsRecord:
    """One resource record of a DNS answer."""

    name: str
    type: str
    ttl: int
    value: str


@dataclass(frozen=True)
class DnsAnswer:
    """The answer section of a DNS response and who gave it."""

    query: str
    type: str
    records: tuple[DnsRecord, ...]
    server: str
    elapsed: float


def resolve(name: str, network: str = "ip", timeout: float = DEFAULT_TIMEOUT) -> Resolved:
    """One address for name, as ResolveIPAddr: "ip" prefers IPv4, "ip4"/"ip6" take only that."""
    network = network.strip().lower()
    if network not in NETWORKS:
        raise InputError(f"Unknown network {network!r}: use ip, ip4 or ip6.")
    wanted = {"ip": 0, "ip4": 4, "ip6": 6}[network]
    timeout = positive_seconds(timeout)
    start = time.perf_counter()
    literal = _ip_literal(name)
    if literal is not None:
        if wanted and literal.version != wanted:
            raise InputError(
                f"{literal} is an IPv{literal.version} address, not IPv{wanted}: "
                f"use network ip or ip{literal.version}."
            )
        return Resolved(name.strip(), network, str(literal), time.perf_counter() - start)
    host = _system_name(name)
    found = _run_blocking(
        lambda: _addresses(socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)),
        what=_shown(host),
        not_found=f"No such host: {_shown(host)}.",
        timeout=timeout,
    )
    elapsed = time.perf_counter() - start
    candidates = [ip for ip in found if not wanted or ip.version == wanted]
    if not candidates:
        raise OperationFailed(f"{_shown(host)} has no IPv{wanted} address.")
    # Go's "ip" takes the first IPv4 address when there is one, whatever the system's order.
    chosen = next((ip for ip in candidates if ip.version == 4), candidates[0])
    return Resolved(host, network, str(chosen), elapsed)


def lookup_host(name: str, timeout: float = DEFAULT_TIMEOUT) -> HostAddresses:
    """Every address of name, IPv4 first then IPv6, as LookupHost."""
    timeout = positive_seconds(timeout)
    start = time.perf_counter()
    literal = _ip_literal(name)
    if literal is not None:
        return HostAddresses(name.strip(), (str(literal),), time.perf_counter() - start)
    host = _system_name(name)
    found = _run_blocking(
        lambda: _addresses(socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)),
        what=_shown(host),
        not_found=f"No such host: {_shown(host)}.",
        timeout=timeout,
    )
    return HostAddresses(host, _texts(_ipv4_first(found)), time.perf_counter() - start)


def lookup_cname(name: str, timeout: float = DEFAULT_TIMEOUT) -> CanonicalName:
    """The canonical name of a host as the system resolver reports it, as LookupCNAME."""
    timeout = positive_seconds(timeout)
    start = time.perf_counter()
    literal = _ip_literal(name)
    if literal is not None:
        text = str(literal)
        return CanonicalName(name.strip(), text, (), (text,), time.perf_counter() - start)
    host = _system_name(name)

    def work() -> tuple[str, list[str], list[_IP]]:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM, flags=socket.AI_CANONNAME)
        canonical = next((info[3] for info in infos if info[3]), host)
        try:
            aliases = socket.gethostbyname_ex(host)[1]
        except (OSError, UnicodeError):
            # Only gethostbyname_ex reports aliases, and it knows no IPv6-only name:
            # such a name still has a canonical name, just no aliases to show.
            aliases = []
        return canonical, aliases, _addresses(infos)

    canonical, aliases, found = _run_blocking(
        work, what=_shown(host), not_found=f"No such host: {_shown(host)}.", timeout=timeout
    )
    return CanonicalName(
        name=host,
        canonical=canonical,
        aliases=tuple(alias for alias in _unique(aliases) if alias and alias != canonical),
        addresses=_texts(_ipv4_first(found)),
        elapsed=time.perf_counter() - start,
    )


def reverse(address: str, timeout: float = DEFAULT_TIMEOUT) -> ReverseName:
    """The names registered for an IP address, as LookupAddr."""
    timeout = positive_seconds(timeout)
    literal = _ip_literal(address)
    if literal is None:
        shown = address.strip()[:60]
        raise InputError(f"{shown!r} is not an IP address: give one such as 127.0.0.1 or ::1.")
    text = str(literal)
    start = time.perf_counter()
    primary, aliases, _ = _run_blocking(
        lambda: socket.gethostbyaddr(text),
        what=f"the name of {text}",
        not_found=f"No name is registered for {text}.",
        timeout=timeout,
    )
    elapsed = time.perf_counter() - start
    names = tuple(name for name in _unique([primary, *aliases]) if name)
    if not names:
        raise OperationFailed(f"No name is registered for {text}.")
    return ReverseName(text, names, elapsed)


def lookup_port(network: str, service: str) -> Service:
    """The port of a named service, as LookupPort: ("tcp", "telnet") -> 23."""
    return port_for_service(network, service)


def lookup_service(port: int, network: str = "tcp") -> Service:
    """The service registered on a port: 23 -> telnet."""
    return service_for_port(port, network)


def dns_query(
    name: str,
    rdtype: str = "A",
    server: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> DnsAnswer:
    """Ask a DNS server (the system's first, or server as "host[:port]") for records of name.

    For PTR an IP address may be given in place of its reverse name.
    """
    import dns.exception
    import dns.rdatatype
    import dns.resolver

    kind = rdtype.strip().upper()
    if kind not in RECORD_TYPES:
        raise InputError(
            f"Unknown record type {rdtype.strip()[:20]!r}: use one of {', '.join(RECORD_TYPES)}."
        )
    timeout = positive_seconds(timeout)
    qname = _query_name(name, kind)
    shown = "." if qname == dns.name.root else qname.to_text(omit_final_dot=True)
    resolver, where = _system_resolver() if server is None else _chosen_resolver(server, timeout)
    resolver.lifetime = timeout
    start = time.perf_counter()
    try:
        answer = resolver.resolve(qname, kind, search=False)
    except dns.resolver.NXDOMAIN:
        raise OperationFailed(f"{shown} does not exist (NXDOMAIN) according to {where}.") from None
    except dns.resolver.NoAnswer:
        raise OperationFailed(f"{shown} has no {kind} records.") from None
    except dns.exception.Timeout:
        raise OperationFailed(f"No answer from {where} within {_seconds(timeout)} s.") from None
    except dns.resolver.NoNameservers as error:
        raise OperationFailed(
            f"The DNS query for {shown} failed: {_server_errors(error, where)}."
        ) from None
    except (dns.exception.DNSException, OSError) as error:
        raise OperationFailed(
            f"The DNS query for {shown} to {where} failed: {_sentence_part(str(error))}."
        ) from None
    elapsed = time.perf_counter() - start
    if answer.nameserver and answer.port is not None:
        where = _server_text(answer.nameserver, answer.port)
    records = tuple(
        DnsRecord(
            name=rrset.name.to_text(),
            type=dns.rdatatype.to_text(rrset.rdtype),
            ttl=rrset.ttl,
            value=rdata.to_text(),
        )
        for rrset in answer.response.answer
        for rdata in rrset
    )
    return DnsAnswer(qname.to_text(), kind, records, where, elapsed)


def _system_resolver() -> tuple[dns.resolver.Resolver, str]:
    """The resolver /etc/resolv.conf describes, and its first nameserver as text."""
    import dns.exception
    import dns.resolver

    try:
        resolver = dns.resolver.Resolver(configure=True)
    except (dns.exception.DNSException, OSError):
        raise OperationFailed(
            "This system has no DNS server configured: name one, such as 127.0.0.1:53."
        ) from None
    if not resolver.nameservers:
        raise OperationFailed(
            "This system has no DNS server configured: name one, such as 127.0.0.1:53."
        )
    return resolver, _server_text(str(resolver.nameservers[0]), resolver.port)


def _chosen_resolver(server: str, timeout: float) -> tuple[dns.resolver.Resolver, str]:
    """A resolver asking only the server given as "host[:port]"."""
    if not server.strip():
        raise InputError(
            "No DNS server given: write one as 127.0.0.1:53, or leave it out to use the system's."
        )
    endpoint = parse_endpoint(server, default_port=53, network="udp")
    if not endpoint.host:
        raise InputError(
            f"{server.strip()!r} names no DNS server: write it as 127.0.0.1:53 or localhost:5353."
        )
    literal = _ip_literal(endpoint.host)
    address = str(literal) if literal is not None else resolve(endpoint.host, "ip", timeout).address
    import dns.resolver

    resolver = dns.resolver.Resolver(configure=False)
    try:
        resolver.nameservers = [address]
    except ValueError:
        raise InputError(f"{address} cannot be used as a DNS server address.") from None
    resolver.port = endpoint.port
    return resolver, _server_text(address, endpoint.port)


def _query_name(name: str, kind: str) -> dns.name.Name:
    import dns.exception
    import dns.name
    import dns.reversename

    literal = _ip_literal(name)
    if literal is not None:
        if kind != "PTR":
            raise InputError(
                f"{literal} is an address, not a name: ask for its PTR records to find its name."
            )
        # The zone (%eth0) only says which link to use; it has no place in the reverse name.
        return dns.reversename.from_address(str(literal).split("%", 1)[0])
    text = name.strip()
    if text == ".":
        return dns.name.root
    check_hostname(text)
    try:
        return dns.name.from_text(text)
    except (dns.exception.DNSException, UnicodeError) as error:
        raise InputError(
            f"{text!r} is not a valid DNS name ({_sentence_part(str(error))}): "
            "use a name such as example.com."
        ) from None


def _server_errors(error: dns.resolver.NoNameservers, where: str) -> str:
    """What each server said, from dnspython's trace of (server, tcp, port, error, response)."""
    said: list[str] = []
    for trace in error.kwargs.get("errors") or []:
        server = _traced_server(str(trace[0]), int(trace[2]))
        problem = trace[3]
        # A rcode arrives as its name (SERVFAIL, REFUSED); anything else went wrong in transit.
        if isinstance(problem, str):
            said.append(f"{server} answered {problem}")
        else:
            said.append(f"{server} could not be asked ({_sentence_part(str(problem))})")
    return "; ".join(_unique(said)) or f"{where} gave no usable answer"


def _traced_server(text: str, port: int) -> str:
    # dnspython names a plain DNS server "Do53:127.0.0.1@5353" in its trace.
    found = _DO53.fullmatch(text)
    return _server_text(found["host"], port) if found else text


def _server_text(host: str, port: int) -> str:
    if "/" in host:
        # A DNS-over-HTTPS URL already says where it goes.
        return host
    return str(Endpoint(host, port))


def _run_blocking(call: Callable[[], _T], *, what: str, not_found: str, timeout: float) -> _T:
    """Run a blocking resolver call in a daemon thread and wait for it at most timeout seconds.

    A daemon thread rather than an executor: one stuck in getaddrinfo must not hold
    up the interpreter's exit, and it cannot be cancelled, only left behind.
    """
    outcome: list[_T] = []
    failure: list[Exception] = []
    done = threading.Event()

    def work() -> None:
        try:
            outcome.append(call())
        except Exception as error:
            failure.append(error)
        finally:
            done.set()

    threading.Thread(target=work, name=f"netlab lookup of {what}", daemon=True).start()
    if not done.wait(min(timeout, threading.TIMEOUT_MAX)):
        raise OperationFailed(f"Looking up {what} timed out after {_seconds(timeout)} s.")
    if failure:
        error = failure[0]
        if isinstance(error, NetlabError):
            raise error
        not_there = _NO_SUCH_HOST if isinstance(error, socket.gaierror) else _NO_NAME
        if isinstance(error, socket.gaierror | socket.herror) and error.errno in not_there:
            raise OperationFailed(not_found) from error
        if isinstance(error, OSError | UnicodeError):
            reason = (error.strerror if isinstance(error, OSError) else None) or str(error)
            raise OperationFailed(f"Looking up {what} failed: {_sentence_part(reason)}.") from error
        raise error
    return outcome[0]


def _ip_literal(text: str) -> _IP | None:
    try:
        return _go_form(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def _go_form(ip: _IP) -> _IP:
    # Go holds ::ffff:192.0.2.1 as the IPv4 address it carries, as `netlab ip` shows it.
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def addresses_for(host: str | None, port: int, *, kind: int, timeout: float) -> list[Any]:
    """getaddrinfo for a connection, given up on after `timeout` like every lookup here.

    An empty host is this machine (Go's ":80"); an IP literal needs no lookup and no thread.
    """
    if host is None or is_ip_literal(host):
        try:
            return socket.getaddrinfo(host, port, type=kind)
        except OSError as error:
            raise OperationFailed(f"{host} cannot be used: {_sentence_part(str(error))}.") from None
    name = _system_name(host)
    found = _run_blocking(
        lambda: socket.getaddrinfo(name, port, type=kind),
        what=name,
        not_found=f"No such host: {_shown(name)}.",
        timeout=timeout,
    )
    if not found:
        raise OperationFailed(f"No such host: {_shown(name)}.")
    return found


def _system_name(name: str) -> str:
    """A checked name for the system's resolver, refused at once if it can never resolve."""
    host = check_hostname(name)
    bare = host.removesuffix(".").lower()
    if bare == "invalid" or bare.endswith(".invalid"):
        # RFC 6761 asks resolver libraries to answer .invalid negatively without asking
        # anyone; glibc asks DNS anyway, which is slow offline and leaks the name.
        raise OperationFailed(f"No such host: {_shown(host)}.")
    return host


def _addresses(infos: Iterable[tuple[object, ...]]) -> list[_IP]:
    """The distinct IPv4 and IPv6 addresses of getaddrinfo results, in the system's order."""
    found: list[_IP] = []
    for info in infos:
        family, sockaddr = info[0], info[4]
        if family not in (socket.AF_INET, socket.AF_INET6) or not isinstance(sockaddr, tuple):
            continue
        ip = _go_form(ipaddress.ip_address(str(sockaddr[0])))
        if ip not in found:
            found.append(ip)
    return found


def _ipv4_first(addresses: list[_IP]) -> list[_IP]:
    return sorted(addresses, key=lambda ip: ip.version)


def _texts(addresses: Iterable[_IP]) -> tuple[str, ...]:
    return tuple(str(ip) for ip in addresses)


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _seconds(timeout: float) -> str:
    return f"{timeout:g}"


def _sentence_part(text: str) -> str:
    """text made fit to sit inside a sentence: one line, no closing period."""
    return " ".join(text.split()).rstrip(".") or "no reason given"


def _shown(host: str) -> str:
    """host as it reads at the end of a sentence: "localhost." would end in two dots."""
    return host.removesuffix(".") or host
