"""The async model: every connection of every async server on the one shared loop.

TCP uses asyncio's transport/protocol callbacks rather than streams: each chunk
read goes to the connection's Conversation (conversation.py), the same the threaded
model drives, and each reply is written to the transport. Flow control keeps memory
bounded: when a client stops reading and the transport's buffer passes its high-water
mark, we stop reading from that client until the buffer drains; if nothing of it goes
for the server's write timeout, the client is dropped as not reading.

Everything here runs on the loop's thread, so a connection's own counters are plain
increments, and so are the server's message counts and its sampler's (base.py's
`_on_loop`): no lock per message. The sampler's summaries are taken here too, as
stop() ends a server on the loop. Connections come and go through the server's
admit(), opened() and finished(), as the threaded model's do.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import socket
import struct
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from netlab.core.endpoints import address_text
from netlab.core.events import CloseReason
from netlab.core.framing import MessageTooBig
from netlab.core.sampling import IN, OUT
from netlab.core.servers import loop
from netlab.core.servers.conversation import Conversation
from netlab.core.servers.faults import (
    SLOW_PAUSE,
    SLOW_RCVBUF,
    SLOW_READ,
    FaultPlan,
    Step,
    Then,
    late_text,
)

if TYPE_CHECKING:
    from netlab.core.servers.protocols import ServerProtocol
    from netlab.core.servers.tcp import TcpServer
    from netlab.core.servers.udp import UdpServer

ABORT = struct.pack("ii", 1, 0)
"""SO_LINGER on, 0 s: the close resets the connection and frees what is unsent at once."""
MAX_UDP_BUFFER = 1024 * 1024
"""Bytes of answers waiting in an async UDP server's transport before more are dropped."""
MAX_SLOW_PAUSE = 1.0
"""Seconds a slow reader (read-slowly) pauses after one read at most."""


class AsyncTcpConnection(asyncio.Protocol):
    """One TCP connection on the loop; also its Member of the server's room."""

    __slots__ = (
        "bytes_in",
        "bytes_out",
        "closed",
        "conversation",
        "flushed",
        "host",
        "last_active",
        "peer",
        "playing",
        "reason",
        "refused",
        "server",
        "started",
        "timer",
        "transport",
        "unread",
        "write_timer",
    )

    def __init__(self, server: TcpServer) -> None:
        self.server = server
        self.transport: asyncio.Transport | None = None
        self.conversation: Conversation | None = None
        self.peer = "?"
        self.host = ""
        """The peer's address as accepted: what the server's admission counted."""
        self.reason: CloseReason | None = None
        self.refused = False
        self.closed = False
        self.bytes_in = 0
        self.bytes_out = 0
        self.started = time.monotonic()
        self.last_active = self.started
        self.timer: asyncio.TimerHandle | None = None
        self.write_timer: asyncio.TimerHandle | None = None
        """Running while writing is paused: the write timeout."""
        self.flushed = 0
        """Bytes the transport had passed to the kernel when the write timer last looked."""
        self.playing: asyncio.Task[None] | None = None
        """With faults: the task answering reads, one after another (_play_reads)."""
        self.unread: deque[bytes] = deque()
        """With faults: reads taken from the transport, not yet answered."""

    # -- asyncio's callbacks ----------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports follow asyncio.Transport without subclassing it.
        self.transport = transport = cast(asyncio.Transport, transport)
        server = self.server
        address = transport.get_extra_info("peername")
        self.peer = address_text(address) if address else "?"
        self.host = str(address[0]) if address else ""
        if not server.admit(self.peer, self.host):
            self.refused = True
            transport.close()
            return
        server.opened(self)
        if server.idle_timeout is not None:
            self.timer = asyncio.get_running_loop().call_later(
                server.idle_timeout, self._check_idle
            )
        try:
            conversation = self.conversation = Conversation(server, self.peer, self)
            if conversation.plan is not None:
                self._start_with_faults(transport, conversation.plan)
                return
            greeting = conversation.start()
            if greeting:
                self._write(greeting)
            if conversation.closing:
                self.finish(CloseReason.BY_US)
        except Exception as error:
            self._failed(error)

    def data_received(self, data: bytes) -> None:
        conversation = self.conversation
        transport = self.transport
        if self.closed or conversation is None or transport is None:
            return
        size = len(data)
        self.bytes_in += size
        if self.timer is not None:
            self.last_active = time.monotonic()
        if conversation.plan is not None:
            self._receive_with_faults(data)
            return
        try:
            if 0 < size <= conversation.raw_max:
                # Conversation.receive's way with a raw read, inline: the read is the
                # one message. Every read of a flood comes this way, and a call less
                # per message is a few per cent of the server's CPU.
                conversation.more = False
                self.server.count_message(self.peer, data, size, size, IN)
                answer = conversation.session.on_message(data)
                if answer.close:
                    conversation.closing = True
                reply: bytes | None = answer.data or b""
            else:
                reply = conversation.receive(data)
            while reply is not None:
                if reply:
                    # _write, inline: this is the echo's whole path.
                    transport.write(reply)
                    sent = len(reply)
                    self.bytes_out += sent
                    self.server.count_message(self.peer, reply, sent, sent, OUT)
                if conversation.closing:
                    self.finish(CloseReason.BY_US)
                    return
                if self.closed:
                    return  # a room dropped us while we answered
                reply = conversation.next_reply() if conversation.more else None
        except MessageTooBig:
            self.finish(CloseReason.TOO_BIG)
        except Exception as error:
            self._failed(error)

    def eof_received(self) -> bool | None:
        return None  # the transport closes once what is queued has been sent

    def pause_writing(self) -> None:
        # The client is not reading what we send: stop reading what it sends, and give
        # it the write timeout to take some of what waits.
        if self.transport is None:
            return
        self.transport.pause_reading()
        timeout = self.server.write_timeout
        if timeout is not None and self.write_timer is None and not self.closed:
            self.flushed = self._flushed()
            self.write_timer = asyncio.get_running_loop().call_later(timeout, self._check_writing)

    def resume_writing(self) -> None:
        if self.write_timer is not None:
            self.write_timer.cancel()
            self.write_timer = None
        if self.transport is not None and not self.closed:
            self.last_active = time.monotonic()
            self.transport.resume_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.refused:
            return
        self.closed = True
        if self.timer is not None:
            self.timer.cancel()
        if self.write_timer is not None:
            self.write_timer.cancel()
            self.write_timer = None
        if self.playing is not None:
            self.playing.cancel()
        if self.conversation is not None:
            self.conversation.end()
        self.server.finished(self, self.reason or self._ended_by(exc))
        self.transport = None
        self.conversation = None

    # -- with faults: a path of its own, so a server without them pays nothing ----------

    def _start_with_faults(self, transport: asyncio.Transport, plan: FaultPlan) -> None:
        # Reads wait in the kernel until the task takes them, as a thread's would.
        transport.pause_reading()
        if plan.stalls():
            return  # neither read nor written: the idle timeout, or the server's stop, ends it
        if plan.faults.read_slowly:
            self._set_option(socket.SOL_SOCKET, socket.SO_RCVBUF, SLOW_RCVBUF)
        self.playing = asyncio.get_running_loop().create_task(self._play_reads(plan, greet=True))

    def _receive_with_faults(self, data: bytes) -> None:
        self.unread.append(data)
        if self.playing is None and self.transport is not None:
            self.transport.pause_reading()
            plan = self.conversation.plan if self.conversation is not None else None
            # A stalled connection answers nothing: what came before reading paused waits.
            if plan is not None and not plan.faults.stall:
                running = asyncio.get_running_loop()
                self.playing = running.create_task(self._play_reads(plan))

    async def _play_reads(self, plan: FaultPlan, *, greet: bool = False) -> None:
        """Answer the reads taken so far through the fault plan, then read on."""
        conversation = self.conversation
        assert conversation is not None
        try:
            if greet:
                if plan.faults.accept_delay:
                    plan.tell(late_text(plan.faults))
                    await asyncio.sleep(plan.faults.accept_delay)
                greeting = conversation.start()
                if greeting and not await self._play(plan, plan.step(greeting)):
                    return
                if conversation.closing:
                    self.finish(CloseReason.BY_US)
                    return
            while self.unread and not self.closed:
                data = self.unread.popleft()
                if plan.reads_slowly():
                    pauses = math.ceil(len(data) / SLOW_READ)
                    await asyncio.sleep(min(MAX_SLOW_PAUSE, pauses * SLOW_PAUSE))
                reply = conversation.receive(data)
                while reply is not None:
                    if not await self._play(plan, plan.step(reply)):
                        return
                    if conversation.closing:
                        self.finish(CloseReason.BY_US)
                        return
                    reply = conversation.next_reply() if conversation.more else None
        except MessageTooBig:
            self.finish(CloseReason.TOO_BIG)
        except Exception as error:
            self._failed(error)
        finally:
            self.playing = None
            transport = self.transport
            if not self.closed and transport is not None and not transport.is_closing():
                transport.resume_reading()

    async def _play(self, plan: FaultPlan, step: Step) -> bool:
        """Carry out one step of a fault plan; whether the connection goes on."""
        if step.delay:
            await asyncio.sleep(step.delay)
        transport = self.transport
        if self.closed or transport is None:
            return False
        data = step.data
        if data and step.small_writes:
            # Each byte its own send, and its own segment: no Nagle to gather them again.
            self._set_option(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for at in range(len(data)):
                transport.write(data[at : at + 1])
            self.bytes_out += len(data)
            self.server.sent(self.peer, data)
            plan.wrote_slowly(len(data))
        elif data:
            self._write(data)
        then = step.then
        if then is Then.HALF_CLOSE:
            transport.write_eof()  # once what is queued has gone
            plan.write_shut = True
            plan.tell(step.after)
        elif then is Then.RESET:
            self._set_option(socket.SOL_SOCKET, socket.SO_LINGER, ABORT)
            self.finish(CloseReason.BY_US, abort=True)
        elif then is Then.CLOSE:
            plan.tell(step.after)
            self.finish(CloseReason.BY_US)
        return then is Then.GO_ON or then is Then.HALF_CLOSE

    def _set_option(self, level: int, option: int, value: int | bytes) -> None:
        sock = self.transport.get_extra_info("socket") if self.transport is not None else None
        if sock is not None:
            with contextlib.suppress(OSError, AttributeError):  # uvloop's may not have it
                sock.setsockopt(level, option, value)

    # -- the room's Member --------------------------------------------------------------

    def deliver(self, data: bytes) -> None:
        transport = self.transport
        if self.closed or transport is None or transport.is_closing():
            return
        if transport.get_write_buffer_size() + len(data) > self.server.max_outbox:
            self._not_reading()
            return
        self._write(data)

    # -- ours ---------------------------------------------------------------------------

    def stop(self) -> None:
        self.finish(CloseReason.STOPPING, abort=True)

    def finish(self, reason: CloseReason, *, abort: bool = False) -> None:
        """Close with `reason`: flushing what is queued, or at once when `abort`."""
        if self.reason is None:
            self.reason = reason
        if self.transport is None:
            return
        if abort:
            self.closed = True  # connection_lost follows on the next loop turn
            self.transport.abort()
        else:
            self.transport.close()

    def _ended_by(self, exc: Exception | None) -> CloseReason:
        """Why the connection ended, when we did not end it."""
        if exc is None:
            return CloseReason.STOPPING if self.server.stopping else CloseReason.BY_PEER
        if not isinstance(exc, ConnectionResetError | BrokenPipeError | ConnectionAbortedError):
            self.server.failed(self.peer, exc)
        return CloseReason.RESET

    def _flushed(self) -> int:
        """Bytes written so far that the transport has handed to the kernel."""
        assert self.transport is not None
        return self.bytes_out - self.transport.get_write_buffer_size()

    def _check_writing(self) -> None:
        """The write timeout ran out while paused: progress renews it, none drops the peer."""
        self.write_timer = None
        if self.closed or self.transport is None:
            return
        flushed = self._flushed()
        if flushed > self.flushed:
            # Slow but reading: it took some since we looked.
            self.flushed = flushed
            timeout = self.server.write_timeout
            assert timeout is not None
            self.write_timer = asyncio.get_running_loop().call_later(timeout, self._check_writing)
            return
        self._not_reading()

    def _not_reading(self) -> None:
        if self.closed or self.transport is None:
            return
        self.server.count_not_reading()
        # A peer that reads nothing would leave our unsent bytes in the kernel for
        # minutes after a plain close: reset it instead.
        self._set_option(socket.SOL_SOCKET, socket.SO_LINGER, ABORT)
        self.finish(CloseReason.NOT_READING, abort=True)

    def _write(self, data: bytes) -> None:
        assert self.transport is not None
        self.transport.write(data)
        self.bytes_out += len(data)
        self.server.sent(self.peer, data)

    def _failed(self, error: Exception) -> None:
        # A protocol's bug ends its connection, never the server.
        self.server.failed(self.peer, error)
        self.finish(CloseReason.BY_US)

    def _check_idle(self) -> None:
        self.timer = None
        if self.closed or self.transport is None:
            return
        timeout = self.server.idle_timeout
        assert timeout is not None
        remaining = self.last_active + timeout - time.monotonic()
        if remaining > 0:
            self.timer = asyncio.get_running_loop().call_later(remaining, self._check_idle)
            return
        self.finish(CloseReason.TIMEOUT, abort=True)


class AsyncTcpListener:
    """A TcpServer's listener on the shared loop."""

    def __init__(self, server: TcpServer) -> None:
        self.server = server
        self._aserver: asyncio.Server | None = None

    @classmethod
    def start(cls, server: TcpServer, listener: socket.socket) -> AsyncTcpListener:
        """Serve on `listener`, already bound and listening; returns once accepting."""
        self = cls(server)
        listener.setblocking(False)
        backlog = min(server.max_conns, socket.SOMAXCONN)

        async def serve() -> asyncio.Server:
            running = asyncio.get_running_loop()
            return await running.create_server(
                lambda: AsyncTcpConnection(server), sock=listener, backlog=backlog
            )

        self._aserver = loop.run(serve())
        loop.register(server)
        return self

    def stop(self, timeout: float) -> None:
        """Close the listener and abort every connection; waits at most `timeout`."""
        with contextlib.suppress(TimeoutError, RuntimeError):
            loop.run(self._close(), timeout)

    async def _close(self) -> None:
        try:
            if self._aserver is not None:
                self._aserver.close()  # closes the listening socket: the port is free
            for conn in self.server.open_ones():
                conn.stop()
            # Each abort's connection_lost runs on a later turn of the loop.
            for turn in range(200):
                if not self.server.open_ones():
                    break
                await asyncio.sleep(0 if turn < 5 else 0.002)
        finally:
            # The last counts not yet logged, taken here: the sampler is this thread's.
            self.server._publish_summed("")


class AsyncDatagram(asyncio.DatagramProtocol):
    """An async UdpServer's socket on the shared loop."""

    def __init__(self, server: UdpServer, session: ServerProtocol, sock: socket.socket) -> None:
        self.server = server
        self.session = session
        self.sock = sock
        self.transport: asyncio.DatagramTransport | None = None
        self._buffered: Callable[[], int] = _nothing_buffered
        self._sender = self._send
        """Bound once, not for every datagram."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # Neither Python 3.11's selector datagram transport nor uvloop's subclasses
        # DatagramTransport; both have get_write_buffer_size().
        self.transport = cast(asyncio.DatagramTransport, transport)
        self._buffered = getattr(transport, "get_write_buffer_size", _nothing_buffered)

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.server._answer(self.session, data, addr, self._sender)

    def _send(self, data: bytes, address: Any) -> bool:
        transport = self.transport
        if transport is None or transport.is_closing():
            return False
        if self._buffered() > MAX_UDP_BUFFER:
            return False
        if not data:
            # asyncio drops an empty datagram silently, but over UDP it is an answer.
            try:
                self.sock.sendto(data, address)
            except (BlockingIOError, InterruptedError):
                return False
            return True
        transport.sendto(data, address)
        return True

    def error_received(self, exc: Exception) -> None:
        # An ICMP error from an earlier answer can surface here; keep serving.
        self.server.failed("", exc, "receive failed: ")

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None


def _nothing_buffered() -> int:
    return 0


async def open_datagram(server: UdpServer, sock: socket.socket) -> AsyncDatagram:
    running = asyncio.get_running_loop()
    session = server.protocol("udp", server.clock)
    sock.setblocking(False)
    _, protocol = await running.create_datagram_endpoint(
        lambda: AsyncDatagram(server, session, sock), sock=sock
    )
    return protocol


async def close_datagram(protocol: AsyncDatagram) -> None:
    try:
        if protocol.transport is not None:
            protocol.transport.close()
        for _ in range(50):
            if protocol.transport is None:
                break
            await asyncio.sleep(0)
    finally:
        # The last counts not yet logged, taken here: the sampler is this thread's.
        protocol.server._publish_summed("")
