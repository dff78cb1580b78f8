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
import functools
import math
import select
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable

from netlab.core.bus import EventBus
from netlab.core.endpoints import address_text
from netlab.core.errors import InputError
from netlab.core.events import CloseReason, Kind
from netlab.core.framing import Framing, MessageTooBig, Splitter
from netlab.core.plural import plural
from netlab.core.sampling import MESSAGE_RATE
from netlab.core.servers import aio
from netlab.core.servers.admission import CPS, PER_SOURCE, Admission, Networks
from netlab.core.servers.base import POLL, Counted, Model, ServerBase
from netlab.core.servers.protocols import Clock, ServerProtocol
from netlab.core.servers.room import Room

PROTOCOL_DEFAULT = -1.0
"""An idle_timeout meaning "whatever the protocol asks for" (timestamp: 120 s)."""
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
        self.server._handed_over(self, whole)

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
            try:
                send_bounded(self.sock, b"".join(items), self.server.write_timeout)
            except PeerNotReading:
                with self.out_cond:
                    self.out_closed = True
                    self.writing = False
                self.drop(CloseReason.NOT_READING)
                return
            except OSError:
                with self.out_cond:
                    self.out_closed = True
                    self.writing = False
                self.drop(CloseReason.RESET)
                return
            with self.out_cond:
                self.writing = False

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
    """Serves one protocol over TCP; start() in the caller's thread, the rest in its own."""

    transport = "tcp"
    message_kinds = (Kind.RECEIVED, Kind.SENT)

    def __init__(
        self,
        protocol: str | type[ServerProtocol],
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        model: Model = "threaded",
        bus: EventBus | None = None,
        idle_timeout: float | None = PROTOCOL_DEFAULT,
        max_conns: int = 100,
        max_message: int = 64 * 1024,
        max_outbox: int = MAX_OUTBOX,
        write_timeout: float | None = WRITE_TIMEOUT,
        per_source: int | None = PER_SOURCE,
        cps: float | None = CPS,
        allow: Networks | None = None,
        deny: Networks | None = None,
        name: str | None = None,
        clock: Clock | None = None,
        message_rate: int = MESSAGE_RATE,
    ) -> None:
        super().__init__(
            protocol,
            host,
            port,
            model=model,
            bus=bus,
            name=name,
            clock=clock,
            message_rate=message_rate,
        )
        if model == "iterative" and self.protocol.concurrent:
            raise InputError(
                f"The {self.protocol.name} server needs its clients connected at once: "
                "use the threaded or async model."
            )
        if max_conns < 1 or max_message < 1 or max_outbox < 1:
            raise InputError("max_conns, max_message and max_outbox must each be at least 1.")
        if idle_timeout == PROTOCOL_DEFAULT:
            idle_timeout = self.protocol.idle_timeout
        if idle_timeout is not None and idle_timeout <= 0:
            raise InputError(f"Idle timeout {idle_timeout} must be more than 0 seconds.")
        self.idle_timeout = idle_timeout
        if write_timeout is not None and not write_timeout > 0:
            raise InputError(f"Write timeout {write_timeout} must be more than 0 seconds.")
        self.write_timeout = write_timeout
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
        self._listener: socket.socket | None = None
        self._accept_thread: threading.Thread | None = None
        self._conns: dict[int, _Connection] = {}
        """The open connections, in the order they were accepted."""
        self._threads: set[threading.Thread] = set()

    def start(self) -> tuple[str, int]:
        """Bind and listen; returns the (host, port) really bound, useful with port 0."""
        listener, address = self._open(socket.SOCK_STREAM)
        listener.listen(min(self.max_conns, socket.SOMAXCONN))
        listener.settimeout(POLL)
        self._listener = listener
        self._emit(Kind.LISTENING, detail=f"on {address_text(address)} ({self.model})")
        if self.model == "async":
            try:
                self._aserver = aio.AsyncTcpListener.start(self, listener)
            except Exception as error:
                raise self._loop_refused(listener, error) from error
            return address
        self._accept_thread = threading.Thread(
            target=self._accept_loop, name=f"{self.name} accept", daemon=True
        )
        self._accept_thread.start()
        return address

    def stop(self) -> None:
        """Close the listener and every connection, and join every thread, within a second."""
        if self.address is None or self._stopping.is_set():
            return
        self._stopping.set()
        if self._aserver is not None:
            self._aserver.stop(STOP_WAIT)
            self._emit(
                Kind.STOPPED, detail=f"{plural(self.total_connections, 'connection')} served"
            )
            return
        deadline = time.monotonic() + STOP_WAIT
        with self._lock:
            conns = list(self._conns.values())
        for conn in conns:
            conn.shutdown()
        if self._accept_thread is not None:
            self._accept_thread.join(max(0.0, deadline - time.monotonic()))
        # A connection accepted while we were shutting the others down is caught here.
        with self._lock:
            conns = list(self._conns.values())
            threads = list(self._threads)
        for conn in conns:
            conn.shutdown()
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        if self._listener is not None:
            self._listener.close()
        self._emit(Kind.STOPPED, detail=f"{plural(self.total_connections, 'connection')} served")

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stopping.is_set():
            try:
                sock, address = self._listener.accept()
            except TimeoutError:
                continue
            except OSError as error:
                if self._stopping.is_set():
                    break
                self._count(errors=1)
                self._emit(Kind.ERROR, detail=f"accept failed: {error.strerror or error}")
                time.sleep(POLL)  # out of fds, say: wait rather than spin
                continue
            peer = address_text(address)
            host = str(address[0])
            if self.open_connections >= self.max_conns or self._stopping.is_set():
                self._refuse(sock, peer, f"already {plural(self.max_conns, 'connection')} open")
                continue
            refusal = self.admission.admit(host)
            if refusal is not None:
                self._refuse(sock, peer, refusal)
                continue
            conn = _Connection(sock, peer, host, self)
            with self._lock:
                self._conns[id(conn)] = conn
            if self._stopping.is_set():
                # stop() may have looked at the connections just before this one was added.
                conn.shutdown()
            self._count(open_connections=1, total_connections=1)
            self._emit(Kind.ACCEPTED, peer)
            if self.model == "iterative":
                self._serve(conn)  # the next client waits in the backlog, as the seed's does
                continue
            self._start_thread(functools.partial(self._serve, conn), peer)

    def _refuse(self, sock: socket.socket, peer: str, why: str) -> None:
        # Told before the close, so no one who sees the close can miss the refusal.
        self._count(refused=1)
        self._emit(Kind.REFUSED, peer, why)
        sock.close()

    def _start_thread(self, target: Callable[[], None], what: str) -> threading.Thread:
        thread = threading.Thread(target=target, name=f"{self.name} {what}", daemon=True)
        with self._lock:
            # Finished threads are pruned here rather than by themselves, so stop()
            # still joins one that is emitting its last event.
            self._threads = {t for t in self._threads if t.is_alive()}
            self._threads.add(thread)
        thread.start()
        return thread

    def _live(self) -> list[Counted]:
        if self._aserver is not None:
            return [*self._aserver.conns]
        return [*self._conns.values()]

    def _handed_over(self, conn: _Connection, data: bytes) -> None:
        self._sent(conn.peer, data, conn)

    def _send(self, conn: _Connection, data: bytes) -> None:
        send_bounded(conn.sock, data, self.write_timeout)
        self._handed_over(conn, data)

    def _serve(self, conn: _Connection) -> None:
        reason = CloseReason.BY_PEER
        session = self.protocol("tcp", self.clock)
        session.attach(self.room, conn)
        try:
            reason = self._converse(conn, session)
        except PeerNotReading:
            conn.drop(CloseReason.NOT_READING)
            reason = CloseReason.NOT_READING
        except MessageTooBig:
            reason = CloseReason.TOO_BIG
        except TimeoutError:
            reason = CloseReason.TIMEOUT
        except (ConnectionResetError, BrokenPipeError, ConnectionAbortedError):
            reason = CloseReason.STOPPING if self._stopping.is_set() else CloseReason.RESET
        except OSError as error:
            if self._stopping.is_set():
                reason = CloseReason.STOPPING
            else:
                self._count(errors=1)
                self._emit(Kind.ERROR, conn.peer, f"{error.strerror or error}")
                reason = CloseReason.RESET
        except Exception as error:
            # A protocol's bug ends its connection, never the server.
            self._count(errors=1)
            self._emit(Kind.ERROR, conn.peer, f"{type(error).__name__}: {error}")
            reason = CloseReason.BY_US
        finally:
            try:
                session.on_close()
            except Exception as error:
                self._count(errors=1)
                self._emit(Kind.ERROR, conn.peer, f"{type(error).__name__}: {error}")
            conn.finish_writer()
            if conn.reason is not None and reason != CloseReason.STOPPING:
                reason = conn.reason
            conn.close()
            self._retire(self._conns, id(conn), conn, reason)
            self.admission.release(conn.host)
            self._count(open_connections=-1)
            self._closed_connection(conn, reason)

    def _converse(self, conn: _Connection, session: ServerProtocol) -> CloseReason:
        framing = self.protocol.framing
        # A raw read is the message: no splitter needed.
        splitter = None if framing is Framing.RAW else Splitter(framing, self.max_message)
        # Raw reads are never longer than a message may be.
        recv_size = min(RECV_SIZE, self.max_message)
        conn.sock.settimeout(self.idle_timeout)
        reply = session.on_connect()
        if reply.data:
            self._send(conn, reply.data)
        if reply.close:
            return CloseReason.BY_US
        recv = conn.sock.recv
        received = self._received
        on_message = session.on_message
        peer = conn.peer
        while True:
            chunk = recv(recv_size)
            if not chunk:
                return CloseReason.STOPPING if self._stopping.is_set() else CloseReason.BY_PEER
            size = len(chunk)
            conn.bytes_in += size
            if splitter is None:
                # Raw: the read is the message, and its size is the wire's.
                received(peer, chunk, size, size)
                reply = on_message(chunk)
                if reply.data:
                    self._send(conn, reply.data)
                if reply.close:
                    return CloseReason.BY_US
                continue
            held_before = splitter.pending
            messages = splitter.feed(chunk)
            if not messages:
                self._count(bytes_in=size)
                if not held_before and splitter.pending:
                    self._holding(peer, splitter)
            for message, wire in zip(messages, splitter.sizes, strict=True):
                # The read's bytes are counted with its first message: one lock, not two.
                received(peer, message, wire, size)
                size = 0
                reply = on_message(message)
                if reply.data:
                    self._send(conn, reply.data)
                if reply.close:
                    return CloseReason.BY_US
            if splitter.overflow:
                raise MessageTooBig(splitter.max_size)
