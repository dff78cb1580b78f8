"""Every command's --json follows one schema (tests/cli/schema.py), on loopback only."""

from __future__ import annotations

import argparse
import http.server
import json
import re
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from netlab.cli import build_parser, main
from netlab.cli.output import data_json, error_json, json_line, monotonic_iso, now_iso
from tests.cli.run import in_process, netlab
from tests.cli.schema import (
    EVENT_KEYS,
    check_data,
    check_error,
    check_schema,
    check_time,
    events,
    json_lines,
    one_object,
)
from tests.cli.test_cli_connect import connect
from tests.cli.test_cli_sockets import Serve, _Quiet
from tests.core.dns_server import LocalDnsServer
from tests.loopback import needs_ipv6

LOOPBACK_PEER = re.compile(r"127\.0\.0\.1:\d+")


@pytest.fixture(scope="module")
def lab() -> Iterator[Serve]:
    server = Serve("echo:0", "daytime:0", "tab:0", "udp:daytime:0", as_json=True)
    try:
        yield server
    finally:
        server.stop()


def _closed_port(kind: socket.SocketKind = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- the shared pieces ---------------------------------------------------------------


def test_data_is_text_hex_and_size() -> None:
    assert data_json(b"hello\n") == {"text": "hello\\n", "hex": "68656c6c6f0a", "size": 6}
    assert data_json(b"") == {"text": "", "hex": "", "size": 0}
    # An event keeps the start of a big message; size is still the whole.
    assert data_json(b"abc", size=5000) == {"text": "abc", "hex": "616263", "size": 5000}
    # The text is never cut, however long.
    long = data_json(b"x" * 5000)
    assert long["text"] == "x" * 5000
    check_data(data_json(b"\x1b[2J\x00\xff caf\xc3\xa9"))


def test_times_are_iso_8601_with_a_utc_offset() -> None:
    check_time(now_iso())
    stamped = check_time(monotonic_iso(time.monotonic() - 60))
    assert 50 < (check_time(now_iso()) - stamped).total_seconds() < 70


def test_json_lines_are_terminal_safe_and_still_the_same_strings() -> None:
    tricky = {"name": "\u202eevil\x9b\x7f\u200b wörld 😀", "bad\nkey": 1}
    line = json_line(tricky)
    assert line.isprintable()
    assert "wörld 😀" in line  # readable text stays as it is
    assert json.loads(line) == tricky


def test_errors_are_one_object_on_one_line() -> None:
    assert error_json("network", "No reply\nfrom  x.") == {
        "error": {"kind": "network", "message": "No reply from x."}
    }


# -- addresses -------------------------------------------------------------------------


def test_ip() -> None:
    assert one_object(in_process("ip", "0:0:0:0:0:0:0:1", "--json")) == {
        "input": "0:0:0:0:0:0:0:1",
        "address": "::1",
        "version": 6,
    }


def test_ip_invalid_is_an_error_with_status_2() -> None:
    message = check_error(in_process("ip", "nonsense", "--json"), "bad-input")
    assert "Invalid address" in message


def test_mask_uses_the_names_calc_uses() -> None:
    info = one_object(in_process("mask", "103.232.159.187", "24", "32", "--json"))
    calc = one_object(in_process("calc", "103.232.159.187", "24", "32", "--json"))
    assert info["address"] == calc["address"] == "103.232.159.187"
    assert info["mask"] == calc["mask"]
    assert info["mask"]["prefix"] == 24 and info["mask"]["bits"] == 32
    assert info["mask"]["hex"] == "ffffff00"
    assert info["network"] == calc["network"] == "103.232.159.0/24"
    assert info["network_address"] == calc["network_address"] == "103.232.159.0"


def test_mask_bad_input() -> None:
    check_error(in_process("mask", "1.2.3.4", "33", "32", "--json"), "bad-input")


def test_calc_describes() -> None:
    info = one_object(in_process("calc", "192.168.1.3/16", "--json"))
    assert info["input"] == "192.168.1.3/16"
    assert info["network"] == "192.168.0.0/16"
    assert info["host_count"] == 65534
    assert "text" not in info


def test_calc_split_pages_subnets_with_their_hosts() -> None:
    page = one_object(in_process("calc", "10.0.0.0/24", "--split", "26", "--offset", "1", "--json"))
    assert page["input"] == page["network"] == "10.0.0.0/24"
    assert (page["new_prefix"], page["count"], page["offset"]) == (26, 4, 1)
    assert page["subnets"][0] == {
        "network": "10.0.0.64/26",
        "first_host": "10.0.0.65",
        "last_host": "10.0.0.126",
        "host_count": 62,
    }
    assert len(page["subnets"]) == 3


def test_calc_hosts_is_one_object_too() -> None:
    plan = one_object(in_process("calc", "192.168.1.3/24", "--hosts", "50,100", "--json"))
    assert plan["network"] == "192.168.1.0/24"
    assert plan["subnets"] == [
        {
            "index": 1,
            "hosts_wanted": 100,
            "network": "192.168.1.0/25",
            "first_host": "192.168.1.1",
            "last_host": "192.168.1.126",
            "host_count": 126,
        },
        {
            "index": 0,
            "hosts_wanted": 50,
            "network": "192.168.1.128/26",
            "first_host": "192.168.1.129",
            "last_host": "192.168.1.190",
            "host_count": 62,
        },
    ]


def test_calc_range() -> None:
    answer = one_object(in_process("calc", "10.0.0.5", "-", "10.0.0.8", "--json"))
    assert answer == {
        "input": "10.0.0.5 - 10.0.0.8",
        "networks": ["10.0.0.5/32", "10.0.0.6/31", "10.0.0.8/32"],
    }


@pytest.mark.parametrize(
    "args",
    [
        ["192.168.1.3/"],
        ["10.0.0.0/24", "--hosts", "300"],
        ["10.0.0.0/24", "--split", "25", "--hosts", "2"],
        ["10.0.0.5", "-", "10.0.0.1"],
    ],
)
def test_calc_bad_input(args: list[str]) -> None:
    check_error(in_process("calc", *args, "--json"), "bad-input")


# -- lookups ---------------------------------------------------------------------------


def test_resolve() -> None:
    answer = one_object(in_process("resolve", "localhost", "-4", "--json"))
    assert set(answer) == {"name", "address", "version", "elapsed_s"}
    assert (answer["name"], answer["address"], answer["version"]) == ("localhost", "127.0.0.1", 4)


def test_resolve_host_and_port() -> None:
    answer = one_object(in_process("resolve", "localhost:http", "-4", "--json"))
    assert set(answer) == {"name", "endpoint", "address", "port", "version", "elapsed_s"}
    assert (answer["endpoint"], answer["address"], answer["port"]) == (
        "127.0.0.1:80",
        "127.0.0.1",
        80,
    )
    anywhere = one_object(in_process("resolve", ":80", "--json"))
    assert (anywhere["endpoint"], anywhere["address"], anywhere["port"]) == (None, None, 80)


def test_host_cname_and_reverse() -> None:
    host = one_object(in_process("host", "localhost", "--json"))
    assert set(host) == {"name", "addresses", "elapsed_s"}
    assert "127.0.0.1" in host["addresses"]
    cname = one_object(in_process("cname", "localhost", "--json"))
    assert set(cname) == {"name", "canonical", "aliases", "addresses", "elapsed_s"}
    reverse = one_object(in_process("reverse", "127.0.0.1", "--json"))
    assert set(reverse) == {"address", "names", "elapsed_s"}
    assert "localhost" in reverse["names"]


@pytest.mark.parametrize(
    "args",
    [
        ["resolve", "bad name!"],
        ["resolve", "localhost:nosuchservice"],
        ["host", "bad name!"],
        ["cname", "bad name!"],
        ["reverse", "not-an-address"],
        ["dns", "example.test", "BOGUS", "--server", "127.0.0.1:53"],
        ["port", "sctp", "telnet"],
    ],
)
def test_lookup_bad_input(args: list[str]) -> None:
    check_error(netlab(*args, "--json"), "bad-input")


def test_dns(dns_server: LocalDnsServer) -> None:
    answer = one_object(
        in_process("dns", "example.test", "MX", "--server", dns_server.address, "--json")
    )
    assert set(answer) == {
        "name",
        "type",
        "server",
        "status",
        "rcode",
        "chain",
        "flags",
        "records",
        "authority",
        "additional",
        "transport",
        "truncated_udp",
        "size",
        "elapsed_s",
    }
    assert (answer["status"], answer["rcode"], answer["chain"]) == ("ok", "NOERROR", [])
    assert (answer["name"], answer["type"], answer["server"]) == (
        "example.test.",
        "MX",
        dns_server.address,
    )
    assert answer["records"][0] == {
        "name": "example.test.",
        "type": "MX",
        "ttl_s": 300,
        "value": "10 mail.example.test.",
        "fields": {"preference": 10, "exchange": "mail.example.test."},
    }
    assert (answer["transport"], answer["truncated_udp"]) == ("udp", False)


def test_dns_nxdomain_is_a_network_error(dns_server: LocalDnsServer) -> None:
    result = in_process("dns", "nope.example.test", "--server", dns_server.address, "--json")
    assert "NXDOMAIN" in check_error(result, "network")


def test_port_and_service_say_transport() -> None:
    port = one_object(in_process("port", "tcp", "telnet", "--json"))
    assert port == one_object(in_process("service", "23", "--json"))
    assert set(port) == {"name", "port", "transport", "aliases", "source"}
    assert (port["name"], port["port"], port["transport"]) == ("telnet", 23, "tcp")
    assert one_object(in_process("service", "53", "--udp", "--json"))["transport"] == "udp"


def test_port_of_an_unknown_service_is_a_network_error() -> None:
    check_error(in_process("port", "tcp", "no-such-service", "--json"), "network")


# -- ping ------------------------------------------------------------------------------


def test_ping_one_line_per_echo_with_the_bytes() -> None:
    result = in_process("ping", "127.0.0.1", "--count", "2", "--interval", "0.01", "--json")
    if result.returncode == 1 and "cannot ping" in result.stderr:
        check_error(result, "network")
        pytest.skip("this machine does not allow ICMP sockets")
    assert result.returncode == 0, result.stderr
    probes = events(result)
    assert [probe["event"] for probe in probes] == ["reply", "reply"]
    first = probes[0]
    assert set(first) == {
        "time",
        "event",
        "host",
        "address",
        "sequence",
        "ttl",
        "rtt_s",
        "sent",
        "received",
    }
    assert (first["host"], first["address"], first["sequence"]) == ("127.0.0.1", "127.0.0.1", 37)
    assert first["sent"]["hex"] == "0800f7cd000d0025"  # Ping.go's bytes
    assert first["received"]["hex"] == "0000ffcd000d0025"
    assert first["sent"]["size"] == 8
    assert isinstance(first["rtt_s"], float)


@pytest.mark.parametrize("host", ["127.0.0.1", pytest.param("::1", marks=needs_ipv6)])
def test_ping_tcp_one_line_per_connect(host: str) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.create_server((host, 0), family=family) as listener:
        port = listener.getsockname()[1]
        result = netlab(
            "ping", host, "--tcp", str(port), "--count", "2", "--interval", "0", "--json"
        )
    assert result.returncode == 0, result.stderr
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    lines = events(result)
    assert [line["event"] for line in lines] == ["connected", "connected"]
    assert set(lines[0]) == {"time", "event", "host", "peer", "rtt_s", "reason"}
    assert lines[0]["peer"] == where
    assert lines[0]["reason"] is None


def test_ping_tcp_to_a_closed_port_ends_with_an_error() -> None:
    port = _closed_port()
    result = in_process("ping", "127.0.0.1", "--tcp", str(port), "--json")
    message = check_error(result, "network")
    [failed] = events(result)
    assert failed["event"] == "failed" and failed["rtt_s"] is None
    assert failed["reason"] == "connection refused"
    assert "refused" in message


# -- serve -----------------------------------------------------------------------------


def test_serve_prints_every_event_as_a_json_line() -> None:
    server = Serve("echo:0", "udp:daytime:0", as_json=True)
    try:
        echo, daytime = server.addresses["tcp/echo"], server.addresses["udp/daytime"]
        assert netlab("send", echo, "hi \x1b[2J").returncode == 0
        server.wait_for('"event": "closed"')
        assert netlab("send", "--udp", daytime, "x").returncode == 0
        server.wait_for('"event": "datagram-out"')
    finally:
        status = server.stop()
    assert status == 0
    logged = events(subprocess.CompletedProcess([], 0, "".join(f"{x}\n" for x in server.lines)))
    assert all(set(event) == EVENT_KEYS for event in logged)
    assert [(e["event"], e["source"].split(":")[0]) for e in logged] == [
        ("listening", "tcp/echo"),
        ("listening", "udp/daytime"),
        ("accepted", "tcp/echo"),
        ("received", "tcp/echo"),
        ("sent", "tcp/echo"),
        ("closed", "tcp/echo"),
        ("datagram-in", "udp/daytime"),
        ("datagram-out", "udp/daytime"),
    ]
    listening, _, accepted, received, sent, closed, datagram_in, _ = logged
    assert listening["local"] == echo and listening["peer"] is None
    assert listening["data"] is None and listening["detail"].startswith("on ")
    assert all(event["local"] == echo for event in logged[2:6])
    assert LOOPBACK_PEER.fullmatch(accepted["peer"])
    assert received["data"] == sent["data"] == data_json(b"hi \x1b[2J\n")
    assert received["data"]["text"] == "hi \\x1b[2J\\n"
    assert closed["data"] is None and "closed by peer" in closed["detail"]
    assert datagram_in["data"] == data_json(b"x")
    assert all(event["summed"] is None for event in logged)


def test_serve_counts_a_flood_in_summed() -> None:
    server = Serve("echo:0", options=("--log-rate", "3"), as_json=True)
    try:
        server.ping_flood()
        server.wait_for('"event": "closed"')
    finally:
        server.stop()
    logged = [json.loads(line) for line in server.lines]
    received = [event for event in logged if event["event"] == "received"]
    summed = [event for event in received if event["summed"] is not None]
    assert len(summed) == 1
    assert summed[0]["data"] is None
    assert summed[0]["summed"]["messages"] + len(received) - 1 == 10
    assert summed[0]["summed"]["size"] == 4 * summed[0]["summed"]["messages"]


def test_serve_bad_spec_and_busy_port() -> None:
    check_error(netlab("serve", "gopher:70", "--json"), "bad-input")
    with socket.create_server(("127.0.0.1", 0)) as busy:
        result = netlab("serve", f"echo:{busy.getsockname()[1]}", "--json")
    assert "Cannot listen" in check_error(result, "network")


# -- send and head ---------------------------------------------------------------------


def test_send_tcp(lab: Serve) -> None:
    where = lab.addresses["tcp/echo"]
    answer = one_object(netlab("send", where, "hello", "--json"))
    assert answer == {
        "endpoint": where,
        "transport": "tcp",
        "framing": "lf",
        "sent": {"text": "hello\\n", "hex": "68656c6c6f0a", "size": 6},
        "received": {"text": "hello\\n", "hex": "68656c6c6f0a", "size": 6},
    }
    # --hex changes the text output only.
    assert one_object(netlab("send", where, "hello", "--hex", "--json")) == answer


def test_send_udp_and_tab_framing(lab: Serve) -> None:
    answer = one_object(netlab("send", "--udp", lab.addresses["udp/daytime"], "now?", "--json"))
    assert (answer["transport"], answer["framing"]) == ("udp", "raw")
    assert answer["sent"] == data_json(b"now?")
    assert answer["received"]["text"].startswith(time.strftime("%Y-"))
    tab = one_object(netlab("send", "--framing", "tab", lab.addresses["tcp/tab"], "ping", "--json"))
    assert tab["sent"] == {"text": "ping\\t", "hex": "70696e6709", "size": 5}
    assert tab["received"]["text"] == "server got:ping\\t"


def test_send_failures() -> None:
    check_error(netlab("send", f"127.0.0.1:{_closed_port()}", "x", "--json"), "network")
    check_error(netlab("send", "127.0.0.1:99999", "x", "--json"), "bad-input")


def test_head() -> None:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Quiet)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        where = f"127.0.0.1:{httpd.server_address[1]}"
        answer = one_object(netlab("head", where, "--json"))
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
    assert set(answer) == {"endpoint", "sent", "received"}
    assert answer["endpoint"] == where
    assert answer["sent"] == data_json(b"HEAD / HTTP/1.0\r\n\r\n")
    assert answer["received"]["text"].startswith("HTTP/1.0 200 OK\\r\\n")
    assert bytes.fromhex(answer["received"]["hex"]).startswith(b"HTTP/1.0 200 OK\r\n")


def test_head_refused() -> None:
    check_error(netlab("head", f"127.0.0.1:{_closed_port()}", "--json"), "network")


# -- connect ---------------------------------------------------------------------------


def test_connect_prints_the_session_as_events(lab: Serve) -> None:
    where = lab.addresses["tcp/echo"]
    result = connect("--json", "--quiet", "0.3", where, stdin="hello\nwörld\n".encode())
    assert result.returncode == 0, result.stderr
    session = events(result)
    assert all(set(event) == EVENT_KEYS for event in session)
    kinds = [event["event"] for event in session]
    assert kinds[0] == "connected" and kinds[-1] == "closed"
    assert set(kinds[1:-1]) == {"sent", "received", "half-closed"}
    assert kinds.index("sent") < kinds.index("received")  # what went out, then the reply
    assert kinds.index("half-closed") > kinds.index("sent")  # FIN at the end of input
    assert all(event["source"] == f"tcp/{where}" for event in session)
    assert all(event["peer"] == where for event in session)
    local = session[0]["local"]
    assert LOOPBACK_PEER.fullmatch(local) and all(e["local"] == local for e in session)
    wire = "hello\nwörld\n".encode().hex()
    assert "".join(e["data"]["hex"] for e in session if e["event"] == "sent") == wire
    assert "".join(e["data"]["hex"] for e in session if e["event"] == "received") == wire
    assert session[-1]["data"] is None
    assert session[-1]["detail"] == "closed by peer"  # it read our FIN and closed
    # stderr says what it says in text mode.
    assert result.stderr.splitlines()[0] == f"Connected to {where}"


def test_connect_to_daytime_closed_by_peer(lab: Serve) -> None:
    result = connect("--json", lab.addresses["tcp/daytime"])
    assert result.returncode == 0, result.stderr
    session = events(result)
    kinds = [event["event"] for event in session]
    assert kinds[0] == "connected" and kinds[-1] == "closed"
    # With no input, FIN may go out before or after the time comes back.
    assert set(kinds[1:-1]) <= {"received", "half-closed"} and "received" in kinds
    received = next(event for event in session if event["event"] == "received")
    assert received["data"]["text"].startswith(time.strftime("%Y-"))
    assert session[-1]["detail"] == "closed by peer"


def test_connect_shows_escapes_never_control_characters() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(5)
        payload = "café \x1b[2J\x9b\u202e\r\nprompt> ".encode()

        def talker() -> None:
            conn, _ = listener.accept()
            with conn:
                conn.sendall(payload)

        thread = threading.Thread(target=talker, daemon=True)
        thread.start()
        result = connect("--json", f"127.0.0.1:{listener.getsockname()[1]}")
        thread.join(timeout=5)
    assert result.returncode == 0, result.stderr
    received = [event["data"] for event in events(result) if event["event"] == "received"]
    assert b"".join(bytes.fromhex(data["hex"]) for data in received) == payload
    text = "".join(data["text"] for data in received)
    assert text == "café \\x1b[2J\\x9b\\u202e\\r\\nprompt> "
    assert "\x1b" not in result.stdout and "\x9b" not in result.stdout


def test_connect_refused_and_bad_endpoint() -> None:
    result = connect("--json", f"127.0.0.1:{_closed_port()}")
    assert "refused" in check_error(result, "network")
    assert len(json_lines(result)) == 1
    check_error(connect("--json", "127.0.0.1:"), "bad-input")


def test_connect_udp_to_nothing_ends_with_an_error() -> None:
    port = _closed_port(socket.SOCK_DGRAM)
    result = connect("--json", "--udp", "--timeout", "1", f"127.0.0.1:{port}", stdin=b"a\nb\n")
    message = check_error(result, "network")
    assert "nothing is listening" in message.lower()
    session = events(result)
    assert "error" in [event["event"] for event in session]
    assert session[-1]["event"] == "closed"


# -- usage errors and our own ------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["ip", "--json"],
        ["ping", "127.0.0.1", "--count", "0", "--json"],
        ["calc", "10.0.0.0/8", "--split", "x", "--json"],
        ["send", "127.0.0.1:7", "x", "--framing", "nul", "--json"],
        ["serve", "echo:0", "--model", "forked", "--js"],
        ["nosuch", "--json"],
    ],
)
def test_usage_errors_are_json_too(args: list[str]) -> None:
    result = netlab(*args)
    check_error(result, "bad-input")
    assert "usage: netlab" in result.stderr  # argparse's own report stays as it was


def test_usage_errors_without_json_print_nothing_on_stdout() -> None:
    result = in_process("ping", "127.0.0.1", "--count", "0")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "usage: netlab ping" in result.stderr


def test_a_bug_of_ours_is_an_internal_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from netlab.core import addresses

    def broken(text: str) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(addresses, "parse_ip", broken)
    monkeypatch.delenv("NETLAB_DEBUG", raising=False)
    assert main(["ip", "::1", "--json"]) == 1
    out, err = capsys.readouterr()
    error = json.loads(out)
    check_schema(error)
    assert error["error"]["kind"] == "internal"
    assert "RuntimeError: boom" in error["error"]["message"]
    assert error["error"]["message"] in err


def test_lessons_listed_and_told() -> None:
    listed = one_object(in_process("lessons", "--json"))
    assert [lesson["key"] for lesson in listed["lessons"][:2]] == ["ip", "mask"]
    told = one_object(in_process("lessons", "Mask.go", "--json"))
    assert told["number"] == 2
    assert told["commands"][0] == "netlab mask 103.232.159.187 24 32"
    assert told["output"] is None and told["server_log"] is None  # not run


def test_every_command_has_json() -> None:
    """The commands the tests above cover are every command there is, and all take --json."""
    parser = build_parser()
    [commands] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    covered = {"ip", "mask", "calc", "resolve", "host", "cname", "reverse", "dns", "port"}
    covered |= {"service", "ping", "serve", "head", "send", "connect", "replay", "lessons"}
    covered |= {"web"}  # its JSON lines: tests/cli/test_cli_web.py
    assert set(commands.choices) == covered
    for sub in commands.choices.values():
        assert any("--json" in action.option_strings for action in sub._actions)


def test_the_readme_shows_every_command_in_the_schema() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### JSON") : readme.index("## Layout")]
    blocks = re.findall(r"```console\n(.*?)\n```", section, flags=re.DOTALL)
    assert len(blocks) == 1
    shown = set()
    for line in blocks[0].splitlines():
        if line.startswith("$ "):
            words = line.split()
            shown.add(words[words.index("netlab") + 1])
            assert "--json" in words
            continue
        value = json.loads(line)
        check_schema(value, recent=False)
        assert json_line(value) == line  # exactly what netlab would print
    parser = build_parser()
    [commands] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert shown == set(commands.choices)
