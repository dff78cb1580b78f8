"""What every subcommand shares: the exit statuses, how a subcommand is declared
(add_command, the argument types, core_type for the core's own parsers), and the one
JSON schema.

A module of its own so the command modules can use it without importing the parser.

The schema, the same for every command's --json:

- One JSON object a line. A command that answers once prints one object; `serve`,
  `connect` and `ping` print one object a line as things happen (JSON Lines), each
  with "time" and "event".
- Keys are snake_case and mean the same thing in every command ("address" an IP
  address; "endpoint", "peer" and "local" host:port as address_text writes it); a
  field that does not apply is null, never missing.
- Bytes that crossed the wire are {"text", "hex", "size"} (data_json).
- Wall-clock times are ISO 8601 with the UTC offset; durations are seconds, as a
  number, in a key ending in "_s".
- A run that fails prints {"error": {"kind", "message"}} as its last line, and
  exits as in text mode: kind "bad-input" with status 2, "network" or "internal"
  with status 1.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import ipaddress
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

from netlab.cli.status import EXIT_BAD_INPUT as EXIT_BAD_INPUT
from netlab.cli.status import EXIT_FAILED as EXIT_FAILED
from netlab.cli.status import EXIT_OK as EXIT_OK
from netlab.core.events import wall_time
from netlab.core.safetext import safe_bytes

if TYPE_CHECKING:
    from netlab.core.events import Event


Handler = Callable[[argparse.Namespace], int]
Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
"""Where each command module adds its subcommands: `netlab`'s subparsers."""


def add_command(
    commands: Commands, name: str, handler: Handler, help_text: str, *, timeout: float | None = None
) -> argparse.ArgumentParser:
    """One subcommand, with the --json every command takes, and --timeout with its default
    for those that wait on the network. main() runs `handler` with the parsed arguments."""
    sub = commands.add_parser(name, help=help_text, description=help_text)
    sub.set_defaults(handler=handler)
    sub.add_argument("--json", action="store_true", help="print JSON instead of text")
    if timeout is not None:
        sub.add_argument(
            "--timeout",
            type=positive_float,
            default=timeout,
            metavar="S",
            help=f"seconds to wait (default {timeout:g})",
        )
    return sub


# Argument types. Their messages follow argparse's "argument --count: ..." and end
# without a full stop, as argparse's own do; the usage line comes with them.


def positive_float(text: str) -> float:
    """Seconds for --timeout and its kin: more than 0, at most an hour."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"{text} is out of range: use more than 0, up to 3600")
    return value


def count(text: str) -> int:
    """How many of something: 1 to a million."""
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= 1_000_000:
        raise argparse.ArgumentTypeError(f"{text!r} is not a count from 1 to 1000000")
    return int(text)


T = TypeVar("T")


class HeldError:
    """Stands in an argument's place when its core parser failed: the error it raised."""

    def __init__(self, error: Exception) -> None:
        self.error = error


def core_type(parse: Callable[[str], T]) -> Callable[[str], T | HeldError]:
    """A core parser as an argparse type, its failures worded as the core words them.

    argparse would swallow the core's InputError (a ValueError) into a usage error of its
    own ("invalid ... value"). So the error is held in the argument's place instead, and
    main() raises it (raise_held_error) once argparse has read the whole line, just
    before the handler runs: argparse's usage errors still come first, and a bad value is
    reported as when the handler parsed it, "netlab serve: <the core's sentence>", exit 2.

    So it suits an argument only when parsing it is the first thing its handler would do
    that can fail or print, and when the parse needs no other argument (--udp, say).
    """

    def convert(text: str) -> T | HeldError:
        try:
            return parse(text)
        except Exception as error:  # whatever it is, main() reports it as it always has
            return HeldError(error)

    return convert


def raise_held_error(args: argparse.Namespace) -> None:
    """Raise the first error a core_type held, in the order the arguments are declared."""
    for value in vars(args).values():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, HeldError):
                raise item.error


def data_json(data: bytes, size: int | None = None) -> dict[str, Any]:
    """Bytes as JSON: the text as the text output shows it (escapes for control
    characters), the exact bytes in lowercase hex, and the byte count.

    `size` is the whole message's length when `data` holds only its start (an event
    keeps at most MAX_EVENT_DATA bytes); the text is never cut.
    """
    return {
        "text": safe_bytes(data, limit=None),
        "hex": data.hex(),
        "size": len(data) if size is None else size,
    }


def now_iso() -> str:
    """The wall-clock time now, ISO 8601 with the local UTC offset."""
    return datetime.datetime.now().astimezone().isoformat()


def monotonic_iso(moment: float) -> str:
    """A time.monotonic() stamp as the wall-clock time it happened, ISO 8601 with offset."""
    return wall_time(moment).isoformat()


_MESSAGE_KINDS = frozenset({"received", "sent", "datagram-in", "datagram-out"})


def event_json(event: Event, local: str | None = None, reading: str = "") -> dict[str, Any]:
    """One event of `serve` or `connect` as one JSON Lines object.

    `local` is this end, host:port: where the server listens, or the client's own address.
    `reading` is netlab's reading of the event's bytes (netlab.core.readings), if any.
    """
    carries_data = event.kind.value in _MESSAGE_KINDS and not event.summed
    return {
        "time": monotonic_iso(event.time),
        "event": event.kind.value,
        "source": event.source,
        "local": local or None,
        "peer": event.peer or None,
        "data": data_json(event.data, event.size) if carries_data else None,
        "summed": {"messages": event.summed, "size": event.size} if event.summed else None,
        "detail": event.detail or None,
        "reading": reading or None,
    }


def error_json(kind: str, message: str) -> dict[str, Any]:
    """The one shape of a failure: {"error": {"kind": ..., "message": ...}}."""
    return {"error": {"kind": kind, "message": " ".join(message.split())}}


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        to_dict = getattr(value, "to_dict", None)
        return to_dict() if to_dict else dataclasses.asdict(value)
    if isinstance(value, bytes):
        return data_json(value)
    if isinstance(value, ipaddress.IPv4Network | ipaddress.IPv6Network):
        return str(value)
    raise TypeError(f"cannot turn {type(value).__name__} into JSON")


def _escape_unprintable(char: str) -> str:
    code = ord(char)
    if code > 0xFFFF:
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def json_line(value: Any) -> str:
    """`value` as one line of JSON, safe to show on a terminal.

    Non-ASCII text stays readable, but DEL, C1 controls and invisible formatting
    characters (bidi overrides, zero-width spaces), which JSON allows raw, are
    written as \\u escapes: a name or record from the network cannot drive the terminal.
    """
    line = json.dumps(value, default=_jsonable, ensure_ascii=False)
    if not line.isprintable():
        # Outside strings JSON has only printable ASCII, so every such character is
        # inside a string, where a \u escape means the same character.
        line = "".join(char if char.isprintable() else _escape_unprintable(char) for char in line)
    return line


def emit_json(value: Any) -> None:
    """Print `value` as one line of JSON, in one write (threads never interleave a line)."""
    sys.stdout.write(json_line(value) + "\n")


def emit_error(kind: str, message: str) -> None:
    emit_json(error_json(kind, message))
    sys.stdout.flush()
