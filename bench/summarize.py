"""Summarise bench/run's results.jsonl into the table between the markers in README.md.

python bench/summarize.py RESULTS README ELAPSED RUNS DUR
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
from collections import defaultdict

# Pinned runs (the default) and unpinned ones (BENCH_PIN=0) keep a table each.
TABLE = "results" if os.environ.get("BENCH_PIN", "1") == "1" else "results-unpinned"
START, END = f"<!-- {TABLE} -->", f"<!-- /{TABLE} -->"

# cell prefix -> (metric, unit, "higher" | "lower" is better, target ratio, target text)
RULES = [
    ("tcp async", "rt_per_s", "rt/s", "higher", 1.1, "≥ 1.1×"),
    ("tcp threaded", "rt_per_s", "rt/s", "higher", 0.3, "≥ 0.3×"),
    ("bulk", "mb_per_s", "MB/s each way", "higher", 1.5, "≥ 1.5×"),
    ("udp", "rt_per_s", "rt/s", "higher", 1.2, "≥ 1.2×"),
    ("hold async", "server_rss_mib", "MiB RSS held", "lower", 1.5, "all echo; RSS ≤ 1.5×"),
    ("hold threaded", "server_rss_mib", "MiB RSS held", "lower", None, "all echo"),
]


BARE_TARGET = 1.25
"""netlab's server CPU per round trip, at most this many times the bare uvloop echo's
(issue #12): the async round-trip and UDP cells run that echo as a second reference."""
SERVERS = ("netlab", "reference", "bare")


def per_rt(runs: list[dict]) -> list[float]:
    """The server's CPU time per round trip of each run, in µs."""
    return [
        r["server_cpu"] / r["rt_per_s"] * 1e6
        for r in runs
        if r.get("rt_per_s") and "server_cpu" in r
    ]


def against_bare(ok: dict[str, list[dict]], failed: int) -> tuple[str, str]:
    """The bare echo's CPU, and netlab's CPU per round trip over the bare echo's with its
    verdict; dashes for a cell without the bare echo."""
    if not ok["bare"] and not failed:
        return "—", "—"
    bare, netlab = per_rt(ok["bare"]), per_rt(ok["netlab"])
    cores = spread([r["server_cpu"] for r in ok["bare"] if "server_cpu" in r])
    bare_cpu = f"{cores}; {fmt(statistics.median(bare))} µs/rt" if bare else cores
    if failed or not bare or not netlab:
        return bare_cpu, f"no ratio: {failed} bare runs failed" if failed else "—"
    ratio = statistics.median(netlab) / statistics.median(bare)
    verdict = "met" if ratio <= BARE_TARGET else "missed"
    return bare_cpu, f"{ratio:.2f}× (target ≤ {BARE_TARGET}×: {verdict})"


def fmt(x: float) -> str:
    if x >= 1000:
        return f"{x:,.0f}"
    if x >= 100:
        return f"{x:.0f}"
    return f"{x:.1f}" if x >= 10 else f"{x:.2f}"


def spread(values: list[float]) -> str:
    if not values:
        return "—"
    return f"{fmt(statistics.median(values))} ({fmt(min(values))}–{fmt(max(values))})"


def cmd(*args: str) -> str:
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=10).stdout.strip()
    except Exception:
        return "?"


def machine() -> str:
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} CPUs ({model}), Linux {platform.release()}, "
        f"Python {platform.python_version()}, {cmd('go', 'version')}, "
        f"{datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}"
    )


def main() -> int:
    results, readme, elapsed, runs, dur = sys.argv[1:6]
    cells: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    order: list[str] = []
    with open(results) as f:
        for line in f:
            row = json.loads(line)
            if row["cell"] not in order:
                order.append(row["cell"])
            cells[row["cell"]][row["server"]].append(row["r"])

    lines = [
        f"Measured by `bench/run` on {machine()}; {runs} runs per server per cell, "
        f"alternating netlab / reference (/ bare), {dur} timed windows; whole run {elapsed} s; "
        f"{os.environ.get('BENCH_PINNED', 'not pinned')}; netlab's async model on "
        f"{os.environ.get('BENCH_LOOP', '?')}.",
        "Each figure is the median with (min–max). Ratio = netlab median / reference median. "
        "CPU is the server's utime+stime over the window, in cores (1.00 = one core busy), "
        "and for round-trip cells the server's CPU time per round trip, which the noise "
        "of a shared machine moves far less than the rates. The async round-trip and UDP "
        "cells also run a bare uvloop echo (bench/server_cpu.py --serve-bare): the last "
        "column is netlab's median CPU per round trip over the bare echo's.",
        "",
        "| cell | metric | netlab | reference | ratio | target | verdict | "
        "netlab p50 / p99 µs | reference p50 / p99 µs | netlab CPU | reference CPU | "
        "netlab RSS MiB | reference RSS MiB | bare CPU | netlab ÷ bare CPU/rt |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name in order:
        rule = next((r for r in RULES if name.startswith(r[0])), None)
        if rule is None:
            continue
        _, metric, unit, better, target, target_text = rule
        by = cells[name]
        ok = {s: [r for r in by[s] if r.get("ok")] for s in SERVERS}
        failed = {s: len(by[s]) - len(ok[s]) for s in SERVERS}
        vals = {s: [r[metric] for r in ok[s] if metric in r] for s in ok}
        med = {s: statistics.median(v) if v else None for s, v in vals.items()}
        ratio = med["netlab"] / med["reference"] if med["netlab"] and med["reference"] else None
        verdict = "missed"
        if failed["netlab"]:
            errors = {r.get("error", "?") for r in by["netlab"] if not r.get("ok")}
            why = "; ".join(sorted(errors))[:160]
            verdict = f"missed: {failed['netlab']} of {len(by['netlab'])} runs failed ({why})"
        elif ratio is not None:
            if target is None:
                verdict = "met"
            elif better == "higher":
                verdict = "met" if ratio >= target else f"missed ({ratio:.2f}×)"
            else:
                verdict = "met" if ratio <= target else f"missed ({ratio:.2f}×)"
        if name.startswith("hold") and not failed["netlab"]:
            echoed = [r.get("echoed", 0) for r in by["netlab"]]
            conns = [r.get("conns", 0) for r in by["netlab"]]
            verdict += (
                f"; all {conns[0]:,} echoed in every run" if echoed == conns else "; NOT all echoed"
            )
            opens = [r.get("open_secs", 0) for r in ok["netlab"]]
            echoes = [r.get("echo_secs", 0) for r in ok["netlab"]]
            ropens = [r.get("open_secs", 0) for r in ok["reference"]]
            rechoes = [r.get("echo_secs", 0) for r in ok["reference"]]
            median = statistics.median
            verdict += (
                f" (open {fmt(median(opens))} s, echo all {fmt(median(echoes))} s;"
                f" reference {fmt(median(ropens))} s / {fmt(median(rechoes))} s)"
            )
        if name.startswith("udp"):
            lost = {s: sum(r.get("lost", 0) for r in ok[s]) for s in ok}
            bare = f" / {lost['bare']}" if ok["bare"] else ""
            verdict += (
                f"; lost {lost['netlab']} / {lost['reference']}{bare} datagrams (200 ms timeout)"
            )

        def lat(s: str, ok: dict[str, list[dict]] = ok) -> str:
            p50 = [r["p50_us"] for r in ok[s] if "p50_us" in r]
            p99 = [r["p99_us"] for r in ok[s] if "p99_us" in r]
            return f"{fmt(statistics.median(p50))} / {fmt(statistics.median(p99))}" if p50 else "—"

        def col(s: str, key: str, ok: dict[str, list[dict]] = ok) -> str:
            return spread([r[key] for r in ok[s] if key in r])

        def cpu(s: str, ok: dict[str, list[dict]] = ok) -> str:
            cores = col(s, "server_cpu")
            per = [
                r["server_cpu"] / r["rt_per_s"] * 1e6
                for r in ok[s]
                if r.get("rt_per_s") and "server_cpu" in r
            ]
            return f"{cores}; {fmt(statistics.median(per))} µs/rt" if per else cores

        lines.append(
            f"| {name} | {unit} | {spread(vals['netlab'])} | {spread(vals['reference'])} | "
            f"{f'{ratio:.2f}×' if ratio else '—'} | {target_text} | {verdict} | "
            f"{lat('netlab')} | {lat('reference')} | {cpu('netlab')} | {cpu('reference')} | "
            f"{col('netlab', 'server_rss_mib')} | "
            f"{col('reference', 'server_rss_mib')} | "
            f"{' | '.join(against_bare(ok, failed['bare']))} |"
        )
    table = "\n".join(lines)

    with open(readme) as f:
        text = f.read()
    if START in text and END in text:
        text = re.sub(
            re.escape(START) + ".*?" + re.escape(END),
            lambda _: f"{START}\n{table}\n{END}",
            text,
            flags=re.S,
        )
    else:
        text += f"\n{START}\n{table}\n{END}\n"
    with open(readme, "w") as f:
        f.write(text)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
