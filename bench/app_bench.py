"""App benchmarks of issues #5 and #12: the netlab app, headless, with real servers under
load, the servers in a lab engine process as `netlab` runs them (`--in-process`: in the
app's own process, as before the engine, for comparison).

    .venv/bin/python bench/app_bench.py                            # JSON lines on stdout
    .venv/bin/python bench/app_bench.py --readme bench/README.md   # and the README table
    .venv/bin/python bench/app_bench.py --only keys startup        # some measures only

Each measure prints one JSON object per line (name, figure, unit, target, met and
details); with --readme, its rows replace the same measures' rows in the app table.

- events: Events absorbed by the Servers pane: a thread publishes real `Event`s for a
  running lab server to the app's bus as fast as it can, while the pane shows them;
  absorbed = handed to the pane + dropped by the bus. Then real floods (a load generator
  against lab servers): every message the server counted must be in the log, one by one
  or summed in a summary event.
- keys: Key latency: while that synthetic flood runs (held to 100,000 events a second,
  published to the app's bus) and a lab server (threaded, then async) serves 100
  connections of round trips, a thread playing the terminal's input thread posts keys
  (`f`, the log's "follow newest") on a schedule, not waiting for the app; latency is
  from each planned moment to the binding's action starting, so waiting for the GIL and
  for keys queued in a stall counts.
- keys-engine-flood: the same, the flood published in the engine (bench/flood.py), so it
  reaches the app through the control socket as server events do, capped.
- headless: a lab server's round trips with the app open on its log, against the same
  server run by `netlab serve`, A B A B.
- hold: 10,000 idle connections held by an async echo server in the engine, then each
  echoes; the engine's RSS against the Go reference server's.
- startup: fresh processes, netlab (`netlab.cli.main([])`, as the `netlab` command) and
  a bare Textual app alternating, from spawn to the first frame made.
- subnet: Subnet split first page: in the Address view, the last digit of the split
  typed as a key, until a frame shows the first rows of the new listing (and the UI
  thread's CPU time over that span, which a shared machine's load moves less).

Frames: headless apps skip turning a frame into terminal output; here it is still built
(not written) as a terminal driver would, so the time to make a frame is counted.

Loopback only (127.0.0.1, port 0), no name lookups; every loop is bounded in count and
time; any process started here is stopped by its own handle.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import textual
from engine_load import (
    FLOOD_ENGINE,
    bare_server,
    busy_share,
    cpu_seconds,
    flood_engine,
    go_binary,
    headless_serve,
    hold_command,
    listening,
    pin_server,
    pinned_load,
    pinning,
    raise_open_files,
    started,
)
from flood import Producer
from rich.console import RenderableType
from textual import events
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input

from netlab.core.engine.process import EngineLab
from netlab.core.engine.remote import RemoteLab
from netlab.core.events import Event, Kind
from netlab.core.lab import Lab, Server
from netlab.core.servers import ServerOptions
from netlab.tui.app import NetlabApp
from netlab.tui.panes.address import AddressPane, SubnetTable
from netlab.tui.panes.servers import ServersPane
from netlab.tui.widgets.eventlog import EventLog

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "bench" / ".build"
LOADGEN = BUILD / "loadgen"
SIZE = (120, 40)
HOST = "127.0.0.1"
LOADED: ServerOptions = {"host": HOST, "max_conns": 200, "per_source": None, "cps": None}
"""A loaded server's limits: the load generator opens all its connections from HOST at
once, so the per-source limits (50 at once, 200 a second) are lifted."""

FLOOD_SECONDS = 4.0
KEY_FLOOD_RATE = 100_000
"""Events a second flooding the log while keys are timed: the rate the log must absorb.
Unthrottled, the producer is one more Python thread taking the GIL from the UI thread."""
EVENTS_TARGET = 100_000
FLAT_BYTES_PER_EVENT = 10.0
REAL_FLOOD = "2s"
REAL_FLOOD_CONNS = 10
KEY_PRESSES = 250
KEY_LOAD_CONNS = 100
KEY_TARGET_MS = 100.0
KEY_P50_MS = 30.0
STARTUP_RUNS = 9
STARTUP_RATIO = 1.2
SUBNET_TRIALS = 9
SUBNET_TARGET_MS = 50.0
WAIT = 5.0
"""The longest any single wait for the app may take before the measure fails."""


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def spread(values: list[float]) -> dict[str, float]:
    return {
        "min": round(min(values), 2),
        "median": round(statistics.median(values), 2),
        "max": round(max(values), 2),
    }


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value with `share` of them at or below it."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


async def wait_until(pilot: Pilot[None], condition: Callable[[], object], what: str) -> None:
    # Sleeping, not pilot.pause(), which would also force a screen refresh each time.
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def while_alive(
    thread: threading.Thread, seconds: float, each: Callable[[], object] | None = None
) -> None:
    """Let the app run while `thread` works, for at most `seconds`; `each` every 0.1 s."""
    deadline = time.monotonic() + seconds
    while thread.is_alive() and time.monotonic() < deadline:
        if each is not None:
            each()
        await asyncio.sleep(0.1)
    thread.join(WAIT)


class BenchApp(NetlabApp):
    """NetlabApp noting each frame; a probe may look at the screen as each frame is made."""

    def __init__(self, lab: Lab | None = None) -> None:
        # As `netlab` runs it: the servers in a lab engine, started after the first frame.
        super().__init__(lab=lab if lab is not None else EngineLab(start=False))
        self.frames = 0
        self.frame_probe: Callable[[float], None] | None = None

    def _display(self, screen: Screen[Any], renderable: RenderableType | None) -> None:
        super()._display(screen, renderable)
        if renderable is None:
            return
        # The headless driver drops the frame here; a terminal driver would build its
        # escape sequences, which is part of what a frame costs.
        render = getattr(renderable, "render_segments", None)
        if render is not None:
            render(self.console)
        self.frames += 1
        if self.frame_probe is not None:
            self.frame_probe(time.perf_counter())


# -- load from outside: the Go load generator, or Python when there is no Go ------------------


def ensure_loadgen() -> Path | None:
    """bench/.build/loadgen, built if Go is here and it is not; None without Go."""
    return go_binary("loadgen")


PY_LOAD = r"""
import json, socket, sys, threading, time

host, port, conns, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
seconds = float(sys.argv[5])
socks = [socket.create_connection((host, port), timeout=10) for _ in range(conns)]
rounds = [0] * conns
deadline = time.monotonic() + seconds


def run(i):
    sock, out = socks[i], bytes((i + n) % 251 for n in range(size))
    while time.monotonic() < deadline:
        sock.sendall(out)
        got = 0
        while got < size:
            chunk = sock.recv(size - got)
            if not chunk:
                return
            got += len(chunk)
        rounds[i] += 1


threads = [threading.Thread(target=run, args=(i,)) for i in range(conns)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join(seconds + 15)
for sock in socks:
    sock.close()
done = sum(rounds)
print(json.dumps({"round_trips": done, "rt_per_s": done / seconds, "client": "python"}))
"""


def load_command(port: int, conns: int, duration: str, pid: int = 0) -> list[str]:
    """Round trips of 64 bytes on `conns` loopback connections for `duration` ("2s");
    with `pid`, the Go load generator also reads that server's CPU and RSS."""
    loadgen = ensure_loadgen()
    if loadgen is not None:
        return [
            str(loadgen),
            f"-addr={HOST}:{port}",
            "-mode=rr",
            f"-conns={conns}",
            "-size=64",
            f"-dur={duration}",
            "-limit=60s",
            *([f"-pid={pid}"] if pid else []),
        ]
    seconds = duration.removesuffix("s")
    return [sys.executable, "-c", PY_LOAD, HOST, str(port), str(conns), "64", seconds]


def run_load(command: list[str], timeout: float = 60) -> dict[str, Any]:
    """Run a load client to its end (bounded by a timeout) and read its JSON line.

    In a session of its own, as a client run from another terminal is: where the kernel
    groups CPU time by session (autogroup), it then takes no share of the app's."""
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        start_new_session=True,
    )
    lines = done.stdout.strip().splitlines()
    result: dict[str, Any] = json.loads(lines[-1]) if lines else {}
    result["exit"] = done.returncode
    if done.returncode:
        result["stderr"] = done.stderr.strip()[-300:]
    return result


# -- 1. events absorbed ---------------------------------------------------------------------


Sample = tuple[float, int, int, int, float]
"""(when, events handed to the pane, dropped by the bus, cut by the log cap, RSS MiB)."""


class Sampler(threading.Thread):
    """Counters and RSS every 0.2 s while a flood runs."""

    def __init__(self, app: NetlabApp, log: EventLog) -> None:
        super().__init__(name="bench sampler", daemon=True)
        self.bus = app.lab.bus
        self.log = log
        self.halt = threading.Event()
        self.samples: list[Sample] = []

    def take(self) -> None:
        sample = (time.perf_counter(), self.log.events_seen, self.bus.dropped, self.log.lost)
        self.samples.append((*sample, rss_mib()))

    def run(self) -> None:
        for _ in range(int(FLOOD_SECONDS * 5) + 50):
            self.take()
            if self.halt.wait(0.2):
                break
        self.take()


def per_second(samples: list[Sample], start: float, seconds: float) -> list[int]:
    """Events absorbed (handed to the pane + dropped) in each whole second of the flood."""
    rates = []
    for second in range(int(seconds)):
        inside = [s for s in samples if start + second <= s[0] <= start + second + 1]
        if len(inside) >= 2:
            first, last = inside[0], inside[-1]
            span = last[0] - first[0]
            count = (last[1] - first[1]) + (last[2] - first[2])
            rates.append(round(count / span))
    return rates


def memory(samples: list[Sample], start: float) -> dict[str, Any]:
    """RSS over the flood, and its growth per event absorbed after the first second."""
    rss = [s[4] for s in samples]
    # The bus (50,000 events) and the log (5,000 lines) fill in the first moments; after
    # that memory must not grow with the events. Keeping even one event in twenty would
    # cost over 10 bytes an event (an Event and its data are over 200), so growth below
    # that is the allocator's steps, not events kept.
    settled = [s for s in samples if s[0] >= start + 1.0]
    growth = (settled[-1][4] - settled[0][4]) if len(settled) >= 2 else 0.0
    later = (settled[-1][1] + settled[-1][2]) - (settled[0][1] + settled[0][2]) if settled else 0
    per_event = growth * 2**20 / later if later else float("inf")
    return {
        "start": round(rss[0], 1),
        "after_1s": round(settled[0][4], 1) if settled else None,
        "end": round(rss[-1], 1),
        "max": round(max(rss), 1),
        "growth_after_1s": round(growth, 1),
        "growth_bytes_per_event_after_1s": round(per_event, 2),
    }


async def flood_synthetic(pilot: Pilot[None], app: BenchApp) -> dict[str, Any]:
    server = await asyncio.to_thread(app.lab.start_server, "tcp:echo:0", host=HOST)
    pane = app.query_one(ServersPane)
    log = pane.event_log
    await wait_until(pilot, lambda: server.name in pane._server_names, "the server's row")
    await pilot.pause(0.3)
    bus = app.lab.bus
    before = (log.events_seen, bus.dropped, log.lost, bus.published)
    frames_before = app.frames
    producer = Producer(app.lab.bus, server.name, FLOOD_SECONDS)
    sampler = Sampler(app, log)
    sampler.start()
    producer.start()
    await while_alive(producer, FLOOD_SECONDS + WAIT)
    # Whatever is still on the bus goes to the pane on the next tick or two.
    await wait_until(pilot, lambda: len(bus) == 0, "the bus to be drained")
    await pilot.pause(0.15)
    sampler.halt.set()
    sampler.join(WAIT)
    seconds = producer.stopped_at - producer.started_at
    seen, dropped = log.events_seen - before[0], bus.dropped - before[1]
    lost, published = log.lost - before[2], bus.published - before[3]
    absorbed = seen + dropped
    rss = memory(sampler.samples, producer.started_at)
    flat = rss["growth_bytes_per_event_after_1s"] < FLAT_BYTES_PER_EVENT
    rate = absorbed / seconds
    return {
        "name": "events absorbed by the Servers pane (synthetic flood)",
        "figure": round(rate),
        "unit": "events/s",
        "target": f"≥ {EVENTS_TARGET:,} events/s shown or counted as dropped, memory flat",
        "met": rate >= EVENTS_TARGET and flat and absorbed == published,
        "seconds": round(seconds, 2),
        "published": published,
        "handed_to_pane": seen,
        "shown_as_lines": seen - lost,
        "lost_by_log_cap": lost,
        "dropped_by_bus": dropped,
        "unaccounted": published - absorbed,
        "per_second": per_second(sampler.samples, producer.started_at, seconds),
        "frames": app.frames - frames_before,
        "rss_mib": rss,
        "memory_flat": flat,
    }


class Tally:
    """While in effect, counts one server's messages, bytes and closings as the log is
    handed them (one by one, or `summed`), then shows them as the log would."""

    def __init__(self, log: EventLog, source: str) -> None:
        self.log = log
        self.source = source
        self.show = log.show_events
        self.counts = {"messages": 0, "bytes": 0, "single": 0, "summaries": 0, "closed": 0}

    def counting(self, batch: list[Event]) -> None:
        counts = self.counts
        for event in batch:
            if event.source != self.source:
                continue
            if event.kind is Kind.RECEIVED or event.kind is Kind.SENT:
                counts["messages"] += event.summed or 1
                counts["bytes"] += event.size
                counts["summaries" if event.summed else "single"] += 1
            elif event.kind is Kind.CLOSED:
                counts["closed"] += 1
        self.show(batch)

    def __enter__(self) -> dict[str, int]:
        self.log.show_events = self.counting  # type: ignore[method-assign,assignment]
        return self.counts

    def __exit__(self, *_: object) -> None:
        self.log.show_events = self.show  # type: ignore[method-assign]


async def flood_real(pilot: Pilot[None], app: BenchApp, model: str) -> dict[str, Any]:
    """A load generator against a lab server: every message it counts must be in the log."""
    server = await asyncio.to_thread(app.lab.start_server, f"tcp:echo:0@{model}", **LOADED)
    pane = app.query_one(ServersPane)
    await wait_until(pilot, lambda: server.name in pane._server_names, "the server's row")

    def counted() -> tuple[int, int]:
        return (server.messages_in + server.messages_out, server.bytes_in + server.bytes_out)

    dropped_before = app.lab.bus.dropped
    with Tally(pane.event_log, server.name) as tally:
        command = load_command(server.address[1], REAL_FLOOD_CONNS, REAL_FLOOD)
        load = await asyncio.to_thread(run_load, command)
        # Each connection's last counts come with its closing event.
        with contextlib.suppress(TimeoutError):
            await wait_until(
                pilot,
                lambda: (
                    tally["closed"] >= REAL_FLOOD_CONNS
                    and (tally["messages"], tally["bytes"]) == counted()
                ),
                "every message in the log",
            )
    messages, size = counted()
    share = 100.0 * tally["messages"] / messages if messages else 0.0
    return {
        "name": f"real flood: server messages in the log ({model} echo, {REAL_FLOOD_CONNS} conns)",
        "figure": round(share, 3),
        "unit": "% of messages",
        "target": "all of them",
        "met": messages > 0 and (tally["messages"], tally["bytes"]) == (messages, size),
        "server_messages": messages,
        "log_messages": tally["messages"],
        "server_bytes": size,
        "log_bytes": tally["bytes"],
        "events_one_by_one": tally["single"],
        "summary_events": tally["summaries"],
        "dropped_by_bus": app.lab.bus.dropped - dropped_before,
        "load": {
            k: load.get(k) for k in ("round_trips", "rt_per_s", "exit", "stderr") if k in load
        },
    }


# -- 2. key latency -------------------------------------------------------------------------


class Typist(threading.Thread):
    """Posts keys from its own thread, as a terminal driver's input thread does.

    Keys go at planned moments (every 20–40 ms, like a held key's repeat) whether or not
    the app has handled the last one: a stall then delays every key pressed during it, as
    a person feels it, instead of only the one key in flight. Latency runs from the
    planned moment, so this thread waking late for the GIL counts too.
    """

    def __init__(self, app: NetlabApp, key: str) -> None:
        super().__init__(name="bench typist", daemon=True)
        self.app = app
        self.key = key
        self.planned: list[float] = []

    def run(self) -> None:
        rng = random.Random(5)
        planned = time.perf_counter() + 0.05
        for _ in range(KEY_PRESSES):
            time.sleep(max(0.0, planned - time.perf_counter()))
            key = events.Key(self.key, self.key)
            key.set_sender(self.app)
            self.planned.append(planned)
            self.app.post_message(key)
            planned += rng.uniform(0.02, 0.04)


class KeyTimes:
    """When each key's action started, and the first frame made after it."""

    def __init__(self, app: BenchApp, log: EventLog) -> None:
        self.app = app
        self.log = log
        self.handled: list[float] = []
        self.framed: list[float] = []
        self.follow = log.action_follow

    def timed_follow(self) -> None:
        self.handled.append(time.perf_counter())
        self.follow()

    def frame_probe(self, now: float) -> None:
        # Keys are handled in the order pressed; each one's first frame after its action
        # is when its effect can be on screen.
        while len(self.framed) < len(self.handled):
            self.framed.append(now)

    def __enter__(self) -> KeyTimes:
        self.log.action_follow = self.timed_follow  # type: ignore[method-assign]
        self.app.frame_probe = self.frame_probe
        return self

    def __exit__(self, *_: object) -> None:
        self.app.frame_probe = None
        self.log.action_follow = self.follow  # type: ignore[method-assign]


async def key_servers(pilot: Pilot[None], app: BenchApp, model: str) -> tuple[Server, Server]:
    """The loaded server and the one the synthetic flood is for, both in the engine."""
    loaded = await asyncio.to_thread(app.lab.start_server, f"tcp:echo:0@{model}", **LOADED)
    quiet = await asyncio.to_thread(app.lab.start_server, "tcp:echo:0", host=HOST)
    pane = app.query_one(ServersPane)
    await wait_until(pilot, lambda: quiet.name in pane._server_names, "the servers' rows")
    pane.select_server(loaded.name)
    pane.event_log.focus()
    await pilot.pause(0.2)
    return loaded, quiet


class EngineFlood:
    """The flood in a lab engine of bench/flood.py, cued by SIGUSR1, with a Producer's face:
    `published` counts what reached the app for it (handed to its bus or counted as dropped
    on the way: the engine sends at most MAX_PENDING events a tick)."""

    def __init__(self, app: BenchApp, pid: int, seconds: float) -> None:
        self.bus = app.lab.bus
        self.pid = pid
        self.seconds = seconds
        self.halt = threading.Event()
        self.published = 0
        self.started_at = self.stopped_at = 0.0
        self._before = (0, 0)

    def start(self) -> None:
        self._before = (self.bus.published, self.bus.dropped)
        self.started_at = time.perf_counter()
        os.kill(self.pid, signal.SIGUSR1)

    def is_alive(self) -> bool:
        return not self.halt.is_set() and time.perf_counter() < self.started_at + self.seconds

    def join(self, timeout: float | None = None) -> None:
        self.stopped_at = min(time.perf_counter(), self.started_at + self.seconds)
        published, dropped = self._before
        self.published = self.bus.published - published + self.bus.dropped - dropped


async def keys_engine_flood(model: str) -> dict[str, Any]:
    """Key latency with the flood in the engine: the app attached (RemoteLab, as
    `netlab --attach` runs) to a lab engine of bench/flood.py, its servers there."""
    seconds = KEY_PRESSES * 0.03 + 3
    rate = FLOOD_RATE["now"]
    command = flood_engine(rate, seconds if rate else 0.0)
    with started(command, FLOOD_ENGINE) as (pid, path):
        lab = RemoteLab(path)

        async def keys(pilot: Pilot[None], app: BenchApp) -> dict[str, Any]:
            await servers_view(pilot, app)
            return await key_latency(pilot, app, model, flood_pid=pid)

        row: dict[str, Any] = await in_app(keys, lab)
    return row


def make_flood(
    app: BenchApp, source: str, seconds: float, flood_pid: int | None
) -> Producer | EngineFlood:
    """The keys' flood: a Producer on the app's bus, or the cue of an engine's."""
    if flood_pid is not None:
        return EngineFlood(app, flood_pid, seconds)
    rate = FLOOD_RATE["now"]
    return Producer(app.lab.bus, source, seconds if rate else 0.0, rate)


async def key_latency(
    pilot: Pilot[None], app: BenchApp, model: str, flood_pid: int | None
) -> dict[str, Any]:
    """Keys timed under load; the flood published to the app's bus, or with `flood_pid`,
    to the bus of that engine (bench/flood.py), whose lab the app is attached to."""
    loaded, quiet = await key_servers(pilot, app, model)
    log = app.query_one(ServersPane).event_log
    typist = Typist(app, "f")
    seconds = KEY_PRESSES * 0.03 + 3
    engine = getattr(app.lab, "peer_pid", 0)
    command = load_command(loaded.address[1], KEY_LOAD_CONNS, f"{seconds:.0f}s", engine)
    load_task = asyncio.create_task(asyncio.to_thread(run_load, command))
    open_during: list[int] = []
    producer = make_flood(app, quiet.name, seconds, flood_pid)
    try:
        await wait_until(
            pilot,
            lambda: loaded.open_connections >= KEY_LOAD_CONNS or load_task.done(),
            "100 connections",
        )
        await asyncio.sleep(0.3)  # round trips under way
        at_start = (
            *(loaded.messages_in, app.lab.bus.dropped, cpu_seconds(engine)),
            *(time.process_time(), time.perf_counter()),
        )
        producer.start()
        await asyncio.sleep(0.5)  # the bus full and the log busy before the first key
        with KeyTimes(app, log) as times:
            typist.start()
            await while_alive(
                typist,
                KEY_PRESSES * 0.04 + WAIT,
                lambda: open_during.append(loaded.open_connections),
            )
            during = key_during(app, loaded, engine, at_start)
            during["load_still_running_at_last_key"] = not load_task.done() and (
                producer.is_alive() or not FLOOD_RATE["now"]
            )
            with contextlib.suppress(TimeoutError):
                await wait_until(pilot, lambda: len(times.framed) >= KEY_PRESSES, "every key")
    finally:
        producer.halt.set()
    producer.join(WAIT)
    during["open_connections_during"] = (
        [min(open_during), max(open_during)] if open_during else None
    )
    during["flood"] = flood_text("app" if flood_pid is None else "engine")
    return key_row(model, typist.planned, times, producer, await load_task, during)


FLOOD_RATE = {"now": KEY_FLOOD_RATE}
"""--flood-rate: the keys' flood at another rate (0: none), to see what it adds."""


def flood_text(where: str) -> str:
    rate = FLOOD_RATE["now"]
    if not rate:
        return "none (--flood-rate 0): the loaded server's own events only"
    if where == "app":
        return (
            f"synthetic, {rate:,} events/s published straight to the app's bus (the UI's "
            "load); the loaded server's own events come through the engine's control socket"
        )
    return (
        f"synthetic, {rate:,} events/s published to the engine's bus (bench/flood.py), "
        "reaching the app through the control socket as a lab server's events do: at most "
        "5,000 a tick, the rest counted as dropped"
    )


def key_during(
    app: BenchApp, loaded: Server, engine: int, at_start: tuple[float, ...]
) -> dict[str, Any]:
    """What the engine and the app did while the keys were pressed."""
    messages, dropped, engine_cpu, app_cpu, began = at_start
    wall = max(time.perf_counter() - began, 1e-9)
    return {
        "server_messages_in_during_keys": loaded.messages_in - messages,
        "bus_dropped_during_keys": app.lab.bus.dropped - dropped,
        "engine_cpu_cores": round((cpu_seconds(engine) - engine_cpu) / wall, 2),
        "app_cpu_cores": round((time.process_time() - app_cpu) / wall, 2),
        "machine_loadavg_1m": round(os.getloadavg()[0], 2),
    }


def key_row(
    model: str,
    planned: list[float],
    times: KeyTimes,
    producer: Producer | EngineFlood,
    load: dict[str, Any],
    during: dict[str, Any],
) -> dict[str, Any]:
    engine = isinstance(producer, EngineFlood)
    ms = [(at - press) * 1000 for at, press in zip(times.handled, planned, strict=False)]
    frames_ms = [(at - press) * 1000 for at, press in zip(times.framed, planned, strict=False)]
    p99 = percentile(ms, 0.99) if ms else float("inf")
    p50 = percentile(ms, 0.5) if ms else float("inf")
    missing = len(planned) - len(ms)
    return {
        "name": f"key press handled, log flooded{' through the engine' if engine else ''}, "
        f"{model} server under 100-connection load",
        "figure": round(p99, 1),
        "unit": "ms p99",
        "target": f"p99 < {KEY_TARGET_MS:g} ms, p50 < {KEY_P50_MS:g} ms",
        "met": bool(ms)
        and p99 < KEY_TARGET_MS
        and p50 < KEY_P50_MS
        and not missing
        and during["load_still_running_at_last_key"],
        "servers": "in the app's own process (--in-process: a plain Lab)"
        if IN_PROCESS["on"]
        else "in the lab engine (EngineLab, as `netlab` runs them)",
        "presses": len(planned),
        "not_handled": missing,
        "p50_ms": round(p50, 1),
        "p90_ms": round(percentile(ms, 0.9), 1) if ms else None,
        "max_ms": round(max(ms), 1) if ms else None,
        "to_next_frame_ms": (
            {
                "p50": round(percentile(frames_ms, 0.5), 1),
                "p99": round(percentile(frames_ms, 0.99), 1),
            }
            if frames_ms
            else None
        ),
        "over_seconds": round(planned[-1] - planned[0], 1) if planned else 0.0,
        **during,
        "flood_events_published": producer.published,
        "flood_events_per_s": round(
            producer.published / max(producer.stopped_at - producer.started_at, 1e-9)
        ),
        "load": {k: load.get(k) for k in ("rt_per_s", "p99_us", "exit", "stderr") if k in load},
    }


# -- 5. round trips with the app open vs headless ---------------------------------------------

SAME_OPTIONS: ServerOptions = {"host": HOST, "model": "async", "max_conns": 100}
"""The server of both sides: what `netlab serve echo:0 --model async --max-conns 100`
starts (the per-source limits, 50 at once, stay: the load has 10 connections)."""
RATIO_CONNS = 10
RATIO_DURATION = "3s"
RATIO_ROUNDS = 3
RATIO_TARGET = 0.9


async def round_trips_in_app(pilot: Pilot[None], app: BenchApp) -> dict[str, Any]:
    """Load on an async echo server in the app's engine, the app on its log, following."""
    await servers_view(pilot, app)
    server = await asyncio.to_thread(app.lab.start_server, "tcp:echo:0", **SAME_OPTIONS)
    pane = app.query_one(ServersPane)
    await wait_until(pilot, lambda: server.name in pane._server_names, "the server's row")
    pane.select_server(server.name)
    pane.event_log.focus()
    await pilot.pause(0.3)
    if not pane.event_log.following:
        raise RuntimeError("the Servers log does not follow its newest lines")
    engine = app.lab.peer_pid  # type: ignore[attr-defined]
    pin_server(engine)
    frames, cpu, began = app.frames, time.process_time(), time.perf_counter()
    command = pinned_load(load_command(server.address[1], RATIO_CONNS, RATIO_DURATION, engine))
    result = await asyncio.to_thread(run_load, command)
    wall = time.perf_counter() - began
    result["app_frames_per_s"] = round((app.frames - frames) / wall, 1)
    result["app_cpu_cores"] = round((time.process_time() - cpu) / wall, 2)
    return result


def round_trips_headless() -> dict[str, Any]:
    """The same load on the same server run by `netlab serve`, no app anywhere."""
    with listening(headless_serve(SAME_OPTIONS["max_conns"])) as (pid, port):
        pin_server(pid)
        return run_load(pinned_load(load_command(port, RATIO_CONNS, RATIO_DURATION, pid)))


def cpu_per_rt(runs: list[dict[str, Any]]) -> dict[str, float] | None:
    """The server's CPU time per round trip over the runs, in µs (the Go load generator
    reads it; None with the Python client)."""
    each = [r["server_cpu"] / r["rt_per_s"] * 1e6 for r in runs if r.get("server_cpu")]
    return spread(each) if each else None


async def app_vs_headless() -> dict[str, Any]:
    runs: dict[str, list[dict[str, Any]]] = {"app": [], "headless": []}
    for _ in range(RATIO_ROUNDS):  # A B A B …, each on a fresh process
        runs["app"].append(await in_app(round_trips_in_app))
        runs["headless"].append(await asyncio.to_thread(round_trips_headless))
    rates = {side: [float(r.get("rt_per_s") or 0.0) for r in runs[side]] for side in runs}
    ratio = statistics.median(rates["app"]) / max(statistics.median(rates["headless"]), 1e-9)
    failed = [r for side in runs.values() for r in side if r.get("exit")]
    keep = (
        *("rt_per_s", "p50_us", "p99_us", "server_cpu", "server_rss_mib", "exit"),
        *("app_frames_per_s", "app_cpu_cores", "stderr"),
    )
    return {
        "name": "a lab server's round trips with the app open on its log / the same server "
        "headless",
        "figure": round(ratio, 2),
        "unit": "× (median app open / median headless)",
        "target": f"≥ {RATIO_TARGET:g}×",
        "met": ratio >= RATIO_TARGET and not failed,
        "rounds": RATIO_ROUNDS,
        "machine_loadavg_1m": round(os.getloadavg()[0], 2),
        "app_rt_per_s": spread(rates["app"]),
        "headless_rt_per_s": spread(rates["headless"]),
        # The server's CPU time per round trip: what the machine's noise moves least.
        "server_cpu_us_per_rt": {side: cpu_per_rt(runs[side]) for side in runs},
        "pinned": pinning(),
        "runs": {side: [{k: r[k] for k in keep if k in r} for r in runs[side]] for side in runs},
    }


# -- 6. idle connections held in the engine --------------------------------------------------

HOLD_CONNS = 10_000
HOLD_ROUNDS = 2
HOLD_RATIO = 1.5
HELD_OPTIONS: ServerOptions = {
    **LOADED,
    "model": "async",
    "max_conns": 20_000,
    "idle_timeout": None,
}


async def hold_in_engine(pilot: Pilot[None], app: BenchApp) -> dict[str, Any]:
    """HOLD_CONNS idle connections to an async echo server in the app's engine, the app
    open on it (its row selected, the connections listed)."""
    await servers_view(pilot, app)
    server = await asyncio.to_thread(app.lab.start_server, "tcp:echo:0", **HELD_OPTIONS)
    pane = app.query_one(ServersPane)
    await wait_until(pilot, lambda: server.name in pane._server_names, "the server's row")
    pane.select_server(server.name)
    await pilot.pause(0.3)
    engine = app.lab.peer_pid  # type: ignore[attr-defined]
    frames, began = app.frames, time.perf_counter()
    command = hold_command(server.address[1], HOLD_CONNS, engine)
    result = await asyncio.to_thread(run_load, command, 180)
    result["app_frames_per_s"] = round((app.frames - frames) / (time.perf_counter() - began), 1)
    result["app_rss_mib"] = round(rss_mib(), 1)
    return result


def hold_elsewhere(command: list[str]) -> dict[str, Any]:
    with listening(command) as (pid, port):
        return run_load(hold_command(port, HOLD_CONNS, pid), 180)


async def held_connections() -> dict[str, Any]:
    raise_open_files(HOLD_CONNS + 500)
    refserver = go_binary("refserver")
    reference = [str(refserver)] if refserver else bare_server()
    runs: dict[str, list[dict[str, Any]]] = {"engine": [], "reference": [], "bare": []}
    for _ in range(HOLD_ROUNDS):  # engine, reference, engine, reference …
        runs["engine"].append(await in_app(hold_in_engine))
        runs["reference"].append(await asyncio.to_thread(hold_elsewhere, reference))
        if refserver:
            runs["bare"].append(await asyncio.to_thread(hold_elsewhere, bare_server()))
    rss = {side: [float(r.get("server_rss_mib") or 0.0) for r in runs[side]] for side in runs}
    ratio = statistics.median(rss["engine"]) / max(statistics.median(rss["reference"]), 1e-9)
    all_echo = all(r.get("echoed") == HOLD_CONNS for r in runs["engine"])
    keep = (
        *("echoed", "dial_failed", "echo_failed", "open_secs", "echo_secs", "server_rss_mib"),
        *("server_cpu", "app_frames_per_s", "app_rss_mib", "error", "exit"),
    )
    return {
        "name": f"{HOLD_CONNS:,} idle connections held in the engine, all echo",
        "figure": round(ratio, 2),
        "unit": "× RSS (median engine / median reference)",
        "target": f"all echo; RSS ≤ {HOLD_RATIO:g}× the reference",
        "met": all_echo and ratio <= HOLD_RATIO,
        "all_echoed": all_echo,
        "machine_loadavg_1m": round(os.getloadavg()[0], 2),
        "reference": "Go refserver (bench/refserver)"
        if refserver
        else "netlab's async echo server alone in a process (bench/netlab_server.py): no Go",
        "engine_rss_mib": spread(rss["engine"]),
        "reference_rss_mib": spread(rss["reference"]),
        "bare_netlab_server_rss_mib": spread(rss["bare"]) if rss["bare"] else None,
        "runs": {side: [{k: r[k] for k in keep if k in r} for r in runs[side]] for side in runs},
    }


# -- 4. subnet split, first page --------------------------------------------------------------


async def one_split(
    pilot: Pilot[None], app: BenchApp, network: str, split: str, count: int
) -> tuple[float, float]:
    """One trial: ms from the key to the frame with the listing, and the UI thread's CPU."""
    pane = app.query_one(AddressPane)
    split_box = app.query_one("#split-input", Input)
    table = app.query_one(SubnetTable)
    split_box.value = ""
    app.query_one("#address-input", Input).value = network
    await pilot.pause()
    # One digit short: "/2" or "/6", which cannot split this network, so nothing of
    # the listing to come is on screen before the key.
    split_box.value = split[:-1]
    split_box.focus()
    await pilot.pause()
    await pilot.press("end")  # focusing selects the text, which a key would replace
    assert pane.listing is None and not table.display
    shown = asyncio.Event()
    at: list[float] = []

    def probe(now: float) -> None:
        listing = pane.listing
        if at or listing is None or listing.count != count or table.row_count == 0:
            return
        # The compositor's map of what is on screen, as of this frame.
        placed = app.screen._compositor.visible_widgets.get(table)
        if placed is not None and placed[0].intersection(placed[1]).height >= 2:
            at.extend((now, time.thread_time()))
            shown.set()

    app.frame_probe = probe
    key = events.Key(split[-1], split[-1])
    key.set_sender(app)
    typed, typed_cpu = time.perf_counter(), time.thread_time()
    app.post_message(key)
    try:
        await asyncio.wait_for(shown.wait(), WAIT)
    finally:
        app.frame_probe = None
    # CPU: the UI thread's, the work, not the waits.
    return (at[0] - typed) * 1000, (at[1] - typed_cpu) * 1000


async def first_page(
    pilot: Pilot[None], app: BenchApp, network: str, split: str, count: int
) -> dict[str, Any]:
    """Type the split's last digit as a key; time until a frame shows the new listing's rows."""
    trials = [await one_split(pilot, app, network, split, count) for _ in range(SUBNET_TRIALS)]
    return {
        "network": network,
        "split": split,
        "subnets": count,
        "ms": spread([ms for ms, _ in trials]),
        "cpu_ms": spread([cpu for _, cpu in trials]),
        "trials": len(trials),
    }


SPLITS = [
    # (network, split, subnets, the small split of the same family it is compared with)
    # The small ones still fill a page (50 rows), so only the size of the split differs.
    ("10.0.0.0/8", "/24", 2**16, "192.168.1.0/24"),
    ("2001:db8::/32", "/64", 2**32, "2001:db8::/58"),
    ("192.168.1.0/24", "/30", 64, None),
    ("2001:db8::/58", "/64", 64, None),
]
SIZE_SLACK = (5.0, 0.1)
"""How much slower than the 64-subnet split of its family a big split may be and still
count as independent of its size: 5 ms or 10 %, whichever is more (medians move by a few
milliseconds from run to run)."""


async def subnet_pages(pilot: Pilot[None], app: BenchApp) -> list[dict[str, Any]]:
    await pilot.press("alt+1")
    await pilot.pause()
    cases = {}
    for network, split, count, _ in SPLITS:
        cases[network] = await first_page(pilot, app, network, split, count)
    rows = []
    for network, _, _, small in SPLITS:
        case = cases[network]
        median = case["ms"]["median"]
        label = f"{network} into {case['split']} ({case['subnets']:,} subnets)"
        row = {
            "name": f"subnet split first page on screen: {label}",
            "figure": median,
            "unit": "ms median",
            "target": f"< {SUBNET_TARGET_MS:g} ms, independent of the split size",
            "met": median < SUBNET_TARGET_MS,
            **case,
        }
        if small is not None:
            base = cases[small]["ms"]["median"]
            slower = median - base
            row["compared_with"] = f"{small} into {cases[small]['split']}"
            row["vs_small_split_ms"] = round(slower, 2)
            row["size_independent"] = slower < max(SIZE_SLACK[0], SIZE_SLACK[1] * base)
            row["met"] = row["met"] and row["size_independent"]
        rows.append(row)
    return rows


# -- 3. startup -------------------------------------------------------------------------------

STARTUP_CHILD = r"""
import os, sys, time
which = sys.argv[1]
from textual.app import App

def mark(what):
    os.write(1, f"{what} {time.monotonic()!r}\n".encode())

def first_frame(self, screen, renderable, _display=App._display):
    _display(self, screen, renderable)
    if renderable is None:
        return
    # What a terminal driver would do with the frame; the headless driver skips it.
    render = getattr(renderable, "render_segments", None)
    if render is not None:
        render(self.console)
    mark("frame")
    # This process's CPU time so far (all its threads): the work, less the waits.
    os.write(1, f"frame_cpu {time.process_time()!r}\n".encode())
    # netlab's lab engine, a process of its own started as the app starts, ends with the
    # app: closed here, after the marks, so no engine still starting (or its temporary
    # directory) outlives this run into the next one.
    close = getattr(getattr(self, "lab", None), "close", None)
    if close is not None:
        close()
    os._exit(0)

def run(self, _run=App.run, **options):
    mark("run")
    return _run(self, headless=True, size=(120, 40))

App._display = first_frame
App.run = run
if which == "netlab":
    from netlab.cli import main
    main([])
else:
    from textual.widgets import Static

    class Hello(App):
        def compose(self):
            yield Static("Hello")

    Hello().run()
"""


def start_once(which: str, env: dict[str, str]) -> dict[str, float]:
    """Spawn to first frame of one app in a fresh interpreter, in ms (and spawn to run(),
    and the app process's CPU time to its first frame)."""
    spawned = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", STARTUP_CHILD, which],
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
        cwd=ROOT,
        check=False,
    )
    # The child's time.monotonic() is the same system-wide clock (CLOCK_MONOTONIC).
    marks = dict(line.split() for line in done.stdout.splitlines() if line.count(" ") == 1)
    if "frame" not in marks:
        raise RuntimeError(f"{which} made no frame: {done.stderr.strip()[-500:]}")
    return {
        "frame": (float(marks["frame"]) - spawned) * 1000,
        "run": (float(marks["run"]) - spawned) * 1000,
        "cpu": float(marks["frame_cpu"]) * 1000,
    }


def startup() -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    # Compiled bytecode, as an installed netlab has, kept out of the source tree.
    env["PYTHONPYCACHEPREFIX"] = str(BUILD / "pycache")
    for which in ("netlab", "hello"):
        start_once(which, env)  # warm-up: bytecode and the page cache
    runs: dict[str, list[dict[str, float]]] = {"netlab": [], "hello": []}
    for _ in range(STARTUP_RUNS):
        for which in ("netlab", "hello"):
            runs[which].append(start_once(which, env))
    frame = {which: [run["frame"] for run in runs[which]] for which in runs}
    imports = {which: [run["run"] for run in runs[which]] for which in runs}
    cpu = {which: [run["cpu"] for run in runs[which]] for which in runs}
    ratio = statistics.median(frame["netlab"]) / statistics.median(frame["hello"])
    cpu_ratio = statistics.median(cpu["netlab"]) / statistics.median(cpu["hello"])
    return {
        "name": "netlab start to first frame vs a bare Textual app",
        "figure": round(ratio, 2),
        "unit": "× (median netlab / median hello)",
        "target": f"≤ {STARTUP_RATIO:g}×",
        "met": ratio <= STARTUP_RATIO,
        "runs_each": STARTUP_RUNS,
        "netlab_ms": spread(frame["netlab"]),
        "hello_ms": spread(frame["hello"]),
        "spawn_to_run_ms": {which: spread(imports[which]) for which in imports},
        "cpu_ratio": round(cpu_ratio, 2),
        "cpu_ms": {which: spread(cpu[which]) for which in cpu},
    }


# -- running and reporting --------------------------------------------------------------------


IN_PROCESS = {"on": False}
"""--in-process: the events, keys and subnet measures with the servers in the app's own
process (a plain Lab, the design before the engine), for comparison in the same sitting."""


async def in_app(measure: Callable[[Pilot[None], BenchApp], Any], lab: Lab | None = None) -> Any:
    """`measure` in a fresh app on `lab`: by default a lab engine, as `netlab` starts it;
    with --in-process, a plain Lab in the app's process."""
    if lab is None:
        lab = Lab() if IN_PROCESS["on"] else EngineLab(start=False)
    try:
        app = BenchApp(lab)
        async with app.run_test(size=SIZE) as pilot:
            return await measure(pilot, app)
    finally:
        # The app closes its lab as it ends; this ends the engine even if the app failed.
        await asyncio.to_thread(lab.close)


async def servers_view(pilot: Pilot[None], app: BenchApp) -> None:
    await pilot.press("alt+4")
    await wait_until(pilot, lambda: app.view == "servers", "the Servers view")
    await pilot.pause(0.2)


async def app_measures(only: set[str]) -> list[dict[str, Any]]:
    async def floods(pilot: Pilot[None], app: BenchApp) -> list[dict[str, Any]]:
        await servers_view(pilot, app)
        rows = [await flood_synthetic(pilot, app)]
        for model in ("threaded", "async"):
            rows.append(await flood_real(pilot, app, model))
        return rows

    async def keys(pilot: Pilot[None], app: BenchApp, model: str) -> dict[str, Any]:
        await servers_view(pilot, app)
        return await key_latency(pilot, app, model, flood_pid=None)

    rows: list[dict[str, Any]] = []
    if "events" in only:
        rows += await in_app(floods)
    for model in ("threaded", "async") if "keys" in only else ():
        share = await asyncio.to_thread(busy_share)
        rows.append(await in_app(partial(keys, model=model)) | {"busy_thread_share": share})
    for model in ("threaded", "async") if "keys-engine-flood" in only else ():
        share = await asyncio.to_thread(busy_share)
        rows.append(await keys_engine_flood(model) | {"busy_thread_share": share})
    if "subnet" in only:
        rows += await in_app(subnet_pages)
    if "headless" in only:
        rows.append(await app_vs_headless())
    if "hold" in only:
        rows.append(await held_connections())
    return rows


HOW = {
    "events absorbed": f"a thread publishing echo `Event`s for a lab server to the app's bus "
    f"as fast as it can, {FLOOD_SECONDS:g} s, Servers view on screen; (handed to the pane + "
    "dropped by the bus) / s; RSS every 0.2 s",
    "real flood": f"loadgen rr, {REAL_FLOOD_CONNS} conns × 64 B for {REAL_FLOOD} against a lab "
    "server; messages in the log (one by one + `summed`) vs the server's own counters",
    "key press handled, log flooded through": "as the row above, but the app attached "
    "(`RemoteLab`, as `netlab --attach`) to a lab engine of `bench/flood.py` holding its servers "
    f"and publishing the synthetic flood ({KEY_FLOOD_RATE:,} events/s) to its own bus: it "
    "reaches the app through the control socket, at most 5,000 events a tick (50,000/s), the "
    "rest counted as dropped",
    "key press": f"lab servers in the engine process (`EngineLab`, as `netlab` runs them): "
    f"{KEY_LOAD_CONNS}-conn loadgen rr (64 B) on one, its events reaching the app through the "
    f"engine's control socket; a synthetic flood of {KEY_FLOOD_RATE:,} events/s for another "
    f"published straight to the app's bus; {KEY_PRESSES} `f` keys (log: follow) posted from a "
    "thread every 20–40 ms whether or not the last was handled; planned moment → action "
    "starts",
    "a lab server's round trips": f"async echo server, loadgen rr {RATIO_CONNS} conns × 64 B "
    f"for {RATIO_DURATION}: (A) in the app's engine, app on the Servers view, its row "
    "selected, log following; (B) `netlab serve echo:0 --model async` (log printed to a "
    f"file), no app; A B A B…, {RATIO_ROUNDS} rounds, a fresh process each; server pinned to "
    "CPU 1, load generator to CPU 0 (taskset; the app not pinned) unless BENCH_PIN=0",
    "10,000 idle connections": f"loadgen hold: {HOLD_CONNS:,} connections opened and held idle "
    "1 s (RSS read then), then each must echo 16 B; (A) async echo server in the app's engine, "
    f"the app open on it; (B) the reference; {HOLD_ROUNDS} rounds alternating, a fresh "
    "process each; `ulimit -n` raised to the hard limit",
    "netlab start": f"{STARTUP_RUNS} fresh processes each, alternating; spawn → first frame "
    "made (headless, escape sequences built); netlab as `netlab.cli.main([])`; bytecode "
    "cached; CPU: the app process's CPU time to that frame; netlab's lab engine ended "
    "after each run",
    "subnet split": f"{SUBNET_TRIALS} trials: the split's last digit typed as a key → first "
    "frame with the listing's first rows on screen; median, (min–max); CPU: the UI thread's "
    "CPU time over the same span (the work, less the waits and the machine's noise)",
}


def how(name: str) -> str:
    return next((text for key, text in HOW.items() if name.startswith(key)), "")


def events_text(row: dict[str, Any]) -> str:
    rss = row["rss_mib"]
    per = ", ".join(f"{n:,}" for n in row["per_second"])
    return (
        f"{row['figure']:,} events/s (per second: {per}); shown {row['shown_as_lines']:,}, "
        f"cut by the log cap {row['lost_by_log_cap']:,}, dropped by the bus "
        f"{row['dropped_by_bus']:,}, unaccounted {row['unaccounted']:,}; RSS "
        f"{rss['start']}→{rss['end']} MiB, {rss['growth_after_1s']:+} MiB after the first "
        f"second ({rss['growth_bytes_per_event_after_1s']:g} B/event)"
    )


def real_flood_text(row: dict[str, Any]) -> str:
    return (
        f"{row['log_messages']:,} of {row['server_messages']:,} messages ({row['figure']:g} %): "
        f"{row['events_one_by_one']:,} events + {row['summary_events']:,} summaries; "
        f"bytes {row['log_bytes']:,} of {row['server_bytes']:,}"
    )


def keys_text(row: dict[str, Any]) -> str:
    frame = row["to_next_frame_ms"] or {}
    return (
        f"p99 {row['figure']} ms, p50 {row['p50_ms']}, max {row['max_ms']} "
        f"({row['presses'] - row['not_handled']} of {row['presses']} keys handled over "
        f"{row['over_seconds']} s); "
        f"to next frame p50 {frame.get('p50')} / p99 {frame.get('p99')} ms; CPU: engine "
        f"{row['engine_cpu_cores']}, app {row['app_cpu_cores']} cores; flood "
        f"{row['flood_events_per_s']:,}/s; machine: load average "
        f"{row['machine_loadavg_1m']}, a busy thread got {row['busy_thread_share']} of a core "
        "just before"
    )


def headless_text(row: dict[str, Any]) -> str:
    app, headless = row["app_rt_per_s"], row["headless_rt_per_s"]
    cpu = row["server_cpu_us_per_rt"]
    text = (
        f"{row['figure']}×: app open {app['median']:,.0f} rt/s ({app['min']:,.0f}–"
        f"{app['max']:,.0f}), headless {headless['median']:,.0f} rt/s "
        f"({headless['min']:,.0f}–{headless['max']:,.0f}); "
    )
    if cpu["app"] and cpu["headless"]:
        text += (
            f"server CPU per round trip {cpu['app']['median']:.1f} µs app open, "
            f"{cpu['headless']['median']:.1f} µs headless; "
        )
    return text + f"machine load average {row['machine_loadavg_1m']}"


def hold_text(row: dict[str, Any]) -> str:
    engine, ref = row["engine_rss_mib"], row["reference_rss_mib"]
    bare = row["bare_netlab_server_rss_mib"]
    text = (
        f"{row['figure']}×: engine {engine['median']:.1f} MiB ({engine['min']:.1f}–"
        f"{engine['max']:.1f}), reference {ref['median']:.1f} MiB ({row['reference']})"
    )
    if bare:
        text += f"; netlab's server alone {bare['median']:.1f} MiB"
    return text + ("; all echoed in every run" if row["all_echoed"] else "; NOT all echoed")


def startup_text(row: dict[str, Any]) -> str:
    net, hello = row["netlab_ms"], row["hello_ms"]
    cpu_net, cpu_hello = row["cpu_ms"]["netlab"], row["cpu_ms"]["hello"]
    return (
        f"{row['figure']}×: netlab {net['median']:.0f} ms ({net['min']:.0f}–{net['max']:.0f}), "
        f"hello {hello['median']:.0f} ms ({hello['min']:.0f}–{hello['max']:.0f}); "
        f"CPU {row['cpu_ratio']}×: netlab {cpu_net['median']:.0f} ms, "
        f"hello {cpu_hello['median']:.0f} ms"
    )


def subnet_text(row: dict[str, Any]) -> str:
    ms, cpu = row["ms"], row["cpu_ms"]
    text = f"{ms['median']:.1f} ms ({ms['min']:.1f}–{ms['max']:.1f})"
    text += f"; CPU {cpu['median']:.1f} ms ({cpu['min']:.1f}–{cpu['max']:.1f})"
    if "compared_with" in row:
        text += f"; {row['vs_small_split_ms']:+.1f} ms vs {row['compared_with']}"
    return text


TEXTS: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
    ("events absorbed", events_text),
    ("real flood", real_flood_text),
    ("key press", keys_text),
    ("a lab server's round trips", headless_text),
    (f"{HOLD_CONNS:,} idle", hold_text),
    ("netlab start", startup_text),
    ("subnet split", subnet_text),
]
"""Each measure's figure as the table says it, by how its row's name begins."""


def figure_text(row: dict[str, Any]) -> str:
    return next(text(row) for start, text in TEXTS if row["name"].startswith(start))


def heading(seconds: float, only: set[str]) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    client = "Go `loadgen`" if ensure_loadgen() else "the Python clients (no Go here)"
    which = "whole run" if only == set(MEASURES) else f"`--only {' '.join(sorted(only))}`"
    return (
        f"Measured by `bench/app_bench.py` ({which}) on {os.cpu_count()} CPUs, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}, Textual "
        f"{textual.__version__}, {when}; {seconds:.0f} s. App at {SIZE[0]}×{SIZE[1]}, "
        f"headless (`run_test`), its servers in the lab engine; load from {client}; the "
        f"machine's load average (1 min) {os.getloadavg()[0]:.1f} at the end (2 cores, shared)."
    )


def table_line(row: dict[str, Any]) -> str:
    verdict = "met" if row["met"] else "missed"
    cells = [row["name"], figure_text(row), row["target"], verdict, how(row["name"])]
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


TABLE_HEAD = ["| measure | figure | target | verdict | how measured |", "|---|---|---|---|---|"]


def table(old: str, rows: list[dict[str, Any]], seconds: float, only: set[str]) -> str:
    """The app table: this run's rows in place of the same measures' old ones, the other
    rows kept, with a heading line for this run (replacing those of runs of fewer)."""
    new = {row["name"]: table_line(row) for row in rows}
    notes: list[str] = []
    lines: list[str] = []
    for line in old.strip().splitlines()[:200]:
        if line.startswith("| ") and line not in TABLE_HEAD:
            name = line[2:].split(" | ", 1)[0]
            lines.append(new.pop(name, line))
        elif line.startswith("Measured by") and only != set(MEASURES):
            # A heading stays while some of its rows do: not one of a run whose measures
            # this one has all measured again.
            which = re.search(r"\(`--only ([^`]*)`\)", line)
            if which is None or not set(which.group(1).split()) <= only:
                notes.append(line)
    lines += new.values()
    return "\n\n".join([*notes, heading(seconds, only)]) + "\n\n" + "\n".join(TABLE_HEAD + lines)


APP_SECTION = """## App results

`bench/app_bench.py` measures the app itself (issue #5's app targets), headless, with real
lab servers under load; a few minutes on 2 cores:

    .venv/bin/python bench/app_bench.py --readme bench/README.md

<!-- app-results -->
<!-- /app-results -->

"""


def write_readme(path: Path, rows: list[dict[str, Any]], seconds: float, only: set[str]) -> None:
    readme = path.read_text()
    if "<!-- app-results -->" not in readme:
        at = readme.index("## Not yet measured")
        readme = readme[:at] + APP_SECTION + readme[at:]
    old = re.search(r"<!-- app-results -->(.*?)<!-- /app-results -->", readme, flags=re.S)
    text = table(old.group(1) if old else "", rows, seconds, only)
    readme = re.sub(
        r"<!-- app-results -->.*?<!-- /app-results -->",
        lambda _: f"<!-- app-results -->\n{text}\n<!-- /app-results -->",
        readme,
        count=1,
        flags=re.S,
    )
    path.write_text(readme)


MEASURES = ["events", "keys", "keys-engine-flood", "startup", "subnet", "headless", "hold"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--readme", type=Path, help="write the results table into this file")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=MEASURES,
        default=MEASURES,
        help="run only these measures (with --readme, only their rows are replaced)",
    )
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="events, keys, subnet: the servers in the app's process, as before the engine "
        "(for comparison; the README is left alone)",
    )
    parser.add_argument(
        "--flood-rate",
        type=int,
        default=KEY_FLOOD_RATE,
        help=f"keys: the synthetic flood's events a second (default {KEY_FLOOD_RATE:,}; 0: "
        "none), to see what it adds (the README is left alone unless it is the default)",
    )
    args = parser.parse_args()
    IN_PROCESS["on"] = args.in_process
    FLOOD_RATE["now"] = max(0, args.flood_rate)
    only = set(args.only)
    began = time.perf_counter()
    rows = asyncio.run(app_measures(only))
    if "startup" in only:
        rows.append(startup())
    for row in rows:
        print(json.dumps(row), flush=True)
    seconds = time.perf_counter() - began
    if args.readme and not args.in_process and args.flood_rate == KEY_FLOOD_RATE:
        write_readme(args.readme, rows, seconds, only)
    print(json.dumps({"whole_run_s": round(seconds, 1)}), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
