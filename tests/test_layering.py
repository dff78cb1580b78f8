"""The layers point one way, checked by reading every module's imports.

`netlab.core` imports none of textual, rich, netlab.tui, netlab.cli, netlab.web;
`netlab.tui` imports nothing from netlab.cli or netlab.web; `netlab.cli` imports
netlab.tui only inside the one function that starts the app; `netlab.web` imports
neither textual nor the app, which it runs as a process of its own. Every import
counts: at the top, inside functions, under `if TYPE_CHECKING:`, relative ones, and
`importlib.import_module("...")`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "netlab"


@dataclass(frozen=True)
class Rule:
    layer: str
    forbidden: tuple[str, ...]
    allowed_in: str | None = None
    """A function (by name) inside which the layer may import what is forbidden."""


RULES = (
    Rule("netlab.core", ("textual", "rich", "netlab.tui", "netlab.cli", "netlab.web")),
    Rule("netlab.cli", ("netlab.tui",), allowed_in="run_app"),
    Rule("netlab.tui", ("netlab.cli", "netlab.web")),
    # The web server runs the app as a process of its own, never in its own.
    Rule("netlab.web", ("textual", "netlab.tui", "netlab.cli")),
)


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


class _Imports(ast.NodeVisitor):
    """Every import in a module: (line, the statement's text, names, enclosing functions)."""

    def __init__(self, module: str, is_package: bool) -> None:
        self.package = module.split(".") if is_package else module.split(".")[:-1]
        self.functions: list[str] = []
        self.found: list[tuple[int, str, list[str], tuple[str, ...]]] = []

    def _enter(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.functions.append(node.name)
        self.generic_visit(node)
        self.functions.pop()

    visit_FunctionDef = _enter
    visit_AsyncFunctionDef = _enter

    def _add(self, node: ast.stmt | ast.expr, names: list[str]) -> None:
        self.found.append((node.lineno, ast.unparse(node), names, tuple(self.functions)))

    def visit_Import(self, node: ast.Import) -> None:
        self._add(node, [alias.name for alias in node.names])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            base = self.package[: len(self.package) - (node.level - 1)]
            module = ".".join([*base, *([node.module] if node.module else [])])
        else:
            module = node.module or ""
        # `from netlab import tui` imports the module netlab.tui: count both readings.
        self._add(node, [module, *(f"{module}.{alias.name}" for alias in node.names)])

    def visit_Call(self, node: ast.Call) -> None:
        function = node.func
        called = function.attr if isinstance(function, ast.Attribute) else None
        if isinstance(function, ast.Name):
            called = function.id
        if called in ("import_module", "__import__") and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                self._add(node, [first.value])
        self.generic_visit(node)


def violations(source: str, module: str, path: str, is_package: bool = False) -> list[str]:
    """What in `source` (the module `module`, read from `path`) breaks a rule, one line each."""
    reader = _Imports(module, is_package)
    reader.visit(ast.parse(source, filename=path))
    found = []
    for rule in RULES:
        if not _within(module, rule.layer):
            continue
        for line, statement, names, functions in reader.found:
            if rule.allowed_in is not None and rule.allowed_in in functions:
                continue
            bad = sorted({p for p in rule.forbidden for name in names if _within(name, p)})
            if bad:
                where = f" (in {'.'.join(functions)})" if functions else ""
                found.append(
                    f"{path}:{line}: `{statement}`{where}: {rule.layer} must not import "
                    + ", ".join(bad)
                )
    return found


def _modules() -> list[tuple[Path, str, bool]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        found.append((path, ".".join(parts), is_package))
    return found


def test_every_layer_imports_only_what_it_may() -> None:
    modules = _modules()
    assert len(modules) > 20  # the walk found the package
    found = [
        problem
        for path, module, is_package in modules
        for problem in violations(
            path.read_text(encoding="utf-8"), module, str(path.relative_to(ROOT)), is_package
        )
    ]
    assert not found, "imports across the layers:\n" + "\n".join(found)


def test_the_checker_catches_bad_imports() -> None:
    core = """
from typing import TYPE_CHECKING
import socket
if TYPE_CHECKING:
    from rich.text import Text
def later():
    import textual.app
from ..tui import app
from netlab import cli
import importlib
importlib.import_module("netlab.tui.app")
"""
    found = violations(core, "netlab.core.thing", "netlab/core/thing.py")
    assert [problem.split(":")[1] for problem in found] == ["5", "7", "8", "9", "11"]
    assert found[0] == (
        "netlab/core/thing.py:5: `from rich.text import Text`: netlab.core must not import rich"
    )
    assert found[1].endswith("`import textual.app` (in later): netlab.core must not import textual")
    assert "netlab.core must not import netlab.tui" in found[2]
    assert "netlab.core must not import netlab.cli" in found[3]


def test_the_cli_may_import_the_app_only_where_it_starts_it() -> None:
    cli = """
def run_app():
    from netlab.tui.app import NetlabApp
def other():
    from netlab.tui.app import NetlabApp
from . import output
"""
    found = violations(cli, "netlab.cli", "netlab/cli/__init__.py", is_package=True)
    assert len(found) == 1 and found[0].startswith("netlab/cli/__init__.py:5: ")
    assert violations("from .. import cli", "netlab.tui.app", "netlab/tui/app.py")
    assert not violations("from ..core import lab", "netlab.tui.app", "netlab/tui/app.py")
