"""End-to-end tests: the installed netlab in tmux, typed at as a person types."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.e2e.terminal import Terminal


@pytest.fixture
def terminal() -> Iterator[Callable[..., Terminal]]:
    """Open a Terminal of a given size running netlab; every one opened is closed after."""
    opened: list[Terminal] = []

    def open_terminal(
        width: int = 120, height: int = 40, command: list[str] | None = None
    ) -> Terminal:
        window = Terminal(width, height, command)
        opened.append(window)
        return window

    yield open_terminal
    for window in opened:
        window.close()
