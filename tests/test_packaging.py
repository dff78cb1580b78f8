"""What a built wheel carries: every stylesheet and data file the code loads."""

from __future__ import annotations

import tomllib
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent


def test_every_stylesheet_and_data_file_is_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["netlab"]
    package = ROOT / "netlab"
    needed = [*package.rglob("*.tcss"), *(package / "core" / "data").iterdir()]
    for path in needed:
        relative = PurePosixPath(path.relative_to(package).as_posix())
        # setuptools globs do not cross folders: tui/*.tcss misses tui/panes/x.tcss.
        assert any(
            len(relative.parts) == len(PurePosixPath(pattern).parts) and relative.match(pattern)
            for pattern in patterns
        ), relative
