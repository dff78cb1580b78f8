"""The `netlab` command: no arguments starts the app; each subcommand runs one job headless.

Every subcommand is the twin of a seed program and prints what that program
prints (IP.go, Mask.go, ResolveIP.go, LookupHost.go, LookupPort.go, Ping.go), or
JSON with --json, in the one schema output.py describes. Exit status: 0 done, 1 the
network said no, 2 bad input; with --json a failure also prints its error object.

This module holds the parser and main(); the handlers are grouped by what they touch,
each group with its own helpers: addresses, lookups and sockets.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from netlab import __version__
from netlab.cli.addresses import cmd_calc, cmd_ip, cmd_mask
from netlab.cli.lookups import (
    cmd_cname,
    cmd_dns,
    cmd_host,
    cmd_ping,
    cmd_port,
    cmd_resolve,
    cmd_reverse,
    cmd_service,
)
from netlab.cli.output import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, emit_error
from netlab.cli.sockets import QUIET_AFTER_INPUT, cmd_connect, cmd_head, cmd_send, cmd_serve
from netlab.core.errors import InputError, NetlabError
from netlab.core.sampling import MESSAGE_RATE

DEFAULT_PAGE = 16

Handler = Callable[[argparse.Namespace], int]


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


class UsageError(Exception):
    """A command line argparse cannot read, held until main() knows whether to add JSON."""

    def __init__(self, parser: Parser, message: str) -> None:
        super().__init__(message)
        self.parser = parser
        self.message = message


class Parser(argparse.ArgumentParser):
    """argparse, except that a usage error is raised for main() to report."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(self, message)

    def usage_exit(self, message: str) -> NoReturn:
        """argparse's own report: the usage and the error on stderr, exit status 2."""
        super().error(message)


def _wants_json(argv: Sequence[str]) -> bool:
    """Whether --json (or an abbreviation argparse accepts) is among the options."""
    for arg in argv:
        if arg == "--":
            break
        if arg.startswith("--j") and "--json".startswith(arg):
            return True
    return False


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
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
    # Defaults are the servers' own (None here): their numbers are in the help by hand,
    # so that `netlab` starts without importing the servers; a test keeps them in step.
    sub.add_argument(
        "--write-timeout",
        type=_positive_float,
        metavar="S",
        help="drop a client when a write makes no progress this long (default 10)",
    )
    sub.add_argument(
        "--per-source",
        type=_count,
        metavar="N",
        help="connections at once from one address (default 50)",
    )
    sub.add_argument(
        "--cps",
        type=_count,
        metavar="N",
        help="new connections a second from one address (default 200)",
    )
    sub.add_argument(
        "--allow",
        action="append",
        metavar="ADDRS",
        help="serve only these addresses or networks, e.g. 127.0.0.0/8,::1 (repeatable)",
    )
    sub.add_argument(
        "--deny",
        action="append",
        metavar="ADDRS",
        help="refuse these addresses or networks, even if allowed (repeatable)",
    )
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
    sub.add_argument(
        "--half-close",
        action="store_true",
        help="send FIN after the message, for servers that answer at end of input",
    )

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
        help=f"after input ends, close once the server is quiet this long "
        f"(default {QUIET_AFTER_INPUT:g}; --timeout caps the wait)",
    )
    sub.add_argument(
        "--no-half-close",
        dest="half_close",
        action="store_false",
        help="at end of input, do not send FIN first (a terminal's Ctrl-D then closes at once)",
    )
    return parser


def run_app() -> int:
    from netlab.tui.app import NetlabApp

    NetlabApp().run()
    return EXIT_OK


def _fail(args: argparse.Namespace, kind: str, message: str, status: int) -> int:
    """One line on stderr; with --json, the error object on stdout as well."""
    if args.json:
        emit_error(kind, message)
    print(f"netlab {args.command}: {message}", file=sys.stderr)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """Run netlab with these arguments and return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(argv)
    except UsageError as usage:
        if _wants_json(argv):
            emit_error("bad-input", usage.message)
        usage.parser.usage_exit(usage.message)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        return run_app()
    try:
        return handler(args)
    except InputError as error:
        return _fail(args, "bad-input", str(error), EXIT_BAD_INPUT)
    except NetlabError as error:
        return _fail(args, "network", str(error), EXIT_FAILED)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # Output piped into `head`: the reader has all it wants.
        sys.stderr.close()
        return EXIT_OK
    except Exception as error:  # a bug of ours: still one line, with the way to the details
        if os.environ.get("NETLAB_DEBUG"):
            raise
        return _fail(
            args,
            "internal",
            f"internal error ({type(error).__name__}: {error}); "
            "run again with NETLAB_DEBUG=1 to see where.",
            EXIT_FAILED,
        )
