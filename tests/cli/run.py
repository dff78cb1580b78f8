"""Run the `netlab` command line as a person would: in a child process, or in this one.

`netlab()` starts the real entry point in a child process: for what only a process
shows (signals, stdin from a pipe, exit at interpreter shutdown, servers). `in_process()`
calls the same `main()` here, with stdout and stderr captured: for the commands that
only compute and print (calc, lookups), where a process boundary tests nothing and
costs a third of a second a run.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys

from netlab.cli import main


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


def in_process(*args: str, timeout: float = 20) -> subprocess.CompletedProcess[str]:
    """`netlab ARGS` run by main() in this process; the same result as netlab() gives.

    `timeout` is taken for netlab()'s sake: the commands run here bound their own waits.
    """
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(list(args))
        except SystemExit as leaving:  # argparse's usage errors, --help, --version
            code = leaving.code
            status = code if isinstance(code, int) else (0 if code is None else 1)
    return subprocess.CompletedProcess(["netlab", *args], status, out.getvalue(), err.getvalue())
