"""Processes for app_bench.py's engine measures: Go binaries, servers run on their own,
load commands, core pinning and /proc readings.

Loopback only (127.0.0.1, port 0); every wait is bounded in count and time; every process
started here is stopped by its own handle, even on failure.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "bench" / ".build"
HOST = "127.0.0.1"
SERVER_CPU, LOADGEN_CPU = 1, 0
"""As bench/run pins them on a machine of two cores or more."""
START_WAIT = 10.0
STOP_WAIT = 3.0
LISTENING = re.compile(r"(?:^tcp |listening on )127\.0\.0\.1:(\d+)", re.M)
"""The line a server prints once it listens: bench's servers "tcp 127.0.0.1:PORT",
`netlab serve` "tcp/echo listening on 127.0.0.1:PORT"."""
FLOOD_ENGINE = re.compile(r"^control (\S+)$", re.M)
"""bench/flood.py's line once its control socket listens."""


def go_binary(name: str) -> Path | None:
    """bench/.build/NAME, built from bench/NAME if Go is here and it is not; else None
    (and None with BENCH_NO_GO=1: the Python clients, as on a machine without Go)."""
    if os.environ.get("BENCH_NO_GO") == "1":
        return None
    path = BUILD / name
    if path.exists():
        return path
    go = shutil.which("go")
    if go is None:
        return None
    env = dict(os.environ)
    env |= {
        "GOCACHE": str(BUILD / "gocache"),
        "GOPATH": str(BUILD / "gopath"),
        "GOFLAGS": "-mod=mod",
        "GOTOOLCHAIN": "local",
    }
    BUILD.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [go, "build", "-o", str(path), f"./{name}"],
        cwd=ROOT / "bench",
        env=env,
        check=True,
        timeout=120,
    )
    return path


def pinning() -> bool:
    """Whether servers and load generators get a core each, as bench/run does them."""
    cores = os.sched_getaffinity(0)
    return (
        os.environ.get("BENCH_PIN", "1") == "1"
        and shutil.which("taskset") is not None
        and {SERVER_CPU, LOADGEN_CPU} <= cores
    )


def pinned_load(command: list[str]) -> list[str]:
    """The load command on the load generator's core, when pinning."""
    return ["taskset", "-c", str(LOADGEN_CPU), *command] if pinning() else command


def pin_server(pid: int) -> int:
    """Every thread of process `pid` on the server's core (threads it makes later
    inherit it); how many were pinned. Nothing when not pinning."""
    if not pinning() or pid <= 0:
        return 0
    done = 0
    with contextlib.suppress(OSError):
        for tid in os.listdir(f"/proc/{pid}/task")[:10_000]:
            with contextlib.suppress(OSError):
                os.sched_setaffinity(int(tid), {SERVER_CPU})
                done += 1
    return done


BUSY = """
import time
wall, cpu, n = time.perf_counter(), time.process_time(), 0
while time.perf_counter() - wall < float(__import__("sys").argv[1]) and n < 10**9:
    n += 1
print((time.process_time() - cpu) / (time.perf_counter() - wall))
"""


def busy_share(seconds: float = 0.5) -> float:
    """The share of a core a busy thread gets now, in a process and session of its own:
    how much the machine's other work leaves (1.0 on an idle core)."""
    done = subprocess.run(
        [sys.executable, "-c", BUSY, str(seconds)],
        capture_output=True,
        text=True,
        timeout=seconds + 30,
        check=False,
        start_new_session=True,
    )
    try:
        return round(float(done.stdout.strip()), 2)
    except ValueError:
        return 0.0


def cpu_seconds(pid: int) -> float:
    """utime + stime of process `pid` so far, in seconds (0.0 if it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    """VmRSS of process `pid`, in MiB (0.0 if it is gone)."""
    with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def raise_open_files(need: int) -> int:
    """The soft limit on open files raised to the hard one; an error if below `need`."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    if soft != resource.RLIM_INFINITY and soft < need:
        raise RuntimeError(
            f"ulimit -n is {soft} (hard limit {hard}); {need} files are needed: raise the "
            "hard limit (e.g. ulimit -Hn 65536 as root) and run again"
        )
    return soft


@contextlib.contextmanager
def started(command: list[str], ready: re.Pattern[str]) -> Iterator[tuple[int, str]]:
    """Run `command` until the block ends; yields its pid and what its output's first
    match of `ready` captured (a port, a path), once it has printed it."""
    with tempfile.TemporaryDirectory(prefix="netlab-bench-") as folder:
        out = Path(folder) / "out"
        with open(out, "wb") as sink:
            process = subprocess.Popen(
                [*command[:-1], command[-1].replace("{folder}", folder)],
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # as the app's engine is: its own CPU share
            )
        try:
            yield process.pid, _ready(process, out, ready)
        finally:
            process.terminate()
            try:
                process.wait(STOP_WAIT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(STOP_WAIT)


@contextlib.contextmanager
def listening(command: list[str]) -> Iterator[tuple[int, int]]:
    """Run a server (`command`) until the block ends; yields its pid and TCP port."""
    with started(command, LISTENING) as (pid, port):
        yield pid, int(port)


def _ready(process: subprocess.Popen[bytes], out: Path, ready: re.Pattern[str]) -> str:
    deadline = time.monotonic() + START_WAIT
    while time.monotonic() < deadline:
        found = ready.search(out.read_text(errors="replace"))
        if found:
            return found.group(1)
        if process.poll() is not None:
            break
        time.sleep(0.05)
    tail = out.read_text(errors="replace").strip()[-300:]
    raise RuntimeError(f"{process.args!r} was not ready in {START_WAIT:g} s: {tail}")


def flood_engine(rate: float, seconds: float) -> list[str]:
    """bench/flood.py: a lab engine flooding its bus on SIGUSR1; its socket in the
    temporary folder `started` makes ("{folder}", the last argument)."""
    flood = str(ROOT / "bench" / "flood.py")
    return [sys.executable, flood, str(rate), str(seconds), "{folder}/engine.sock"]


def headless_serve(max_conns: int) -> list[str]:
    """`netlab serve` of one async echo server on 127.0.0.1, port 0, printing its log."""
    return [
        *(sys.executable, "-m", "netlab", "serve", "echo:0", "--model", "async"),
        *("--bind", HOST, "--max-conns", str(max_conns)),
    ]


def bare_server() -> list[str]:
    """netlab's async echo server alone in a process (bench/netlab_server.py)."""
    return [sys.executable, str(ROOT / "bench" / "netlab_server.py"), "--model", "async"]


PY_HOLD = r"""
import json, socket, sys, time

host, port, conns, pid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
def rss():
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0
t0 = time.monotonic()
socks = [socket.create_connection((host, port), timeout=10) for _ in range(conns)]
opened = time.monotonic() - t0
time.sleep(1.0)
held = rss()
t1, echoed = time.monotonic(), 0
for n, sock in enumerate(socks):
    out = n.to_bytes(16, "big")
    sock.sendall(out)
    got = b""
    while len(got) < 16:
        chunk = sock.recv(16 - len(got))
        if not chunk:
            break
        got += chunk
    echoed += got == out
for sock in socks:
    sock.close()
print(json.dumps({"ok": echoed == conns, "conns": conns, "echoed": echoed,
    "server_rss_mib": held, "open_secs": opened, "echo_secs": time.monotonic() - t1,
    "client": "python"}))
"""


def hold_command(port: int, conns: int, pid: int) -> list[str]:
    """`conns` idle connections held 1 s (server RSS read then), then each echoes 16 B."""
    loadgen = go_binary("loadgen")
    if loadgen is None:
        return [sys.executable, "-c", PY_HOLD, HOST, str(port), str(conns), str(pid)]
    return [
        *(str(loadgen), f"-addr={HOST}:{port}", "-mode=hold", f"-conns={conns}"),
        *("-hold=1s", "-limit=150s", f"-pid={pid}"),
    ]
