"""The lookup and ping commands through the real entry point, on loopback only."""

from __future__ import annotations

import json
import socket
import time

import pytest

from netlab.core.lookup import RECORD_TYPES
from tests.cli.run import in_process as netlab
from tests.cli.schema import check_error, json_lines, one_object
from tests.core.dns_server import (
    KSK,
    KSK_DIGEST,
    KSK_TAG,
    SVCB_TEXT,
    ZONE_TEXT,
    ZSK,
    ZSK_TAG,
    LocalDnsServer,
    ZoneResolver,
    free_udp_port,
)


def test_resolve_as_resolveip_does() -> None:
    result = netlab("resolve", "localhost", "-4")
    assert result.stdout == "Resolved address is 127.0.0.1\n"
    assert result.returncode == 0


def test_resolve_an_address_literal() -> None:
    assert netlab("resolve", "0:0:0:0:0:0:0:1").stdout == "Resolved address is ::1\n"


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ("localhost:http", "127.0.0.1:80"),  # a service's name is its port
        ("localhost:7", "127.0.0.1:7"),
        ("[::1]:23", "[::1]:23"),
        (":80", ":80"),  # no host: every address of this machine, as Go prints it
    ],
)
def test_resolve_host_and_port_as_resolvetcpaddr_does(given: str, said: str) -> None:
    result = netlab("resolve", given)
    assert (result.stdout, result.returncode) == (f"Resolved address is {said}\n", 0)


def test_resolve_a_bad_port_says_what_would_be_right() -> None:
    result = netlab("resolve", "localhost:99999")
    assert (result.stderr, result.returncode) == (
        "netlab resolve: Port 99999 is out of range: use 0 to 65535.\n",
        2,
    )


def test_host_lists_every_address_as_lookuphost_does() -> None:
    result = netlab("host", "localhost")
    assert "127.0.0.1" in result.stdout.splitlines()
    assert result.returncode == 0


def test_cname_and_reverse_of_localhost() -> None:
    assert netlab("cname", "localhost").stdout.startswith("Canonical name is localhost")
    assert "localhost" in netlab("reverse", "127.0.0.1").stdout.split()


def test_a_host_that_does_not_exist_fails_with_status_1() -> None:
    result = netlab("host", "no-such-host.invalid")
    assert result.returncode == 1
    assert result.stderr == "netlab host: No such host: no-such-host.invalid.\n"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["resolve", "bad name!"], "cannot be in a host name"),
        (["reverse", "not-an-address"], "not an"),
        (["dns", "example.test", "BOGUS", "--server", "127.0.0.1:53"], "A, AAAA"),
        (["resolve", "localhost", "--timeout", "0"], "out of range"),
    ],
)
def test_bad_lookup_input_fails_with_status_2(args: list[str], words: str) -> None:
    result = netlab(*args)
    assert result.returncode == 2
    assert words in result.stderr
    assert "Traceback" not in result.stderr


def test_dns_prints_records_and_who_answered(dns_server: LocalDnsServer) -> None:
    result = netlab("dns", "example.test", "MX", "--server", dns_server.address)
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["example.test.", "300", "IN", "MX", "10", "mail.example.test."]
    assert lines[-1].startswith(f";; MX answer from {dns_server.address} in ")


def test_dns_follows_a_cname_chain_as_json(dns_server: LocalDnsServer) -> None:
    result = netlab("dns", "alias.example.test", "--server", dns_server.address, "--json")
    answer = json.loads(result.stdout)
    assert [(r["type"], r["value"]) for r in answer["records"]] == [
        ("CNAME", "alias2.example.test."),
        ("CNAME", "target.example.test."),
        ("A", "192.0.2.20"),
    ]
    assert answer["server"] == dns_server.address


def test_dns_nxdomain_fails_with_status_1(dns_server: LocalDnsServer) -> None:
    result = netlab("dns", "nope.example.test", "--server", dns_server.address)
    assert result.returncode == 1
    # What the server said all the same: the zone's SOA (its negative TTL), the header.
    assert result.stdout.endswith(";; flags: qr aa rd ra; status: NXDOMAIN (no such name)\n")
    assert result.stderr == (
        "netlab dns: No such name: nope.example.test does not exist (NXDOMAIN) "
        f"according to {dns_server.address}.\n"
    )


def test_dns_shows_the_cname_chain_before_the_records(dns_server: LocalDnsServer) -> None:
    result = netlab("dns", "alias.example.test", "--server", dns_server.address)
    lines = result.stdout.splitlines()
    assert lines[0] == (
        ";; CNAME chain: alias.example.test. -> alias2.example.test. -> target.example.test."
    )
    assert [line.split()[3:] for line in lines[1:4]] == [
        ["CNAME", "alias2.example.test."],
        ["CNAME", "target.example.test."],
        ["A", "192.0.2.20"],
    ]
    assert result.returncode == 0


def test_dns_shows_a_chain_that_is_all_the_answer_holds(dns_server: LocalDnsServer) -> None:
    result = netlab("dns", "outside.example.test", "--server", dns_server.address)
    assert result.stdout.splitlines() == [
        ";; CNAME chain: outside.example.test. -> www.elsewhere.test.",
        "outside.example.test.\t300\tIN\tCNAME\twww.elsewhere.test.",
        ";; flags: qr aa rd ra; status: NOERROR",
    ]
    assert result.stderr == (
        "netlab dns: No data: outside.example.test is an alias of www.elsewhere.test, "
        f"and the answer of {dns_server.address} holds no A records for it.\n"
    )
    assert result.returncode == 1


def test_dns_json_says_status_and_rcode(dns_server: LocalDnsServer) -> None:
    answer = one_object(netlab("dns", "www.example.test", "--server", dns_server.address, "--json"))
    assert (answer["status"], answer["rcode"], answer["chain"]) == ("ok", "NOERROR", [])


@pytest.mark.parametrize(
    ("name", "rdtype", "status", "rcode", "words"),
    [
        ("nope.example.test", "A", "nxdomain", "NXDOMAIN", "No such name: nope.example.test"),
        ("www.example.test", "TXT", "no-data", "NOERROR", "exists but has no TXT records"),
        ("broken.example.test", "A", "servfail", "SERVFAIL", "(SERVFAIL)"),
        ("refused.example.test", "A", "refused", "REFUSED", "refused the query (REFUSED)"),
        ("outside.example.test", "A", "no-data", "NOERROR", "is an alias of www.elsewhere.test"),
    ],
)
def test_dns_json_tells_each_failure_apart(
    dns_server: LocalDnsServer, name: str, rdtype: str, status: str, rcode: str, words: str
) -> None:
    """What the server said, as an answer object, then the error object: both on stdout."""
    result = netlab("dns", name, rdtype, "--server", dns_server.address, "--json")
    assert words in check_error(result, "network")
    said, _ = json_lines(result)
    assert (said["status"], said["rcode"], said["server"]) == (status, rcode, dns_server.address)
    chained = [record["type"] for record in said["records"]]
    assert chained == (["CNAME"] if said["chain"] else [])


def test_dns_where_nothing_listens_fails_at_once_in_json() -> None:
    port = free_udp_port()
    start = time.perf_counter()
    result = netlab("dns", "www.example.test", "--server", f"127.0.0.1:{port}", "--json")
    assert time.perf_counter() - start < 4  # the timeout is 5 s; the refusal comes at once
    message = check_error(result, "network")
    assert message == f"Nothing is listening on 127.0.0.1:{port} for DNS (connection refused)."
    said, _ = json_lines(result)
    assert (said["status"], said["rcode"], said["records"]) == ("not-listening", None, [])
    assert said["elapsed_s"] < 1


def test_port_as_lookupport_does() -> None:
    result = netlab("port", "tcp", "telnet")
    assert result.stdout == "Service port 23\n"
    assert netlab("port", "udp", "domain").stdout == "Service port 53\n"


def test_service_names_the_port() -> None:
    assert netlab("service", "23").stdout.startswith("Service name telnet")
    assert json.loads(netlab("service", "53", "--udp", "--json").stdout)["name"] == "domain"


def test_port_of_an_unknown_service_fails() -> None:
    result = netlab("port", "tcp", "no-such-service")
    assert result.returncode == 1
    assert "Unknown service" in result.stderr
    assert netlab("port", "sctp", "telnet").returncode == 2


def test_ping_prints_the_seed_bytes() -> None:
    result = netlab("ping", "127.0.0.1")
    if result.returncode == 1 and "cannot ping" in result.stderr:
        pytest.skip("this machine does not allow ICMP sockets")
    lines = result.stdout.splitlines()
    assert lines[0] == "Message sent:     8 0 247 205 0 13 0 37"
    assert lines[1] == "Message received: 0 0 255 205 0 13 0 37"
    assert lines[2].startswith("Reply from 127.0.0.1: seq=37")


def test_ping_over_tcp_times_a_connect() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        result = netlab("ping", "127.0.0.1", "--tcp", str(port), "--count", "2", "--interval", "0")
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert all(line.startswith(f"TCP connect to 127.0.0.1:{port}: time=") for line in lines)
    assert result.returncode == 0


def test_dns_compare_puts_etc_hosts_beside_the_dns_server(dns_server: LocalDnsServer) -> None:
    # localhost: /etc/hosts answers getaddrinfo, so no query leaves this machine; the
    # loopback DNS server has no such name.
    result = netlab("dns", "localhost", "--compare", "--server", dns_server.address)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("system resolver (getaddrinfo): 127.0.0.1")
    assert lines[1].startswith("  /etc/hosts: 127.0.0.1")
    assert lines[2].startswith(f"DNS server {dns_server.address}: No such name")
    assert lines[3] == (
        "why: The system's answer comes from /etc/hosts, which getaddrinfo reads before "
        "DNS; the DNS server has no such name."
    )
    answer = one_object(
        netlab("dns", "localhost", "--compare", "--server", dns_server.address, "--json")
    )
    assert (answer["agree"], answer["dns"], answer["server"]) == (False, [], dns_server.address)


def test_dns_shows_the_header_flags_status_and_the_authority_as_dig_does(
    dns_server: LocalDnsServer,
) -> None:
    found = netlab("dns", "example.test", "MX", "--server", dns_server.address)
    assert found.stdout.splitlines()[-2] == ";; flags: qr aa rd ra; status: NOERROR"
    missing = netlab("dns", "nope.example.test", "--server", dns_server.address)
    lines = missing.stdout.splitlines()
    assert lines[0] == ";; AUTHORITY:"
    assert lines[1].split()[:4] == ["example.test.", "300", "IN", "SOA"]  # the negative TTL
    assert lines[2] == ";; flags: qr aa rd ra; status: NXDOMAIN (no such name)"
    answer = one_object(netlab("dns", "www.example.test", "--server", dns_server.address, "--json"))
    assert (answer["flags"], answer["authority"], answer["additional"]) == (
        ["qr", "aa", "rd", "ra"],
        [],
        [],
    )


def test_dns_compare_says_when_the_server_knows_the_name_but_no_address() -> None:
    zone = ZONE_TEXT + '\nlocalhost.  IN TXT "no address here"\n'
    with LocalDnsServer(ZoneResolver(zone)) as server:
        result = netlab("dns", "localhost", "--compare", "--server", server.address)
    assert result.stdout.splitlines()[2] == f"DNS server {server.address}: no A or AAAA records"


@pytest.mark.parametrize(
    ("name", "rdtype", "values", "fields"),
    [
        (
            "example.test",
            "caa",  # any case, as every type
            ['0 issue "letsencrypt.org"', '128 iodef "mailto:security@example.test"'],
            [
                {"flags": 0, "tag": "issue", "value": "letsencrypt.org"},
                {"flags": 128, "tag": "iodef", "value": "mailto:security@example.test"},
            ],
        ),
        (
            "sip.example.test",
            "NAPTR",
            ['100 10 "S" "SIP+D2U" "" _sip._udp.example.test.'],
            [
                {
                    "order": 100,
                    "preference": 10,
                    "flags": "S",
                    "service": "SIP+D2U",
                    "regexp": "",
                    "replacement": "_sip._udp.example.test.",
                }
            ],
        ),
        (
            "www.example.test",
            "Https",
            ['1 . alpn="h2,h3" ipv4hint="192.0.2.10"'],
            [
                {
                    "priority": 1,
                    "target": ".",
                    "params": {"alpn": ["h2", "h3"], "ipv4hint": ["192.0.2.10"]},
                }
            ],
        ),
        (
            "_dns.example.test",
            "SVCB",
            [SVCB_TEXT],
            [
                {
                    "priority": 1,
                    "target": "ns1.example.test.",
                    "params": {"alpn": ["dot"], "port": 853},
                }
            ],
        ),
        (
            "example.test",
            "DS",
            [f"{KSK_TAG} 13 2 {KSK_DIGEST}"],
            [{"key_tag": KSK_TAG, "algorithm": 13, "digest_type": 2, "digest": KSK_DIGEST}],
        ),
        (
            "example.test",
            "dnskey",
            [
                f"257 3 13 {KSK[:8]}...(88 chars) ; KSK, key tag {KSK_TAG}",
                f"256 3 13 {ZSK[:8]}...(88 chars) ; ZSK, key tag {ZSK_TAG}",
            ],
            [
                {
                    "flags": 257,
                    "protocol": 3,
                    "algorithm": 13,
                    "key_tag": KSK_TAG,
                    "public_key": KSK,
                },
                {
                    "flags": 256,
                    "protocol": 3,
                    "algorithm": 13,
                    "key_tag": ZSK_TAG,
                    "public_key": ZSK,
                },
            ],
        ),
    ],
)
def test_dns_record_types_as_text_and_json(
    dns_server: LocalDnsServer,
    name: str,
    rdtype: str,
    values: list[str],
    fields: list[dict[str, object]],
) -> None:
    """Each line as dig shows the record (a DNSKEY's key shortened); in JSON the same
    text as "value", and its parts by name as "fields"."""
    kind = rdtype.upper()
    text = netlab("dns", name, rdtype, "--server", dns_server.address)
    assert text.returncode == 0, text.stderr
    owner = name + "."
    assert text.stdout.splitlines()[: len(values)] == [
        f"{owner}\t300\tIN\t{kind}\t{value}" for value in values
    ]
    answer = one_object(netlab("dns", name, rdtype, "--server", dns_server.address, "--json"))
    assert answer["type"] == kind
    assert answer["records"] == [
        {"name": owner, "type": kind, "ttl_s": 300, "value": value, "fields": parts}
        for value, parts in zip(values, fields, strict=True)
    ]


def test_dns_says_when_it_asked_again_over_tcp(dns_server: LocalDnsServer) -> None:
    """An answer too big for UDP comes back truncated (TC): the retry over TCP is told."""
    text = netlab("dns", "big.example.test", "TXT", "--server", dns_server.address)
    first = text.stdout.splitlines()[0]
    assert first.startswith(";; truncated over UDP (tc): asked again over TCP, ")
    answer = one_object(
        netlab("dns", "big.example.test", "TXT", "--server", dns_server.address, "--json")
    )
    assert (answer["transport"], answer["truncated_udp"]) == ("tcp", True)
    assert answer["size"] > 512
    assert first.endswith(f", {answer['size']:,} bytes")
    small = netlab("dns", "www.example.test", "--server", dns_server.address)
    assert not any("truncated" in line for line in small.stdout.splitlines())
    fits = one_object(netlab("dns", "www.example.test", "--server", dns_server.address, "--json"))
    assert (fits["transport"], fits["truncated_udp"]) == ("udp", False)
    assert 0 < fits["size"] <= 512


def test_dns_help_names_every_record_type() -> None:
    shown = " ".join(netlab("dns", "--help").stdout.split())
    assert ", ".join(RECORD_TYPES[:-1]) + f" or {RECORD_TYPES[-1]}" in shown
