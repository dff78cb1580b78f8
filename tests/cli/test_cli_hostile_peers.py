"""`connect` and `send` against peers that flood, answer only at end of input, say
nothing, or send bytes that are not text: nothing lost, nothing mangled."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

import pytest

from tests.cli.run import netlab
from tests.cli.test_cli_connect import ANSWERED_OUR_FIN, CLOSED_BY_PEER, closed_by_us
from tests.cli.test_cli_sockets import Serve
from tests.peers import (
    Peer,
    answers_at_end_of_input,
    flood_then_half_close,
    numbered,
    reads_once_then_closes,
    sends_then_closes,
)

LINES = 80_000  # 8 MB, as the issue measured
EXPECTED = b"".join(numbered(n) for n in range(LINES))
ENV = {**os.environ, "PYTHONIOENCODING": "utf-8"}


def test_a_flood_read_slowly_from_stdout_arrives_whole() -> None:
    """The peer sends 8 MB and half-closes; stdout is read at about 4 MB/s."""
    with Peer(flood_then_half_close(LINES)) as peer:
        process = subprocess.Popen(
            [sys.executable, "-m", "netlab", "connect", peer.endpoint],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=ENV,
        )
        assert process.stdout is not None and process.stderr is not None
        got = bytearray()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            chunk = process.stdout.read1(40_000)  # type: ignore[attr-defined]
            if not chunk:
                break
            got += chunk
            time.sleep(0.01)  # a slow reader, on purpose: about 4 MB/s
        process.stdin.close()  # type: ignore[union-attr]
        status = process.wait(10)
        errors = process.stderr.read().decode()
    assert bytes(got) == EXPECTED
    assert errors.splitlines()[-1] == CLOSED_BY_PEER
    assert status == 0


def test_a_flood_into_a_file_arrives_whole() -> None:
    with Peer(flood_then_half_close(LINES)) as peer, tempfile.TemporaryFile() as out:
        status = subprocess.run(
            [sys.executable, "-m", "netlab", "connect", peer.endpoint],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.PIPE,
            timeout=30,
            check=False,
            env=ENV,
        )
        out.seek(0)
        assert out.read() == EXPECTED
    assert status.returncode == 0, status.stderr


def _connect(*args: str, stdin: bytes) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "netlab", "connect", *args],
        input=stdin.decode(),
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
        env=ENV,
    )


def test_connect_half_closes_at_end_of_input_so_the_peer_answers() -> None:
    with Peer(answers_at_end_of_input) as peer:
        result = _connect(peer.endpoint, stdin=b"one\ntwo\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "got 8 bytes\n"
    assert result.stderr.splitlines()[-1] == ANSWERED_OUR_FIN


def test_connect_without_half_close_never_hears_the_answer() -> None:
    with Peer(answers_at_end_of_input) as peer:
        result = _connect("--no-half-close", "--quiet", "0.3", peer.endpoint, stdin=b"one\n")
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == closed_by_us("end of input, then 0.3 s without data")


def test_send_can_half_close_after_its_message() -> None:
    with Peer(answers_at_end_of_input) as peer:
        result = netlab("send", "--half-close", peer.endpoint, "hello")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "got 6 bytes\n"


def test_send_says_when_the_server_closes_without_a_reply() -> None:
    with Peer(reads_once_then_closes) as peer:
        result = netlab("send", peer.endpoint, "x" * 200)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip() == (
        f"netlab send: {peer.endpoint} closed the connection without a reply."
    )


def test_bytes_that_are_not_utf8_show_as_their_hex_escapes() -> None:
    with Peer(sends_then_closes(b"ok \x9b done\n")) as peer:
        sent = netlab("send", peer.endpoint, "hi")
    with Peer(sends_then_closes(b"ok \x9b done\n")) as peer:
        connected = _connect(peer.endpoint, stdin=b"")
    assert sent.stdout == connected.stdout == "ok \\x9b done\n"


def test_the_time_servers_four_bytes_show_as_hex_and_as_the_date() -> None:
    serve = Serve("time:0")
    try:
        result = netlab("send", serve.addresses["tcp/time"], "")
    finally:
        serve.stop()
    assert result.returncode == 0, result.stderr
    dump, reading = result.stdout.splitlines()
    assert dump.startswith("00000000  ") and len(dump.split("  ")[1].split()) == 4
    assert reading.startswith("netlab reads it as RFC 868 time: ")
    assert time.strftime("%Y-%m-%d", time.gmtime()) in reading


@pytest.mark.parametrize(
    ("server", "message", "said"),
    [
        ("udp:time:0", "x", "netlab reads it as RFC 868 time: "),
        ("daytime:0", "", "netlab reads it as daytime (RFC 867): "),
        ("timestamp:0", "timestamp", "netlab reads it as Unix time: "),
    ],
)
def test_send_as_reads_the_reply_as_the_protocol_named(
    server: str, message: str, said: str
) -> None:
    serve = Serve(server)
    try:
        [(kind, where)] = serve.addresses.items()
        protocol = kind.split("/")[1]
        udp = ["--udp"] if kind.startswith("udp") else []
        result = netlab("send", "--as", protocol, where, message, *udp)
    finally:
        serve.stop()
    assert result.returncode == 0, result.stderr
    *shown, reading = result.stdout.splitlines()
    assert shown and reading.startswith(said)
    assert time.strftime("%Y-%m-%d", time.gmtime()) in reading
