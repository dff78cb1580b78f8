"""Server CPU per round trip: netlab's async servers against a bare uvloop echo (issue #12).

    .venv/bin/python bench/server_cpu.py                            # JSON lines on stdout
    .venv/bin/python bench/server_cpu.py --readme bench/README.md   # and the README table
    .venv/bin/python bench/server_cpu.py --reps 5 --count 300000    # more, longer runs

For each case (TCP echo, 10 and 100 connections, 64 B and 1 KiB; UDP echo, 10 clients,
64 B) two servers take turns, each in a process of its own on 127.0.0.1, port 0:

- bare: a uvloop `asyncio.Protocol` whose `data_received` writes the data back (UDP: a
  `DatagramProtocol` whose `datagram_received` sends it back with `sendto`), nothing else;
- netlab: `bench/netlab_server.py --model async`, i.e. `TcpServer("echo", model="async")`
  (or `UdpServer`) with event logging on and a thread draining its bus.

A load client, uvloop in a process of its own (this file with `--client`), keeps N
connections (UDP: N sockets) each doing request/response round trips, the payload
different each time and every reply compared with what was sent. After a warm-up it
reads the server's utime+stime from /proc/PID/stat, lets a fixed number of round trips
complete, and reads it again: the server's CPU time per round trip, in µs. Everything
is bounded in count and time (a 10 s deadline per round trip, and on the whole run).

Each case runs `--reps` times per server, alternating netlab and bare; the figure is the
median of each, and the ratio netlab / bare against the target of 1.25x. Where there are
2 CPUs or more, the server runs on CPU 1 and the client on CPU 0 (taskset), as bench/run
does; BENCH_PIN=0 lets the scheduler place them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import uvloop

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
TARGET = 1.25
"""netlab's server CPU per round trip, at most this many times the bare echo's."""
RT_TIMEOUT = 10.0
"""Seconds one TCP round trip may take before the run fails."""
UDP_TIMEOUT = 0.2
"""Seconds a UDP request waits for its answer before it is counted lost and sent anew."""
RUN_LIMIT = 120.0
"""Seconds one client run may take in all."""
CLK_TCK = os.sysconf("SC_CLK_TCK")
P = TypeVar("P")


@dataclass(frozen=True)
class Case:
    name: str
    transport: str
    conns: int
    size: int


CASES = [
    Case("tcp 10c 64B", "tcp", 10, 64),
    Case("tcp 10c 1024B", "tcp", 10, 1024),
    Case("tcp 100c 64B", "tcp", 100, 64),
    Case("tcp 100c 1024B", "tcp", 100, 1024),
    Case("udp 10c 64B", "udp", 10, 64),
]


# -- the bare reference server -------------------------------------------------------------


class BareEcho(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: Any = transport

    def data_received(self, data: bytes) -> None:
        self.transport.write(data)


class BareDatagramEcho(asyncio.DatagramProtocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: Any = transport

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.transport.sendto(data, addr)


async def serve_bare(transport: str) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    if transport == "udp":
        endpoint, _ = await loop.create_datagram_endpoint(BareDatagramEcho, local_addr=(HOST, 0))
        host, port = endpoint.get_extra_info("sockname")[:2]
        print(f"udp {host}:{port}", flush=True)
        await stop.wait()
        endpoint.close()
        return
    server = await loop.create_server(BareEcho, HOST, 0, backlog=1024)
    host, port = server.sockets[0].getsockname()[:2]
    print(f"tcp {host}:{port}", flush=True)
    await stop.wait()
    server.close()


# -- the load client -----------------------------------------------------------------------


def server_cpu(pid: int) -> float:
    """The process's CPU time so far, user and system, in seconds (every thread's)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    # After the command: state is field 3, utime 14, stime 15 (1-based, man 5 proc).
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


class Meter:
    """Counts round trips across the connections; reads the server's CPU around `count`."""

    def __init__(self, pid: int, warm: int, count: int) -> None:
        self.pid = pid
        self.warm = warm
        self.count = count
        self.done = 0
        self.lost = 0
        self.started: tuple[int, float, float] | None = None
        self.result: dict[str, Any] | None = None
        self.finished = asyncio.get_running_loop().create_future()
        self.error: str | None = None

    def one_done(self) -> None:
        self.done += 1
        if self.started is None:
            if self.done >= self.warm:
                self.started = (self.done, server_cpu(self.pid), time.perf_counter())
            return
        start_done, start_cpu, start_wall = self.started
        if self.result is None and self.done - start_done >= self.count:
            cpu = server_cpu(self.pid) - start_cpu
            wall = time.perf_counter() - start_wall
            trips = self.done - start_done
            self.result = {
                "round_trips": trips,
                "server_cpu_s": round(cpu, 3),
                "wall_s": round(wall, 3),
                "rt_per_s": round(trips / wall),
                "server_cores": round(cpu / wall, 3),
                "us_per_rt": round(cpu / trips * 1e6, 3),
            }
            if not self.finished.done():
                self.finished.set_result(None)

    def fail(self, why: str) -> None:
        if self.error is None:
            self.error = why
        if not self.finished.done():
            self.finished.set_result(None)

    @property
    def stopping(self) -> bool:
        return self.finished.done()


def payload(base: bytes, conn: int, seq: int) -> bytes:
    """The request: `base` with the connection and sequence number in its first 8 bytes."""
    return struct.pack("!II", conn, seq) + base[8:]


class Asker:
    """One client's round trips: what it asked last, and when; the transport says how."""

    def __init__(self, meter: Meter, conn: int, base: bytes) -> None:
        self.meter = meter
        self.conn = conn
        self.base = base
        self.seq = 0
        self.expected = b""
        self.sent_at = 0.0
        self.transport: Any = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def next_request(self) -> bytes:
        self.seq += 1
        self.expected = payload(self.base, self.conn, self.seq)
        self.sent_at = time.monotonic()
        return self.expected


class TcpClient(Asker, asyncio.Protocol):
    def __init__(self, meter: Meter, conn: int, base: bytes) -> None:
        super().__init__(meter, conn, base)
        self.got = bytearray()

    def request(self) -> None:
        self.got.clear()
        self.transport.write(self.next_request())

    def data_received(self, data: bytes) -> None:
        got = self.got
        got += data
        if len(got) < len(self.expected):
            return
        if got != self.expected:
            self.meter.fail(f"connection {self.conn}: reply {self.seq} differs from the request")
            return
        self.meter.one_done()
        if not self.meter.stopping:
            self.request()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.meter.stopping:
            self.meter.fail(f"connection {self.conn} closed by the server: {exc}")


class UdpClient(Asker, asyncio.DatagramProtocol):
    def request(self) -> None:
        self.transport.sendto(self.next_request())

    def datagram_received(self, data: bytes, addr: Any) -> None:
        if data != self.expected:
            # A late answer to a request already counted lost; or a wrong one.
            if data[8:] != self.base[8:] or struct.unpack("!I", data[:4])[0] != self.conn:
                self.meter.fail(f"client {self.conn}: an answer that was never asked for")
            return
        self.meter.one_done()
        if not self.meter.stopping:
            self.request()

    def error_received(self, exc: Exception) -> None:
        self.meter.fail(f"client {self.conn}: {exc}")


async def watch(meter: Meter, clients: list[Any], transport: str) -> None:
    """Fail a stuck TCP round trip; resend a lost UDP request; end a run that overruns."""
    began = time.monotonic()
    tick = UDP_TIMEOUT / 4 if transport == "udp" else 0.5
    while not meter.stopping:
        await asyncio.sleep(tick)
        now = time.monotonic()
        if now - began > RUN_LIMIT:
            meter.fail(f"the run took more than {RUN_LIMIT:.0f} s")
            return
        for client in clients:
            waited = now - client.sent_at
            if transport == "udp" and waited > UDP_TIMEOUT:
                meter.lost += 1
                client.request()
            elif transport == "tcp" and waited > RT_TIMEOUT:
                meter.fail(f"connection {client.conn}: no reply in {RT_TIMEOUT:.0f} s")
                return


def made(protocol: P) -> Callable[[], P]:
    """A protocol factory for asyncio that hands over one made already."""
    return lambda: protocol


async def run_client(args: argparse.Namespace) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    meter = Meter(args.pid, args.warm, args.count)
    base = bytes(range(256)) * (args.size // 256 + 1)
    base = base[: args.size]
    host, port = args.addr.rsplit(":", 1)
    clients: list[Any] = []
    for conn in range(args.conns):
        if args.transport == "udp":
            udp = UdpClient(meter, conn, base)
            await loop.create_datagram_endpoint(made(udp), remote_addr=(host, int(port)))
            clients.append(udp)
        else:
            tcp = TcpClient(meter, conn, base)
            await asyncio.wait_for(loop.create_connection(made(tcp), host, int(port)), RT_TIMEOUT)
            clients.append(tcp)
    for client in clients:
        client.request()
    watcher = asyncio.create_task(watch(meter, clients, args.transport))
    await meter.finished
    watcher.cancel()
    for client in clients:
        client.transport.close()
    await asyncio.sleep(0.05)
    if meter.error is not None or meter.result is None:
        return {"ok": False, "error": meter.error or "no result"}
    return {"ok": True, **meter.result, "lost": meter.lost}


# -- the orchestra -------------------------------------------------------------------------


def pinned() -> tuple[list[str], list[str], str]:
    """taskset prefixes for server and client, and what was done, in words."""
    if (
        os.environ.get("BENCH_PIN", "1") == "1"
        and shutil.which("taskset")
        and (os.cpu_count() or 1) >= 2
    ):
        return (
            ["taskset", "-c", "1"],
            ["taskset", "-c", "0"],
            "server pinned to CPU 1, client to CPU 0",
        )
    return [], [], "not pinned"


def start_server(which: str, case: Case, on: list[str]) -> tuple[subprocess.Popen[str], str]:
    if which == "netlab":
        command = [sys.executable, str(ROOT / "bench" / "netlab_server.py"), "--model", "async"]
        if case.transport == "udp":
            command.append("--udp")
    else:
        command = [sys.executable, __file__, "--serve-bare", case.transport]
    server = subprocess.Popen(
        [*on, *command],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert server.stdout is not None
    line = server.stdout.readline().split()  # the server's first line, or "" if it died
    if len(line) != 2 or line[0] != case.transport:
        stop_server(server)
        raise RuntimeError(f"the {which} server did not start")
    return server, line[1]


def stop_server(server: subprocess.Popen[str]) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(5)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(5)


def one_run(which: str, case: Case, count: int, warm: int) -> dict[str, Any]:
    server_on, client_on, _ = pinned()
    server, addr = start_server(which, case, server_on)
    try:
        command = [
            *client_on,
            sys.executable,
            __file__,
            "--client",
            f"--addr={addr}",
            f"--pid={server.pid}",
            f"--transport={case.transport}",
            f"--conns={case.conns}",
            f"--size={case.size}",
            f"--count={count}",
            f"--warm={warm}",
        ]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=RUN_LIMIT + 30, check=False
            )
            lines = done.stdout.strip().splitlines()
            result = (
                json.loads(lines[-1])
                if lines
                else {"ok": False, "error": done.stderr.strip()[-300:] or "no output"}
            )
        except subprocess.TimeoutExpired:
            result = {"ok": False, "error": "the client overran its time"}
    finally:
        stop_server(server)
    return result


def median_of(runs: list[dict[str, Any]], key: str) -> float | None:
    values = [run[key] for run in runs if run.get("ok")]
    return statistics.median(values) if values else None


def measure(case: Case, reps: int, count: int, warm: int) -> dict[str, Any]:
    runs: dict[str, list[dict[str, Any]]] = {"netlab": [], "bare": []}
    for rep in range(1, reps + 1):
        for which in ("netlab", "bare"):
            result = one_run(which, case, count, warm)
            runs[which].append(result)
            line = {"case": case.name, "server": which, "run": rep, **result}
            print(json.dumps(line), flush=True)
    netlab, bare = median_of(runs["netlab"], "us_per_rt"), median_of(runs["bare"], "us_per_rt")
    ratio = netlab / bare if netlab is not None and bare else None
    return {
        "case": case.name,
        "netlab_us_per_rt": netlab,
        "bare_us_per_rt": bare,
        "ratio": None if ratio is None else round(ratio, 3),
        "target": TARGET,
        "met": ratio is not None and ratio <= TARGET,
        "netlab_runs_us": [r.get("us_per_rt") for r in runs["netlab"]],
        "bare_runs_us": [r.get("us_per_rt") for r in runs["bare"]],
        "netlab_rt_per_s": median_of(runs["netlab"], "rt_per_s"),
        "bare_rt_per_s": median_of(runs["bare"], "rt_per_s"),
        "failed_runs": sum(not r.get("ok") for rs in runs.values() for r in rs),
        "lost": sum(r.get("lost", 0) for rs in runs.values() for r in rs),
    }


def spread_text(values: list[float | None]) -> str:
    known = [v for v in values if v is not None]
    return f"{min(known):.2f}–{max(known):.2f}" if known else "—"


def table(rows: list[dict[str, Any]], reps: int, count: int, seconds: float, load: float) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    _, _, placed = pinned()
    lines = [
        f"Measured by `bench/server_cpu.py` on {os.cpu_count()} CPUs, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, uvloop "
        f"{uvloop.__version__}, {when}; {reps} runs per server per case, alternating netlab / "
        f"bare, {count:,} timed round trips each after a warm-up; {placed}; whole run "
        f"{seconds:.0f} s; load average {load:.2f} before it (the run itself adds about 2). "
        f"Figures are medians (min–max): the server process's utime+stime per round trip.",
        "",
        "| case | bare µs/RT | netlab µs/RT | ratio | target | verdict | bare RT/s | netlab RT/s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        netlab, bare, ratio = row["netlab_us_per_rt"], row["bare_us_per_rt"], row["ratio"]
        if ratio is None:
            verdict = f"failed ({row['failed_runs']} runs failed)"
        else:
            verdict = "met" if row["met"] else "missed"
            if row["failed_runs"]:
                verdict += f"; {row['failed_runs']} runs failed"
        if row["case"].startswith("udp"):
            verdict += f"; {row['lost']} datagrams lost"
        cells = [
            row["case"],
            "—" if bare is None else f"{bare:.2f} ({spread_text(row['bare_runs_us'])})",
            "—" if netlab is None else f"{netlab:.2f} ({spread_text(row['netlab_runs_us'])})",
            "—" if ratio is None else f"{ratio:.2f}×",
            f"≤ {TARGET}×",
            verdict,
            "—" if row["bare_rt_per_s"] is None else f"{row['bare_rt_per_s']:,.0f}",
            "—" if row["netlab_rt_per_s"] is None else f"{row['netlab_rt_per_s']:,.0f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_readme(path: Path, text: str) -> None:
    readme = path.read_text()
    readme = re.sub(
        r"<!-- server-cpu -->.*?<!-- /server-cpu -->",
        lambda _: f"<!-- server-cpu -->\n{text}\n<!-- /server-cpu -->",
        readme,
        count=1,
        flags=re.S,
    )
    path.write_text(readme)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--readme", type=Path, help="write the results table into this file")
    parser.add_argument("--reps", type=int, default=3, help="runs per server per case")
    parser.add_argument("--count", type=int, default=200_000, help="timed round trips a run")
    parser.add_argument("--warm", type=int, default=20_000, help="round trips before timing")
    parser.add_argument("--only", nargs="+", help="cases whose name starts so: tcp, udp, ...")
    # The parts run in processes of their own:
    parser.add_argument("--serve-bare", choices=["tcp", "udp"], help=argparse.SUPPRESS)
    parser.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--addr", help=argparse.SUPPRESS)
    parser.add_argument("--pid", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--transport", choices=["tcp", "udp"], help=argparse.SUPPRESS)
    parser.add_argument("--conns", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.serve_bare:
        uvloop.run(serve_bare(args.serve_bare))
        return 0
    if args.client:
        result = uvloop.run(run_client(args))
        print(json.dumps(result), flush=True)
        return 0 if result["ok"] else 1

    if not 1 <= args.reps <= 20 or not 1000 <= args.count <= 10_000_000:
        parser.error("--reps must be 1 to 20, --count 1,000 to 10,000,000")
    cases = [c for c in CASES if not args.only or any(c.name.startswith(o) for o in args.only)]
    began = time.perf_counter()
    # Other work on the machine moves these figures more than anything else: say how much
    # there was as the run began.
    load = os.getloadavg()[0]
    rows = []
    for case in cases:
        row = measure(case, args.reps, args.count, args.warm)
        print(json.dumps(row), flush=True)
        rows.append(row)
    seconds = time.perf_counter() - began
    if args.readme and len(cases) == len(CASES):
        write_readme(args.readme, table(rows, args.reps, args.count, seconds, load))
    print(json.dumps({"whole_run_s": round(seconds, 1)}), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
