"""resolve, host, cname, reverse, dns, port, service and ping: questions asked of the network.

Each imports its core module when it runs, so starting `netlab` loads no resolver.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from netlab.cli.output import (
    EXIT_FAILED,
    EXIT_OK,
    Commands,
    Handler,
    add_command,
    count,
    data_json,
    emit_json,
    now_iso,
)
from netlab.core.endpoints import address_text
from netlab.core.errors import OperationFailed

if TYPE_CHECKING:
    from netlab.core.lookup import DnsAnswer, DnsRecord
    from netlab.core.ping import ConnectTiming, PingReply, PingTimeout
    from netlab.core.services import Service


def register(commands: Commands) -> None:
    """resolve, host, cname, reverse, dns, port, service and ping, in the order
    `netlab --help` lists them."""
    _add_resolve(commands)
    _add_lookup(commands, "host", cmd_host, "every address of a host (LookupHost.go)")
    _add_lookup(commands, "cname", cmd_cname, "the canonical name of a host (LookupCNAME)")
    _add_lookup(commands, "reverse", cmd_reverse, "the names of an address", "address")
    _add_dns(commands)
    _add_port(commands)
    _add_service(commands)
    _add_ping(commands)


def _port(text: str) -> int:
    # Numbers only, in the CLI's own words: the core's parse_port also reads service
    # names (http), which `service` exists to look up, and says it differently.
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port from 1 to 65535")
    return int(text)


def _answer(args: argparse.Namespace, fields: dict[str, Any], lines: Iterable[str]) -> int:
    """A lookup's one answer: its fields as one JSON object with --json, else its lines."""
    if args.json:
        emit_json(fields)
    else:
        for line in lines:
            print(line)
    return EXIT_OK


def _add_lookup(
    commands: Commands, name: str, handler: Handler, help_text: str, argument: str = "name"
) -> argparse.ArgumentParser:
    """A command that asks the network about one name (or address), waiting 5 s by default."""
    sub = add_command(commands, name, handler, help_text, timeout=5)
    sub.add_argument(argument)
    return sub


def _add_resolve(commands: Commands) -> None:
    sub = add_command(
        commands,
        "resolve",
        cmd_resolve,
        "resolve a name (ResolveIP.go) or host:port (ResolveTCPAddr) to one address",
        timeout=5,
    )
    sub.add_argument("name", metavar="NAME|HOST:PORT")
    family = sub.add_mutually_exclusive_group()
    family.add_argument("-4", dest="ipv4", action="store_true", help="IPv4 only (ip4, tcp4)")
    family.add_argument("-6", dest="ipv6", action="store_true", help="IPv6 only (ip6, tcp6)")


def cmd_resolve(args: argparse.Namespace) -> int:
    """ResolveIP.go: one address for a name; ResolveTCPAddr: one for host:port."""
    from netlab.core import lookup

    family = "4" if args.ipv4 else "6" if args.ipv6 else ""
    if lookup.is_endpoint(args.name):
        return _resolve_endpoint(args, f"tcp{family}")
    result = lookup.resolve(args.name, f"ip{family}", timeout=args.timeout)
    fields = {
        "name": result.name,
        "address": result.address,
        "version": 6 if ":" in result.address else 4,
        "elapsed_s": result.elapsed,
    }
    return _answer(args, fields, [f"Resolved address is {result.address}"])


def _resolve_endpoint(args: argparse.Namespace, network: str) -> int:
    from netlab.core import lookup

    result = lookup.resolve_endpoint(args.name, network, timeout=args.timeout)
    anywhere = not result.address  # ":80": no host, so no address (Go prints ":80")
    fields = {
        "name": result.text,
        "endpoint": None if anywhere else str(result),
        "address": None if anywhere else result.address,
        "port": result.port,
        "version": None if anywhere else 6 if ":" in result.address else 4,
        "elapsed_s": result.elapsed,
    }
    return _answer(args, fields, [f"Resolved address is {result}"])


def cmd_host(args: argparse.Namespace) -> int:
    """LookupHost.go: every address of a host, one a line."""
    from netlab.core import lookup

    result = lookup.lookup_host(args.name, timeout=args.timeout)
    fields = {"name": result.name, "addresses": result.addresses, "elapsed_s": result.elapsed}
    return _answer(args, fields, result.addresses)


def cmd_cname(args: argparse.Namespace) -> int:
    """LookupCNAME: the canonical name of a host and its aliases."""
    from netlab.core import lookup

    result = lookup.lookup_cname(args.name, timeout=args.timeout)
    fields = {
        "name": result.name,
        "canonical": result.canonical,
        "aliases": result.aliases,
        "addresses": result.addresses,
        "elapsed_s": result.elapsed,
    }
    lines = [f"Canonical name is {result.canonical}"]
    return _answer(args, fields, lines + [f"Alias {alias}" for alias in result.aliases])


def cmd_reverse(args: argparse.Namespace) -> int:
    """Reverse lookup: the names of an address."""
    from netlab.core import lookup

    result = lookup.reverse(args.address, timeout=args.timeout)
    fields = {"address": result.address, "names": result.names, "elapsed_s": result.elapsed}
    return _answer(args, fields, result.names)


def _add_dns(commands: Commands) -> None:
    sub = add_command(commands, "dns", cmd_dns, "DNS records of one type", timeout=5)
    sub.add_argument("name")
    sub.add_argument(
        "type",
        nargs="?",
        default="A",
        # lookup.RECORD_TYPES, written out: registering a command imports no core module.
        help="A, AAAA, CNAME, MX, NS, TXT, SOA, PTR, SRV, CAA, NAPTR, HTTPS, SVCB, DS or DNSKEY",
    )
    sub.add_argument(
        "--server", metavar="HOST[:PORT]", help="ask this server instead of the system's"
    )
    sub.add_argument(
        "--compare",
        action="store_true",
        help="the system's resolver (getaddrinfo: /etc/hosts, then DNS) next to the DNS "
        "server's A and AAAA records, and why they differ",
    )


def cmd_dns(args: argparse.Namespace) -> int:
    """DNS records of one type, from the system resolver or a chosen server.

    A CNAME chain comes first. When the query finds no records of the type, what the
    server did say (a chain, a status) is still printed, before the error.
    """
    from netlab.core import lookup

    if args.compare:
        return _compare(args)
    try:
        answer = lookup.dns_query(args.name, args.type, server=args.server, timeout=args.timeout)
    except lookup.DnsFailed as failed:
        _print_dns(failed.answer, as_json=args.json)
        raise
    _print_dns(answer, as_json=args.json)
    if not args.json:
        print(f";; {answer.type} answer from {answer.server} in {answer.elapsed * 1000:.1f} ms")
    return EXIT_OK


def _compare(args: argparse.Namespace) -> int:
    """`dns NAME --compare`: what getaddrinfo says next to what the DNS server says."""
    from netlab.core import resolvers

    found = resolvers.compare(args.name, server=args.server, timeout=args.timeout)
    fields = {
        "name": found.name,
        "system": list(found.system),
        "system_error": found.system_error or None,
        "hosts": list(found.hosts),
        "dns": list(found.dns),
        "dns_error": found.dns_error or None,
        "server": found.server or None,
        "agree": found.agree,
        "why": found.why,
    }
    lines = [
        f"system resolver (getaddrinfo): {', '.join(found.system) or found.system_error}",
        f"  /etc/hosts: {', '.join(found.hosts) or 'no line for it'}",
        f"DNS server {found.server or 'of this system'}: "
        f"{', '.join(found.dns) or found.dns_error or 'no A or AAAA records'}",
        f"why: {found.why}",
    ]
    return _answer(args, fields, lines)


def _print_dns(answer: DnsAnswer, *, as_json: bool) -> None:
    if as_json:
        emit_json(
            {
                "name": answer.query,
                "type": answer.type,
                "server": answer.server,
                "status": answer.status,
                "rcode": answer.rcode,
                "chain": answer.chain,
                "flags": list(answer.flags),
                "records": _records_json(answer.records),
                "authority": _records_json(answer.authority),
                "additional": _records_json(answer.additional),
                "transport": answer.transport,
                "truncated_udp": answer.truncated_udp,
                "size": answer.size,
                "elapsed_s": answer.elapsed,
            }
        )
        return
    if answer.tcp_note:
        print(f";; {answer.tcp_note}")
    if answer.chain:
        print(f";; CNAME chain: {' -> '.join(answer.chain)}")
    _print_records(answer.records)
    for title, section in (("AUTHORITY", answer.authority), ("ADDITIONAL", answer.additional)):
        if section:
            print(f";; {title}:")
            _print_records(section)
    if answer.rcode is not None:
        flags = " ".join(answer.flags) or "none"
        print(f";; flags: {flags}; status: {answer.rcode}{_FLAG_WORDS.get(answer.rcode, '')}")


_FLAG_WORDS = {
    "NOERROR": "",
    "NXDOMAIN": " (no such name)",
    "SERVFAIL": " (the server failed)",
    "REFUSED": " (the server will not answer this)",
}


def _print_records(records: tuple[DnsRecord, ...]) -> None:
    for record in records:
        print(f"{record.name}\t{record.ttl}\tIN\t{record.type}\t{record.value}")


def _records_json(records: tuple[DnsRecord, ...]) -> list[dict[str, object]]:
    return [
        {"name": r.name, "type": r.type, "ttl_s": r.ttl, "value": r.value, "fields": r.fields}
        for r in records
    ]


def _add_port(commands: Commands) -> None:
    sub = add_command(commands, "port", cmd_port, "the port of a service (LookupPort.go)")
    sub.add_argument("network", help="tcp or udp")
    sub.add_argument("service", help="a service name such as telnet or domain")


def cmd_port(args: argparse.Namespace) -> int:
    """LookupPort.go: `netlab port tcp telnet` -> Service port 23."""
    from netlab.core import lookup

    service = lookup.lookup_port(args.network, args.service)
    return _answer(args, _service_json(service), [f"Service port {service.port}"])


def _add_service(commands: Commands) -> None:
    sub = add_command(commands, "service", cmd_service, "the service registered on a port")
    sub.add_argument("port", type=_port)
    sub.add_argument("--udp", action="store_true", help="look in the udp table")


def cmd_service(args: argparse.Namespace) -> int:
    """The other way round: the service registered on a port."""
    from netlab.core import lookup

    service = lookup.lookup_service(args.port, "udp" if args.udp else "tcp")
    aliases = f"  (also {', '.join(service.aliases)})" if service.aliases else ""
    return _answer(args, _service_json(service), [f"Service name {service.name}{aliases}"])


def _service_json(service: Service) -> dict[str, Any]:
    return {
        "name": service.name,
        "port": service.port,
        "transport": service.network,
        "aliases": service.aliases,
        "source": service.source,
    }


def _byte_list(data: bytes) -> str:
    return " ".join(str(byte) for byte in data)


def _probe_json(result: PingReply | PingTimeout) -> dict[str, Any]:
    """One ICMP echo as one JSON Lines object: "reply" or "timeout"."""
    from netlab.core.ping import PingReply

    reply = result if isinstance(result, PingReply) else None
    return {
        "time": now_iso(),
        "event": "timeout" if reply is None else "reply",
        "host": result.host,
        "address": result.address,
        "sequence": result.sequence,
        "ttl": None if reply is None else reply.ttl,
        "rtt_s": None if reply is None else reply.rtt,
        "sent": data_json(result.sent),
        "received": None if reply is None else data_json(reply.received),
    }


def _connect_json(timing: ConnectTiming) -> dict[str, Any]:
    """One timed TCP connect as one JSON Lines object: "connected" or "failed"."""
    return {
        "time": now_iso(),
        "event": "failed" if timing.rtt is None else "connected",
        "host": timing.host,
        "peer": address_text((timing.address, timing.port)),
        "rtt_s": timing.rtt,
        "reason": timing.error,
    }


def _add_ping(commands: Commands) -> None:
    sub = add_command(
        commands,
        "ping",
        cmd_ping,
        "ICMP echo with the bytes sent and received (Ping.go)",
        timeout=2,
    )
    sub.add_argument("host")
    sub.add_argument("--count", type=count, default=1, metavar="N", help="echo requests to send")
    sub.add_argument(
        "--interval", type=float, default=1.0, metavar="S", help="seconds between requests"
    )
    sub.add_argument("--tcp", type=_port, metavar="PORT", help="time a TCP connect to PORT instead")


def cmd_ping(args: argparse.Namespace) -> int:
    """Ping.go: ICMP echo with the bytes sent and received, or a timed TCP connect.

    With --json, one line per echo or connect as it happens; when none succeeded, the
    error line last.
    """
    from netlab.core import ping

    if args.tcp is None:
        echoes = ping.ping(
            args.host, count=args.count, timeout=args.timeout, interval=args.interval
        )
        return _echoes(echoes, args)
    timings = ping.tcp_ping(
        args.host, args.tcp, count=args.count, timeout=args.timeout, interval=args.interval
    )
    return _tcp_connects_json(timings) if args.json else _tcp_connects_text(timings)


def _tcp_connects_json(timings: Iterator[ConnectTiming]) -> int:
    """Each timed connect as a JSON line as it happens; the error line if none connected."""
    last: ConnectTiming | None = None
    connected = False
    for last in timings:
        connected = connected or last.rtt is not None
        emit_json(_connect_json(last))
        sys.stdout.flush()
    if not connected and last is not None:
        where = address_text((last.address, last.port))
        raise OperationFailed(f"No TCP connect to {where} succeeded: {last.error}.")
    return EXIT_OK


def _tcp_connects_text(timings: Iterator[ConnectTiming]) -> int:
    """Each timed connect as a line, once all are done; exit 1 if none connected."""
    results = list(timings)
    for timing in results:
        where = f"{timing.address}:{timing.port}"
        if timing.rtt is None:
            print(f"TCP connect to {where}: {timing.error}")
        else:
            print(f"TCP connect to {where}: time={timing.rtt * 1000:.3f} ms")
    return EXIT_OK if any(t.rtt is not None for t in results) else EXIT_FAILED


def _echoes(results: Iterator[PingReply | PingTimeout], args: argparse.Namespace) -> int:
    """Each ICMP echo as it happens, as the bytes both ways or as a JSON line; exit 1
    when none was answered."""
    from netlab.core.ping import PingReply

    replies = 0
    address = args.host
    for result in results:
        address = result.address
        if isinstance(result, PingReply):
            replies += 1
        if args.json:
            emit_json(_probe_json(result))
            sys.stdout.flush()
        else:
            _print_echo(result)
    if args.json and not replies:
        raise OperationFailed(f"No reply from {address} within {args.timeout:g} s.")
    return EXIT_OK if replies else EXIT_FAILED


def _print_echo(result: PingReply | PingTimeout) -> None:
    from netlab.core.ping import PingReply

    print(f"Message sent:     {_byte_list(result.sent)}")
    if isinstance(result, PingReply):
        print(f"Message received: {_byte_list(result.received)}")
        ttl = f" ttl={result.ttl}" if result.ttl is not None else ""
        print(
            f"Reply from {result.address}: seq={result.sequence}{ttl} "
            f"time={result.rtt * 1000:.3f} ms"
        )
    else:
        print(
            f"No reply from {result.address} for seq={result.sequence} within {result.timeout:g} s"
        )
