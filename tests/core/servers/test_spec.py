"""Server specs as people type them: echo:1201, udp:daytime:1200, tab:8085."""

from __future__ import annotations

import pytest

from netlab.core.errors import InputError
from netlab.core.servers import ServerSpec, TcpServer, UdpServer, make_server, parse_spec


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        ("echo:1201", ServerSpec("tcp", "echo", 1201)),
        ("udp:daytime:1200", ServerSpec("udp", "daytime", 1200)),
        ("tab:8085", ServerSpec("tcp", "tab", 8085)),
        ("echo:0", ServerSpec("tcp", "echo", 0)),
        (" TCP:Upper:9000 ", ServerSpec("tcp", "upper", 9000)),
        ("timestamp:1200", ServerSpec("tcp", "timestamp", 1200)),
    ],
)
def test_parse_spec(text: str, spec: ServerSpec) -> None:
    assert parse_spec(text) == spec


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("gopher:70", "Unknown server kind"),
        ("udp:tab:8085", "does not run over UDP"),
        ("udp:timestamp:1", "does not run over UDP"),
        ("sctp:echo:7", "Unknown transport"),
        ("echo:70000", "out of range"),
        ("echo:", "port is missing"),
        ("echo", "not a server spec"),
        ("tcp:udp:echo:7", "not a server spec"),
        ("", "No server given"),
        ("echo:-1", "not a port"),
    ],
)
def test_bad_specs_get_one_sentence(text: str, words: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_spec(text)
    message = str(caught.value)
    assert words in message
    assert len(message.splitlines()) == 1 and message.endswith(".")


def test_make_server_builds_unstarted_servers() -> None:
    tcp = make_server("echo:0", max_conns=3)
    assert isinstance(tcp, TcpServer) and tcp.max_conns == 3 and tcp.address is None
    udp = make_server(parse_spec("udp:echo:0"))
    assert isinstance(udp, UdpServer)
    with make_server("upper:0") as server:
        host, port = server.start()
        assert host == "127.0.0.1" and port > 0
    assert not server.running
