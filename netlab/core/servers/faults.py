"""Faults a lab server injects on purpose: late, lost, doubled or reordered replies,
connections closed, half-closed or reset, slow reads, one-byte writes, stalls.

A spec such as "delay=200ms~50ms,drop=0.1" names them (parse_faults); a FaultPlan
plays them out on one TCP connection, or on a UDP server's datagrams, deciding for
each reply what happens to it (a Step), and logging each fault as a FAULT event: what
netlab did on purpose, never to be taken for what the peer did. The models (tcp.py,
aio.py, udp.py) carry out the steps; with no faults they never make a plan.

Randomness comes from a random.Random seeded by `seed=N` when given, so a run (or a
test) can be repeated exactly.
"""

from __future__ import annotations

import enum
import random
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from netlab.core.errors import InputError

if TYPE_CHECKING:
    from netlab.core.servers.base import ServerBase
    from netlab.core.servers.protocols import Transport

MAX_FAULTS = 300
"""Characters of a fault spec at most."""
MAX_DELAY = 60.0
"""Seconds a delay may be at most: a fault slows a server, it must not wedge it."""
SLOW_READ = 16
"""Bytes a slow reader takes at a time (read-slowly)."""
SLOW_PAUSE = 0.05
"""Seconds a slow reader pauses before each read: about 320 bytes a second."""
SLOW_RCVBUF = 1
"""What read-slowly asks SO_RCVBUF to be: the system rounds it up to its least."""

TCP_ONLY = frozenset(
    {
        "close-after",
        "half-close-after",
        "reset-after",
        "reset",
        "accept-delay",
        "read-slowly",
        "small-writes",
        "stall",
    }
)
UDP_ONLY = frozenset({"duplicate", "reorder"})
DURATIONS = ("delay", "accept-delay")
FRACTIONS = ("drop", "duplicate", "reorder", "reset")
COUNTS = ("close-after", "half-close-after", "reset-after")
FLAGS = ("read-slowly", "small-writes", "stall")
NAMES = (*DURATIONS[:1], *FRACTIONS, *COUNTS, DURATIONS[1], *FLAGS, "seed")
SHAPE = (
    "write FAULT[,FAULT…], such as delay=200ms~50ms,drop=0.1; the faults are "
    "delay, drop, duplicate, reorder, reset, close-after, half-close-after, reset-after, "
    "accept-delay, read-slowly, small-writes, stall (and seed=N)"
)
_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ms|s)")


@dataclass(frozen=True)
class Faults:
    """What a server is to do wrong, as parsed; the zero of each is "not at all"."""

    given: tuple[tuple[str, str], ...] = ()
    """Each fault as written, by name: ("delay", "delay=200ms~50ms"); what the log cites."""
    delay: float = 0.0
    jitter: float = 0.0
    """Seconds the delay varies either way, uniformly."""
    drop: float = 0.0
    duplicate: float = 0.0
    reorder: float = 0.0
    reset: float = 0.0
    close_after: int = 0
    half_close_after: int = 0
    reset_after: int = 0
    accept_delay: float = 0.0
    read_slowly: bool = False
    small_writes: bool = False
    stall: bool = False
    seed: int | None = None

    def text(self) -> str:
        """The spec, as parse_faults reads it."""
        return ",".join(written for _, written in self.given)

    def cite(self, name: str) -> str:
        """How the log names the fault that did something: "(fault delay=200ms)"."""
        return f"(fault {dict(self.given).get(name, name)})"

    def check(self, transport: Transport) -> None:
        """Raise InputError when a fault makes no sense over `transport`."""
        wrong = TCP_ONLY if transport == "udp" else UDP_ONLY
        for name, _ in self.given:
            if name in wrong:
                other = "TCP" if transport == "udp" else "UDP"
                raise InputError(f"{name} is for {other} servers only: leave it out here.")


NO_FAULTS = Faults()


def parse_faults(text: str | None) -> Faults | None:
    """Parse "F[,F…]", e.g. "delay=200ms~50ms,drop=0.1"; None for nothing given."""
    text = (text or "").strip()
    if not text:
        return None
    if len(text) > MAX_FAULTS:
        raise InputError(f"That fault spec is too long ({len(text)} characters): {SHAPE}.")
    values: dict[str, object] = {}
    given: list[tuple[str, str]] = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            raise InputError(f"An empty fault in {text!r}: {SHAPE}.")
        name, has_value, value = (part.strip() for part in item.partition("="))
        name = name.lower()
        if name not in NAMES:
            raise InputError(f"Unknown fault {name!r}: use {', '.join(NAMES)}.")
        if any(name == seen for seen, _ in given):
            raise InputError(f"{name} is given twice: give each fault once.")
        key = name.replace("-", "_")
        if name in FLAGS:
            if has_value:
                raise InputError(f"{name} takes no value: write {name} alone.")
            values[key] = True
        elif not value:
            raise InputError(f"{name} needs a value, as in {_EXAMPLES[name]}.")
        elif name == "delay":
            base, _, jitter = value.partition("~")
            values["delay"] = _duration(name, base)
            values["jitter"] = _duration(name, jitter) if jitter else 0.0
        elif name == "accept-delay":
            values[key] = _duration(name, value)
        elif name in FRACTIONS:
            values[key] = _fraction(name, value)
        else:
            values[key] = _count(name, value)
        given.append((name, f"{name}={value}" if has_value else name))
    return Faults(given=tuple(given), **values)  # type: ignore[arg-type]  # checked above


_EXAMPLES = {
    "delay": "delay=200ms or delay=1.5s~200ms",
    "accept-delay": "accept-delay=500ms",
    "drop": "drop=0.1",
    "duplicate": "duplicate=0.1",
    "reorder": "reorder=0.1",
    "reset": "reset=0.05",
    "close-after": "close-after=3",
    "half-close-after": "half-close-after=1",
    "reset-after": "reset-after=2",
    "seed": "seed=7",
}


def _duration(name: str, text: str) -> float:
    match = _DURATION.fullmatch(text.strip().lower())
    seconds = -1.0
    if match:
        number, unit = match.groups()
        seconds = float(number) / (1000 if unit == "ms" else 1)
    if not 0 <= seconds <= MAX_DELAY:
        raise InputError(
            f"{name} must be a time with its unit, ms or s, up to {MAX_DELAY:.0f} s, "
            f"as in {_EXAMPLES[name]}."
        )
    return seconds


def _fraction(name: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        raise InputError(f"{name} must be a fraction from 0 to 1, as in {_EXAMPLES[name]}.")
    return value


def _count(name: str, text: str) -> int:
    if not text.isdigit() or not 0 < int(text) <= 1_000_000_000:
        what = "a seed" if name == "seed" else "a count of replies"
        raise InputError(f"{name} must be {what}, a whole number from 1, as in {_EXAMPLES[name]}.")
    return int(text)


class Then(enum.Enum):
    """What becomes of a TCP connection once a step's reply is sent (or not)."""

    GO_ON = "go on"
    CLOSE = "close"
    HALF_CLOSE = "half-close"
    RESET = "reset"


@dataclass(slots=True)
class Step:
    """What to do with one reply: wait `delay` seconds, send `data` (None: nothing),
    `copies` times (UDP), then `then`; `after` is the fault to log once that is done."""

    data: bytes | None
    delay: float = 0.0
    copies: int = 1
    small_writes: bool = False
    hold: bool = False
    """UDP reorder: keep this reply, and send it after the next one."""
    then: Then = Then.GO_ON
    after: str = ""


@dataclass
class FaultPlan:
    """Faults playing out on one TCP connection, or on one UDP server's datagrams.

    `faults` may be changed while it plays (set_faults): what it has done stays done,
    and a connection half-closed stays so.
    """

    server: ServerBase
    peer: str
    faults: Faults
    random: random.Random = field(init=False)
    replies: int = 0
    """Messages answered so far, a dropped reply too: what the -after counts count."""
    write_shut: bool = False
    """Half-closed by a fault: the peer is read, never written to again."""
    told_slow_reads: bool = False

    def __post_init__(self) -> None:
        self.random = random.Random(self.faults.seed)

    def tell(self, detail: str, peer: str | None = None) -> None:
        self.server.fault(self.peer if peer is None else peer, detail)

    def chance(self, fraction: float) -> bool:
        return fraction > 0 and self.random.random() < fraction

    def stalls(self) -> bool:
        """Whether this connection is left hanging, neither read nor written (stall)."""
        if self.faults.stall:
            self.tell(f"stalled: not reading or writing {self.faults.cite('stall')}")
        return self.faults.stall

    def step(self, reply: bytes) -> Step:
        """What to do with the reply to one message (b"" for a message with none)."""
        faults = self.faults
        if self.write_shut:
            return Step(None)  # reading on after a half-close: nothing goes out
        if faults.reset_after and self.replies >= faults.reset_after:
            self.tell(f"reset the connection {faults.cite('reset-after')}")
            return Step(None, then=Then.RESET)
        if self.chance(faults.reset):
            self.tell(f"reset the connection {faults.cite('reset')}")
            return Step(None, then=Then.RESET)
        self.replies += 1
        step = Step(reply, small_writes=faults.small_writes and len(reply) > 1)
        if self.chance(faults.drop):
            self.tell(f"dropped the reply {faults.cite('drop')}")
            step.data = None
        elif faults.delay:
            spread = faults.jitter
            delay = faults.delay + (self.random.uniform(-spread, spread) if spread else 0.0)
            step.delay = delay = max(0.0, delay)
            self.tell(f"delayed the reply {delay * 1000:.0f} ms {faults.cite('delay')}")
        if step.data is not None:
            if self.chance(faults.duplicate):
                step.copies = 2
                self.tell(f"sent the reply twice {faults.cite('duplicate')}")
            # Told by the server as it holds it: with one held already, this one goes
            # first and the held one after it, and nothing more is held.
            step.hold = self.chance(faults.reorder)
        if faults.close_after and self.replies == faults.close_after:
            step.then = Then.CLOSE
            step.after = f"closed the connection {faults.cite('close-after')}"
        elif faults.half_close_after and self.replies == faults.half_close_after:
            step.then = Then.HALF_CLOSE
            step.after = f"half-closed: sent FIN, still reading {faults.cite('half-close-after')}"
        return step

    def reads_slowly(self) -> bool:
        """Whether to read slowly now (read-slowly); said in the log the first time."""
        if self.faults.read_slowly and not self.told_slow_reads:
            self.told_slow_reads = True
            rate = SLOW_READ / SLOW_PAUSE
            self.tell(
                f"reading slowly, about {rate:.0f} bytes a second {self.faults.cite('read-slowly')}"
            )
        return self.faults.read_slowly

    def wrote_slowly(self, size: int) -> None:
        self.tell(
            f"wrote the reply one byte a send, {size} sends {self.faults.cite('small-writes')}"
        )


def late_text(faults: Faults) -> str:
    """The accept-delay fault, as logged."""
    late = f"{faults.accept_delay * 1000:.0f} ms"
    return f"took the connection {late} late {faults.cite('accept-delay')}"


class FaultLimit:
    """How many FAULT events a server logs a second: as many as its messages, the rest
    counted and told in one line, so a flood of faults neither floods the log nor hides."""

    __slots__ = ("logged", "rate", "second", "unlogged")

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self.second = -1
        self.logged = 0
        self.unlogged = 0

    def admit(self, now: float) -> tuple[bool, int]:
        """Whether a fault at `now` is logged, and how many went unlogged before it
        (to be told first)."""
        second = int(now)
        if second != self.second:
            self.second = second
            self.logged = 0
        if self.logged >= self.rate:
            self.unlogged += 1
            return False, 0
        self.logged += 1
        unlogged, self.unlogged = self.unlogged, 0
        return True, unlogged

    def take(self) -> int:
        """The faults not logged one by one, and not yet told."""
        unlogged, self.unlogged = self.unlogged, 0
        return unlogged
