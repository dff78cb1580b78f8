"""A client session: connect over TCP or UDP, send with framing, and a receiver thread.

This is the seeds' concurrent client (one goroutine reads replies while the user
types) as one object. `connect()` blocks for at most `connect_timeout`, name lookup
included; then one receiver thread reads whatever arrives and reports it twice:

- as events on the bus, if one was given: connected, received (one per read, so a
  prompt without a newline shows at once), sent, error, closed (with its reason);
- in the session's inbox, unless it was made with `inbox=False`: `take()`,
  `take_text()` and `wait_for()` read it.

Nothing received is dropped. When whoever reads falls behind (INBOX_LIMIT unread
bytes in the inbox, or with no inbox when its bus says so: EventBus.behind), the
receiver stops reading the socket until they catch up, and TCP's flow control slows
the peer down.

Counters (`bytes_in`, `messages_in`, ...) are plain attributes the UI reads on its
tick. `head()` and `send_once()` are the one-shot commands (GetHeadInfo.go, the UDP
daytime client) and use a plain socket, no thread.
"""

from __future__ import annotations

import binascii
import contextlib
import errno
import os
import re
import selectors
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal

from netlab.core.bus import EventBus
from netlab.core.endpoints import Endpoint, address_text, parse_endpoint
from netlab.core.errors import InputError, OperationFailed, positive_seconds
from netlab.core.events import (
    MAX_EVENT_DATA,
    CloseReason,
    Closing,
    Event,
    Kind,
    Side,
    closed_event,
    message_event,
)
from netlab.core.framing import Framing, Splitter
from netlab.core.lookup import addresses_for
from netlab.core.plural import plural
from netlab.core.safetext import StreamDecoder
from netlab.core.spool import Spool

Transport = Literal["tcp", "udp"]
State = Literal["connecting", "connected", "closed"]

INBOX_LIMIT = 1024 * 1024
"""Unread bytes in the inbox past which the receiver stops reading the socket."""
MAX_KEEPALIVE_SECONDS = 32767
MAX_KEEPALIVE_PROBES = 127
"""What Linux takes for TCP_KEEPIDLE/TCP_KEEPINTVL and TCP_KEEPCNT."""
REPLY_LIMIT = 1024 * 1024
"""Bytes `head()` and `send_once()` read before they stop."""
HEAD_REQUEST = b"HEAD / HTTP/1.0\r\n\r\n"
"""What `head()` sends."""
SEND_TIMEOUT = 10.0
"""How long a send may block on a peer that does not read."""
REPLY_SETTLE = 0.3
"""Seconds of quiet after which a one-shot reply is taken as complete."""
POLL_INTERVAL = 0.1
"""How often the receiver looks up from waiting, so close() never waits long on it."""
# A TCP read never exceeds what an event keeps, so the events together hold the
# whole stream and a listener can decode it in order.
_TCP_READ = MAX_EVENT_DATA
_UDP_READ = 65535
_HEX_SEPARATORS = re.compile(r"[\s:]+")
_RESET = (errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED)
CLIENT = Side.CLIENT
"""The side of every event a session emits."""


def udp_unreachable(where: object) -> str:
    """What ECONNREFUSED means on a UDP socket: an ICMP message came back for a datagram."""
    return (
        f"Nothing is listening on {where} (UDP): its system answered a datagram with "
        "ICMP port unreachable."
    )


@dataclass(frozen=True, slots=True)
class Keepalive:
    """TCP keepalive as a lab wants it: probes after `idle` quiet seconds, then every
    `interval` seconds, the connection given up after `count` unanswered, so a dead peer
    is found in seconds rather than after the kernel's default two hours and more."""

    idle: int = 10
    interval: int = 5
    count: int = 3

    @classmethod
    def parse(cls, text: str) -> Keepalive:
        """ "IDLE,INTERVAL,COUNT", such as "10,5,3": whole seconds, and probes."""
        parts = text.replace(" ", "").split(",")
        if len(parts) != 3 or not all(part.isdigit() and int(part) > 0 for part in parts):
            raise InputError(
                f"Keepalive {text!r} is not IDLE,INTERVAL,COUNT: give whole seconds "
                "idle, seconds between probes and how many, each at least 1, such as 10,5,3."
            )
        idle, interval, count = (int(part) for part in parts)
        if max(idle, interval) > MAX_KEEPALIVE_SECONDS or count > MAX_KEEPALIVE_PROBES:
            raise InputError(
                f"Keepalive {text!r} is out of range: at most {MAX_KEEPALIVE_SECONDS} s "
                f"and {MAX_KEEPALIVE_PROBES} probes."
            )
        return cls(idle, interval, count)

    def text(self) -> str:
        return (
            f"keepalive after {self.idle} s idle, every {self.interval} s, "
            f"{plural(self.count, 'probe')}"
        )

    def apply(self, sock: socket.socket) -> None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        # Linux's names; elsewhere the system's own timing applies.
        for option, value in (
            ("TCP_KEEPIDLE", self.idle),
            ("TCP_KEEPINTVL", self.interval),
            ("TCP_KEEPCNT", self.count),
        ):
            if hasattr(socket, option):
                sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, option), value)


class ClientSession:
    """One connection to a server: connect, send, and a receiver thread that reports.

    State goes "connecting" (from creation until connect() succeeds) -> "connected"
    -> "closed"; a failed connect() goes straight to "closed" with no close_reason.
    """

    def __init__(
        self,
        endpoint: str | Endpoint,
        *,
        transport: Transport = "tcp",
        framing: Framing = Framing.LF,
        connect_timeout: float = 5.0,
        read_timeout: float | None = None,
        keepalive: bool | Keepalive = False,
        bus: EventBus | None = None,
        name: str | None = None,
        inbox: bool = True,
        keep_all: bool = False,
    ) -> None:
        self.transport = _check_transport(transport)
        self.endpoint = _endpoint(endpoint, self.transport)
        self.framing = framing
        self.connect_timeout = positive_seconds(connect_timeout, "connect timeout")
        self.read_timeout = (
            None if read_timeout is None else positive_seconds(read_timeout, "read timeout")
        )
        """Close with CloseReason.TIMEOUT after this long with nothing received."""
        self.keepalive = Keepalive() if keepalive is True else keepalive or None
        """TCP keepalive's timing, or None for none; True is the lab's (Keepalive())."""
        self.bus = bus
        self.name = name or f"{self.transport}/{self.endpoint}"
        self.peer = ""
        """The address actually connected to, e.g. "127.0.0.1:7"."""
        self.local = ""
        self._close_began: float | None = None
        self.bytes_in = 0
        self.bytes_out = 0
        self.messages_in = 0
        """Whole messages by `framing` (each datagram for UDP); a trailing partial counts."""
        self.messages_out = 0
        self.close_reason: CloseReason | None = None
        self.write_shut = False
        """We sent FIN (shutdown_write): nothing more goes out, replies still come in."""
        self.uses_inbox = inbox
        """Whether the inbox is read (take, wait_for); if not, the bus's reader sets the pace."""
        self.spool = Spool() if keep_all else None
        """With `keep_all`, every byte received, to be saved whole whatever a view kept."""
        self._init_internals()

    def _init_internals(self) -> None:
        """What only the session touches: its state, its socket and receiver thread, and
        the locks, inbox and decoders the receiver shares with whoever sends and takes."""
        self._state: State = "connecting"
        self._started = False
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._inbox = bytearray()
        self._arrived = threading.Condition()
        self._decoder = StreamDecoder()
        self._splitter = Splitter(self.framing)
        self._held_total = 0.0
        self._held_since: float | None = None

    # -- lifecycle -----------------------------------------------------------------

    @property
    def state(self) -> State:
        return self._state

    def connect(self) -> None:
        """Resolve and connect within connect_timeout, then start the receiver thread.

        Raises OperationFailed with one sentence (refused, timed out, unreachable,
        no such host) and leaves the session closed.
        """
        with self._lock:
            if self._state == "closed":
                raise OperationFailed(f"The session to {self.endpoint} is closed: make a new one.")
            if self._started:
                raise OperationFailed(f"The session to {self.endpoint} is already connecting.")
            self._started = True
        try:
            sock = _open(
                self.endpoint, self.transport, self.connect_timeout, self.keepalive, self._stop
            )
        except OperationFailed as error:
            with self._lock:
                self._state = "closed"
            self._publish(Event(Kind.ERROR, self.name, detail=str(error), side=CLIENT))
            raise
        sock.settimeout(SEND_TIMEOUT)
        # The receiver reads through a non-blocking twin: a socket with a timeout
        # polls again when recv finds nothing, and after shutdown a UDP socket polls
        # readable with nothing to read, which would hold close() for SEND_TIMEOUT.
        reader = sock.dup()
        reader.setblocking(False)
        self.peer = _address_text(sock.getpeername())
        self.local = _address_text(sock.getsockname())
        with self._lock:
            if self._stop.is_set():  # close() came while we were connecting
                reader.close()
                sock.close()
                self._state = "closed"
                raise OperationFailed(
                    f"The session to {self.endpoint} was closed while connecting."
                )
            self._sock = sock
            self._state = "connected"
            self._thread = threading.Thread(
                target=self._receive, args=(reader,), name=f"netlab client {self.name}", daemon=True
            )
        detail = f"from {self.local}"
        if self.keepalive is not None and self.transport == "tcp":
            detail += f"; {self.keepalive.text()}"
        self._publish(Event(Kind.CONNECTED, self.name, self.peer, detail=detail, side=CLIENT))
        self._thread.start()

    def close(self) -> None:
        """Close the connection and join the receiver; idempotent, from any thread, < 1 s."""
        self._stop.set()
        # The FIN goes now; the CLOSED event is made later, by whichever thread ends it.
        self._close_began = time.monotonic()
        with self._lock:
            sock = self._sock if self._state == "connected" else None
            thread = self._thread
        if sock is not None:
            # Wakes the receiver and any sender blocked on a peer that does not read.
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=1.0 - 2 * POLL_INTERVAL)
        self._finish(CloseReason.BY_US)

    def __enter__(self) -> ClientSession:
        if not self._started:
            self.connect()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- sending -------------------------------------------------------------------

    def send_text(self, text: str) -> None:
        """Send text as UTF-8 with the session's framing terminator added."""
        self._send(self.framing.frame(text.encode("utf-8")))

    def send_bytes(self, data: bytes) -> None:
        """Send bytes exactly as given: no terminator."""
        self._send(bytes(data))

    def send_hex(self, text: str) -> None:
        """Send bytes written in hex, "48 45 41 44" or "48:45:41:44" or "48454144"."""
        self._send(parse_hex(text))

    def _send(self, data: bytes) -> None:
        with self._send_lock:
            sock = self._sock
            if self._state != "connected" or sock is None:
                raise OperationFailed(self._not_connected())
            # Published before the bytes go: a fast echo's reply is read by the other
            # thread, and its event must not come before the one for what caused it.
            self._publish(message_event(Kind.SENT, self.name, self.peer, data, CLIENT))
            try:
                if self.transport == "udp":
                    sock.send(data)
                else:
                    sock.sendall(data)
            except TimeoutError:
                failure = OperationFailed(
                    f"Sending to {self.endpoint} timed out: the peer is not reading."
                )
            except OSError as error:
                failure = self._send_failed(error)
            else:
                self.bytes_out += len(data)
                self.messages_out += 1
                return
        self._publish(Event(Kind.ERROR, self.name, self.peer, detail=str(failure), side=CLIENT))
        raise failure

    def _send_failed(self, error: OSError) -> OperationFailed:
        if self._stop.is_set():
            # close() shut the socket under a blocked send: the person disconnected,
            # whatever errno the kernel chose to wake the send with.
            return OperationFailed(f"The session to {self.endpoint} was closed while sending.")
        if self._state != "connected":
            return OperationFailed(self._not_connected())
        if self.transport == "udp":
            if error.errno == errno.ECONNREFUSED:
                # An earlier datagram's ICMP "port unreachable"; the session stays open.
                return OperationFailed(udp_unreachable(self.endpoint))
            if error.errno == errno.EMSGSIZE:
                return OperationFailed("That datagram is too big to send: keep it under 65,507.")
            return OperationFailed(f"Sending to {self.endpoint} failed: {_reason(error)}.")
        if error.errno in _RESET:
            self._finish(CloseReason.RESET)
            return OperationFailed(f"The connection to {self.endpoint} was reset by the peer.")
        return OperationFailed(f"Sending to {self.endpoint} failed: {_reason(error)}.")

    def shutdown_write(self) -> None:
        """Half-close: send FIN, so the peer reads end of input; replies still arrive.

        A server that answers at end of input (sort, wc, many HTTP/1.0 servers) answers
        now. Over UDP there is no such thing, and this does nothing.
        """
        if self.transport != "tcp" or self.write_shut:
            return
        with self._send_lock:
            sock = self._sock
            if self._state != "connected" or sock is None:
                return
            # Told before the FIN goes, as a send is: a server that answers end of input
            # by closing is read by the other thread, and its close must come after.
            self._publish(
                Event(
                    Kind.HALF_CLOSED,
                    self.name,
                    self.peer,
                    detail="we sent FIN: nothing more from us, still reading",
                    side=CLIENT,
                )
            )
            try:
                sock.shutdown(socket.SHUT_WR)
            except OSError:
                return  # the peer is gone already: the receiver reports how
            self.write_shut = True

    def _not_connected(self) -> str:
        if self._state == "closed":
            return f"The session to {self.endpoint} is closed: connect again to send."
        return f"The session to {self.endpoint} is not connected yet: connect first."

    # -- what arrived ----------------------------------------------------------------

    def take(self) -> bytes:
        """Every unread byte, oldest first; the inbox is left empty."""
        with self._arrived:
            data = bytes(self._inbox)
            self._inbox.clear()
            self._arrived.notify_all()  # a receiver waiting for room reads on
        return data

    def take_text(self) -> str:
        """take() decoded as UTF-8; a character cut at the end waits for its rest."""
        return self.take_bytes_and_text()[1]

    def take_bytes_and_text(self) -> tuple[bytes, str]:
        """take(), and the same bytes as take_text() decodes them: for a reader that
        shows the text and reads the bytes (netlab's reading of a reply)."""
        data = self.take()
        text = self._decoder.feed(data)
        if self._state == "closed":
            text += self._decoder.flush()
        return data, text

    def flush_text(self) -> str:
        """What the decoder holds back (the start of a character cut at the end of a read),
        as text now: for a reply known to be whole, such as one netlab has a reading of."""
        return self._decoder.flush()

    def wait_for(self, expected: bytes | Callable[[bytes], bool], timeout: float) -> bytes:
        """Wait until the unread data contains `expected` (or satisfies it), then take() it.

        Raises OperationFailed if `timeout` passes or the session closes first; the
        unread data stays in the inbox then.
        """
        timeout = positive_seconds(timeout, "timeout")

        def satisfied() -> bool:
            data = bytes(self._inbox)
            return expected in data if isinstance(expected, bytes) else expected(data)

        deadline = time.monotonic() + timeout
        with self._arrived:
            while not satisfied():
                if self._state == "closed":
                    raise OperationFailed(
                        f"The session to {self.endpoint} closed before the reply came."
                    )
                left = deadline - time.monotonic()
                if left <= 0:
                    raise OperationFailed(f"No matching reply within {timeout:g} s.")
                self._arrived.wait(left)
            data = bytes(self._inbox)
            self._inbox.clear()
            self._arrived.notify_all()
        return data

    @property
    def held_back(self) -> float:
        """Seconds the receiver has left the socket unread for its reader to catch up,
        TCP holding the peer back meanwhile."""
        since = self._held_since
        return self._held_total + (time.monotonic() - since if since is not None else 0.0)

    @property
    def unread(self) -> int:
        """What the reader has not taken yet: bytes in the inbox, or without one the
        events waiting on the bus."""
        if self.uses_inbox:
            return len(self._inbox)
        return len(self.bus) if self.bus is not None else 0

    def wait_closed(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for the session to close; say whether it did."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while self._state != "closed":
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._arrived.wait(left)
        return True

    # -- the receiver thread ------------------------------------------------------------

    def _receive(self, reader: socket.socket) -> None:
        with reader:
            reason, detail = self._read_until_closed(reader)
        # After the twin is closed, so that closing the socket ends the connection.
        self._finish(reason, detail)

    def _read_until_closed(self, sock: socket.socket) -> tuple[CloseReason, str]:
        read_size = _UDP_READ if self.transport == "udp" else _TCP_READ
        last_data = time.monotonic()
        reason = CloseReason.BY_PEER
        detail = ""
        with selectors.DefaultSelector() as selector:
            selector.register(sock, selectors.EVENT_READ)
            while not self._stop.is_set():
                if not selector.select(POLL_INTERVAL):
                    idle = time.monotonic() - last_data
                    if self.read_timeout is not None and idle >= self.read_timeout:
                        reason = CloseReason.TIMEOUT
                        detail = f"nothing received for {self.read_timeout:g} s"
                        break
                    continue
                if self._stop.is_set():
                    break
                try:
                    chunk = sock.recv(read_size)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError as error:
                    ending = self._read_failed(error)
                    if ending is None:
                        continue
                    reason, detail = ending
                    break
                if not chunk:
                    if self.transport == "tcp":
                        break
                    continue  # an empty datagram is a message, not an end
                self._arrive(chunk)
                # Waiting for the reader is not the peer being quiet.
                self._wait_for_reader()
                last_data = time.monotonic()
        if self._stop.is_set():
            return CloseReason.BY_US, ""
        return reason, detail

    def _read_failed(self, error: OSError) -> tuple[CloseReason, str] | None:
        """Why a failed read ends the session, or None when the receiver reads on."""
        if self._stop.is_set():
            # close() shut the socket under the read: _read_until_closed says "by us".
            return CloseReason.BY_US, ""
        if self.transport == "udp" and error.errno == errno.ECONNREFUSED:
            # Only tells that an earlier datagram found no listener.
            detail = udp_unreachable(self.endpoint)
            self._publish(Event(Kind.ERROR, self.name, self.peer, detail=detail, side=CLIENT))
            return None
        if error.errno == errno.ETIMEDOUT:  # keepalive probes went unanswered
            return CloseReason.TIMEOUT, _reason(error)
        return CloseReason.RESET, _reason(error)

    def _arrive(self, chunk: bytes) -> None:
        self.bytes_in += len(chunk)
        if self.transport == "udp":
            self.messages_in += 1
        else:
            self.messages_in += len(self._splitter.feed(chunk))
            if self._splitter.overflow:
                self.messages_in += 1  # a message too big to hold counts as one
        if self.spool is not None:
            self.spool.write(chunk)
        if self.uses_inbox:
            with self._arrived:
                self._inbox += chunk
                self._arrived.notify_all()
        self._publish(message_event(Kind.RECEIVED, self.name, self.peer, chunk, CLIENT))

    def _behind(self) -> bool:
        """Whether the reader has fallen behind: time to stop reading the socket."""
        if self.uses_inbox:
            return len(self._inbox) >= INBOX_LIMIT
        return self.bus is not None and self.bus.behind()

    def _wait_for_reader(self) -> None:
        """Leave the socket unread while the reader is behind: TCP then holds the peer
        back, so nothing is dropped and memory stays bounded."""
        if not self._behind():
            return
        self._held_since = started = time.monotonic()
        with self._arrived:
            while self._behind() and not self._stop.is_set():
                # take() notifies; a bus's reader does not, so look again soon.
                self._arrived.wait(POLL_INTERVAL)
        self._held_total += time.monotonic() - started
        self._held_since = None

    def _finish(self, reason: CloseReason, detail: str = "") -> None:
        """Close once: record why, close the socket, tell the bus and any waiter."""
        with self._lock:
            if self._state == "closed":
                return
            was_connected = self._state == "connected"
            self._state = "closed"
            sock, self._sock = self._sock, None
            if was_connected:
                self.close_reason = reason
        if sock is not None:
            sock.close()
        if was_connected:
            if self.transport == "tcp" and self._splitter.pending:
                self.messages_in += 1
            closing = Closing(reason, why=detail)
            at = self._close_began if reason is CloseReason.BY_US else None
            self._publish(closed_event(self.name, self.peer, closing, CLIENT, at))
        with self._arrived:
            self._arrived.notify_all()

    def _publish(self, event: Event) -> None:
        if self.bus is not None:
            self.bus.publish(event)


# -- one-shot commands ----------------------------------------------------------------


def head(endpoint: str | Endpoint, timeout: float = 5.0) -> bytes:
    """GetHeadInfo.go: send "HEAD / HTTP/1.0" and return the reply, read to EOF.

    A bare host gets port 80. `timeout` bounds the connect and each wait for data;
    the reply is cut at REPLY_LIMIT.
    """
    where = _endpoint(endpoint, "tcp", default_port=80)
    timeout = positive_seconds(timeout, "timeout")
    with _open(where, "tcp", timeout, keepalive=None) as sock:
        sock.settimeout(timeout)
        _sendall(sock, HEAD_REQUEST, where)
        return _read_to_end(sock, where, timeout, idle_ends=False)


def send_once(
    endpoint: str | Endpoint,
    message: bytes,
    *,
    transport: Transport = "tcp",
    framing: Framing = Framing.RAW,
    timeout: float = 5.0,
    half_close: bool = False,
) -> bytes:
    """Send one framed message and return the reply.

    UDP: the first datagram back. TCP: everything until the server closes, or until it
    goes quiet for REPLY_SETTLE once data has started (an echo server never closes);
    with `half_close`, FIN follows the message, for servers that answer at end of input.
    No reply at all within `timeout`, or a close with none, raises OperationFailed.
    """
    transport = _check_transport(transport)
    where = _endpoint(endpoint, transport)
    timeout = positive_seconds(timeout, "timeout")
    data = framing.frame(bytes(message))
    with _open(where, transport, timeout, keepalive=None) as sock:
        sock.settimeout(timeout)
        if transport == "tcp":
            _sendall(sock, data, where)
            if half_close:
                with contextlib.suppress(OSError):  # gone already: the read says how
                    sock.shutdown(socket.SHUT_WR)
            reply = _read_to_end(sock, where, timeout, idle_ends=True)
            if not reply:
                raise OperationFailed(f"{where} closed the connection without a reply.")
            return reply
        try:
            sock.send(data)
            return sock.recv(_UDP_READ)
        except TimeoutError:
            raise OperationFailed(f"No reply from {where} within {timeout:g} s.") from None
        except OSError as error:
            if error.errno == errno.ECONNREFUSED:
                raise OperationFailed(udp_unreachable(where)) from None
            raise OperationFailed(f"Talking to {where} failed: {_reason(error)}.") from None


def parse_hex(text: str) -> bytes:
    """Hex with optional spaces or colons between bytes -> bytes; InputError if it is not hex."""
    digits = _HEX_SEPARATORS.sub("", text.strip()).removeprefix("0x")
    if not digits:
        raise InputError("No hex given: write bytes such as 48 45 41 44.")
    if len(digits) % 2:
        raise InputError(f"{text.strip()!r} has an odd number of hex digits: write two per byte.")
    try:
        return binascii.unhexlify(digits)
    except (binascii.Error, ValueError):
        raise InputError(
            f"{text.strip()!r} is not hex: use 0-9 and a-f, such as 48 45 41 44."
        ) from None


# -- connecting -----------------------------------------------------------------------


def _open(
    endpoint: Endpoint,
    transport: Transport,
    timeout: float,
    keepalive: Keepalive | None,
    stop: threading.Event | None = None,
) -> socket.socket:
    """A connected socket to endpoint, name lookup and connect within `timeout` seconds.

    Setting `stop` abandons the connect within POLL_INTERVAL: closing a session, or
    quitting the app, never waits out a connect to a host that does not answer.
    """
    deadline = time.monotonic() + timeout
    infos = _resolve(endpoint, transport, timeout)
    last: OSError | None = None
    for family, kind, proto, _, sockaddr in infos:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        sock = socket.socket(family, kind, proto)
        try:
            if keepalive is not None and transport == "tcp":
                keepalive.apply(sock)
            _connect(sock, sockaddr, deadline, stop)
        except OSError as error:
            sock.close()
            last = error
            if stop is not None and stop.is_set():
                closed = f"The session to {endpoint} was closed while connecting."
                raise OperationFailed(closed) from None
            continue
        return sock
    if last is None or isinstance(last, TimeoutError):
        raise OperationFailed(f"Connecting to {endpoint} timed out after {timeout:g} s.")
    if last.errno == errno.ECONNREFUSED:
        raise OperationFailed(
            f"Connection to {endpoint} refused: nothing is listening on port {endpoint.port}."
        )
    if last.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EADDRNOTAVAIL):
        raise OperationFailed(f"{endpoint} is unreachable: {_reason(last)}.")
    raise OperationFailed(f"Connecting to {endpoint} failed: {_reason(last)}.")


def _connect(
    sock: socket.socket, sockaddr: Any, deadline: float, stop: threading.Event | None
) -> None:
    """connect(), looking up at `stop` every POLL_INTERVAL; TimeoutError at the deadline.

    Non-blocking, as a blocking connect cannot be woken from another thread.
    """
    sock.setblocking(False)
    code = sock.connect_ex(sockaddr)
    if code not in (0, errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN):
        raise OSError(code, os.strerror(code))
    with selectors.DefaultSelector() as selector:
        selector.register(sock, selectors.EVENT_WRITE)
        while code != 0:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("timed out")
            if stop is not None and stop.is_set():
                raise InterruptedError(errno.EINTR, "closed while connecting")
            if selector.select(min(left, POLL_INTERVAL)):
                code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if code:
                    raise OSError(code, os.strerror(code))
                break
    sock.setblocking(True)


_AddrInfo = tuple[socket.AddressFamily, socket.SocketKind, int, str, Any]


def _resolve(endpoint: Endpoint, transport: Transport, timeout: float) -> list[_AddrInfo]:
    """The endpoint's addresses, looked up within `timeout`."""
    kind = socket.SOCK_DGRAM if transport == "udp" else socket.SOCK_STREAM
    return addresses_for(endpoint.host or None, endpoint.port, kind=kind, timeout=timeout)


def _read_to_end(sock: socket.socket, where: Endpoint, timeout: float, *, idle_ends: bool) -> bytes:
    reply = bytearray()
    while len(reply) < REPLY_LIMIT:
        try:
            chunk = sock.recv(min(65536, REPLY_LIMIT - len(reply)))
        except TimeoutError:
            if not reply:
                raise OperationFailed(f"No reply from {where} within {timeout:g} s.") from None
            if idle_ends:
                break
            raise OperationFailed(
                f"{where} stopped sending for {timeout:g} s without closing."
            ) from None
        except OSError as error:
            if error.errno in _RESET and reply:
                break  # a reset after the reply still leaves the reply
            raise OperationFailed(f"Reading from {where} failed: {_reason(error)}.") from None
        if not chunk:
            break
        if idle_ends and not reply:
            sock.settimeout(min(timeout, REPLY_SETTLE))
        reply += chunk
    return bytes(reply)


def _sendall(sock: socket.socket, data: bytes, where: Endpoint) -> None:
    try:
        sock.sendall(data)
    except TimeoutError:
        raise OperationFailed(f"Sending to {where} timed out: the peer is not reading.") from None
    except OSError as error:
        raise OperationFailed(f"Sending to {where} failed: {_reason(error)}.") from None


# -- small helpers --------------------------------------------------------------------


def _endpoint(
    endpoint: str | Endpoint, transport: Transport, default_port: int | None = None
) -> Endpoint:
    if isinstance(endpoint, Endpoint):
        return endpoint
    return parse_endpoint(endpoint, default_port=default_port, network=transport)


def _check_transport(transport: str) -> Transport:
    if transport == "tcp":
        return "tcp"
    if transport == "udp":
        return "udp"
    raise InputError(f"Unknown transport {transport!r}: use tcp or udp.")


def _address_text(address: object) -> str:
    if isinstance(address, tuple) and len(address) >= 2:
        return address_text(address)
    return str(address)


def _reason(error: OSError) -> str:
    """An OSError's reason made fit to sit inside a sentence."""
    text = error.strerror or str(error) or type(error).__name__
    return " ".join(text.split()).rstrip(".")
