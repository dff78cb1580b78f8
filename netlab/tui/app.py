"""NetlabApp: the lab's window, its panes and a split view of Client and Servers.

Which panes there are, in which order, with which titles, is `netlab.tui.panes.PANES`
and `VIEWS`: the tabs, the Alt+digit keys, the sub-title, the palette's views and the
panes mounted all come from there.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.command import Provider
from textual.containers import Horizontal
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Header, Tab, Tabs
from textual.widgets._select import SelectOverlay

from netlab.tui.keys import ALT_DIGIT_CHARACTERS, read_escape_digit_as_alt
from netlab.tui.panes import PANES, SPLIT, VIEWS, View, find_view
from netlab.tui.panes.base import Pane
from netlab.tui.widgets.footer import KeysFooter

if TYPE_CHECKING:
    from netlab.core.lab import Lab
    from netlab.core.timeline import ConnectionLog
    from netlab.tui.panes.handoff import TargetPane
    from netlab.tui.panes.servers import ServersPane

FIRST = PANES[0].pane_id
"""The pane the app opens on: the only one built before the first frame."""
NUMBERED: tuple[tuple[int, View], ...] = tuple(zip(range(1, 10), VIEWS, strict=False))
"""The views with a digit key (1 to 9), in order."""
_HERE = Path(__file__).parent
_PANE_CSS = sorted((_HERE / "panes").glob("*.tcss"))
_FIRST_CSS = [path for path in _PANE_CSS if path.stem == PANES[0].module.rpartition(".")[2]]
"""The first pane's stylesheet (`<module>.tcss`), read before the first frame."""
LATER_CSS: list[Path] = [path for path in _PANE_CSS if path not in _FIRST_CSS]
"""The other panes' stylesheets, read as those panes are built (their rules name only
their own pane's widgets): before the first frame, each rule more is a little more work
for every widget styled."""
DRAIN_LIMIT = 5_000
"""Events taken off the bus a tick (50,000 a second): a few ms of the UI thread's time."""
_VIEW_KEYS = Binding.Group("Views", compact=True)


class ViewTabs(Tabs):
    """The tab bar. A digit is never text here, so 1, 2… open the views.

    Priority keys (they count only while the tab bar has the cursor): they act as they
    arrive, so the key typed next already goes to the view's field.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(
                str(number),
                f"app.show('{view.view_id}')",
                view.title,
                group=_VIEW_KEYS,
                priority=True,
                id=f"key-{view.view_id}",
            )
            for number, view in NUMBERED
        ),
        Binding("enter,down", "app.enter_view", "Open", priority=True, id="open-view"),
    ]


def _lab_commands() -> type[Provider]:
    """The palette's provider of views and pane actions, imported when the palette opens."""
    from netlab.tui.commands import LabCommands

    return LabCommands


class LabScreen(Screen[None]):
    """The app's screen: Textual's default one, less two rounds of styling at start-up.

    Textual restyles every widget of a screen as it resumes, for a screen coming back
    after another that may have changed what applies. The first resume is the one that
    makes the first frame, and every widget on the screen was styled just before, as it
    was mounted: styling them all again was ~40 ms of the first frame's ~350 ms.
    """

    AUTO_FOCUS = ""
    """No focus given as the screen is composed. Textual's default ("*") gave it to the
    first focusable widget, the tab bar, restyling it, and again as the app moved the
    cursor to the first field (NetlabApp.on_mount). Later, see on_screen_resume."""

    def __init__(self) -> None:
        super().__init__(id="_default")
        self._resumed = False

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        # Called before Screen's own handler (a subclass's comes first), which reads these.
        if not self._resumed:
            self._resumed = True
            event.refresh_styles = False
        auto_focus = self.app.AUTO_FOCUS
        if auto_focus and self.focused is None and self.app.app_focus:
            # What Textual's AUTO_FOCUS does as a screen comes back without a focus.
            for widget in self.query(auto_focus):
                if widget.focusable:
                    self.set_focus(widget)
                    break


class NetlabApp(App[None]):
    """The terminal network lab."""

    TITLE = "netlab"
    COMMANDS = App.COMMANDS | {_lab_commands}
    CSS_PATH: ClassVar[list[str | PurePath]] = [_HERE / "netlab.tcss", *_FIRST_CSS]
    """The shell's rules and the first pane's; the other panes' are LATER_CSS."""
    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority, as Alt+digit: the app acts on them the moment they arrive, so the
        # key typed just after (a digit after Escape) already finds the cursor moved.
        Binding("escape", "to_tabs", "Views", priority=True, id="to-tabs"),
        Binding("ctrl+g", "jump", "Go to", id="jump"),
        Binding("f1", "help", "Help", id="help"),
        Binding("ctrl+q", "quit", "Quit", id="quit"),
        # Alt+digit from anywhere, a text field included: priority, or the field takes
        # the digit. ESC-then-digit arrives as alt+digit (netlab.tui.keys).
        # Alt+digit sent as one character (netlab.tui.keys) is the same key, except in
        # a free-text field, which keeps the character (netlab.tui.widgets.field).
        *(
            Binding(
                ",".join((f"alt+{number}", *ALT_DIGIT_CHARACTERS.get(number, ""))),
                f"show('{view.view_id}')",
                view.title,
                show=False,
                priority=True,
            )
            for number, view in NUMBERED
        ),
    ]

    DRAIN_INTERVAL = 0.1
    """Seconds between taking the lab's events off the bus and showing them in one batch."""

    def __init__(
        self, *, lab: Lab | None = None, make_lab: Callable[[], Lab] | None = None
    ) -> None:
        """`lab`, or the one `make_lab` makes when first asked for, or a Lab here."""
        super().__init__()
        read_escape_digit_as_alt()
        self._lab = lab
        self._make_lab = make_lab
        self._enter_view: str | None = None
        """A view to put the cursor in once its pane is built (Alt+digit at start-up)."""
        self.panes_built = False
        """Whether every pane is mounted: only the first is, until just after the first frame."""
        self._shown_view: str | None = FIRST
        """The view whose panes are displayed (None: to be laid out anew)."""
        self._connections: ConnectionLog | None = None

    @property
    def lab(self) -> Lab:
        """Every server and client session started from the app; all stop when it quits.

        Made when first asked for (by the panes built after the first frame): the core's
        servers and sessions (or an engine lab's modules) are not imported before the
        first frame.
        """
        if self._lab is None:
            self._lab = self._make_lab() if self._make_lab is not None else _own_lab()
        return self._lab

    @property
    def connections(self) -> ConnectionLog:
        """The recent connections' events, for their timelines (Ctrl+L in the Client pane);
        made with the lab, after the first frame."""
        if self._connections is None:
            from netlab.core.timeline import ConnectionLog

            self._connections = ConnectionLog()
        return self._connections

    def get_default_screen(self) -> Screen[None]:
        return LabScreen()

    def on_load(self) -> None:
        # What is made before the app runs (modules, classes) lives as long as it does:
        # frozen, the full collection that making the first frame set off (~50 ms, most
        # of it going through the modules) skips it. Thawed as the app ends (on_unmount).
        gc.freeze()

    def on_mount(self) -> None:
        self.set_interval(self.DRAIN_INTERVAL, self.drain_events)
        # A person who types an address at once finds it in the Address field.
        self.query_one(f"#{FIRST}", Pane).focus_first()
        self.sub_title = VIEWS[0].title
        # The footer listens for key changes only once mounted, after this.
        self.call_after_refresh(self.screen.refresh_bindings)
        # The hidden panes are most of the widgets: built after the first frame, they
        # let the Address view appear in a third of the time.
        self.call_after_refresh(self._build_hidden_panes)

    async def _build_hidden_panes(self) -> None:
        panes = self.query_one("#panes")
        if not panes.is_attached:
            return  # quitting before they were needed
        # The first pane's own hidden parts first: an address typed now needs them.
        await self.query_one(f"#{FIRST}", Pane).finish_building()
        # Imported only now: their modules (and what they use) are not needed for the first frame.
        hidden: list[Widget] = []
        for entry in PANES[1:]:
            if entry.pane_id == SPLIT.panes[-1]:
                hidden.append(Widget(id="split-divider"))
            hidden.append(entry.load()())
        for widget in hidden:
            widget.display = False
        # Their rules, read before they are mounted (parse() now: Textual keeps the old
        # map of rules until the stylesheet is parsed again).
        self.stylesheet.read_all(LATER_CSS)
        self.stylesheet.parse()
        self.css_path.extend(LATER_CSS)
        if self.css_monitor is not None:  # textual run --dev: reload them on change too
            self.css_monitor.add_paths(LATER_CSS)
        await panes.mount(*hidden)
        # The lab engine (its own process, if it has one) boots now, after the first
        # frame, rather than beside it, where it took that frame's core.
        self.lab.start_in_background()
        # What start-up made (modules, widgets, styles) lives as long as the app: frozen,
        # the collector stops going through it on every full collection, which under a
        # flooded log cut the longest key-press waits by two thirds (bench/app_bench.py).
        # Thawed as the app ends (on_unmount), so another app in the process can free it.
        gc.freeze()
        self.panes_built = True
        self._shown_view = None  # the new panes are hidden whatever the view
        self._show_panes(self.view)
        if self._enter_view is not None:  # Alt+digit pressed while they were being built
            self._focus_view(self._enter_view)

    def drain_events(self) -> None:
        """Show what happened since the last tick: at most DRAIN_LIMIT events.

        A flood beyond that waits on the bus, which drops (and counts) the oldest once
        full: the UI thread's work per tick stays bounded, so keys are never held up
        for long, and what is on screen is always the newest.
        """
        if not self.panes_built:
            return  # what happens meanwhile waits on the bus for the panes that show it
        if self._exit:
            return  # quitting: the panes' widgets are being taken down
        events = self.lab.bus.drain(limit=DRAIN_LIMIT)
        if events:
            self.connections.feed(events)
            for pane in self.query(Pane):
                pane.show_events(events)

    async def on_unmount(self) -> None:
        gc.unfreeze()
        if self._lab is not None:
            await asyncio.to_thread(self._lab.close)

    def compose(self) -> ComposeResult:
        yield Header()
        yield ViewTabs(*(Tab(view.title, id=f"tab-{view.view_id}") for view in VIEWS), id="views")
        with Horizontal(id="panes"):
            yield PANES[0].load()()  # the others are built after the first frame: see on_mount
        yield KeysFooter()

    # -- views -----------------------------------------------------------------------------

    @property
    def view(self) -> str:
        """The view on screen: a pane id or "split"."""
        active = self.query_one(ViewTabs).active or f"tab-{FIRST}"
        return active.removeprefix("tab-")

    def on_servers_pane_connect_client(self, event: ServersPane.ConnectClient) -> None:
        """Ctrl+N on a server: the Client connects to it (its pane is built by then)."""
        from netlab.tui.panes.client import ClientPane

        self.query_one(ClientPane).connect_to_server(event.name)

    def on_target_pane_hand_off(self, event: TargetPane.HandOff) -> None:
        """Ctrl+L, Ctrl+O or Ctrl+N on an address or name: the Lookup view looks it up or
        pings it, or the Client's address field takes it."""
        if not self.panes_built:  # a key in the first moments, before they are there
            self.notify("The other views are still being built: press the key again.")
            return
        if event.to == "client":
            from netlab.tui.panes.client import ClientPane

            self.query_one(ClientPane).fill_endpoint(event.target)
            return
        from netlab.tui.panes.lookup import LookupPane

        self.query_one(LookupPane).look_up(event.target, "ping" if event.to == "ping" else None)

    def on_tabs_tab_activated(self, event: Tabs.TabActivated) -> None:
        if not isinstance(event.tabs, ViewTabs):
            return
        view = (event.tab.id or f"tab-{FIRST}").removeprefix("tab-")
        self._show_panes(view)
        if self._enter_view == view:
            self._focus_view(view)
        else:
            self._keep_focus_in_sight()

    def _show_panes(self, view: str) -> None:
        # Each pane's own display, not a class on their parent: a class change there
        # styled every widget of every pane again, half a second per switch.
        if view == self._shown_view:
            return  # Alt+digit showed it at once; the tab bar reports the same view after
        self._shown_view = view
        found = find_view(view)
        shown = _panes_of(view)
        self.sub_title = found.title if found else ""  # the header names the view in front
        for pane in self.query(Pane):
            pane.display = pane.id in shown
        for divider in self.query("#split-divider"):
            divider.display = len(shown) > 1
        # Once laid out at their new sizes: a switch does not always send each a Resize.
        self.call_after_refresh(self._fit_panes)

    def _fit_panes(self) -> None:
        for pane in self.query(Pane):
            if pane.display:
                pane.fit_layout()

    def action_show(self, view: str) -> None:
        """Show a view with the cursor in its first field (Alt+digit, or a digit on the tabs).

        At once, not when the tab bar reports the change: what is typed next goes there.
        """
        if self.panes_built:
            self._show_panes(view)
        self._enter_view = view
        self._focus_view(view)
        self.query_one(ViewTabs).active = f"tab-{view}"

    def show_pane(self, pane_id: str) -> None:
        """Put a pane on screen (for the pane itself: `Pane.bring_into_view`), unless
        the view in front shows it already."""
        if pane_id not in _panes_of(self.view):
            self.action_show(pane_id)

    def action_enter_view(self) -> None:
        """Enter (or Down) on the tab bar: the cursor goes into the view in front."""
        self._enter_view = self.view
        self._focus_view(self.view)

    def action_to_tabs(self) -> None:
        """Escape: back to the tab bar, where digits and arrows switch views."""
        self.screen.set_focus(self.query_one(ViewTabs))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("show", "jump", "to_tabs") and isinstance(self.screen, ModalScreen):
            return False  # help, Go to or the palette is up: the key is theirs
        if action == "to_tabs":
            focused = self.focused
            if focused is None:
                return True
            if isinstance(focused, ViewTabs | SelectOverlay):
                return False  # already there, or an open list that Escape closes
            pane = next((node for node in focused.ancestors if isinstance(node, Pane)), None)
            # Something running that Escape cancels (a lookup) takes the key first.
            return not (pane is not None and pane.escape_cancels())
        return True

    def _focus_view(self, view: str) -> None:
        first = _panes_of(view)[0]
        pane = next(self.query(f"#{first}").results(Pane), None)
        if pane is None or not (self.panes_built or pane.id == FIRST):
            return  # not built yet: _build_hidden_panes comes back here
        self._enter_view = None
        pane.focus_first()

    def _keep_focus_in_sight(self) -> None:
        """After a switch by arrow or click: never leave the cursor in a hidden pane."""
        focused = self.focused
        hidden = focused is None or any(
            isinstance(pane, Pane) and not pane.display for pane in focused.ancestors_with_self
        )
        if hidden:
            self.screen.set_focus(self.query_one(ViewTabs))

    # -- jumping, help ---------------------------------------------------------------------

    def action_jump(self) -> None:
        """Ctrl+G: a key on every field in view; pressing it puts the cursor there."""
        from netlab.tui.jump import JumpScreen, jump_targets

        preferred: dict[str, str] = {}
        for pane in self.query(Pane):
            if pane.display:
                preferred |= pane.JUMP_KEYS
        preferred["views"] = "v"
        targets = jump_targets(self.screen, preferred)

        def go(widget: Widget | None) -> None:
            if widget is not None and widget.is_attached:
                widget.screen.set_focus(widget)

        self.push_screen(JumpScreen(targets), go)

    def action_help(self) -> None:
        # Imported on first use: the Markdown widget it needs costs 40 ms at startup.
        from netlab.tui.help import HelpScreen

        panes = _panes_of(self.view)
        text = "\n\n".join(pane.HELP for pane in self.query(Pane) if pane.id in panes)
        self.push_screen(HelpScreen(text + KEYS_HELP))


def _own_lab() -> Lab:
    """A lab in this process, for an app given none."""
    from netlab.core.lab import Lab

    return Lab()


def _panes_of(view: str) -> tuple[str, ...]:
    """The ids of the panes a view shows, left to right."""
    found = find_view(view)
    return found.panes if found else (view,)


def _views_text() -> str:
    """The views in a sentence: "Address, …, and Client + Servers side by side"."""
    names = [
        view.title if len(view.panes) == 1 else f"{view.title} side by side"
        for _number, view in NUMBERED
    ]
    return ", ".join(names[:-1]) + f", and {names[-1]}" if len(names) > 1 else names[0]


_LAST = len(NUMBERED)
KEYS_HELP = f"""

## Keys

- **Alt+1** to **Alt+{_LAST}**, or **Escape** then **1** to **{_LAST}**: {_views_text()},
  with the cursor in the view's first field.
  Escape then the digit needs no modifier, so it works in every terminal.
- **Escape**: back to the tab bar (while a lookup runs, the first Escape stops it).
  On the tab bar, **←** and **→** look through the views and **Enter** goes into one.
- **Ctrl+G**: go to any field in view: each shows a key, press it to put the cursor there.
- **Tab** and **Shift+Tab** move field by field.
- **Ctrl+P**: the command palette, every action by name · **F1**: this help ·
  **Ctrl+Q**: quit
- The footer shows the keys that work where the cursor is.
"""
