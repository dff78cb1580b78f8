"""serve, send, head and connect: the commands that open sockets and print what crosses them.

Together because they share the safe printing of network bytes; connect's threads live here too.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from typing import TYPE_CHECKING, Any, cast

from netlab.cli.output import (
    EXIT_FAILED,
    EXIT_OK,
    Commands,
    add_command,
    core_type,
    count,
    data_json,
    emit_error,
    emit_json,
    event_json,
    positive_float,
)
from netlab.core.endpoints import Endpoint, address_text, parse_endpoint
from netlab.core.errors import NetlabError
from netlab.core.events import format_event
from netlab.core.sampling import MESSAGE_RATE

if TYPE_CHECKING:
    import queue

    from netlab.core.bus import EventBus
    from netlab.core.client import ClientSession, Keepalive
    from netlab.core.events import CloseReason, Event
    from netlab.core.framing import Framing
    from netlab.core.lab import Lab
    from netlab.core.recording import Recorder
    from netlab.core.servers import ServerOptions, ServerSpec
    from netlab.core.servers.admission import Networks

FRAMINGS = ["raw", "lf", "crlf", "tab"]
"""Framing's names, written out: importing netlab.core.framing would slow every start."""
READ_AS = ["time", "daytime", "timestamp", "http"]
"""netlab.core.readings.PROTOCOLS, named here so building the parser imports no core."""


def register(commands: Commands) -> None:
    """serve, head, send and connect, in the order `netlab --help` lists them."""
    _add_serve(commands)
    _add_head(commands)
    _add_send(commands)
    _add_connect(commands)


def _print_reply(
    data: bytes, *, as_hex: bool = False, port: int | None = None, protocol: str | None = None
) -> None:
    """Network bytes as safe lines: escapes visible, never interpreted by the terminal.

    A binary reply (RFC 868's four bytes, say) is a hex dump whether or not --hex asked.
    netlab's reading of it follows, where it has one (`protocol`, else the port's).
    """
    from netlab.core.readings import is_binary, reading, reading_note
    from netlab.core.safetext import hex_lines, safe_bytes

    meaning = reading(data, port, protocol=protocol)
    if as_hex or is_binary(data) or meaning.startswith("RFC 868"):
        print("\n".join(hex_lines(data)))
    else:
        for chunk in data.removesuffix(b"\n").split(b"\n"):
            print(safe_bytes(chunk.removesuffix(b"\r")))
    if meaning:
        print(reading_note(meaning))


def _add_head(commands: Commands) -> None:
    sub = add_command(
        commands, "head", cmd_head, "HEAD / HTTP/1.0 and the reply (GetHeadInfo.go)", timeout=5
    )
    sub.add_argument("endpoint", type=core_type(_web_endpoint), metavar="HOST:PORT")


def _web_endpoint(text: str) -> Endpoint:
    """HOST[:PORT] for head: a bare host is port 80, as client.head reads it."""
    return parse_endpoint(text, default_port=80)


def cmd_head(args: argparse.Namespace) -> int:
    """GetHeadInfo.go: send HEAD / HTTP/1.0, read to the end, print the status and headers."""
    from netlab.core import client

    reply = client.head(args.endpoint, timeout=args.timeout)
    if args.json:
        emit_json(
            {
                "endpoint": str(args.endpoint),
                "sent": data_json(client.HEAD_REQUEST),
                "received": data_json(reply),
            }
        )
    else:
        _print_reply(reply.rstrip(b"\r\n"), protocol="http")
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
    _add_read_as(sub)
    sub.add_argument(
        "--half-close",
        action="store_true",
        help="send FIN after the message, for servers that answer at end of input",
    )


def _add_read_as(sub: argparse.ArgumentParser) -> None:
    """--as, for the commands that print netlab's reading of a reply beside it."""
    sub.add_argument(
        "--as",
        dest="read_as",
        choices=READ_AS,
        help="read the reply as this protocol says (default: the port's own: 13 daytime, "
        "37 time, 80 http)",
    )


def cmd_send(args: argparse.Namespace) -> int:
    """One message out, the reply printed: UDPDaytimeClient and the seeds' one-shot clients."""
    from netlab.core import client

    framing = _framing(args)
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
        _print_reply(reply, as_hex=args.hex, port=endpoint.port, protocol=args.read_as)
    return EXIT_OK


def _framing(args: argparse.Namespace) -> Framing:
    """--framing, or the default for the transport: lf for TCP, raw for UDP."""
    from netlab.core.framing import Framing

    # argparse's choices have checked the name: this only makes it a Framing.
    return Framing.parse(args.framing or ("raw" if args.udp else "lf"))


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
    kept back for _closed_json, which adds why it closed.

    Each piece that arrives is followed by netlab's reading of it, where it has one:
    read as `read_as` says, else as the port's protocol (JSON: the "reading" of each
    received event).
    """

    def __init__(
        self,
        session: ClientSession,
        bus: EventBus,
        *,
        as_hex: bool,
        as_json: bool,
        read_as: str | None = None,
        recorder: Recorder | None = None,
    ) -> None:
        import threading

        self.session = session
        self.recorder = recorder
        """Where what arrives is also written down (--record)."""
        self.bus = bus
        self.as_hex = as_hex
        self.as_json = as_json
        self.read_as = read_as
        self.errors: list[str] = []
        self.closed: Event | None = None
        """The session's closed event, when the JSON printer saw it."""
        self._offset = 0
        self._held_cr = False
        self._mid_line = False
        self.reader_gone = False
        """Whoever read our output (`head`, say) stopped: nothing more can be shown."""
        self._thread = threading.Thread(target=self._print, name="netlab connect printer")
        self._thread.daemon = True

    @property
    def started(self) -> bool:
        return self._thread.ident is not None

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def start(self) -> None:
        self._thread.start()

    def finish(self) -> None:
        """Once the session is closed: let the printer show the last of it (2 s at most)."""
        if not self.started:
            return
        self._thread.join(2.0)
        if self.as_json and not self.alive and not self.reader_gone:
            self.drain_json()  # events after its last look: a send as the peer closed

    def _print(self) -> None:
        try:
            self._run()
        except BrokenPipeError:
            self.reader_gone = True
            self.session.close()  # so the input loop ends too

    def _run(self) -> None:
        from netlab.core.events import Kind

        if self.as_json:
            self._run_json()
            return
        while True:
            closed = self.session.state == "closed"
            # The decoder is flushed once the session is closed: nothing is lost.
            meaning = ""
            if self.as_hex:
                data = self.session.take()
                if data:
                    meaning = self._reading(data)
                    self._show_bytes(data)
            else:
                data, text = self.session.take_bytes_and_text()
                meaning = self._reading(data) if data else ""
                if meaning:  # a whole reply: its last byte waits for no more
                    text += self.session.flush_text()
                self._show_text(text, final=closed)
            if data:
                self._record(data)
            if meaning:
                self._show_reading(meaning)
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
        from netlab.core.recording import record_events

        for event in self.bus.drain():
            if event.kind is Kind.CLOSED:
                self.closed = event
                continue
            if event.kind is Kind.ERROR:
                self._status(event.detail)
            arrived = event.kind is Kind.RECEIVED or event.kind is Kind.DATAGRAM_IN
            if arrived and self.recorder is not None:
                # From the event, which keeps a long datagram's start: the file says so.
                record_events(self.recorder, [event])
            meaning = self._reading(event.data) if arrived else ""
            emit_json(event_json(event, self.session.local, meaning))
        sys.stdout.flush()

    def _record(self, data: bytes, at: float | None = None) -> None:
        if self.recorder is not None:
            self.recorder.received(data, at)

    def _reading(self, data: bytes) -> str:
        from netlab.core.events import MAX_EVENT_DATA
        from netlab.core.readings import reading

        # The start of a piece is all a reading needs; a flood's pieces are large.
        piece = data[:MAX_EVENT_DATA]
        return reading(piece, self.session.endpoint.port, protocol=self.read_as)

    def _show_reading(self, meaning: str) -> None:
        from netlab.core.readings import reading_note

        self._end_line()
        print(reading_note(meaning), flush=True)

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


def _stdin_lines(lines: queue.Queue[bytes | None]) -> None:
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


def _wait_after_input(session: ClientSession, timeout: float, quiet: float) -> str:
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
        "--keepalive",
        nargs="?",
        const=True,
        default=False,
        type=core_type(_keepalive),
        metavar="IDLE,INTERVAL,COUNT",
        help="send TCP keepalive probes while idle: after IDLE s, every INTERVAL s, "
        "giving up after COUNT (default 10,5,3)",
    )
    sub.add_argument("--hex", action="store_true", help="show what arrives as a hex dump")
    _add_read_as(sub)
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
    sub.add_argument(
        "--record",
        metavar="FILE",
        help="write the session down as it goes, for `netlab replay` (a new file, never "
        "overwritten)",
    )


def _keepalive(text: str) -> Keepalive:
    from netlab.core.client import Keepalive

    return Keepalive.parse(text)


def cmd_connect(args: argparse.Namespace) -> int:
    """An interactive client, like nc or telnet: lines out, replies printed as they come."""
    from netlab.core.bus import EventBus

    framing = _framing(args)
    # Text: wake-ups only, the bytes are read from the inbox. JSON: the events are the output.
    bus = EventBus() if args.json else EventBus(capacity=1000)
    recorder = _recorder(args, framing)
    try:
        session = _connected_session(args, framing, bus)
    except NetlabError:
        if recorder is not None:  # nothing crossed: no recording of it
            recorder.close()
            os.unlink(args.record)
        raise
    if recorder is not None:
        recorder.started = time.monotonic()
    printer = _ReplyPrinter(
        session, bus, as_hex=args.hex, as_json=args.json, read_as=args.read_as, recorder=recorder
    )
    ending = _InputEnding()
    try:
        print(f"Connected to {session.peer}", file=sys.stderr, flush=True)
        printer.start()
        _send_input(session, framing, args, ending, recorder)
    except KeyboardInterrupt:
        ending.why = "interrupted"
    except NetlabError:
        if not printer.reader_gone:
            raise  # else it failed as the printer closed the session: see below
    finally:
        session.close()
        printer.finish()
        if recorder is not None:
            recorder.close()
    if printer.reader_gone:
        raise BrokenPipeError  # main() ends quietly, as for any output piped into `head`
    return _report_close(args, session, printer, ending)


def _recorder(args: argparse.Namespace, framing: Framing) -> Recorder | None:
    """With --record, the recording's file, made before connecting: a name already taken
    is said before anything is sent."""
    if args.record is None:
        return None
    from netlab.core.recording import Recorder

    return Recorder.create(
        args.record,
        endpoint=args.endpoint,
        transport="udp" if args.udp else "tcp",
        framing=framing,
    )


def _connected_session(args: argparse.Namespace, framing: Framing, bus: EventBus) -> ClientSession:
    from netlab.core import client

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
    return session


@dataclasses.dataclass
class _InputEnding:
    """How connect's sending ended; kept up to date, so Ctrl-C at any point loses nothing."""

    why: str = ""
    """Why we closed: "quit", "end of input, then ..."; "" when the server closed."""
    failed: bool = False
    """A send failed (the printer has shown why)."""


def _send_input(
    session: ClientSession,
    framing: Framing,
    args: argparse.Namespace,
    ending: _InputEnding,
    recorder: Recorder | None = None,
) -> None:
    """Send stdin's lines until input ends, a line says quit, or the session closes."""
    import queue
    import threading

    from netlab.core.errors import OperationFailed

    lines: queue.Queue[bytes | None] = queue.Queue(maxsize=1000)
    threading.Thread(target=_stdin_lines, args=(lines,), name="netlab stdin", daemon=True).start()
    while session.state != "closed":
        try:
            line = lines.get(timeout=0.1)
        except queue.Empty:
            continue
        if line is None:
            ending.why = _after_end_of_input(session, args)
            return
        line = line.removesuffix(b"\n").removesuffix(b"\r")
        if line.strip() == b"quit":
            ending.why = "quit"
            return
        try:
            if recorder is not None:
                # Before it is sent, as its reply may be written down at once; and only
                # once the last reply is, so each reply is under what it answered.
                _wait_for_reply(session, recorder, args.timeout)
                recorder.sent(framing.frame(line))
            session.send_bytes(framing.frame(line))
        except OperationFailed:
            # The session published the error as an event: the printer shows it.
            ending.failed = True
            if session.state == "closed":
                return


def _wait_for_reply(session: ClientSession, recorder: Recorder, timeout: float) -> None:
    """Wait, at most `timeout`, until the reply to what was sent last is written down:
    all that arrived, then quiet for a moment (replay waits as long for each reply).

    Piped input would otherwise go out faster than the replies come back, and the
    recording would hold them in an order that no replay could check.
    """
    from netlab.core.recording import QUIET

    started = time.monotonic()
    quiet_since, seen = started, session.bytes_in
    while time.monotonic() - started < timeout:
        if session.wait_closed(0.01):
            return
        now = time.monotonic()
        if session.bytes_in != seen or recorder.bytes_in < seen:
            quiet_since, seen = now, session.bytes_in
        elif now - quiet_since >= QUIET:
            return


def _after_end_of_input(session: ClientSession, args: argparse.Namespace) -> str:
    """Wait, as --half-close and --quiet say, for the replies to end; say why we stopped."""
    if args.half_close:
        # As ncat does: the server reads end of input, and may answer now.
        session.shutdown_write()
        return _wait_after_input(session, args.timeout, args.quiet)
    if sys.stdin is not None and sys.stdin.isatty():
        return "end of input"
    return _wait_after_input(session, args.timeout, args.quiet)


def _report_close(
    args: argparse.Namespace,
    session: ClientSession,
    printer: _ReplyPrinter,
    ending: _InputEnding,
) -> int:
    """How the session closed, on stderr (and as JSON); the exit status it makes."""
    from netlab.core.events import CloseReason

    reason = session.close_reason
    status = _close_line(
        reason, ending.why, tcp=session.transport == "tcp", shut_first=session.write_shut
    )
    print(status, file=sys.stderr, flush=True)
    failed = _connect_failed(session, printer, ending)
    if args.json:
        _closed_json(session, printer.closed, ending.why)
        if failed:
            if reason in (CloseReason.TIMEOUT, CloseReason.RESET) or not printer.errors:
                emit_error("network", status)
            else:
                emit_error("network", printer.errors[-1])  # as on stderr
        if printer.bus.dropped:
            print(f"netlab connect: {printer.bus.dropped} events were dropped.", file=sys.stderr)
    return EXIT_FAILED if failed else EXIT_OK


def _close_line(reason: CloseReason | None, why: str, *, tcp: bool, shut_first: bool) -> str:
    """How the connection ended, in the Client pane's words (netlab.core.closings): what
    it means on the wire, and `why` we closed it when we did."""
    from netlab.core.closings import closing_text
    from netlab.core.events import CloseReason, Closing

    if reason is None:  # never connected: the error has been said
        return f"Connection closed ({why})." if why else "Connection closed."
    # Only our own reason is more than the table says: the system's words for a reset
    # or a timeout ("Connection reset by peer") would say it twice.
    closing = Closing(reason, why=why if reason is CloseReason.BY_US else "")
    return f"Connection {closing_text(closing, tcp=tcp, shut_first=shut_first)}."


def _connect_failed(session: ClientSession, printer: _ReplyPrinter, ending: _InputEnding) -> bool:
    """Whether connect exits 1: a failure, unless the peer closed in the ordinary way."""
    from netlab.core.events import CloseReason

    reason = session.close_reason
    if reason is CloseReason.BY_PEER:
        return False
    if reason is CloseReason.TIMEOUT:
        return True
    failed = ending.failed or bool(printer.errors)  # e.g. UDP: nothing is listening there
    if reason is CloseReason.RESET:
        # A server that closes with our input unread resets; after a reply that is normal.
        return failed or session.bytes_in == 0
    return failed


def _closed_json(session: ClientSession, closed: Event | None, why: str) -> None:
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
        "specs",
        nargs="+",
        type=core_type(_server_spec),
        metavar="SPEC",
        help="[tcp:|udp:]KIND:PORT, e.g. echo:1201",
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
    _add_client_limits(sub)
    _add_address_lists(sub)
    sub.add_argument(
        "--control",
        metavar="PATH",
        help="also serve the lab at this Unix socket (owner only): netlab --attach PATH "
        "opens the app on it",
    )
    sub.add_argument(
        "--fault",
        action="append",
        metavar="F[,F…]",
        help="misbehave on purpose, every server: delay=200ms[~50ms], drop=0.1, "
        "duplicate=0.1 and reorder=0.1 (UDP), reset=0.05, close-after=N, half-close-after=N, "
        "reset-after=N, accept-delay=500ms, read-slowly, small-writes, stall; seed=N "
        "(repeatable)",
    )
    sub.add_argument(
        "--log-rate",
        type=count,
        default=MESSAGE_RATE,
        metavar="N",
        help=f"messages a second (in and out) each server prints one by one; the rest as counts "
        f"(default {MESSAGE_RATE})",
    )


def _add_client_limits(sub: argparse.ArgumentParser) -> None:
    """How much one client may take of a TCP server."""
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


def _add_address_lists(sub: argparse.ArgumentParser) -> None:
    """Who may use the servers at all."""
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


def _server_spec(text: str) -> ServerSpec:
    from netlab.core.servers import parse_spec  # here: `netlab` starts without the servers

    return parse_spec(text)


def cmd_serve(args: argparse.Namespace) -> int:
    """Run lab servers until Ctrl-C or SIGTERM, printing each connection and message as it
    happens, and at the end how each connection and server stopped."""
    from netlab.core.engine.control import ControlServer
    from netlab.core.lab import Lab
    from netlab.core.servers.admission import parse_networks
    from netlab.core.servers.faults import parse_faults

    # Read before any server starts: a bad list is one line, with nothing half-started.
    # Each --allow or --deny adds to one list, checked whole (empty, too long).
    allow = parse_networks(args.allow, "allow list") if args.allow is not None else None
    deny = parse_networks(args.deny, "deny list") if args.deny is not None else None
    faults = parse_faults(",".join(args.fault)) if args.fault else None
    for spec in args.specs:
        if faults is not None:
            faults.check(spec.transport)
    lab = Lab()
    listening: dict[str, str] = {}
    """Where each server listens, by its name: the "local" of its events."""
    sigterm = _SigtermAsCtrlC()
    control = None
    try:
        if args.control is not None:
            # Bound first: a path that cannot be served is one line, nothing half-started.
            control = ControlServer(lab, args.control).start()
        _start_servers(lab, args, allow, deny, listening)
        if args.bind not in ("127.0.0.1", "::1", "localhost"):
            print(
                f"netlab serve: listening on {args.bind}, not only this machine.", file=sys.stderr
            )
        if control is not None and not args.json:
            print(f"lab control at {control.path}: netlab --attach {control.path}", flush=True)
        while True:
            lab.bus.wait(0.5)
            events = lab.bus.drain()
            if control is not None:
                control.publish(events)
                _note_started(lab, listening)  # by an attached app, before their events print
            print_events(events, listening, as_json=args.json)
    except KeyboardInterrupt:
        return EXIT_OK
    finally:
        sigterm.ignore()
        if control is not None:
            control.close("netlab serve stopped")
        lab.close()
        # Each connection's close and each server's "stopped" line.
        print_events(lab.bus.drain(), listening, as_json=args.json)
        sigterm.restore()
        if lab.bus.dropped:
            print(f"netlab serve: {lab.bus.dropped} log events were dropped.", file=sys.stderr)


def _start_servers(
    lab: Lab,
    args: argparse.Namespace,
    allow: Networks | None,
    deny: Networks | None,
    listening: dict[str, str],
) -> None:
    """Start a server for each spec, noting in `listening` where each listens as it
    starts: should a later one fail, the events of those started still carry it."""
    for spec in args.specs:
        server = lab.start_server(spec, **_server_options(spec, args, allow, deny))
        where = address_text(server.address)
        listening[server.name] = where
        if not args.json:
            print(f"{spec.transport}/{spec.kind} listening on {where}", flush=True)


def _note_started(lab: Lab, listening: dict[str, str]) -> None:
    """Note where servers an attached app started listen: the "local" of their events."""
    for name, server in list(lab.servers.items()):
        if name not in listening:
            listening[name] = address_text(server.address)


def _server_options(
    spec: ServerSpec, args: argparse.Namespace, allow: Networks | None, deny: Networks | None
) -> ServerOptions:
    """What serve's options ask of the server for this spec."""
    options: ServerOptions = {
        "host": args.bind,
        "model": args.model,
        "message_rate": args.log_rate,
    }
    if args.fault:
        options["faults"] = ",".join(args.fault)
    unless_unset: dict[str, Any] = {}
    if spec.transport == "tcp":
        options["max_conns"] = args.max_conns
        unless_unset = {
            "idle_timeout": args.idle_timeout,
            "write_timeout": args.write_timeout,
            "per_source": args.per_source,
            "cps": args.cps,
        }
    # A datagram is no connection: UDP servers take only the lists.
    unless_unset |= {"allow": allow, "deny": deny}
    # Unset, each is the server's own default. (argparse's values are untyped: the
    # names above are ServerOptions' own, as mypy cannot see through the loop.)
    unset = {name: value for name, value in unless_unset.items() if value is not None}
    return cast("ServerOptions", options | unset)


READING_INDENT = " " * len("HH:MM:SS  ")
"""A reading's line hangs under the text after the time, as a line that goes on does in
the app's log."""


def print_events(events: list[Event], listening: dict[str, str], *, as_json: bool) -> None:
    """Each event's line; under what a TCP time, daytime or timestamp server sent, netlab's
    reading of it (JSON: its "reading")."""
    from netlab.core.readings import reading_note, server_reading

    for event in events:
        meaning = server_reading(event)
        if as_json:
            emit_json(event_json(event, listening.get(event.source), meaning))
        else:
            print(format_event(event))
            if meaning:
                print(READING_INDENT + reading_note(meaning))
    sys.stdout.flush()


class _SigtermAsCtrlC:
    """While serve runs, SIGTERM (what kill, systemd and containers send) stops the
    servers as Ctrl-C does."""

    def __init__(self) -> None:
        import signal
        import threading

        # Signal handlers can only be set from the main thread (a test may call us elsewhere).
        self._settable = threading.current_thread() is threading.main_thread()
        self._previous = signal.signal(signal.SIGTERM, self._interrupt) if self._settable else None

    @staticmethod
    def _interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    def ignore(self) -> None:
        """While the servers close: a second SIGTERM must not cut that short and leave a
        port held."""
        import signal

        if self._settable:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)

    def restore(self) -> None:
        import signal

        if self._settable:
            # None: a handler not set from Python, which cannot be put back; the default.
            signal.signal(
                signal.SIGTERM, signal.SIG_DFL if self._previous is None else self._previous
            )
