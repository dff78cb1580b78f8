"""resolve, host, cname, reverse, dns, port, service and ping: questions asked of the network.

Each imports its core module when it runs, so starting `netlab` loads no resolver.
"""

from __future__ import annotations

import argparse

from netlab.cli.output import EXIT_FAILED, EXIT_OK, emit_json


def cmd_resolve(args: argparse.Namespace) -> int:
    """ResolveIP.go: one address for a name."""
    from netlab.core import lookup

    network = "ip4" if args.ipv4 else "ip6" if args.ipv6 else "ip"
    result = lookup.resolve(args.name, network, timeout=args.timeout)
    if args.json:
        emit_json(result)
    else:
        print(f"Resolved address is {result.address}")
    return EXIT_OK


def cmd_host(args: argparse.Namespace) -> int:
    """LookupHost.go: every address of a host, one a line."""
    from netlab.core import lookup

    result = lookup.lookup_host(args.name, timeout=args.timeout)
    if args.json:
        emit_json(result)
    else:
        for address in result.addresses:
            print(address)
    return EXIT_OK


def cmd_cname(args: argparse.Namespace) -> int:
    """LookupCNAME: the canonical name of a host and its aliases."""
    from netlab.core import lookup

    result = lookup.lookup_cname(args.name, timeout=args.timeout)
    if args.json:
        emit_json(result)
    else:
        print(f"Canonical name is {result.canonical}")
        for alias in result.aliases:
            print(f"Alias {alias}")
    return EXIT_OK


def cmd_reverse(args: argparse.Namespace) -> int:
    """Reverse lookup: the names of an address."""
    from netlab.core import lookup

    result = lookup.reverse(args.address, timeout=args.timeout)
    if args.json:
        emit_json(result)
    else:
        for name in result.names:
            print(name)
    return EXIT_OK


def cmd_dns(args: argparse.Namespace) -> int:
    """DNS records of one type, from the system resolver or a chosen server."""
    from netlab.core import lookup

    answer = lookup.dns_query(args.name, args.type, server=args.server, timeout=args.timeout)
    if args.json:
        emit_json(answer)
        return EXIT_OK
    for record in answer.records:
        print(f"{record.name}\t{record.ttl}\tIN\t{record.type}\t{record.value}")
    print(f";; {answer.type} answer from {answer.server} in {answer.elapsed * 1000:.1f} ms")
    return EXIT_OK


def cmd_port(args: argparse.Namespace) -> int:
    """LookupPort.go: `netlab port tcp telnet` -> Service port 23."""
    from netlab.core import lookup

    service = lookup.lookup_port(args.network, args.service)
    if args.json:
        emit_json(service)
    else:
        print(f"Service port {service.port}")
    return EXIT_OK


def cmd_service(args: argparse.Namespace) -> int:
    """The other way round: the service registered on a port."""
    from netlab.core import lookup

    service = lookup.lookup_service(args.port, "udp" if args.udp else "tcp")
    if args.json:
        emit_json(service)
    else:
        aliases = f"  (also {', '.join(service.aliases)})" if service.aliases else ""
        print(f"Service name {service.name}{aliases}")
    return EXIT_OK


def _byte_list(data: bytes) -> str:
    return " ".join(str(byte) for byte in data)


def cmd_ping(args: argparse.Namespace) -> int:
    """Ping.go: ICMP echo with the bytes sent and received, or a timed TCP connect."""
    from netlab.core import ping

    if args.tcp is not None:
        timings = list(
            ping.tcp_ping(
                args.host, args.tcp, count=args.count, timeout=args.timeout, interval=args.interval
            )
        )
        if args.json:
            emit_json(timings)
        else:
            for timing in timings:
                where = f"{timing.address}:{timing.port}"
                if timing.rtt is None:
                    print(f"TCP connect to {where}: {timing.error}")
                else:
                    print(f"TCP connect to {where}: time={timing.rtt * 1000:.3f} ms")
        return EXIT_OK if any(t.rtt is not None for t in timings) else EXIT_FAILED
    replies = 0
    results = []
    for result in ping.ping(
        args.host, count=args.count, timeout=args.timeout, interval=args.interval
    ):
        results.append(result)
        if isinstance(result, ping.PingReply):
            replies += 1
        if args.json:
            continue
        print(f"Message sent:     {_byte_list(result.sent)}")
        if isinstance(result, ping.PingReply):
            print(f"Message received: {_byte_list(result.received)}")
            ttl = f" ttl={result.ttl}" if result.ttl is not None else ""
            print(
                f"Reply from {result.address}: seq={result.sequence}{ttl} "
                f"time={result.rtt * 1000:.3f} ms"
            )
        else:
            print(
                f"No reply from {result.address} for seq={result.sequence} "
                f"within {result.timeout:g} s"
            )
    if args.json:
        emit_json(results)
    return EXIT_OK if replies else EXIT_FAILED
