"""One browser tab's app: a netlab process that draws for the page, not a terminal.

The app runs with Textual's web driver, which speaks a small framed protocol on its
standard streams. After a line `__GANGLION__`, each frame is a type byte, a four-byte
big-endian length and the payload: `D` is terminal output (or, towards the app, the
keys the page typed), `M` a JSON object (a resize, focus, quit; from the app, its
exit). The tab relays frames between the process and the page's websocket, awaiting
each send: a page that reads slowly slows the app's output rather than piling it up.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import json
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from netlab.core.safetext import safe_bytes

PRELUDE = b"__GANGLION__\n"
PRELUDE_LINES = 20
"""Lines an app may print before its prelude (a warning, say) and still be heard."""


@dataclass(frozen=True)
class Waits:
    """How long a tab waits on its page and its app, in seconds."""

    write: float = 10.0
    """For a page to take what the app draws, before the page is taken as gone."""
    quit: float = 5.0
    """For an app to quit when asked: its lab stops its servers first (up to 2 s)."""
    kill: float = 2.0
    """For an app to end on SIGTERM, then on SIGKILL."""


WAITS = Waits()


STDERR_KEPT = 4096
"""The last bytes of an app's stderr kept, to say why it ended."""

Send = Callable[[bytes], Awaitable[None]]


def app_command(attach: str | None) -> list[str]:
    """The netlab app, on a lab of its own or on the lab served at `attach`."""
    command = [sys.executable, "-m", "netlab"]
    return command if attach is None else [*command, "--attach", attach]


def _frame(kind: bytes, payload: bytes) -> bytes:
    return kind + len(payload).to_bytes(4, "big") + payload


class AppTab:
    """The app behind one websocket, from its start to its end."""

    def __init__(
        self, number: int, command: Sequence[str], width: int, height: int, waits: Waits = WAITS
    ) -> None:
        self.number = number
        self._waits = waits
        self._command = list(command)
        self._size = (width, height)
        self._process: asyncio.subprocess.Process | None = None
        self._stderr = bytearray()
        self._stderr_task: asyncio.Task[None] | None = None
        self.dropped = ""
        """Why the page was let go, when it was: it stopped reading."""

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    async def start(self) -> None:
        width, height = self._size
        env = dict(os.environ)
        env.update(
            TEXTUAL_DRIVER="textual.drivers.web_driver:WebDriver",
            TEXTUAL_FPS="60",
            TEXTUAL_COLOR_SYSTEM="truecolor",
            TERM_PROGRAM="textual",
            COLUMNS=str(width),
            ROWS=str(height),
        )
        self._process = await asyncio.create_subprocess_exec(
            *self._command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
            **_SESSION,
        )
        self._stderr_task = asyncio.create_task(self._keep_stderr())

    async def relay(
        self,
        send_output: Send,
        on_exit: Callable[[], Awaitable[Any]],
        drop_page: Callable[[], None],
    ) -> None:
        """Pass the app's output to the page until the app ends or says it exits.

        A page that takes nothing for `Waits.write` is dropped (`drop_page`), so that
        it holds up neither the app nor a stop. Once the page has gone, the rest is
        read and let go: an app blocked on a full pipe could not hear it is asked to quit.
        """
        assert self._process is not None and self._process.stdout is not None
        stdout = self._process.stdout
        page_gone = False
        with contextlib.suppress(asyncio.IncompleteReadError):
            for _ in range(PRELUDE_LINES):
                line = await stdout.readline()
                if not line or line == PRELUDE:
                    break
            while True:
                kind = await stdout.readexactly(1)
                size = int.from_bytes(await stdout.readexactly(4), "big")
                payload = await stdout.readexactly(size)
                if kind == b"D" and not page_gone:
                    try:
                        await asyncio.wait_for(send_output(payload), self._waits.write)
                    except TimeoutError:
                        self.dropped = f"the page read nothing for {self._waits.write:g} s"
                        page_gone = True
                        drop_page()
                    except ConnectionError:
                        page_gone = True
                elif kind == b"M" and _meta_type(payload) == "exit":
                    break
        await on_exit()

    async def type(self, text: str) -> None:
        """Keys the page typed, as the bytes a terminal would send."""
        await self._write(_frame(b"D", text.encode("utf-8", "surrogatepass")))

    async def meta(self, **fields: Any) -> None:
        """A resize, focus or blur, as the web driver reads them."""
        await self._write(_frame(b"M", json.dumps(fields).encode()))

    async def _write(self, frame: bytes) -> None:
        process = self._process
        if process is None or process.stdin is None or process.returncode is not None:
            return
        with contextlib.suppress(ConnectionError, RuntimeError):
            process.stdin.write(frame)
            await process.stdin.drain()

    async def stop(self) -> str:
        """End the app: asked to quit, then SIGTERM, then SIGKILL. Says how it ended."""
        process = self._process
        if process is None:
            return "never started"
        if process.returncode is None:
            # Bounded: an app that reads nothing leaves the pipe full, and SIGTERM follows.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.meta(type="quit"), self._waits.quit)
            for how in (None, signal.SIGTERM, _KILL):
                if how is not None:
                    with contextlib.suppress(ProcessLookupError):
                        _signal(process, how)
                try:
                    wait = self._waits.quit if how is None else self._waits.kill
                    await asyncio.wait_for(process.wait(), wait)
                    break
                except TimeoutError:
                    continue
        if self._stderr_task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(self._stderr_task, self._waits.kill)
        return self.ending()

    def ending(self) -> str:
        """How the app ended, for the terminal: its status, and its last error line."""
        process = self._process
        if process is None or process.returncode is None:
            return "still running"
        code = process.returncode
        dropped = f"{self.dropped}; " if self.dropped else ""
        if code == 0:
            return f"{dropped}the app ended"
        how = f"signal {-code}" if code < 0 else f"status {code}"
        lines = bytes(self._stderr).strip().splitlines()
        last = f": {safe_bytes(lines[-1])}" if lines else ""  # shown, never obeyed, by a terminal
        return f"{dropped}the app ended with {how}{last}"

    async def _keep_stderr(self) -> None:
        assert self._process is not None and self._process.stderr is not None
        while chunk := await self._process.stderr.read(4096):
            self._stderr += chunk
            del self._stderr[:-STDERR_KEPT]


_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform == "linux" else None
PR_SET_PDEATHSIG = 1


def _end_with_parent() -> None:
    """In the app's process, before netlab starts: SIGTERM (which the web driver takes
    as quit) when netlab web ends, even killed: else its apps, each in a session of
    its own, would run on with no page and their labs' ports taken. Linux only."""
    if _LIBC is not None:
        _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


_SESSION: dict[str, Any] = (
    # Ctrl-C at the terminal is netlab web's to hand on, and its death the app's end.
    {"start_new_session": True, "preexec_fn": _end_with_parent} if os.name == "posix" else {}
)


_KILL = getattr(signal, "SIGKILL", signal.SIGTERM)  # Windows has no SIGKILL: kill() is it


def _signal(process: asyncio.subprocess.Process, number: signal.Signals) -> None:
    """SIGTERM or SIGKILL to the app and whatever it started in its session."""
    if os.name == "posix":
        os.killpg(process.pid, number)
    elif number is _KILL:
        process.kill()
    else:
        process.terminate()


def _meta_type(payload: bytes) -> str | None:
    try:
        value = json.loads(payload)
    except ValueError:
        return None
    return value.get("type") if isinstance(value, dict) else None
