"""Run Python code in a network namespace of its own: only a loopback, nothing leaves.

Failure paths need a machine that behaves differently from this one: where
loopback ignores pings, where an ordinary user may not open ICMP sockets, where
there is no DNS at all. A fresh namespace (`unshare -n`) is such a machine, for
real, and no packet can reach any other address from inside it.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOBODY = 65534


def run_isolated(
    code: str,
    *,
    sysctls: dict[str, str] | None = None,
    as_nobody: bool = False,
    timeout: float = 30,
) -> Any:
    """Run `code` in a new network namespace and return the JSON it prints last.

    Skips the calling test where namespaces cannot be made (not root, no unshare).
    """
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        pytest.skip("needs unshare and ip (util-linux, iproute2)")
    steps = ["ip link set lo up"]
    steps += [f"sysctl -q -w {key}={shlex.quote(value)}" for key, value in (sysctls or {}).items()]
    python = [sys.executable, "-c", code]
    if as_nobody:
        python = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *python]
    steps.append(shlex.join(python))
    result = subprocess.run(
        ["unshare", "--net", "sh", "-ec", " && ".join(steps)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        check=False,
    )
    if result.returncode != 0 and "unshare" in result.stderr and "ermission" in result.stderr:
        pytest.skip(f"cannot make a network namespace here: {result.stderr.strip()}")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])
