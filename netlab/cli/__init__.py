"""The `netlab` command: no arguments starts the app; each subcommand runs one job headless.

Every subcommand is the twin of a seed program and prints what that program
prints (IP.go, Mask.go, ResolveIP.go, LookupHost.go, LookupPort.go, Ping.go), or
JSON with --json. Exit status: 0 done, 1 the network said no, 2 bad input.
"""

from __future__ import annotations

import argparse
import dataclasses
import ipaddress
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from netlab import __version__
from netlab.core import addresses
from netlab.core.endpoints import address_text
from netlab.core.errors import InputError, NetlabError
from netlab.core.events import format_event
from netlab.core.sampling import MESSAGE_RATE

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
DEFAULT_PAGE = 16

Handler = Callable[[argparse.Namespace], int]


# -- output ----------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        to_dict = getattr(value, "to_dict", None)
        return to_dict() if to_dict else dataclasses.asdict(value)
    if isinstance(value, bytes):
        return list(value)
    if isinstance(value, ipaddress.IPv4Network | ipaddress.IPv6Network):
        return str(value)
    raise TypeError(f"cannot turn {type(value).__name__} into JSON")


def emit_json(value: Any) -> None:
    print(json.dumps(value, default=_jsonable, ensure_ascii=False))


def _rows(pairs: Sequence[tuple[str, str]]) -> None:
    width = max(len(label) for label, _ in pairs)
    for label, value in pairs:
        print(f"{label:<{width}}  {value}")


def _mask_text(mask: addresses.Mask) -> str:
    return f"/{mask.prefix}  {mask.dotted}  hex {mask.hex}"


# -- addresses -------------------------------------------------------------------------------


def cmd_ip(args: argparse.Namespace) -> int:
    """IP.go: parse an address and print its canonical form."""
    address = addresses.parse_ip(args.address)
    if args.json:
        emit_json(
            {
                "input": args.address,
                "valid": address is not None,
                "address": address and str(address),
            }
        )
    if address is None:
        if not args.json:
            print("Invalid address")
        return EXIT_BAD_INPUT
    if not args.json:
        # Go prints an IPv4-mapped address in its IPv4 form.
        shown = getattr(address, "ipv4_mapped", None) or address
        print(f"The address is {shown}")
    return EXIT_OK


def cmd_mask(args: argparse.Namespace) -> int:
    """Mask.go: an address, CIDRMask(ones, bits), and the network it gives."""
    info = addresses.describe(f"{args.address} {args.ones} {args.bits}")
    if args.json:
        emit_json(
            {
                "address": info.address,
                "bits": info.mask.bits,
                "ones": info.mask.prefix,
                "mask_hex": info.mask.hex,
                "network": info.network_address,
            }
        )
        return EXIT_OK
    print(f"Address is {info.address}")
    print(f"Mask length is {info.mask.bits}")
    print(f"Leading ones count is {info.mask.prefix}")
    print(f"Mask is (hex) {info.mask.hex}")
    print(f"Network is {info.network_address}")
    return EXIT_OK


def _print_description(info: addresses.AddressInfo) -> None:
    kind = f"IPv{info.version}"
    if info.ipv4_class:
        kind += f", class {info.ipv4_class}"
    if info.flags:
        kind += ", " + ", ".join(flag.replace("_", "-") for flag in info.flags)
    rows = [
        ("Address", f"{info.address}  ({kind})"),
        ("Exploded", info.exploded),
        ("Integer", f"{info.integer}  hex {info.hex}"),
        ("Binary", info.binary),
    ]
    if info.ipv4_mapped:
        rows.append(("IPv4-mapped", info.ipv4_mapped))
    rows.append(("Mask", _mask_text(info.mask)))
    if info.mask_source != "given":
        rows.append(("", f"({info.mask_source})"))
    rows.append(("Wildcard", info.mask.wildcard))
    if info.version == 4:
        default = _mask_text(info.default_mask) if info.default_mask else "none (class D/E)"
        rows.append(("Default mask", default))
    rows += [
        ("Network", info.network),
        ("Device part", info.device_part),
    ]
    if info.broadcast:
        rows.append(("Broadcast", info.broadcast))
    hosts = f"{info.first_host} - {info.last_host}  ({info.host_count:,} hosts"
    hosts += ", point-to-point)" if info.point_to_point else ")"
    rows.append(("Hosts", hosts))
    network_bits, device_bits = addresses.bits_at_prefix(info)
    rows.append(("Bits", f"{network_bits or '-'} | {device_bits or '-'}  (network | device)"))
    if info.ipv6_split:
        split = info.ipv6_split
        rows.append(
            ("IPv6 split", f"network {split.network}  subnet {split.subnet}  device {split.device}")
        )
    rows.append(("Reverse", info.reverse_pointer))
    _rows(rows)


def _print_split(plan: addresses.SubnetSplit, offset: int, limit: int) -> None:
    subnets = plan.page(offset, limit)
    noun = "subnet" if plan.count == 1 else "subnets"
    print(f"{plan.network} into /{plan.new_prefix}: {plan.count:,} {noun}")
    for number, subnet in enumerate(subnets, start=offset + 1):
        first, last, count = addresses.host_range(subnet)
        print(f"{number:>6}  {subnet!s:<20} {first} - {last}  ({count:,} hosts)")
    remaining = plan.count - offset - len(subnets)
    if remaining > 0:
        print(f"... {remaining:,} more (see them with --offset {offset + len(subnets)})")


def cmd_calc(args: argparse.Namespace) -> int:
    """The whole calculator: forms, masks, parts, ranges and subnetting."""
    text = " ".join(args.input)
    if args.split is not None and args.hosts is not None:
        raise InputError("Give --split or --hosts, not both.")
    if addresses.looks_like_range(text):
        networks = addresses.range_to_networks(text)
        if args.json:
            emit_json({"range": text, "networks": [str(n) for n in networks]})
        else:
            for network in networks:
                print(network)
        return EXIT_OK
    if args.split is not None:
        plan = addresses.split(text, args.split)
        if args.json:
            emit_json(
                {
                    "network": str(plan.network),
                    "prefix": plan.new_prefix,
                    "count": plan.count,
                    "offset": args.offset,
                    "subnets": [str(s) for s in plan.page(args.offset, args.limit)],
                }
            )
        else:
            _print_split(plan, args.offset, args.limit)
        return EXIT_OK
    if args.hosts is not None:
        allocations = addresses.plan_for_hosts(text, _host_counts(args.hosts))
        if args.json:
            emit_json([dataclasses.asdict(a) | {"network": str(a.network)} for a in allocations])
        else:
            for a in allocations:
                print(f"{a.hosts_wanted:>8} hosts  {a.network!s:<20} ({a.hosts_usable:,} usable)")
        return EXIT_OK
    info = addresses.describe(text)
    if args.json:
        emit_json(info)
    else:
        _print_description(info)
    return EXIT_OK


def _host_counts(text: str) -> list[int]:
    counts = []
    for item in text.split(","):
        item = item.strip()
        if not item.isascii() or not item.isdigit():
            raise InputError(f"Host count {item!r} is not a number: write them as 100,50,10.")
        counts.append(int(item))
    return counts


# -- lookups ---------------------------------------------------------------------------------


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


# -- talking to servers ---------------------------------------------------------------------


def _print_reply(data: bytes, *, as_hex: bool = False) -> None:
    """Network bytes as safe lines: escapes visible, never interpreted by the terminal."""
    from netlab.core.safetext import hex_lines, safe_bytes

    if as_hex:
        print("\n".join(hex_lines(data)))
        return
    for chunk in data.removesuffix(b"\n").split(b"\n"):
        print(safe_bytes(chunk.removesuffix(b"\r")))


def cmd_head(args: argparse.Namespace) -> int:
    """GetHeadInfo.go: send HEAD / HTTP/1.0, read to the end, print the status and headers."""
    from netlab.core import client

    reply = client.head(args.endpoint, timeout=args.timeout)
    if args.json:
        emit_json({"endpoint": args.endpoint, "reply": reply.decode("utf-8", "replace")})
    else:
        _print_reply(reply.rstrip(b"\r\n"))
    return EXIT_OK


def cmd_send(args: argparse.Namespace) -> int:
    """One message out, the reply printed: UDPDaytimeClient and the seeds' one-shot clients."""
    from netlab.core import client
    from netlab.core.framing import Framing

    framing = Framing.parse(args.framing or ("raw" if args.udp else "lf"))
    reply = client.send_once(
        args.endpoint,
        args.message.encode(),
        transport="udp" if args.udp else "tcp",
        framing=framing,
        timeout=args.timeout,
    )
    if args.json:
        emit_json({"endpoint": args.endpoint, "reply": list(reply)})
    else:
        _print_reply(reply, as_hex=args.hex)
    return EXIT_OK


QUIET_AFTER_INPUT = 1.0
"""Seconds without data, after piped input ends, before `connect` takes the replies as done
(unless --quiet says otherwise)."""


class _ReplyPrinter:
    """Shows a session's incoming stream as it arrives: safe text, or a running hex dump.

    Runs in a thread of its own, woken by the session's events, so replies print while
    the main thread waits on the keyboard. The text comes through the session's
    StreamDecoder (take_text), so a character split across two reads prints whole; each
    line is made safe, CR LF shows as a line end, and a line without its end yet (a
    prompt) shows at once.
    """

    def __init__(self, session: Any, bus: Any, *, as_hex: bool, as_json: bool) -> None:
        import threading

        self.session = session
        self.bus = bus
        self.as_hex = as_hex
        self.as_json = as_json
        self.errors: list[str] = []
        self._offset = 0
        self._held_cr = False
        self._mid_line = False
        self._thread = threading.Thread(target=self._run, name="netlab connect printer")
        self._thread.daemon = True

    @property
    def started(self) -> bool:
        return self._thread.ident is not None

    def start(self) -> None:
        self._thread.start()

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)

    def _run(self) -> None:
        from netlab.core.events import Kind

        while True:
            closed = self.session.state == "closed"
            # take_text flushes the decoder once the session is closed: nothing is lost.
            if self.as_hex or self.as_json:
                data = self.session.take()
                if data:
                    self._show_bytes(data)
            else:
                self._show_text(self.session.take_text(), final=closed)
            if closed:
                break
            self.bus.wait(0.2)
            for event in self.bus.drain():
                if event.kind is Kind.ERROR:
                    self._status(event.detail)

    def _status(self, text: str) -> None:
        from netlab.core.safetext import safe_text

        line = safe_text(text)
        repeated = bool(self.errors) and self.errors[-1] == line
        self.errors.append(line)
        if repeated:  # one per datagram to a closed UDP port: once is enough
            return
        self._end_line()
        print(f"netlab connect: {line}", file=sys.stderr, flush=True)

    def _show_bytes(self, data: bytes) -> None:
        from netlab.core.safetext import hex_lines

        if self.as_json:
            emit_json({"received": data.decode("utf-8", "replace"), "size": len(data)})
        else:
            for line in hex_lines(data):
                # hex_lines counts from 0 for each read; count from the stream's start.
                print(f"{self._offset + int(line[:8], 16):08x}{line[8:]}")
            self._offset += len(data)
        sys.stdout.flush()

    def _show_text(self, text: str, *, final: bool) -> None:
        from netlab.core.safetext import safe_text

        if self._held_cr:
            text = "\r" + text
            self._held_cr = False
        if text.endswith("\r") and not final:
            # Perhaps the first half of CR LF: wait for the next read to tell.
            text, self._held_cr = text[:-1], True
        if text:
            *lines, rest = text.split("\n")
            out = [safe_text(line.removesuffix("\r"), limit=len(line) + 1) + "\n" for line in lines]
            if rest:
                out.append(safe_text(rest, limit=len(rest) + 1))
            sys.stdout.write("".join(out))
            self._mid_line = bool(rest) or (self._mid_line and not lines)
        if final:
            self._end_line()
        sys.stdout.flush()

    def _end_line(self) -> None:
        """End a partial line, so what comes next (a status, the prompt) starts clean."""
        if self._mid_line:
            sys.stdout.write("\n")
            sys.stdout.flush()
            self._mid_line = False


STDIN_LINE_LIMIT = 64 * 1024
"""Bytes of stdin without a newline that are sent as one line anyway."""


def _stdin_lines(lines: Any) -> None:
    """Read stdin in a thread of its own: the main thread must also notice the peer closing.

    Reads the file descriptor itself, not sys.stdin's buffer, so a read still blocked
    when the command ends holds no lock the interpreter wants at exit.
    """
    pending = b""
    try:
        fd = sys.stdin.fileno()
        while chunk := os.read(fd, 65536):
            pending += chunk
            while (end := pending.find(b"\n")) >= 0 or len(pending) >= STDIN_LINE_LIMIT:
                cut = end + 1 if end >= 0 else STDIN_LINE_LIMIT
                lines.put(pending[:cut])
                pending = pending[cut:]
    except (OSError, ValueError, AttributeError):
        pass  # no stdin at all, or it was closed: that is the end of input
    if pending:
        lines.put(pending)
    lines.put(None)


def _wait_for_quiet(session: Any, timeout: float, quiet: float) -> str:
    """After piped input ends: wait for the server to close or be quiet for `quiet`
    seconds, at most `timeout` in all."""
    started = time.monotonic()
    quiet_since, seen = started, session.bytes_in
    while time.monotonic() - started < timeout:
        if session.wait_closed(min(0.05, timeout)):
            return ""
        if session.bytes_in != seen:
            quiet_since, seen = time.monotonic(), session.bytes_in
        elif time.monotonic() - quiet_since >= quiet:
            return f"end of input, then {quiet:g} s without data"
    return f"end of input; still open after {timeout:g} s"


def cmd_connect(args: argparse.Namespace) -> int:
    """An interactive client, like nc or telnet: lines out, replies printed as they come."""
    import queue
    import threading

    from netlab.core import client
    from netlab.core.bus import EventBus
    from netlab.core.errors import OperationFailed
    from netlab.core.events import CloseReason
    from netlab.core.framing import Framing

    framing = Framing.parse(args.framing or ("raw" if args.udp else "lf"))
    bus = EventBus(capacity=1000)  # wake-ups only: the bytes are read from the inbox
    session = client.ClientSession(
        args.endpoint,
        transport="udp" if args.udp else "tcp",
        framing=framing,
        connect_timeout=args.timeout,
        keepalive=args.keepalive,
        bus=bus,
    )
    session.connect()
    printer = _ReplyPrinter(session, bus, as_hex=args.hex, as_json=args.json)
    lines: queue.Queue[bytes | None] = queue.Queue(maxsize=1000)
    why = ""
    failed = False
    try:
        print(f"Connected to {session.peer}", file=sys.stderr, flush=True)
        printer.start()
        threading.Thread(
            target=_stdin_lines, args=(lines,), name="netlab stdin", daemon=True
        ).start()
        while session.state != "closed":
            try:
                line = lines.get(timeout=0.1)
            except queue.Empty:
                continue
            if line is None:
                if sys.stdin is not None and sys.stdin.isatty():
                    why = "end of input"
                else:
                    why = _wait_for_quiet(session, args.timeout, args.quiet)
                break
            line = line.removesuffix(b"\n").removesuffix(b"\r")
            if line.strip() == b"quit":
                why = "quit"
                break
            try:
                session.send_bytes(framing.frame(line))
            except OperationFailed:
                # The session published the error as an event: the printer shows it.
                failed = True
                if session.state == "closed":
                    break
    except KeyboardInterrupt:
        why = "interrupted"
    finally:
        session.close()
        if printer.started:
            printer.join(timeout=2.0)
    reason = session.close_reason
    failed = failed or bool(printer.errors)  # e.g. UDP: nothing is listening there
    if reason is CloseReason.BY_PEER:
        status = "Connection closed by peer."
    elif reason is CloseReason.RESET:
        status = "Connection reset by peer."
        # A server that closes with our input unread resets; after a reply that is normal.
        failed = failed or session.bytes_in == 0
    elif reason is CloseReason.TIMEOUT:
        status, failed = "Connection timed out: the peer stopped answering.", True
    else:
        status = f"Connection closed ({why})." if why else "Connection closed."
    print(status, file=sys.stderr, flush=True)
    return EXIT_FAILED if failed and reason is not CloseReason.BY_PEER else EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    """Run lab servers until Ctrl-C, printing each connection and message as it happens."""
    from netlab.core.lab import Lab
    from netlab.core.servers import parse_spec

    specs = [parse_spec(text) for text in args.specs]
    lab = Lab()
    bus = lab.bus
    try:
        for spec in specs:
            options: dict[str, Any] = {
                "host": args.bind,
                "model": args.model,
                "message_rate": args.log_rate,
            }
            if spec.transport == "tcp":
                options["max_conns"] = args.max_conns
                if args.idle_timeout is not None:
                    options["idle_timeout"] = args.idle_timeout
            where = address_text(lab.start_server(spec, **options).address)
            if not args.json:
                print(f"{spec.transport}/{spec.kind} listening on {where}", flush=True)
        if args.bind not in ("127.0.0.1", "::1", "localhost"):
            print(
                f"netlab serve: listening on {args.bind}, not only this machine.", file=sys.stderr
            )
        while True:
            bus.wait(0.5)
            for event in bus.drain():
                if args.json:
                    emit_json(
                        dataclasses.asdict(event) | {"data": event.data.decode("utf-8", "replace")}
                    )
                else:
                    print(format_event(event))
            sys.stdout.flush()
    except KeyboardInterrupt:
        return EXIT_OK
    finally:
        lab.close()
        if bus.dropped:
            print(f"netlab serve: {bus.dropped} log events were dropped.", file=sys.stderr)


# -- the parser ------------------------------------------------------------------------------


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"{text} is out of range: use more than 0, up to 3600")
    return value


def _count(text: str) -> int:
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= 1_000_000:
        raise argparse.ArgumentTypeError(f"{text!r} is not a count from 1 to 1000000")
    return int(text)


def _offset(text: str) -> int:
    if not text.isascii() or not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not an offset (0 or more)")
    return int(text)


def _prefix(text: str) -> int:
    value = text.removeprefix("/")
    if not value.isascii() or not value.isdigit() or int(value) > 128:
        raise argparse.ArgumentTypeError(f"{text!r} is not a prefix length such as 26 or /64")
    return int(value)


def _port(text: str) -> int:
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port from 1 to 65535")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="netlab",
        description="A terminal network lab. Run with no arguments to open the app.",
    )
    parser.add_argument("--version", action="version", version=f"netlab {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(
        name: str, handler: Handler, help_text: str, *, timeout: float | None = None
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        sub.add_argument("--json", action="store_true", help="print JSON instead of text")
        if timeout is not None:
            sub.add_argument(
                "--timeout",
                type=_positive_float,
                default=timeout,
                metavar="S",
                help=f"seconds to wait (default {timeout:g})",
            )
        return sub

    sub = command("ip", cmd_ip, "check an address and print its canonical form (IP.go)")
    sub.add_argument("address")

    sub = command("mask", cmd_mask, "apply a CIDR mask of ONES in BITS to an address (Mask.go)")
    sub.add_argument("address")
    sub.add_argument("ones")
    sub.add_argument("bits")

    sub = command("calc", cmd_calc, "describe an address or network, and subnet it")
    sub.add_argument(
        "input",
        nargs="+",
        help="192.168.1.3, 192.168.1.3/24, 192.168.1.3 255.255.0.0, ADDR ONES BITS or FIRST - LAST",
    )
    sub.add_argument(
        "--split",
        type=_prefix,
        metavar="PREFIX",
        help="cut the network into subnets of this prefix",
    )
    sub.add_argument(
        "--hosts", metavar="N,N,...", help="subnets sized for these host counts, largest first"
    )
    sub.add_argument(
        "--limit", type=_count, default=DEFAULT_PAGE, metavar="N", help="subnets to show"
    )
    sub.add_argument("--offset", type=_offset, default=0, metavar="N", help="first subnet to show")

    sub = command("resolve", cmd_resolve, "resolve a name to one address (ResolveIP.go)", timeout=5)
    sub.add_argument("name")
    family = sub.add_mutually_exclusive_group()
    family.add_argument("-4", dest="ipv4", action="store_true", help="IPv4 only (ip4)")
    family.add_argument("-6", dest="ipv6", action="store_true", help="IPv6 only (ip6)")

    sub = command("host", cmd_host, "every address of a host (LookupHost.go)", timeout=5)
    sub.add_argument("name")

    sub = command("cname", cmd_cname, "the canonical name of a host (LookupCNAME)", timeout=5)
    sub.add_argument("name")

    sub = command("reverse", cmd_reverse, "the names of an address", timeout=5)
    sub.add_argument("address")

    sub = command("dns", cmd_dns, "DNS records of one type", timeout=5)
    sub.add_argument("name")
    sub.add_argument(
        "type", nargs="?", default="A", help="A, AAAA, CNAME, MX, NS, TXT, SOA, PTR or SRV"
    )
    sub.add_argument(
        "--server", metavar="HOST[:PORT]", help="ask this server instead of the system's"
    )

    sub = command("port", cmd_port, "the port of a service (LookupPort.go)")
    sub.add_argument("network", help="tcp or udp")
    sub.add_argument("service", help="a service name such as telnet or domain")

    sub = command("service", cmd_service, "the service registered on a port")
    sub.add_argument("port", type=_port)
    sub.add_argument("--udp", action="store_true", help="look in the udp table")

    sub = command(
        "ping", cmd_ping, "ICMP echo with the bytes sent and received (Ping.go)", timeout=2
    )
    sub.add_argument("host")
    sub.add_argument("--count", type=_count, default=1, metavar="N", help="echo requests to send")
    sub.add_argument(
        "--interval", type=float, default=1.0, metavar="S", help="seconds between requests"
    )
    sub.add_argument("--tcp", type=_port, metavar="PORT", help="time a TCP connect to PORT instead")

    sub = command("serve", cmd_serve, "run lab servers and print every connection and message")
    sub.add_argument(
        "specs", nargs="+", metavar="SPEC", help="[tcp:|udp:]KIND:PORT, e.g. echo:1201"
    )
    sub.add_argument("--bind", default="127.0.0.1", metavar="HOST", help="address to listen on")
    sub.add_argument(
        "--model",
        choices=["threaded", "iterative", "async"],
        default="threaded",
        help="thread per connection (default), one client at a time, or one event loop for all",
    )
    sub.add_argument("--idle-timeout", type=_positive_float, metavar="S")
    sub.add_argument("--max-conns", type=_count, default=100, metavar="N")
    sub.add_argument(
        "--log-rate",
        type=_count,
        default=MESSAGE_RATE,
        metavar="N",
        help=f"messages a second (in and out) each server prints one by one; the rest as counts "
        f"(default {MESSAGE_RATE})",
    )

    sub = command("head", cmd_head, "HEAD / HTTP/1.0 and the reply (GetHeadInfo.go)", timeout=5)
    sub.add_argument("endpoint", metavar="HOST:PORT")

    sub = command("send", cmd_send, "send one message and print the reply", timeout=5)
    sub.add_argument("endpoint", metavar="HOST:PORT")
    sub.add_argument("message")
    sub.add_argument("--udp", action="store_true", help="send a UDP datagram")
    sub.add_argument(
        "--framing",
        choices=["raw", "lf", "crlf", "tab"],
        help="how the message ends on the wire (default: lf for TCP, raw for UDP)",
    )
    sub.add_argument("--hex", action="store_true", help="show the reply as a hex dump")

    sub = command(
        "connect",
        cmd_connect,
        "talk to a server: stdin lines go out, replies print as they arrive (like nc)",
        timeout=5,
    )
    sub.add_argument("endpoint", metavar="HOST:PORT")
    sub.add_argument("--udp", action="store_true", help="each line is one UDP datagram")
    sub.add_argument(
        "--framing",
        choices=["raw", "lf", "crlf", "tab"],
        help="how each line ends on the wire (default: lf for TCP, raw for UDP)",
    )
    sub.add_argument(
        "--keepalive", action="store_true", help="send TCP keepalive probes while idle"
    )
    sub.add_argument("--hex", action="store_true", help="show what arrives as a hex dump")
    sub.add_argument(
        "--quiet",
        type=_positive_float,
        default=QUIET_AFTER_INPUT,
        metavar="S",
        help=f"after piped input ends, close once the server is quiet this long "
        f"(default {QUIET_AFTER_INPUT:g}; --timeout caps the wait)",
    )
    return parser


def run_app() -> int:
    from netlab.tui.app import NetlabApp

    NetlabApp().run()
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run netlab with these arguments and return the exit status."""
    args = build_parser().parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        return run_app()
    try:
        return handler(args)
    except InputError as error:
        print(f"netlab {args.command}: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except NetlabError as error:
        print(f"netlab {args.command}: {error}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # Output piped into `head`: the reader has all it wants.
        sys.stderr.close()
        return EXIT_OK
    except Exception as error:  # a bug of ours: still one line, with the way to the details
        if os.environ.get("NETLAB_DEBUG"):
            raise
        print(
            f"netlab {args.command}: internal error ({type(error).__name__}: {error}); "
            "run again with NETLAB_DEBUG=1 to see where.",
            file=sys.stderr,
        )
        return EXIT_FAILED
