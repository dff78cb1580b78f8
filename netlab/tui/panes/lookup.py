"""The Lookup pane: names, addresses, DNS records, services and ping, one query at a time.

Every lookup runs in a thread worker, so the screen never waits on the network; the
worker reports back with a message the pane handles on the UI thread. Whatever came
from the network (names, records, error sentences) is shown through safe_text as
Rich Text, never as markup.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import DataTable, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from netlab.core import lookup, ping
from netlab.core.errors import InputError, NetlabError
from netlab.core.plural import plural
from netlab.core.safetext import safe_text
from netlab.core.services import Service
from netlab.tui.panes.base import PaneCommand
from netlab.tui.panes.handoff import Target, TargetPane
from netlab.tui.widgets.field import Field

MAX_HISTORY = 20

KINDS: dict[str, str] = {
    "resolve-ip": "Resolve (IPv4+IPv6)",
    "resolve-ip4": "Resolve (IPv4)",
    "resolve-ip6": "Resolve (IPv6)",
    "host": "All addresses",
    "cname": "Canonical name",
    "reverse": "Reverse",
    "dns": "DNS record",
    "port": "Service → port",
    "service": "Port → service",
    "ping": "Ping",
    "tcp": "TCP connect timing",
}
"""Every lookup by key, with the title the Select shows."""

_TAGS = {
    "resolve-ip": "IP",
    "resolve-ip4": "IPv4",
    "resolve-ip6": "IPv6",
    "host": "All",
    "cname": "CNAME",
    "reverse": "Reverse",
    "dns": "DNS",
    "port": "Service",
    "service": "Port",
    "ping": "Ping",
    "tcp": "TCP",
}
"""Short names of the lookups, for the history."""

_FIELDS: dict[str, tuple[str, ...]] = {
    "dns": ("rdtype", "server"),
    "port": ("network",),
    "service": ("network",),
    "ping": ("count",),
    "tcp": ("port", "count"),
}
"""The extra fields each lookup needs, by widget id; the others need none."""

_HINTS = {
    "resolve-ip": "One address of a name, IPv4 first (ResolveIP.go).",
    "resolve-ip4": "The IPv4 address of a name (ResolveIP.go).",
    "resolve-ip6": "The IPv6 address of a name (ResolveIP.go).",
    "host": "Every address of a name, IPv4 first (LookupHost.go).",
    "cname": "The canonical name of a host, its aliases and addresses.",
    "reverse": "The names registered for an IP address.",
    "dns": "Records from a DNS server; no server: the system's.",
    "port": "The port of a service, as LookupPort.go: telnet → 23.",
    "service": "The service registered on a port: 53 → domain.",
    "ping": "ICMP echo with the bytes sent and received (Ping.go).",
    "tcp": "How long a TCP connect to host:port takes.",
}

_PLACEHOLDERS = {
    "reverse": "IP address, such as 127.0.0.1",
    "dns": "DNS name, such as example.com",
    "port": "service, such as telnet (or: tcp telnet)",
    "service": "port, such as 53 (or: 53 udp)",
    "ping": "host, such as 127.0.0.1",
    "tcp": "host, such as 127.0.0.1",
}
_DEFAULT_PLACEHOLDER = "host name or address, such as localhost"

_PROTOCOLS = ("tcp", "udp")
_SOURCES = {"system": "/etc/services", "bundled": "the bundled table", "number": "the number"}
_PING_INTERVAL = 1.0


@dataclass(frozen=True)
class Query:
    """One lookup as the person asked for it: what to look up and the fields it needs."""

    kind: str
    text: str
    rdtype: str = "A"
    server: str = ""
    network: str = "tcp"
    count: str = "1"
    port: str = ""

    def label(self) -> Text:
        """The query as one line of the history: the lookup's tag, then what was asked."""
        tag = _TAGS[self.kind]
        detail = self.text.strip()
        if self.kind == "dns":
            tag = f"DNS {self.rdtype}"
            if self.server.strip():
                detail += f" @{self.server.strip()}"
        elif self.kind in ("port", "service"):
            detail += f"/{self.network}"
        elif self.kind == "tcp":
            detail += f" :{self.port.strip()}"
        if self.kind in ("ping", "tcp") and self.count.strip() not in ("", "1"):
            detail += f" ×{self.count.strip()}"
        return Text.assemble((tag.ljust(8) + " ", "dim"), safe_text(detail, limit=200))


Row = tuple[Text, ...]


@dataclass
class Outcome:
    """What a lookup found, ready for the table and the status line."""

    columns: tuple[str, ...]
    rows: list[Row] = field(default_factory=list)
    status: Text = field(default_factory=Text)
    failed: bool = False
    """The lookup failed, and the rows are what it found on the way (a CNAME chain)."""
    targets: list[Target | None] = field(default_factory=list)
    """Each row's address or host name, if it has one: what Ctrl+L, Ctrl+O and Ctrl+N
    hand on from the row under the cursor."""


def format_elapsed(seconds: float) -> str:
    """A duration as the status line shows it: "< 1 ms", "4.2 ms", "230 ms", "2.5 s"."""
    ms = seconds * 1000
    if ms < 1:
        return "< 1 ms"
    if ms < 100:
        return f"{ms:.1f} ms"
    if ms < 10_000:
        return f"{ms:.0f} ms"
    return f"{seconds:.1f} s"


def _t(text: object) -> Text:
    """Anything from the network (or typed) as plain, safe Text."""
    return Text(safe_text(str(text)))


def _status(*parts: str) -> Text:
    return Text(safe_text(" · ".join(part for part in parts if part)))


def _byte_list(data: bytes) -> str:
    """Bytes as Ping.go prints them: decimal numbers separated by spaces."""
    return " ".join(str(byte) for byte in data)


def _whole_number(text: str, what: str, default: int | None = None) -> int:
    text = text.strip()
    if not text and default is not None:
        return default
    if not (text.isascii() and text.isdigit()):
        shown = safe_text(text, limit=20)
        raise InputError(
            f"{what.capitalize()} {shown!r} is not a whole number: give one such as 1."
            if text
            else f"No {what} given: give a whole number, such as 80."
        )
    return int(text)


def _split_network(text: str, network: str) -> tuple[str, str]:
    """("udp", "53") from "53 udp" or "udp 53"; network where the text names none."""
    words = text.split()
    if len(words) == 2 and words[0].lower() in _PROTOCOLS:
        return words[0].lower(), words[1]
    if len(words) == 2 and words[1].lower() in _PROTOCOLS:
        return words[1].lower(), words[0]
    return network, text.strip()


def run_query(
    query: Query,
    progress: Callable[[Outcome], None] = lambda outcome: None,
    cancelled: Callable[[], bool] = lambda: False,
) -> Outcome:
    """Do the lookup (blocking: call it from a worker) and shape what it found.

    Ping and TCP timing call progress after every probe and stop once cancelled()
    is true. Raises NetlabError with one sentence when the lookup fails.
    """
    kind = query.kind
    if kind.startswith("resolve-"):
        return _resolve(query)
    probe = _PROBES.get(kind)
    if probe is not None:
        return probe(query, progress, cancelled)
    answer = _ANSWERS.get(kind)
    if answer is not None:
        return answer(query)
    raise InputError(f"Unknown lookup {kind!r}: choose one from the list.")


def _resolve(query: Query) -> Outcome:
    network = query.kind.removeprefix("resolve-")
    resolved = lookup.resolve(query.text, network)
    family = {"ip": "IPv4 first", "ip4": "IPv4 only", "ip6": "IPv6 only"}[network]
    return Outcome(
        ("Name", "Network", "Address"),
        [(_t(resolved.name), _t(network), _t(resolved.address))],
        _status(
            f"Resolved address is {resolved.address} ({family})",
            format_elapsed(resolved.elapsed),
        ),
        targets=[Target(resolved.address)],
    )


def _host(query: Query) -> Outcome:
    found = lookup.lookup_host(query.text)
    rows: list[Row] = [
        (_t(index), _t(address), _t("IPv6" if ":" in address else "IPv4"))
        for index, address in enumerate(found.addresses, start=1)
    ]
    return Outcome(
        ("#", "Address", "Family"),
        rows,
        _status(
            f"{plural(len(rows), 'address', 'addresses')} for {found.name}",
            format_elapsed(found.elapsed),
        ),
        targets=[Target(address) for address in found.addresses],
    )


def _cname(query: Query) -> Outcome:
    named = lookup.lookup_cname(query.text)
    facts = [
        ("Canonical name", named.canonical),
        *(("Alias", alias) for alias in named.aliases),
        *(("Address", address) for address in named.addresses),
    ]
    return Outcome(
        ("Field", "Value"),
        [(_t(label), _t(value)) for label, value in facts],
        _status(f"Canonical name is {named.canonical}", format_elapsed(named.elapsed)),
        targets=[Target(value) for _label, value in facts],
    )


def _reverse(query: Query) -> Outcome:
    names = lookup.reverse(query.text)
    return Outcome(
        ("#", "Name"),
        [(_t(index), _t(name)) for index, name in enumerate(names.names, start=1)],
        _status(
            f"{plural(len(names.names), 'name')} for {names.address}",
            format_elapsed(names.elapsed),
        ),
        targets=[Target(name) for name in names.names],
    )


def _dns(query: Query) -> Outcome:
    try:
        answer = lookup.dns_query(query.text, query.rdtype, query.server.strip() or None)
    except lookup.DnsFailed as failed:
        if not failed.answer.records:
            raise
        # Only a CNAME chain came back: show it, with the sentence saying what is missing.
        return _dns_outcome(failed.answer, Text(safe_text(str(failed))))
    return _dns_outcome(answer)


def _port(query: Query) -> Outcome:
    network, name = _split_network(query.text, query.network)
    service = lookup.lookup_port(network, name)
    return Outcome(*_service_rows(service, f"Service port {service.port}"))


def _service(query: Query) -> Outcome:
    network, number = _split_network(query.text, query.network)
    port = _whole_number(number, "port")
    service = lookup.lookup_service(port, network)
    return Outcome(*_service_rows(service, f"Service name {service.name}"))


def _dns_outcome(answer: lookup.DnsAnswer, failure: Text | None = None) -> Outcome:
    """The records of a DNS answer, CNAME chain first, then its authority and additional
    sections (their type marked so); failure, when given, is the status."""
    records = [
        (mark, record)
        for mark, section in (
            ("", answer.records),
            ("authority: ", answer.authority),
            ("additional: ", answer.additional),
        )
        for record in section
    ]
    rows: list[Row] = [
        (_t(record.name), _t(record.ttl), _t(f"{mark}{record.type}"), _t(record.value))
        for mark, record in records
    ]
    columns = ("Name", "TTL", "Type", "Value")
    targets = [_record_target(record) for _mark, record in records]
    if failure is not None:
        return Outcome(columns, rows, _with_tcp_note(failure, answer), failed=True, targets=targets)
    chain = f"via {' → '.join(answer.chain[1:])}" if answer.chain else ""
    status = _status(
        f"{plural(len(answer.records), 'record')} for {answer.query} {answer.type}",
        chain,
        f"answered by {answer.server}",
        f"flags {' '.join(answer.flags)}, {answer.rcode}" if answer.flags else "",
        format_elapsed(answer.elapsed),
    )
    return Outcome(columns, rows, _with_tcp_note(status, answer), targets=targets)


def _with_tcp_note(status: Text, answer: lookup.DnsAnswer) -> Text:
    """The status, and below it the line saying the answer came over TCP, if it did."""
    if not answer.tcp_note:
        return status
    return Text.assemble(status, "\n", answer.tcp_note)


_RECORD_HOSTS = {
    **dict.fromkeys(("A", "AAAA", "CNAME", "DNAME", "NS", "PTR", "SOA"), 0),
    "MX": 1,
    "SRV": 3,
}
"""Which word of a record's value is an address or host: MX's after its preference,
SRV's after its priority, weight and port, SOA's primary server."""


def _record_target(record: lookup.DnsRecord) -> Target | None:
    """The address or host a DNS record names (an SRV record's with its port), if any."""
    words = record.value.split()
    at = _RECORD_HOSTS.get(record.type)
    if at is None or len(words) <= at:
        return None  # TXT and the like: no host
    host = words[at].removesuffix(".")  # "mail.example.com.": the dot says nothing here
    port = int(words[2]) if record.type == "SRV" and words[2].isdigit() else None
    return Target(host, port) if host else None


def _service_rows(service: Service, headline: str) -> tuple[tuple[str, ...], list[Row], Text]:
    rows: list[Row] = [
        (
            _t(service.name),
            _t(service.port),
            _t(service.network),
            _t(" ".join(service.aliases) or "—"),
        )
    ]
    where = f"{service.port}/{service.network} from {_SOURCES.get(service.source, service.source)}"
    return ("Service", "Port", "Network", "Aliases"), rows, _status(headline, where)


def _ping(
    query: Query, progress: Callable[[Outcome], None], cancelled: Callable[[], bool]
) -> Outcome:
    count = _whole_number(query.count, "count", default=1)
    outcome = Outcome(("Seq", "Message", "Bytes", "RTT"))
    rtts: list[float] = []
    ttls: set[int] = set()
    address = ""
    results = ping.ping(query.text, count=count, interval=_PING_INTERVAL)
    for total, result in enumerate(results, start=1):
        address = result.address
        sequence = _t(result.sequence)
        outcome.rows.append((sequence, _t("sent"), _t(_byte_list(result.sent)), Text()))
        outcome.targets += [Target(address)] * 2  # the rows sent and received (or not)
        if isinstance(result, ping.PingReply):
            rtts.append(result.rtt)
            if result.ttl is not None:
                ttls.add(result.ttl)
            outcome.rows.append(
                (
                    Text(),
                    _t("received"),
                    _t(_byte_list(result.received)),
                    _t(f"{result.rtt * 1000:.3f} ms"),
                )
            )
        else:
            outcome.rows.append(
                (
                    Text(),
                    Text("no reply", style="italic"),
                    Text(),
                    Text(f"> {result.timeout:g} s", style="italic"),
                )
            )
        ttl = f"ttl {min(ttls)}" if len(ttls) == 1 else ""
        summary = f"{len(rtts)} of {plural(total, 'reply', 'replies')} from {address}"
        timing = (
            f"rtt min/avg/max {min(rtts) * 1000:.3f}/{sum(rtts) / len(rtts) * 1000:.3f}/"
            f"{max(rtts) * 1000:.3f} ms"
            if rtts
            else ""
        )
        outcome.status = _status(summary, ttl, timing)
        if total < count:
            progress(outcome)
        if cancelled():
            break
    return outcome


def _tcp(
    query: Query, progress: Callable[[Outcome], None], cancelled: Callable[[], bool]
) -> Outcome:
    port = _whole_number(query.port, "port")
    count = _whole_number(query.count, "count", default=1)
    outcome = Outcome(("#", "Address", "Port", "Connect time"))
    times: list[float] = []
    for index, timing in enumerate(
        ping.tcp_ping(query.text, port, count=count, interval=_PING_INTERVAL), start=1
    ):
        if timing.rtt is None:
            result = Text(safe_text(timing.error or "failed"), style="italic")
        else:
            times.append(timing.rtt)
            result = _t(f"{timing.rtt * 1000:.3f} ms")
        outcome.rows.append((_t(index), _t(timing.address), _t(timing.port), result))
        outcome.targets.append(Target(timing.address, timing.port))
        fastest = f"fastest {min(times) * 1000:.3f} ms" if times else ""
        outcome.status = _status(
            f"{len(times)} of {plural(index, 'connect')} to {timing.address}:{port} succeeded",
            fastest,
        )
        if index < count:
            progress(outcome)
        if cancelled():
            break
    return outcome


_ANSWERS: dict[str, Callable[[Query], Outcome]] = {
    "host": _host,
    "cname": _cname,
    "reverse": _reverse,
    "dns": _dns,
    "port": _port,
    "service": _service,
}
"""The lookups that answer once, by kind (the resolves are told by their prefix)."""

_PROBES: dict[str, Callable[[Query, Callable[[Outcome], None], Callable[[], bool]], Outcome]] = {
    "ping": _ping,
    "tcp": _tcp,
}
"""The lookups that probe again and again, reporting progress until cancelled."""


class LookupPane(TargetPane):
    """Resolve names, ask DNS servers, map services to ports, ping and time connects."""

    PANE_ID = "lookup"
    HELP = """\
# Lookup

Type a name, address, service or port, choose a lookup and press **Enter**.
Each lookup runs in the background; the table shows what it found and the
line above it how long it took (and, for DNS, which server answered).

- **Resolve** (IPv4+IPv6, IPv4 or IPv6): one address of a name, IPv4 first, as
  `ResolveIP.go` does.
- **All addresses**: every address of a name, as `LookupHost.go`.
- **Canonical name**: the canonical name with its aliases and addresses (`LookupCNAME`).
- **Reverse**: the names registered for an IP address.
- **DNS record**: A, AAAA, CNAME, MX, NS, TXT, SOA, PTR, SRV, CAA, NAPTR, HTTPS, SVCB,
  DS or DNSKEY records, asked of the server given as *host[:port]*, or of the system's
  when that field is empty. A CNAME chain comes first, even when it is all the answer
  holds; a failure says which it was: nothing listening, REFUSED, SERVFAIL, no such
  name (NXDOMAIN) or no data. An answer too big for UDP is asked for again over TCP,
  and the status says so.
- **Service → port**: `telnet` → 23, as `LookupPort.go`; `tcp telnet` works too.
- **Port → service**: 53 → `domain`, for tcp or udp.
- **Ping**: ICMP echo showing the bytes sent and received as `Ping.go` prints them
  (`8 0 247 205 0 13 0 37`) and the round-trip time.
- **TCP connect timing**: how long connecting to a port takes, where ICMP is refused.

The **History** on the right keeps the last 20 queries, newest first: pick one
(Enter or a click) to run it again. **Escape** stops a lookup still running.

**Elsewhere**: on the answer highlighted in the table (the first, until you move the
cursor there), **Ctrl+L** looks it up in turn (a name is resolved, an address looked up
in reverse), **Ctrl+O** pings it and **Ctrl+N** puts it in the Client's address field,
for you to add the port (a TCP timing or an SRV record brings its own).
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Only while a lookup runs; otherwise Escape goes back to the tab bar as everywhere.
        # Priority, as the app's Escape is: the app leaves the key to this while it runs.
        Binding("escape", "stop", "Stop lookup", priority=True, id="lookup-stop"),
    ]
    JUMP_KEYS: ClassVar[dict[str, str]] = {
        "kind": "k",
        "query": "q",
        "rdtype": "y",
        "server": "s",
        "lookup-table": "t",
        "history": "h",
    }

    @dataclass
    class Progress(Message):
        """A ping or TCP timing has results so far; more are on their way."""

        serial: int
        query: Query
        outcome: Outcome

    @dataclass
    class Finished(Message):
        """A lookup is done: its outcome, or the one sentence saying why it failed."""

        serial: int
        query: Query
        outcome: Outcome | None
        error: str | None

    def __init__(self) -> None:
        super().__init__()
        self._serial = 0
        self._under_way: Query | None = None
        """The lookup under way, if one is."""
        self._shown: Query | None = None
        """The lookup whose results the table shows, if any."""
        self._shown_status = Text()
        self._shown_failed = False
        self._shown_targets: list[Target | None] = []
        """The address or name of each row shown (Outcome.targets)."""
        self._history: list[Query] = []

    def compose(self) -> ComposeResult:
        with Horizontal(id="lookup-form"):
            yield Select(
                [(title, key) for key, title in KINDS.items()],
                value="resolve-ip",
                allow_blank=False,
                id="kind",
            )
            yield Field(placeholder=_DEFAULT_PLACEHOLDER, id="query")
        with Horizontal(id="lookup-options"):
            yield Label("Type", id="rdtype-label", classes="field-label rdtype")
            yield Select(
                [(kind, kind) for kind in lookup.RECORD_TYPES],
                value="A",
                allow_blank=False,
                id="rdtype",
                classes="rdtype",
            )
            yield Label("Server", id="server-label", classes="field-label server")
            yield Field(placeholder="system's, or host[:port]", id="server", classes="server")
            yield Label("Network", id="network-label", classes="field-label network")
            yield Select(
                [(network, network) for network in _PROTOCOLS],
                value="tcp",
                allow_blank=False,
                id="network",
                classes="network",
            )
            yield Label("Port", id="port-label", classes="field-label port")
            yield Field(placeholder="80", type="integer", id="port", classes="port")
            yield Label("Count", id="count-label", classes="field-label count")
            yield Field(value="1", type="integer", id="count", classes="count")
            yield Static(_HINTS["resolve-ip"], id="hint", classes="hint")
        yield Static(
            Text("Press Enter to look up what you typed."), id="lookup-status", classes="hint"
        )
        with Horizontal(id="lookup-results"):
            yield DataTable(
                id="lookup-table", cursor_type="row", zebra_stripes=True, show_header=False
            )
            yield OptionList(id="history")

    def on_mount(self) -> None:
        self.query_one("#history", OptionList).border_title = "History"
        self._show_fields("resolve-ip")

    # -- the form -----------------------------------------------------------------------------

    @property
    def kind(self) -> str:
        value = self.query_one("#kind", Select).value
        return value if isinstance(value, str) else "resolve-ip"

    @on(Select.Changed, "#kind")
    def _kind_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self._show_fields(event.value)

    def _show_fields(self, kind: str) -> None:
        wanted = _FIELDS.get(kind, ())
        for name in ("rdtype", "server", "network", "port", "count"):
            for widget in self.query(f"#lookup-options .{name}"):
                widget.display = name in wanted
        self.query_one("#hint", Static).update(_HINTS[kind])
        self.query_one("#query", Input).placeholder = _PLACEHOLDERS.get(kind, _DEFAULT_PLACEHOLDER)

    def _read_form(self) -> Query:
        """The query the form describes, holding only the fields its lookup uses."""
        kind = self.kind
        text = self.query_one("#query", Input).value
        wanted = _FIELDS.get(kind, ())
        values: dict[str, str] = {}
        if "rdtype" in wanted:
            rdtype = self.query_one("#rdtype", Select).value
            values["rdtype"] = rdtype if isinstance(rdtype, str) else "A"
            values["server"] = self.query_one("#server", Input).value.strip()
        if "network" in wanted:
            network = self.query_one("#network", Select).value
            # "tcp telnet" and "53 udp" name their network: it wins over the Select's.
            values["network"], text = _split_network(
                text, network if isinstance(network, str) else "tcp"
            )
        if "count" in wanted:
            values["count"] = self.query_one("#count", Input).value.strip() or "1"
        if "port" in wanted:
            values["port"] = self.query_one("#port", Input).value.strip()
        return Query(kind, text.strip(), **values)

    def _fill_form(self, query: Query) -> None:
        self.query_one("#kind", Select).value = query.kind
        self._show_fields(query.kind)
        text = self.query_one("#query", Input)
        text.value = query.text
        text.cursor_position = len(query.text)
        wanted = _FIELDS.get(query.kind, ())
        if "rdtype" in wanted:
            self.query_one("#rdtype", Select).value = query.rdtype
            self.query_one("#server", Input).value = query.server
        if "network" in wanted:
            self.query_one("#network", Select).value = query.network
        if "count" in wanted:
            self.query_one("#count", Input).value = query.count
        if "port" in wanted:
            self.query_one("#port", Input).value = query.port

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.run_lookup()

    @on(Input.Changed)
    @on(Select.Changed)
    def _form_changed(self) -> None:
        """Results of another query than the form's are marked so, never passed off as its."""
        if self._under_way is not None or self._shown is None:
            return
        stale = self._read_form() != self._shown
        table = self.query_one("#lookup-table", DataTable)
        if stale == table.has_class("-stale"):
            return
        table.set_class(stale, "-stale")
        status = self.query_one("#lookup-status", Static)
        if stale:
            status.set_classes("hint")
            status.update(
                Text.assemble(
                    "The table is for ", self._shown.label(), ": Enter looks up what is typed now."
                )
            )
        else:
            status.set_classes("error" if self._shown_failed else "done")
            status.update(self._shown_status)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop":
            return self.escape_cancels()
        return True

    def escape_cancels(self) -> bool:
        return self._under_way is not None

    def target(self) -> Target | str:
        """The address or name of the answer under the table's cursor."""
        if self._under_way is not None and self._shown != self._under_way:
            return "the lookup is still running; wait for its answer."
        if self._shown is None:
            return "no answer shown; look something up first."
        row = self.query_one("#lookup-table", DataTable).cursor_row
        found = self._shown_targets[row] if 0 <= row < len(self._shown_targets) else None
        if found is None:
            return "this answer names no address or host; pick a row that does."
        return found

    def commands(self) -> Iterator[PaneCommand]:
        yield from self.hand_off_commands()
        if self._under_way is not None:
            yield PaneCommand("Stop the lookup", self.action_stop, "Escape")
        if self._history:
            yield PaneCommand(
                "Clear the lookup history", self.clear_history, "the list on the right"
            )

    # -- running ------------------------------------------------------------------------------

    def look_up(self, target: Target, kind: str | None = None) -> None:
        """Show this view and run a lookup of an address or name handed on (Ctrl+L, Ctrl+O):
        `kind`, or for an address its reverse lookup, for a name its resolve."""
        self.bring_into_view()
        kind = kind or ("reverse" if target.is_address else "resolve-ip")
        self.query_one("#kind", Select).value = kind
        self._show_fields(kind)
        field = self.query_one("#query", Input)
        field.value = target.host
        field.cursor_position = len(target.host)
        self.screen.set_focus(field)  # Enter runs it again
        self.run_lookup()

    def run_lookup(self, query: Query | None = None) -> None:
        """Start the lookup the form (or query) describes; a running one is abandoned."""
        query = query or self._read_form()
        self._serial += 1
        if query.text:
            self._remember(query)
        self._under_way = query
        self.refresh_bindings()
        status = self.query_one("#lookup-status", Static)
        status.set_classes("busy")
        status.update(Text.assemble("Looking up ", safe_text(query.text, limit=200), "…"))
        self.query_one("#lookup-table", DataTable).loading = True
        self._lookup(self._serial, query)

    @work(thread=True, exclusive=True, exit_on_error=False, group="lookup")
    def _lookup(self, serial: int, query: Query) -> None:
        worker = get_current_worker()

        def progress(outcome: Outcome) -> None:
            if not worker.is_cancelled:
                self.post_message(self.Progress(serial, query, outcome))

        try:
            outcome = run_query(query, progress, lambda: worker.is_cancelled)
        except NetlabError as error:
            self.post_message(self.Finished(serial, query, None, str(error)))
        except Exception as error:
            # A bug, not a network answer: still one line, and the app goes on.
            self.log.error(f"lookup {query!r} failed", error)
            reason = f"The lookup failed unexpectedly ({type(error).__name__}: {error})."
            self.post_message(self.Finished(serial, query, None, reason))
        else:
            self.post_message(self.Finished(serial, query, outcome, None))

    def action_stop(self) -> None:
        running = self._under_way
        if running is None:
            return
        self.workers.cancel_group(self, "lookup")
        self._serial += 1
        self._under_way = None
        self.refresh_bindings()
        table = self.query_one("#lookup-table", DataTable)
        table.loading = False
        status = self.query_one("#lookup-status", Static)
        status.set_classes("hint")
        label = running.label()
        if self._shown == running:  # a ping's replies so far: they are this lookup's
            status.update(Text.assemble("Stopped ", label, ": the table shows what came back."))
            return
        table.clear(columns=True)
        table.show_header = False
        self._shown = None
        status.update(Text.assemble("Stopped ", label, " before it found anything."))

    def on_lookup_pane_progress(self, message: Progress) -> None:
        message.stop()
        if message.serial == self._serial:
            self._show(message.query, message.outcome)
            self.query_one("#lookup-status", Static).set_classes("busy")

    def on_lookup_pane_finished(self, message: Finished) -> None:
        message.stop()
        if message.serial != self._serial:
            return
        self._under_way = None
        self.refresh_bindings()
        table = self.query_one("#lookup-table", DataTable)
        table.loading = False
        status = self.query_one("#lookup-status", Static)
        if message.outcome is None:
            table.clear(columns=True)
            table.show_header = False
            table.set_class(False, "-stale")
            self._shown = None
            status.set_classes("error")
            status.update(Text(safe_text(message.error or "The lookup failed.")))
        else:
            self._show(message.query, message.outcome)

    def _show(self, query: Query, outcome: Outcome) -> None:
        table = self.query_one("#lookup-table", DataTable)
        table.loading = False
        table.clear(columns=True)
        table.show_header = True
        table.set_class(False, "-stale")
        table.add_columns(*outcome.columns)
        table.add_rows(outcome.rows)
        self._shown = query
        self._shown_status = outcome.status
        self._shown_failed = outcome.failed
        self._shown_targets = outcome.targets
        status = self.query_one("#lookup-status", Static)
        status.set_classes("error" if outcome.failed else "done")
        status.update(outcome.status)

    # -- history ------------------------------------------------------------------------------

    @property
    def history(self) -> Sequence[Query]:
        """The last queries, newest first."""
        return tuple(self._history)

    def _remember(self, query: Query) -> None:
        self._history = [query, *(old for old in self._history if old != query)][:MAX_HISTORY]
        history = self.query_one("#history", OptionList)
        history.set_options(Option(old.label()) for old in self._history)
        history.highlighted = 0

    def clear_history(self) -> None:
        self._history = []
        self.query_one("#history", OptionList).clear_options()

    @on(OptionList.OptionSelected, "#history")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        query = self._history[event.option_index]
        self._fill_form(query)
        self.run_lookup(query)
