"""Run one netlab echo server for bench/run, with event logging on.

Starts TcpServer or UdpServer("echo", model=...) with an EventBus that a thread keeps
draining (events are produced and consumed, then thrown away: counted only), prints
"tcp 127.0.0.1:PORT" (or udp) as its first line, and serves until SIGTERM or SIGINT.

    python bench/netlab_server.py --model async [--udp]

For benchmarking only: the idle timeout is off (idle connections must be held), up to
20,000 connections are allowed, and the UDP per-source rate limit is set out of reach
(every client is 127.0.0.1, so the default 100/s would measure the limiter).
"""

from __future__ import annotations

import argparse
import resource
import signal
import sys
import threading

from netlab.core.bus import EventBus
from netlab.core.servers import TcpServer, UdpServer


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="async", choices=["threaded", "iterative", "async"])
    parser.add_argument("--udp", action="store_true")
    args = parser.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if not args.udp:
        threading.stack_size(256 * 1024)  # 10,000 threads: keep address space modest

    bus = EventBus()
    done = threading.Event()
    drained = 0

    def drain() -> None:
        nonlocal drained
        while not done.is_set():
            if bus.wait(0.1):
                drained += len(bus.drain())

    drainer = threading.Thread(target=drain, name="bus drainer", daemon=True)
    drainer.start()

    if args.udp:
        server: TcpServer | UdpServer = UdpServer("echo", model=args.model, bus=bus, rate=1e12)
    else:
        # The load generator opens every connection from 127.0.0.1, at once: no per-source
        # limits, as the loose UDP rate above.
        server = TcpServer(
            "echo",
            model=args.model,
            bus=bus,
            idle_timeout=None,
            max_conns=20000,
            per_source=None,
            cps=None,
        )
    host, port = server.start()
    print(f"{'udp' if args.udp else 'tcp'} {host}:{port}", flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(0.2):
        pass
    server.stop()
    done.set()
    drainer.join(1.0)
    drained += len(bus.drain())
    print(
        f"events published {bus.published}, drained {drained}, dropped {bus.dropped}",
        file=sys.stderr,
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
