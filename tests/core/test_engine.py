"""A lab served over its control socket, and reached from another lab (RemoteLab)."""

from __future__ import annotations

import os
import socket
import stat
import threading
import time
from pathlib import Path

import pytest

from netlab.core.engine import codec
from netlab.core.engine import control as control_module
from netlab.core.engine.control import ControlServer
from netlab.core.engine.remote import RemoteLab
from netlab.core.errors import InputError, OperationFailed
from netlab.core.events import CloseReason, Closing, Event, Kind, Side, closed_event
from netlab.core.lab import Lab
from netlab.core.servers import parse_spec
from netlab.core.servers.faults import parse_faults
from tests.core.conftest import Served
from tests.waits import wait_until


def echo(address: tuple[str, int], data: bytes) -> bytes:
    with socket.create_connection(address, timeout=5) as client:
        client.sendall(data)
        return client.recv(len(data))


def raw_peer(path: str) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(5)
    sock.connect(path)
    return sock


def replies(sock: socket.socket, count: int) -> list[dict[str, object]]:
    """The next `count` replies (lines with an "id"), ticks and hellos skipped."""
    found: list[dict[str, object]] = []
    for line in codec.read_lines(sock, threading.Event()):
        message = codec.decode(line)
        if "id" in message:
            found.append(message)
            if len(found) == count:
                break
    return found


def test_the_socket_is_the_owners_alone(served: Served) -> None:
    mode = os.stat(served.path).st_mode
    assert stat.S_ISSOCK(mode)
    assert stat.S_IMODE(mode) == 0o600


def test_an_attached_lab_sees_the_servers_their_counts_and_their_events(
    served: Served, remote: RemoteLab
) -> None:
    server = served.lab.start_server("echo:0")
    assert wait_until(lambda: server.name in remote.servers)
    seen = remote.servers[server.name]
    assert seen.address == server.address and seen.transport == "tcp"
    assert echo(server.address, b"hello\n") == b"hello\n"
    assert wait_until(lambda: seen.messages_in == 1 and seen.bytes_out == 6)
    assert wait_until(lambda: any(c.closed is CloseReason.BY_PEER for c in seen.connections()))
    kinds: list[Kind] = []

    def closed_seen() -> bool:
        kinds.extend(event.kind for event in remote.bus.drain())
        return Kind.CLOSED in kinds

    assert wait_until(closed_seen)
    assert [k for k in kinds if k is not Kind.LISTENING] == [
        Kind.ACCEPTED,
        Kind.RECEIVED,
        Kind.SENT,
        Kind.CLOSED,
    ]


def test_servers_started_stopped_and_restarted_from_the_attached_lab_run_in_the_served_one(
    served: Served, remote: RemoteLab
) -> None:
    started = remote.start_server("echo:0", idle_timeout=30.0, allow="127.0.0.0/8")
    assert started.name in served.lab.servers
    assert echo(started.address, b"hi\n") == b"hi\n"
    again = remote.restart_server(started.name)
    assert again.address == started.address
    assert served.lab.servers[again.name].running
    remote.stop_server(again.name)
    assert again.name not in served.lab.servers
    assert again.name not in remote.servers


def test_a_parsed_spec_starts_what_it_says(remote: RemoteLab) -> None:
    spec = parse_spec("udp:daytime:0@async")
    assert parse_spec(spec.text()) == spec
    server = remote.start_server(spec)
    assert (server.transport, server.model) == ("udp", "async")


def test_a_bad_start_is_the_cores_own_sentence(remote: RemoteLab) -> None:
    with pytest.raises(InputError, match=r"^Unknown server kind 'bogus': use one of echo"):
        remote.start_server("bogus:0")
    with pytest.raises(InputError, match=r"^Idle timeout -2"):
        remote.start_server("echo:0", idle_timeout=-2.0)
    with pytest.raises(InputError, match="No server named"):
        remote.stop_server("tcp/echo:1")


def test_a_line_that_is_not_a_command_gets_one_error_and_the_peer_stays(served: Served) -> None:
    with raw_peer(served.path) as peer:
        peer.sendall(b"not json\n")
        peer.sendall(b'{"id": 7, "op": "launch"}\n')
        peer.sendall(b'{"id": 8, "op": "start", "spec": "echo:0", "options": {"bus": 1}}\n')
        peer.sendall(b'{"id": 9, "op": "servers"}\n')
        bad_json, bad_op, bad_option, good = replies(peer, 4)
    assert str(bad_json["error"]).startswith("Not a line of the control protocol")
    assert bad_op == {
        "id": 7,
        "error": (
            "Unknown command 'launch': use start, stop, restart, set_faults or servers for the "
            "lab's "
            "servers; connect, send, half_close, close, save or forget for sessions; "
            "snapshot for both."
        ),
        "input": True,
    }
    assert str(bad_option["error"]).startswith("Unknown server option 'bus'")
    assert good == {"id": 9, "ok": []}


def test_when_the_served_lab_ends_the_attached_one_says_so_in_its_last_words(
    tmp_path: Path,
) -> None:
    served = Served(tmp_path / "lab.sock")
    served.lab.start_server("echo:0")
    remote = RemoteLab(served.path)
    try:
        assert remote.servers
        served.close("netlab serve stopped")
        assert wait_until(lambda: remote.lost is not None)
        assert remote.lost == "netlab serve stopped"
        assert not remote.servers
        with pytest.raises(OperationFailed, match="is gone: netlab serve stopped"):
            remote.start_server("echo:0")
        assert not os.path.exists(served.path)
    finally:
        remote.close()


def test_detaching_leaves_the_servers_running(served: Served) -> None:
    remote = RemoteLab(served.path)
    server = remote.start_server("echo:0")
    remote.close()
    assert remote.lost == "detached"
    assert served.lab.servers[server.name].running
    assert echo(server.address, b"still\n") == b"still\n"


def test_a_peer_that_never_reads_slows_nothing_and_its_missed_events_are_counted(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(control_module, "SEND_TIMEOUT", 0.5)
    with raw_peer(served.path) as stuck:
        stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        batch = [
            Event(Kind.RECEIVED, "tcp/echo:7", "127.0.0.1:1", b"x" * 4000, 4000)
            for _ in range(1000)
        ]
        began = time.monotonic()
        for _ in range(30):  # 30,000 events of 4 KB: far more than it will ever read
            served.control.publish(batch)
        assert time.monotonic() - began < 2.0, "publishing waited for a peer"
        # The lab still answers others at once.
        other = RemoteLab(served.path)
        try:
            assert other.start_server("echo:0").running
        finally:
            other.close()


def test_a_live_lab_or_another_file_at_the_path_is_an_error_and_a_stale_socket_is_replaced(
    served: Served, tmp_path: Path
) -> None:
    with pytest.raises(OperationFailed, match="A lab already listens at"):
        ControlServer(Lab(), served.path).start()
    taken = tmp_path / "file"
    taken.write_text("mine")
    with pytest.raises(OperationFailed, match="exists and is not a socket"):
        ControlServer(Lab(), str(taken)).start()
    stale = tmp_path / "stale.sock"
    left = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    left.bind(str(stale))
    left.close()  # bound, never listening: what a lab killed with SIGKILL leaves
    control = ControlServer(Lab(), str(stale)).start()
    control.close()


def test_attaching_where_no_lab_listens_says_how_to_start_one(tmp_path: Path) -> None:
    path = tmp_path / "none.sock"
    with pytest.raises(OperationFailed, match=r"No lab listens at .*netlab serve SPEC --control"):
        RemoteLab(str(path))


def test_events_and_states_cross_the_wire_unchanged() -> None:
    closing = Closing(CloseReason.RESET, 1.5, 10, 20, "why")
    events = [
        Event(Kind.RECEIVED, "tcp/echo:7", "[::1]:5", bytes(range(256)), 300, "d", 0, 12.5),
        closed_event("client-1", "127.0.0.1:7", closing, Side.CLIENT),
    ]
    for event in events:
        assert (
            codec.event_in(codec.decode(codec.encode({"e": codec.event_out(event)}))["e"]) == event
        )
    with pytest.raises(codec.WireError):
        codec.event_in(["nonsense"])


def test_faults_started_with_and_changed_from_the_attached_lab_apply_in_the_served_one(
    served: Served, remote: RemoteLab
) -> None:
    started = remote.start_server("echo:0", faults="delay=1ms")
    assert served.lab.servers[started.name].faults == parse_faults("delay=1ms")
    changed = remote.set_faults(started.name, "drop=1")
    assert changed.faults == parse_faults("drop=1")
    assert served.lab.servers[started.name].faults == parse_faults("drop=1")
    with pytest.raises(InputError, match=r"^drop must be a fraction from 0 to 1"):
        remote.set_faults(started.name, "drop=2")
    again = remote.restart_server(started.name)
    assert served.lab.servers[again.name].faults == parse_faults("drop=1")
    assert remote.set_faults(again.name, None).faults is None
