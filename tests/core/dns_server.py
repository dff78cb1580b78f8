"""A small authoritative DNS server on 127.0.0.1 for the lookup tests, built on dnslib.

It answers UDP and TCP on the same port, follows CNAME chains inside its zone,
says NXDOMAIN for names it does not know and NOERROR with no records for a known
name that lacks the type asked. A chain that leads out of the zone ends there, as
an authoritative server's does: NOERROR with only the CNAMEs. One name is answered
SERVFAIL and one REFUSED, as broken and unwilling servers answer. UDP answers over
512 bytes are truncated, so a big enough answer makes the client retry over TCP.

The zone holds a record of every type netlab asks for. dnslib reads every one from
the zone text but SVCB, which it does not know: that one is written in the generic
form of RFC 3597 (\\# and the data's bytes in hex), the bytes made by dnspython.
"""

from __future__ import annotations

import socket
import threading
from types import TracebackType
from typing import Any

import dns.rdata
from dnslib import QTYPE, RCODE, RR, DNSRecord
from dnslib.server import BaseResolver, DNSHandler, DNSServer

ZONE = "example.test."
# One long TXT record: too big for a 512-byte UDP answer, so it is fetched over TCP.
BIG_TEXT = " ".join('"' + f"chunk{n:02d} " * 10 + '"' for n in range(8))

# The zone's DNS server as a DNS-over-TLS service (RFC 9461), as dnspython writes it.
SVCB_TEXT = '1 ns1.example.test. alpn="dot" port="853"'
_SVCB_WIRE = dns.rdata.from_text("IN", "SVCB", SVCB_TEXT).to_digestable()
# Two made-up P-256 keys (algorithm 13): bytes 0 to 63 and 64 to 127, in base64.
KSK = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw=="
ZSK = "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl9gYWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+fw=="
# The keys' tags, and the KSK's SHA-256 digest as its DS record has it (dns.dnssec.make_ds).
KSK_TAG = 59409
ZSK_TAG = 61464
KSK_DIGEST = "db56d24b6f7514b6a7a206f8729fa59796aa07f1c8fdaf367a6cf54381f4d874"

ZONE_TEXT = f"""
$TTL 300
example.test.            IN SOA   ns1.example.test. hostmaster.example.test. (
                                  2024010101 3600 600 86400 300 )
example.test.            IN NS    ns1.example.test.
example.test.            IN MX    10 mail.example.test.
example.test.            IN MX    20 backup.example.test.
ns1.example.test.        IN A     192.0.2.53
mail.example.test.       IN A     192.0.2.25
www.example.test.        IN A     192.0.2.10
www.example.test.        IN AAAA  2001:db8::10
alias.example.test.      IN CNAME alias2.example.test.
alias2.example.test.     IN CNAME target.example.test.
target.example.test.     IN A     192.0.2.20
outside.example.test.    IN CNAME www.elsewhere.test.
far.example.test.        IN CNAME outside.example.test.
dangling.example.test.   IN CNAME gone.example.test.
text.example.test.       IN TXT   "hello world" "say \\"hi\\""
big.example.test.        IN TXT   {BIG_TEXT}
_sip._tcp.example.test.  IN SRV   10 20 5060 sip.example.test.
10.2.0.192.in-addr.arpa. IN PTR   www.example.test.
example.test.            IN CAA   0 issue "letsencrypt.org"
example.test.            IN CAA   128 iodef "mailto:security@example.test"
sip.example.test.        IN NAPTR 100 10 "S" "SIP+D2U" "" _sip._udp.example.test.
www.example.test.        IN HTTPS 1 . alpn=h2,h3 ipv4hint=192.0.2.10
_dns.example.test.       IN SVCB  \\# {len(_SVCB_WIRE)} {_SVCB_WIRE.hex()}
example.test.            IN DNSKEY 257 3 13 {KSK}
example.test.            IN DNSKEY 256 3 13 {ZSK}
; Its parent zone's, were there one: the DS that points at the KSK.
example.test.            IN DS    {KSK_TAG} 13 2 {KSK_DIGEST}
"""

# Queries for this name are answered SERVFAIL, as a broken server would.
SERVFAIL_NAME = "broken.example.test."
# Queries for this name are answered REFUSED, as a server that will not serve them would.
REFUSED_NAME = "refused.example.test."
MAX_CHAIN = 8
UDP_LIMIT = 512


class ZoneResolver(BaseResolver):
    """Answers from ZONE_TEXT and remembers every question with the transport it came by."""

    def __init__(self, zone_text: str = ZONE_TEXT) -> None:
        self.records: dict[str, list[RR]] = {}
        for rr in RR.fromZone(zone_text):
            self.records.setdefault(str(rr.rname).lower(), []).append(rr)
        self.soa = next(rr for rr in self.records[ZONE] if rr.rtype == QTYPE.SOA)
        self.questions: list[tuple[str, str, str]] = []
        self._lock = threading.Lock()

    def resolve(self, request: DNSRecord, handler: DNSHandler) -> DNSRecord:
        reply = request.reply()
        qtype = request.q.qtype
        name = str(request.q.qname).lower()
        with self._lock:
            self.questions.append((name, QTYPE[qtype], handler.protocol))
        if name in (SERVFAIL_NAME, REFUSED_NAME):
            reply.header.rcode = RCODE.SERVFAIL if name == SERVFAIL_NAME else RCODE.REFUSED
            return reply
        for _ in range(MAX_CHAIN):
            here = self.records.get(name)
            if here is None:
                reply.header.rcode = RCODE.NXDOMAIN
                reply.add_auth(self.soa)
                return reply
            matching = [rr for rr in here if rr.rtype == qtype]
            if matching:
                for rr in matching:
                    reply.add_answer(rr)
                return reply
            cname = next((rr for rr in here if rr.rtype == QTYPE.CNAME), None)
            if cname is None:
                reply.add_auth(self.soa)
                return reply
            reply.add_answer(cname)
            name = str(cname.rdata.label).lower()
            if not name.endswith("." + ZONE):
                # The chain left the zone: only another server knows the rest.
                return reply
        reply.header.rcode = RCODE.SERVFAIL
        return reply


class _TruncatingHandler(DNSHandler):
    """Sets TC on UDP answers over 512 bytes, keeping the question.

    dnslib's own truncation drops the question, and a client rightly ignores an
    answer that does not say what it answers.
    """

    def get_reply(self, data: bytes) -> bytes:
        request = DNSRecord.parse(data)
        reply = self.server.resolver.resolve(request, self)
        packed: bytes = reply.pack()
        if self.protocol == "udp" and len(packed) > UDP_LIMIT:
            truncated = request.reply()
            truncated.header.rcode = reply.header.rcode
            truncated.header.tc = 1
            packed = truncated.pack()
        return packed


class _QuietLogger:
    """dnslib logs every packet to stdout by default."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args: None


class LocalDnsServer:
    """ZoneResolver served over UDP and TCP on one port: by default a free one on 127.0.0.1.

    A fixed port (53, inside a network namespace of the test's own) and ::1 may be asked for;
    and UDP alone, so that nothing listens for the TCP a truncated answer sends clients to.
    """

    def __init__(
        self,
        resolver: ZoneResolver | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        udp_only: bool = False,
    ) -> None:
        self.resolver = resolver or ZoneResolver()
        self.host = host
        self.port = port
        self.udp_only = udp_only
        self._servers: list[DNSServer] = []

    @property
    def address(self) -> str:
        """The server as dns_query reports it: "127.0.0.1:PORT" or "[::1]:PORT"."""
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    def start(self) -> LocalDnsServer:
        if self.udp_only:
            self._servers = [self._make(self.port, tcp=False)]
            self.port = self._servers[0].server.server_address[1]
            self._servers[0].start_thread()
            return self
        if self.port:
            self._servers = [self._make(self.port, tcp=False), self._make(self.port, tcp=True)]
            for server in self._servers:
                server.start_thread()
            return self
        # UDP takes a free port; TCP must get the same one, which another program may
        # hold, so try a few ports.
        for _ in range(10):
            udp = self._make(0, tcp=False)
            port = udp.server.server_address[1]
            try:
                tcp = self._make(port, tcp=True)
            except OSError:
                udp.server.server_close()
                continue
            self.port = port
            self._servers = [udp, tcp]
            for server in self._servers:
                server.start_thread()
            return self
        raise RuntimeError("No port on 127.0.0.1 was free for both UDP and TCP.")

    def stop(self) -> None:
        for server in self._servers:
            server.stop()
            server.server.server_close()
            server.thread.join(timeout=5)
        self._servers = []

    def _make(self, port: int, *, tcp: bool) -> DNSServer:
        return DNSServer(
            self.resolver,
            address=self.host,
            port=port,
            tcp=tcp,
            logger=_QuietLogger(),
            handler=_TruncatingHandler,
        )

    def __enter__(self) -> LocalDnsServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


class SilentServer:
    """A UDP socket (on a free port unless one is given) that takes every query, never answering."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.socket = socket.socket(family, socket.SOCK_DGRAM)
        self.socket.bind((host, port))
        self.host = host
        self.port: int = self.socket.getsockname()[1]

    def close(self) -> None:
        self.socket.close()

    def __enter__(self) -> SilentServer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def free_udp_port(host: str = "127.0.0.1") -> int:
    """A UDP port on host where nothing listens: one the OS picked, let go again."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
    return port
