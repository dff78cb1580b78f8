"""The one asyncio event loop that every async-model server shares, in one daemon thread.

The loop starts on first use. Servers hand it work with `run()` (wait for a
coroutine's result, bounded) or `call()` (fire and forget); everything they keep
per connection is then touched only from the loop's thread, so the hot path takes
no locks. `shutdown()` stops any server still on the loop, stops the loop and
joins its thread; the next use starts a fresh one.

The loop is uvloop's where uvloop is installed (it is a dependency wherever it
builds): the same asyncio API, with the socket work in libuv, which is what lets one
Python thread keep up with a goroutine-per-connection Go server. Plain asyncio is
the fallback, and NETLAB_LOOP=asyncio asks for it.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import threading
import weakref
from collections.abc import Callable, Coroutine
from typing import Any, Protocol, TypeVar

T = TypeVar("T")

RUN_TIMEOUT = 2.0
"""How long run() waits for the loop, unless told otherwise."""


class Stoppable(Protocol):
    def stop(self) -> None: ...


_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_thread: threading.Thread | None = None
_users: weakref.WeakSet[Any] = weakref.WeakSet()


def new_loop() -> asyncio.AbstractEventLoop:
    """A fresh loop: uvloop's when installed, unless NETLAB_LOOP=asyncio."""
    if os.environ.get("NETLAB_LOOP", "").lower() != "asyncio":
        try:
            import uvloop
        except ImportError:
            pass
        else:
            return uvloop.new_event_loop()
    return asyncio.new_event_loop()


def loop_kind() -> str:
    """'uvloop' or 'asyncio': what the shared loop is, or would be when started."""
    return type(_loop or new_loop()).__module__.split(".")[0]


def _run_forever(loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
    asyncio.set_event_loop(loop)
    loop.call_soon(ready.set)
    try:
        loop.run_forever()
    finally:
        try:
            tasks = asyncio.all_tasks(loop)
            for task in tasks:
                task.cancel()
            if tasks:
                loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()


def get_loop() -> asyncio.AbstractEventLoop:
    """The shared loop, started (with its thread) if it is not running."""
    global _loop, _thread
    with _lock:
        if _loop is not None and _thread is not None and _thread.is_alive():
            return _loop
        loop = new_loop()
        ready = threading.Event()
        thread = threading.Thread(
            target=_run_forever, args=(loop, ready), name="netlab asyncio servers", daemon=True
        )
        thread.start()
        if not ready.wait(RUN_TIMEOUT):  # pragma: no cover - a wedged machine
            raise RuntimeError("the asyncio server loop did not start")
        _loop, _thread = loop, thread
        return loop


def in_loop_thread() -> bool:
    return _thread is not None and threading.current_thread() is _thread


def run(coro: Coroutine[Any, Any, T], timeout: float = RUN_TIMEOUT) -> T:
    """Run `coro` on the shared loop and wait, at most `timeout` seconds, for its result."""
    if in_loop_thread():
        coro.close()
        raise RuntimeError("run() would wait on the loop from the loop's own thread")
    future = asyncio.run_coroutine_threadsafe(coro, get_loop())
    try:
        return future.result(timeout)
    except TimeoutError:
        future.cancel()
        raise


def call(callback: Callable[..., object], *args: object) -> None:
    """Have the shared loop call `callback(*args)` soon; returns at once."""
    get_loop().call_soon_threadsafe(callback, *args)


def register(user: Stoppable) -> None:
    """Note a server on the loop, so shutdown() can stop it first."""
    _users.add(user)


def running() -> bool:
    return _thread is not None and _thread.is_alive()


def shutdown(timeout: float = 1.0) -> None:
    """Stop every server still on the loop, then the loop itself, and join its thread."""
    global _loop, _thread
    if in_loop_thread():
        raise RuntimeError("shutdown() cannot be called from the loop's own thread")
    for user in list(_users):
        with contextlib.suppress(Exception):
            user.stop()
    with _lock:
        loop, thread = _loop, _thread
        _loop = _thread = None
    if loop is None or thread is None:
        return
    with contextlib.suppress(RuntimeError):  # already closed
        loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout)


atexit.register(shutdown)
