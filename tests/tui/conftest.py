"""Every snapshot's script begins once all of the app's panes are built.

The app shows its first frame with only the Address pane and builds the others just
after (see NetlabApp.on_mount). A person sees the app appear before they type; a
script's first key comes at once, so here each snapshot's script first waits
(bounded) for the panes, as a person would. App tests run the app with
`tests.tui.running.running`, which waits the same way.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest
import textual.constants
from textual.pilot import Pilot

from tests.tui.running import panes_built

# The apps these tests run move their tab bar's underline at once. Pilot waits for every
# animation to end after each key, so the underline's glide made each change of view
# cost half a second of waiting; where it ends is the same. The tmux suite runs the
# installed app as a person does, animations and all.
textual.constants.TEXTUAL_ANIMATIONS = "none"  # type: ignore[misc]


@pytest.fixture
def snap_compare(snap_compare: Callable[..., bool]) -> Callable[..., bool]:
    """pytest-textual-snapshot's snap_compare, its script run once the panes are built."""

    def compare(app: Any, *args: Any, run_before: Any = None, **kwargs: Any) -> bool:
        async def ready_then(pilot: Pilot[Any]) -> None:
            await panes_built(pilot)
            if run_before is not None:
                result = run_before(pilot)
                if inspect.isawaitable(result):
                    await result

        return snap_compare(app, *args, run_before=ready_then, **kwargs)

    return compare
