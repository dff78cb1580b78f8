"""Run Python code in a network namespace of its own: only a loopback, nothing leaves.

Failure paths need a machine that behaves differently from this one: where
loopback ignores pings, where an ordinary user may not open ICMP sockets, where
there is no DNS at all. A fresh namespace (`unshare -n`) is such a machine, for
real, and no packet can reach any other address from inside it.

Given `hosts` or `resolv_conf`, the code also gets a mount namespace of its own in
which those texts are bind-mounted over /etc/hosts and /etc/resolv.conf: glibc and
dnspython inside read them, while this machine's own files stay as they are.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOBODY = 65534
HOSTS = Path("/etc/hosts")
RESOLV_CONF = Path("/etc/resolv.conf")


def run_isolated(
    code: str,
    *,
    sysctls: dict[str, str] | None = None,
    as_nobody: bool = False,
    timeout: float = 30,
    hosts: str | None = None,
    resolv_conf: str | None = None,
) -> Any:
    """Run `code` in a new network namespace and return the JSON it prints last.

    `hosts` and `resolv_conf`, when given, are the /etc/hosts and /etc/resolv.conf
    the code sees. Skips the calling test where namespaces cannot be made (not
    root, no unshare).
    """
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        pytest.skip("needs unshare and ip (util-linux, iproute2)")
    given = {HOSTS: hosts, RESOLV_CONF: resolv_conf}
    files = {path: text for path, text in given.items() if text is not None}
    sysctl = [f"sysctl -q -w {key}={shlex.quote(value)}" for key, value in (sysctls or {}).items()]
    python = [sys.executable, "-c", code]
    if as_nobody:
        python = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *python]
    with tempfile.TemporaryDirectory(prefix="netlab-isolated-") as folder:
        mounts = _bind_mounts(Path(folder), files)
        steps = ["ip link set lo up", *mounts, *sysctl, shlex.join(python)]
        # Private propagation: the bind mounts never reach this machine's own /etc.
        unshare = ["unshare", "--net", *(["--mount", "--propagation", "private"] if mounts else [])]
        result = subprocess.run(
            [*unshare, "sh", "-ec", " && ".join(steps)],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=ROOT,
            check=False,
        )
    refused = "ermission" in result.stderr or "not permitted" in result.stderr
    if result.returncode != 0 and refused and result.stderr.startswith(("unshare", "mount")):
        pytest.skip(f"cannot make a namespace here: {result.stderr.strip()}")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def _bind_mounts(folder: Path, files: dict[Path, str]) -> list[str]:
    """Shell steps that mount a file in folder holding each text over its path in /etc."""
    if files and shutil.which("mount") is None:
        pytest.skip("needs mount (util-linux) to give the namespace its own /etc files")
    steps = []
    for target, text in files.items():
        if not target.is_file():
            pytest.skip(f"{target} is missing here, so nothing can be mounted over it")
        source = folder / target.name
        source.write_text(text)
        source.chmod(0o644)
        steps.append(f"mount --bind {shlex.quote(str(source))} {shlex.quote(str(target))}")
    return steps
