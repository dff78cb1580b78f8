"""Lab servers under hostile peers: clients that never read, floods from one address,
and the allow and deny lists; in the threaded, iterative and async models."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from netlab.core.bus import EventBus
from netlab.core.errors import InputError
from netlab.core.events import CloseReason, Event, Kind
from netlab.core.servers import TcpServer
from netlab.core.servers.admission import CPS, PER_SOURCE, Admission, parse_networks
from netlab.core.servers.tcp import WRITE_TIMEOUT
from tests.loopback import needs_ipv6

from .conftest import TIMEOUT, Seen, recv_exactly, wait_for

StartTcp = Callable[..., TcpServer]
Connect = Callable[[Any], socket.socket]

WRITE = 0.5
"""The write timeout the tests give: short, so a test waits half a second, not ten."""
CHUNK = b"x" * 65536


@pytest.fixture(params=["threaded", "iterative", "async"])
def any_model(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def never_reader(server: TcpServer) -> socket.socket:
    """A client with a small receive buffer, non-blocking, that will never recv()."""
    assert server.address is not None
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connecting
    sock.settimeout(TIMEOUT)
    sock.connect(server.address[:2])
    sock.setblocking(False)
    return sock


def wedge(clients: list[socket.socket], limit: float = 10.0) -> int:
    """Send to each client's server until nothing more goes anywhere: the servers' sends
    are then stuck behind what the clients never read. Returns the bytes sent.

    Stops early when a client is reset: the server already let it go.
    """
    sent, still, deadline = 0, 0, time.monotonic() + limit
    while still < 3 and time.monotonic() < deadline:
        went = 0
        for client in clients:
            with contextlib.suppress(BlockingIOError):
                try:
                    went += client.send(CHUNK)
                except OSError:
                    return sent  # reset: dropped already
        sent += went
        still = 0 if went else still + 1
        time.sleep(0.01)  # on purpose: "nothing more goes" is three quiet ticks
    return sent


def small_buffers(server: TcpServer) -> None:
    """Keep the server's own socket buffers small (accepted sockets inherit them), so a
    hundred wedged clients take a few megabytes between them, not autotuned gigabytes."""
    listener = server._sock
    assert listener is not None
    for option in (socket.SO_SNDBUF, socket.SO_RCVBUF):
        listener.setsockopt(socket.SOL_SOCKET, option, 16384)


def closed_at_once(address: Any) -> None:
    """Connect, and see the server close at once, as it does a connection it refuses."""
    with (
        socket.create_connection(address[:2], timeout=TIMEOUT) as client,
        contextlib.suppress(ConnectionResetError),
    ):
        assert client.recv(10) == b""


def closes(seen: Seen, reason: str) -> list[Event]:
    return [e for e in seen.closed() if e.detail.startswith(reason)]


def refusals(seen: Seen) -> list[str]:
    return [e.detail for e in seen.of(Kind.REFUSED)]


# -- the write timeout ------------------------------------------------------------------


def test_a_client_that_never_reads_is_dropped_after_the_write_timeout(
    tcp_server: StartTcp, connect: Connect, bus: EventBus, any_model: str
) -> None:
    server = tcp_server("echo", model=any_model, write_timeout=WRITE)
    sleeper = never_reader(server)
    try:
        started = time.monotonic()
        assert wedge([sleeper]) > 0
        seen = Seen(bus)
        assert wait_for(lambda: bool(closes(seen, CloseReason.NOT_READING)), WRITE * 4 + 2)
        assert time.monotonic() - started < WRITE * 4 + 3
        assert server.dropped_slow == 1 and server.errors == 0
        [closed] = seen.closed()
        assert closed.detail.startswith("peer not reading; ")
        # The slot is free again, also for the iterative server's one client at a time.
        client = connect(server)
        client.sendall(b"next")
        assert recv_exactly(client, 4) == b"next"
    finally:
        sleeper.close()


def test_a_slow_client_that_reads_is_served_however_long_it_takes(
    tcp_server: StartTcp, any_model: str
) -> None:
    limit = 0.3
    server = tcp_server("echo", model=any_model, write_timeout=limit)
    small_buffers(server)
    assert server.address is not None
    payload = bytes(range(256)) * 512  # 128 KB: far more than the buffers between us
    with socket.socket() as client:
        client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        client.settimeout(TIMEOUT)
        client.connect(server.address[:2])
        sender = threading.Thread(target=client.sendall, args=(payload,), daemon=True)
        started = time.monotonic()
        sender.start()
        back = bytearray()
        # 4 KB every 50 ms: the async server's buffer takes longer than the limit to
        # drain, so its write timer sees progress rather than a resume, and goes on.
        for _ in range(2000):
            if len(back) >= len(payload):
                break
            time.sleep(0.05)  # on purpose: the slow reader this test is about
            back += client.recv(4096)
        sender.join(TIMEOUT)
        took = time.monotonic() - started
    assert bytes(back) == payload
    assert took > 3 * limit, "not slow enough to show the limit is not on the total"
    assert server.dropped_slow == 0


def test_a_hundred_clients_that_never_read_do_not_lock_anyone_out(
    tcp_server: StartTcp, connect: Connect, bus: EventBus, model: str
) -> None:
    server = tcp_server(
        "echo",
        model=model,
        write_timeout=WRITE,
        max_conns=101,
        per_source=101,
        bus=EventBus(capacity=100_000),
    )
    small_buffers(server)
    normal = connect(server)
    normal.sendall(b"before")
    assert recv_exactly(normal, 6) == b"before"
    sleepers = [never_reader(server) for _ in range(100)]
    try:
        assert wait_for(lambda: server.open_connections == 101)
        wedge(sleepers)
        # The client that reads is served while the hundred are stuck.
        normal.sendall(b"during")
        assert recv_exactly(normal, 6) == b"during"
        assert wait_for(lambda: server.dropped_slow == 100, WRITE * 4 + 5)
        assert wait_for(lambda: server.open_connections == 1)
        normal.sendall(b"after")
        assert recv_exactly(normal, 5) == b"after"
        newcomer = connect(server)
        newcomer.sendall(b"new")
        assert recv_exactly(newcomer, 3) == b"new"
        assert server.errors == 0
    finally:
        for sleeper in sleepers:
            sleeper.close()


def test_stop_is_prompt_with_clients_stuck_writing(bus: EventBus, model: str) -> None:
    threads_before = threading.active_count()
    server = TcpServer("echo", model=model, bus=bus, write_timeout=60)  # type: ignore[arg-type]
    host, port = server.start()
    sleepers = [never_reader(server) for _ in range(3)]
    try:
        assert wait_for(lambda: server.open_connections == 3)
        wedge(sleepers)
    finally:
        started = time.monotonic()
        server.stop()
        took = time.monotonic() - started
        for sleeper in sleepers:
            sleeper.close()
    assert took < 1
    assert server.open_connections == 0 and server.dropped_slow == 0
    assert wait_for(lambda: threading.active_count() <= threads_before)
    with socket.socket() as again:  # the port is free at once
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind((host, port))


def test_write_timeout_checks() -> None:
    assert TcpServer("echo", write_timeout=None).write_timeout is None
    for bad in (0, -1.0):
        with pytest.raises(InputError, match="Write timeout"):
            TcpServer("echo", write_timeout=bad)


# -- per-source limits ------------------------------------------------------------------


def test_connections_at_once_from_one_address_are_limited(
    tcp_server: StartTcp, connect: Connect, bus: EventBus, model: str
) -> None:
    server = tcp_server("echo", model=model, per_source=2)
    kept = [connect(server), connect(server)]
    for client in kept:
        client.sendall(b"x")
        assert recv_exactly(client, 1) == b"x"
    extra = connect(server)
    with contextlib.suppress(ConnectionResetError):
        assert extra.recv(10) == b""  # accepted and closed at once
    seen = Seen(bus)
    assert wait_for(lambda: server.refused == 1)
    assert refusals(seen) == ["over its limit of 2 connections at once from 127.0.0.1"]
    assert server.admission.crowded == 1
    # One closing makes room for one more.
    kept.pop().close()
    assert wait_for(lambda: server.open_connections == 1)
    again = connect(server)
    again.sendall(b"y")
    assert recv_exactly(again, 1) == b"y"
    assert server.refused == 1


def test_the_default_per_source_limit_leaves_half_the_slots(
    tcp_server: StartTcp, connect: Connect, bus: EventBus, model: str
) -> None:
    server = tcp_server("echo", model=model)
    assert (server.max_conns, server.admission.per_source) == (100, PER_SOURCE) == (100, 50)
    clients = [connect(server) for _ in range(60)]
    assert wait_for(lambda: server.open_connections == 50 and server.refused == 10)
    assert set(refusals(Seen(bus))) == {"over its limit of 50 connections at once from 127.0.0.1"}
    clients[0].sendall(b"ok")
    assert recv_exactly(clients[0], 2) == b"ok"


def test_new_connections_a_second_from_one_address_are_limited(
    tcp_server: StartTcp, bus: EventBus, model: str
) -> None:
    server = tcp_server("echo", model=model, cps=5)
    assert server.address is not None
    started = time.monotonic()
    for _ in range(10):
        with socket.create_connection(server.address, timeout=TIMEOUT):
            pass
    quick = time.monotonic() - started < 0.2  # at most one more token came meanwhile
    assert wait_for(lambda: server.total_connections + server.refused == 10)
    if quick:
        assert 5 <= server.total_connections <= 6
    seen = Seen(bus)
    assert set(refusals(seen)) == {"over 5 new connections a second from 127.0.0.1"}
    assert server.refused == server.admission.rated == 10 - server.total_connections
    # The bucket fills again: 5 a second is a connection every 0.2 s. A peer's back-off,
    # on purpose: the bucket fills with time alone, so there is nothing else to wait on,
    # and any wait past 0.2 s is enough however loaded the machine.
    time.sleep(0.25)
    with socket.create_connection(server.address, timeout=TIMEOUT) as late:
        late.sendall(b"z")
        assert recv_exactly(late, 1) == b"z"


def test_a_flood_of_connections_is_cut_to_the_rate(tcp_server: StartTcp, model: str) -> None:
    """Connections as fast as one client can open them: only the rate's worth are served."""
    rate, flood = 50, 150
    server = tcp_server("echo", model=model, cps=rate, bus=EventBus(capacity=10_000))
    assert server.address is not None
    started = time.monotonic()
    for _ in range(flood):
        with socket.create_connection(server.address, timeout=TIMEOUT):
            pass
    assert wait_for(lambda: server.total_connections + server.refused == flood)
    # Until the server has seen the last of them: a busy accept loop admits after the
    # client is done, and the bucket refills meanwhile.
    took = time.monotonic() - started
    most = rate + rate * took + 1  # the burst, and what came in meanwhile
    assert rate <= server.total_connections <= most
    assert server.refused == server.admission.rated >= flood - most


def test_the_defaults() -> None:
    server = TcpServer("echo")
    assert (server.admission.per_source, server.admission.cps) == (PER_SOURCE, CPS) == (50, 200)
    assert server.admission.allow is None and server.admission.deny == ()
    assert server.write_timeout == WRITE_TIMEOUT == 10.0


# -- allow and deny ---------------------------------------------------------------------


def test_an_address_not_in_the_allow_list_is_refused(
    tcp_server: StartTcp, connect: Connect, bus: EventBus, any_model: str
) -> None:
    server = tcp_server("echo", model=any_model, allow="10.0.0.0/8, 192.168.0.0/16")
    client = connect(server)
    with contextlib.suppress(ConnectionResetError):
        assert client.recv(10) == b""
    assert wait_for(lambda: server.refused == 1)
    assert refusals(Seen(bus)) == ["not in the allow list"]
    assert server.total_connections == 0 and server.admission.listed == 1


def test_deny_wins_over_allow(
    tcp_server: StartTcp, connect: Connect, bus: EventBus, any_model: str
) -> None:
    server = tcp_server("echo", model=any_model, allow=["127.0.0.0/8,::1"], deny="127.0.0.1")
    client = connect(server)
    with contextlib.suppress(ConnectionResetError):
        assert client.recv(10) == b""
    assert wait_for(lambda: server.refused == 1)
    assert refusals(Seen(bus)) == ["in the deny list"]


def test_an_allowed_address_is_served(tcp_server: StartTcp, connect: Connect, model: str) -> None:
    server = tcp_server("echo", model=model, allow=["127.0.0.0/8", "::1"], deny=["10.0.0.0/8"])
    client = connect(server)
    client.sendall(b"in")
    assert recv_exactly(client, 2) == b"in"
    assert server.refused == 0


@needs_ipv6
def test_ipv6_peers_meet_the_lists(tcp_server: StartTcp, bus: EventBus, model: str) -> None:
    allowed = tcp_server("echo", host="::1", model=model, allow="::1/128")
    with socket.create_connection(allowed.address, timeout=TIMEOUT) as client:  # type: ignore[arg-type]
        client.sendall(b"six")
        assert recv_exactly(client, 3) == b"six"
    denied = tcp_server("echo", host="::1", model=model, allow="127.0.0.1")
    closed_at_once(denied.address)
    assert wait_for(lambda: denied.refused == 1)
    assert "not in the allow list" in refusals(Seen(bus))


@needs_ipv6
def test_an_ipv4_peer_of_a_dual_stack_listener_is_its_ipv4_address(
    tcp_server: StartTcp, bus: EventBus, model: str
) -> None:
    # An IPv6 socket on ::ffff:127.0.0.1 takes IPv4 loopback clients as ::ffff:127.0.0.1,
    # as a dual-stack "::" listener would, without listening beyond this machine.
    server = tcp_server("echo", host="::ffff:127.0.0.1", model=model, deny="127.0.0.1", cps=None)
    assert server.address is not None
    closed_at_once(("127.0.0.1", server.address[1]))
    assert wait_for(lambda: server.refused == 1)
    [refused] = Seen(bus).of(Kind.REFUSED)
    assert refused.detail == "in the deny list" and refused.peer.startswith("127.0.0.1:")
    limited = tcp_server("echo", host="::ffff:127.0.0.1", model=model, per_source=1)
    assert limited.address is not None
    where = ("127.0.0.1", limited.address[1])
    with socket.create_connection(where, timeout=TIMEOUT) as first:
        first.sendall(b"1")
        assert recv_exactly(first, 1) == b"1"
        closed_at_once(where)
        assert wait_for(lambda: limited.refused == 1)
    assert "over its limit of 1 connection at once from 127.0.0.1" in refusals(Seen(bus))


# -- the rule itself ----------------------------------------------------------------------


def test_admission_rule() -> None:
    rule = Admission(per_source=2, cps=None, allow="127.0.0.0/8,::1", deny=["127.0.0.9"])
    assert rule.admit("127.0.0.1") is None
    assert rule.admit("::ffff:127.0.0.1") is None  # the same source, mapped
    assert rule.admit("127.0.0.1") == "over its limit of 2 connections at once from 127.0.0.1"
    rule.release("::ffff:127.0.0.1")
    assert rule.admit("127.0.0.1") is None
    assert rule.admit("::1") is None
    assert rule.admit("127.0.0.9") == "in the deny list"
    assert rule.admit("::ffff:127.0.0.9") == "in the deny list"
    assert rule.admit("10.1.2.3") == "not in the allow list"
    assert rule.admit("fe80::1%lo") == "not in the allow list"
    assert (rule.listed, rule.crowded, rule.rated) == (4, 1, 0)
    for _ in range(3):
        rule.release("127.0.0.1")
    rule.release("127.0.0.1")  # more releases than admits change nothing
    assert rule.admit("127.0.0.1") is None

    open_door = Admission(per_source=None, cps=None)
    assert all(open_door.admit("127.0.0.1") is None for _ in range(1000))
    rated = Admission(per_source=None, cps=1)
    assert rated.admit("::1") is None
    assert rated.admit("::1") == "over 1 new connection a second from ::1"


def test_address_lists_read_and_refused() -> None:
    assert [str(n) for n in parse_networks(["127.0.0.0/8,::1", " 10.1.2.3/8 "])] == [
        "127.0.0.0/8",
        "::1/128",
        "10.0.0.0/8",
    ]
    for bad, words in (
        ("10.0.0.300", "'10.0.0.300' in the allow list is not an address or network"),
        ("localhost", "'localhost' in the allow list is not an address or network"),
        ("127.0.0.0/33", "is not an address or network: write one such as 127.0.0.1"),
        (",", "The allow list is empty"),
        (",".join(["::1"] * 1001), "The allow list is too long"),
    ):
        with pytest.raises(InputError, match=words):
            parse_networks(bad, "allow list")
    with pytest.raises(InputError, match="'nope' in the deny list"):
        TcpServer("echo", deny="nope")
    with pytest.raises(InputError, match="per-source limit 0"):
        TcpServer("echo", per_source=0)
    with pytest.raises(InputError, match="new-connection rate 0"):
        TcpServer("echo", cps=0)


@pytest.mark.parametrize("model", ["threaded", "async"])
def test_a_udp_server_answers_only_whom_its_lists_let_in(
    udp_server: Callable[..., Any], bus: EventBus, model: str
) -> None:
    denied = udp_server("echo", model=model, deny="127.0.0.1")
    allowed = udp_server("echo", model=model, allow="127.0.0.0/8")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
        client.settimeout(TIMEOUT)
        client.sendto(b"ping", allowed.address)
        assert client.recvfrom(64)[0] == b"ping"
        client.sendto(b"ping", denied.address)
        assert wait_for(lambda: denied.refused == 1)
    [unanswered] = [e for e in Seen(bus).of(Kind.DATAGRAM_IN) if e.source == denied.name]
    assert unanswered.detail == "not answered: in the deny list"
    assert denied.messages_out == 0
