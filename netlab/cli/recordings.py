"""replay: a recorded session (`connect --record`) sent again, each reply checked."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from netlab.cli.output import (
    EXIT_FAILED,
    EXIT_OK,
    Commands,
    add_command,
    core_type,
    data_json,
    emit_error,
    emit_json,
    positive_float,
)
from netlab.core.plural import plural

if TYPE_CHECKING:
    from netlab.core.recording import Recording
    from netlab.core.replay import Outcome

REPLY_TIMEOUT = 5.0


def register(commands: Commands) -> None:
    sub = add_command(
        commands,
        "replay",
        cmd_replay,
        "send a recorded session again and check each reply against the recording",
    )
    sub.add_argument("file", type=core_type(_load), metavar="FILE")
    sub.add_argument("endpoint", metavar="HOST:PORT")
    sub.add_argument(
        "--pauses", action="store_true", help="wait between messages as the recording did"
    )
    sub.add_argument(
        "--timeout",
        type=positive_float,
        default=REPLY_TIMEOUT,
        metavar="S",
        help=f"seconds to connect, and to wait for each reply (default {REPLY_TIMEOUT:g})",
    )


def _load(path: str) -> Recording:
    from netlab.core.recording import load_recording

    return load_recording(path)


def cmd_replay(args: argparse.Namespace) -> int:
    from netlab.core.replay import replay

    recording: Recording = args.file

    def report(outcome: Outcome) -> None:
        if args.json:
            emit_json(_outcome_json(outcome))
        else:
            print(outcome.text(), flush=True)

    outcomes = replay(
        recording, args.endpoint, pauses=args.pauses, timeout=args.timeout, report=report
    )
    differed = [outcome for outcome in outcomes if not outcome.ok]
    if not differed:
        replies = plural(len(outcomes), "reply", "replies")
        print(f"{replies}, every one as recorded.", file=sys.stderr)
        return EXIT_OK
    first = differed[0].exchange
    message = (
        f"{len(differed)} of {len(outcomes)} replies differed; the first is the reply "
        f"to line {first.line}."
    )
    if args.json:
        emit_error("network", message)
    print(f"netlab replay: {message}", file=sys.stderr)
    return EXIT_FAILED


def _outcome_json(outcome: Outcome) -> dict[str, Any]:
    """One exchange: what was sent (null before anything was), what the recording
    expected (bytes, a regular expression, or anything), what came back."""
    from netlab.core.recording import Match

    exchange = outcome.exchange
    expect = exchange.expect
    exact = expect.match is Match.EXACT
    return {
        "line": exchange.line,
        "sent": None if exchange.sent is None else data_json(exchange.sent),
        "match": expect.match.value,
        "expected": data_json(expect.data) if exact else None,
        "pattern": expect.text()[2:] if expect.match is Match.REGEX else None,
        "received": data_json(outcome.got),
        "matched": outcome.ok,
        "closed": outcome.closed,
    }
