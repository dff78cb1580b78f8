"""serve, send, head and connect: the commands that open sockets and print what crosses them.

Together because they share the safe printing of network bytes; connect's threads live here too.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from typing import Any

from netlab.cli.output import (
    EXIT_FAILED,
    EXIT_OK,
    Commands,
    add_command,
    count,
    data_json,
    emit_error,
    emit_json,
    event_json,
    positive_float,
)
from netlab.core.endpoints import address_text, parse_endpoint
from netlab.core.events import format_event
from netlab.core.sampling import MESSAGE_RATE

FRAMINGS = ["raw", "lf", "crlf", "tab"]
"""Framing's names, written out: importing netlab.core.framing would slow every start."""


def register(commands: Commands) -> None:
    """serve, head, send and connect, in the order `netlab --help` lists them."""
    _add_serve(commands)
    _add_head(commands)
    _add_send(commands)
    _add_connect(commands)


def _print_reply(data: bytes, *, as_hex: bool = False, port: int | None = None) -> None:
    """Network bytes as safe lines: escapes visible, never interpreted by the terminal.

    A binary reply (RFC 868's four bytes, say) is a hex dump whether or not --hex asked,
    with netlab's reading of it after, where it has one.
    """
    from netlab.core.readings import is_binary, reading
    from netlab.core.safetext import hex_lines, safe_bytes

    meaning = reading(data, port)
    if as_hex or meaning or is_binary(data):
        print("\n".join(hex_lines(data)))
        if meaning:
            print(f"netlab reads it as {meaning}")
        return
    for chunk in data.removesuffix(b"\n").split(b"\n"):
        print(safe_bytes(chunk.removesuffix(b"\r")))


def _add_head(commands: Commands) -> None:
    sub = add_command(
        commands, "head", cmd_head, "HEAD / HTTP/1.0 and the reply (GetHeadInfo.go)", timeout=5
    )
    sub.add_argument("endpoint", metavar="HOST:PORT")


def cmd_head(args: argparse.Namespace) -> int:
    """GetHeadInfo.go: send HEAD / HTTP/1.0, read to the end, print the status and headers."""
    from netlab.core import client

    reply = client.head(args.endpoint, timeout=args.timeout)
    if args.json:
        emit_json(
            {
                "endpoint": str(parse_endpoint(args.endpoint, default_port=80)),
                "sent": data_json(client.HEAD_REQUEST),
                "received": data_json(reply),
            }
        )
    else:
        _print_reply(reply.rstrip(b"\r\n"))
    return EXIT_OK


def _add_send(commands: Commands) -> None:
    sub = add_command(commands, "send", cmd_send, "send one message and print the reply", timeout=5)
    sub.add_argument("endpoint", metavar="HOST:PORT")
    sub.add_argument("message")
    sub.add_argument("--udp", action="store_true", help="send a UDP datagram")
    sub.add_argument(
        "--framing",
        choices=FRAMINGS,
        help="how the message ends on the wire (default: lf for TCP, raw for UDP)",
    )
    sub.add_argument("--hex", action="store_true", help="show the reply as a hex dump")
    sub.add_argument(
        "--half-close",
        action="store_true",
        help="send FIN after the message, for servers that answer at end of input",
    )


def cmd_send(args: argparse.Namespace) -> int:
    """One message out, the reply printed: UDPDaytimeClient and the seeds' one-shot clients."""
    from netlab.core import client
    from netlab.core.framing import Framing

    framing = Framing.parse(args.framing or ("raw" if args.udp else "lf"))
    transport: client.Transport = "udp" if args.udp else "tcp"
    message = args.message.encode()
    endpoint = parse_endpoint(args.endpoint, network=transport)
    reply = client.send_once(
        endpoint,
        message,
        transport=transport,
        framing=framing,
        timeout=args.timeout,
        half_close=args.half_close,
    )
    if args.json:
        emit_json(
            {
                "endpoint": str(endpoint),
                "transport": transport,
                "framing": framing.value,
                "sent": data_json(framing.frame(message)),
                "received": data_json(reply),
            }
        )
    else:
        _print_reply(reply, as_hex=args.hex, port=endpoint.port)
    return EXIT_OK


QUIET_AFTER_INPUT = 1.0
"""Seconds without data, after input ends, before `connect` takes the replies as done
(unless --quiet says otherwise)."""


class _ReplyPrinter:
    """Shows a session's incoming stream as it arrives: safe text, a running hex dump,
    or (--json) every event of the session, one JSON object a line.

    Runs in a thread of its own, woken by the session's events, so replies print while
    the main thread waits on the keyboard. The text comes through the session's
    StreamDecoder (take_text), so a character split across two reads prints whole; each
    line is made safe, CR LF shows as a line end, and a line without its end yet (a
    prompt) shows at once. JSON is made from the events themselves, in the order they
    happened: what was sent always comes before the reply it caused. The closed event is
    kept back for cmd_connect, which adds why it closed.
    """

    def __init__(self, session: Any, bus: Any, *, as_hex: bool, as_json: bool) -> None:
        import threading

        self.session = session
        self.bus = bus
        self.as_hex = as_hex
        self.as_json = as_json
        self.errors: list[str] = []
        self.closed: Any = None
        """The session's closed event, when the JSON printer saw it."""
        self._offset = 0
        self._held_cr = False
        self._mid_line = False
        self._thread = threading.Thread(target=self._run, name="netlab connect printer")
        self._thread.daemon = True

    @property
    def started(self) -> bool:
        return self._thread.ident is not None

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def start(self) -> None:
        self._thread.start()

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)

    def _run(self) -> None:
        from netlab.core.events import Kind

        if self.as_json:
            self._run_json()
            return
        while True:
            closed = self.session.state == "closed"
            # take_text flushes the decoder once the session is closed: nothing is lost.
            if self.as_hex:
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

    def _run_json(self) -> None:
        while True:
            # What arrives is published before the session is marked closed.
            closed = self.session.state == "closed"
            self.drain_json()
            if closed:
                break
            self.bus.wait(0.2)

    def drain_json(self) -> None:
        """Print the waiting events as JSON lines; the closed event is kept back."""
        from netlab.core.events import Kind

        for event in self.bus.drain():
            if event.kind is Kind.CLOSED:
                self.closed = event
                continue
            if event.kind is Kind.ERROR:
                self._status(event.detail)
            emit_json(event_json(event, self.session.local))
        sys.stdout.flush()

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
            out = [safe_text(line.removesuffix("\r"), limit=None) + "\n" for line in lines]
            if rest:
                out.append(safe_text(rest, limit=None))
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


def _wait_after_input(session: Any, timeout: float, quiet: float) -> str:
    """After input ends: wait for the server to close, or to be quiet for `quiet` seconds,
    at most `timeout` in all; say why we stopped waiting ("" when the server closed).

    While replies are still waiting to be printed, nothing ends the wait: they are in
    hand, and the quiet clock starts again once the printer has caught up.
    """
    started = time.monotonic()
    quiet_since, seen = started, session.bytes_in
    while True:
        if session.wait_closed(0.05):
            return ""
        now = time.monotonic()
        if session.bytes_in != seen or session.unread:
            quiet_since, seen = now, session.bytes_in
            continue
        if now - quiet_since >= quiet:
            return f"end of input, then {quiet:g} s without data"
        if now - started >= timeout:
            return f"end of input; still open after {timeout:g} s"


def _add_connect(commands: Commands) -> None:
    sub = add_command(
        commands,
        "connect",
        cmd_connect,
        "talk to a server: stdin lines go out, replies print as they arrive (like nc)",
        timeout=5,
    )
    sub.add_argument("endpoint", metavar="HOST:PORT")
    sub.add_argument("--udp", action="store_true", help="each line is one UDP datagram")
    sub.add_argument(
        "--framing",
        choices=FRAMINGS,
        help="how each line ends on the wire (default: lf for TCP, raw for UDP)",
    )
    sub.add_argument(
        "--keepalive", action="store_true", help="send TCP keepalive probes while idle"
    )
    sub.add_argument("--hex", action="store_true", help="show what arrives as a hex dump")
    sub.add_argument(
        "--quiet",
        type=positive_float,
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
    # Text: wake-ups only, the bytes are read from the inbox. JSON: the events are the output.
    bus = EventBus() if args.json else EventBus(capacity=1000)
    session = client.ClientSession(
        args.endpoint,
        transport="udp" if args.udp else "tcp",
        framing=framing,
        connect_timeout=args.timeout,
        keepalive=args.keepalive,
        bus=bus,
        # JSON prints the events, so the bus sets the pace; text prints the inbox.
        inbox=not args.json,
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
                if args.half_close:
                    # As ncat does: the server reads end of input, and may answer now.
                    session.shutdown_write()
                    why = _wait_after_input(session, args.timeout, args.quiet)
                elif sys.stdin is not None and sys.stdin.isatty():
                    why = "end of input"
                else:
                    why = _wait_after_input(session, args.timeout, args.quiet)
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
            if args.json and not printer.alive:
                printer.drain_json()  # events after its last look: a send as the peer closed
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
    exit_status = EXIT_FAILED if failed and reason is not CloseReason.BY_PEER else EXIT_OK
    if args.json:
        _closed_json(session, printer.closed, why)
        if exit_status != EXIT_OK:
            if reason in (CloseReason.TIMEOUT, CloseReason.RESET) or not printer.errors:
                emit_error("network", status)
            else:
                emit_error("network", printer.errors[-1])  # as on stderr
        if bus.dropped:
            print(f"netlab connect: {bus.dropped} events were dropped.", file=sys.stderr)
    return exit_status


def _closed_json(session: Any, closed: Any, why: str) -> None:
    """The session's last JSON line: closed, with why when we closed it."""
    from netlab.core.events import CloseReason, Closing, Event, Kind, Side, closed_event

    if closed is None:  # closed after the printer's last look
        reason = session.close_reason
        if reason is None:
            closed = Event(
                Kind.CLOSED, session.name, session.peer, detail="closed", side=Side.CLIENT
            )
        else:
            closed = closed_event(session.name, session.peer, Closing(reason), Side.CLIENT)
    if session.close_reason is CloseReason.BY_US and why:
        closed = dataclasses.replace(closed, detail=f"{closed.detail} ({why})")
    emit_json(event_json(closed, session.local))
    sys.stdout.flush()


def _add_serve(commands: Commands) -> None:
    sub = add_command(
        commands, "serve", cmd_serve, "run lab servers and print every connection and message"
    )
    sub.add_argument(
        "specs", nargs="+", metavar="SPEC", help="[tcp:|udp:]KIND:PORT, e.g. echo:1201"
    )
    sub.add_argument("--bind", default="127.0.0.1", metavar="HOST", help="address to listen on")
    sub.add_argument(
        "--model",
        choices=["threaded", "iterative", "async"],  # the servers' MODELS, as FRAMINGS is
        default="threaded",
        help="thread per connection (default), one client at a time, or one event loop for all",
    )
    sub.add_argument("--idle-timeout", type=positive_float, metavar="S")
    sub.add_argument("--max-conns", type=count, default=100, metavar="N")
    # Defaults are the servers' own (None here): their numbers are in the help by hand,
    # so that `netlab` starts without importing the servers; a test keeps them in step.
    sub.add_argument(
        "--write-timeout",
        type=positive_float,
        metavar="S",
        help="drop a client when a write makes no progress this long (default 10)",
    )
    sub.add_argument(
        "--per-source",
        type=count,
        metavar="N",
        help="connections at once from one address (default 50)",
    )
    sub.add_argument(
        "--cps",
        type=count,
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
        type=count,
        default=MESSAGE_RATE,
        metavar="N",
        help=f"messages a second (in and out) each server prints one by one; the rest as counts "
        f"(default {MESSAGE_RATE})",
    )


def cmd_serve(args: argparse.Namespace) -> int:
    """Run lab servers until Ctrl-C or SIGTERM, printing each connection and message as it
    happens, and at the end how each connection and server stopped."""
    import signal
    import threading

    from netlab.core.lab import Lab
    from netlab.core.servers import parse_spec
    from netlab.core.servers.admission import parse_networks

    specs = [parse_spec(text) for text in args.specs]
    # Read before any server starts: a bad list is one line, with nothing half-started.
    allow = parse_networks(args.allow, "allow list") if args.allow is not None else None
    deny = parse_networks(args.deny, "deny list") if args.deny is not None else None
    lab = Lab()
    bus = lab.bus
    addresses: dict[str, str] = {}
    """Where each server listens, by its name: the "local" of its events."""

    def show(events: list[Any]) -> None:
        for event in events:
            if args.json:
                emit_json(event_json(event, addresses.get(event.source)))
            else:
                print(format_event(event))
        sys.stdout.flush()

    def terminated(signum: int, frame: object) -> None:
        # What kill, systemd and containers send stops the servers as Ctrl-C does.
        raise KeyboardInterrupt

    # Signal handlers can only be set from the main thread (a test may call us elsewhere).
    on_term = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, terminated) if on_term else None
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
                # Unset, each is the server's own default.
                for option, value in (
                    ("write_timeout", args.write_timeout),
                    ("per_source", args.per_source),
                    ("cps", args.cps),
                    ("allow", allow),
                    ("deny", deny),
                ):
                    if value is not None:
                        options[option] = value
            else:
                # A datagram is no connection: UDP servers take only the lists.
                if allow is not None:
                    options["allow"] = allow
                if deny is not None:
                    options["deny"] = deny
            server = lab.start_server(spec, **options)
            where = address_text(server.address)
            addresses[server.name] = where
            if not args.json:
                print(f"{spec.transport}/{spec.kind} listening on {where}", flush=True)
        if args.bind not in ("127.0.0.1", "::1", "localhost"):
            print(
                f"netlab serve: listening on {args.bind}, not only this machine.", file=sys.stderr
            )
        while True:
            bus.wait(0.5)
            show(bus.drain())
    except KeyboardInterrupt:
        return EXIT_OK
    finally:
        if on_term:
            # A second SIGTERM must not cut the close short and leave a port held.
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        lab.close()
        show(bus.drain())  # each connection's close and each server's "stopped" line
        if on_term:
            # None: a handler not set from Python, which cannot be put back; the default.
            signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)
        if bus.dropped:
            print(f"netlab serve: {bus.dropped} log events were dropped.", file=sys.stderr)
