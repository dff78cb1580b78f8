"""A UDP lab server: each datagram is one message, answered by one datagram.

UDP answers go wherever the source address says, which can be forged, so two
guards keep a lab server from being turned into a reflector: datagrams from
ports below 1024 (where other echo/daytime servers live) are never answered, and
each source host gets a token bucket of answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import socket
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from netlab.core.endpoints import address_text
from netlab.core.errors import InputError
from netlab.core.events import MAX_EVENT_DATA, Event, Kind
from netlab.core.plural import plural
from netlab.core.sampling import IN, OUT
from netlab.core.servers import aio, loop
from netlab.core.servers.admission import MAX_SOURCES, Admission, Networks, RateLimiter
from netlab.core.servers.base import MAX_CLOSED, POLL, CommonOptions, Counted, ServerBase
from netlab.core.servers.faults import FaultPlan
from netlab.core.servers.protocols import ServerProtocol

if TYPE_CHECKING:
    from typing_extensions import Unpack

MAX_DATAGRAM = 65507
"""The largest UDP payload over IPv4: 65535 less the IP and UDP headers."""
LOWEST_ANSWERED_PORT = 1024
Address = tuple[str, int] | tuple[str, int, int, int]
Send = Callable[[bytes, Address], bool]


class _Source:
    """One source address of datagrams, and the bytes each way: a UDP server's "connection"."""

    __slots__ = ("bytes_in", "bytes_out", "peer", "started")

    def __init__(self, peer: str) -> None:
        self.peer = peer
        """Its "host:port", made once: a flood comes from a few sources."""
        self.started = time.monotonic()
        self.bytes_in = 0
        self.bytes_out = 0


class UdpServer(ServerBase):
    """Serves one protocol over UDP from a single thread, or on the shared asyncio loop.

    Every datagram is answered on its own, so the threaded and iterative models are
    the same here: one thread of the server's own. The async model has none.
    """

    # Slots, as ServerBase's: look-ups on every message.
    __slots__ = (
        "_endpoint",
        "_held",
        "_plan",
        "_sources",
        "admission",
        "ignored",
        "limiter",
        "rate_limited",
    )

    transport = "udp"
    message_kinds = (Kind.DATAGRAM_IN, Kind.DATAGRAM_OUT)
    socket_kind = socket.SOCK_DGRAM

    def __init__(
        self,
        protocol: str | type[ServerProtocol],
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        rate: float = 100.0,
        burst: float | None = None,
        allow: Networks | None = None,
        deny: Networks | None = None,
        **common: Unpack[CommonOptions],
    ) -> None:
        super().__init__(protocol, host, port, **common)
        if rate <= 0:
            raise InputError(f"Rate {rate} must be more than 0 datagrams a second.")
        self.limiter = RateLimiter(rate, burst)
        self.admission = Admission(per_source=None, cps=None, allow=allow, deny=deny)
        """Only its allow and deny lists: who is answered at all."""
        self.rate_limited = 0
        """Datagrams left unanswered because their source sent too many."""
        self.ignored = 0
        """Datagrams left unanswered because they came from a port below 1024."""
        self._endpoint: aio.AsyncDatagram | None = None
        self._sources: dict[Address, _Source] = {}
        """The sources heard from, oldest first; changed only under `_lock` (connections()
        reads it from other threads), and only when a new one comes, not per datagram."""
        self._plan = None if self.faults is None else FaultPlan(self, "", self.faults)
        """The faults playing out on every datagram's answer; None (the usual) for none."""
        self._held: _Answer | None = None
        """An answer the reorder fault holds back, to send after the next one."""

    def _faults_changed(self) -> None:
        faults = self.faults
        if faults is None:
            self._plan = None
            if self._held is not None:
                self._held = None
                self.fault("", "dropped the reply it held back: faults cleared")
        elif self._plan is None:
            self._plan = FaultPlan(self, "", faults)
        else:
            self._plan.faults = faults

    def _serve_on_loop(self, sock: socket.socket) -> None:
        self._endpoint = loop.run(aio.open_datagram(self, sock))
        loop.register(self)

    def _stop_serving(self) -> None:
        if self._endpoint is not None:
            with contextlib.suppress(TimeoutError, RuntimeError):
                loop.run(aio.close_datagram(self._endpoint), POLL * 8)
        if self._thread is not None:
            self._thread.join(POLL * 8)
        if self._sock is not None:
            self._sock.close()

    def _served(self) -> str:
        return f"{plural(self.messages_in, 'datagram')} received"

    def _serve_in_thread(self) -> None:
        session = self.protocol("udp", self.clock)
        # An ICMP error from an earlier answer can surface as a failed receive: serve on.
        for data, address in self._until_stopped(_receive_datagram, "receive"):
            self._answer(session, data, address, self._sendto)

    def _new_source(self, address: Address) -> _Source:
        source = _Source(address_text(address))
        with self._lock:
            sources = self._sources
            if len(sources) >= MAX_SOURCES:
                # A spoofed flood must not grow memory: keep only the newest, as many as
                # connections() shows.
                newest = itertools.islice(sources.items(), len(sources) - MAX_CLOSED, None)
                self._sources = sources = dict(newest)
            sources[address] = source
        return source

    def _live(self) -> list[Counted]:
        return [*self._sources.values()]

    def _sendto(self, data: bytes, address: Address) -> bool:
        if self._sock is None:
            return False
        self._sock.sendto(data, address)
        return True

    def _answer(
        self,
        session: ServerProtocol,
        data: bytes,
        address: Address,
        send: Callable[[bytes, Address], bool] | None = None,
    ) -> None:
        source = self._sources.get(address)
        if source is None:
            source = self._new_source(address)
        peer = source.peer
        size = len(data)
        source.bytes_in += size
        detail = ""
        if address[1] < LOWEST_ANSWERED_PORT:
            self._count(ignored=1)
            detail = f"not answered: source port below {LOWEST_ANSWERED_PORT}"
        elif self.admission.listing and (listed := self.admission.unlisted(address[0])):
            self._count(refused=1)
            detail = f"not answered: {listed}"
        elif not self.limiter.allow(address[0]):
            self._count(rate_limited=1)
            detail = "not answered: source over its rate limit"
        if detail:
            # Always logged on its own: a refusal to answer is worth a line.
            self._count(messages_in=1, bytes_in=size)
            kept = data[:MAX_EVENT_DATA]
            self.bus.publish(Event(Kind.DATAGRAM_IN, self.name, peer, kept, size, detail))
            return
        self.count_message(peer, data, size, size, IN)
        try:
            answer = session.on_message(data).data
            if answer is not None:
                sent = len(answer)
                if sent > MAX_DATAGRAM:  # no slice of every answer: most are short
                    answer = answer[:MAX_DATAGRAM]
                    sent = MAX_DATAGRAM
                plan = self._plan
                if plan is not None:
                    answer_now = _Answer(answer, address, source, send or self._sendto)
                    self._answer_with_faults(plan, answer_now)
                    return
                if not (send or self._sendto)(answer, address):
                    return
                source.bytes_out += sent
                self.count_message(peer, answer, sent, sent, OUT)
        except Exception as error:
            # One bad datagram or unreachable source must not stop the server.
            self._answer_failed(peer, error)

    def _answer_failed(self, peer: str, error: Exception) -> None:
        self._count(errors=1)
        self._emit(Kind.ERROR, peer, f"{type(error).__name__}: {error}")

    def _answer_with_faults(self, plan: FaultPlan, answer: _Answer) -> None:
        """Send an answer as the fault plan has it: dropped, late, twice, or held back
        to go after the next (reorder)."""
        plan.peer = answer.source.peer  # one thread (or the loop) answers: one at a time
        step = plan.step(answer.data)
        if step.data is None:
            return
        answer.copies = step.copies
        going = [answer]
        if self._held is not None:  # the reply it held goes after this one: reordered
            going.append(self._held)
            self._held = None
        elif step.hold:
            going, self._held = [], answer
            plan.tell(f"held the reply to send after the next {plan.faults.cite('reorder')}")
        if not step.delay:
            self._send_answers(going)
        elif self._on_loop:
            asyncio.get_running_loop().call_later(step.delay, self._send_answers, going)
        elif not self._stopping.wait(step.delay):
            self._send_answers(going)

    def _send_answers(self, answers: list[_Answer]) -> None:
        for answer in answers:
            data = answer.data
            size = len(data)
            try:
                for _ in range(answer.copies):
                    if not answer.send(data, answer.address):
                        break
                    answer.source.bytes_out += size
                    self.count_message(answer.source.peer, data, size, size, OUT)
            except Exception as error:
                self._answer_failed(answer.source.peer, error)


class _Answer:
    """An answer to send, with all it takes: where to, and how."""

    __slots__ = ("address", "copies", "data", "send", "source")

    def __init__(self, data: bytes, address: Address, source: _Source, send: Send) -> None:
        self.data = data
        self.address = address
        self.source = source
        self.send = send
        self.copies = 1


def _receive_datagram(sock: socket.socket) -> tuple[bytes, Address]:
    # 65,535 bytes: room for the largest datagram over IPv6 too, whose payload may be
    # 20 bytes more than IPv4's MAX_DATAGRAM.
    return sock.recvfrom(MAX_DATAGRAM + 28)
