"""The `netlab` command: no arguments starts the app; each subcommand runs one job headless.

Every subcommand is the twin of a seed program and prints what that program
prints (IP.go, Mask.go, ResolveIP.go, LookupHost.go, LookupPort.go, Ping.go), or
JSON with --json, in the one schema output.py describes. Exit status: 0 done, 1 the
network said no, 2 bad input; with --json a failure also prints its error object.

This module holds main() and the app's start; the top-level parser is in parser.py,
imported only when there are arguments to read. The commands are grouped by what
they touch, each group in a module with its own helpers: addresses, lookups and
sockets. Each module's register() adds its subcommands, and each subcommand's
arguments are declared next to its handler (output.add_command). An argument a core
parser reads (output.core_type) fails in the core's words, as from the handler.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from netlab.cli.status import EXIT_FAILED, EXIT_OK

if TYPE_CHECKING:
    import argparse

    from netlab.core.lab import Lab


def main(argv: Sequence[str] | None = None) -> int:
    """Run netlab with these arguments and return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        return run_app()  # the app at once: no parser, no commands' modules to import
    from netlab.cli.parser import run_command

    return run_command(argv)


def build_parser() -> argparse.ArgumentParser:
    """`netlab` and its options; each command module adds its own subcommands."""
    from netlab.cli import parser

    return parser.build_parser()


def run_app(attach: str | None = None) -> int:
    """The app; with `attach`, on the lab served at that path, else on a lab of its own."""
    from netlab.tui.app import NetlabApp

    if attach is None:
        # Its servers in a process of their own: the lab (and the engine's modules) made
        # when the app first asks for it, just after its first frame, which starts it.
        NetlabApp(make_lab=_engine_lab).run()
        return EXIT_OK
    from netlab.core.engine.remote import RemoteLab
    from netlab.core.errors import NetlabError

    try:
        lab = RemoteLab(attach)
    except NetlabError as error:
        print(f"netlab: {error}", file=sys.stderr)
        return EXIT_FAILED
    NetlabApp(lab=lab).run()
    return EXIT_OK


def _engine_lab() -> Lab:
    """The app's lab: an engine process of its own, started once the app asks."""
    from netlab.core.engine.process import EngineLab

    return EngineLab(start=False)
