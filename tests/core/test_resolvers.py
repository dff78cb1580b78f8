"""`netlab dns NAME --compare`: the system's resolver beside a DNS server, and why."""

from __future__ import annotations

from pathlib import Path

from netlab.core.resolvers import Comparison, _why, hosts_addresses


def test_a_hosts_file_is_read_as_getaddrinfo_reads_it(tmp_path: Path) -> None:
    hosts = tmp_path / "hosts"
    hosts.write_text(
        "127.0.0.1\tlocalhost\n# 10.0.0.1 commented.test\n"
        "192.0.2.7 Lab.Test lab # a comment\n::1 ip6-localhost lab.test\n"
    )
    assert hosts_addresses("lab.test", hosts) == ("192.0.2.7", "::1")
    assert hosts_addresses("LAB.test.", hosts) == ("192.0.2.7", "::1")
    assert hosts_addresses("commented.test", hosts) == ()
    assert hosts_addresses("x", tmp_path / "missing") == ()


def comparison(system: tuple[str, ...], hosts: tuple[str, ...], dns: tuple[str, ...]) -> str:
    return _why(Comparison("lab.test", system, "", hosts, dns, "", "127.0.0.1:53", ""))


def test_why_they_differ_in_one_sentence() -> None:
    assert comparison(("192.0.2.7",), (), ("192.0.2.7",)) == "They agree."
    from_hosts = comparison(("127.0.0.1",), ("127.0.0.1",), ())
    assert from_hosts.startswith("The system's answer comes from /etc/hosts")
    assert from_hosts.endswith("the DNS server has no such name.")
    assert comparison((), (), ("192.0.2.7",)).startswith("Only the DNS server knows it")
    assert comparison(("192.0.2.1",), (), ("192.0.2.7",)).startswith("They answer differently")
