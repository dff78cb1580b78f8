"""Addresses, masks and subnetting, checked against the seed's examples and `ipaddress`.

Every printed example in the seed (IP.go, Mask.go, IPv4Mask.go, the prose on IPv4 and
IPv6 addresses) appears here as a row of a table; the properties at the end compare
netlab's answers with the standard library for arbitrary addresses.
"""

from __future__ import annotations

import ipaddress
import itertools

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from netlab.core.addresses import (
    _IPV4_SPECIAL,
    _IPV6_SPECIAL,
    AddressError,
    Mask,
    SubnetSplit,
    SubnetText,
    bits_at_prefix,
    describe,
    grouped_bits,
    host_range,
    ipv4_class,
    looks_like_range,
    make_mask,
    parse_ip,
    parse_network,
    plan_for_hosts,
    prefix_for_hosts,
    range_to_networks,
    special,
    split,
)
from netlab.core.errors import InputError

MODEST = settings(max_examples=100, deadline=None)

V4 = ipaddress.IPv4Address
V6 = ipaddress.IPv6Address
net = ipaddress.ip_network


def assert_one_sentence(message: str) -> None:
    """The app shows an error as one line: a complete sentence ending with a full stop."""
    assert message, "empty message"
    assert len(message.splitlines()) == 1, message
    assert message == message.strip(), message
    assert message.endswith("."), message


def describe_or_error(text: str) -> object:
    """describe(text), or None if it raised AddressError with a one-sentence message."""
    try:
        return describe(text)
    except AddressError as error:
        assert_one_sentence(str(error))
        return None


# -- the seed: IP.go ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "printed"),
    [
        ("127.0.0.1", "127.0.0.1"),  # go run IP.go 127.0.0.1
        ("0:0:0:0:0:0:0:1", "::1"),  # go run IP.go 0:0:0:0:0:0:0:1
        ("  66.102.11.104 ", "66.102.11.104"),
        ("FE80:CD00:0000:0CDE:1257:0000:211E:729C", "fe80:cd00:0:cde:1257:0:211e:729c"),
    ],
)
def test_ip_go_prints_the_canonical_address(typed: str, printed: str) -> None:
    assert str(parse_ip(typed)) == printed


@pytest.mark.parametrize(
    "typed", ["", "localhost", "127.0.0.256", "127.0.0", "010.0.0.1", "::1::", "1.2.3.4/24"]
)
def test_ip_go_says_invalid_address(typed: str) -> None:
    assert parse_ip(typed) is None


def test_localhost_is_the_ipv6_loopback_written_short() -> None:
    info = describe("0:0:0:0:0:0:0:1")
    assert info.address == "::1"
    assert info.exploded == "0000:0000:0000:0000:0000:0000:0000:0001"
    assert "loopback" in info.flags


# -- the seed: Mask.go and IPv4Mask.go ------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "address", "bits", "ones", "mask_hex", "network"),
    [
        ("103.232.159.187 24 32", "103.232.159.187", 32, 24, "ffffff00", "103.232.159.0"),
        (
            "fda3:97c:1eb:fff0:5444:903a:33f0:3a6b 52 128",
            "fda3:97c:1eb:fff0:5444:903a:33f0:3a6b",
            128,
            52,
            "fffffffffffff0000000000000000000",
            "fda3:97c:1eb:f000::",
        ),
    ],
)
def test_mask_go(
    typed: str, address: str, bits: int, ones: int, mask_hex: str, network: str
) -> None:
    info = describe(typed)
    assert info.address == address
    assert info.mask.bits == bits  # "Mask length is"
    assert info.mask.prefix == ones  # "Leading ones count is"
    assert info.mask.hex == mask_hex  # "Mask is (hex)"
    assert info.network_address == network  # "Network is"
    assert info.mask_source == "given"


def test_ipv4mask_go_default_mask_of_192_168_1_3() -> None:
    info = describe("192.168.1.3")
    assert info.default_mask is not None
    assert info.default_mask.bits == 32  # "Default mask length is 32"
    assert info.default_mask.prefix == 24  # "Leading ones count is 24"
    assert info.default_mask.hex == "ffffff00"
    assert info.network_address == "192.168.1.0"
    # With no mask typed, the default mask is the one used, and the reason is given.
    assert info.mask == info.default_mask
    assert info.mask_source.startswith("none given")
    assert "class C" in info.mask_source


@pytest.mark.parametrize(
    ("address", "default_hex", "network"),
    [
        ("10.1.2.3", "ff000000", "10.0.0.0/8"),
        ("172.16.5.4", "ffff0000", "172.16.0.0/16"),
        ("192.168.1.3", "ffffff00", "192.168.1.0/24"),
        ("224.0.0.1", None, "224.0.0.1/32"),  # class D has no default mask: Go returns nil
        ("240.0.0.1", None, "240.0.0.1/32"),
    ],
)
def test_default_mask_by_class(address: str, default_hex: str | None, network: str) -> None:
    info = describe(address)
    assert (info.default_mask and info.default_mask.hex) == default_hex
    assert info.network == network


# -- the seed: IPv4 addresses, classes and masks ---------------------------------------------


def test_seed_binary_of_192_168_1_3_and_its_16_bit_split() -> None:
    info = describe("192.168.1.3/16")
    assert info.binary.replace(".", "") == "11000000101010000000000100000011"
    assert info.network_bits == "1100000010101000"
    assert info.host_bits == "0000000100000011"
    # "网络为 1100000010101000 0000000000000000 (或 192.168.0.0)"
    assert info.network_address == "192.168.0.0"
    assert grouped_bits(V4(info.network_address)).replace(".", "") == "1100000010101000" + "0" * 16
    # "设备地址为 0000000000000000 0000000100000011 (或 0.0.1.3)"
    assert info.device_part == "0.0.1.3"
    assert grouped_bits(V4(info.device_part)).replace(".", "") == "0" * 16 + "0000000100000011"
    assert bits_at_prefix(info) == ("11000000.10101000", "00000001.00000011")


@pytest.mark.parametrize(
    ("prefix", "dotted", "binary"),
    [
        (16, "255.255.0.0", "11111111111111110000000000000000"),
        (24, "255.255.255.0", "11111111111111111111111100000000"),
        (23, "255.255.254.0", "11111111111111111111111000000000"),
        (22, "255.255.252.0", "11111111111111111111110000000000"),
    ],
)
def test_seed_netmasks(prefix: int, dotted: str, binary: str) -> None:
    mask = make_mask(prefix, 4)
    assert mask.dotted == dotted
    assert mask.binary.replace(".", "") == binary
    # and back: the dotted mask typed after an address gives the same prefix
    assert describe(f"192.168.1.3 {dotted}").mask.prefix == prefix
    assert describe(f"192.168.1.3/{dotted}").mask == mask


@pytest.mark.parametrize(
    ("address", "letter"),
    [
        ("0.0.0.0", "A"),
        ("10.0.0.1", "A"),
        ("127.0.0.1", "A"),
        ("128.0.0.1", "B"),
        ("191.255.255.255", "B"),
        ("192.0.0.1", "C"),
        ("223.255.255.255", "C"),
        ("224.0.0.1", "D"),
        ("239.255.255.255", "D"),
        ("240.0.0.1", "E"),
        ("255.255.255.255", "E"),
    ],
)
def test_ipv4_class(address: str, letter: str) -> None:
    assert ipv4_class(V4(address)) == letter
    assert describe(address).ipv4_class == letter


def test_seed_class_sizes() -> None:
    first_octets = [ipv4_class(V4(octet << 24)) for octet in range(256)]
    # "只有 128 个 A 类网络"
    assert first_octets.count("A") == 128
    assert {letter: first_octets.count(letter) for letter in "BCDE"} == {
        "B": 64,
        "C": 32,
        "D": 16,
        "E": 16,
    }
    # A class B network holds 2**16 addresses; a class C 254 devices, not 256.
    assert describe("172.16.0.1").address_count == 2**16
    assert describe("192.168.1.3").host_count == 254


@pytest.mark.parametrize(
    ("hosts", "prefix"),
    [
        (254, 24),
        (255, 23),
        (400, 23),  # the seed's 400 computers: 23 network bits, 512 (-2) devices
        (510, 23),
        (511, 22),
        (1022, 22),  # "up to 1024 (-2) devices": 22 network bits
        (1023, 21),
        (1, 32),
        (2, 31),
        (3, 29),
    ],
)
def test_prefix_for_hosts_ipv4(hosts: int, prefix: int) -> None:
    assert prefix_for_hosts(hosts, 4) == prefix


@pytest.mark.parametrize(("hosts", "prefix"), [(1, 128), (2, 127), (3, 126), (2**64 - 1, 64)])
def test_prefix_for_hosts_ipv6(hosts: int, prefix: int) -> None:
    assert prefix_for_hosts(hosts, 6) == prefix


# -- the seed: IPv6 addresses ----------------------------------------------------------------


def test_ipv6_split_is_rfc_4291s_48_16_64_with_the_seeds_64_16_48_beside_it() -> None:
    info = describe("FE80:CD00:0000:0CDE:1257:0000:211E:729C")
    assert info.ipv6_split is not None
    split = info.ipv6_split
    assert (split.network, split.subnet, split.device) == (
        "fe80:cd00:0000",
        "0cde",
        "1257:0000:211e:729c",
    )
    # The seed's prose, as it reads this very address.
    assert (split.seed_network, split.seed_subnet, split.seed_device) == (
        "fe80:cd00:0000:0cde",
        "1257",
        "0000:211e:729c",
    )
    # With no prefix typed, the network is the first 64 bits: prefix and subnet ID.
    assert info.network == "fe80:cd00:0:cde::/64"
    assert info.mask_source.startswith("none given")


def test_ipv4_has_no_ipv6_split_and_ipv6_has_no_class() -> None:
    assert describe("192.168.1.3").ipv6_split is None
    v6 = describe("2001:db8::1")
    assert (v6.ipv4_class, v6.default_mask, v6.broadcast) == (None, None, None)


# -- describe: every input form gives the same complete description -------------------------


@pytest.mark.parametrize(
    ("typed", "network"),
    [
        ("192.168.1.3/16", "192.168.0.0/16"),
        ("192.168.1.3 255.255.0.0", "192.168.0.0/16"),
        ("192.168.1.3/255.255.0.0", "192.168.0.0/16"),
        ("  192.168.1.3\t16 32  ", "192.168.0.0/16"),
        ("192.168.1.3/0.0.255.255", "192.168.0.0/16"),  # Cisco hostmask
        ("10.0.0.0/0.0.0.255", "10.0.0.0/24"),
        ("10.0.0.0 0.0.0.255", "10.0.0.0/24"),
        ("2001:db8::1/64", "2001:db8::/64"),
        ("2001:DB8::1 48 128", "2001:db8::/48"),
        ("::ffff:192.168.1.1/120", "::ffff:c0a8:100/120"),
    ],
)
def test_input_forms(typed: str, network: str) -> None:
    info = describe(typed)
    assert net(info.network) == net(network)
    assert info.mask_source == "given"
    assert info.text == typed.strip()


def test_complete_description_of_192_168_1_3_slash_16() -> None:
    assert describe("192.168.1.3/16").to_dict() == {
        "text": "192.168.1.3/16",
        "version": 4,
        "address": "192.168.1.3",
        "exploded": "192.168.1.3",
        "integer": 3232235779,
        "hex": "c0a80103",
        "binary": "11000000.10101000.00000001.00000011",
        "flags": ("private",),
        "special": {
            "kind": "private",
            "label": "private use (RFC 1918)",
            "block": "192.168.0.0/16",
            "rfc": "RFC 1918",
            "scope": None,
            "forwardable": True,
            "globally_reachable": False,
        },
        "ipv4_mapped": None,
        "embedded": None,
        "mask": {
            "prefix": 16,
            "bits": 32,
            "dotted": "255.255.0.0",
            "hex": "ffff0000",
            "wildcard": "0.0.255.255",
            "binary": "11111111.11111111.00000000.00000000",
        },
        "mask_source": "given",
        "mask_note": None,
        "ipv4_class": "C",
        "default_mask": {
            "prefix": 24,
            "bits": 32,
            "dotted": "255.255.255.0",
            "hex": "ffffff00",
            "wildcard": "0.0.0.255",
            "binary": "11111111.11111111.11111111.00000000",
        },
        "network": "192.168.0.0/16",
        "network_address": "192.168.0.0",
        "device_part": "0.0.1.3",
        "broadcast": "192.168.255.255",
        "first_host": "192.168.0.1",
        "last_host": "192.168.255.254",
        "host_count": 65534,
        "address_count": 65536,
        "point_to_point": False,
        "ipv6_split": None,
        "reverse_pointer": "3.1.168.192.in-addr.arpa",
    }


def test_complete_description_of_an_ipv6_address() -> None:
    info = describe("2001:DB8:0:0::1/64")
    assert info.version == 6
    assert info.address == "2001:db8::1"
    assert info.exploded == "2001:0db8:0000:0000:0000:0000:0000:0001"
    assert info.integer == 0x20010DB8000000000000000000000001
    assert info.hex == "20010db8000000000000000000000001"
    assert info.binary.split(":") == [
        "0010000000000001",
        "0000110110111000",
        *["0000000000000000"] * 5,
        "0000000000000001",
    ]
    assert info.mask == Mask(
        prefix=64,
        bits=128,
        dotted="ffff:ffff:ffff:ffff::",
        hex="ffffffffffffffff0000000000000000",
        wildcard="::ffff:ffff:ffff:ffff",
        binary=":".join(["1" * 16] * 4 + ["0" * 16] * 4),
    )
    assert info.network == "2001:db8::/64"
    assert info.device_part == "::1"
    assert info.broadcast is None
    assert (info.first_host, info.last_host) == ("2001:db8::1", "2001:db8::ffff:ffff:ffff:ffff")
    assert info.host_count == 2**64 - 1
    assert info.address_count == 2**64
    assert info.reverse_pointer == "1." + "0." * 23 + "8.b.d.0.1.0.0.2.ip6.arpa"
    assert "interface" not in info.to_dict()


# -- what the IANA registries say about an address -------------------------------------------


@pytest.mark.parametrize(
    ("typed", "kind", "label", "block"),
    [
        # RFC 1918, RFC 6598, RFC 1122, RFC 3927
        ("10.0.0.1", "private", "private use (RFC 1918)", "10.0.0.0/8"),
        ("172.31.255.254", "private", "private use (RFC 1918)", "172.16.0.0/12"),
        ("192.168.1.3", "private", "private use (RFC 1918)", "192.168.0.0/16"),
        ("100.64.0.1", "shared", "shared address space, carrier-grade NAT (RFC 6598)", None),
        ("127.0.0.1", "loopback", "loopback (RFC 1122)", "127.0.0.0/8"),
        ("169.254.1.1", "link_local", "link-local (RFC 3927)", "169.254.0.0/16"),
        # documentation and benchmarking are neither private nor global
        ("192.0.2.1", "documentation", "documentation, TEST-NET-1 (RFC 5737)", "192.0.2.0/24"),
        ("198.51.100.7", "documentation", "documentation, TEST-NET-2 (RFC 5737)", None),
        ("203.0.113.255", "documentation", "documentation, TEST-NET-3 (RFC 5737)", None),
        ("198.18.0.1", "benchmarking", "benchmarking (RFC 2544)", "198.18.0.0/15"),
        ("198.19.255.255", "benchmarking", "benchmarking (RFC 2544)", "198.18.0.0/15"),
        ("2001:db8::1", "documentation", "documentation (RFC 3849)", "2001:db8::/32"),
        ("3fff::1", "documentation", "documentation (RFC 9637)", "3fff::/20"),
        ("3fff:fff::1", "documentation", "documentation (RFC 9637)", "3fff::/20"),
        ("2001:2::1", "benchmarking", "benchmarking (RFC 5180)", "2001:2::/48"),
        # "this network", this host, limited broadcast, class E
        ("0.0.0.0", "unspecified", None, "0.0.0.0/32"),
        ("0.1.2.3", "this_network", '"this network", a source only (RFC 791)', "0.0.0.0/8"),
        ("255.255.255.255", "limited_broadcast", "limited broadcast (RFC 919)", None),
        ("240.0.0.1", "reserved", "reserved, the old class E (RFC 1112)", "240.0.0.0/4"),
        ("255.255.255.254", "reserved", None, "240.0.0.0/4"),
        # the IETF's own small blocks, most specific first
        ("192.0.0.9", "anycast", "Port Control Protocol anycast (RFC 7723)", "192.0.0.9/32"),
        ("192.0.0.100", "protocol", "IETF protocol assignments (RFC 6890)", "192.0.0.0/24"),
        ("192.0.0.170", "protocol", "NAT64/DNS64 discovery (RFC 8880)", None),
        ("192.88.99.1", "deprecated", None, "192.88.99.0/24"),
        # IPv6
        ("::", "unspecified", "unspecified (RFC 4291)", "::/128"),
        ("::1", "loopback", "loopback (RFC 4291)", "::1/128"),
        ("fe80::1", "link_local", "link-local (RFC 4291)", "fe80::/10"),
        ("fd00::1", "unique_local", "unique local (RFC 4193)", "fc00::/7"),
        ("fc00::1", "unique_local", None, "fc00::/7"),
        ("::ffff:192.0.2.1", "ipv4_mapped", "IPv4-mapped (RFC 4291)", "::ffff:0:0/96"),
        ("64:ff9b::192.0.2.33", "nat64", "NAT64 well-known prefix (RFC 6052)", "64:ff9b::/96"),
        ("64:ff9b:1::1", "nat64", "NAT64 local-use prefix (RFC 8215)", "64:ff9b:1::/48"),
        ("100::1", "discard_only", "discard-only (RFC 6666)", "100::/64"),
        ("100:0:0:1::1", "reserved", "reserved by the IETF (RFC 4291)", "100::/8"),
        ("2002:c0e8:82e7:0:0:0:c0e8:82e7", "6to4", "6to4 (RFC 3056)", "2002::/16"),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "teredo", "Teredo (RFC 4380)", "2001::/32"),
        ("2001:1::1", "anycast", None, "2001:1::1/128"),
        ("2001:1::9", "protocol", "IETF protocol assignments (RFC 2928)", "2001::/23"),
        ("2001:10::1", "deprecated", None, "2001:10::/28"),
        ("fec0::1", "site_local", "site-local, deprecated (RFC 3879)", "fec0::/10"),
        ("4000::1", "reserved", "reserved by the IETF (RFC 4291)", "4000::/3"),
        # neither special nor private: global
        ("8.8.8.8", "global", "global unicast, in no special-purpose block", None),
        ("103.232.159.187", "global", None, None),  # Mask.go's example
        ("2606:4700:4700::1111", "global", "global unicast (RFC 4291)", "2000::/3"),
    ],
)
def test_registry_labels(typed: str, kind: str, label: str | None, block: str | None) -> None:
    info = describe(typed)
    assert info.special.kind == kind
    assert info.flags == (kind,)
    if label is not None:
        assert info.special.label == label
    if block is not None:
        assert info.special.block == block
        assert ipaddress.ip_address(info.address) in ipaddress.ip_network(block)


@pytest.mark.parametrize(
    ("typed", "forwardable", "reachable", "words"),
    [
        ("192.168.1.3", True, False, "not globally reachable"),
        ("100.64.0.1", True, False, "not globally reachable"),
        ("192.0.2.1", False, False, "never forwarded by routers"),
        ("127.0.0.1", False, False, "never forwarded by routers"),
        ("255.255.255.255", False, False, "never forwarded by routers"),
        ("8.8.8.8", True, True, "globally reachable"),
        ("192.0.0.9", True, True, "globally reachable"),  # a global anycast address
        ("64:ff9b::1.2.3.4", True, True, "globally reachable"),
        ("2001:db8::1", False, False, "never forwarded by routers"),
        ("fd00::1", True, False, "not globally reachable"),
        ("2002::1", True, None, "6to4 (RFC 3056) in 2002::/16"),  # the registry: N/A
    ],
)
def test_registry_reachability(
    typed: str, forwardable: bool | None, reachable: bool | None, words: str
) -> None:
    found = describe(typed).special
    assert (found.forwardable, found.globally_reachable) == (forwardable, reachable)
    assert found.summary.endswith(words)


def test_registry_summary_reads_as_one_line() -> None:
    assert describe("192.0.2.1").special.summary == (
        "documentation, TEST-NET-1 (RFC 5737) in 192.0.2.0/24: never forwarded by routers"
    )
    assert describe("8.8.8.8").special.summary == (
        "global unicast, in no special-purpose block: globally reachable"
    )


def test_python_calls_documentation_private_but_netlab_does_not() -> None:
    # Why the table is written out: ipaddress's is_private is not the registry's word.
    for typed in ("192.0.2.1", "198.18.0.1", "255.255.255.255", "2001:db8::1"):
        assert ipaddress.ip_address(typed).is_private
        assert "private" not in describe(typed).flags


@pytest.mark.parametrize(
    ("typed", "scope", "block", "label"),
    [
        ("224.0.0.1", "local network control", "224.0.0.0/24", None),
        ("224.0.0.251", "local network control", "224.0.0.0/24", None),
        ("224.0.1.1", "internetwork control", "224.0.1.0/24", None),
        ("224.0.2.1", "ad hoc block I", "224.0.2.0-224.0.255.255", None),
        ("224.2.1.1", "SDP/SAP", "224.2.0.0/16", None),
        ("225.1.2.3", "reserved block", "224.0.0.0/4", None),
        ("232.1.2.3", "source-specific", "232.0.0.0/8", "multicast, source-specific (RFC 4607)"),
        ("233.1.2.3", "GLOP", "233.1.2.0/24", "multicast, GLOP block of AS 258 (RFC 3180)"),
        ("233.252.0.9", "documentation, MCAST-TEST-NET", "233.252.0.0/24", None),
        ("234.1.2.3", "unicast-prefix-based", "234.0.0.0/8", None),
        ("239.1.2.3", "administratively scoped", "239.0.0.0/8", None),
        ("239.192.0.1", "organization-local scope", "239.192.0.0/14", None),
        ("239.255.255.250", "IPv4 local scope", "239.255.0.0/16", None),  # SSDP
        ("ff01::1", "interface-local", "ff01::/16", None),
        (
            "ff02::1",
            "link-local",
            "ff02::/16",
            "multicast, link-local scope, well-known (RFC 4291)",
        ),
        ("ff02::1:ff00:1", "link-local", "ff02::/16", None),  # a solicited-node group
        ("ff03::1", "realm-local", "ff03::/16", None),
        ("ff04::1", "admin-local", "ff04::/16", None),
        ("ff05::1:3", "site-local", "ff05::/16", None),
        ("ff08::1", "organization-local", "ff08::/16", None),
        ("ff0e::101", "global", "ff0e::/16", None),
        ("ff00::1", "reserved", "ff00::/16", None),
        ("ff06::1", "unassigned", "ff06::/16", None),
        ("ff12::1", "link-local", "ff12::/16", "multicast, link-local scope, transient (RFC 4291)"),
        ("ff3e:40:2001:db8::1", "global", "ff3e::/16", None),
        ("ff7e:140:2001:db8::1", "global", "ff7e::/16", None),
    ],
)
def test_multicast_with_its_scope(typed: str, scope: str, block: str, label: str | None) -> None:
    found = describe(typed).special
    assert found.kind == "multicast"
    assert found.scope == scope
    assert found.block == block
    assert scope in found.label
    if label is not None:
        assert found.label == label


@pytest.mark.parametrize(
    ("typed", "forwardable"),
    [("224.0.0.1", False), ("ff01::1", False), ("ff02::1", False), ("ff05::2", None)],
)
def test_link_scoped_multicast_is_never_forwarded(typed: str, forwardable: bool | None) -> None:
    assert describe(typed).special.forwardable is forwardable


@pytest.mark.parametrize(
    ("typed", "ipv4"),
    [
        ("2002:c0e8:82e7:0:0:0:c0e8:82e7", "192.232.130.231"),  # the seed's own example
        ("2002:c000:0201::1", "192.0.2.1"),
        ("2002:ffff:ffff::", "255.255.255.255"),
    ],
)
def test_6to4_carries_the_site_ipv4_in_bits_16_to_47(typed: str, ipv4: str) -> None:
    found = describe(typed).embedded
    assert found is not None
    assert (found.scheme, found.ipv4) == ("6to4", ipv4)
    assert (found.server_ipv4, found.client_ipv4, found.client_port) == (None, None, None)
    assert found.summary == f"6to4 site {ipv4} (bits 16-47)"


@pytest.mark.parametrize(
    ("typed", "server", "client", "port"),
    [
        # RFC 4380's worked example, as on Wikipedia's Teredo page
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "65.54.227.120", "192.0.2.45", 40000),
        # all-ones and all-zeros in the inverted fields
        ("2001:0:c000:201::ffff:ffff", "192.0.2.1", "0.0.0.0", 65535),
        ("2001:0:c000:201:0:ffff::", "192.0.2.1", "255.255.255.255", 0),
    ],
)
def test_teredo_decodes_server_client_and_port(
    typed: str, server: str, client: str, port: int
) -> None:
    found = describe(typed).embedded
    assert found is not None
    assert found.scheme == "teredo"
    assert (found.server_ipv4, found.client_ipv4, found.client_port) == (server, client, port)
    assert found.ipv4 is None
    assert f"server {server}" in found.summary
    assert f"client {client}, UDP port {port}" in found.summary


def test_nat64_carries_the_ipv4_host_in_the_last_32_bits() -> None:
    found = describe("64:ff9b::c000:221").embedded
    assert found is not None
    assert (found.scheme, found.ipv4) == ("nat64", "192.0.2.33")
    # The local-use prefix lets the operator choose where the IPv4 address goes: no guess.
    assert describe("64:ff9b:1::c000:221").embedded is None


@pytest.mark.parametrize("typed", ["192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1", "2001:1::1"])
def test_no_embedded_ipv4_where_none_is_defined(typed: str) -> None:
    assert describe(typed).embedded is None


@MODEST
@given(st.ip_addresses())
def test_every_address_gets_the_most_specific_block_holding_it(address: V4 | V6) -> None:
    found = special(address)
    assert found.kind and found.label
    if found.block is None:
        assert address.version == 4 and found.kind == "global"
        return
    if "-" in found.block:
        first, last = (V4(part) for part in found.block.split("-"))
        assert int(first) <= int(address) <= int(last)
    else:
        assert address in ipaddress.ip_network(found.block)


def test_registry_tables_have_no_duplicate_blocks() -> None:
    for table in (_IPV4_SPECIAL, _IPV6_SPECIAL):
        blocks = [entry.block for entry in table]
        assert len(blocks) == len(set(blocks))


def test_every_ipv6_address_is_in_some_registry_block() -> None:
    # The reserved and global blocks tile the whole space: nothing falls through to IPv4's
    # "global unicast, in no special-purpose block".
    blocks = [e.block for e in _IPV6_SPECIAL if e.kind == "reserved"]
    blocks += ["2000::/3", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8"]
    tiles = [ipaddress.IPv6Network(block) for block in blocks]
    assert sum(tile.num_addresses for tile in tiles) == 2**128
    assert list(ipaddress.collapse_addresses(tiles)) == [net("::/0")]


# -- masks typed as wildcards, and masks that are neither -------------------------------------


@pytest.mark.parametrize(
    ("typed", "network", "note"),
    [
        (
            "10.0.0.0/0.0.0.255",
            "10.0.0.0/24",
            "0.0.0.255 is a wildcard (host) mask, read as netmask 255.255.255.0 = /24",
        ),
        (
            "10.0.0.0 0.0.0.255",
            "10.0.0.0/24",
            "0.0.0.255 is a wildcard (host) mask, read as netmask 255.255.255.0 = /24",
        ),
        (
            "192.168.1.3/0.0.255.255",
            "192.168.0.0/16",
            "0.0.255.255 is a wildcard (host) mask, read as netmask 255.255.0.0 = /16",
        ),
        (
            "10.0.0.1/0.0.0.1",
            "10.0.0.0/31",
            "0.0.0.1 is a wildcard (host) mask, read as netmask 255.255.255.254 = /31",
        ),
        (
            "10.0.0.1/0.0.0.0",
            "0.0.0.0/0",
            "0.0.0.0 is read as the netmask /0; as a wildcard (host) mask it would mean /32: "
            "write /32 for that",
        ),
        (
            "10.0.0.1 255.255.255.255",
            "10.0.0.1/32",
            "255.255.255.255 is read as the netmask /32; as a wildcard (host) mask it would "
            "mean /0: write /0 for that",
        ),
        ("10.0.0.0/255.255.255.0", "10.0.0.0/24", None),
        ("10.0.0.0/24", "10.0.0.0/24", None),
        ("10.0.0.0 24 32", "10.0.0.0/24", None),
        ("10.0.0.0", "10.0.0.0/8", None),
    ],
)
def test_a_wildcard_mask_is_read_and_said_so(typed: str, network: str, note: str | None) -> None:
    info = describe(typed)
    assert info.network == network
    assert info.mask_note == note
    assert info.to_dict()["mask_note"] == note


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("10.0.0.0/ 24", "No space is allowed around the / in '10.0.0.0/ 24': write 10.0.0.0/24."),
        ("10.0.0.0 /24", "No space is allowed around the / in '10.0.0.0 /24': write 10.0.0.0/24."),
        (
            "10.0.0.0 / 24",
            "No space is allowed around the / in '10.0.0.0 / 24': write 10.0.0.0/24.",
        ),
        (
            "10.0.0.0 /24 extra",
            "No space is allowed around the / in '10.0.0.0 /24 extra': write '10.0.0.0/24 extra'.",
        ),
        (
            "10.0.0.0/24x",
            "'24x' is not a prefix length: use a number from 0 to 32, as in 10.0.0.0/24.",
        ),
        ("10.0.0.0//24", "'10.0.0.0//24' has 2 slashes in a row: write 10.0.0.0/24."),
        (
            "10.0.0.0/24/8",
            "'10.0.0.0/24/8' has 2 slashes: write one, between the address and its mask, "
            "as in 192.168.1.3/24.",
        ),
        (
            "/",
            "Nothing comes before the '/' in '/': write the address first, as in 192.168.1.3/24.",
        ),
        (
            "10.0.0.0/",
            "Nothing follows the '/' in '10.0.0.0/': add a prefix length such as /24 "
            "or a mask such as 255.255.255.0.",
        ),
        ("10.0.0.0/-1", "Prefix /-1 is negative: use /0 to /32."),
        ("10.0.0.0/33", "Prefix /33 is out of range for IPv4: use /0 to /32."),
        ("2001:db8::/129", "Prefix /129 is out of range for IPv6: use /0 to /128."),
        (
            "10.0.0.0/255.0.255.0",
            "255.0.255.0 is neither a netmask nor a wildcard mask: a netmask's one bits come "
            "first and are contiguous, as in 255.255.0.0, and a wildcard's come last, "
            "as in 0.0.255.255.",
        ),
    ],
)
def test_malformed_prefixes_are_errors(typed: str, message: str) -> None:
    with pytest.raises(AddressError) as caught:
        describe(typed)
    assert str(caught.value) == message
    assert_one_sentence(message)


@pytest.mark.parametrize(
    ("typed", "address", "mapped"),
    [
        ("::ffff:192.168.1.1", "::ffff:192.168.1.1", "192.168.1.1"),
        ("::FFFF:C0A8:0101", "::ffff:192.168.1.1", "192.168.1.1"),
        ("2001:db8::1", "2001:db8::1", None),
        ("192.168.1.1", "192.168.1.1", None),
    ],
)
def test_ipv4_mapped(typed: str, address: str, mapped: str | None) -> None:
    info = describe(typed)
    assert info.address == address
    assert info.ipv4_mapped == mapped


@pytest.mark.parametrize(
    ("prefix", "version", "dotted", "mask_hex", "wildcard"),
    [
        (0, 4, "0.0.0.0", "00000000", "255.255.255.255"),
        (8, 4, "255.0.0.0", "ff000000", "0.255.255.255"),
        (24, 4, "255.255.255.0", "ffffff00", "0.0.0.255"),
        (31, 4, "255.255.255.254", "fffffffe", "0.0.0.1"),
        (32, 4, "255.255.255.255", "ffffffff", "0.0.0.0"),
        (0, 6, "::", "0" * 32, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
        (
            52,
            6,
            "ffff:ffff:ffff:f000::",
            "fffffffffffff0000000000000000000",
            "::fff:" + "ffff:" * 3 + "ffff",
        ),
        (128, 6, "ffff:" * 7 + "ffff", "f" * 32, "::"),
    ],
)
def test_mask_forms(prefix: int, version: int, dotted: str, mask_hex: str, wildcard: str) -> None:
    mask = make_mask(prefix, version)
    assert (mask.prefix, mask.bits) == (prefix, 32 if version == 4 else 128)
    assert (mask.dotted, mask.hex, mask.wildcard) == (dotted, mask_hex, wildcard)


@pytest.mark.parametrize(
    ("typed", "broadcast", "first", "last", "hosts", "point_to_point"),
    [
        ("10.0.0.0/24", "10.0.0.255", "10.0.0.1", "10.0.0.254", 254, False),
        ("10.0.0.9/30", "10.0.0.11", "10.0.0.9", "10.0.0.10", 2, False),
        ("10.0.0.0/31", None, "10.0.0.0", "10.0.0.1", 2, True),  # RFC 3021
        ("10.0.0.7/32", None, "10.0.0.7", "10.0.0.7", 1, False),
        ("0.0.0.0/0", "255.255.255.255", "0.0.0.1", "255.255.255.254", 2**32 - 2, False),
        ("2001:db8::/127", None, "2001:db8::", "2001:db8::1", 2, True),  # RFC 6164
        ("2001:db8::1/128", None, "2001:db8::1", "2001:db8::1", 1, False),
        ("2001:db8::/126", None, "2001:db8::1", "2001:db8::3", 3, False),
        ("::/0", None, "::1", "ffff:" * 7 + "ffff", 2**128 - 1, False),
    ],
)
def test_host_range(
    typed: str,
    broadcast: str | None,
    first: str,
    last: str,
    hosts: int,
    point_to_point: bool,
) -> None:
    info = describe(typed)
    assert info.broadcast == broadcast
    assert (info.first_host, info.last_host) == (first, last)
    assert info.host_count == hosts
    assert info.point_to_point is point_to_point
    assert host_range(info.interface.network) == (first, last, hosts)


@pytest.mark.parametrize(
    ("typed", "pointer"),
    [
        ("192.168.1.3", "3.1.168.192.in-addr.arpa"),
        ("127.0.0.1/8", "1.0.0.127.in-addr.arpa"),
        ("::1", "1." + "0." * 31 + "ip6.arpa"),
    ],
)
def test_reverse_dns_name(typed: str, pointer: str) -> None:
    assert describe(typed).reverse_pointer == pointer


@pytest.mark.parametrize(
    ("typed", "network_side", "device_side"),
    [
        ("192.168.1.3/16", "11000000.10101000", "00000001.00000011"),
        ("192.168.1.3/20", "11000000.10101000.0000", "0001.00000011"),
        ("192.168.1.3/0", "", "11000000.10101000.00000001.00000011"),
        ("192.168.1.3/32", "11000000.10101000.00000001.00000011", ""),
        ("::1/112", ":".join(["0" * 16] * 7), "0000000000000001"),
    ],
)
def test_bits_at_prefix(typed: str, network_side: str, device_side: str) -> None:
    assert bits_at_prefix(describe(typed)) == (network_side, device_side)


def test_parse_network_drops_the_host_bits() -> None:
    assert parse_network("192.168.1.3/24") == net("192.168.1.0/24")
    assert parse_network("2001:db8::1/32") == net("2001:db8::/32")


# -- bad input: one error type, one sentence -------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "key_words"),
    [
        ("010.0.0.1", ["'010'", "leading zero", "10.0.0.1"]),
        ("192.168.01.3/24", ["leading zero", "192.168.1.3"]),
        ("1.2.3.0256", ["0256", "out of range", "0 to 255"]),
        ("192.168.1.3/255.0.255.0", ["255.0.255.0", "neither a netmask nor a wildcard"]),
        ("192.168.1.3 255.255.0.255", ["contiguous", "255.255.0.0", "0.0.255.255"]),
        ("192.168.1.3/33", ["/33", "out of range", "/0 to /32"]),
        ("::1/129", ["/129", "out of range", "/0 to /128"]),
        ("192.168.1.3 33 32", ["/33", "/0 to /32"]),
        ("192.168.1.3/", ["Nothing follows the '/'", "/24", "255.255.255.0"]),
        ("192.168.1.3 /", ["Nothing follows the '/'"]),
        ("::1/", ["Nothing follows the '/'"]),
        ("192.168.1.3/24 junk", ["Unexpected", "'junk'", "once"]),
        ("192.168.1.3 24 32 extra", ["Unexpected", "'extra'", "103.232.159.187 24 32"]),
        ("192.168.1.3/24x", ["'24x' is not a prefix length", "0 to 32", "192.168.1.3/24"]),
        ("192.168.1.3/-1", ["/-1 is negative", "/0 to /32"]),
        ("", ["Type an address", "192.168.1.3/24"]),
        ("   ", ["Type an address"]),
        ("1" * 121, ["121 characters", "120"]),
        ("192.168.1", ["3 numbers", "4", "192.168.1.3"]),
        ("10", ["1 number;", "4"]),
        ("192.168.1.256", ["256", "out of range", "0 to 255"]),
        ("junk", ["'junk'", "not an IPv4 or IPv6 address", "192.168.1.3"]),
        ("1..2.3", ["not an IPv4 or IPv6 address"]),
        ("2001:db8:::1", ["not an IPv6 address", "2001:db8::1"]),
        ("/24", ["Nothing comes before the '/'", "192.168.1.3/24"]),
        ("192.168.1.3/a.b.c.d", ["'a'", "not a number", "0 to 255"]),
        ("192.168.1.3/255.255.255.\u0660", ["not a number"]),
        ("192.168.1.3/255.255.0", ["3 numbers"]),
        ("192.168.1.3/255..255.0", ["empty octet"]),
        ("192.168.1.3 24 33", ["32 bits", "not 33", "192.168.1.3 24 32"]),
        ("192.168.1.3 24 bits", ["'bits'", "must be a number", "32"]),
        ("::1 255.255.0.0", ["IPv6", "prefix length", "/64"]),
        ("::1 64 32", ["128 bits", "not 32"]),
    ],
)
def test_bad_input_says_what_is_wrong_and_what_is_right(typed: str, key_words: list[str]) -> None:
    with pytest.raises(AddressError) as caught:
        describe(typed)
    message = str(caught.value)
    for word in key_words:
        assert word in message
    assert_one_sentence(message)


def test_address_error_is_the_input_error_of_the_project() -> None:
    assert issubclass(AddressError, InputError)
    assert issubclass(AddressError, ValueError)
    with pytest.raises(ValueError):
        describe("junk")


def test_non_text_is_refused_with_an_address_error() -> None:
    with pytest.raises(AddressError, match="must be text"):
        describe(3232235779)  # type: ignore[arg-type]


# -- subnetting: lazy splits -------------------------------------------------------------------


def test_split_a_slash_8_into_slash_32s_pages_at_once() -> None:
    subnets = split("10.0.0.0/8", 32)
    assert subnets.count == 2**24
    assert len(subnets) == 2**24
    assert subnets.page(0, 3) == [net("10.0.0.0/32"), net("10.0.0.1/32"), net("10.0.0.2/32")]
    assert subnets[-1] == net("10.255.255.255/32")
    assert subnets[256] == net("10.0.1.0/32")


def test_split_a_slash_48_into_slash_64s() -> None:
    subnets = split("2001:db8::/48", 64)
    assert subnets.count == 2**16
    assert subnets.page(0, 2) == [net("2001:db8::/64"), net("2001:db8:0:1::/64")]
    assert subnets[-1] == net("2001:db8:0:ffff::/64")


def test_ipv6_subnets_stay_ipv6_near_the_zero_address() -> None:
    # ip_network((0, 16)) is 0.0.0.0/16; a split or plan of ::/0 must not turn into IPv4.
    assert split("::/0", 16)[0] == net("::/16")
    assert split("::/0", 0)[0] == net("::/0")
    assert plan_for_hosts("::/0", [2**100])[0].network == net("::/27")


def test_split_the_whole_ipv6_space_into_single_addresses() -> None:
    subnets = split("::/0", 128)
    assert isinstance(subnets, SubnetSplit)
    assert subnets.count == 2**128
    assert subnets.page(0, 5) == [net(f"::{i}/128") for i in range(5)]
    assert subnets.page(2**128 - 2, 5) == [
        net("ffff:" * 7 + "fffe/128"),
        net("ffff:" * 7 + "ffff/128"),
    ]
    assert subnets[-1] == net("ffff:" * 7 + "ffff/128")
    assert subnets[-2:] == subnets.page(2**128 - 2, 2)
    assert subnets[2**127] == net("8000::/128")
    assert list(itertools.islice(subnets, 3)) == subnets.page(0, 3)
    assert next(reversed(subnets)) == subnets[-1]
    assert net("::5/128") in subnets
    assert net("::4/127") not in subnets
    assert net("10.0.0.0/32") not in subnets


@pytest.mark.parametrize(
    ("network", "new_prefix", "expected"),
    [
        (
            "192.168.0.0/22",
            24,
            ["192.168.0.0/24", "192.168.1.0/24", "192.168.2.0/24", "192.168.3.0/24"],
        ),
        ("192.168.1.3/24", 24, ["192.168.1.0/24"]),
        ("10.0.0.0/30", 32, ["10.0.0.0/32", "10.0.0.1/32", "10.0.0.2/32", "10.0.0.3/32"]),
        ("2001:db8::/63", 64, ["2001:db8::/64", "2001:db8:0:1::/64"]),
    ],
)
def test_small_splits_list_in_full(network: str, new_prefix: int, expected: list[str]) -> None:
    subnets = split(network, new_prefix)
    assert list(subnets) == [net(text) for text in expected]
    assert list(reversed(subnets)) == [net(text) for text in reversed(expected)]
    assert subnets[:] == list(subnets)


@pytest.mark.parametrize(
    ("offset", "limit", "expected"),
    [
        (0, 2, ["10.0.0.0/26", "10.0.0.64/26"]),
        (3, 10, ["10.0.0.192/26"]),
        (4, 10, []),
        (-5, 1, ["10.0.0.0/26"]),
        (1, 0, []),
        (1, -3, []),
        (10**40, 5, []),
    ],
)
def test_page_bounds(offset: int, limit: int, expected: list[str]) -> None:
    assert split("10.0.0.0/24", 26).page(offset, limit) == [net(text) for text in expected]


@pytest.mark.parametrize("index", [4, -5, 10**40])
def test_split_index_out_of_range(index: int) -> None:
    with pytest.raises(IndexError):
        split("10.0.0.0/24", 26)[index]


@pytest.mark.parametrize(
    ("network", "new_prefix", "key_words"),
    [
        ("10.0.0.0/8", 7, ["/7", "/8 to /32"]),
        ("10.0.0.0/8", 33, ["/33", "/8 to /32"]),
        ("2001:db8::/48", 129, ["/48 to /128"]),
    ],
)
def test_split_refuses_a_prefix_outside_the_network(
    network: str, new_prefix: int, key_words: list[str]
) -> None:
    with pytest.raises(AddressError) as caught:
        split(network, new_prefix)
    for word in key_words:
        assert word in str(caught.value)
    assert_one_sentence(str(caught.value))


# -- subnetting: plans sized by host counts ---------------------------------------------------


def test_plan_for_hosts_largest_first() -> None:
    plan = plan_for_hosts("10.0.0.0/24", [10, 100, 50])
    assert [(a.index, a.hosts_wanted, str(a.network), a.hosts_usable) for a in plan] == [
        (1, 100, "10.0.0.0/25", 126),
        (2, 50, "10.0.0.128/26", 62),
        (0, 10, "10.0.0.192/28", 14),
    ]


@pytest.mark.parametrize(
    ("network", "counts", "expected"),
    [
        ("10.0.0.0/24", [254], ["10.0.0.0/24"]),
        ("10.0.0.0/30", [2, 1, 1], ["10.0.0.0/31", "10.0.0.2/32", "10.0.0.3/32"]),
        ("192.168.0.0/22", [400, 200], ["192.168.0.0/23", "192.168.2.0/24"]),
        ("2001:db8::/64", [2**64 - 1], ["2001:db8::/64"]),
        ("2001:db8::/120", [2, 100], ["2001:db8::/121", "2001:db8::80/127"]),
    ],
)
def test_plan_for_hosts_examples(network: str, counts: list[int], expected: list[str]) -> None:
    assert [str(a.network) for a in plan_for_hosts(network, counts)] == expected


@pytest.mark.parametrize(
    ("network", "counts", "key_words"),
    [
        ("10.0.0.0/24", [255], ["256 addresses", "need 512", "shorter prefix"]),
        ("10.0.0.0/24", [200, 100], ["256 addresses", "need 384"]),
        ("10.0.0.0/24", [2**40], ["256 addresses"]),
        ("2001:db8::/64", [2**64], ["18446744073709551616 addresses"]),
        ("10.0.0.1/32", [1, 1], ["has 1 address but", "need 2"]),
        ("2001:db8::1/128", [1, 1], ["has 1 address but", "need 2"]),
        ("10.0.0.0/24", [0], ["at least 1 host", "not 0"]),
        ("10.0.0.0/24", [-3], ["at least 1 host"]),
        ("10.0.0.0/24", [], ["at least one host count"]),
        ("10.0.0.0/24", [1] * 4097, ["4097 host counts", "at most 4096"]),
        ("10.0.0.0/33", [1], ["/33"]),
    ],
)
def test_plan_for_hosts_refuses(network: str, counts: list[int], key_words: list[str]) -> None:
    with pytest.raises(AddressError) as caught:
        plan_for_hosts(network, counts)
    for word in key_words:
        assert word in str(caught.value)
    assert_one_sentence(str(caught.value))


# -- subnetting: ranges to CIDR blocks -------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (
            "10.0.0.5 - 10.0.0.20",
            ["10.0.0.5/32", "10.0.0.6/31", "10.0.0.8/29", "10.0.0.16/30", "10.0.0.20/32"],
        ),
        ("10.0.0.0-10.0.0.255", ["10.0.0.0/24"]),
        ("192.168.1.3 - 192.168.1.3", ["192.168.1.3/32"]),
        ("0.0.0.0 - 255.255.255.255", ["0.0.0.0/0"]),
        (":: - " + "ffff:" * 7 + "ffff", ["::/0"]),
        ("2001:db8:: - 2001:db8::2", ["2001:db8::/127", "2001:db8::2/128"]),
    ],
)
def test_range_to_networks(typed: str, expected: list[str]) -> None:
    assert range_to_networks(typed) == [net(text) for text in expected]


@pytest.mark.parametrize(
    ("typed", "key_words"),
    [
        ("10.0.0.20 - 10.0.0.5", ["starts after it ends", "10.0.0.5 - 10.0.0.20"]),
        ("::1 - 10.0.0.1", ["same version"]),
        ("10.0.0.5", ["not a range", "FIRST - LAST"]),
        ("10.0.0.5 -", ["missing"]),
        ("10.0.0.5 - 10.0.0.256", ["256", "0 to 255"]),
        ("010.0.0.5 - 10.0.0.9", ["leading zero"]),
    ],
)
def test_range_refuses(typed: str, key_words: list[str]) -> None:
    with pytest.raises(AddressError) as caught:
        range_to_networks(typed)
    for word in key_words:
        assert word in str(caught.value)
    assert_one_sentence(str(caught.value))


@pytest.mark.parametrize(
    ("typed", "is_range"),
    [
        ("10.0.0.5 - 10.0.0.20", True),
        ("10.0.0.5-10.0.0.20", True),
        ("10.0.0.0/24", False),
        ("192.168.1.3", False),
    ],
)
def test_looks_like_range(typed: str, is_range: bool) -> None:
    assert looks_like_range(typed) is is_range


# -- properties ----------------------------------------------------------------------------

HUMAN_ALPHABET = "0123456789abcdefABCDEF:./ -%x"

addresses_with_prefix = st.one_of(
    st.tuples(st.ip_addresses(v=4), st.integers(0, 32)),
    st.tuples(st.ip_addresses(v=6), st.integers(0, 128)),
)


@MODEST
@given(st.text())
def test_describe_raises_only_address_error_on_any_text(text: str) -> None:
    describe_or_error(text)


@MODEST
@given(st.text(alphabet=HUMAN_ALPHABET, max_size=60))
def test_describe_raises_only_address_error_on_address_like_text(text: str) -> None:
    describe_or_error(text)


@MODEST
@given(st.text(alphabet=HUMAN_ALPHABET, max_size=60))
def test_range_and_split_raise_only_address_error(text: str) -> None:
    for call in (range_to_networks, lambda t: split(t, 32), lambda t: plan_for_hosts(t, [2])):
        try:
            call(text)
        except AddressError as error:
            assert_one_sentence(str(error))


def expected_host_count(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> int:
    size, prefix = network.num_addresses, network.prefixlen
    if network.version == 4:
        return size - 2 if prefix < 31 else {31: 2, 32: 1}[prefix]
    return size - 1 if prefix < 127 else {127: 2, 128: 1}[prefix]


@MODEST
@given(addresses_with_prefix)
def test_describe_round_trips_with_ipaddress(pair: tuple[V4 | V6, int]) -> None:
    address, prefix = pair
    info = describe(f"{address}/{prefix}")
    expected = ipaddress.ip_interface(f"{address}/{prefix}")
    bits = expected.max_prefixlen

    assert ipaddress.ip_network(info.network) == expected.network
    assert info.integer == int(address)
    assert ipaddress.ip_address(info.address) == address
    assert info.host_count == expected_host_count(expected.network)
    assert info.address_count == expected.network.num_addresses
    assert len(info.mask.hex) == bits // 4
    assert format(int(info.mask.hex, 16), f"0{bits}b") == "1" * prefix + "0" * (bits - prefix)
    assert (info.mask.prefix, info.mask.bits) == (prefix, bits)
    assert info.network_bits + info.host_bits == format(int(address), f"0{bits}b")
    network_side, device_side = bits_at_prefix(info)
    assert info.binary in (
        network_side + device_side,
        f"{network_side}.{device_side}",
        f"{network_side}:{device_side}",
    )
    device = ipaddress.ip_address(info.device_part)
    assert int(device) | int(expected.network.network_address) == int(address)
    # Mask.go's form names the same network.
    assert describe(f"{address} {prefix} {bits}").network == info.network


@MODEST
@given(st.ip_addresses(v=4), st.integers(0, 32))
def test_dotted_masks_round_trip(address: V4, prefix: int) -> None:
    mask = make_mask(prefix, 4)
    assert describe(f"{address} {mask.dotted}").mask == mask
    assert describe(f"{address}/{mask.dotted}").mask == mask
    # A hostmask reads the same, except 0.0.0.0 and 255.255.255.255 which are netmasks.
    assume(0 < prefix < 32)
    assert describe(f"{address}/{mask.wildcard}").mask == mask


@MODEST
@given(
    st.one_of(
        st.tuples(st.ip_addresses(v=4), st.integers(0, 32)),
        st.tuples(st.ip_addresses(v=6), st.integers(0, 128)),
    ),
    st.integers(0, 6),
)
def test_split_matches_ipaddress_subnets(pair: tuple[V4 | V6, int], extra: int) -> None:
    address, prefix = pair
    network = ipaddress.ip_interface(f"{address}/{prefix}").network
    new_prefix = min(prefix + extra, network.max_prefixlen)
    subnets = split(network, new_prefix)
    expected = list(network.subnets(new_prefix=new_prefix))
    assert list(subnets) == expected
    assert subnets.count == len(expected)
    assert subnets.page(1, 3) == expected[1:4]


@MODEST
@given(st.ip_addresses(v=6), st.integers(0, 128), st.data())
def test_huge_splits_index_by_arithmetic(address: V6, prefix: int, data: st.DataObject) -> None:
    network = ipaddress.ip_interface(f"{address}/{prefix}").network
    new_prefix = data.draw(st.integers(prefix, 128), label="new_prefix")
    subnets = split(network, new_prefix)
    assert subnets.count == 2 ** (new_prefix - prefix)
    index = data.draw(st.integers(0, subnets.count - 1), label="index")
    expected = ipaddress.IPv6Network(
        (int(network.network_address) + index * 2 ** (128 - new_prefix), new_prefix)
    )
    assert isinstance(subnets[index], ipaddress.IPv6Network)
    assert subnets[index] == expected
    assert subnets[index - subnets.count] == expected
    assert subnets.page(index, 1) == [expected]
    assert expected in subnets
    assert expected.subnet_of(network)  # type: ignore[arg-type]


def _page_as_objects(subnets: SubnetSplit, offset: int, limit: int) -> list[SubnetText]:
    return [SubnetText(str(s), *host_range(s)) for s in subnets.page(offset, limit)]


@pytest.mark.parametrize(
    ("network", "new_prefix"),
    [
        ("10.0.0.0/8", 24),
        ("10.0.0.0/30", 31),
        ("10.0.0.0/30", 32),
        ("0.0.0.0/0", 32),
        ("2001:db8::/32", 64),
        ("::/0", 128),
        ("::/126", 127),
        ("::ffff:0:0/96", 120),  # IPv4-mapped: dotted as canonical() writes it
        ("::ffff:0:0/96", 128),
        ("::fffe:ffff:ff00/120", 128),  # the last block before the mapped ones
        ("1:0:0:1::/64", 96),  # two equal runs of zeros: the first becomes ::
    ],
)
def test_page_text_is_str_and_host_range_of_each_subnet(network: str, new_prefix: int) -> None:
    subnets = split(network, new_prefix)
    for offset in (0, subnets.count // 2, subnets.count - 3):
        assert subnets.page_text(offset, 50) == _page_as_objects(subnets, offset, 50)
    assert subnets.page_text(subnets.count, 5) == []
    assert subnets.page_text(-5, 1) == _page_as_objects(subnets, 0, 1)


@MODEST
@given(
    st.one_of(
        st.tuples(st.ip_addresses(v=4), st.integers(0, 32)),
        st.tuples(st.ip_addresses(v=6), st.integers(0, 128)),
    ),
    st.integers(0, 8),
    st.data(),
)
def test_page_text_matches_the_subnets(
    pair: tuple[V4 | V6, int], extra: int, data: st.DataObject
) -> None:
    address, prefix = pair
    network = ipaddress.ip_interface(f"{address}/{prefix}").network
    subnets = split(network, min(prefix + extra, network.max_prefixlen))
    offset = data.draw(st.integers(0, subnets.count - 1), label="offset")
    assert subnets.page_text(offset, 4) == _page_as_objects(subnets, offset, 4)


def usable(size: int, version: int) -> int:
    """How many hosts a block of `size` addresses holds (RFC 3021 / RFC 6164 for size 2)."""
    if size <= 2:
        return size
    return size - 2 if version == 4 else size - 1


@pytest.mark.parametrize(("version", "widest"), [(4, 16), (6, 100)])
@MODEST
@given(data=st.data())
def test_plan_for_hosts_properties(version: int, widest: int, data: st.DataObject) -> None:
    bits = 32 if version == 4 else 128
    address = data.draw(st.ip_addresses(v=version), label="address")  # type: ignore[arg-type]
    prefix = data.draw(st.integers(widest, bits), label="prefix")
    counts = data.draw(st.lists(st.integers(1, 3000), min_size=1, max_size=8), label="counts")
    network = ipaddress.ip_interface(f"{address}/{prefix}").network

    def block(hosts: int) -> int:
        return next(2**k for k in range(bits + 1) if usable(2**k, version) >= hosts)

    if sum(block(hosts) for hosts in counts) > network.num_addresses:
        with pytest.raises(AddressError):
            plan_for_hosts(network, counts)
        return
    plan = plan_for_hosts(network, counts)
    assert sorted(a.index for a in plan) == list(range(len(counts)))
    sizes = [a.network.num_addresses for a in plan]
    assert sizes == sorted(sizes, reverse=True)
    for allocation in plan:
        assert allocation.hosts_wanted == counts[allocation.index]
        assert allocation.network.subnet_of(network)  # type: ignore[arg-type]
        assert allocation.network.num_addresses == block(allocation.hosts_wanted)
        assert allocation.hosts_usable == usable(allocation.network.num_addresses, version)
        assert allocation.hosts_usable >= allocation.hosts_wanted
    by_start = sorted(plan, key=lambda a: int(a.network.network_address))
    for before, after in itertools.pairwise(by_start):
        assert int(before.network.broadcast_address) < int(after.network.network_address)


@MODEST
@given(
    st.one_of(
        st.tuples(st.ip_addresses(v=4), st.ip_addresses(v=4)),
        st.tuples(st.ip_addresses(v=6), st.ip_addresses(v=6)),
        st.ip_addresses(v=4).flatmap(
            lambda a: st.tuples(
                st.just(a), st.integers(0, 300).map(lambda n: V4(min(int(a) + n, 2**32 - 1)))
            )
        ),
    ),
    st.sampled_from(["-", " - ", "  -\t"]),
)
def test_range_to_networks_is_exact_and_fewest(pair: tuple[V4 | V6, V4 | V6], dash: str) -> None:
    first, last = sorted(pair)
    blocks = range_to_networks(f"{first}{dash}{last}")
    assert blocks == list(ipaddress.summarize_address_range(first, last))
    assert blocks[0].network_address == first
    assert blocks[-1].broadcast_address == last
    for before, after in itertools.pairwise(blocks):
        assert int(before.broadcast_address) + 1 == int(after.network_address)
    assert sum(block.num_addresses for block in blocks) == int(last) - int(first) + 1
    # Fewest: no two neighbours could be one block.
    collapsed = list(ipaddress.collapse_addresses(blocks))  # type: ignore[type-var]
    assert len(collapsed) == len(blocks)
