"""The lab: servers and sessions on one bus, all stopped together."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from netlab.core.client import ClientSession
from netlab.core.errors import InputError, OperationFailed
from netlab.core.events import Event, Kind
from netlab.core.lab import Lab
from netlab.core.servers import ServerOptions
from tests.waits import wait_until


def test_the_key_scenario_on_one_bus() -> None:
    lab = Lab()
    threads_before = threading.active_count()
    try:
        server = lab.start_server("echo:0")
        host, port = server.address
        session = lab.open_session(f"{host}:{port}")
        assert isinstance(session, ClientSession)  # a lab here holds its sessions itself
        session.send_text("hello")
        events: list[Event] = []

        def replied() -> bool:
            events.extend(lab.bus.drain())
            return any(e.source == session.name and e.kind is Kind.RECEIVED for e in events)

        wait_until(replied, 5)
        [reply] = [e for e in events if e.source == session.name and e.kind is Kind.RECEIVED]
        assert reply.data == b"hello\n"
        assert session.unread == 0  # the bus carried it; the session kept no copy
    finally:
        started = time.monotonic()
        lab.close()
        assert time.monotonic() - started < 2
    events += lab.bus.drain()
    kinds = {(event.source, event.kind) for event in events}
    assert (server.name, Kind.ACCEPTED) in kinds
    assert (server.name, Kind.RECEIVED) in kinds
    assert (session.name, Kind.RECEIVED) in kinds
    assert lab.servers == {} and lab.sessions == {}
    wait_until(lambda: threading.active_count() <= threads_before, 2)
    assert threading.active_count() <= threads_before


def test_closing_frees_every_port_at_once() -> None:
    lab = Lab()
    servers = [lab.start_server(spec) for spec in ("echo:0", "udp:echo:0", "daytime:0")]
    idle = socket.create_connection(servers[0].address, timeout=5)
    try:
        lab.close()
    finally:
        idle.close()
    with socket.socket() as again:
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(servers[0].address)


def test_stopping_an_unknown_server_says_so() -> None:
    with pytest.raises(InputError, match="No server named"):
        Lab().stop_server("tcp/echo:1")


def test_tcp_and_udp_servers_share_a_port_number() -> None:
    lab = Lab()
    try:
        tcp = lab.start_server("echo:0")
        port = tcp.address[1]
        udp = lab.start_server(f"udp:echo:{port}")
        assert udp.address[1] == port
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as peer:
            peer.settimeout(5)
            peer.sendto(b"ping", ("127.0.0.1", port))
            assert peer.recv(100) == b"ping"
    finally:
        lab.close()


def test_dual_stack_when_asked_serves_ipv4_and_ipv6_clients() -> None:
    lab = Lab()
    try:
        server = lab.start_server("echo:0", host="::")
        port = server.address[1]
        for family, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
            with socket.socket(family, socket.SOCK_STREAM) as peer:
                peer.settimeout(5)
                peer.connect((host, port))
                peer.sendall(b"hi\n")
                assert peer.recv(100) == b"hi\n"
    finally:
        lab.close()


def test_a_second_server_on_the_same_transport_and_port_is_refused() -> None:
    lab = Lab()
    try:
        udp = lab.start_server("udp:echo:0")
        with pytest.raises(OperationFailed, match="already serves UDP port"):
            lab.start_server(f"udp:daytime:{udp.address[1]}")
    finally:
        lab.close()


@pytest.mark.parametrize("spec", ["echo:0", "udp:daytime:0", "echo:0@async", "udp:daytime:0@async"])
def test_the_lab_knows_a_server_by_name_before_its_listening_event_goes_out(spec: str) -> None:
    lab = Lab()
    known_when_heard: list[bool] = []
    publish = lab.bus.publish

    def note(event: Event) -> None:
        if event.kind is Kind.LISTENING:
            known_when_heard.append(event.source in lab.servers)
        publish(event)

    lab.bus.publish = note  # type: ignore[method-assign]
    try:
        server = lab.start_server(spec)
        assert known_when_heard == [True]
        assert lab.servers == {server.name: server}
    finally:
        lab.close()


def test_a_server_that_cannot_start_is_not_kept() -> None:
    lab = Lab()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(OperationFailed):
            lab.start_server(f"echo:{port}")
    assert lab.servers == {}
    lab.close()


@pytest.mark.parametrize("spec", ["echo:0@iterative", "udp:daytime:0@async"])
def test_a_restart_keeps_name_port_and_options_and_counts_afresh(spec: str) -> None:
    lab = Lab()
    try:
        options: ServerOptions = (
            {"idle_timeout": 7.0, "max_conns": 3} if spec.startswith("echo") else {}
        )
        old = lab.start_server(spec, **options)
        if old.transport == "tcp":
            with socket.create_connection(old.address, timeout=5) as client:
                client.sendall(b"x")
                assert client.recv(10) == b"x"
            assert wait_until(lambda: old.total_connections == 1, 5)
        new = lab.restart_server(old.name)
        assert new is not old and not old.running and new.running
        assert lab.servers == {old.name: new}
        assert (new.name, new.address, new.model) == (old.name, old.address, old.model)
        assert new.total_connections == 0 and new.connections() == []
        assert isinstance(new, type(old))
        for option, value in options.items():
            assert getattr(new, option) == value
    finally:
        lab.close()


def test_restarting_a_server_that_is_not_there_is_one_sentence() -> None:
    lab = Lab()
    with pytest.raises(InputError, match=r"No server named 'tcp/echo:1' is running\."):
        lab.restart_server("tcp/echo:1")


def test_closing_the_lab_abandons_a_connect_under_way() -> None:
    """Quitting never waits out a connect to a peer that does not answer."""
    # A listener whose backlog is full: the kernel drops further SYNs, so a connect hangs.
    with socket.socket() as full:
        full.bind(("127.0.0.1", 0))
        full.listen(0)
        fillers = [socket.socket() for _ in range(4)]
        for filler in fillers:
            filler.setblocking(False)
            filler.connect_ex(full.getsockname())
        port = full.getsockname()[1]
        lab = Lab()
        failures: list[str] = []

        def connect() -> None:
            try:
                lab.open_session(f"127.0.0.1:{port}", connect_timeout=30)
            except OperationFailed as error:
                failures.append(str(error))

        worker = threading.Thread(target=connect)
        worker.start()
        assert wait_until(lambda: bool(lab._connecting) or bool(failures) or bool(lab.sessions))
        if lab.sessions:  # the kernel took it after all: nothing hung to abandon
            pytest.skip("this kernel accepted past the backlog")
        started = time.monotonic()
        lab.close()
        worker.join(5)
        for filler in fillers:
            filler.close()
    assert time.monotonic() - started < 1.5
    assert failures == [f"The session to 127.0.0.1:{port} was closed while connecting."]
