"""A TCP lab server: one protocol, served iteratively, with a thread per connection,
or on the shared asyncio loop (see aio.py).

Every blocking call is bounded: the listener polls the stop flag, and stop()
shuts down each connection's socket, which wakes a recv or sendall blocked on
it, so stop() returns promptly however many idle clients are attached.

Every send is bounded too: a write that makes no progress for `write_timeout`
(Go's SetWriteDeadline, renewed by each byte that goes) ends its connection as
"peer not reading", so a client that never reads cannot hold a thread, or the
iterative server's only client slot, for good. Who may connect at all, and how often,
is admission.py's rule, shared with the async model.

Connections of a room protocol (chat) also get bytes from other connections'
threads: those go through a bounded outbox and a writer thread of their own, so a
client that stops reading is dropped rather than stalling the sender.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import math
import select
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from netlab.core.endpoints import address_text
from netlab.core.errors import InputError
from netlab.core.events import CloseReason, Kind
from netlab.core.framing import MessageTooBig
from netlab.core.plural import plural
from netlab.core.servers import aio
from netlab.core.servers.admission import CPS, PER_SOURCE, Admission, Networks
from netlab.core.servers.backlog import Waiting, accept_queue
from netlab.core.servers.base import POLL, Accepted, CommonOptions, Counted, ServerBase
from netlab.core.servers.conversation import Conversation
from netlab.core.servers.faults import (
    NO_FAULTS,
    SLOW_PAUSE,
    SLOW_RCVBUF,
    SLOW_READ,
    FaultPlan,
    Step,
    Then,
    late_text,
)
from netlab.core.servers.protocols import ServerProtocol
from netlab.core.servers.room import Room

if TYPE_CHECKING:
    from typing_extensions import Unpack


class _Default(enum.Enum):
    PROTOCOL = "the protocol's own"


PROTOCOL_DEFAULT: Final = _Default.PROTOCOL
"""An idle_timeout meaning "whatever the protocol asks for" (timestamp: 120 s): a value
of its own, so no number a caller gives (-1, say) is taken for it."""
RECV_SIZE = 64 * 1024
STOP_WAIT = 0.8
"""How long stop() waits in all for threads, keeping it under a second."""
MAX_OUTBOX = 256 * 1024
"""Bytes from other connections (chat) queued for one client before it is dropped as slow."""
WRITE_TIMEOUT = 10.0
"""Seconds a send may make no progress before its peer is taken as not reading.

Only a peer that has stopped reading and has been sent more than the kernel buffers
hold between us (hundreds of kilobytes at least) ever waits at all, so a person's
client, even one paused a moment, never meets it; a reading client however slow
renews it with every byte. Ten seconds frees a wedged slot well before the idle
timeout would (the seeds' is 2 minutes) and matches what people expect of a stuck
write elsewhere (Go servers commonly set a 10 s write deadline)."""
DONTWAIT = getattr(socket, "MSG_DONTWAIT", 0)
"""A send flag that never blocks; where there is none (Windows) the writer thread sends."""
FLUSH_WAIT = 0.2
"""How long a closing connection's writer gets to send what is queued."""
ABORT = struct.pack("ii", 1, 0)
"""SO_LINGER on, 0 s: close() resets the connection and frees what is unsent at once."""


class PeerNotReading(Exception):
    """A send made no progress for the write timeout."""


def send_bounded(sock: socket.socket, data: bytes, limit: float | None) -> None:
    """sendall, except that `limit` seconds in which no byte goes raises PeerNotReading.

    Each byte that goes renews the limit: a slow client that reads is served however
    long the whole takes. None is no limit (sendall). Where a blocking socket cannot
    send without waiting (no MSG_DONTWAIT: Windows) it is sendall too.
    """
    blocking = sock.gettimeout() is None
    if limit is None or (blocking and not DONTWAIT):
        sock.sendall(data)
        return
    view = memoryview(data)
    total = len(view)
    sent = 0
    # A DONTWAIT send never waits: try first, and wait only when there is no room. With
    # a timeout Python waits for room itself, as long as that timeout (the idle one):
    # look for room first, so its wait always ends at once.
    flags = DONTWAIT if blocking else 0
    ready = blocking
    progress_at = time.monotonic()
    while True:
        if ready:
            try:
                went = sock.send(view[sent:], flags)
            except (BlockingIOError, InterruptedError):
                went = 0
            if went:
                sent += went
                if sent >= total:
                    return
                progress_at = time.monotonic()
        left = progress_at + limit - time.monotonic()
        if left <= 0:
            raise PeerNotReading
        ready = _wait_writable(sock, left)


def _wait_writable(sock: socket.socket, timeout: float) -> bool:
    """Whether `sock` has room to send (or an error to report) within `timeout` seconds."""
    try:
        if hasattr(select, "poll"):
            poller = select.poll()
            poller.register(sock, select.POLLOUT)
            return bool(poller.poll(math.ceil(timeout * 1000)))
        return bool(select.select([], [sock], [], timeout)[1])
    except (ValueError, OSError):
        return True  # closed under us: the send says so


class _Connection:
    """One accepted socket; `lock` keeps stop()'s shutdown off a socket already closed.

    It is also the connection's Member of the server's room: deliver() queues bytes
    for a writer thread started on first use, and drops the client when more than
    `max_outbox` bytes wait.
    """

    def __init__(self, sock: socket.socket, peer: str, host: str, server: TcpServer) -> None:
        self.sock = sock
        self.peer = peer
        self.host = host
        """The peer's address as accepted: what the server's admission counted."""
        self.server = server
        self.lock = threading.Lock()
        self.closed = False
        self.bytes_in = 0
        self.bytes_out = 0
        self.started = time.monotonic()
        self.reason: CloseReason | None = None
        """Why we ended it, when that is not what the reading thread sees."""
        self.out_cond = threading.Condition()
        self.outbox: deque[bytes] = deque()
        self.out_size = 0
        self.out_closed = False
        self.writer: threading.Thread | None = None
        self.writing = False
        """The writer is sending a batch: new bytes must queue behind it."""
        self.conversation: Conversation | None = None

    def deliver(self, data: bytes) -> None:
        whole = data
        with self.out_cond:
            if self.out_closed:
                return
            if not self.outbox and not self.writing:
                # Nothing waits: hand it to the kernel now, from the sender's thread,
                # so a reader that keeps up never depends on its writer being scheduled.
                data = data[self._send_now(data) :]
            too_slow = self.out_size + len(data) > self.server.max_outbox
            if too_slow:
                self.out_closed = True
            elif data:
                self.outbox.append(data)
                self.out_size += len(data)
                if self.writer is None:
                    self.writer = self.server._start_thread(self._write_loop, f"{self.peer} writer")
                self.out_cond.notify()
        if too_slow:
            self.drop(CloseReason.NOT_READING)
            return
        # Counted as handed over, as the async model counts what it gives its transport.
        self.server.sent(self.peer, whole, self)

    def _send_now(self, data: bytes) -> int:
        """Send what the socket takes without waiting; how many bytes went."""
        if not DONTWAIT or self.sock.gettimeout() is not None:
            return 0  # with a timeout, Python waits for room before sending
        try:
            return self.sock.send(data, DONTWAIT)
        except (BlockingIOError, InterruptedError):
            return 0
        except OSError:
            return len(data)  # the connection is going; its reading thread will see

    def drop(self, reason: CloseReason) -> None:
        """End the connection from another thread: its reading thread then closes it."""
        if self.reason is None:
            self.reason = reason
            if reason == CloseReason.NOT_READING:
                self.server._count(dropped_slow=1)
        self.shutdown()

    def _write_loop(self) -> None:
        while True:
            with self.out_cond:
                while not self.outbox and not self.out_closed:
                    self.out_cond.wait()
                if not self.outbox or self.reason is not None:
                    return
                items = list(self.outbox)
                self.outbox.clear()
                self.out_size = 0
                self.writing = True
            failure: CloseReason | None = None
            try:
                send_bounded(self.sock, b"".join(items), self.server.write_timeout)
            except PeerNotReading:
                failure = CloseReason.NOT_READING
            except OSError:
                failure = CloseReason.RESET
            with self.out_cond:
                self.writing = False
                if failure is not None:
                    self.out_closed = True
            if failure is not None:
                self.drop(failure)
                return

    def finish_writer(self) -> None:
        """Stop taking bytes, give the writer a moment to flush them, and wait for it."""
        with self.out_cond:
            self.out_closed = True
            self.out_cond.notify()
        if self.writer is None:
            return
        self.writer.join(FLUSH_WAIT)
        if self.writer.is_alive():
            self.shutdown()  # wakes a sendall to a peer that does not read
            self.writer.join(STOP_WAIT)

    def stop(self) -> None:
        self.shutdown()  # its reading thread sees the server stopping, and closes it

    def shutdown(self) -> None:
        with self.lock:
            if not self.closed:
                # OSError: the peer already left.
                with contextlib.suppress(OSError):
                    self.sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        with self.lock:
            self.closed = True
            if self.reason == CloseReason.NOT_READING:
                # A peer that reads nothing would leave our unsent bytes in the kernel
                # for minutes after a plain close: reset it instead.
                with contextlib.suppress(OSError):
                    self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, ABORT)
            self.sock.close()


class TcpServer(ServerBase):
    """Serves one protocol over TCP; start() in the caller's thread, the rest in its own.

    Whichever model serves them, its connections come and go through admit(),
    opened() and finished(), and talk through a Conversation (conversation.py).
    """

    # Slots, as ServerBase's: look-ups on every message.
    __slots__ = (
        "_aserver",
        "_conns",
        "_threads",
        "admission",
        "dropped_slow",
        "idle_timeout",
        "max_conns",
        "max_message",
        "max_outbox",
        "room",
        "write_timeout",
    )

    transport = "tcp"
    message_kinds = (Kind.RECEIVED, Kind.SENT)
    socket_kind = socket.SOCK_STREAM
    thread_suffix = " accept"

    def __init__(
        self,
        protocol: str | type[ServerProtocol],
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        idle_timeout: float | _Default | None = PROTOCOL_DEFAULT,
        max_conns: int = 100,
        max_message: int = 64 * 1024,
        max_outbox: int = MAX_OUTBOX,
        write_timeout: float | None = WRITE_TIMEOUT,
        per_source: int | None = PER_SOURCE,
        cps: float | None = CPS,
        allow: Networks | None = None,
        deny: Networks | None = None,
        **common: Unpack[CommonOptions],
    ) -> None:
        super().__init__(protocol, host, port, **common)
        if self.model == "iterative" and self.protocol.concurrent:
            raise InputError(
                f"The {self.protocol.name} server needs its clients connected at once: "
                "use the threaded or async model."
            )
        if max_conns < 1 or max_message < 1 or max_outbox < 1:
            raise InputError("max_conns, max_message and max_outbox must each be at least 1.")
        if idle_timeout is PROTOCOL_DEFAULT:
            idle_timeout = self.protocol.idle_timeout
        self.idle_timeout = _seconds("Idle timeout", idle_timeout)
        self.write_timeout = _seconds("Write timeout", write_timeout)
        """Seconds a send may make no progress before the peer is dropped; None: never."""
        self.admission = Admission(per_source=per_source, cps=cps, allow=allow, deny=deny)
        """Who may connect, and how many at once and how often from one address."""
        self.max_conns = max_conns
        cap = self.protocol.max_message
        self.max_message = min(max_message, cap) if cap else max_message
        self.max_outbox = max_outbox
        self.room = Room()
        """The connections that hear each other, for room protocols such as chat."""
        self.dropped_slow = 0
        """Clients dropped as not reading: a send stuck for the write timeout, or (chat)
        more waiting for them than max_outbox."""
        self._aserver: aio.AsyncTcpListener | None = None
        self._conns: dict[int, Accepted] = {}
        """The open connections, in the order they were accepted, by id()."""
        self._threads: set[threading.Thread] = set()

    def _prepare(self, sock: socket.socket) -> None:
        sock.listen(min(self.max_conns, socket.SOMAXCONN))

    def _serve_on_loop(self, sock: socket.socket) -> None:
        self._aserver = aio.AsyncTcpListener.start(self, sock)

    def _stop_serving(self) -> None:
        if self._aserver is not None:
            self._aserver.stop(STOP_WAIT)  # asyncio's server closes the listener
            return
        deadline = time.monotonic() + STOP_WAIT
        for conn in self.open_ones():
            conn.stop()
        if self._thread is not None:
            self._thread.join(max(0.0, deadline - time.monotonic()))
        # A connection accepted while we were shutting the others down is caught here.
        for conn in self.open_ones():
            conn.stop()
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        if self._sock is not None:
            self._sock.close()

    def _served(self) -> str:
        return f"{plural(self.total_connections, 'connection')} served"

    # -- every model's connections come and go through these -----------------------------

    def admit(self, peer: str, host: str) -> bool:
        """Whether a connection just accepted is served; a refusal is counted and told
        before the model closes it, so no one who sees the close can miss why."""
        why = (
            f"already {plural(self.max_conns, 'connection')} open"
            if self._stopping.is_set() or self.open_connections >= self.max_conns
            else self.admission.admit(host)
        )
        if why is None:
            return True
        self._count(refused=1)
        self._emit(Kind.REFUSED, peer, why)
        return False

    def opened(self, conn: Accepted, detail: str = "") -> None:
        """An admitted connection: listed in connections(), counted, told (with how long
        it waited to be accepted, when it was seen waiting)."""
        with self._lock:
            self._conns[id(conn)] = conn
        self._count(open_connections=1, total_connections=1)
        self._emit(Kind.ACCEPTED, conn.peer, detail)

    def finished(self, conn: Accepted, reason: CloseReason) -> None:
        """A served connection is closed: its place is free, and its end is told."""
        self._retire(self._conns, id(conn), conn, reason)
        self.admission.release(conn.host)
        self._count(open_connections=-1)
        self._closed_connection(conn, reason)

    def _faults_changed(self) -> None:
        faults = self.faults
        for conn in self.open_ones():
            conversation = conn.conversation
            if conversation is None:
                continue
            if conversation.plan is not None:
                # What it has done stays done: a half-closed connection stays so.
                conversation.plan.faults = faults or NO_FAULTS
            elif faults is not None:
                conversation.plan = FaultPlan(self, conn.peer, faults)

    def count_not_reading(self) -> None:
        self._count(dropped_slow=1)

    def open_ones(self) -> list[Accepted]:
        with self._lock:
            return list(self._conns.values())

    def _live(self) -> list[Counted]:
        return [*self._conns.values()]

    # -- the threaded and iterative models ------------------------------------------------

    def _serve_in_thread(self) -> None:
        """The accept loop: each connection served in a thread of its own, or (iterative)
        in this one, the next clients waiting in the accept queue meanwhile, watched."""
        waiting = None
        if self.model == "iterative":
            waiting = Waiting()
            self._start_thread(functools.partial(self._watch_queue, waiting), "accept queue")
        # Out of file descriptors, say: wait a moment rather than spin.
        for sock, address in self._until_stopped(self._accept, "accept", POLL):
            waited = waiting.accepted(time.monotonic()) if waiting is not None else None
            peer = address_text(address)
            host = str(address[0])
            if not self.admit(peer, host):
                sock.close()
                continue
            conn = _Connection(sock, peer, host, self)
            self.opened(conn, _waited_text(waited))
            if self._stopping.is_set():
                # stop() may have looked at the connections just before this one was added.
                conn.shutdown()
            if self.model == "iterative":
                self._serve(conn)  # the next client waits in the backlog, as the seed's does
                continue
            self._start_thread(functools.partial(self._serve, conn), peer)

    def _accept(self, listener: socket.socket) -> tuple[socket.socket, Any]:
        """accept(), late by the accept-delay fault when there is one."""
        faults = self.faults
        if faults is not None and faults.accept_delay:
            # Only once a client waits: an idle server's loop is not delayed, nor logged.
            if not select.select([listener], [], [], POLL)[0]:
                raise TimeoutError
            if self._stopping.wait(faults.accept_delay):
                raise TimeoutError
            sock, address = listener.accept()
            self.fault(address_text(address), late_text(faults))
            return sock, address
        return listener.accept()

    def _watch_queue(self, waiting: Waiting) -> None:
        """Look at the accept queue every POLL seconds while the server runs."""
        sock = self._sock
        while sock is not None and not self._stopping.wait(POLL):
            length = accept_queue(sock)
            if length is None:
                return  # the system does not say: nothing to show
            waiting.look(length, time.monotonic())
            self.waiting = length

    def _start_thread(self, target: Callable[[], None], what: str) -> threading.Thread:
        thread = threading.Thread(target=target, name=f"{self.name} {what}", daemon=True)
        with self._lock:
            # Finished threads are pruned here rather than by themselves, so stop()
            # still joins one that is emitting its last event.
            self._threads = {t for t in self._threads if t.is_alive()}
            self._threads.add(thread)
        thread.start()
        return thread

    def _send(self, conn: _Connection, data: bytes) -> None:
        send_bounded(conn.sock, data, self.write_timeout)
        self.sent(conn.peer, data, conn)

    def _serve(self, conn: _Connection) -> None:
        conversation = conn.conversation = Conversation(self, conn.peer, conn)
        reason = CloseReason.BY_US
        try:
            reason = self._converse(conn, conversation)
        except Exception as error:
            reason = self._ended_by(conn, error)
        finally:
            conversation.end()
            conn.finish_writer()
            if conn.reason is not None and reason != CloseReason.STOPPING:
                reason = conn.reason
            conn.close()
            self.finished(conn, reason)

    def _converse(self, conn: _Connection, conversation: Conversation) -> CloseReason:
        conn.sock.settimeout(self.idle_timeout)
        if conversation.plan is not None:
            return self._converse_with_faults(conn, conversation, conversation.plan, greet=True)
        greeting = conversation.start()
        if greeting:
            self._send(conn, greeting)
        if conversation.closing:
            return CloseReason.BY_US
        recv = conn.sock.recv
        # Raw reads are never longer than a message may be.
        recv_size = min(RECV_SIZE, self.max_message)
        while True:
            chunk = recv(recv_size)
            if not chunk:
                return CloseReason.STOPPING if self._stopping.is_set() else CloseReason.BY_PEER
            conn.bytes_in += len(chunk)
            reply = conversation.receive(chunk)
            if conversation.plan is not None:  # faults set while it ran: from this message on
                plan = conversation.plan
                return self._answer_with_faults(conn, conversation, plan, reply) or (
                    self._converse_with_faults(conn, conversation, plan)
                )
            while reply is not None:
                if reply:
                    self._send(conn, reply)
                if conversation.closing:
                    return CloseReason.BY_US
                reply = conversation.next_reply() if conversation.more else None

    def _converse_with_faults(
        self, conn: _Connection, conversation: Conversation, plan: FaultPlan, *, greet: bool = False
    ) -> CloseReason:
        """_converse, with each reply going through the fault plan: a path of its own,
        so that a server without faults pays nothing for them."""
        if plan.stalls():
            # Neither read nor written: the idle timeout, or the server's stop, ends it.
            stopped = self._stopping.wait(self.idle_timeout)
            return CloseReason.STOPPING if stopped else CloseReason.TIMEOUT
        sock = conn.sock
        recv_size = min(RECV_SIZE, self.max_message)
        if greet:
            greeting = conversation.start()
            ended = self._play(conn, plan, plan.step(greeting)) if greeting else None
            if ended is not None or conversation.closing:
                return ended or CloseReason.BY_US
        while True:
            slowly = plan.reads_slowly()
            if slowly:
                # A small window and small, spaced reads: the peer's sends meet flow control.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SLOW_RCVBUF)
                if self._stopping.wait(SLOW_PAUSE):
                    return CloseReason.STOPPING
            chunk = sock.recv(SLOW_READ if slowly else recv_size)
            if not chunk:
                return CloseReason.STOPPING if self._stopping.is_set() else CloseReason.BY_PEER
            conn.bytes_in += len(chunk)
            ended = self._answer_with_faults(conn, conversation, plan, conversation.receive(chunk))
            if ended is not None:
                return ended

    def _answer_with_faults(
        self, conn: _Connection, conversation: Conversation, plan: FaultPlan, reply: bytes | None
    ) -> CloseReason | None:
        """Answer a read's messages through the fault plan; why the connection ends, if it
        does."""
        while reply is not None:
            ended = self._play(conn, plan, plan.step(reply))
            if ended is not None:
                return ended
            if conversation.closing:
                return CloseReason.BY_US
            reply = conversation.next_reply() if conversation.more else None
        return None

    def _play(self, conn: _Connection, plan: FaultPlan, step: Step) -> CloseReason | None:
        """Carry out one step of a fault plan; why the connection ends, if it does."""
        if step.delay and self._stopping.wait(step.delay):
            return CloseReason.STOPPING
        data = step.data
        if data and step.small_writes:
            # Each byte its own segment: no Nagle to gather them again.
            conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for at in range(len(data)):
                send_bounded(conn.sock, data[at : at + 1], self.write_timeout)
            self.sent(conn.peer, data, conn)
            plan.wrote_slowly(len(data))
        elif data:
            self._send(conn, data)
        then = step.then
        if then is Then.GO_ON:
            return None
        if then is Then.HALF_CLOSE:
            with contextlib.suppress(OSError):  # the peer already left: its read says so
                conn.sock.shutdown(socket.SHUT_WR)
            plan.write_shut = True
            plan.tell(step.after)
            return None
        if then is Then.RESET:
            # The close that follows sends RST, not FIN.
            conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, ABORT)
        else:
            plan.tell(step.after)
        return CloseReason.BY_US

    def _ended_by(self, conn: _Connection, error: Exception) -> CloseReason:
        """Why a connection ends, from what ended its conversation."""
        if isinstance(error, PeerNotReading):
            conn.drop(CloseReason.NOT_READING)
            return CloseReason.NOT_READING
        if isinstance(error, MessageTooBig):
            return CloseReason.TOO_BIG
        if isinstance(error, TimeoutError):
            return CloseReason.TIMEOUT
        if isinstance(error, OSError) and self._stopping.is_set():
            return CloseReason.STOPPING
        if isinstance(error, ConnectionResetError | BrokenPipeError | ConnectionAbortedError):
            return CloseReason.RESET
        # Anything else is a protocol's bug, or a socket's error: it ends this
        # connection, never the server.
        self.failed(conn.peer, error)
        return CloseReason.RESET if isinstance(error, OSError) else CloseReason.BY_US


def _seconds(what: str, value: float | None) -> float | None:
    """A timeout as given, None for none; 0 or less is an error."""
    if value is not None and not value > 0:
        raise InputError(f"{what} {value} must be more than 0 seconds.")
    return value


def _waited_text(waited: float | None) -> str:
    """How long an accepted client waited in the accept queue, when it was seen there."""
    if waited is None:
        return ""
    return f"after {waited:.1f} s in the accept queue, while the server served another"
