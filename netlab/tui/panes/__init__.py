"""The app's panes, one module each; every pane is a view over netlab.core.

This is the one list of them. The app builds its tab bar, its Alt+digit keys, the
header's sub-title, the palette's view commands and the panes it mounts from `PANES`
and `VIEWS`, in their order; a pane's class takes its title and palette line from its
entry here (see `Pane.__init_subclass__`), and its rules live in its own stylesheet
beside its module (`<module>.tcss`, read by the app as the pane is built). Adding a
pane is its module, its stylesheet, its tests and a line in `PANES`.

Nothing here imports a pane: only the first pane's module and stylesheet are needed for
the first frame, and the others are imported and read just after it (`PaneEntry.load`,
`netlab.tui.app.LATER_CSS`).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from netlab.tui.panes.base import Pane


@dataclass(frozen=True)
class PaneEntry:
    """One pane: what the app needs to know of it before its module is imported."""

    pane_id: str
    """Its widget id and its view's name: "client"."""
    title: str
    """Its tab's label and the header's sub-title while it is in front."""
    summary: str
    """Its view's line in the command palette."""
    module: str
    """The module its class lives in, imported when the pane is built."""
    class_name: str

    def load(self) -> type[Pane]:
        """The pane's class (importing its module the first time)."""
        from netlab.tui.panes.base import Pane

        cls = getattr(importlib.import_module(self.module), self.class_name)
        if not (isinstance(cls, type) and issubclass(cls, Pane)):
            raise TypeError(f"{self.module}.{self.class_name} is not a Pane")
        return cls


@dataclass(frozen=True)
class View:
    """What a tab shows: one pane, or several side by side."""

    view_id: str
    title: str
    summary: str
    """Its line in the command palette."""
    panes: tuple[str, ...]
    """The ids of its panes, left to right; the cursor goes into the first."""


PANES: tuple[PaneEntry, ...] = (
    PaneEntry(
        "address",
        "Address",
        "Address: calculate an address or subnet",
        "netlab.tui.panes.address",
        "AddressPane",
    ),
    PaneEntry(
        "lookup",
        "Lookup",
        "Lookup: resolve a name, a port, DNS records, ping",
        "netlab.tui.panes.lookup",
        "LookupPane",
    ),
    PaneEntry(
        "client",
        "Client",
        "Client: talk to a server",
        "netlab.tui.panes.client",
        "ClientPane",
    ),
    PaneEntry(
        "servers",
        "Servers",
        "Servers: start and watch lab servers",
        "netlab.tui.panes.servers",
        "ServersPane",
    ),
    PaneEntry(
        "lessons",
        "Lessons",
        "Lessons: the seed programs one by one, each run with a key",
        "netlab.tui.panes.lessons",
        "LessonsPane",
    ),
)
"""Every pane, in the order of their tabs and keys (Alt+1, Alt+2…). The first is the
view the app opens on, built before the first frame; the others just after it."""

SPLIT = View("split", "Client + Servers", "Client + Servers side by side", ("client", "servers"))
"""The one view of two panes: a client beside the servers it talks to."""

LESSONS = "lessons"
"""The pane that comes after the split view: it teaches with the four tools before it."""

_ONE_PANE_VIEWS = [
    View(entry.pane_id, entry.title, entry.summary, (entry.pane_id,)) for entry in PANES
]

VIEWS: tuple[View, ...] = (
    *(view for view in _ONE_PANE_VIEWS if view.view_id != LESSONS),
    SPLIT,
    *(view for view in _ONE_PANE_VIEWS if view.view_id == LESSONS),
)
"""Every tab, in order: one per tool pane, the split view, then the lessons."""

_ENTRIES = {entry.pane_id: entry for entry in PANES}
_VIEWS = {view.view_id: view for view in VIEWS}


def pane_entry(pane_id: str) -> PaneEntry:
    """The entry of the pane with this id; KeyError names the list when there is none."""
    try:
        return _ENTRIES[pane_id]
    except KeyError:
        raise KeyError(f"No pane {pane_id!r} in netlab.tui.panes.PANES") from None


def find_view(view_id: str) -> View | None:
    """The view with this id (a pane's id, or "split"), if there is one."""
    return _VIEWS.get(view_id)
