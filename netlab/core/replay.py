"""Replaying a recording against a server and checking each reply (netlab.core.recording).

Each recorded message is sent in order, then the reply is collected until it is
what was expected, or has been quiet for QUIET seconds, or `timeout` passes, and is
checked against the recording. Exchanges are reported as they finish, so a slow
server's progress shows as it goes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from netlab.core.client import ClientSession
from netlab.core.errors import positive_seconds
from netlab.core.recording import QUIET, Exchange, Match, Recording
from netlab.core.safetext import escape_bytes

_LOOK = 0.01
"""How often the collector looks at what arrived."""


@dataclass(frozen=True, slots=True)
class Outcome:
    exchange: Exchange
    got: bytes
    ok: bool
    closed: bool = False
    """The server closed before this exchange could be made or finished."""

    def text(self) -> str:
        """One line: `ok  hello\\n`, or how the reply differed."""
        sent = self.exchange.sent
        what = "(first words)" if sent is None else escape_bytes(sent)
        if self.ok:
            return f"ok  {what}"
        said = "before sending" if sent is None else f'sent "{escape_bytes(sent)}"'
        expected = self.exchange.expect
        wanted = f'"{expected.text()}"' if expected.match is Match.EXACT else f"{expected.text()!r}"
        got = f'"{escape_bytes(self.got)}"'
        ending = "; the server had closed" if self.closed else ""
        return f"DIFFERS  {said}: expected {wanted}, got {got}{ending}"


def replay(
    recording: Recording,
    endpoint: str,
    *,
    pauses: bool = False,
    timeout: float = 5.0,
    quiet: float = QUIET,
    report: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Connect to `endpoint`, replay `recording`, and return each exchange's outcome.

    OperationFailed if the connection cannot be made; a send that fails ends the
    replay with that exchange (and those after it) as differing.
    """
    timeout = positive_seconds(timeout)
    session = ClientSession(
        endpoint,
        transport="udp" if recording.transport == "udp" else "tcp",
        framing=recording.framing,
        connect_timeout=timeout,
    )
    outcomes: list[Outcome] = []
    with session:  # connects
        started = time.monotonic()
        for exchange in recording.exchanges:
            outcome = _exchange(session, exchange, started, pauses, timeout, quiet)
            outcomes.append(outcome)
            if report is not None:
                report(outcome)
    return outcomes


def _exchange(
    session: ClientSession,
    exchange: Exchange,
    started: float,
    pauses: bool,
    timeout: float,
    quiet: float,
) -> Outcome:
    if exchange.sent is not None:
        if pauses:
            # The original pause, at most the timeout: a hand-edited time can be anything.
            session.wait_closed(min(started + exchange.at - time.monotonic(), timeout))
        if session.state == "closed":
            return Outcome(exchange, session.take(), False, closed=True)
        session.send_bytes(exchange.sent)
    got = _collect(session, exchange, timeout, quiet)
    closed = session.state == "closed" and not exchange.expect.accepts(got)
    return Outcome(exchange, got, exchange.expect.accepts(got), closed=closed)


def _collect(session: ClientSession, exchange: Exchange, timeout: float, quiet: float) -> bytes:
    """The reply: until it is the expected bytes, quiet for `quiet` seconds, the server
    closes, or `timeout` passes."""
    expect = exchange.expect
    got = bytearray()
    now = time.monotonic()
    deadline, quiet_since = now + timeout, now
    # Nothing expected: a short quiet says so. Some bytes expected: wait for their start.
    waiting_for_first = expect.match is not Match.ANY and bool(expect.data)
    while now < deadline:
        closed = session.state == "closed"
        if data := session.take():
            got += data
            quiet_since = now
            waiting_for_first = False
        if expect.complete(bytes(got)) or closed:
            break
        if not waiting_for_first and now - quiet_since >= quiet:
            break
        session.wait_closed(_LOOK)
        now = time.monotonic()
    return bytes(got)
