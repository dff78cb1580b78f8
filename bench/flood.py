"""Synthetic floods of lab events for app_bench.py: a Producer thread publishing echo
traffic's events to a bus, and a lab engine whose own bus it floods on cue.

    python bench/flood.py RATE SECONDS PATH

serves a Lab at the Unix socket PATH (a ControlServer, as the app's lab engine does:
its events reach whoever attaches through the control socket, at most MAX_PENDING a tick,
the rest counted as dropped) and prints "control PATH" once it listens. On SIGUSR1 a
Producer publishes RATE events a second, for SECONDS, for the newest server of the lab;
it prints "flood N events in S s" when done. SIGTERM (or SIGINT) ends it, stopping its
servers. Loopback only; every loop bounded in count and time.
"""

from __future__ import annotations

import signal
import sys
import threading
import time

from netlab.core.bus import EventBus
from netlab.core.events import Kind, message_event

HOST = "127.0.0.1"
FLOOD_MAX_EVENTS = 20_000_000
LIFETIME = 600.0
"""Seconds a flooding engine lives at most, whoever forgets to stop it."""


class Producer(threading.Thread):
    """Publishes echo traffic's events (received, sent) for one server: as fast as it can,
    or `rate` a second, in bursts of 1,000."""

    def __init__(
        self, bus: EventBus, source: str, seconds: float, rate: float | None = None
    ) -> None:
        super().__init__(name="bench producer", daemon=True)
        self.rate = rate
        self.bus = bus
        self.source = source
        self.seconds = seconds
        self.halt = threading.Event()
        self.published = 0
        self.started_at = 0.0
        self.stopped_at = 0.0
        # Text lines, each received and then sent back, as an echo server logs them:
        # 4,096 different ones, so the log's per-batch cache of made-safe data only
        # spares the second event of each pair.
        self.payloads = [
            f"{n:06d} the quick brown fox jumps over the lazy dog 0123456789\r\n".encode()[:64]
            for n in range(4096)
        ]
        self.peers = [f"{HOST}:{50000 + n}" for n in range(100)]

    def run(self) -> None:
        publish, source, payloads, peers = self.bus.publish, self.source, self.payloads, self.peers
        received, sent = Kind.RECEIVED, Kind.SENT
        n = 0
        self.started_at = time.perf_counter()
        deadline = self.started_at + self.seconds
        while n < FLOOD_MAX_EVENTS and not self.halt.is_set():
            if time.perf_counter() >= deadline:
                break
            for i in range(n, n + 1000, 2):
                peer, data = peers[i % 100], payloads[i % 4096]
                publish(message_event(received, source, peer, data))
                publish(message_event(sent, source, peer, data))
            n += 1000
            if self.rate:
                ahead = self.started_at + n / self.rate - time.perf_counter()
                if ahead > 0:
                    self.halt.wait(ahead)
        self.stopped_at = time.perf_counter()
        self.published = n


def serve(path: str, rate: float, seconds: float) -> int:
    """The engine's loop (netlab.core.engine.__main__), with a flood on SIGUSR1."""
    from netlab.core.engine.control import ControlServer
    from netlab.core.lab import Lab

    lab = Lab()
    control = ControlServer(lab, path).start()
    stop = threading.Event()
    floods: list[Producer] = []

    def flood(*_: object) -> None:
        if not floods and lab.servers:
            newest = list(lab.servers)[-1]
            floods.append(Producer(lab.bus, newest, seconds, rate))
            floods[0].start()

    signal.signal(signal.SIGUSR1, flood)
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(f"control {path}", flush=True)
    ends = time.monotonic() + LIFETIME
    try:
        while not stop.is_set() and time.monotonic() < ends:
            lab.bus.wait(0.05)
            control.publish(lab.bus.drain())
    finally:
        for producer in floods:
            producer.halt.set()
            producer.join(2.0)
            spent = producer.stopped_at - producer.started_at
            print(f"flood {producer.published} events in {spent:.3f} s", flush=True)
        control.close("the flooding engine stopped")
        lab.close()
    return 0


if __name__ == "__main__":
    sys.exit(serve(sys.argv[3], float(sys.argv[1]), float(sys.argv[2])))
