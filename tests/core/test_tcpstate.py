"""TCP states from /proc/net/tcp{,6}, checked against real loopback sockets."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from netlab.core import tcpstate
from netlab.core.errors import InputError
from netlab.core.tcpstate import TcpState
from tests.loopback import needs_ipv6
from tests.waits import wait_until

# Rows as this kernel printed them (x86-64, little-endian), cut to the fields we read.
SAMPLE_TCP = """\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:8979 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 38250 1
   1: 0100007F:CDDC 0100007F:E8FF 08 00000000:00000001 00:00000000 00000000     0        0 40683 2
   2: 0100007F:E8FF 0100007F:CDDC 06 00000000:00000000 03:0000175B 00000000     0        0 0 3
   3: garbage line
"""
SAMPLE_TCP6 = """\
  sl  local_address                         remote_address                        st tx_queue
   0: 00000000000000000000000001000000:EC71 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 39833 1
   1: 0000000000000000FFFF00000100007F:D643 0000000000000000FFFF00000100007F:C27C 01 00000000:00000000 00:00000000 00000000     0        0 39838 1
"""  # noqa: E501


def _probe_table() -> str | None:
    """Why the real-socket tests cannot run here, or None if they can."""
    if not tcpstate.available():
        return "no /proc/net/tcp on this system (not Linux)"
    with socket.create_server(("127.0.0.1", 0)) as listener:
        client = socket.create_connection(listener.getsockname(), timeout=5)
        accepted, _ = listener.accept()
        with client, accepted:
            if tcpstate.tcp_state(client.getsockname(), client.getpeername()) is None:
                return "this kernel's /proc/net/tcp does not list loopback connections (gVisor?)"
    return None


_WHY_NOT = _probe_table()
needs_proc = pytest.mark.skipif(_WHY_NOT is not None, reason=_WHY_NOT or "")


def _wait_state(local: object, remote: object, wanted: set[TcpState | None]) -> TcpState | None:
    """Poll (at most 3 s) until the socket reaches one of `wanted`; the last state seen."""
    state = tcpstate.tcp_state(local, remote)

    def reached() -> bool:
        nonlocal state
        state = tcpstate.tcp_state(local, remote)
        return state in wanted

    if state not in wanted:
        wait_until(reached, 3)
    return state


class Pair:
    """A listener, a client and the accepted socket, all on loopback."""

    def __init__(self, family: socket.AddressFamily, host: str, connect_to: str) -> None:
        self.listener = socket.socket(family, socket.SOCK_STREAM)
        if family == socket.AF_INET6:
            self.listener.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        self.listener.bind((host, 0))
        self.listener.listen()
        self.port = self.listener.getsockname()[1]
        self.client = socket.create_connection((connect_to, self.port), timeout=5)
        self.server, _ = self.listener.accept()
        self.client_ends = (self.client.getsockname(), self.client.getpeername())
        self.server_ends = (self.server.getsockname(), self.server.getpeername())

    def close(self) -> None:
        for sock in (self.client, self.server, self.listener):
            sock.close()


@pytest.fixture
def pair() -> Iterator[Pair]:
    made = Pair(socket.AF_INET, "127.0.0.1", "127.0.0.1")
    try:
        yield made
    finally:
        made.close()


# -- parsing (pure) ---------------------------------------------------------------------


def test_parse_ipv4_rows_with_their_states() -> None:
    rows = tcpstate.parse_table(SAMPLE_TCP, byteorder="little")
    assert [row.state for row in rows] == [
        TcpState.LISTEN,
        TcpState.CLOSE_WAIT,
        TcpState.TIME_WAIT,
    ]
    assert rows[0].local_text == "127.0.0.1:35193"
    assert rows[0].remote_text == "0.0.0.0:0"
    assert rows[0].uid == 1000
    assert rows[1].remote == (ipaddress.ip_address("127.0.0.1"), 0xE8FF)
    assert rows[2].inode == 0


def test_parse_ipv6_and_ipv4_mapped_rows() -> None:
    rows = tcpstate.parse_table(SAMPLE_TCP6, byteorder="little")
    assert rows[0].local_text == "[::1]:60529"
    assert rows[0].state is TcpState.LISTEN
    # ::ffff:127.0.0.1 is shown, and compared, as plain IPv4.
    assert rows[1].local_text == "127.0.0.1:54851"
    assert rows[1].state is TcpState.ESTABLISHED


def test_a_big_endian_machine_prints_words_the_other_way_round() -> None:
    text = "header\n   0: 7F000001:0050 00000000:0000 0A 0 0 0 0 0 123 1\n"
    (row,) = tcpstate.parse_table(text, byteorder="big")
    assert row.local_text == "127.0.0.1:80"


def test_lookup_in_given_tables(tmp_path: Path) -> None:
    (tmp_path / "tcp").write_text(SAMPLE_TCP)
    (tmp_path / "tcp6").write_text(SAMPLE_TCP6)
    tables = [tmp_path / "tcp", tmp_path / "tcp6"]
    state = tcpstate.tcp_state("127.0.0.1:52700", "127.0.0.1:59647", tables=tables)
    assert state is TcpState.CLOSE_WAIT
    assert tcpstate.tcp_state("[::1]:60529", tables=tables) is TcpState.LISTEN
    mapped = tcpstate.tcp_state(
        ("::ffff:127.0.0.1", 54851, 0, 0), ("127.0.0.1", 49788), tables=tables
    )
    assert mapped is TcpState.ESTABLISHED
    assert tcpstate.tcp_state("127.0.0.1:1", "127.0.0.1:2", tables=tables) is None


def test_no_tables_means_the_system_cannot_tell(tmp_path: Path) -> None:
    missing = [tmp_path / "tcp", tmp_path / "tcp6"]
    assert tcpstate.tcp_state("127.0.0.1:80", "127.0.0.1:9", tables=missing) is None
    assert tcpstate.sockets_on_port(80, tables=missing) is None


@pytest.mark.parametrize("bad", ["nonsense", "127.0.0.1", "host:80", ("::1",), 7])
def test_addresses_that_are_not_socket_addresses_are_bad_input(bad: object) -> None:
    with pytest.raises(InputError):
        tcpstate.normalize(bad)


def test_port_for_the_listing_must_be_a_port() -> None:
    with pytest.raises(InputError):
        tcpstate.sockets_on_port(70000)


# -- real sockets ---------------------------------------------------------------------------


@needs_proc
def test_an_established_pair_is_established_on_both_sides(pair: Pair) -> None:
    assert tcpstate.tcp_state(*pair.client_ends) is TcpState.ESTABLISHED
    assert tcpstate.tcp_state(*pair.server_ends) is TcpState.ESTABLISHED
    # Text addresses, as the client session and the servers write them, work too.
    local, remote = pair.client_ends
    assert (
        tcpstate.tcp_state(f"{local[0]}:{local[1]}", f"{remote[0]}:{remote[1]}")
        is TcpState.ESTABLISHED
    )


@needs_proc
def test_a_listener_is_listening(pair: Pair) -> None:
    assert tcpstate.tcp_state(pair.listener.getsockname()) is TcpState.LISTEN


@needs_proc
def test_after_the_peer_closes_this_side_is_in_close_wait(pair: Pair) -> None:
    pair.server.close()
    assert _wait_state(*pair.client_ends, {TcpState.CLOSE_WAIT}) is TcpState.CLOSE_WAIT
    # The side that closed first waits for our FIN.
    assert tcpstate.tcp_state(*pair.server_ends) in {TcpState.FIN_WAIT2, TcpState.FIN_WAIT1}


@needs_proc
def test_the_side_that_closes_first_ends_in_time_wait(pair: Pair) -> None:
    pair.server.close()
    _wait_state(*pair.client_ends, {TcpState.CLOSE_WAIT})
    pair.client.close()
    state = _wait_state(*pair.server_ends, {TcpState.TIME_WAIT})
    assert state is TcpState.TIME_WAIT
    # The passive closer is gone entirely once its FIN is acknowledged.
    assert _wait_state(*pair.client_ends, {None, TcpState.LAST_ACK}) in {None, TcpState.LAST_ACK}


@needs_proc
def test_a_connection_nobody_has_is_not_found(pair: Pair) -> None:
    local = pair.client.getsockname()
    assert tcpstate.tcp_state(local, ("127.0.0.1", 9)) is None


@needs_proc
def test_every_socket_on_a_servers_port(pair: Pair) -> None:
    second = socket.create_connection(("127.0.0.1", pair.port), timeout=5)
    accepted, _ = pair.listener.accept()
    with second, accepted:
        rows = tcpstate.sockets_on_port(pair.port)
        assert rows is not None
        assert rows[0].state is TcpState.LISTEN
        peers = {row.remote_text: row.state for row in rows[1:]}
        for client in (pair.client, second):
            host, port = client.getsockname()
            assert peers[f"{host}:{port}"] is TcpState.ESTABLISHED


@needs_proc
@needs_ipv6
def test_ipv6_connections() -> None:
    made = Pair(socket.AF_INET6, "::1", "::1")
    try:
        assert tcpstate.tcp_state(*made.client_ends) is TcpState.ESTABLISHED
        assert tcpstate.tcp_state(*made.server_ends) is TcpState.ESTABLISHED
        assert tcpstate.tcp_state(made.listener.getsockname()) is TcpState.LISTEN
        made.client.close()
        assert _wait_state(*made.server_ends, {TcpState.CLOSE_WAIT}) is TcpState.CLOSE_WAIT
    finally:
        made.close()


@needs_proc
@needs_ipv6
def test_an_ipv4_client_of_a_dual_stack_listener() -> None:
    # Bound to ::ffff:127.0.0.1, so it listens on loopback only yet speaks IPv4.
    made = Pair(socket.AF_INET6, "::ffff:127.0.0.1", "127.0.0.1")
    try:
        local, remote = made.server_ends
        assert str(local[0]) == "::ffff:127.0.0.1"
        assert tcpstate.tcp_state(local, remote) is TcpState.ESTABLISHED
        assert tcpstate.tcp_state(("127.0.0.1", local[1]), remote) is TcpState.ESTABLISHED
        assert tcpstate.tcp_state(*made.client_ends) is TcpState.ESTABLISHED
    finally:
        made.close()
