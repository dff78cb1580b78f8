"""Debian's packages the end-to-end tests drive (tmux, Chromium), which CI installs
while the tests start.

`.ci/run` installs them in the background, beside pip and the first tests, and names a
file in NETLAB_PACKAGES_READY that it writes when apt is done: `ok`, or `failed`. A
test that needs a package waits for that file first (bounded); elsewhere the packages
are there or not, and the tests that need them skip, saying why.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

INSTALL_WAIT = 240.0
"""Seconds apt may take in CI to install the packages (some 35 s on two cores)."""
POLL = 0.2


def wait_for_ci_packages() -> None:
    """Return once CI's install of the packages is done; fail the test if it failed."""
    ready = os.environ.get("NETLAB_PACKAGES_READY")
    if not ready:
        return
    path = Path(ready)
    deadline = time.monotonic() + INSTALL_WAIT
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(POLL)
    if not path.exists():
        pytest.fail(f"CI's install of tmux and Chromium did not end in {INSTALL_WAIT:g} s")
    if path.read_text().strip() != "ok":
        pytest.fail(f"CI could not install tmux and Chromium: see {path.with_suffix('.log')}")
