"""Name lookups: the system's resolver as Go's net package uses it, and DNS queries.

resolve, lookup_host, lookup_cname and reverse go through getaddrinfo and
gethostbyaddr, so /etc/hosts and nsswitch apply, as they do for every other
program on the machine. dns_query asks a DNS server directly (dnsask: a connected
UDP socket, then TCP) and reports every record of the answer, CNAME chain included,
or says at once which failure it met: nothing listening, REFUSED, SERVFAIL, NXDOMAIN
or no data.

getaddrinfo and gethostbyaddr take no timeout, so each call runs in a daemon
thread that is waited for at most `timeout` seconds and then abandoned.

dnspython is imported by the functions that use it: the app and every CLI command
import this module, and dnspython's import is a tenth of netlab's start-up time.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

from netlab.core import dnsask, dnsrecords
from netlab.core.endpoints import Endpoint, parse_endpoint
from netlab.core.errors import InputError, NetlabError, OperationFailed, positive_seconds
from netlab.core.hostnames import check_hostname, is_ip_literal
from netlab.core.plural import plural
from netlab.core.services import Service, port_for_service, service_for_port

if TYPE_CHECKING:
    import dns.message
    import dns.name
    import dns.rdatatype

DEFAULT_TIMEOUT = 5.0
RECORD_TYPES = (
    "A",
    "AAAA",
    "CNAME",
    "MX",
    "NS",
    "TXT",
    "SOA",
    "PTR",
    "SRV",
    "CAA",
    "NAPTR",
    "HTTPS",
    "SVCB",
    "DS",
    "DNSKEY",
)

NETWORKS = ("ip", "ip4", "ip6")
TCP_NETWORKS = ("tcp", "tcp4", "tcp6")

_T = TypeVar("_T")
_IP: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address

_NO_SUCH_HOST = {
    code
    for code in (getattr(socket, "EAI_NONAME", None), getattr(socket, "EAI_ADDRFAMILY", None))
    if code is not None
}
# NOERROR with no A or AAAA records; glibc has it, other systems say EAI_NONAME.
_NO_ADDRESS = getattr(socket, "EAI_NODATA", None)
# h_errno values of socket.herror: HOST_NOT_FOUND and NO_DATA, and 0 where no reason
# was recorded: glibc's gethostbyaddr_r refuses :: at once, telling only its own
# caller HOST_NOT_FOUND, so Python raises herror(0, "Resolver Error 0 (no error)").
_NO_NAME = {0, 1, 4}
# What glibc reports, at once, when no DNS server answered (nothing listening: its UDP
# socket is connected, so it hears the refusal; SERVFAIL; REFUSED) or one failed for good.
# As (gaierror's errno, herror's): EAI_AGAIN and TRY_AGAIN, EAI_FAIL and NO_RECOVERY.
_TRY_AGAIN = (socket.EAI_AGAIN, 2)
_NO_RECOVERY = (socket.EAI_FAIL, 3)


@dataclass(frozen=True)
class Resolved:
    """One address for a name, as ResolveIPAddr gives it."""

    name: str
    network: str
    address: str
    elapsed: float


@dataclass(frozen=True)
class ResolvedEndpoint:
    """A host and port as one TCP address, as ResolveTCPAddr gives it."""

    text: str
    """As given: "localhost:http", "[::1]:23", ":80"."""
    network: str
    address: str
    """The host's address; empty for ":80", which means every address of this machine."""
    port: int
    elapsed: float

    def __str__(self) -> str:
        """As Go's TCPAddr.String(): "127.0.0.1:80", "[::1]:23", ":80"."""
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"{host}:{self.port}"


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
    """The record's data as dig shows it (dnsrecords.record_text: a DNSKEY's key shortened)."""
    fields: dict[str, Any] | None = field(default=None, hash=False)
    """The data's parts by name (dnsrecords.record_fields), None for a one-value type."""


@dataclass(frozen=True)
class DnsAnswer:
    """The answer section of a DNS response, who gave it and how it went.

    status is "ok" (records of the type asked, perhaps at the end of a CNAME chain),
    "no-data" (NOERROR, but none of that type: perhaps only CNAMEs), or the rcode in
    lower case ("nxdomain", "servfail", "refused", ...); or, where no response came,
    "not-listening" (connection refused), "timeout", "unreachable" or "bad-reply",
    ending in "-tcp" when that happened over TCP after a truncated UDP answer.
    rcode is the response's ("NOERROR", "NXDOMAIN", ...), None without one.
    chain is the names from the query along its CNAMEs to the last, () for no alias.
    """

    query: str
    type: str
    records: tuple[DnsRecord, ...]
    server: str
    elapsed: float
    status: str = "ok"
    rcode: str | None = "NOERROR"
    chain: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    """The response header's flags, as dig shows them: qr aa tc rd ra ad cd."""
    authority: tuple[DnsRecord, ...] = ()
    additional: tuple[DnsRecord, ...] = ()
    transport: str = "udp"
    """The transport of the response: "tcp" when the UDP answer came back truncated (TC
    flag) and the question was asked again over TCP; so too when TCP then failed."""
    size: int | None = None
    """The response's size in bytes as it came, None without one."""

    @property
    def truncated_udp(self) -> bool:
        """The UDP answer was truncated, so the question was asked again over TCP."""
        return self.transport == "tcp"

    @property
    def tcp_note(self) -> str:
        """One line saying the answer came over TCP because UDP's was truncated, or ""."""
        if not self.truncated_udp or self.size is None:
            return ""
        size = plural(self.size, "byte", grouped=True)
        return f"truncated over UDP (tc): asked again over TCP, {size}"


class DnsFailed(OperationFailed):
    """A DNS query that found no records of the type asked: why, and what was said."""

    def __init__(self, message: str, answer: DnsAnswer) -> None:
        super().__init__(message)
        self.answer = answer


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
    found = _host_addresses(host, timeout)
    elapsed = time.perf_counter() - start
    candidates = [ip for ip in found if not wanted or ip.version == wanted]
    if not candidates:
        raise OperationFailed(f"{_shown(host)} has no IPv{wanted} address.")
    # Go's "ip" takes the first IPv4 address when there is one, whatever the system's order.
    chosen = next((ip for ip in candidates if ip.version == 4), candidates[0])
    return Resolved(host, network, str(chosen), elapsed)


def resolve_endpoint(
    text: str, network: str = "tcp", timeout: float = DEFAULT_TIMEOUT
) -> ResolvedEndpoint:
    """host:port as one TCP address, as ResolveTCPAddr: the port by number or service
    name, the host as resolve() takes it ("tcp" prefers IPv4; "tcp4"/"tcp6" only that)."""
    network = network.strip().lower()
    if network not in TCP_NETWORKS:
        raise InputError(f"Unknown network {network!r}: use tcp, tcp4 or tcp6.")
    start = time.perf_counter()
    endpoint = parse_endpoint(text, allow_zero_port=True)
    address = ""
    if endpoint.host:  # ":80" names no host: Go leaves the address empty
        address = resolve(endpoint.host, network.replace("tcp", "ip"), timeout).address
    return ResolvedEndpoint(
        text.strip(), network, address, endpoint.port, time.perf_counter() - start
    )


def is_endpoint(text: str) -> bool:
    """Whether `text` is host:port ("[::1]:23", "localhost:http", ":80") rather than a
    name or an address alone ("::1" has colons, but no port)."""
    text = text.strip()
    return text.startswith("[") or text.count(":") == 1


def lookup_host(name: str, timeout: float = DEFAULT_TIMEOUT) -> HostAddresses:
    """Every address of name, IPv4 first then IPv6, as LookupHost."""
    timeout = positive_seconds(timeout)
    start = time.perf_counter()
    literal = _ip_literal(name)
    if literal is not None:
        return HostAddresses(name.strip(), (str(literal),), time.perf_counter() - start)
    host = _system_name(name)
    found = _host_addresses(host, timeout)
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

    canonical, aliases, found = _look_up_host(work, host, timeout)
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
    """Ask a DNS server (the system's, or server as "host[:port]") for records of name.

    For PTR an IP address may be given in place of its reverse name. Anything but
    records of the type asked (a CNAME chain ending in them counts) raises DnsFailed,
    which says what was wrong and carries what the server did say.
    """
    import dns.message

    kind = rdtype.strip().upper()
    if kind not in RECORD_TYPES:
        raise InputError(
            f"Unknown record type {rdtype.strip()[:20]!r}: use one of {', '.join(RECORD_TYPES)}."
        )
    timeout = positive_seconds(timeout)
    qname = _query_name(name, kind)
    servers = _system_servers() if server is None else [_chosen_server(server, timeout)]
    query = dns.message.make_query(qname, kind)
    start = time.perf_counter()
    failures: list[tuple[DnsAnswer, str]] = []
    for index, (address, port) in enumerate(servers):
        # The servers share what is left of the timeout; one that refuses leaves its share.
        wait = (timeout - (time.perf_counter() - start)) / (len(servers) - index)
        if wait <= 0 and failures:
            break
        answer, reason = _ask(query, address, port, wait, start)
        if answer.status == "ok":
            return answer
        if answer.status in _FINAL or len(servers) == 1:
            raise DnsFailed(_failure_sentence(answer, wait, reason), answer)
        # As a stub resolver does: an unwilling, broken or silent server sends us to the next.
        failures.append((answer, f"{answer.server} {_failure_phrase(answer, reason)}"))
    said = "; ".join(phrase for _, phrase in failures)
    raise DnsFailed(f"No DNS server of this system answered: {said}.", failures[0][0])


_FINAL = {"nxdomain", "no-data"}
"""Statuses that another server would only repeat: the name's owner has spoken."""

_RCODE_MEANINGS = {
    "FORMERR": "it could not read the query",
    "NOTIMP": "it does not answer this kind of query",
    "YXDOMAIN": "a name that should not exist does",
    "NOTAUTH": "it is not authoritative for the name",
}


def _ask(
    query: dns.message.Message, address: str, port: int, wait: float, start: float
) -> tuple[DnsAnswer, str]:
    """What one server said to query, as a DnsAnswer whose status tells how it went,
    and the system's words for why no response came ("" when one did)."""
    import dns.flags
    import dns.rcode

    where = _server_text(address, port)
    qname, kind = query.question[0].name, _type_text(query.question[0].rdtype)
    try:
        reply = dnsask.ask(query, address, port, wait)
    except dnsask.Unanswered as silence:
        status = silence.status + ("-tcp" if silence.tcp else "")
        elapsed = time.perf_counter() - start
        unanswered = DnsAnswer(
            qname.to_text(),
            kind,
            (),
            where,
            elapsed,
            status,
            None,
            (),
            transport="tcp" if silence.tcp else "udp",
        )
        return unanswered, silence.reason
    response = reply.message
    rcode = dns.rcode.to_text(response.rcode())
    records = _records(response.answer)
    if rcode != "NOERROR":
        status = rcode.lower()
    elif any(record.type == kind for record in records):
        status = "ok"
    else:
        status = "no-data"
    chain = () if kind == "CNAME" else _cname_chain(response, qname)
    elapsed = time.perf_counter() - start
    flags = tuple(flag.lower() for flag in dns.flags.to_text(response.flags).split())
    sections = (_records(response.authority), _records(response.additional))
    answer = DnsAnswer(
        qname.to_text(),
        kind,
        records,
        where,
        elapsed,
        status,
        rcode,
        chain,
        flags,
        *sections,
        transport=reply.transport,
        size=reply.size,
    )
    return answer, ""


def _records(section: list[Any]) -> tuple[DnsRecord, ...]:
    """A response section's records, one a line as dig shows them, each with its fields."""
    return tuple(
        DnsRecord(
            rrset.name.to_text(),
            _type_text(rrset.rdtype),
            rrset.ttl,
            dnsrecords.record_text(rdata),
            dnsrecords.record_fields(rdata),
        )
        for rrset in section
        for rdata in rrset
    )


def _cname_chain(response: dns.message.Message, qname: dns.name.Name) -> tuple[str, ...]:
    """The names from qname along the answer's CNAMEs to the last; () when qname is no alias."""
    import dns.rdatatype

    targets = {
        rrset.name: rrset[0].target
        for rrset in response.answer
        if rrset.rdtype == dns.rdatatype.CNAME and len(rrset)
    }
    names = [qname]
    # At most one step per CNAME: a loop in the answer cannot hold us.
    while names[-1] in targets and len(names) <= len(targets):
        names.append(targets[names[-1]])
    return tuple(name.to_text() for name in names) if len(names) > 1 else ()


def _failure_sentence(answer: DnsAnswer, wait: float, reason: str) -> str:
    """One sentence for an answer that holds no records of its type: what the server said."""
    shown, where, kind = _shown_name(answer.query), answer.server, answer.type
    last = _shown_name(answer.chain[-1]) if answer.chain else shown
    status = answer.status
    if status == "nxdomain":
        alias = f", the end of the CNAME chain of {shown}," if answer.chain else ""
        return f"No such name: {last}{alias} does not exist (NXDOMAIN) according to {where}."
    if status == "no-data":
        if answer.chain:
            return (
                f"No data: {shown} is an alias of {last}, and the answer of {where} "
                f"holds no {kind} records for it."
            )
        return f"No data: {shown} exists but has no {kind} records, according to {where}."
    if status == "refused":
        return (
            f"The server refused the query (REFUSED): {where} will not answer for {shown}; "
            "ask a server that serves the name or resolves names for you."
        )
    if status == "servfail":
        return (
            f"The server failed to find an answer (SERVFAIL): {where} could not resolve "
            f"{shown}; try again later or ask another server."
        )
    if status == "not-listening-tcp":
        return (
            f"Nothing is listening on {where} for DNS over TCP (connection refused): "
            "its answer was too big for UDP."
        )
    if status == "not-listening":
        return f"Nothing is listening on {where} for DNS (connection refused)."
    if status.startswith("timeout"):
        over = " over TCP" if status.endswith("-tcp") else ""
        return f"No answer from {where}{over} within {_seconds(round(wait, 3))} s."
    if status.startswith("unreachable"):
        return f"The DNS query for {shown} could not reach {where}: {_sentence_part(reason)}."
    if status.startswith("bad-reply"):
        return f"{where} sent something that is not a DNS answer: {_sentence_part(reason)}."
    meaning = _RCODE_MEANINGS.get(str(answer.rcode), "it gave no records")
    return f"{where} answered {answer.rcode} to the query for {shown}: {meaning}."


def _failure_phrase(answer: DnsAnswer, reason: str) -> str:
    """What went wrong at one server, short enough to list several in one sentence."""
    phrases = {
        "not-listening": "has nothing listening for DNS (connection refused)",
        "timeout": "did not answer in time",
        "refused": "refused the query (REFUSED)",
        "servfail": "failed to find an answer (SERVFAIL)",
    }
    status = answer.status.removesuffix("-tcp")
    if status in phrases:
        return phrases[status]
    if answer.rcode is not None:
        return f"answered {answer.rcode}"
    return f"could not be asked ({_sentence_part(reason)})"


def _system_servers() -> list[tuple[str, int]]:
    """The nameservers of /etc/resolv.conf, in order, with their port."""
    import dns.exception
    import dns.resolver

    try:
        resolver = dns.resolver.Resolver(configure=True)
    except (dns.exception.DNSException, OSError):
        resolver = None
    servers = [] if resolver is None else [str(server) for server in resolver.nameservers]
    # resolv.conf names plain DNS servers by address; nothing else can be asked here.
    addresses = [server for server in servers if _ip_literal(server) is not None]
    if resolver is None or not addresses:
        raise OperationFailed(
            "This system has no DNS server configured: name one, such as 127.0.0.1:53."
        )
    return [(address, resolver.port) for address in addresses]


def _chosen_server(server: str, timeout: float) -> tuple[str, int]:
    """The address and port of the server given as "host[:port]"."""
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
    return address, endpoint.port


def _type_text(rdtype: dns.rdatatype.RdataType) -> str:
    import dns.rdatatype

    return dns.rdatatype.to_text(rdtype)


def _shown_name(text: str) -> str:
    """A DNS name as it reads in a sentence: no final dot, except the root's."""
    return text.removesuffix(".") or "."


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


def _server_text(host: str, port: int) -> str:
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
        if isinstance(error, socket.gaierror | socket.herror):
            raise OperationFailed(_resolver_sentence(error, what, not_found)) from error
        if isinstance(error, OSError | UnicodeError):
            reason = (error.strerror if isinstance(error, OSError) else None) or str(error)
            raise OperationFailed(f"Looking up {what} failed: {_sentence_part(reason)}.") from error
        raise error
    return outcome[0]


def _look_up_host(call: Callable[[], _T], host: str, timeout: float) -> _T:
    """_run_blocking for a lookup of host by name, which fails as "No such host"."""
    shown = _shown(host)
    return _run_blocking(call, what=shown, not_found=f"No such host: {shown}.", timeout=timeout)


def _host_addresses(host: str, timeout: float) -> list[_IP]:
    """The system resolver's addresses for host, in its order."""
    return _look_up_host(
        lambda: _addresses(socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)), host, timeout
    )


def _resolver_sentence(error: socket.gaierror | socket.herror, what: str, not_found: str) -> str:
    """What a gaierror (getaddrinfo) or herror (gethostbyaddr) means, in one sentence."""
    gai = isinstance(error, socket.gaierror)
    if error.errno in (_NO_SUCH_HOST if gai else _NO_NAME):
        return not_found
    if gai and error.errno == _NO_ADDRESS:
        return f"{_shown(what)} has no address: the name exists, but has no A or AAAA records."
    # The two kinds number their codes apart: EAI_FAIL may be another's BADFLAGS.
    which = 0 if gai else 1
    if error.errno == _TRY_AGAIN[which]:
        return (
            f"Looking up {what} failed: the system's DNS servers gave no answer (nothing "
            "listening, no reply, SERVFAIL or REFUSED); a DNS query to them says which."
        )
    if error.errno == _NO_RECOVERY[which]:
        return f"Looking up {what} failed: the DNS server could not answer it (a lasting failure)."
    reason = error.strerror or str(error)
    return f"Looking up {what} failed: {_sentence_part(reason)}."


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
