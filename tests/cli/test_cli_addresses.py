"""The address commands, run through the real `python -m netlab` entry point."""

from __future__ import annotations

import json

import pytest

from tests.cli.run import in_process as netlab


@pytest.mark.parametrize(
    ("address", "shown"),
    [
        ("127.0.0.1", "127.0.0.1"),  # IP.go's first example
        ("0:0:0:0:0:0:0:1", "::1"),  # and its second
        ("FE80:CD00:0000:0CDE:1257:0000:211E:729C", "fe80:cd00:0:cde:1257:0:211e:729c"),
        ("::ffff:192.0.2.1", "192.0.2.1"),  # Go prints IPv4-mapped addresses as IPv4
        ("2002:c0e8:82e7:0:0:0:c0e8:82e7", "2002:c0e8:82e7::c0e8:82e7"),  # the sockets seed
    ],
)
def test_ip_prints_the_canonical_form(address: str, shown: str) -> None:
    result = netlab("ip", address)
    assert result.stdout == f"The address is {shown}\n"
    assert result.returncode == 0


@pytest.mark.parametrize("address", ["nonsense", "192.168.01.3", "1.2.3.4/24", ""])
def test_ip_says_invalid_address(address: str) -> None:
    result = netlab("ip", address)
    assert result.stdout == "Invalid address\n"
    assert result.returncode == 2


def test_mask_ipv4_as_in_the_seed() -> None:
    result = netlab("mask", "103.232.159.187", "24", "32")
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        "Address is 103.232.159.187",
        "Mask length is 32",
        "Leading ones count is 24",
        "Mask is (hex) ffffff00",
        "Network is 103.232.159.0",
    ]


def test_mask_ipv6_as_in_the_seed() -> None:
    result = netlab("mask", "fda3:97c:1eb:fff0:5444:903a:33f0:3a6b", "52", "128")
    assert result.returncode == 0
    assert "Mask is (hex) fffffffffffff0000000000000000000" in result.stdout
    assert "Network is fda3:97c:1eb:f000::" in result.stdout


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["1.2.3.4", "33", "32"], "/33 is out of range"),
        (["1.2.3.4", "24", "128"], "32 bits, not 128"),
        (["1.2.3", "24", "32"], "has 3 numbers"),
        (["1.2.3.4", "x", "32"], "prefix length"),
    ],
)
def test_mask_rejects_bad_input_in_one_line(args: list[str], words: str) -> None:
    result = netlab("mask", *args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert words in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_calc_uses_the_default_mask_as_ipv4mask_does() -> None:
    result = netlab("calc", "192.168.1.3")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert any(line.startswith("Mask ") and "hex ffffff00" in line for line in lines)
    assert any(line.startswith("Network ") and "192.168.1.0/24" in line for line in lines)
    assert "class C" in result.stdout


def test_calc_shows_the_seed_network_and_device_parts() -> None:
    result = netlab("calc", "192.168.1.3/16", "--json")
    info = json.loads(result.stdout)
    assert info["network_address"] == "192.168.0.0"
    assert info["device_part"] == "0.0.1.3"
    assert info["binary"].replace(".", "") == "11000000101010000000000100000011"


@pytest.mark.parametrize(
    "spelling",
    ["192.168.1.3/16", "192.168.1.3 255.255.0.0", "192.168.1.3/255.255.0.0", "192.168.1.3 16 32"],
)
def test_calc_reads_every_way_of_writing_a_mask(spelling: str) -> None:
    result = netlab("calc", *spelling.split(), "--json")
    assert json.loads(result.stdout)["network"] == "192.168.0.0/16"


def test_calc_ipv6_split_as_the_rfc_has_it_and_the_seeds_beside_it() -> None:
    result = netlab("calc", "FE80:CD00:0000:0CDE:1257:0000:211E:729C")
    rfc = "network fe80:cd00:0000  subnet 0cde  device 1257:0000:211e:729c  (RFC 4291: 48/16/64)"
    assert f"IPv6 split   {rfc}" in result.stdout
    seed = "network fe80:cd00:0000:0cde  subnet 1257  device 0000:211e:729c  (the seed's prose"
    assert f"Seed split   {seed}" in result.stdout


def test_calc_splits_a_slash_8_into_slash_32s_a_page_at_a_time() -> None:
    result = netlab("calc", "10.0.0.0/8", "--split", "32", "--limit", "5", timeout=10)
    lines = result.stdout.splitlines()
    assert lines[0] == "10.0.0.0/8 into /32: 16,777,216 subnets"
    assert [line.split()[1] for line in lines[1:6]] == [f"10.0.0.{i}/32" for i in range(5)]
    assert "16,777,211 more" in lines[6]


def test_calc_pages_through_a_huge_ipv6_split() -> None:
    result = netlab("calc", "::/0", "--split", "128", "--offset", "5", "--limit", "2", "--json")
    page = json.loads(result.stdout)
    assert page["count"] == 2**128
    assert [subnet["network"] for subnet in page["subnets"]] == ["::5/128", "::6/128"]
    assert page["subnets"][0]["first_host"] == "::5"


def test_calc_sizes_subnets_for_host_counts() -> None:
    result = netlab("calc", "192.168.1.0/24", "--hosts", "50,100,2", "--json")
    plan = json.loads(result.stdout)["subnets"]
    assert [(p["hosts_wanted"], p["network"]) for p in plan] == [
        (100, "192.168.1.0/25"),
        (50, "192.168.1.128/26"),
        (2, "192.168.1.192/31"),
    ]


def test_calc_covers_a_range_with_the_fewest_blocks() -> None:
    result = netlab("calc", "10.0.0.5", "-", "10.0.0.20")
    assert result.stdout.split() == [
        "10.0.0.5/32",
        "10.0.0.6/31",
        "10.0.0.8/29",
        "10.0.0.16/30",
        "10.0.0.20/32",
    ]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["192.168.1.3/"], "Nothing follows the '/'"),
        (["255.0.255.0/255.0.255.0"], "contiguous"),
        (["10.0.0.0/8", "--split", "4"], "/8 to /32"),
        (["10.0.0.0/24", "--hosts", "300"], "need"),
        (["10.0.0.0/24", "--hosts", "a,b"], "not a number"),
        (["10.0.0.0/24", "--split", "25", "--hosts", "2"], "not both"),
    ],
)
def test_calc_rejects_bad_input_in_one_line(args: list[str], words: str) -> None:
    result = netlab("calc", *args)
    assert result.returncode == 2
    assert words in result.stderr
    assert len(result.stderr.splitlines()) == 1


# -- what the registries say, in text and JSON ---------------------------------------------


@pytest.mark.parametrize(
    ("address", "kind", "registry"),
    [
        ("192.168.1.3", "IPv4, class C, private", "private use (RFC 1918) in 192.168.0.0/16"),
        (
            "192.0.2.1",
            "IPv4, class C, documentation",
            "documentation, TEST-NET-1 (RFC 5737) in 192.0.2.0/24: never forwarded by routers",
        ),
        ("198.18.0.1", "IPv4, class C, benchmarking", "benchmarking (RFC 2544) in 198.18.0.0/15"),
        ("100.64.0.1", "IPv4, class A, shared", "shared address space"),
        ("255.255.255.255", "IPv4, class E, limited-broadcast", "limited broadcast (RFC 919)"),
        ("224.0.0.1", "IPv4, class D, multicast", "multicast, local network control (RFC 5771)"),
        ("ff02::1", "IPv6, multicast", "multicast, link-local scope, well-known (RFC 4291)"),
        ("3fff::1", "IPv6, documentation", "documentation (RFC 9637) in 3fff::/20"),
        ("2002:c0e8:82e7:0:0:0:c0e8:82e7", "IPv6, 6to4", "6to4 (RFC 3056) in 2002::/16"),
        ("8.8.8.8", "IPv4, class A, global", "global unicast, in no special-purpose block"),
    ],
)
def test_calc_labels_follow_the_registry(address: str, kind: str, registry: str) -> None:
    result = netlab("calc", address)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Address ") and lines[0].endswith(f"({kind})")
    assert lines[1].startswith("Registry ") and registry in lines[1]


def test_calc_decodes_teredo_in_text_and_json() -> None:
    teredo = "2001:0:4136:e378:8000:63bf:3fff:fdd2"
    text = netlab("calc", teredo).stdout
    embedded = [line for line in text.splitlines() if line.startswith("Embedded ")]
    assert embedded == [
        "Embedded     Teredo server 65.54.227.120 (bits 32-63), client 192.0.2.45, "
        "UDP port 40000 (bits 80-127, inverted)"
    ]
    info = json.loads(netlab("calc", teredo, "--json").stdout)
    assert info["flags"] == ["teredo"]
    assert info["special"]["block"] == "2001::/32"
    assert info["embedded"] == {
        "scheme": "teredo",
        "ipv4": None,
        "server_ipv4": "65.54.227.120",
        "client_ipv4": "192.0.2.45",
        "client_port": 40000,
    }


def test_calc_json_says_what_the_registry_says() -> None:
    info = json.loads(netlab("calc", "2002:c0e8:82e7:0:0:0:c0e8:82e7", "--json").stdout)
    assert info["special"] == {
        "kind": "6to4",
        "label": "6to4 (RFC 3056)",
        "block": "2002::/16",
        "rfc": "RFC 3056",
        "scope": None,
        "forwardable": True,
        "globally_reachable": None,
    }
    assert info["embedded"]["ipv4"] == "192.232.130.231"
    multicast = json.loads(netlab("calc", "ff05::1:3", "--json").stdout)["special"]
    assert (multicast["kind"], multicast["scope"], multicast["block"]) == (
        "multicast",
        "site-local",
        "ff05::/16",
    )
    documentation = json.loads(netlab("calc", "192.0.2.1", "--json").stdout)
    assert documentation["flags"] == ["documentation"]
    assert documentation["special"]["globally_reachable"] is False
    assert documentation["embedded"] is None and documentation["mask_note"] is None


def test_calc_labels_a_wildcard_mask() -> None:
    note = "0.0.0.255 is a wildcard (host) mask, read as netmask 255.255.255.0 = /24"
    result = netlab("calc", "10.0.0.0/0.0.0.255")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    mask = next(i for i, line in enumerate(lines) if line.startswith("Mask "))
    assert lines[mask].endswith("/24  255.255.255.0  hex ffffff00")
    assert lines[mask + 1].strip() == note
    info = json.loads(netlab("calc", "10.0.0.0", "0.0.0.255", "--json").stdout)
    assert info["network"] == "10.0.0.0/24"
    assert info["mask_note"] == note
    assert info["mask_source"] == "given"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["10.0.0.0/ 24"],
            "No space is allowed around the / in '10.0.0.0/ 24': write 10.0.0.0/24.",
        ),
        (["10.0.0.0", "/24"], "No space is allowed around the / in '10.0.0.0 /24'"),
        (["10.0.0.0//24"], "2 slashes in a row: write 10.0.0.0/24."),
        (["10.0.0.0/24x"], "'24x' is not a prefix length"),
        (["10.0.0.0/-1"], "Prefix /-1 is negative: use /0 to /32."),
        (["10.0.0.0/33"], "Prefix /33 is out of range for IPv4"),
        (["/"], "Nothing comes before the '/'"),
        (["10.0.0.0/255.0.255.0"], "neither a netmask nor a wildcard mask"),
    ],
)
def test_calc_rejects_malformed_prefixes(args: list[str], message: str) -> None:
    result = netlab("calc", *args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert message in result.stderr
    assert len(result.stderr.splitlines()) == 1
    error = json.loads(netlab("calc", *args, "--json").stdout)["error"]
    assert error["kind"] == "bad-input" and message in error["message"]
