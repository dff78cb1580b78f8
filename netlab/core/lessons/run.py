"""Running a lesson: its servers started, its clients run as the `netlab` commands a
person would type, each in a process of its own, and every line they print said as it
comes.

Who runs it decides where servers go (`start_server`: the app's lab, so they show in
the Servers view; or a lab of `netlab lessons`' own) and where lines go (`say`, called
from the runner's threads). Every wait is bounded: a step still running after
`step_timeout` is stopped and said to have been.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Literal

from netlab.core.lessons import Lesson, Run, Serve, WebServe
from netlab.core.servers import ServerOptions, parse_spec

if TYPE_CHECKING:
    from netlab.core.lab import Lab, Server

Kind = Literal["command", "output", "note", "error"]
Say = Callable[[Kind, str], None]
StartServer = Callable[[Serve], str]
"""Starts the lab server a step asks for and returns where it listens: "127.0.0.1:4100"."""

NETLAB = (sys.executable, "-m", "netlab")
"""The netlab the steps run: this one, whichever way it was installed."""

STEP_TIMEOUT = 15.0


def start_in_lab(lab: Lab, step: Serve) -> Server:
    """The step's server, started in `lab` (what a StartServer does with it)."""
    options: ServerOptions = {}
    if step.idle_timeout is not None:
        options["idle_timeout"] = step.idle_timeout
    return lab.start_server(step.spec, **options)


class LessonRun:
    """One run of one lesson; `stop()` from any thread ends it early."""

    def __init__(
        self,
        lesson: Lesson,
        start_server: StartServer,
        say: Say,
        *,
        netlab: tuple[str, ...] = NETLAB,
        step_timeout: float = STEP_TIMEOUT,
    ) -> None:
        self.lesson = lesson
        self._start_server = start_server
        self._say = say
        self._netlab = netlab
        self._step_timeout = step_timeout
        self._stopping = threading.Event()
        self._started = 0.0
        self._processes: list[subprocess.Popen[bytes]] = []
        self._readers: list[threading.Thread] = []
        self._lock = threading.Lock()

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            for process in self._processes:
                with contextlib.suppress(OSError):
                    process.kill()

    def run(self) -> None:
        """Run every step in order, then wait (bounded) for those left running beside."""
        self._started = time.monotonic()
        places: dict[str, str] = {}
        with _web_servers() as start_web:
            try:
                for step in self.lesson.steps:
                    if self._stopping.is_set():
                        return
                    if isinstance(step, Serve):
                        self._say("command", f"$ {step.command()}")
                        places[step.name] = where = self._start_server(step)
                        spec = parse_spec(step.spec)
                        self._say("note", f"{spec.transport}/{spec.kind} listening on {where}")
                    elif isinstance(step, WebServe):
                        self._say("command", f"$ {step.command()}")
                        places[step.name] = where = start_web()
                        self._say("note", f"Serving HTTP on {where}")
                    else:
                        self._run_client(step, places)
                self._wait_for_all()
            finally:
                self.stop()

    def _run_client(self, step: Run, places: dict[str, str]) -> None:
        if step.delay and self._stopping.wait(step.delay):
            return
        client = f"client {step.who}: " if step.who else ""
        says = f"   ({client}{step.says})" if step.says else ""
        self._say("command", f"$ {step.command(places)}{says}")
        process = subprocess.Popen(
            [*self._netlab, *step.argv(places)],
            stdin=subprocess.PIPE if step.stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            # Each line as it is printed, not when the pipe's buffer fills: when is the lesson.
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        with self._lock:
            self._processes.append(process)
        reader = threading.Thread(
            target=self._read, args=(process, step.who), name="netlab lesson output", daemon=True
        )
        reader.start()
        self._readers.append(reader)
        if step.stdin is not None:
            threading.Thread(
                target=self._type, args=(process, step), name="netlab lesson input", daemon=True
            ).start()
        if not step.background:
            self._wait_for(process, reader)

    def _type(self, process: subprocess.Popen[bytes], step: Run) -> None:
        """Type the step's input, keep it open `hold` seconds, then end it."""
        assert process.stdin is not None
        with contextlib.suppress(OSError):
            for number, line in enumerate((step.stdin or "").splitlines(keepends=True)):
                if number and self._stopping.wait(step.pace):
                    break
                process.stdin.write(line.encode())
                process.stdin.flush()
            self._stopping.wait(step.hold)
            process.stdin.close()

    def _read(self, process: subprocess.Popen[bytes], who: str) -> None:
        assert process.stdout is not None
        for raw in process.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if self.lesson.timed:
                elapsed = time.monotonic() - self._started
                name = f"{who}  " if who else ""
                self._say("output", f"  {elapsed:5.2f} s  {name}{line}")
            else:
                self._say("output", f"  {line}")

    def _wait_for(self, process: subprocess.Popen[bytes], reader: threading.Thread) -> None:
        try:
            process.wait(self._step_timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            self._say("error", f"  (still running after {self._step_timeout:g} s: stopped)")
            process.wait()
        reader.join(self._step_timeout)

    def _wait_for_all(self) -> None:
        with self._lock:
            processes = list(self._processes)
        for process, reader in zip(processes, self._readers, strict=True):
            self._wait_for(process, reader)


@contextlib.contextmanager
def _web_servers() -> Iterator[Callable[[], str]]:
    """Start Python's http.server on 127.0.0.1, any free port, serving an empty directory
    (as many as asked); all are stopped when the block ends."""
    import functools
    import http.server
    import tempfile

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass  # the lesson shows what the client saw; stderr belongs to the app

    servers: list[http.server.ThreadingHTTPServer] = []
    with tempfile.TemporaryDirectory(prefix="netlab-lesson-") as empty:

        def start() -> str:
            handler = functools.partial(Quiet, directory=empty)
            server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
            servers.append(server)
            threading.Thread(
                target=server.serve_forever, name="netlab lesson web", daemon=True
            ).start()
            return f"127.0.0.1:{server.server_address[1]}"

        try:
            yield start
        finally:
            for server in servers:
                server.shutdown()
                server.server_close()
