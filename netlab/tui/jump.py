"""Go to (Ctrl+G): a letter on every field in view; pressing it puts the cursor there.

Tab walks fields one by one, ten presses from the Client's address to its message
line. Like posting's jump mode, this labels every place the cursor can go with one
key, so any of them is two keys away. Each pane names the letters of its main places
(`Pane.JUMP_KEYS`), so they stay the same from one time to the next and can be learnt;
everything else gets a free letter or digit.
"""

from __future__ import annotations

from collections.abc import Mapping

from textual import events
from textual.app import ComposeResult
from textual.errors import NoWidget
from textual.geometry import Offset
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Label

SPARE_KEYS = "abcdefghijklmnopqrstuvwxyz0123456789"


def jump_targets(screen: Screen[object], preferred: Mapping[str, str]) -> dict[str, Widget]:
    """Every focusable widget shown on `screen`, by the key that goes to it.

    A widget whose id is in `preferred` gets that key when it is free; the rest get
    the first free key of SPARE_KEYS, in the order Tab visits them.
    """
    shown: list[Widget] = []
    for widget in screen.focus_chain:
        try:
            region = screen.find_widget(widget).region
        except NoWidget:
            continue  # scrolled out of sight
        if region:
            shown.append(widget)
    targets: dict[str, Widget] = {}
    for widget in shown:
        key = preferred.get(widget.id or "")
        if key and key not in targets:
            targets[key] = widget
    placed = set(targets.values())
    spare = (key for key in SPARE_KEYS if key not in targets)
    for widget in shown:
        if widget not in placed:
            key = next(spare, None)
            if key is None:
                break
            targets[key] = widget
    return targets


class JumpScreen(ModalScreen[Widget | None]):
    """The labels over the main screen; dismissed with the widget chosen, or None."""

    DEFAULT_CSS = """
    JumpScreen {
        background: $background 40%;
    }
    JumpScreen > .jump-label {
        position: absolute;
        width: auto;
        height: 1;
        background: $accent;
        color: $text;
        text-style: bold;
    }
    JumpScreen > #jump-hint {
        dock: bottom;
        width: 100%;
        height: 1;
        padding: 0 1;
        background: $accent;
        color: $text;
    }
    """

    def __init__(self, targets: Mapping[str, Widget]) -> None:
        super().__init__()
        self.targets = dict(targets)
        self._done = False

    def compose(self) -> ComposeResult:
        for key, widget in self.targets.items():
            label = Label(key, classes="jump-label")
            label.styles.offset = _corner(widget)
            yield label
        yield Label(
            "Go to: press a highlighted key to put the cursor there · Escape cancels",
            id="jump-hint",
        )

    def on_key(self, event: events.Key) -> None:
        event.stop()
        event.prevent_default()
        if self._done:
            # Typed on after the choice, before this screen was gone: the keys are for
            # the place chosen, so they go back to the app, in order, not lost.
            self.app.post_message(events.Key(event.key, event.character))
            return
        self._done = True
        if event.key in ("escape", "ctrl+g"):
            self.dismiss(None)
            return
        chosen = self.targets.get(event.character or "")
        if chosen is not None and chosen.is_attached:
            # At once, so the keys typed next (sent back above) find it.
            chosen.screen.set_focus(chosen)
        self.dismiss(chosen)


def _corner(widget: Widget) -> Offset:
    region = widget.region
    return Offset(region.x, region.y)
