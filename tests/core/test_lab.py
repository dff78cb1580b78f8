"""The lab: servers and sessions on one bus, all stopped together."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from netlab.core.errors import InputError
from netlab.core.events import Kind
from netlab.core.lab import Lab


def test_the_key_scenario_on_one_bus() -> None:
    lab = Lab()
    threads_before = threading.active_count()
    try:
        server = lab.start_server("echo:0")
        host, port = server.address
        session = lab.open_session(f"{host}:{port}")
        session.send_text("hello")
        assert session.wait_for(b"hello\n", timeout=5) == b"hello\n"
    finally:
        started = time.monotonic()
        lab.close()
        assert time.monotonic() - started < 2
    kinds = {(event.source, event.kind) for event in lab.bus.drain()}
    assert (server.name, Kind.ACCEPTED) in kinds
    assert (server.name, Kind.RECEIVED) in kinds
    assert (session.name, Kind.RECEIVED) in kinds
    assert lab.servers == {} and lab.sessions == {}
    deadline = time.monotonic() + 2
    while threading.active_count() > threads_before and time.monotonic() < deadline:
        time.sleep(0.02)
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
