"""`netlab` with arguments: the top-level parser, and running the subcommand it reads.

A module apart from netlab.cli's main(), so that `netlab` alone, which opens the app,
imports none of it (argparse, the command modules, the JSON output).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from netlab import __version__
from netlab.cli.output import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_OK,
    Handler,
    emit_error,
    raise_held_error,
)
from netlab.core.errors import InputError, NetlabError


class UsageError(Exception):
    """A command line argparse cannot read, held until main() knows whether to add JSON."""

    def __init__(self, parser: Parser, message: str) -> None:
        super().__init__(message)
        self.parser = parser
        self.message = message


class Parser(argparse.ArgumentParser):
    """argparse, except that a usage error is raised for main() to report."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(self, message)

    def usage_exit(self, message: str) -> NoReturn:
        """argparse's own report: the usage and the error on stderr, exit status 2."""
        super().error(message)


def _wants_json(argv: Sequence[str]) -> bool:
    """Whether --json (or an abbreviation argparse accepts) is among the options."""
    for arg in argv:
        if arg == "--":
            break
        if arg.startswith("--j") and "--json".startswith(arg):
            return True
    return False


def build_parser() -> argparse.ArgumentParser:
    """`netlab` and its options; each command module adds its own subcommands."""
    parser = Parser(
        prog="netlab",
        description="A terminal network lab. Run with no arguments to open the app.",
    )
    parser.add_argument("--version", action="version", version=f"netlab {__version__}")
    parser.add_argument(
        "--attach",
        metavar="PATH",
        help="open the app on the lab that `netlab serve SPEC --control PATH` runs",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    # Imported here: the app, `netlab` alone, needs none of the commands (main()).
    from netlab.cli import addresses, lessons, lookups, recordings, sockets, web

    for module in (addresses, lookups, sockets, recordings, lessons, web):
        module.register(commands)
    return parser


def _fail(args: argparse.Namespace, kind: str, message: str, status: int) -> int:
    """One line on stderr; with --json, the error object on stdout as well."""
    if args.json:
        emit_error(kind, message)
    print(f"netlab {args.command}: {message}", file=sys.stderr)
    return status


def run_command(argv: Sequence[str]) -> int:
    """Run netlab with these arguments (at least one) and return the exit status."""
    try:
        args = build_parser().parse_args(argv)
    except UsageError as usage:
        if _wants_json(argv):
            emit_error("bad-input", usage.message)
        usage.parser.usage_exit(usage.message)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        from netlab.cli import run_app

        return run_app(args.attach)
    try:
        raise_held_error(args)  # where the handler, parsing it itself, would have met it
        return handler(args)
    except InputError as error:
        return _fail(args, "bad-input", str(error), EXIT_BAD_INPUT)
    except NetlabError as error:
        return _fail(args, "network", str(error), EXIT_FAILED)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # Output piped into `head`: the reader has all it wants.
        sys.stderr.close()
        return EXIT_OK
    except Exception as error:  # a bug of ours: still one line, with the way to the details
        if os.environ.get("NETLAB_DEBUG"):
            raise
        return _fail(
            args,
            "internal",
            f"internal error ({type(error).__name__}: {error}); "
            "run again with NETLAB_DEBUG=1 to see where.",
            EXIT_FAILED,
        )
