"""A record's data as a line shows it and as JSON gives it, from dnspython's rdata.

The records as a server sends them are tested through dns_query and the CLI; these
are the cases the test zone does not hold.
"""

from __future__ import annotations

from typing import Any

import dns.rdata
import pytest

from netlab.core.dnsrecords import record_fields, record_text

KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw=="


def _rdata(rdtype: str, text: str) -> Any:
    return dns.rdata.from_text("IN", rdtype, text)


@pytest.mark.parametrize(
    ("flags", "notes"),
    [
        (257, "KSK, key tag 59409"),
        (256, "ZSK, key tag 59408"),
        (385, "KSK, revoked, key tag 59537"),  # RFC 5011's REVOKE bit
        (0, "key tag 59152"),  # not a zone key: no role to name
    ],
)
def test_a_dnskey_says_its_role_and_key_tag(flags: int, notes: str) -> None:
    rdata = _rdata("DNSKEY", f"{flags} 3 13 {KEY}")
    assert record_text(rdata) == f"{flags} 3 13 AAECAwQF...(88 chars) ; {notes}"
    fields = record_fields(rdata)
    assert fields is not None
    assert fields["public_key"] == KEY  # JSON keeps the whole key the line shortens
    assert f"key tag {fields['key_tag']}" in notes


def test_a_short_dnskey_is_shown_whole() -> None:
    assert record_text(_rdata("DNSKEY", "257 3 13 AAECAw==")).startswith("257 3 13 AAECAw== ; ")


def test_every_svcparam_by_name() -> None:
    rdata = _rdata(
        "SVCB",
        '1 svc.example.test. mandatory=alpn,port alpn="h2,h3" no-default-alpn port=8443 '
        "ipv4hint=192.0.2.1,192.0.2.2 ipv6hint=2001:db8::1 key65000=hello",
    )
    assert record_fields(rdata) == {
        "priority": 1,
        "target": "svc.example.test.",
        "params": {
            "mandatory": ["alpn", "port"],
            "alpn": ["h2", "h3"],
            "no_default_alpn": True,
            "port": 8443,
            "ipv4hint": ["192.0.2.1", "192.0.2.2"],
            "ipv6hint": ["2001:db8::1"],
            "key65000": "hello",
        },
    }


def test_an_alias_mode_https_record_has_no_params() -> None:
    rdata = _rdata("HTTPS", "0 cdn.example.test.")
    assert record_text(rdata) == "0 cdn.example.test."
    assert record_fields(rdata) == {"priority": 0, "target": "cdn.example.test.", "params": {}}


def test_soa_times_are_seconds() -> None:
    rdata = _rdata("SOA", "ns1.example.test. hostmaster.example.test. 7 3600 600 86400 300")
    assert record_fields(rdata) == {
        "mname": "ns1.example.test.",
        "rname": "hostmaster.example.test.",
        "serial": 7,
        "refresh_s": 3600,
        "retry_s": 600,
        "expire_s": 86400,
        "minimum_s": 300,
    }


def test_caa_bytes_that_are_not_utf8_stay_visible() -> None:
    rdata = _rdata("CAA", '0 issue "ca\\255.test"')
    assert record_text(rdata) == '0 issue "ca\\255.test"'
    assert record_fields(rdata) == {"flags": 0, "tag": "issue", "value": "ca\\xff.test"}


@pytest.mark.parametrize(
    ("rdtype", "text"),
    [
        ("A", "192.0.2.1"),
        ("AAAA", "2001:db8::1"),
        ("CNAME", "www.example.test."),
        ("NS", "ns1.example.test."),
        ("PTR", "www.example.test."),
        ("TXT", '"hello" "world"'),
    ],
)
def test_one_value_types_have_no_fields(rdtype: str, text: str) -> None:
    rdata = _rdata(rdtype, text)
    assert (record_text(rdata), record_fields(rdata)) == (text, None)
