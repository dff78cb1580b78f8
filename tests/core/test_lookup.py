"""Name lookups, for real: localhost, a DNS server on 127.0.0.1, and private machines.

Nothing here sends a packet anywhere but 127.0.0.1 and ::1, and nothing is faked.

- In this process the system resolver is asked only what this machine's /etc/hosts
  answers by itself (localhost, 127.0.0.1) and DNS questions go only to the dnslib
  server the tests start on 127.0.0.1. An audit hook watches every resolver call and
  every socket send while these tests run, and fails the test that would break that.
- Everything else the system resolver does (IPv6 first, aliases, NXDOMAIN, SERVFAIL,
  no PTR name, a server that never answers, resolv.conf) is tried on a private
  machine: a network namespace with only a loopback and its own /etc/hosts and
  /etc/resolv.conf, whose resolv.conf names the same dnslib server, run inside it on
  127.0.0.1 port 53. Real glibc and real dnspython do the work, and nothing can leave.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar, Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netlab.core import lookup
from netlab.core.errors import InputError, NetlabError, OperationFailed
from netlab.core.hostnames import check_hostname
from netlab.core.lookup import (
    RECORD_TYPES,
    DnsAnswer,
    DnsFailed,
    dns_query,
    lookup_cname,
    lookup_host,
    lookup_port,
    lookup_service,
    resolve,
    reverse,
)
from tests.core.dns_server import (
    BIG_TEXT,
    KSK_DIGEST,
    KSK_TAG,
    SVCB_TEXT,
    ZSK_TAG,
    LocalDnsServer,
    SilentServer,
    free_udp_port,
)
from tests.isolated import run_isolated
from tests.loopback import has_ipv6_loopback, needs_ipv6

pytestmark = pytest.mark.timeout(30)

BAD_NAMES = [
    "",
    "   ",
    "a b",
    "host/name",
    "bang!.test",
    "a..test",
    ".test",
    "-lead.test",
    "trail-.test",
    "x" * 64 + ".test",
    ("abcdefghi." * 26)[:254],
    "x" * 10_000,
    "127.1",  # getaddrinfo would take these for 127.0.0.1; Go and ipaddress do not
    "0x7f000001",
    "2130706433",
]


def _check_message(error: NetlabError) -> None:
    message = str(error)
    assert message.endswith("."), message
    assert "\n" not in message
    assert not message.endswith(".."), message


# --- the watch: what this process may ask and send ------------------------------------------


class _Watch:
    on = False  # one of this module's tests is running
    no_lookups = False  # the running test must not ask the system resolver anything
    stopped: ClassVar[list[str]] = []  # what it stopped: a lookup's caller may swallow the error


def _on_this_machine(host: object) -> bool:
    text = host.decode() if isinstance(host, bytes) else str(host)
    try:
        return ipaddress.ip_address(text.split("%", 1)[0]).is_loopback
    except ValueError:
        return text == "localhost"


def _is_ip(host: object) -> bool:
    try:
        ipaddress.ip_address(str(host).split("%", 1)[0])
    except ValueError:
        return False
    return True


def _watch(event: str, args: tuple[Any, ...]) -> None:
    """An audit hook: it sees the real calls and only ever stops one that breaks the rules."""
    if not _Watch.on:
        return
    problem = None
    if event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr"):
        host = args[0]
        # This machine's /etc/hosts answers localhost and 127.0.0.1 by itself (a test
        # below shows that on a private machine); an IP literal needs no lookup, but
        # the name of any other address is asked of DNS.
        if event == "socket.gethostbyaddr":
            allowed = host == "127.0.0.1"
        else:
            allowed = host == "localhost" or _is_ip(host)
        if _Watch.no_lookups or not allowed:
            problem = f"the system resolver was asked about {host!r} ({event})"
    elif event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
        sock, address = args[0], args[1]
        if (
            sock.family in (socket.AF_INET, socket.AF_INET6)
            and isinstance(address, tuple)
            and not _on_this_machine(address[0])
        ):
            problem = f"a packet was about to leave for {address[0]} ({event})"
    if problem is not None:
        _Watch.stopped.append(problem)
        raise AssertionError(problem)


sys.addaudithook(_watch)


@pytest.fixture(autouse=True)
def _watched() -> Iterator[None]:
    _Watch.stopped.clear()
    _Watch.on = True
    try:
        yield
    finally:
        _Watch.on = False
    assert _Watch.stopped == [], "the test broke the rules of this module"


@contextmanager
def _no_system_lookups() -> Iterator[None]:
    _Watch.no_lookups = True
    try:
        yield
    finally:
        _Watch.no_lookups = False


@pytest.fixture
def no_system_lookups() -> Iterator[None]:
    """Fail the test if it asks the system resolver anything at all."""
    with _no_system_lookups():
        yield


# --- private machines -------------------------------------------------------------------------

# This machine's hosts file as far as localhost goes: no ::1.
LOCALHOST_ONLY = "127.0.0.1 localhost\n"
# A dual-stack machine, with names listed IPv6 first, one IPv6-only and one with aliases.
DUAL_STACK = """\
127.0.0.1    localhost
::1          localhost ip6-localhost ip6-loopback
2001:db8::1  dual.test
192.0.2.1    dual.test
2001:db8::1  six.test
2001:db8::2  six.test
2001:db8::2  many.test
192.0.2.7    many.test
2001:db8::1  many.test
192.0.2.3    many.test
192.0.2.7    many.test
192.0.2.20   target.test www.test other.test
"""
# The system resolver asks the zone's server on the private machine, and gives up fast.
ASK_THE_ZONE = "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n"

# The child: start the DNS server (dns_server.ZONE_TEXT) on port 53, or one that never
# answers, or none; evaluate each call and report what it gave or how it failed,
# how long it took and which questions the server got meanwhile. Anything but a
# NetlabError escapes, fails the child and so the test.
_CHILD = """
import dataclasses, json, socket, threading, time
from netlab.core.errors import NetlabError
from netlab.core.lookup import dns_query, lookup_cname, lookup_host, resolve, reverse
from tests.core.dns_server import LocalDnsServer, SilentServer, ZoneResolver

zone = ZoneResolver()
servers = []
if DNS == "zone":
    servers.append(LocalDnsServer(zone, port=53).start())
    try:
        servers.append(LocalDnsServer(zone, host="::1", port=53).start())
    except OSError:
        pass  # no IPv6 on this kernel; the tests that need it are skipped
elif DNS == "silent":
    servers.append(SilentServer(port=53))


def system_order(name):
    return [info[4][0] for info in socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)]


def lookup_threads():
    return [t.daemon for t in threading.enumerate() if t.name.startswith("netlab lookup")]


def outcome(call):
    before = len(zone.questions)
    start = time.perf_counter()
    try:
        value = eval(call)
    except NetlabError as error:
        found = {"error": type(error).__name__, "message": str(error)}
        if hasattr(error, "answer"):
            found["status"] = error.answer.status
    else:
        if dataclasses.is_dataclass(value):
            value = {k: v for k, v in dataclasses.asdict(value).items() if k != "elapsed"}
        found = {"value": value}
    found["seconds"] = time.perf_counter() - start
    found["asked"] = [[name, kind] for name, kind, _ in zone.questions[before:]]
    return found


print(json.dumps([outcome(call) for call in CALLS]))
"""


def _on_private_machine(
    *calls: str,
    hosts: str = LOCALHOST_ONLY,
    resolv_conf: str = ASK_THE_ZONE,
    dns: Literal["zone", "silent", None] = "zone",
) -> list[dict[str, Any]]:
    """What each call (Python, evaluated in turn) gives on a machine of its own.

    Each result has "value" (a dataclass as a dict, without elapsed) or "error" and
    "message" (and "status", for a DnsFailed); and "seconds" and "asked", the
    questions the DNS server got meanwhile.
    """
    # json.dumps writes the calls as an ASCII-only Python literal, whatever their names.
    code = f"CALLS = {json.dumps(calls)}\nDNS = {dns!r}\n{_CHILD}"
    results: list[dict[str, Any]] = run_isolated(code, hosts=hosts, resolv_conf=resolv_conf)
    assert len(results) == len(calls)
    return results


def _value(result: dict[str, Any]) -> Any:
    assert "value" in result, result
    return result["value"]


def _failure(result: dict[str, Any]) -> str:
    """The message of an OperationFailed, once it is known to read as a sentence."""
    assert result.get("error") in ("OperationFailed", "DnsFailed"), result
    message: str = result["message"]
    _check_message(OperationFailed(message))
    return message


# --- resolve -------------------------------------------------------------------------------


def test_resolve_ip4_localhost_is_the_loopback_address() -> None:
    found = resolve("localhost", "ip4")
    assert found.address == "127.0.0.1"
    assert found.name == "localhost"
    assert found.network == "ip4"
    assert found.elapsed >= 0


def test_resolve_ip_prefers_ipv4_for_localhost() -> None:
    assert resolve("localhost").address == "127.0.0.1"


@pytest.mark.parametrize(
    ("text", "network", "address"),
    [
        ("0:0:0:0:0:0:0:1", "ip", "::1"),  # ResolveIP.go's example
        ("127.0.0.1", "ip4", "127.0.0.1"),
        (" 127.0.0.1 ", "ip", "127.0.0.1"),
        ("::1", "ip6", "::1"),
        ("FE80:CD00:0000:0CDE:1257:0000:211E:729C", "IP6", "fe80:cd00:0:cde:1257:0:211e:729c"),
        ("::ffff:192.0.2.1", "ip4", "192.0.2.1"),  # Go treats IPv4-mapped as IPv4
    ],
)
def test_resolve_an_ip_literal_gives_itself_without_a_lookup(
    no_system_lookups: None, text: str, network: str, address: str
) -> None:
    found = resolve(text, network)
    assert found.address == address
    assert found.network == network.lower()


@pytest.mark.parametrize(("text", "network"), [("::1", "ip4"), ("127.0.0.1", "ip6")])
def test_resolve_a_literal_of_the_other_family_is_an_input_error(
    no_system_lookups: None, text: str, network: str
) -> None:
    with pytest.raises(InputError, match="use network ip or ip") as caught:
        resolve(text, network)
    _check_message(caught.value)


@pytest.mark.parametrize("network", ["tcp", "ip5", "", "udp4"])
def test_resolve_rejects_unknown_networks(no_system_lookups: None, network: str) -> None:
    with pytest.raises(InputError, match="use ip, ip4 or ip6"):
        resolve("localhost", network)


def test_localhost_is_answered_from_the_hosts_file_alone() -> None:
    """With this machine's kind of hosts file, DNS is never asked about localhost.

    That is what lets the tests above look up localhost in this process. Without
    ::1 in the file, localhost simply has no IPv6 address.
    """
    ip6, ip, host, cname, name = _on_private_machine(
        'resolve("localhost", "ip6")',
        'resolve("localhost")',
        'lookup_host("localhost")',
        'lookup_cname("localhost")',
        'reverse("127.0.0.1")',
        hosts=LOCALHOST_ONLY,
    )
    assert _failure(ip6) == "localhost has no IPv6 address."
    assert _value(ip)["address"] == "127.0.0.1"
    assert _value(host)["addresses"] == ["127.0.0.1"]
    assert _value(cname) == {
        "name": "localhost",
        "canonical": "localhost",
        "aliases": [],
        "addresses": ["127.0.0.1"],
    }
    assert _value(name)["names"] == ["localhost"]
    assert [result["asked"] for result in (ip6, ip, host, cname, name)] == [[]] * 5


@needs_ipv6
def test_resolve_prefers_ipv4_even_when_the_system_lists_ipv6_first() -> None:
    order, dual, dual6, six, six4, local_order, local, local6 = _on_private_machine(
        'system_order("dual.test")',
        'resolve("dual.test")',
        'resolve("dual.test", "ip6")',
        'resolve("six.test")',
        'resolve("six.test", "ip4")',
        'system_order("localhost")',
        'resolve("localhost")',
        'resolve("localhost", "ip6")',
        hosts=DUAL_STACK,
    )
    assert _value(order) == ["2001:db8::1", "192.0.2.1"]  # the premise: IPv6 comes first
    assert _value(dual) == {"name": "dual.test", "network": "ip", "address": "192.0.2.1"}
    assert _value(dual6)["address"] == "2001:db8::1"
    assert _value(six)["address"] == "2001:db8::1"
    assert _failure(six4) == "six.test has no IPv4 address."
    assert _value(local_order) == ["::1", "127.0.0.1"]
    assert _value(local)["address"] == "127.0.0.1"
    assert _value(local6) == {"name": "localhost", "network": "ip6", "address": "::1"}
    assert all(result["asked"] == [] for result in (dual, dual6, six, six4, local, local6))


def test_resolve_asks_dns_when_the_hosts_file_does_not_know_the_name() -> None:
    v4, v6, chained, host = _on_private_machine(
        'resolve("www.example.test")',
        'resolve("www.example.test.", "ip6")',
        'resolve("alias.example.test", "ip4")',
        'lookup_host("www.example.test")',
    )
    assert _value(v4) == {"name": "www.example.test", "network": "ip", "address": "192.0.2.10"}
    assert ["www.example.test.", "A"] in v4["asked"]
    assert ["www.example.test.", "AAAA"] in v4["asked"]
    assert _value(v6) == {"name": "www.example.test.", "network": "ip6", "address": "2001:db8::10"}
    assert _value(chained)["address"] == "192.0.2.20"
    assert _value(host)["addresses"] == ["192.0.2.10", "2001:db8::10"]


# --- names checked before any lookup --------------------------------------------------------


@pytest.mark.parametrize("name", BAD_NAMES)
@pytest.mark.parametrize("call", [resolve, lookup_host, lookup_cname])
def test_bad_names_are_input_errors_before_any_lookup(
    no_system_lookups: None, call: Callable[[str], object], name: str
) -> None:
    with pytest.raises(InputError) as caught:
        call(name)
    _check_message(caught.value)
    assert len(str(caught.value)) < 400


@pytest.mark.parametrize("name", ["localhost", "my-host.example", "_srv._tcp.example", "a.b.c."])
def test_good_names_pass_the_check(name: str) -> None:
    assert check_hostname(name) == name


@pytest.mark.parametrize("call", [resolve, lookup_host, lookup_cname])
def test_invalid_tld_fails_at_once(no_system_lookups: None, call: Callable[..., object]) -> None:
    start = time.perf_counter()
    with pytest.raises(OperationFailed, match=r"^No such host: no-such-host\.invalid\.$"):
        call("no-such-host.invalid", timeout=2)
    assert time.perf_counter() - start < 2


@pytest.mark.parametrize("timeout", [0, -1, float("nan"), float("inf")])
def test_bad_timeouts_are_input_errors(no_system_lookups: None, timeout: float) -> None:
    with pytest.raises(InputError, match="positive number of seconds"):
        resolve("localhost", timeout=timeout)
    with pytest.raises(InputError, match="positive number of seconds"):
        dns_query("example.test", timeout=timeout)


def _reaches_the_system_resolver(name: str) -> bool:
    if lookup._ip_literal(name) is not None:
        return False
    try:
        lookup._system_name(name)
    except NetlabError:
        return False
    return True


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_names_fail_cleanly_before_any_lookup(name: str) -> None:
    """Whatever the checks refuse never reaches the resolver, and fails as a NetlabError.

    Names that pass the checks are asked for real on a private machine, below.
    """
    literal = lookup._ip_literal(name) is not None
    with _no_system_lookups():
        if not _reaches_the_system_resolver(name):
            for function in (resolve, lookup_host, lookup_cname):
                try:
                    function(name)
                except NetlabError as error:
                    _check_message(error)
                else:
                    assert literal
        if not literal:
            with pytest.raises(InputError) as caught:
                reverse(name)
            _check_message(caught.value)


# The calls that ask the system resolver about a name.
_SYSTEM_CALLS = ["resolve", "lookup_host", "lookup_cname"]
# Names that pass every check, so that the system resolver is asked about them.
ASKED_NAMES = [
    "a",
    "WWW.Example.TEST",
    "www.example.test.",
    "_sip._tcp.example.test",
    "bücher.test",
    "xn--bcher-kva.test",
    "x" * 63 + ".test",
    "abcdefghi." * 25 + "abc",  # 253 characters, the most a name may have
    "0.test",
    "broken.example.test",
]


def _asked_for_real(names: list[str]) -> dict[str, dict[str, Any]]:
    """Each system call about each name on a private machine, checked to end cleanly."""
    calls = [f"{function}({name!r})" for name in names for function in _SYSTEM_CALLS]
    results = _on_private_machine(*calls)
    for call, result in zip(calls, results, strict=True):
        if "value" not in result:
            message = _failure(result)
            assert message.startswith(("No such host: ", "Looking up ")) or (
                " has no address: " in message
            ), call
    return dict(zip(calls, results, strict=True))


def test_names_the_system_resolver_is_asked_about_give_answers_or_clean_failures() -> None:
    assert all(_reaches_the_system_resolver(name) for name in ASKED_NAMES)
    by_call = _asked_for_real(ASKED_NAMES)
    assert _value(by_call["resolve('WWW.Example.TEST')"])["address"] == "192.0.2.10"
    assert _failure(by_call["lookup_host('bücher.test')"]) == "No such host: bücher.test."
    assert ["xn--bcher-kva.test.", "A"] in by_call["lookup_host('bücher.test')"]["asked"]


_LABELS = st.text(
    st.characters(categories=("Ll", "Lu", "Nd"), max_codepoint=0x2FF) | st.sampled_from("-_"),
    min_size=1,
    max_size=20,
)
_ASKABLE = st.lists(_LABELS, min_size=1, max_size=4).map(".".join)


@settings(max_examples=5, deadline=None)
@given(st.lists(_ASKABLE.filter(_reaches_the_system_resolver), min_size=10, max_size=10))
def test_any_name_that_passes_the_checks_gives_an_answer_or_a_clean_failure(
    names: list[str],
) -> None:
    """Ten names a run, each asked for real: anything but a NetlabError fails the child."""
    _asked_for_real(names)


# --- lookup_host, lookup_cname, reverse -----------------------------------------------------


def test_lookup_host_localhost_has_the_loopback_address() -> None:
    found = lookup_host("localhost")
    assert "127.0.0.1" in found.addresses
    assert len(set(found.addresses)) == len(found.addresses)
    versions = [6 if ":" in address else 4 for address in found.addresses]
    assert versions == sorted(versions)


@needs_ipv6
def test_lookup_host_puts_ipv4_first_and_drops_duplicates() -> None:
    order, many, local = _on_private_machine(
        'system_order("many.test")',
        'lookup_host("many.test")',
        'lookup_host("localhost")',
        hosts=DUAL_STACK,
    )
    # The premise: the system gives IPv6 first, and 192.0.2.7 twice.
    assert _value(order) == ["2001:db8::2", "2001:db8::1", "192.0.2.7", "192.0.2.3", "192.0.2.7"]
    assert _value(many) == {
        "name": "many.test",
        "addresses": ["192.0.2.7", "192.0.2.3", "2001:db8::2", "2001:db8::1"],
    }
    assert _value(local)["addresses"] == ["127.0.0.1", "::1"]


def test_lookup_host_of_a_literal_is_the_literal(no_system_lookups: None) -> None:
    assert lookup_host("0:0:0:0:0:0:0:1").addresses == ("::1",)


def test_lookup_cname_localhost() -> None:
    found = lookup_cname("localhost")
    assert found.canonical == "localhost"
    assert "127.0.0.1" in found.addresses
    assert found.canonical not in found.aliases
    assert found.elapsed >= 0


def test_lookup_cname_reports_the_systems_canonical_name_and_aliases() -> None:
    from_hosts, from_dns, ipv6_only = _on_private_machine(
        'lookup_cname("www.test")',
        'lookup_cname("alias.example.test")',
        'lookup_cname("six.test")',
        hosts=DUAL_STACK,
    )
    # /etc/hosts: the first name on the line is the canonical one, the rest aliases.
    assert _value(from_hosts) == {
        "name": "www.test",
        "canonical": "target.test",
        "aliases": ["www.test", "other.test"],
        "addresses": ["192.0.2.20"],
    }
    # DNS: the end of the CNAME chain, with every name of the chain an alias.
    assert _value(from_dns) == {
        "name": "alias.example.test",
        "canonical": "target.example.test",
        "aliases": ["alias.example.test", "alias2.example.test"],
        "addresses": ["192.0.2.20"],
    }
    # gethostbyname_ex knows no IPv6-only name, so there are no aliases to show.
    assert _value(ipv6_only) == {
        "name": "six.test",
        "canonical": "six.test",
        "aliases": [],
        "addresses": ["2001:db8::1", "2001:db8::2"],
    }


def test_reverse_loopback_gives_a_name() -> None:
    found = reverse("127.0.0.1")
    assert found.address == "127.0.0.1"
    assert found.names
    assert all(found.names)
    assert len(set(found.names)) == len(found.names)


@pytest.mark.parametrize("address", ["localhost", "", "1.2.3", "::g", "127.0.0.1:80"])
def test_reverse_needs_an_ip_address(no_system_lookups: None, address: str) -> None:
    with pytest.raises(InputError, match="is not an IP address") as caught:
        reverse(address)
    _check_message(caught.value)


def test_reverse_gives_every_name_from_the_hosts_file_or_dns() -> None:
    loopback6, mapped, ptr = _on_private_machine(
        'reverse("::1")',
        'reverse("::ffff:192.0.2.20")',
        'reverse("192.0.2.10")',
        hosts=DUAL_STACK,
    )
    assert _value(loopback6) == {
        "address": "::1",
        "names": ["localhost", "ip6-localhost", "ip6-loopback"],
    }
    assert _value(mapped) == {
        "address": "192.0.2.20",
        "names": ["target.test", "www.test", "other.test"],
    }
    assert _value(ptr) == {"address": "192.0.2.10", "names": ["www.example.test"]}
    assert ptr["asked"] == [["10.2.0.192.in-addr.arpa.", "PTR"]]


def test_reverse_without_a_name_fails() -> None:
    unknown, loopback6, unspecified = _on_private_machine(
        'reverse("192.0.2.1")', 'reverse("::1")', 'reverse("::")'
    )
    assert _failure(unknown) == "No name is registered for 192.0.2.1."
    assert unknown["asked"] == [["1.2.0.192.in-addr.arpa.", "PTR"]]
    # Without ::1 in the hosts file, DNS is asked about ::1 and knows no name either.
    assert _failure(loopback6) == "No name is registered for ::1."
    assert loopback6["asked"] == [["1." + "0." * 31 + "ip6.arpa.", "PTR"]]
    # glibc refuses :: without asking anyone, and without setting h_errno.
    assert _failure(unspecified) == "No name is registered for ::."
    assert unspecified["asked"] == []


# --- system errors and timeouts ----------------------------------------------------------------


def _no_dns_answer(what: str) -> str:
    return (
        f"Looking up {what} failed: the system's DNS servers gave no answer (nothing "
        "listening, no reply, SERVFAIL or REFUSED); a DNS query to them says which."
    )


def test_system_errors_become_operation_failed() -> None:
    names = [
        "nope.example.test",
        "nope.example.test.",
        "broken.example.test",
        "refused.example.test",
        "text.example.test",
    ]
    calls = [f"{function}({name!r})" for name in names for function in _SYSTEM_CALLS]
    results = iter(_on_private_machine(*calls))
    for _ in _SYSTEM_CALLS:
        assert _failure(next(results)) == "No such host: nope.example.test."
    for _ in _SYSTEM_CALLS:
        assert _failure(next(results)) == "No such host: nope.example.test."
    # glibc reports SERVFAIL and REFUSED alike, as EAI_AGAIN: it cannot tell them apart.
    for _ in _SYSTEM_CALLS:
        assert _failure(next(results)) == _no_dns_answer("broken.example.test")
    for _ in _SYSTEM_CALLS:
        assert _failure(next(results)) == _no_dns_answer("refused.example.test")
    # The name exists with a TXT record only: EAI_NODATA, not "no such host".
    for _ in _SYSTEM_CALLS:
        assert _failure(next(results)) == (
            "text.example.test has no address: the name exists, but has no A or AAAA records."
        )


def test_lookups_fail_at_once_where_no_dns_server_listens() -> None:
    """glibc's UDP socket is connected, so the refusal comes back at once, whatever
    the timeout resolv.conf gives it."""
    results = _on_private_machine(
        *[f"{function}('www.example.test')" for function in _SYSTEM_CALLS],
        'reverse("192.0.2.1")',
        resolv_conf="nameserver 127.0.0.1\noptions timeout:5 attempts:2\n",
        dns=None,
    )
    for result in results[:-1]:
        assert _failure(result) == _no_dns_answer("www.example.test")
    assert _failure(results[-1]) == _no_dns_answer("the name of 192.0.2.1")
    assert all(result["seconds"] < 1 for result in results)


def test_a_hanging_system_lookup_times_out() -> None:
    """A DNS server that never answers, and glibc willing to wait 5 s for it."""
    *results, daemons = _on_private_machine(
        'resolve("slow.test", timeout=0.2)',
        'lookup_host("slow.test", timeout=0.2)',
        'lookup_cname("slow.test", timeout=0.2)',
        'reverse("192.0.2.1", timeout=0.2)',
        "lookup_threads()",
        resolv_conf="nameserver 127.0.0.1\noptions timeout:5 attempts:1\n",
        dns="silent",
    )
    whats = ["slow.test"] * 3 + ["the name of 192.0.2.1"]
    for what, result in zip(whats, results, strict=True):
        assert _failure(result) == f"Looking up {what} timed out after 0.2 s."
        assert result["seconds"] < 1.5
    # Each lookup is left behind in a daemon thread, which cannot hold up the exit.
    assert _value(daemons) == [True] * 4


# --- services ---------------------------------------------------------------------------------


def test_lookup_port_tcp_telnet_is_23() -> None:
    assert lookup_port("tcp", "telnet").port == 23  # the seed: `LookupPort tcp telnet` prints 23


def test_lookup_port_udp_domain_is_53() -> None:
    assert lookup_port("udp", "domain").port == 53


def test_lookup_service_23_is_telnet() -> None:
    assert lookup_service(23).name == "telnet"


def test_service_errors_pass_through() -> None:
    with pytest.raises(InputError):
        lookup_port("sctp", "telnet")
    with pytest.raises(InputError):
        lookup_service(0)


# --- dns_query against the local server -------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "rdtype", "values"),
    [
        ("www.example.test", "A", ["192.0.2.10"]),
        ("www.example.test", "AAAA", ["2001:db8::10"]),
        ("alias.example.test", "CNAME", ["alias2.example.test."]),
        ("example.test", "MX", ["10 mail.example.test.", "20 backup.example.test."]),
        ("example.test", "NS", ["ns1.example.test."]),
        ("text.example.test", "TXT", ['"hello world" "say \\"hi\\""']),
        (
            "example.test",
            "SOA",
            ["ns1.example.test. hostmaster.example.test. 2024010101 3600 600 86400 300"],
        ),
        ("10.2.0.192.in-addr.arpa", "PTR", ["www.example.test."]),
        ("_sip._tcp.example.test", "SRV", ["10 20 5060 sip.example.test."]),
        (
            "example.test",
            "CAA",
            ['0 issue "letsencrypt.org"', '128 iodef "mailto:security@example.test"'],
        ),
        (
            "sip.example.test",
            "NAPTR",
            ['100 10 "S" "SIP+D2U" "" _sip._udp.example.test.'],
        ),
        ("www.example.test", "HTTPS", ['1 . alpn="h2,h3" ipv4hint="192.0.2.10"']),
        ("_dns.example.test", "SVCB", [SVCB_TEXT]),
        ("example.test", "DS", [f"{KSK_TAG} 13 2 {KSK_DIGEST}"]),
        (
            "example.test",
            "DNSKEY",
            [
                f"257 3 13 AAECAwQF...(88 chars) ; KSK, key tag {KSK_TAG}",
                f"256 3 13 QEFCQ0RF...(88 chars) ; ZSK, key tag {ZSK_TAG}",
            ],
        ),
    ],
)
def test_dns_query_every_record_type(
    dns_server: LocalDnsServer, name: str, rdtype: str, values: list[str]
) -> None:
    answer = dns_query(name, rdtype, server=dns_server.address, timeout=2)
    assert isinstance(answer, DnsAnswer)
    assert answer.query == name + "."
    assert answer.type == rdtype
    assert answer.server == dns_server.address
    assert answer.elapsed > 0
    assert [record.value for record in answer.records] == values
    assert {(record.name, record.type, record.ttl) for record in answer.records} == {
        (name + ".", rdtype, 300)
    }


def test_every_record_type_is_covered() -> None:
    assert set(RECORD_TYPES) == {
        *("A", "AAAA", "CNAME", "MX", "NS", "TXT", "SOA", "PTR", "SRV"),
        *("CAA", "NAPTR", "HTTPS", "SVCB", "DS", "DNSKEY"),
    }


def test_dns_query_shows_the_whole_cname_chain(dns_server: LocalDnsServer) -> None:
    answer = dns_query("alias.example.test", "A", server=dns_server.address, timeout=2)
    assert [(record.name, record.type, record.value) for record in answer.records] == [
        ("alias.example.test.", "CNAME", "alias2.example.test."),
        ("alias2.example.test.", "CNAME", "target.example.test."),
        ("target.example.test.", "A", "192.0.2.20"),
    ]


def test_dns_query_ptr_takes_an_ip_address(dns_server: LocalDnsServer) -> None:
    answer = dns_query("192.0.2.10", "ptr", server=dns_server.address, timeout=2)
    assert answer.query == "10.2.0.192.in-addr.arpa."
    assert answer.type == "PTR"
    assert [record.value for record in answer.records] == ["www.example.test."]


def test_dns_query_type_is_case_insensitive(dns_server: LocalDnsServer) -> None:
    answer = dns_query("example.test", " mx ", server=dns_server.address, timeout=2)
    assert answer.type == "MX"
    assert len(answer.records) == 2


def test_dns_query_retries_a_truncated_answer_over_tcp(dns_server: LocalDnsServer) -> None:
    answer = dns_query("big.example.test", "TXT", server=dns_server.address, timeout=2)
    assert answer.records[0].value == BIG_TEXT
    assert ("big.example.test.", "TXT", "tcp") in dns_server.resolver.questions
    # The answer says how it came, and how big it was over TCP: more than UDP's 512.
    assert (answer.transport, answer.truncated_udp) == ("tcp", True)
    assert answer.size is not None and answer.size > 512
    assert answer.tcp_note == (
        f"truncated over UDP (tc): asked again over TCP, {answer.size:,} bytes"
    )


def test_an_answer_that_fits_in_udp_says_so(dns_server: LocalDnsServer) -> None:
    answer = dns_query("www.example.test", "A", server=dns_server.address, timeout=2)
    assert (answer.transport, answer.truncated_udp, answer.tcp_note) == ("udp", False, "")
    assert answer.size is not None and 0 < answer.size <= 512


def test_dns_query_server_may_be_a_name(dns_server: LocalDnsServer) -> None:
    answer = dns_query("www.example.test", server=f"localhost:{dns_server.port}", timeout=2)
    assert answer.server == dns_server.address


def _dns_failure(server: LocalDnsServer, name: str, rdtype: str = "A") -> DnsFailed:
    with pytest.raises(DnsFailed) as caught:
        dns_query(name, rdtype, server=server.address, timeout=2)
    _check_message(caught.value)
    assert caught.value.answer.server == server.address
    return caught.value


def test_dns_query_nxdomain(dns_server: LocalDnsServer) -> None:
    failed = _dns_failure(dns_server, "nope.example.test")
    assert str(failed) == (
        f"No such name: nope.example.test does not exist (NXDOMAIN) according to "
        f"{dns_server.address}."
    )
    answer = failed.answer
    assert (answer.status, answer.rcode, answer.chain, answer.records) == (
        "nxdomain",
        "NXDOMAIN",
        (),
        (),
    )


def test_dns_query_no_data(dns_server: LocalDnsServer) -> None:
    failed = _dns_failure(dns_server, "www.example.test", "TXT")
    assert str(failed) == (
        f"No data: www.example.test exists but has no TXT records, according to "
        f"{dns_server.address}."
    )
    assert (failed.answer.status, failed.answer.rcode) == ("no-data", "NOERROR")


def test_dns_query_servfail(dns_server: LocalDnsServer) -> None:
    failed = _dns_failure(dns_server, "broken.example.test")
    assert str(failed) == (
        f"The server failed to find an answer (SERVFAIL): {dns_server.address} could not "
        "resolve broken.example.test; try again later or ask another server."
    )
    assert (failed.answer.status, failed.answer.rcode) == ("servfail", "SERVFAIL")


def test_dns_query_refused(dns_server: LocalDnsServer) -> None:
    failed = _dns_failure(dns_server, "refused.example.test", "MX")
    assert str(failed) == (
        f"The server refused the query (REFUSED): {dns_server.address} will not answer for "
        "refused.example.test; ask a server that serves the name or resolves names for you."
    )
    assert (failed.answer.status, failed.answer.rcode) == ("refused", "REFUSED")


def test_dns_query_root_is_a_name(dns_server: LocalDnsServer) -> None:
    with pytest.raises(OperationFailed, match=r"^No such name: \. does not exist \(NXDOMAIN\)"):
        dns_query(".", "NS", server=dns_server.address, timeout=2)


def test_dns_query_gives_the_chain_with_the_records(dns_server: LocalDnsServer) -> None:
    answer = dns_query("alias.example.test", "A", server=dns_server.address, timeout=2)
    assert (answer.status, answer.rcode) == ("ok", "NOERROR")
    assert answer.chain == ("alias.example.test.", "alias2.example.test.", "target.example.test.")
    # Asked for the CNAME itself, the record is the answer, not a chain to follow.
    assert dns_query("alias.example.test", "CNAME", server=dns_server.address).chain == ()
    assert dns_query("www.example.test", "A", server=dns_server.address).chain == ()


@pytest.mark.parametrize(
    ("name", "chain"),
    [
        ("outside.example.test", ["outside", "www.elsewhere.test"]),
        ("far.example.test", ["far", "outside", "www.elsewhere.test"]),
    ],
)
def test_an_answer_of_cnames_only_is_no_data_with_the_chain(
    dns_server: LocalDnsServer, name: str, chain: list[str]
) -> None:
    """The chain leaves the server's zone: it answers NOERROR with the CNAMEs alone."""
    failed = _dns_failure(dns_server, name)
    names = tuple(f"{step}.example.test." if "." not in step else f"{step}." for step in chain)
    assert failed.answer.chain == names
    assert failed.answer.status == "no-data"
    assert [record.type for record in failed.answer.records] == ["CNAME"] * (len(chain) - 1)
    assert str(failed) == (
        f"No data: {name} is an alias of www.elsewhere.test, and the answer of "
        f"{dns_server.address} holds no A records for it."
    )


def test_no_data_at_the_end_of_a_chain_keeps_the_chain(dns_server: LocalDnsServer) -> None:
    failed = _dns_failure(dns_server, "alias.example.test", "MX")
    assert failed.answer.chain[-1] == "target.example.test."
    assert str(failed).startswith("No data: alias.example.test is an alias of target.example.test,")


def test_a_chain_to_a_missing_name_is_nxdomain_for_that_name(dns_server: LocalDnsServer) -> None:
    failed = _dns_failure(dns_server, "dangling.example.test")
    assert failed.answer.chain == ("dangling.example.test.", "gone.example.test.")
    assert str(failed) == (
        "No such name: gone.example.test, the end of the CNAME chain of dangling.example.test, "
        f"does not exist (NXDOMAIN) according to {dns_server.address}."
    )


def test_dns_query_where_nothing_listens_fails_at_once(no_system_lookups: None) -> None:
    """The kernel answers a closed UDP port with ICMP port unreachable, which a
    connected socket hears as ECONNREFUSED: no need to wait out the timeout."""
    port = free_udp_port()
    start = time.perf_counter()
    with pytest.raises(DnsFailed) as caught:
        dns_query("www.example.test", server=f"127.0.0.1:{port}", timeout=5)
    assert time.perf_counter() - start < 1
    assert str(caught.value) == (
        f"Nothing is listening on 127.0.0.1:{port} for DNS (connection refused)."
    )
    assert (caught.value.answer.status, caught.value.answer.rcode) == ("not-listening", None)


@needs_ipv6
def test_dns_query_where_nothing_listens_on_ipv6_fails_at_once(no_system_lookups: None) -> None:
    port = free_udp_port("::1")
    start = time.perf_counter()
    with pytest.raises(DnsFailed, match=r"^Nothing is listening on \[::1\]:\d+ for DNS"):
        dns_query("www.example.test", server=f"[::1]:{port}", timeout=5)
    assert time.perf_counter() - start < 1


def test_a_truncated_answer_where_nothing_listens_on_tcp(no_system_lookups: None) -> None:
    with LocalDnsServer(udp_only=True) as udp_only:
        start = time.perf_counter()
        with pytest.raises(DnsFailed) as caught:
            dns_query("big.example.test", "TXT", server=udp_only.address, timeout=5)
        assert time.perf_counter() - start < 1
        assert ("big.example.test.", "TXT", "udp") in udp_only.resolver.questions
    assert str(caught.value) == (
        f"Nothing is listening on {udp_only.address} for DNS over TCP (connection refused): "
        "its answer was too big for UDP."
    )
    assert caught.value.answer.status == "not-listening-tcp"
    # Asked over TCP, but no response came: nothing to measure, so no line about it.
    assert (caught.value.answer.transport, caught.value.answer.truncated_udp) == ("tcp", True)
    assert (caught.value.answer.size, caught.value.answer.tcp_note) == (None, "")


def _answer_to_another(query: bytes) -> bytes:
    """The query sent back as a response, with another ID: no answer to this query."""
    wire = bytearray(query)
    wire[0] ^= 0xFF
    wire[2] |= 0x80  # QR
    return len(wire).to_bytes(2, "big") + bytes(wire)


TCP_PEERS: dict[str, tuple[Callable[[bytes], bytes | None], str, str]] = {
    # What the peer sends back for the query (None: nothing, for 1.5 s), the answer's
    # status and the end of the sentence that says so.
    "closes": (lambda query: b"", "unreachable-tcp", ": the server closed the connection."),
    "cuts short": (lambda query: b"\x00\x20\x00", "unreachable-tcp", "closed the connection."),
    "not DNS": (lambda query: b"\x00\x03abc", "bad-reply-tcp", "not a DNS answer: "),
    "silent": (lambda query: None, "timeout-tcp", " over TCP within 1 s."),
    "another": (_answer_to_another, "bad-reply-tcp", ": it does not answer the query asked."),
}


def _udp_dns_beside_a_tcp_listener() -> tuple[LocalDnsServer, socket.socket]:
    """A DNS server on UDP alone, and a TCP socket bound to the same port number (TCP's
    ports are apart from UDP's). TCP's port is taken first: a TCP port is what other
    tests hold at random, in TIME_WAIT or listening. A few tries, for the rare UDP clash."""
    for _ in range(10):
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        try:
            return LocalDnsServer(udp_only=True, port=listener.getsockname()[1]).start(), listener
        except OSError:
            listener.close()
    raise RuntimeError("No port on 127.0.0.1 was free for both a TCP socket and UDP DNS.")


@pytest.mark.parametrize("peer", TCP_PEERS)
def test_a_tcp_retry_that_gets_no_answer_says_why(no_system_lookups: None, peer: str) -> None:
    """After a truncated UDP answer, what TCP got instead of an answer: the connection
    closed at once or mid-message, bytes that are not DNS, silence, another's answer."""
    reply, status, words = TCP_PEERS[peer]
    udp_only, listener = _udp_dns_beside_a_tcp_listener()
    with contextlib.closing(listener):
        try:
            listener.listen(1)

            def serve_one() -> None:
                conn, _ = listener.accept()
                with conn:
                    answer = reply(conn.recv(4096)[2:])  # after the length, the query
                    if answer is None:
                        time.sleep(1.5)
                    else:
                        conn.sendall(answer)

            thread = threading.Thread(target=serve_one, daemon=True)
            thread.start()
            with pytest.raises(DnsFailed) as caught:
                dns_query("big.example.test", "TXT", server=udp_only.address, timeout=1)
            thread.join(timeout=5)
        finally:
            udp_only.stop()
    _check_message(caught.value)
    assert words in str(caught.value)
    assert caught.value.answer.status == status
    assert (caught.value.answer.transport, caught.value.answer.size) == ("tcp", None)


def test_dig_also_hears_the_refusal(no_system_lookups: None) -> None:
    """What dig says of the same port, where it is installed: the same refusal, as fast."""
    if shutil.which("dig") is None:
        pytest.skip("dig is not installed")
    port = free_udp_port()
    start = time.perf_counter()
    dig = subprocess.run(
        ["dig", "@127.0.0.1", "-p", str(port), "+tries=1", "+time=5", "www.example.test"],
        capture_output=True,
        text=True,
        timeout=15,
        check=False,
    )
    assert time.perf_counter() - start < 2
    assert "connection refused" in (dig.stdout + dig.stderr).lower()


def test_a_lost_query_is_sent_again(no_system_lookups: None) -> None:
    with SilentServer() as silent:
        with pytest.raises(DnsFailed, match=r"within 1\.4 s"):
            dns_query("www.example.test", server=f"127.0.0.1:{silent.port}", timeout=1.4)
        silent.socket.setblocking(False)
        queries = []
        for _ in range(10):  # bounded: two are expected
            try:
                queries.append(silent.socket.recv(512))
            except BlockingIOError:
                break
    assert len(queries) == 2
    assert queries[0] == queries[1]  # the same question, the same id


def test_dns_query_times_out(dns_server: LocalDnsServer) -> None:
    with SilentServer() as silent:
        start = time.perf_counter()
        with pytest.raises(OperationFailed) as caught:
            dns_query("www.example.test", server=f"127.0.0.1:{silent.port}", timeout=0.5)
        assert time.perf_counter() - start < 1.5
    assert str(caught.value) == f"No answer from 127.0.0.1:{silent.port} within 0.5 s."


@needs_ipv6
def test_dns_query_shows_an_ipv6_server_in_brackets() -> None:
    with SilentServer("::1") as silent, pytest.raises(OperationFailed) as caught:
        dns_query("www.example.test", server=f"[::1]:{silent.port}", timeout=0.3)
    assert str(caught.value) == f"No answer from [::1]:{silent.port} within 0.3 s."


@pytest.mark.parametrize("rdtype", ["ANY", "", "A6", "bogus", "AXFR"])
def test_dns_query_rejects_unknown_types(no_system_lookups: None, rdtype: str) -> None:
    with pytest.raises(InputError) as caught:
        dns_query("example.test", rdtype, server="127.0.0.1:9")
    assert "A, AAAA, CNAME, MX, NS, TXT, SOA, PTR, SRV" in str(caught.value)
    _check_message(caught.value)


@pytest.mark.parametrize(
    "server", ["127.0.0.1:99999", "[::1", "127.0.0.1:", "a b:53", ":53", "[::1]x", "", "x:y:z"]
)
def test_dns_query_rejects_bad_server_specs(no_system_lookups: None, server: str) -> None:
    with pytest.raises(InputError) as caught:
        dns_query("example.test", server=server, timeout=1)
    _check_message(caught.value)


@pytest.mark.parametrize("name", [*BAD_NAMES[:12], "192.0.2.1"])
def test_dns_query_rejects_bad_names(no_system_lookups: None, name: str) -> None:
    with pytest.raises(InputError) as caught:
        dns_query(name, "A", server="127.0.0.1:9")
    _check_message(caught.value)


def test_dns_query_server_port_defaults_to_53() -> None:
    calls = ['dns_query("www.example.test", server="127.0.0.1", timeout=2)']
    calls.append('dns_query("www.example.test", server="localhost", timeout=2)')
    if has_ipv6_loopback():
        calls.append('dns_query("www.example.test", server="[::1]", timeout=2)')
    results = _on_private_machine(*calls)
    servers = ["127.0.0.1:53", "127.0.0.1:53", "[::1]:53"][: len(calls)]
    for server, result in zip(servers, results, strict=True):
        answer = _value(result)
        assert answer["server"] == server
        assert [record["value"] for record in answer["records"]] == ["192.0.2.10"]
        assert result["asked"] == [["www.example.test.", "A"]]


def test_dns_query_without_a_server_uses_the_systems_first_nameserver() -> None:
    found, missing, short = _on_private_machine(
        'dns_query("www.example.test", timeout=2)',
        'dns_query("nope.example.test", timeout=2)',
        'dns_query("www", timeout=2)',
        resolv_conf=(
            "search example.test\n"
            "nameserver 127.0.0.1\n"
            "nameserver ::1\n"
            "options timeout:1 attempts:1\n"
        ),
    )
    assert _value(found) == {
        "query": "www.example.test.",
        "type": "A",
        "records": [
            {
                "name": "www.example.test.",
                "type": "A",
                "ttl": 300,
                "value": "192.0.2.10",
                "fields": None,
            }
        ],
        "server": "127.0.0.1:53",
        "status": "ok",
        "rcode": "NOERROR",
        "chain": [],
        "flags": ["qr", "aa", "rd", "ra"],
        "authority": [],
        "additional": [],
        "transport": "udp",
        "size": 50,
    }
    assert _failure(missing) == (
        "No such name: nope.example.test does not exist (NXDOMAIN) according to 127.0.0.1:53."
    )
    # The search list of resolv.conf is not applied: www is asked as it is.
    assert _failure(short) == (
        "No such name: www does not exist (NXDOMAIN) according to 127.0.0.1:53."
    )
    assert short["asked"] == [["www.", "A"]]


def test_the_systems_nameservers_are_asked_in_turn_and_a_closed_one_costs_nothing() -> None:
    """resolv.conf's servers are asked in order, as glibc asks them: a server where
    nothing listens, or one that refuses, sends the query on to the next at once;
    NXDOMAIN is the name's owner speaking, and is not asked again."""
    closed_first = "nameserver 127.0.0.2\nnameserver 127.0.0.1\noptions timeout:5\n"
    found, missing, refused = _on_private_machine(
        'dns_query("www.example.test", timeout=5)',
        'dns_query("nope.example.test", timeout=5)',
        'dns_query("refused.example.test", timeout=5)',
        resolv_conf=closed_first,
    )
    assert _value(found)["server"] == "127.0.0.1:53"
    assert found["seconds"] < 1
    assert _failure(missing).startswith("No such name: nope.example.test")
    assert missing["asked"] == [["nope.example.test.", "A"]]
    assert _failure(refused) == (
        "No DNS server of this system answered: 127.0.0.2:53 has nothing listening for DNS "
        "(connection refused); 127.0.0.1:53 refused the query (REFUSED)."
    )
    assert refused["status"] == "not-listening"  # the first server's, as "server" says


def test_dns_query_without_a_server_fails_at_once_where_nothing_listens() -> None:
    (one,) = _on_private_machine(
        'dns_query("www.example.test", timeout=5)',
        resolv_conf="nameserver 127.0.0.1\noptions timeout:5 attempts:2\n",
        dns=None,
    )
    assert _failure(one) == "Nothing is listening on 127.0.0.1:53 for DNS (connection refused)."
    assert one["status"] == "not-listening"
    assert one["seconds"] < 1
    (both,) = _on_private_machine(
        'dns_query("www.example.test", timeout=5)',
        resolv_conf="nameserver 127.0.0.2\nnameserver 127.0.0.3\n",
        dns=None,
    )
    assert _failure(both) == (
        "No DNS server of this system answered: 127.0.0.2:53 has nothing listening for DNS "
        "(connection refused); 127.0.0.3:53 has nothing listening for DNS (connection refused)."
    )
    assert both["seconds"] < 1


@pytest.mark.parametrize("resolv_conf", ["", "# No nameserver line.\nsearch example.test\n"])
def test_dns_query_without_any_configured_server_fails(resolv_conf: str) -> None:
    (result,) = _on_private_machine(
        'dns_query("www.example.test", timeout=2)', resolv_conf=resolv_conf, dns=None
    )
    assert _failure(result) == (
        "This system has no DNS server configured: name one, such as 127.0.0.1:53."
    )


@settings(max_examples=60, deadline=None)
@given(name=st.text(max_size=300), rdtype=st.sampled_from([*RECORD_TYPES, "ANY", "x"]))
def test_dns_query_only_ever_raises_netlab_errors(
    dns_server: LocalDnsServer, name: str, rdtype: str
) -> None:
    with _no_system_lookups():
        try:
            answer = dns_query(name, rdtype, server=dns_server.address, timeout=2)
        except NetlabError as error:
            _check_message(error)
        else:
            assert answer.server == dns_server.address


@pytest.mark.parametrize(
    ("text", "endpoint"),
    [
        ("localhost:80", True),
        ("[::1]:23", True),
        (":80", True),
        ("localhost", False),
        ("::1", False),  # an address with colons, but no port
        ("127.0.0.1", False),
    ],
)
def test_is_endpoint_tells_host_and_port_from_a_name(text: str, endpoint: bool) -> None:
    assert lookup.is_endpoint(text) is endpoint


def test_resolve_endpoint_takes_a_services_name_and_prefers_ipv4_as_go_does() -> None:
    resolved = lookup.resolve_endpoint("localhost:echo")
    assert (str(resolved), resolved.port, resolved.network) == ("127.0.0.1:7", 7, "tcp")
    assert str(lookup.resolve_endpoint("[0:0::1]:23", "tcp6")) == "[::1]:23"
    with pytest.raises(InputError, match="use tcp, tcp4 or tcp6"):
        lookup.resolve_endpoint("localhost:7", "udp")
