"""The command palette (Ctrl+P): every view and every action of every pane, by name.

The views come from the one list of panes (`netlab.tui.panes.VIEWS`); the actions are
asked of each pane (`Pane.commands`) each time the palette opens, so they name what is
there now: "Stop server tcp/echo:1201", "Disconnect client-1".
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from netlab.tui.panes import VIEWS
from netlab.tui.panes.base import Pane, PaneCommand

if TYPE_CHECKING:
    from netlab.tui.app import NetlabApp


class LabCommands(Provider):
    """Go to any view, and do anything a pane offers."""

    def _commands(self) -> Iterator[PaneCommand]:
        app: NetlabApp = self.app  # type: ignore[assignment]
        for view in VIEWS:
            show = partial(app.action_show, view.view_id)
            yield PaneCommand(view.summary, show, "Show this view")
        yield PaneCommand("Go to a field (Ctrl+G)", app.action_jump, "A key on every field in view")
        for pane in app.query(Pane):
            yield from pane.commands()

    async def discover(self) -> Hits:
        for command in self._commands():
            yield DiscoveryHit(command.title, command.run, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self._commands():
            score = matcher.match(command.title)
            if score > 0:
                yield Hit(score, matcher.highlight(command.title), command.run, help=command.help)
