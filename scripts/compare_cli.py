"""Check that the `netlab` command behaves as it did at a git revision, byte for byte.

    .venv/bin/python scripts/compare_cli.py [REVISION]     (default HEAD)

The revision is checked out into a temporary `git worktree`; each invocation below
runs once with that code and once with the working tree's, and any difference in
stdout, stderr or exit status is printed. Exit status 1 when there is one.

No servers are started: the socket commands only meet a port on 127.0.0.1 that
nothing listens on (refused), or a usage error. What differs from run to run
(times, durations, ephemeral ports, ICMP identifiers) is masked before comparing.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2  # others run tests on this machine too
TIMEOUT = 20


@dataclass(frozen=True)
class Run:
    args: tuple[str, ...]
    stdin: str = ""


def _refused_port() -> int:
    """A port nothing listens on, so a connect or a datagram is refused.

    Below 1024, where the tests running beside us (port 0) cannot bind it between runs.
    """
    for port in range(1, 1024):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise SystemExit("compare_cli: every port below 1024 on 127.0.0.1 answers.")


def invocations(port: int) -> list[Run]:
    refused = f"127.0.0.1:{port}"
    every = ["ip", "mask", "calc", "resolve", "host", "cname", "reverse", "dns"]
    every += ["port", "service", "ping", "serve", "head", "send", "connect"]
    lines = [
        # The top level, and usage errors argparse reports before any command runs.
        ["--version"],
        ["--help"],
        ["bogus"],
        ["bogus", "--json"],
        ["--json"],
        *([name, "--help"] for name in every),
        *([name] for name in every),  # each without its arguments
        # Addresses: arithmetic only.
        ["ip", "192.168.1.3"],
        ["ip", "::ffff:10.0.0.1"],
        ["ip", "::1", "--json"],
        ["ip", "nonsense"],
        ["ip", "nonsense", "--json"],
        ["ip", "--jso", "10.0.0.1"],
        ["mask", "192.168.1.3", "24", "32"],
        ["mask", "192.168.1.3", "24", "32", "--json"],
        ["mask", "192.168.1.3", "40", "32"],
        ["mask", "192.168.1.3", "40", "32", "--json"],
        ["calc", "10.0.0.1"],
        ["calc", "192.168.1.3/24", "--json"],
        ["calc", "2001:db8::1/64"],
        ["calc", "192.168.1.3", "255.255.0.0"],
        ["calc", "10.0.0.1", "-", "10.0.0.20"],
        ["calc", "10.0.0.0/8", "--split", "12", "--limit", "3", "--offset", "2"],
        ["calc", "10.0.0.0/8", "--split", "/12", "--json", "--limit", "2"],
        ["calc", "10.0.0.0/24", "--hosts", "100,50,10"],
        ["calc", "10.0.0.0/24", "--hosts", "100,50,10", "--json"],
        ["calc", "10.0.0.0/24", "--hosts", "100,x"],
        ["calc", "10.0.0.0/24", "--split", "26", "--hosts", "1"],
        ["calc", "10.0.0.0/24", "--split", "129"],
        ["calc", "10.0.0.0/24", "--split", "x", "--json"],
        ["calc", "10.0.0.0/24", "--split", "26", "--limit", "0"],
        ["calc", "10.0.0.0/24", "--split", "26", "--offset", "-1"],
        ["calc", "300.1.1.1"],
        ["calc", "300.1.1.1", "--json"],
        # Lookups that /etc/hosts and the services table answer.
        ["resolve", "localhost", "-4"],
        ["resolve", "localhost", "-4", "--json"],
        ["resolve", "localhost", "-4", "-6"],
        ["resolve", "localhost", "--timeout", "0"],
        ["resolve", "localhost", "--timeout", "abc", "--json"],
        ["resolve", "localhost", "--timeout", "3601"],
        ["resolve", "bad name!"],
        ["host", "localhost", "--json"],
        ["cname", "localhost"],
        ["reverse", "127.0.0.1", "--json"],
        ["reverse", "not-an-address"],
        ["dns", "example.com", "BOGUS"],
        ["dns", "example.com", "A", "--server", "bad host!", "--json"],
        ["dns", "localhost", "A", "--server", refused, "--timeout", "0.5"],
        ["port", "tcp", "telnet"],
        ["port", "tcp", "telnet", "--json"],
        ["port", "udp", "no-such-service"],
        ["port", "sctp", "http", "--json"],
        ["service", "23"],
        ["service", "53", "--udp", "--json"],
        ["service", "99999"],
        ["service", "http", "--json"],
        ["ping", "127.0.0.1", "--timeout", "0.5"],
        ["ping", "127.0.0.1", "--tcp", str(port), "--timeout", "0.5"],
        ["ping", "127.0.0.1", "--tcp", str(port), "--count", "2", "--interval", "0.1", "--json"],
        ["ping", "127.0.0.1", "--count", "0"],
        ["ping", "127.0.0.1", "--tcp", "0"],
        ["ping", "127.0.0.1", "--interval", "x"],
        ["ping", "127.0.0.1", "--tcp", "http"],
        ["ping", "127.0.0.1", "--tcp", "99999", "--json"],
        ["ping", "bad host!", "--tcp", str(port)],
        ["ping", "bad host!", "--json"],
        ["service", "0"],
        ["service", "", "--json"],
        # Sockets: refused, or stopped before anything opens.
        ["serve", "bogus:1"],
        ["serve", "echo:99999", "--json"],
        ["serve", "echo:0", "--cps", "many"],
        ["serve", "echo:0", "--write-timeout", "0"],
        ["serve", "echo:0", "--model", "nope", "--json"],
        ["serve", "echo:0", "--allow", "300.0.0.0/8"],
        # A bad spec: the core's sentence, and which error wins when there are several.
        ["serve", ""],
        ["serve", "bogus:1", "--json"],
        ["serve", "--json", "echo:0", "bogus:1", "echo:x"],
        ["serve", "udp:chat:0"],
        ["serve", "sctp:echo:0", "--json"],
        ["serve", "echo:0@nope"],
        ["serve", "echo:no-such-service"],
        ["serve", "a:b:c:d"],
        ["serve", "x" * 101],
        ["serve", "bogus:1", "--cps", "many"],
        ["serve", "bogus:1", "--model", "nope", "--json"],
        ["serve", "bogus:1", "--bogus"],
        ["serve", "bogus:1", "--allow", "300.0.0.0/8"],
        ["serve", "echo:0", "--allow", "", "--allow", ","],
        ["serve", "bogus:1", "--", "--json"],
        ["serve", "--", "--json"],
        ["head", refused, "--timeout", "0.5"],
        ["head", refused, "--json"],
        ["head", ""],
        ["head", "", "--json"],
        ["head", "bad host!:80"],
        ["head", "[::1", "--json"],
        ["head", "::1:80"],
        ["head", "127.0.0.1:99999", "--json"],
        ["head", "127.0.0.1:0"],
        ["head", "127.0.0.1:no-such-service"],
        ["head", "", "--timeout", "0"],
        ["head", "", "extra"],
        ["head", "", "--bogus", "--json"],
        ["head", "--", "--json"],
        ["head", "x" * 300],
        ["send", refused, "hi"],
        ["send", refused, "hi", "--json", "--framing", "crlf"],
        ["send", refused, "hi", "--udp", "--timeout", "0.5"],
        ["send", "127.0.0.1:99999", "hi"],
        ["send", refused, "hi", "--framing", "nope"],
        ["send", refused, "hi", "--framing", "LF"],
        ["send", "localhost", "hi", "--json"],
        ["send", "", "hi", "--json"],
        ["send", "127.0.0.1:no-such-service", "hi", "--udp"],
        ["send", "127.0.0.1:99999", "hi", "--framing", "nope"],
        ["send", "127.0.0.1:99999"],
        ["connect", refused, "--timeout", "0.5"],
        ["connect", refused, "--json"],
        ["connect", refused, "--quiet", "0"],
        ["connect", refused, "--framing", "tab", "--keepalive"],
        ["connect", "", "--json"],
        ["connect", "127.0.0.1:99999"],
        ["connect", "127.0.0.1:no-such-service", "--udp", "--json"],
        ["connect", refused, "--framing", "LF"],
        ["connect", "127.0.0.1:99999", "--framing", "nope"],
    ]
    runs = [Run(tuple(args)) for args in lines]
    runs.append(Run(("connect", refused, "--udp", "--timeout", "0.5"), stdin="hi\n"))
    runs.append(Run(("connect", refused, "--udp", "--json", "--timeout", "0.5"), stdin="hi\n"))
    return runs


_MASKS = [
    # Wall-clock times, durations and round trips.
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d"), "<time>"),
    (re.compile(r'("\w+_s": )[-\d.e]+'), r"\1<s>"),
    (re.compile(r"\d+(\.\d+)? ms\b"), "<n> ms"),
    (re.compile(r"time=[\d.]+"), "time=<n>"),
    # An ICMP echo carries an identifier and a sequence of the process's own.
    (re.compile(r"(Message (sent|received): +)[\d ]+"), r"\1<bytes>"),
    (re.compile(r"seq=\d+"), "seq=<n>"),
]


def _ephemeral_mask() -> tuple[re.Pattern[str], range]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        ports = range(int(low), int(high) + 1)
    except (OSError, ValueError):
        ports = range(32768, 65536)
    return re.compile(r"(?<=[\w\]]):(\d{4,5})\b"), ports


def mask(text: str) -> str:
    for pattern, replacement in _MASKS:
        text = pattern.sub(replacement, text)
    pattern, ports = _ephemeral_mask()
    return pattern.sub(lambda m: ":<port>" if int(m[1]) in ports else m[0], text)


@dataclass(frozen=True)
class Result:
    stdout: str
    stderr: str
    status: int | str


def _environment(tree: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NETLAB_DEBUG", "PYTHONPATH")}
    # argparse wraps --help to the terminal's width.
    return env | {"PYTHONPATH": str(tree), "COLUMNS": "100", "LINES": "40", "LC_ALL": "C.UTF-8"}


def check_imports_from(tree: Path) -> None:
    """Make sure `netlab` comes from `tree`, not from the venv's editable install."""
    found = subprocess.run(
        [sys.executable, "-c", "import netlab; print(netlab.__file__)"],
        cwd=tree,
        env=_environment(tree),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not Path(found).resolve().is_relative_to(tree.resolve()):
        raise SystemExit(f"compare_cli: netlab is imported from {found}, not from {tree}.")


def run(tree: Path, invocation: Run) -> Result:
    """`python -m netlab ARGS` with the code of `tree`.

    The tree is the working directory as well as PYTHONPATH: `-m` puts the working
    directory first on sys.path, ahead of the venv's editable install.
    """
    try:
        done = subprocess.run(
            [sys.executable, "-m", "netlab", *invocation.args],
            cwd=tree,
            env=_environment(tree),
            input=invocation.stdin,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return Result("", "", f"no exit within {TIMEOUT} s")
    return Result(mask(done.stdout), mask(done.stderr), done.returncode)


def compare(old: Result, new: Result) -> list[str]:
    lines = []
    if old.status != new.status:
        lines.append(f"  exit status: {old.status} -> {new.status}")
    for stream in ("stdout", "stderr"):
        before, after = getattr(old, stream), getattr(new, stream)
        if before != after:
            lines.append(f"  {stream}:")
            diff = difflib.unified_diff(
                before.splitlines(keepends=True),
                after.splitlines(keepends=True),
                "old",
                "new",
                lineterm="",
            )
            lines.extend("    " + line.rstrip("\n") for line in diff)
    return lines


@contextmanager
def worktree(revision: str) -> Iterator[Path]:
    """The revision checked out in a temporary directory, removed afterwards."""
    parent = Path(tempfile.mkdtemp(prefix="netlab-compare-"))
    path = parent / "tree"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(path), revision],
        check=True,
    )
    try:
        yield path
    finally:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(path)], check=False
        )
        shutil.rmtree(parent, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revision", nargs="?", default="HEAD", help="git revision (default HEAD)")
    options = parser.parse_args()
    port = _refused_port()
    runs = invocations(port)
    with worktree(options.revision) as old_tree, ThreadPoolExecutor(WORKERS) as pool:
        for tree in (old_tree, ROOT):
            check_imports_from(tree)
        old = list(pool.map(lambda r: run(old_tree, r), runs))
        new = list(pool.map(lambda r: run(ROOT, r), runs))
    differing = 0
    for invocation, before, after in zip(runs, old, new, strict=True):
        lines = compare(before, after)
        if lines:
            differing += 1
            stdin = f" < {invocation.stdin!r}" if invocation.stdin else ""
            print(f"netlab {' '.join(map(repr, invocation.args))}{stdin}")
            print("\n".join(lines))
    print(
        f"{len(runs)} invocations against {options.revision}: "
        + (f"{differing} differ." if differing else "no differences.")
    )
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
