"""README.md promises two commands; keep them true."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _shell_blocks() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```sh\n(.*?)\n```", readme, flags=re.DOTALL)


def test_readme_has_an_install_and_a_test_command() -> None:
    blocks = _shell_blocks()
    assert len(blocks) == 2
    assert blocks[0].endswith("netlab")
    assert "pytest" in blocks[1]


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert _shell_blocks()[1] in ci.splitlines()
