"""`netlab web`: the app in a browser, an app (and a lab) for every tab.

Loopback unless the person names another address; then a token is required, printed
once in the URL to open, with a plain word on who can reach the lab. With --attach,
every tab opens on one running lab (`netlab serve … --control PATH`): a teacher's
servers, the whole room watching their log. Ctrl-C ends every app it started, and with
them their labs and their servers' ports, before the command returns.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import os
import signal
import socket
import sys
from functools import partial
from typing import TYPE_CHECKING, Any

from netlab.cli.output import EXIT_OK, Commands, add_command, core_type, json_line, now_iso
from netlab.core.endpoints import address_text, parse_port
from netlab.core.errors import InputError, OperationFailed
from netlab.core.plural import plural

if TYPE_CHECKING:
    from collections.abc import Callable

    from netlab.web.server import WebEvent, WebLab

DEFAULT_PORT = 8000


def register(commands: Commands) -> None:
    sub = add_command(commands, "web", cmd_web, "serve the app to web browsers, one app per tab")
    sub.add_argument(
        "--host",
        default="127.0.0.1",
        help="the address to serve on (default 127.0.0.1: this machine only)",
    )
    sub.add_argument(
        "--port",
        type=core_type(partial(parse_port, allow_zero=True)),
        default=DEFAULT_PORT,
        help=f"the port, a number or a service's name (default {DEFAULT_PORT}; 0 for any free one)",
    )
    sub.add_argument(
        "--attach",
        metavar="PATH",
        help="every tab on the one lab that `netlab serve SPEC --control PATH` runs",
    )
    sub.add_argument(
        "--token",
        action="store_true",
        help="require a secret in the URL, printed once (needed off loopback)",
    )


def cmd_web(args: argparse.Namespace) -> int:
    from netlab.web.access import Access, is_loopback, new_token
    from netlab.web.server import WebEvent, WebLab
    from netlab.web.tab import app_command

    family, address = _address(args.host, args.port)
    loopback = is_loopback(args.host)
    if not loopback and not args.token:
        raise InputError(
            f"--host {args.host} lets anyone who can reach this machine drive its lab; "
            "add --token to require the secret netlab web prints, or serve on 127.0.0.1."
        )
    if args.attach is not None:
        args.attach = os.path.abspath(args.attach)  # one path, in its lines and for its apps
        _check_lab(args.attach)
    sock = _listen(family, address)
    token = new_token() if args.token else None
    port = sock.getsockname()[1]
    url = f"http://{_url_host(args.host)}:{port}/" + (f"?token={token}" if token else "")

    def say(event: WebEvent) -> None:
        print(_event_json(event, url) if args.json else event.text, flush=True)

    def announce() -> None:
        """The URL, once Ctrl-C is netlab web's to handle: a person may press it at once."""
        whose = (
            f"every tab on the lab at {args.attach}"
            if args.attach
            else "each browser tab gets an app and a lab of its own"
        )
        text = (
            f"netlab web: open {url}\n  {whose}\n  Ctrl-C stops netlab web and every app it started"
        )
        say(WebEvent("listening", text, detail=whose))
        if not loopback:
            print(
                f"netlab web: anyone who can reach {args.host} port {port} and has the URL above "
                "can drive this lab: start servers on this machine, connect from it. "
                "The token is printed only here.",
                file=sys.stderr,
                flush=True,
            )

    lab = WebLab(app_command(args.attach), Access(token), say)
    stopped = asyncio.run(_serve(lab, sock, announce))
    ended = "no app was open" if not stopped else f"{plural(stopped, 'app')} ended with it"
    also = f"; the lab at {args.attach} goes on" if args.attach else ""
    say(WebEvent("stopped", f"netlab web: stopped ({ended}){also}", detail=f"{ended}{also}"))
    return EXIT_OK


async def _serve(lab: WebLab, sock: socket.socket, announce: Callable[[], None]) -> int:
    """Serve until Ctrl-C or SIGTERM; how many apps were open then."""
    loop = asyncio.get_running_loop()
    open_at_stop = 0

    def note_stop() -> None:
        nonlocal open_at_stop
        open_at_stop = lab.tabs
        lab.stop()

    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, note_stop)
    try:
        announce()
        await lab.serve(sock)
    finally:
        for number in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(number)
    return open_at_stop


def _event_json(event: WebEvent, url: str) -> str:
    """One line of the schema: the same keys every line, null where one does not apply."""
    return json_line(
        {
            "time": now_iso(),
            "event": event.event,
            "url": url,
            "tab": event.tab,
            "peer": event.peer,
            "pid": event.pid,
            "detail": event.detail,
        }
    )


def _check_lab(path: str) -> None:
    """A lab answers at `path`, or one line saying how to start one."""
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(path)
    except OSError as error:
        raise OperationFailed(
            f"No lab answers at {path} ({error.strerror or error}): "
            f"start one with `netlab serve echo:0 --control {path}`."
        ) from None
    finally:
        probe.close()


def _address(host: str, port: int) -> tuple[socket.AddressFamily, tuple[Any, ...]]:
    """Where to listen: `host` read as an address, or a name this machine resolves."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError) as error:
        raise InputError(
            f"--host {host} is not an address or a name this machine knows ({error}): "
            "give an address such as 127.0.0.1."
        ) from None
    family, _, _, _, address = infos[0]
    return family, address


def _listen(family: socket.AddressFamily, address: tuple[Any, ...]) -> socket.socket:
    """A listening socket, bound before anything starts: a taken port is one line."""
    try:
        return socket.create_server(address, family=family, backlog=64)
    except OSError as error:
        where = address_text(address)
        advice = {
            errno.EADDRINUSE: ": choose another with --port, or --port 0 for any free one",
            errno.EACCES: ": ports below 1024 need root; --port 8000, or 0 for any free one",
            errno.EADDRNOTAVAIL: ": no interface here has that address; try 127.0.0.1",
        }.get(error.errno or 0, "")
        # create_server's message adds the address in Python's words: the system's alone.
        why = os.strerror(error.errno) if error.errno else str(error)
        raise OperationFailed(f"Cannot listen on {where}: {why}{advice}.") from None


def _url_host(host: str) -> str:
    """The host as a browser's address bar wants it; for any-address, this machine's name."""
    if host in ("0.0.0.0", "::", ""):
        with contextlib.suppress(OSError):
            return socket.gethostname()
    return f"[{host}]" if ":" in host else host
