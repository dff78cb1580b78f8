"""What the data of one DNS record says: its text as dig shows it, and its fields by name.

The text is dnspython's to_text, which is the zone file's presentation format that
dig prints, with one exception: a DNSKEY's public key is a run of base64 that would
fill the line (88 characters for a P-256 key, 344 for RSA-2048), so it is shortened,
its length stated, and followed by what dig's +multiline says of the key: whether it
is a KSK or a ZSK, and its key tag (RFC 4034 appendix B), the number a DS record uses
to point at it.

The fields are for data made of several parts (MX, SRV, SOA, CAA, NAPTR, SVCB, HTTPS,
DS, DNSKEY): each part by name, numbers as numbers, a DNSKEY's whole key included.
The other types (A, AAAA, CNAME, NS, PTR, TXT) are one value and have none.

dnspython is imported by the functions that use it, as in lookup.py.
"""

from __future__ import annotations

import base64
from typing import Any

# A DNSKEY's key is shown as its first characters when it is longer than this.
KEY_SHOWN = 8
_KEY_WHOLE = 16
# DNSKEY flags (RFC 4034 2.1.1, RFC 5011 7): the key signs the zone; it is a secure
# entry point, the key a parent's DS points at (a KSK); it is revoked.
_ZONE_KEY = 0x0100
_SEP = 0x0001
_REVOKE = 0x0080


def record_text(rdata: Any) -> str:
    """The record's data as one line shows it: "10 mail.example.test.", a DNSKEY shortened."""
    import dns.rdatatype

    if rdata.rdtype == dns.rdatatype.DNSKEY:
        return _dnskey_text(rdata)
    text: str = rdata.to_text()
    return text


def record_fields(rdata: Any) -> dict[str, Any] | None:
    """The parts of the record's data by name, or None for a type that is one value."""
    import dns.rdatatype

    describe = _FIELDS.get(dns.rdatatype.to_text(rdata.rdtype))
    return None if describe is None else describe(rdata)


def key_tag(rdata: Any) -> int:
    """A DNSKEY's key tag, the number its DS records carry."""
    import dns.dnssec

    tag: int = dns.dnssec.key_id(rdata)
    return tag


def _dnskey_text(rdata: Any) -> str:
    key = base64.b64encode(rdata.key).decode("ascii")
    if len(key) > _KEY_WHOLE:
        key = f"{key[:KEY_SHOWN]}...({len(key)} chars)"
    notes = [role] if (role := _key_role(rdata.flags)) else []
    notes.append(f"key tag {key_tag(rdata)}")
    return f"{rdata.flags} {rdata.protocol} {int(rdata.algorithm)} {key} ; {', '.join(notes)}"


def _key_role(flags: int) -> str:
    """KSK, ZSK (revoked, perhaps), or "" for a key that signs no zone."""
    if not flags & _ZONE_KEY:
        return ""
    role = "KSK" if flags & _SEP else "ZSK"
    return f"{role}, revoked" if flags & _REVOKE else role


def _text(data: bytes) -> str:
    """Bytes of a character string as text; what is not UTF-8 as \\x escapes."""
    return data.decode("utf-8", "backslashreplace")


def _name(name: Any) -> str:
    text: str = name.to_text()
    return text


def _mx(rdata: Any) -> dict[str, Any]:
    return {"preference": rdata.preference, "exchange": _name(rdata.exchange)}


def _srv(rdata: Any) -> dict[str, Any]:
    return {
        "priority": rdata.priority,
        "weight": rdata.weight,
        "port": rdata.port,
        "target": _name(rdata.target),
    }


def _soa(rdata: Any) -> dict[str, Any]:
    return {
        "mname": _name(rdata.mname),
        "rname": _name(rdata.rname),
        "serial": rdata.serial,
        "refresh_s": rdata.refresh,
        "retry_s": rdata.retry,
        "expire_s": rdata.expire,
        "minimum_s": rdata.minimum,
    }


def _caa(rdata: Any) -> dict[str, Any]:
    return {"flags": rdata.flags, "tag": _text(rdata.tag), "value": _text(rdata.value)}


def _naptr(rdata: Any) -> dict[str, Any]:
    return {
        "order": rdata.order,
        "preference": rdata.preference,
        "flags": _text(rdata.flags),
        "service": _text(rdata.service),
        "regexp": _text(rdata.regexp),
        "replacement": _name(rdata.replacement),
    }


def _svcb(rdata: Any) -> dict[str, Any]:
    """SVCB and HTTPS: priority 0 is an alias of target; params are empty then."""
    import dns.rdtypes.svcbbase

    params = {
        dns.rdtypes.svcbbase.key_to_text(key).replace("-", "_"): _param(value)
        for key, value in rdata.params.items()
    }
    return {"priority": rdata.priority, "target": _name(rdata.target), "params": params}


def _param(value: Any) -> Any:
    """One SvcParam's value: alpn's protocols and the hints as lists, port a number,
    no-default-alpn (which has no value) true, any other as its text."""
    import dns.rdtypes.svcbbase as svcb

    if value is None:
        return True
    if isinstance(value, svcb.ALPNParam):
        return [_text(protocol) for protocol in value.ids]
    if isinstance(value, svcb.PortParam):
        return value.port
    if isinstance(value, svcb.IPv4HintParam | svcb.IPv6HintParam):
        return list(value.addresses)
    if isinstance(value, svcb.MandatoryParam):
        return [svcb.key_to_text(key) for key in value.keys]
    text: str = value.to_text()
    return text.removeprefix('"').removesuffix('"')


def _ds(rdata: Any) -> dict[str, Any]:
    return {
        "key_tag": rdata.key_tag,
        "algorithm": int(rdata.algorithm),
        "digest_type": int(rdata.digest_type),
        "digest": rdata.digest.hex(),
    }


def _dnskey(rdata: Any) -> dict[str, Any]:
    return {
        "flags": rdata.flags,
        "protocol": rdata.protocol,
        "algorithm": int(rdata.algorithm),
        "key_tag": key_tag(rdata),
        "public_key": base64.b64encode(rdata.key).decode("ascii"),
    }


_FIELDS = {
    "MX": _mx,
    "SRV": _srv,
    "SOA": _soa,
    "CAA": _caa,
    "NAPTR": _naptr,
    "SVCB": _svcb,
    "HTTPS": _svcb,
    "DS": _ds,
    "DNSKEY": _dnskey,
}
