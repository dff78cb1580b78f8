"""The one JSON schema of `netlab COMMAND --json`, as checks the CLI tests share.

- one JSON object a line; keys snake_case; a field that does not apply is null;
- "address" is an IP address; "endpoint", "peer", "local" and "server" are host:port;
- bytes are {"text", "hex", "size"}, the text escaped as the text output shows it;
- "reading" (events) is netlab's reading of the bytes, a line of text, or null;
- "time" is ISO 8601 with a UTC offset; durations are numbers in keys ending "_s";
- a failed run's last line is {"error": {"kind", "message"}}, with the exit status
  of text mode.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import re
import subprocess
from typing import Any

from netlab.core.safetext import safe_bytes

SNAKE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")
HEX = re.compile(r"(?:[0-9a-f]{2})*")
DATA_KEYS = {"text", "hex", "size"}
DATA_FIELDS = {"data", "sent", "received"}
"""Keys whose value, when not null, is bytes that crossed the wire."""
EVENT_KEYS = {"time", "event", "source", "local", "peer", "data", "summed", "detail", "reading"}
"""The keys of every `serve` and `connect` line."""
RETIRED_KEYS = {"elapsed", "rtt", "timeout", "interval", "duration", "reply"}
"""Names the schema does not use: durations end in _s, bytes are "sent"/"received"."""
HOST_PORT_FIELDS = {"endpoint", "peer", "local", "server"}
HOST_PORT = re.compile(r"(\[[0-9a-f:.%]+\]|[^\s:\[\]]+):\d{1,5}")
"""host:port as netlab.core.endpoints.address_text writes it: an IPv6 host in brackets."""
ERROR_STATUS = {"bad-input": 2, "network": 1, "internal": 1}


def check_data(data: Any) -> bytes:
    """A data object: exactly text, hex and size, agreeing with each other; the bytes."""
    assert isinstance(data, dict) and set(data) == DATA_KEYS, data
    assert isinstance(data["hex"], str) and HEX.fullmatch(data["hex"]), data
    raw = bytes.fromhex(data["hex"])
    assert isinstance(data["size"], int) and not isinstance(data["size"], bool)
    assert data["size"] >= len(raw)  # more only when an event kept the start of a message
    assert data["text"] == safe_bytes(raw, limit=None)
    assert data["text"].isprintable(), data["text"]  # escapes, never control characters
    return raw


def check_time(text: Any, *, recent: bool = True) -> datetime.datetime:
    """An ISO 8601 wall-clock time with its UTC offset (and, unless told, a recent one)."""
    assert isinstance(text, str)
    moment = datetime.datetime.fromisoformat(text)
    assert moment.tzinfo is not None and moment.utcoffset() is not None, text
    if recent:
        now = datetime.datetime.now(datetime.UTC)
        assert abs(now - moment) < datetime.timedelta(minutes=10), text
    return moment


def check_schema(value: Any, *, recent: bool = True) -> None:
    """Walk a parsed value and check every convention that applies to it.

    `recent=False` accepts times from any day (the README's examples)."""
    if isinstance(value, list):
        for item in value:
            check_schema(item, recent=recent)
        return
    if not isinstance(value, dict):
        return
    for key, item in value.items():
        assert isinstance(key, str) and SNAKE.fullmatch(key), f"{key!r} is not snake_case"
        assert key not in RETIRED_KEYS, f"{key!r}: durations end in _s, bytes are sent/received"
        if key.endswith("_s"):
            assert item is None or (
                isinstance(item, int | float) and not isinstance(item, bool) and item >= 0
            ), (key, item)
        if key == "time":
            check_time(item, recent=recent)
        if key == "address" and item is not None:
            ipaddress.ip_address(item)  # an IP address alone; host:port has its own keys
        if key in HOST_PORT_FIELDS and item is not None:
            assert HOST_PORT.fullmatch(item), (key, item)
        if key == "reading":
            assert item is None or (isinstance(item, str) and item and "\n" not in item), item
        if key in DATA_FIELDS and item is not None:
            check_data(item)
        else:
            check_schema(item, recent=recent)


def json_lines(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    """Every line of stdout: printable (no raw control character), one JSON object each,
    in the schema."""
    lines = result.stdout.splitlines()
    assert result.stdout == "".join(line + "\n" for line in lines), result.stdout
    objects = []
    for line in lines:
        assert line.isprintable(), line
        value = json.loads(line)
        assert isinstance(value, dict), line
        check_schema(value)
        objects.append(value)
    return objects


def one_object(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """A command that answers once, successfully: exactly one object, no error."""
    assert result.returncode == 0, (result.stdout, result.stderr)
    objects = json_lines(result)
    assert len(objects) == 1, result.stdout
    assert "error" not in objects[0]
    return objects[0]


def events(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    """A stream's lines: each with "time" and "event"; an error only as the last line."""
    objects = json_lines(result)
    body = objects[:-1] if objects and "error" in objects[-1] else objects
    for item in body:
        assert "error" not in item and "time" in item and "event" in item, item
    return body


def check_error(result: subprocess.CompletedProcess[str], kind: str) -> str:
    """A failed run: the exit status of `kind`, the error object last, the same message
    on stderr. Returns the message."""
    assert result.returncode == ERROR_STATUS[kind], (result.returncode, result.stderr)
    objects = json_lines(result)
    assert objects, f"no error object; stderr: {result.stderr}"
    last = objects[-1]
    assert set(last) == {"error"} and set(last["error"]) == {"kind", "message"}, last
    assert last["error"]["kind"] == kind
    message = last["error"]["message"]
    assert isinstance(message, str) and message and "\n" not in message
    assert message in result.stderr
    assert all("error" not in item for item in objects[:-1])
    return message
