"""The seeds' lessons: each seed program, what it does, its netlab counterpart ready to
run, what comes back and why, and where the seed's own code behaves otherwise.

A lesson is data (`Lesson`, its steps `Serve`, `WebServe` and `Run`); the catalogue is
in `catalogue.py` and running one is `run.py`'s. The app's Lessons view and `netlab
lessons` show the same lessons and run them the same way: lab servers in a lab, and
each client step as the `netlab` command a person would type, in a process of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from netlab.core.errors import InputError


@dataclass(frozen=True)
class Serve:
    """Start a lab server; later steps write `{name}` where its address goes."""

    name: str
    spec: str
    """As `netlab serve` takes it: "echo:0@iterative"."""
    idle_timeout: float | None = None

    def command(self) -> str:
        idle = f" --idle-timeout {self.idle_timeout:g}" if self.idle_timeout is not None else ""
        return f"netlab serve {self.spec}{idle}"


@dataclass(frozen=True)
class WebServe:
    """Start Python's http.server on loopback, serving an empty directory: the web
    server the HEAD examples ask."""

    name: str = "web"

    def command(self) -> str:
        return "python3 -m http.server --bind 127.0.0.1 0"


@dataclass(frozen=True)
class Run:
    """A netlab command as a person types it; `{name}` is a started server's address."""

    args: tuple[str, ...]
    stdin: str | None = None
    """What is typed into it; None: nothing, its input ends at once."""
    pace: float = 0.0
    """Seconds between the lines of `stdin`, as a person types them one by one."""
    hold: float = 0.0
    """Seconds its input stays open after `stdin` is typed, before it ends."""
    background: bool = False
    """Start it and go on to the next step, as a second terminal would."""
    delay: float = 0.0
    """Seconds to wait before starting it (after the step before it started)."""
    who: str = ""
    """Its name when several clients run at once ("A"), before each line it prints."""
    says: str = ""
    """What this client does, shown beside its command: "types first, stays 1.5 s"."""

    def command(self, places: dict[str, str] | None = None) -> str:
        return "netlab " + " ".join(_quoted(_filled(arg, places or {})) for arg in self.args)

    def argv(self, places: dict[str, str]) -> list[str]:
        return [_filled(arg, places) for arg in self.args]


Step = Serve | WebServe | Run


@dataclass(frozen=True)
class Lesson:
    key: str
    """Short and typeable: "ip", "echo-iterative"."""
    title: str
    """Its line in a list, 21 characters at most: "SimpleEchoServer.go"."""
    program: str
    """The seed program(s): "IP.go"."""
    seeds: str
    """Which of the tutorials show it."""
    what: str
    """What the program does, in netlab's words."""
    steps: tuple[Step, ...]
    came_back: str
    """What the steps bring back, and why."""
    differs: str = ""
    """Where the seed's code, as printed, behaves otherwise than netlab, and why."""
    timed: bool = False
    """Whether its output is shown with the time each line came: when is the lesson."""
    see: str = ""
    """Where in the app to look while it runs."""

    def commands(self, places: dict[str, str] | None = None) -> list[str]:
        return [
            step.command(places) if isinstance(step, Run) else step.command() for step in self.steps
        ]


def find_lesson(text: str) -> tuple[int, Lesson]:
    """The lesson a person names: its number (from 1), its key, or its program's name,
    as in "3", "mask" or "Mask.go"; with its number."""
    from netlab.core.lessons.catalogue import LESSONS

    wanted = text.strip().lower()
    for number, lesson in enumerate(LESSONS, 1):
        names = {str(number), lesson.key, *(p.strip().lower() for p in lesson.program.split(","))}
        names |= {name.removesuffix(".go") for name in names}
        if wanted in names:
            return number, lesson
    raise InputError(
        f"No lesson {text.strip()[:40]!r}: give its number (1 to {len(LESSONS)}), its key such "
        "as daytime, or its program such as Mask.go; `netlab lessons` lists them."
    )


_PLACE = re.compile(r"\{([a-z-]+)\}")


def _filled(arg: str, places: dict[str, str]) -> str:
    """The argument with each `{name}` the address of that server; before it runs, a port
    the system has yet to choose."""
    return _PLACE.sub(lambda found: places.get(found[1], "127.0.0.1:PORT"), arg)


def _quoted(arg: str) -> str:
    import shlex

    return shlex.quote(arg) if arg else "''"
