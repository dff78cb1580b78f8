"""Service names and ports, as the seed's LookupPort.go finds them in /etc/services.

Each lookup runs twice: against this machine's /etc/services and against the copy
netlab bundles for machines without one, so both must agree with the seed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netlab.core.errors import InputError, NetlabError, OperationFailed
from netlab.core.services import (
    SYSTEM_SERVICES,
    Service,
    ServiceTable,
    parse_services,
    port_for_service,
    service_for_port,
    services_table,
)

MODEST = settings(max_examples=100, deadline=None)

BUNDLED = services_table(Path("/nonexistent/netlab/services"))
"""A path that cannot be read: services_table falls back to the bundled copy."""


def _tables() -> list[object]:
    tables: list[object] = [pytest.param(BUNDLED, id="bundled")]
    if SYSTEM_SERVICES.is_file():
        tables.append(pytest.param(services_table(SYSTEM_SERVICES), id="system"))
    return tables


TABLES = _tables()


def test_the_fallback_is_the_bundled_copy() -> None:
    assert BUNDLED.by_name[("telnet", "tcp")].source == "bundled"
    assert services_table(Path("/nonexistent/netlab/services")) is BUNDLED  # read once


@pytest.mark.skipif(not SYSTEM_SERVICES.is_file(), reason="this machine has no /etc/services")
def test_the_default_table_is_the_systems() -> None:
    assert port_for_service("tcp", "telnet").source == "system"
    assert services_table() == services_table(SYSTEM_SERVICES)


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize(
    ("network", "service", "port"),
    [
        ("tcp", "telnet", 23),  # LookupPort tcp telnet -> Service port 23
        ("tcp", "domain", 53),  # DNS uses port 53 over TCP or UDP
        ("udp", "domain", 53),
        ("tcp", "ftp", 21),  # FTP uses 21 and 20
        ("tcp", "ftp-data", 20),
        ("tcp", "http", 80),
        ("tcp", "www", 80),  # an alias
        ("tcp", "http-alt", 8080),
        ("tcp", "x11", 6000),  # X Window from 6000
        ("tcp", "daytime", 13),  # RFC 867, port 13 on TCP and UDP
        ("udp", "daytime", 13),
        ("tcp", "echo", 7),
        ("udp", "echo", 7),
        ("tcp", "ssh", 22),
        ("TCP", "Telnet", 23),
        (" udp ", " DOMAIN ", 53),
    ],
)
def test_lookup_port(table: ServiceTable, network: str, service: str, port: int) -> None:
    found = port_for_service(network, service, table)
    assert found.port == port
    assert found.network == network.strip().lower()


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize(
    ("port", "network", "name"),
    [(23, "tcp", "telnet"), (53, "tcp", "domain"), (53, "udp", "domain"), (80, "tcp", "http")],
)
def test_service_for_port(table: ServiceTable, port: int, network: str, name: str) -> None:
    found = service_for_port(port, network, table)
    assert (found.name, found.port, found.network) == (name, port, network)


@pytest.mark.parametrize(("text", "port"), [("80", 80), ("1", 1), ("65535", 65535), (" 23 ", 23)])
def test_a_number_is_its_own_port(text: str, port: int) -> None:
    assert port_for_service("tcp", text) == Service(
        name=text.strip(), port=port, network="tcp", source="number"
    )


@pytest.mark.parametrize(
    ("network", "service", "error", "key_words"),
    [
        ("tcp", "0", InputError, ["Port 0", "1 to 65535"]),
        ("tcp", "65536", InputError, ["Port 65536", "1 to 65535"]),
        ("tcp", "", InputError, ["No service given", "telnet"]),
        ("sctp", "http", InputError, ["Unknown network 'sctp'", "tcp or udp"]),
        ("tcp", "nosuchservice", OperationFailed, ["Unknown service 'nosuchservice' for tcp"]),
        ("udp", "telnet", OperationFailed, ["Unknown service 'telnet' for udp"]),
        # Not ASCII digits: names, not numbers (int("²") would raise ValueError).
        ("tcp", "\u0663", OperationFailed, ["Unknown service"]),
        ("tcp", "\u00b2", OperationFailed, ["Unknown service"]),
        ("tcp", "-1", OperationFailed, ["Unknown service '-1'"]),
    ],
)
def test_lookup_port_refuses(
    network: str, service: str, error: type[NetlabError], key_words: list[str]
) -> None:
    with pytest.raises(error) as caught:
        port_for_service(network, service, BUNDLED)
    for word in key_words:
        assert word in str(caught.value)
    assert str(caught.value).endswith(".")


@pytest.mark.parametrize(
    ("port", "network", "error", "key_words"),
    [
        (0, "tcp", InputError, ["Port 0", "1 to 65535"]),
        (65536, "tcp", InputError, ["Port 65536"]),
        (23, "icmp", InputError, ["Unknown network 'icmp'"]),
        (60999, "tcp", OperationFailed, ["No service", "60999/tcp"]),
    ],
)
def test_service_for_port_refuses(
    port: int, network: str, error: type[NetlabError], key_words: list[str]
) -> None:
    with pytest.raises(error) as caught:
        service_for_port(port, network, BUNDLED)
    for word in key_words:
        assert word in str(caught.value)


SAMPLE = """\
# comment line
telnet\t\t23/tcp
http\t\t80/tcp\t\twww www-http\t# WorldWideWeb HTTP
http\t\t80/udp
other-http\t80/tcp\t\t# a second name for port 80: the first entry wins
domain\t\t53/TCP
broken-line
noslash\t\t99
wrongproto\t7/ddp
notanumber\tabc/tcp
superscript\t\u00b2/tcp
"""


def test_parse_services_format() -> None:
    table = parse_services(SAMPLE, "test")
    assert table.by_name[("www", "tcp")] == Service(
        name="http", port=80, network="tcp", aliases=("www", "www-http"), source="test"
    )
    assert table.by_name[("http", "udp")].port == 80
    assert table.by_port[(80, "tcp")].name == "http"  # first entry for a port wins
    assert table.by_name[("other-http", "tcp")].port == 80
    assert table.by_name[("domain", "tcp")].port == 53  # protocol read case-insensitively
    assert set(table.by_name) == {
        ("telnet", "tcp"),
        ("http", "tcp"),
        ("www", "tcp"),
        ("www-http", "tcp"),
        ("http", "udp"),
        ("other-http", "tcp"),
        ("domain", "tcp"),
    }


def test_every_bundled_line_is_read() -> None:
    from importlib import resources

    text = resources.files("netlab.core").joinpath("data/services").read_text(encoding="utf-8")
    entries = [line for line in text.splitlines() if line.split("#", 1)[0].strip()]
    assert len({(s.port, s.network) for s in BUNDLED.by_name.values()}) == len(entries)


@pytest.mark.skipif(not SYSTEM_SERVICES.is_file(), reason="this machine has no /etc/services")
@pytest.mark.parametrize(
    "key", [("telnet", "tcp"), ("domain", "tcp"), ("domain", "udp"), ("http", "tcp")]
)
def test_bundled_copy_agrees_with_the_system(key: tuple[str, str]) -> None:
    assert BUNDLED.by_name[key].port == services_table(SYSTEM_SERVICES).by_name[key].port


# -- properties ----------------------------------------------------------------------------


@MODEST
@given(st.sampled_from(["tcp", "udp", "sctp", ""]), st.text(max_size=30))
def test_lookup_raises_only_netlab_errors(network: str, service: str) -> None:
    try:
        found = port_for_service(network, service, BUNDLED)
    except NetlabError as error:
        assert str(error).endswith(".")
    else:
        assert 1 <= found.port <= 65535


@MODEST
@given(st.integers(1, 65535), st.sampled_from(["tcp", "udp"]))
def test_service_for_port_finds_that_port_or_says_none(port: int, network: str) -> None:
    try:
        found = service_for_port(port, network, BUNDLED)
    except OperationFailed:
        assert (port, network) not in BUNDLED.by_port
    else:
        assert (found.port, found.network) == (port, network)
        assert port_for_service(network, found.name, BUNDLED).port == port
