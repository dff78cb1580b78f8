"""Run the real `netlab` entry point in a child process, as a person would."""

from __future__ import annotations

import subprocess
import sys


def netlab(
    *args: str, timeout: float = 20, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "netlab", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        input=stdin,
        check=False,
    )
