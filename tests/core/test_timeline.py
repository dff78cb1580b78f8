"""One connection's two ends on one timeline, from a real exchange on loopback."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator

import pytest

from netlab.core.endpoints import address_text
from netlab.core.events import Event, Kind, Side
from netlab.core.lab import Lab
from netlab.core.timeline import MAX_MOMENTS, ConnectionLog, Timeline, kernel_states
from tests.waits import wait_until


@pytest.fixture
def lab() -> Iterator[Lab]:
    with contextlib.closing(Lab()) as lab:
        yield lab


def _timeline(lab: Lab, log: ConnectionLog, *until: str) -> Timeline:
    """Feed the lab's events to the log until the timeline has moments in every state of
    `until`."""
    servers = {name: address_text(server.address) for name, server in lab.servers.items()}

    def there() -> bool:
        log.feed(lab.bus.drain())
        timeline = log.timeline("client-1", servers)
        return timeline is not None and set(until) <= {m.state for m in timeline.moments}

    wait_until(there, 5, f"moments in {', '.join(until)}")
    found = log.timeline("client-1", servers)
    assert found is not None
    return found


def _states(timeline: Timeline) -> list[tuple[str, str]]:
    return [(moment.party, moment.state) for moment in timeline.moments if moment.state]


def test_the_client_closing_first_waits_in_time_wait_and_the_server_passes_last_ack(
    lab: Lab,
) -> None:
    server = lab.start_server("echo:0")
    session = lab.open_session(address_text(server.address), name="client-1")
    log = ConnectionLog()
    session.send_bytes(b"hello\n")
    wait_until(lambda: any(e.kind is Kind.RECEIVED for e in _fed(lab, log)), 5, "the echo")
    session.shutdown_write()  # our FIN first
    timeline = _timeline(lab, log, "TIME_WAIT", "LAST_ACK")
    assert timeline.server == server.name
    assert _states(timeline)[-4:] == [
        ("client", "FIN_WAIT1"),
        ("server", "CLOSE_WAIT"),
        ("server", "LAST_ACK"),
        ("client", "TIME_WAIT"),
    ]
    flows = [(m.party, m.flow) for m in timeline.moments if m.flow]
    assert flows == [("client", "out"), ("server", "in"), ("server", "out"), ("client", "in")]
    assert kernel_states(timeline)["client"] == "TIME_WAIT"  # and the kernel agrees


def test_a_server_closing_first_leaves_the_time_wait_on_its_side(lab: Lab) -> None:
    server = lab.start_server("daytime:0")  # says the time and closes
    lab.open_session(address_text(server.address), name="client-1")
    timeline = _timeline(lab, ConnectionLog(), "TIME_WAIT", "LAST_ACK")
    states = _states(timeline)
    assert ("server", "FIN_WAIT1") in states and ("client", "CLOSE_WAIT") in states
    assert states[-1] == ("server", "TIME_WAIT")


def test_a_peer_outside_the_lab_has_a_timeline_of_the_client_end(lab: Lab) -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        where = address_text(listener.getsockname())
        lab.open_session(where, name="client-1")
        timeline = _timeline(lab, ConnectionLog(), "ESTABLISHED")
    assert timeline.server is None
    assert {moment.party for moment in timeline.moments} == {"client"}


def test_a_long_chat_keeps_its_newest_moments_and_counts_the_rest() -> None:
    log = ConnectionLog()
    sent = [Event(Kind.SENT, "client-1", "127.0.0.1:7", b"x", 1, side=Side.CLIENT)]
    log.feed(sent * (MAX_MOMENTS + 5))
    timeline = log.timeline("client-1", {})
    assert timeline is not None
    assert (len(timeline.moments), timeline.forgotten) == (MAX_MOMENTS, 5)


def _fed(lab: Lab, log: ConnectionLog) -> list[Event]:
    events = lab.bus.drain()
    log.feed(events)
    return events


def test_a_client_outside_the_lab_has_a_timeline_of_the_server_end(lab: Lab) -> None:
    server = lab.start_server("echo:0")
    servers = {server.name: address_text(server.address)}
    log = ConnectionLog()
    with socket.create_connection(server.address[:2], timeout=5) as client:
        client.sendall(b"hi\n")
        assert client.recv(16) == b"hi\n"
        peer = address_text(client.getsockname())
        client.shutdown(socket.SHUT_WR)
        assert client.recv(16) == b""  # the server heard our FIN and closed

        def laid_out() -> Timeline | None:
            log.feed(lab.bus.drain())
            return log.server_timeline(server.name, peer, servers)

        wait_until(lambda: "LAST_ACK" in _states_of(laid_out()), 5, "the server's close")
    timeline = laid_out()
    assert timeline is not None and timeline.session is None
    assert {moment.party for moment in timeline.moments} == {"server"}
    assert [s for _, s in _states(timeline)] == ["ESTABLISHED", "CLOSE_WAIT", "LAST_ACK"]
    assert "client" not in kernel_states(timeline)  # not the lab's to ask about


def _states_of(timeline: Timeline | None) -> set[str]:
    return {moment.state for moment in timeline.moments} if timeline else set()
