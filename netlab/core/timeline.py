"""Both ends of one TCP connection on one timeline, when the lab holds both.

A client session of the lab talks to a lab server: the session's events and the
server's events of that connection are one conversation. `ConnectionLog` keeps the
recent connections' events (bounded), and `timeline(session)` lays them out in time:
each message as one side sent it and the other received it, and each end's TCP state
as the lab's own actions imply it (a FIN we sent puts our end in FIN_WAIT1; the
peer's FIN on top of that, TIME_WAIT), with `kernel_states` for what /proc/net/tcp
says of each end now. A session whose server is not in the lab, or a server's
connection whose client is not, has a timeline of its one end.

The pairing: a session's CONNECTED event says where it connected from ("from
127.0.0.1:50312"); the server's events of that connection name that address as their
peer.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Any, Literal

from netlab.core import tcpstate
from netlab.core.events import CloseReason, Event, Kind, Side
from netlab.core.plural import plural
from netlab.core.safetext import safe_bytes

Party = Literal["client", "server"]

MAX_CONNECTIONS = 256
"""Connections whose events are kept; the oldest go first."""
MAX_MOMENTS = 400
"""Events kept per connection: a long chat keeps its newest, and says how many went."""
SHOWN_DATA = 40
"""Characters of a message shown on its line."""


@dataclass(frozen=True)
class Moment:
    """One thing one end did, with the TCP state it left that end in."""

    time: float
    party: Party
    text: str
    state: str
    """The end's TCP state after it, as the lab's actions imply ("" where unchanged)."""
    flow: Literal["out", "in", ""] = ""
    """Bytes this end sent (out) or received (in)."""
    size: int = 0
    """How many."""
    wire: Literal["", "FIN sent", "FIN heard", "RST sent", "RST heard"] = ""
    """A FIN or RST this end sent, or the other's it heard: what orders the two ends."""


@dataclass(frozen=True)
class Timeline:
    session: str | None
    """The lab's client session at one end, if the lab holds it."""
    server: str | None
    """The lab server at the other end, if the lab holds it."""
    client_end: str
    """The client's address: "127.0.0.1:50312"."""
    server_end: str
    moments: list[Moment]
    forgotten: int
    """Events of this connection no longer kept (MAX_MOMENTS)."""


class ConnectionLog:
    """The recent connections' events, by connection, fed every event the lab publishes."""

    def __init__(self) -> None:
        self._sessions: OrderedDict[str, deque[Event]] = OrderedDict()
        self._servers: OrderedDict[tuple[str, str], deque[Event]] = OrderedDict()
        self._forgotten: dict[object, int] = {}
        self._local: dict[str, str] = {}
        """A session's own address, from its CONNECTED event."""

    def feed(self, events: list[Event]) -> None:
        for event in events:
            if event.side is Side.CLIENT:
                if event.kind is Kind.CONNECTED:
                    self._local[event.source] = _from(event.detail)
                self._keep(self._sessions, event.source, event)
            elif event.peer and event.kind in _SERVER_KINDS:
                self._keep(self._servers, (event.source, event.peer), event)

    def _keep(self, table: OrderedDict[Any, deque[Event]], key: object, event: Event) -> None:
        kept = table.get(key)
        if kept is None:
            kept = table[key] = deque(maxlen=MAX_MOMENTS)
            while len(table) > MAX_CONNECTIONS:
                gone, _ = table.popitem(last=False)
                self._forgotten.pop(gone, None)
                if isinstance(gone, str):
                    self._local.pop(gone, None)
        if len(kept) == MAX_MOMENTS:
            self._forgotten[key] = self._forgotten.get(key, 0) + 1
        kept.append(event)

    def sessions(self) -> list[str]:
        return list(self._sessions)

    def timeline(self, session: str, server_address: dict[str, str]) -> Timeline | None:
        """The timeline of a session's connection; `server_address` maps each lab server's
        name to where it listens, to find the server at the session's other end."""
        events = self._sessions.get(session)
        if events is None:
            return None
        client_end = self._local.get(session, "")
        server_end = next((event.peer for event in events if event.peer), "")
        server = next(
            (name for name, where in server_address.items() if _serves(where, server_end)), None
        )
        server_events = self._servers.get((server, client_end), deque()) if server else deque()
        return self._laid_out(
            Timeline(session, server, client_end, server_end, [], 0), events, server_events
        )

    def server_timeline(
        self, server: str, peer: str, server_address: dict[str, str]
    ) -> Timeline | None:
        """The timeline of one of a lab server's connections: both ends when its client is
        a session of the lab, else the server's end alone."""
        session = next((name for name, local in self._local.items() if local == peer), None)
        if session is not None:
            both = self.timeline(session, server_address)
            if both is not None and both.server == server:
                return both
        events = self._servers.get((server, peer))
        if events is None:
            return None
        where = server_address.get(server, "")
        return self._laid_out(Timeline(None, server, peer, where, [], 0), deque(), events)

    def _laid_out(
        self, ends: Timeline, client_events: deque[Event], server_events: deque[Event]
    ) -> Timeline:
        """`ends` with the two ends' moments in time order."""
        moments = [*_client_moments(client_events), *_server_moments(server_events)]
        moments.sort(key=lambda moment: moment.time)
        forgotten = self._forgotten.get(ends.session, 0) if ends.session else 0
        if ends.server:
            forgotten += self._forgotten.get((ends.server, ends.client_end), 0)
        if not forgotten:  # with events gone, the two ends' counts no longer line up
            moments = _causal(moments)
        return dataclasses.replace(ends, moments=_answered_fins(moments), forgotten=forgotten)


def kernel_states(timeline: Timeline) -> dict[Party, str]:
    """What the kernel says of each end now ("TIME_WAIT"), or why it says nothing."""
    if not tcpstate.available():
        return {}
    said: dict[Party, str] = {}
    ends: list[tuple[Party, str, str]] = []
    if timeline.session is not None:
        ends.append(("client", timeline.client_end, timeline.server_end))
    if timeline.server is not None:
        ends.append(("server", timeline.server_end, timeline.client_end))
    for party, local, remote in ends:
        if not (local and remote):
            continue
        state = tcpstate.tcp_state(local, remote)
        said[party] = str(state) if state is not None else "gone (CLOSED)"
    return said


_SERVER_KINDS = frozenset(
    {Kind.ACCEPTED, Kind.RECEIVED, Kind.SENT, Kind.CLOSED, Kind.ERROR, Kind.HALF_CLOSED, Kind.FAULT}
)


def _serves(listening: str, endpoint: str) -> bool:
    """Whether a server listening there is what a client reached at `endpoint`: the same
    address, or the same port on a server listening on every address."""
    if listening == endpoint:
        return True
    host, _, port = listening.rpartition(":")
    return host in ("0.0.0.0", "[::]") and endpoint.rpartition(":")[2] == port


def _from(detail: str) -> str:
    """The client's own address in its CONNECTED event's detail: "from 127.0.0.1:5; …"."""
    return detail.removeprefix("from ").split(";")[0].strip()


def _data(event: Event) -> str:
    return f"{plural(event.size, 'byte')} {safe_bytes(event.data, limit=SHOWN_DATA)}"


def _client_moments(events: deque[Event]) -> list[Moment]:
    moments: list[Moment] = []
    fin_sent = False
    for event in events:
        at = event.time
        if event.kind is Kind.CONNECTED:
            moments.append(Moment(at, "client", "connected: SYN, SYN-ACK, ACK", "ESTABLISHED"))
        elif (said := _message("client", event)) is not None:
            moments.append(said)
        elif event.kind is Kind.HALF_CLOSED:
            fin_sent = True
            moments.append(
                Moment(at, "client", "shutdown(SHUT_WR): FIN sent", "FIN_WAIT1", wire="FIN sent")
            )
        elif event.kind is Kind.CLOSED:
            moments.extend(_closing("client", event, fin_sent=fin_sent))
    return moments


def _server_moments(events: deque[Event]) -> list[Moment]:
    moments: list[Moment] = []
    reset = fin_sent = False  # by a fault: what the close that follows really is
    for event in events:
        at = event.time
        if event.kind is Kind.FAULT:  # what netlab did on purpose
            reset = reset or event.detail.startswith("reset")
            half = event.detail.startswith("half-closed")
            fin_sent = fin_sent or half
            state = "FIN_WAIT1" if half else ""
            moments.append(
                Moment(
                    at, "server", f"fault: {event.detail}", state, wire="FIN sent" if half else ""
                )
            )
            continue
        if event.kind is Kind.CLOSED and reset:
            moments.append(
                Moment(at, "server", "SO_LINGER 0, close(): RST sent", "CLOSED", wire="RST sent")
            )
            continue
        if event.kind is Kind.ACCEPTED:
            text = "accepted: the kernel did the handshake"
            if event.detail:
                text += f" ({event.detail})"
            moments.append(Moment(at, "server", text, "ESTABLISHED"))
        elif (said := _message("server", event)) is not None:
            moments.append(said)
        elif event.kind is Kind.HALF_CLOSED:
            moments.append(
                Moment(at, "server", "FIN sent, still reading", "FIN_WAIT1", wire="FIN sent")
            )
        elif event.kind is Kind.CLOSED:
            moments.extend(_closing("server", event, fin_sent=fin_sent))
    return moments


def _message(party: Party, event: Event) -> Moment | None:
    """What either end does alike: bytes sent or received, an error."""
    if event.kind is Kind.SENT:
        return Moment(event.time, party, f"sent {_data(event)}", "", "out", event.size)
    if event.kind is Kind.RECEIVED:
        return Moment(event.time, party, f"received {_data(event)}", "", "in", event.size)
    if event.kind is Kind.ERROR:
        return Moment(event.time, party, event.detail, "")
    return None


def _closing(party: Party, event: Event, *, fin_sent: bool) -> list[Moment]:
    """An end's close, in TCP's states: who sent FIN first decides which end waits in
    TIME_WAIT (the first) and which passes through CLOSE_WAIT and LAST_ACK."""
    at = event.time
    reason = event.closing.reason if event.closing is not None else None
    if reason is CloseReason.RESET:
        return [
            Moment(at, party, "RST: the connection is gone at once", "CLOSED", wire="RST heard")
        ]
    if reason is CloseReason.BY_PEER:
        if fin_sent:  # our FIN went first, theirs answered it
            return [
                Moment(
                    at,
                    party,
                    "FIN from the peer after ours: ACK sent",
                    "TIME_WAIT",
                    wire="FIN heard",
                )
            ]
        return [
            Moment(at, party, "FIN from the peer: end of stream", "CLOSE_WAIT", wire="FIN heard"),
            Moment(at, party, "close(): FIN sent, its ACK awaited", "LAST_ACK", wire="FIN sent"),
        ]
    if fin_sent:  # closed after a half-close, before the peer's FIN came
        return [Moment(at, party, "close() after our FIN", "FIN_WAIT2")]
    # Why, when it is more than "we closed": an idle timeout, a peer that did not read.
    why = event.detail.split(";")[0] if reason is not CloseReason.BY_US else ""
    return [
        Moment(
            at,
            party,
            f"close(): FIN sent first ({why})" if why else "close(): FIN sent first",
            "FIN_WAIT1",
            wire="FIN sent",
        )
    ]


AFTER = 1e-6
"""How far after its cause a moment stamped before it is put: a microsecond."""
_HEARD = {"FIN heard": "FIN sent", "RST heard": "RST sent"}
"""What the other end sent, for what this end heard."""


def _causal(moments: list[Moment]) -> list[Moment]:
    """The moments in an order where nothing is received before it was sent.

    Each end stamps its events on its own thread, after the deed: a reply can be stamped
    as received a few microseconds before the server's send of it is. So bytes received
    go after the send that completed them, and a FIN or RST heard after its sending.
    """
    sent: dict[Party, list[tuple[int, float]]] = {"client": [], "server": []}
    signals: dict[tuple[Party, str], float] = {}
    for moment in moments:
        if moment.flow == "out":
            total = (sent[moment.party][-1][0] if sent[moment.party] else 0) + moment.size
            sent[moment.party].append((total, moment.time))
        elif moment.wire in ("FIN sent", "RST sent"):
            signals.setdefault((moment.party, moment.wire), moment.time)
    received: dict[Party, int] = {"client": 0, "server": 0}
    latest: dict[Party, float] = {"client": 0.0, "server": 0.0}
    keys: list[float] = []
    for moment in moments:
        other: Party = "server" if moment.party == "client" else "client"
        cause = None
        if moment.flow == "in":
            received[moment.party] += moment.size
            cause = next((at for total, at in sent[other] if total >= received[moment.party]), None)
        elif moment.wire in _HEARD:
            cause = signals.get((other, _HEARD[moment.wire]))
        key = moment.time if cause is None or cause < moment.time else cause + AFTER
        # An end's own moments keep their order, whatever moved one of them later.
        latest[moment.party] = key = max(key, latest[moment.party])
        keys.append(key)
    order = sorted(range(len(moments)), key=lambda index: (keys[index], index))
    return [moments[index] for index in order]


def _answered_fins(moments: list[Moment]) -> list[Moment]:
    """The end that sent FIN first goes to TIME_WAIT when the other end's FIN comes: when
    that end, having heard ours, closes too (its LAST_ACK). Its own events end before
    then (its socket is closed), so the lab says it from the other end's."""
    closed_first = {moment.party for moment in moments if moment.state == "FIN_WAIT1"}
    waiting = {moment.party for moment in moments if moment.state == "TIME_WAIT"}
    answered: list[Moment] = []
    for moment in moments:
        answered.append(moment)
        other: Party = "server" if moment.party == "client" else "client"
        if moment.state == "LAST_ACK" and other in closed_first and other not in waiting:
            answered.append(
                Moment(
                    moment.time, other, "FIN from the peer: ACK sent", "TIME_WAIT", wire="FIN heard"
                )
            )
            waiting.add(other)
    return answered
