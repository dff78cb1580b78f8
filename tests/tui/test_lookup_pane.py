"""The Lookup pane: each lookup runs in a worker and lands in the table, errors in one line.

No test asks the machine's DNS server anything: names go to the system resolver only
as `localhost` (IPv4) or IP literals, and every DNS query goes to the `dns_server`
fixture on 127.0.0.1.
"""

from __future__ import annotations

import time

import pytest
from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, OptionList, Select, Static

from netlab.core import ping
from netlab.tui.app import NetlabApp
from netlab.tui.panes.lookup import LookupPane, Query, format_elapsed
from tests.core.dns_server import KSK_TAG, ZSK_TAG, LocalDnsServer, free_udp_port
from tests.tui.running import running

SIZE = (100, 40)


async def _show_pane(pilot: Pilot[None]) -> LookupPane:
    await pilot.press("alt+2")
    await pilot.pause()
    return pilot.app.query_one(LookupPane)


async def _look_up(pilot: Pilot[None], kind: str, text: str, **fields: str) -> None:
    """Choose the lookup, fill in the fields, type Enter in the query and wait for the answer."""
    app = pilot.app
    app.query_one("#kind", Select).value = kind
    await pilot.pause()
    for name, value in fields.items():
        widget = app.query_one(f"#{name}")
        assert isinstance(widget, Input | Select)
        assert widget.display, f"#{name} is hidden for {kind}"
        widget.value = value
    query = app.query_one("#query", Input)
    query.value = text
    query.focus()
    await pilot.press("enter")
    await app.workers.wait_for_complete()
    await pilot.pause()


def _rows(app: NetlabApp) -> list[list[str]]:
    table = app.query_one("#lookup-table", DataTable)
    return [[str(cell) for cell in table.get_row_at(row)] for row in range(table.row_count)]


def _columns(app: NetlabApp) -> list[str]:
    table = app.query_one("#lookup-table", DataTable)
    return [str(column.label) for column in table.columns.values()]


def _status(app: NetlabApp) -> Static:
    return app.query_one("#lookup-status", Static)


def _status_text(app: NetlabApp) -> str:
    content = _status(app).content
    assert isinstance(content, Text | str)
    return str(content)


def _assert_one_line_error(app: NetlabApp, *fragments: str) -> str:
    status = _status(app)
    text = _status_text(app)
    assert status.has_class("error"), text
    assert "\n" not in text
    assert "Traceback" not in text
    for fragment in fragments:
        assert fragment in text
    assert app.query_one("#lookup-table", DataTable).row_count == 0
    return text


async def test_resolve_localhost_for_ipv4_typed_and_entered() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        await _show_pane(pilot)
        app.query_one("#kind", Select).value = "resolve-ip4"
        await pilot.pause()
        assert app.focused is app.query_one("#query", Input)
        await pilot.press(*"localhost", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert _columns(app) == ["Name", "Network", "Address"]
        assert _rows(app) == [["localhost", "ip4", "127.0.0.1"]]
        assert "Resolved address is 127.0.0.1" in _status_text(app)
        assert " ms" in _status_text(app)
        assert not app.query_one("#lookup-table", DataTable).loading


async def test_all_addresses_of_localhost() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        await _show_pane(pilot)
        await _look_up(pilot, "host", "localhost")
        rows = _rows(app)
        assert rows[0] == ["1", "127.0.0.1", "IPv4"]
        # IPv4 first, then whatever IPv6 addresses the machine gives localhost.
        assert all(row[2] == "IPv6" for row in rows[1:])
        assert f"{len(rows)} address" in _status_text(app)


async def test_service_to_port_as_lookup_port_go() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        pane = await _show_pane(pilot)
        # The network typed with the service wins over the one chosen in the form.
        await _look_up(pilot, "port", "tcp telnet", network="udp")
        assert pane.history[0] == Query("port", "telnet", network="tcp")
        assert _columns(app) == ["Service", "Port", "Network", "Aliases"]
        assert _rows(app)[0][:3] == ["telnet", "23", "tcp"]
        assert _status_text(app).startswith("Service port 23")


async def test_port_to_service_over_udp() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        await _show_pane(pilot)
        await _look_up(pilot, "service", "53", network="udp")
        assert _rows(app)[0][:3] == ["domain", "53", "udp"]
        assert _status_text(app).startswith("Service name domain")


async def test_dns_mx_against_our_server_names_the_server(dns_server: LocalDnsServer) -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        await _show_pane(pilot)
        await _look_up(
            pilot, "dns", "example.test", rdtype="MX", server=f"127.0.0.1:{dns_server.port}"
        )
        assert _columns(app) == ["Name", "TTL", "Type", "Value"]
        rows = _rows(app)
        assert sorted(row[3] for row in rows) == [
            "10 mail.example.test.",
            "20 backup.example.test.",
        ]
        assert {(row[0], row[1], row[2]) for row in rows} == {("example.test.", "300", "MX")}
        status = _status_text(app)
        assert "2 records" in status
        assert f"answered by {dns_server.address}" in status
        assert "flags qr aa rd ra, NOERROR" in status  # the header, as dig shows it


async def test_dns_cname_chain_shows_every_record(dns_server: LocalDnsServer) -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        await _show_pane(pilot)
        await _look_up(pilot, "dns", "alias.example.test", rdtype="A", server=dns_server.address)
        assert [row[2] for row in _rows(app)] == ["CNAME", "CNAME", "A"]
        assert _rows(app)[-1][3] == "192.0.2.20"
        assert "via alias2.example.test. → target.example.test." in _status_text(app)


async def test_dns_says_below_the_status_when_it_asked_again_over_tcp(
    dns_server: LocalDnsServer,
) -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        await _show_pane(pilot)
        await _look_up(pilot, "dns", "big.example.test", rdtype="TXT", server=dns_server.address)
        headline, note = _status_text(app).split("\n")
        assert headline.startswith("1 record for big.example.test. TXT")
        assert note.startswith("truncated over UDP (tc): asked again over TCP, ")
        assert note.endswith(" bytes")
        status = _status(app)
        shown = [status.render_line(y).text.strip() for y in range(status.size.height)]
        assert shown[-1] == note  # on a line of its own, below the headline however it wraps
        # The newer types are in the list, and an answer that fits in UDP says nothing more.
        await _look_up(pilot, "dns", "example.test", rdtype="DNSKEY", server=dns_server.address)
        assert [row[3].split(" ;")[1] for row in _rows(app)] == [
            f" KSK, key tag {KSK_TAG}",
            f" ZSK, key tag {ZSK_TAG}",
        ]
        assert "\n" not in _status_text(app)


async def test_a_chain_that_is_all_the_answer_is_shown_with_the_error(
    dns_server: LocalDnsServer,
) -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        await _show_pane(pilot)
        await _look_up(pilot, "dns", "far.example.test", rdtype="A", server=dns_server.address)
        assert [row[2:] for row in _rows(app)] == [
            ["CNAME", "outside.example.test."],
            ["CNAME", "www.elsewhere.test."],
        ]
        status = _status(app)
        assert status.has_class("error")
        assert _status_text(app) == (
            "No data: far.example.test is an alias of www.elsewhere.test, and the answer of "
            f"{dns_server.address} holds no A records for it."
        )
        # Leaving the form and coming back shows the same failure, still as one.
        await pilot.press("x")
        assert not status.has_class("error")
        await pilot.press("backspace")
        assert status.has_class("error")
        assert _status_text(app).startswith("No data: far.example.test")


DNS_FAILURES = [
    ("refused.example.test", "A", "The server refused the query (REFUSED)"),
    ("broken.example.test", "A", "(SERVFAIL)"),
    ("www.example.test", "TXT", "No data: www.example.test exists but has no TXT records"),
]


async def test_dns_failures_are_told_apart_each_as_one_line(dns_server: LocalDnsServer) -> None:
    # One app for all of them: each lookup replaces the last one's status.
    port = free_udp_port()
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        await _show_pane(pilot)
        for name, rdtype, words in DNS_FAILURES:
            await _look_up(pilot, "dns", name, rdtype=rdtype, server=dns_server.address)
            _assert_one_line_error(app, words)
        start = time.perf_counter()
        await _look_up(pilot, "dns", "www.example.test", server=f"127.0.0.1:{port}")
        assert time.perf_counter() - start < 3  # at once: the pane's timeout is 5 s
        _assert_one_line_error(
            app, f"Nothing is listening on 127.0.0.1:{port} for DNS (connection refused)."
        )


async def test_nxdomain_is_one_line_and_the_app_goes_on(dns_server: LocalDnsServer) -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        await _show_pane(pilot)
        await _look_up(pilot, "dns", "nope.example.test", rdtype="A", server=dns_server.address)
        _assert_one_line_error(app, "nope.example.test does not exist (NXDOMAIN)")
        # The next lookup works as ever.
        await _look_up(pilot, "resolve-ip4", "127.0.0.1")
        assert _rows(app) == [["127.0.0.1", "ip4", "127.0.0.1"]]
        assert not _status(app).has_class("error")


async def test_invalid_input_shows_its_error() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        await _show_pane(pilot)
        await _look_up(pilot, "resolve-ip", "bad name!")
        _assert_one_line_error(app, "'bad name!'", "cannot be in a host name")
        await _look_up(pilot, "service", "fifty-three")
        _assert_one_line_error(app, "not a whole number")
        await _look_up(pilot, "tcp", "127.0.0.1", port="")
        _assert_one_line_error(app, "No port given")


async def test_invalid_names_are_refused_without_asking_anyone() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        await _show_pane(pilot)
        await _look_up(pilot, "host", "nothing.invalid")
        _assert_one_line_error(app, "No such host: nothing.invalid.")


async def test_ping_shows_the_seed_bytes() -> None:
    try:
        next(iter(ping.ping("127.0.0.1", timeout=1)))
    except ping.PingNotPermitted:
        pytest.skip("this machine does not allow ICMP sockets")
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        await _show_pane(pilot)
        await _look_up(pilot, "ping", "127.0.0.1", count="1")
        assert _columns(app) == ["Seq", "Message", "Bytes", "RTT"]
        sent, received = _rows(app)
        assert sent[:3] == ["37", "sent", "8 0 247 205 0 13 0 37"]
        assert received[1] == "received"
        # An echo reply: type 0, code 0, then the request's identifier and sequence.
        assert received[2].startswith("0 0 ")
        assert received[2].endswith(" 0 13 0 37")
        assert received[3].endswith(" ms")
        assert "1 of 1 reply from 127.0.0.1" in _status_text(app)


async def test_tcp_connect_timing_reports_a_refusal_as_a_result() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        await _show_pane(pilot)
        # Port 1 on loopback: almost surely closed, and the answer comes at once.
        await _look_up(pilot, "tcp", "127.0.0.1", port="1", count="1")
        rows = _rows(app)
        assert len(rows) == 1
        assert rows[0][:3] == ["1", "127.0.0.1", "1"]
        assert "to 127.0.0.1:1 succeeded" in _status_text(app)


async def test_only_the_fields_a_lookup_needs_are_shown() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        await _show_pane(pilot)
        fields = ["rdtype", "server", "network", "port", "count"]
        expected = {
            "resolve-ip": set(),
            "host": set(),
            "dns": {"rdtype", "server"},
            "port": {"network"},
            "service": {"network"},
            "ping": {"count"},
            "tcp": {"port", "count"},
        }
        for kind, wanted in expected.items():
            app.query_one("#kind", Select).value = kind
            await pilot.pause()
            shown = {name for name in fields if app.query_one(f"#{name}").display}
            assert shown == wanted, kind


async def test_history_is_newest_first_and_picking_one_runs_it_again() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        pane = await _show_pane(pilot)
        await _look_up(pilot, "resolve-ip4", "localhost")
        await _look_up(pilot, "port", "telnet", network="tcp")
        await _look_up(pilot, "resolve-ip4", "localhost")  # again: moves to the top
        history = app.query_one("#history", OptionList)
        assert [query.kind for query in pane.history] == ["resolve-ip4", "port"]
        assert history.option_count == 2
        assert "localhost" in str(history.get_option_at_index(0).prompt)

        history.focus()
        history.highlighted = 1
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert _rows(app)[0][:2] == ["telnet", "23"]
        assert app.query_one("#kind", Select).value == "port"
        assert app.query_one("#query", Input).value == "telnet"
        assert [query.kind for query in pane.history] == ["port", "resolve-ip4"]


async def test_history_keeps_twenty_and_shows_typed_text_safely() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        pane = await _show_pane(pilot)
        for port in range(1, 23):
            pane.run_lookup(Query("service", str(port), network="tcp"))
            await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(pane.history) == 20
        assert pane.history[0].text == "22"
    label = Query("resolve-ip", "evil\x1b[31mname\u202e").label()
    assert "\x1b" not in label.plain and "\u202e" not in label.plain
    assert "\\x1b" in label.plain


def test_elapsed_is_stable_below_a_millisecond() -> None:
    assert format_elapsed(0.0004) == "< 1 ms"
    assert format_elapsed(0.0042) == "4.2 ms"
    assert format_elapsed(0.25) == "250 ms"
    assert format_elapsed(12.5) == "12.5 s"


async def test_results_of_another_query_are_marked_as_such() -> None:
    app = NetlabApp()
    async with running(app, size=SIZE) as pilot:
        await _show_pane(pilot)
        await _look_up(pilot, "resolve-ip4", "localhost")
        table = app.query_one("#lookup-table", DataTable)
        assert not table.has_class("-stale")
        await pilot.press(*"6")  # the form now says "localhost6"
        assert table.has_class("-stale")
        status = str(_status(app).render())
        assert "The table is for" in status and "localhost" in status
        assert "Enter looks up what is typed now" in status
        await pilot.press("backspace")  # back to what the table answers
        assert not table.has_class("-stale")
        assert "Resolved address is 127.0.0.1" in str(_status(app).render())
