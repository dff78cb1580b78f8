"""The address commands, run through the real `python -m netlab` entry point."""

from __future__ import annotations

import json

import pytest

from tests.cli.run import netlab


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


def test_calc_ipv6_split_as_in_the_seed() -> None:
    result = netlab("calc", "FE80:CD00:0000:0CDE:1257:0000:211E:729C")
    assert "network fe80:cd00:0000:0cde  subnet 1257  device 0000:211e:729c" in result.stdout


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
