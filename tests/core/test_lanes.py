"""Commands beside the control socket's reader: in order within a lane, bounded in all."""

from __future__ import annotations

import threading

import pytest

from netlab.core.engine import lanes as lanes_module
from netlab.core.engine.lanes import Lanes
from tests.waits import wait_until


def test_one_lanes_jobs_run_in_order_and_lanes_run_beside_each_other() -> None:
    lanes = Lanes("test")
    release = threading.Event()
    done: list[str] = []
    assert lanes.run("a", lambda: release.wait(5))  # a blocked send, say
    assert lanes.run("a", lambda: done.append("a2"))
    assert lanes.run("b", lambda: done.append("b1"))
    assert wait_until(lambda: done == ["b1"], 2)  # b is not behind a
    release.set()
    assert wait_until(lambda: done == ["b1", "a2"], 2)


def test_beyond_max_lanes_a_new_lane_is_refused_not_queued(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(lanes_module, "MAX_LANES", 2)
    lanes = Lanes("test")
    release = threading.Event()
    try:
        assert lanes.run("a", lambda: release.wait(5))
        assert lanes.run("b", lambda: release.wait(5))
        assert not lanes.run("c", lambda: None)
        assert lanes.run("a", lambda: None)  # a busy lane still takes more, in turn
    finally:
        release.set()
    assert wait_until(lambda: lanes.run("c", lambda: None), 2)  # room again
