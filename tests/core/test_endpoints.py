"""host:port as people type it, from the seed's TCPAddr section: www.google.com:80,
127.0.0.1:22, [::1]:23 and the server's bare :80."""

from __future__ import annotations

import socket

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netlab.core.endpoints import Endpoint, address_text, parse_endpoint, parse_port
from netlab.core.errors import InputError

MODEST = settings(max_examples=100, deadline=None)


def assert_one_sentence(message: str) -> None:
    assert message, "empty message"
    assert len(message.splitlines()) == 1, message
    assert message == message.strip(), message
    assert message.endswith("."), message


def parse_or_error(text: str, **options: object) -> Endpoint | None:
    """parse_endpoint(text), or None if it raised InputError with a one-sentence message."""
    try:
        return parse_endpoint(text, **options)  # type: ignore[arg-type]
    except InputError as error:
        assert_one_sentence(str(error))
        return None


@pytest.mark.parametrize(
    ("typed", "host", "port", "printed"),
    [
        # the seed's examples
        ("www.google.com:80", "www.google.com", 80, "www.google.com:80"),
        ("127.0.0.1:22", "127.0.0.1", 22, "127.0.0.1:22"),
        ("[::1]:23", "::1", 23, "[::1]:23"),
        (":80", "", 80, ":80"),
        # service names go through the services table
        ("localhost:http", "localhost", 80, "localhost:80"),
        ("localhost:telnet", "localhost", 23, "localhost:23"),
        ("localhost:HTTP", "localhost", 80, "localhost:80"),
        ("[::1]:domain", "::1", 53, "[::1]:53"),
        # other forms
        ("  localhost:7  ", "localhost", 7, "localhost:7"),
        ("localhost: 7", "localhost", 7, "localhost:7"),
        ("localhost:65535", "localhost", 65535, "localhost:65535"),
        ("localhost:1", "localhost", 1, "localhost:1"),
        ("example.com.:443", "example.com.", 443, "example.com.:443"),
        ("_srv.example.com:5060", "_srv.example.com", 5060, "_srv.example.com:5060"),
        ("[fe80::1%eth0]:80", "fe80::1%eth0", 80, "[fe80::1%eth0]:80"),
        ("[::ffff:192.0.2.1]:80", "::ffff:192.0.2.1", 80, "[::ffff:192.0.2.1]:80"),
        ("[192.0.2.1]:80", "192.0.2.1", 80, "192.0.2.1:80"),
    ],
)
def test_parse_endpoint(typed: str, host: str, port: int, printed: str) -> None:
    endpoint = parse_endpoint(typed)
    assert endpoint == Endpoint(host, port)
    assert str(endpoint) == printed
    assert parse_endpoint(str(endpoint)) == endpoint


@pytest.mark.parametrize(
    ("typed", "default_port", "expected"),
    [
        ("localhost", 7, Endpoint("localhost", 7)),
        ("192.0.2.1", 13, Endpoint("192.0.2.1", 13)),
        ("[::1]", 7, Endpoint("::1", 7)),
        ("::1", 7, Endpoint("::1", 7)),
        ("fe80::1%eth0", 7, Endpoint("fe80::1%eth0", 7)),
        ("localhost:8", 7, Endpoint("localhost", 8)),
    ],
)
def test_default_port(typed: str, default_port: int, expected: Endpoint) -> None:
    assert parse_endpoint(typed, default_port=default_port) == expected


@pytest.mark.parametrize(
    ("endpoint", "is_ipv6"),
    [(Endpoint("::1", 23), True), (Endpoint("127.0.0.1", 22), False), (Endpoint("", 80), False)],
)
def test_is_ipv6_literal(endpoint: Endpoint, is_ipv6: bool) -> None:
    assert endpoint.is_ipv6_literal is is_ipv6


def test_service_names_are_read_for_the_given_network() -> None:
    assert parse_endpoint("localhost:domain", network="udp") == Endpoint("localhost", 53)
    with pytest.raises(InputError, match="Unknown service 'telnet' for udp"):
        parse_endpoint("localhost:telnet", network="udp")


def test_port_zero_only_when_allowed() -> None:
    assert parse_endpoint(":0", allow_zero_port=True) == Endpoint("", 0)
    assert parse_port("0", allow_zero=True) == 0
    with pytest.raises(InputError, match="Port 0 is out of range: use 1 to 65535"):
        parse_endpoint(":0")


@pytest.mark.parametrize(
    ("typed", "key_words"),
    [
        # ports
        ("localhost:0", ["Port 0", "out of range", "1 to 65535"]),
        ("localhost:65536", ["Port 65536", "out of range"]),
        ("localhost:99999", ["Port 99999", "out of range"]),  # getaddrinfo would wrap it
        ("localhost:-1", ["'-1'", "not a port", "1 to 65535"]),
        ("localhost:+80", ["'+80'", "not a port"]),
        ("localhost:\u0663", ["not a port"]),
        ("localhost:", ["port is missing", ":80"]),
        ("[::1]:", ["port is missing"]),
        ("localhost:nosuchservice", ["Unknown service 'nosuchservice'", "port number"]),
        # hosts
        ("", ["No endpoint given", "host:port"]),
        ("   ", ["No endpoint given"]),
        ("x" * 301, ["too long", "301 characters"]),
        ("localhost", ["No port given", "localhost:7"]),
        ("[::1]", ["No port given", "[::1]:23"]),
        ("::1", ["brackets", "[::1]:23"]),
        ("[::1", ["no closing bracket", "[::1]:23"]),
        ("[::1]x", ["Unexpected 'x'", "[::1]:23"]),
        ("[junk]:80", ["'[junk]'", "not an IPv6 address"]),
        ("[]:80", ["not an IPv6 address"]),
        ("[::1%]:80", ["not an IPv6 address"]),
        ("host:port:x", ["not host:port", "brackets"]),
        ("bad host:80", ["'bad host'", "cannot be in a host name"]),
        ("-bad:80", ["hyphen"]),
        ("a..b:80", ["empty part"]),
        ("localhost\n:80", ["spaces around it"]),
        ("1.2.3.4%eth0:80", ["'%'", "cannot be in a host name"]),
        # names ending in a number are mistyped addresses: getaddrinfo reads
        # 010.0.0.1 as 8.0.0.1 and 127.1 as 127.0.0.1
        ("010.0.0.1:80", ["'010.0.0.1'", "not an IPv4 address", "leading zeros"]),
        ("127.1:80", ["'127.1'", "not an IPv4 address"]),
        ("999.1.1.1:80", ["not an IPv4 address", "0 to 255"]),
        ("2130706433:80", ["not an IPv4 address"]),
        ("1.2.3.4.5:80", ["not an IPv4 address"]),
    ],
)
def test_bad_endpoints(typed: str, key_words: list[str]) -> None:
    with pytest.raises(InputError) as caught:
        parse_endpoint(typed)
    message = str(caught.value)
    for word in key_words:
        assert word in message
    assert_one_sentence(message)


def test_a_zone_with_a_line_break_is_not_an_address() -> None:
    with pytest.raises(InputError) as caught:
        parse_endpoint("[fe80::1%a\nb]:80")
    assert_one_sentence(str(caught.value))


def test_a_parsed_endpoint_reaches_a_real_listener() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        endpoint = parse_endpoint(f"127.0.0.1:{port}")
        with socket.create_connection((endpoint.host, endpoint.port), timeout=5):
            accepted, _ = server.accept()
            accepted.close()


# -- properties ----------------------------------------------------------------------------

ENDPOINT_ALPHABET = "0123456789abcdefhlnopstx:.[]% -_"


@MODEST
@given(st.text())
def test_parse_endpoint_raises_only_input_error_on_any_text(text: str) -> None:
    parse_or_error(text)
    parse_or_error(text, default_port=7)


@MODEST
@given(st.text(alphabet=ENDPOINT_ALPHABET, max_size=60))
def test_parse_endpoint_round_trips_or_refuses(text: str) -> None:
    endpoint = parse_or_error(text)
    if endpoint is not None:
        assert 1 <= endpoint.port <= 65535
        assert parse_endpoint(str(endpoint)) == endpoint


@MODEST
@given(st.integers(1, 65535), st.sampled_from(["localhost", "127.0.0.1", "[::1]", ""]))
def test_every_port_in_range_is_read(port: int, host: str) -> None:
    assert parse_endpoint(f"{host}:{port}").port == port


@MODEST
@given(st.one_of(st.integers(max_value=0), st.integers(min_value=65536)))
def test_every_port_out_of_range_is_refused(port: int) -> None:
    with pytest.raises(InputError) as caught:
        parse_endpoint(f"localhost:{port}")
    assert_one_sentence(str(caught.value))


def test_an_ipv4_peer_of_a_dual_stack_listener_is_written_as_ipv4() -> None:
    assert address_text(("::ffff:127.0.0.1", 5000, 0, 0)) == "127.0.0.1:5000"
    assert address_text(("::1", 5000, 0, 0)) == "[::1]:5000"
