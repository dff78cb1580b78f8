"""`netlab serve` against hostile peers: its limits as options, and SIGTERM as Ctrl-C."""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import time

import pytest

from netlab.cli import build_parser
from netlab.cli.sockets import READING_INDENT, _server_options, print_events
from netlab.core.endpoints import address_text
from netlab.core.events import Event, Kind
from netlab.core.lab import Lab, Server
from netlab.core.servers.admission import CPS, PER_SOURCE
from netlab.core.servers.tcp import WRITE_TIMEOUT
from tests.cli.run import netlab
from tests.cli.schema import EVENT_KEYS, check_schema
from tests.cli.test_cli_sockets import Serve
from tests.waits import wait_until


def port_of(server: Serve, kind: str = "tcp/echo") -> int:
    return int(server.addresses[kind].rsplit(":", 1)[1])


def ended(server: Serve, how: signal.Signals) -> int:
    """Send `how`, and the exit status once it has gone (bounded)."""
    server.process.send_signal(how)
    try:
        return server.process.wait(timeout=5)
    finally:
        server.stop()  # kills and reaps it if it is somehow still there


def refused_on_connect(port: int) -> None:
    """Connect and see the server close at once, as it does a refused connection."""
    with (
        socket.create_connection(("127.0.0.1", port), timeout=5) as client,
        contextlib.suppress(ConnectionResetError),
    ):
        assert client.recv(10) == b""


def test_limits_and_lists_are_options() -> None:
    server = Serve(
        "echo:0",
        options=(
            "--per-source",
            "1",
            "--cps",
            "100",
            "--write-timeout",
            "0.5",
            "--allow",
            "127.0.0.0/8,::1",
            "--allow",
            "192.168.0.0/16",
            "--deny",
            "10.0.0.0/8",
        ),
    )
    try:
        with socket.create_connection(("127.0.0.1", port_of(server)), timeout=5) as kept:
            kept.sendall(b"hi")
            assert kept.recv(10) == b"hi"
            refused_on_connect(port_of(server))
            line = server.wait_for("refused")
        assert line.endswith("over its limit of 1 connection at once from 127.0.0.1")
    finally:
        assert server.stop() == 0


def test_a_denied_address_is_refused_and_logged() -> None:
    server = Serve("echo:0", options=("--deny", "127.0.0.1"))
    try:
        refused_on_connect(port_of(server))
        assert server.wait_for("refused").endswith("in the deny list")
        with socket.create_connection(("127.0.0.1", port_of(server)), timeout=5):
            pass
        assert server.wait_for("refused").endswith("in the deny list")
    finally:
        assert server.stop() == 0


def test_a_client_that_never_reads_is_dropped_by_the_write_timeout() -> None:
    server = Serve("echo:0", options=("--write-timeout", "0.5"))
    try:
        with socket.socket() as sleeper:
            sleeper.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sleeper.settimeout(5)
            sleeper.connect(("127.0.0.1", port_of(server)))
            sleeper.setblocking(False)
            chunk = b"x" * 65536
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:  # until the server resets it
                try:
                    sleeper.send(chunk)
                except BlockingIOError:
                    time.sleep(0.01)  # a writer's back-off while the buffers are full
                except OSError:
                    break
            line = server.wait_for("closed", timeout=10)
        assert "  peer not reading; " in line
    finally:
        assert server.stop() == 0


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_stops_as_ctrl_c_does_with_the_closing_lines(how: signal.Signals) -> None:
    server = Serve("echo:0")
    port = port_of(server)
    idle = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        server.wait_for("accepted")
        started = time.monotonic()
        assert ended(server, how) == 0
        assert time.monotonic() - started < 3
        assert "closed  127.0.0.1:" in server.wait_for("server stopping")
        assert server.wait_for("stopped").endswith("stopped  1 connection served")
    finally:
        idle.close()
    assert server.process.stderr is not None
    assert "Traceback" not in server.process.stderr.read()
    with socket.socket() as again:  # the port is free
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", port))


def test_sigterm_with_json_ends_with_the_stopped_events() -> None:
    server = Serve("echo:0", "udp:daytime:0", as_json=True)
    assert ended(server, signal.SIGTERM) == 0
    last = [json.loads(server.wait_for('"event": "stopped"')) for _ in range(2)]
    assert sorted(event["source"].split(":")[0] for event in last) == ["tcp/echo", "udp/daytime"]
    assert all(event["local"] and event["detail"] for event in last)


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (("--allow", "127.0.0.300"), "'127.0.0.300' in the allow list is not an address"),
        (("--deny", "example.com"), "'example.com' in the deny list is not an address"),
        (("--allow", ","), "The allow list is empty"),
        (("--fault", "dely=1s"), "Unknown fault 'dely': use delay, drop"),
    ],
)
def test_a_bad_list_is_one_line_and_nothing_starts(options: tuple[str, ...], words: str) -> None:
    result = netlab("serve", "echo:0", *options)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith(f"netlab serve: {words}")


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (("--per-source", "0"), "argument --per-source: '0' is not a count"),
        (("--cps", "many"), "argument --cps: 'many' is not a count"),
        (("--write-timeout", "0"), "argument --write-timeout: 0 is out of range"),
    ],
)
def test_a_bad_number_is_a_usage_error(options: tuple[str, ...], words: str) -> None:
    result = netlab("serve", "echo:0", *options)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1].startswith(f"netlab serve: error: {words}")


def test_unset_options_leave_the_servers_defaults_and_the_help_says_them() -> None:
    args = build_parser().parse_args(["serve", "echo:0"])
    assert (args.write_timeout, args.per_source, args.cps, args.allow, args.deny) == (None,) * 5
    args = build_parser().parse_args(
        ["serve", "echo:0", "--allow", "::1", "--allow", "127.0.0.1,10.0.0.0/8"]
    )
    assert args.allow == ["::1", "127.0.0.1,10.0.0.0/8"]
    result = netlab("serve", "--help")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    assert f"progress this long (default {WRITE_TIMEOUT:g})" in text
    assert f"connections at once from one address (default {PER_SOURCE})" in text
    assert f"new connections a second from one address (default {CPS})" in text


def test_what_a_time_server_sends_is_printed_with_netlabs_reading(
    time_lab: tuple[Lab, Server], capsys: pytest.CaptureFixture[str]
) -> None:
    """serve's lines for a lab time server's events, text and JSON, made in this process."""
    lab, server = time_lab
    with socket.create_connection(server.address, timeout=5) as client:
        seconds = int.from_bytes(client.recv(4), "big")
    events: list[Event] = []

    def seen_sent() -> bool:
        events.extend(lab.bus.drain())
        return any(event.kind is Kind.SENT for event in events)

    wait_until(seen_sent, what="the sent event")
    listening = {server.name: address_text(server.address)}
    meaning = f"RFC 868 time: {seconds:,} s since 1900-01-01 UTC = "

    print_events(events, listening, as_json=False)
    lines = capsys.readouterr().out.splitlines()
    sent = next(n for n, line in enumerate(lines) if "  sent  " in line)
    assert lines[sent + 1].startswith(f"{READING_INDENT}netlab reads it as {meaning}")
    assert sum("netlab reads it as" in line for line in lines) == 1  # the sent event's alone

    print_events(events, listening, as_json=True)
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    for event in logged:
        assert set(event) == EVENT_KEYS
        check_schema(event)
    readings = {event["event"]: event["reading"] for event in logged}
    assert readings["sent"].startswith(meaning)
    assert readings["listening"] is None and readings["accepted"] is None


def test_a_fault_reaches_the_servers_and_prints_as_netlabs_doing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """serve's --fault, made into a server's options and its fault events' lines, in this
    process."""
    args = build_parser().parse_args(["serve", "echo:0", "--fault", "close-after=1"])
    [spec] = args.specs
    lab = Lab()
    events: list[Event] = []
    try:
        server = lab.start_server(spec, **_server_options(spec, args, None, None))
        with socket.create_connection(server.address, timeout=5) as client:
            client.sendall(b"hi")
            assert client.recv(10) == b"hi"

        def seen_fault() -> bool:
            events.extend(lab.bus.drain())
            return any(event.kind is Kind.FAULT for event in events)

        wait_until(seen_fault, what="the fault event")
        print_events(events, {}, as_json=False)
        print_events(events, {}, as_json=True)
    finally:
        lab.close()
    lines = capsys.readouterr().out.splitlines()
    assert any(
        "  fault  127.0.0.1:" in line
        and line.endswith("closed the connection (fault close-after=1)")
        for line in lines
    )
    [fault] = [json.loads(line) for line in lines if line.startswith("{") and '"fault"' in line]
    check_schema(fault)
    assert fault["detail"] == "closed the connection (fault close-after=1)"
