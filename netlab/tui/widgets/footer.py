"""KeysFooter: the keys that work where the cursor is, as one line of text.

Textual's Footer lists the same keys, but as a widget per key, made anew on every
focus change: each Tab press restyled a dozen widgets, half of what it cost. This one
draws a single line. The keys of the focused widget and its panes come first, the
app's own after them; those of the app that do not fit are left out whole, the least
needed first, then the focused widget's last ones, so that the palette's key, which
finds every action, always shows (F1 lists them all). A click on a key presses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.app import RenderResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget


@dataclass(frozen=True)
class Shown:
    """One entry of the line: keys (several for a group) and what they do."""

    keys: tuple[tuple[str, str], ...]
    """(key, how it is written) for each key of the entry."""
    description: str
    app_action: str = ""
    """The app's action it runs, if it is one of the app's own keys."""

    @property
    def width(self) -> int:
        written = [display for _key, display in self.keys]
        keys = "".join(written) if len(written) > 1 else written[0]
        return cell_len(keys) + cell_len(self.description) + 3


class KeysFooter(Widget, can_focus=False):
    """One line: the keys that work where the cursor is, and the palette's at the right."""

    DEFAULT_CSS = """
    KeysFooter {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        .keys--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .keys--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        .keys--disabled {
            text-style: dim;
        }
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "keys--key",
        "keys--description",
        "keys--disabled",
    }
    DROPPABLE: ClassVar[tuple[str, ...]] = ("quit", "help", "jump", "to_tabs")
    """The app's actions whose keys may be left out, in the order they go."""

    def __init__(self) -> None:
        super().__init__()
        self._spans: list[tuple[int, int, str]] = []
        """(first column, past the last, key) of each key drawn: what a click presses."""

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if screen is self.screen:
            self.refresh()

    def on_resize(self) -> None:
        self.refresh()

    # -- what to show ----------------------------------------------------------------------

    def _entries(self) -> tuple[list[tuple[Shown, bool]], Shown | None]:
        """(entry, enabled) in order, and the palette's entry, from the active bindings."""
        app = self.app
        active = self.screen.active_bindings
        entries: list[tuple[Shown, bool]] = []
        by_action: dict[str, int] = {}
        palette: Shown | None = None
        if app.ENABLE_COMMAND_PALETTE and app.COMMAND_PALETTE_BINDING in active:
            binding = active[app.COMMAND_PALETTE_BINDING].binding
            palette = Shown(((binding.key, app.get_key_display(binding)),), binding.description)
        group: Binding.Group | None = None
        for namespace, binding, enabled, _tooltip in active.values():
            if not binding.show:
                continue
            display = app.get_key_display(binding)
            action = binding.action.removeprefix("app.")
            mine = namespace is app
            if binding.group is not None and binding.group is group and entries:
                last, last_enabled = entries[-1]
                keys = (*last.keys, (binding.key, display))
                entries[-1] = (Shown(keys, binding.group.description), last_enabled)
                continue
            group = binding.group
            if binding.action in by_action:
                continue  # another key for the same action: the first one says it
            by_action[binding.action] = len(entries)
            description = binding.group.description if binding.group else binding.description
            shown = Shown(((binding.key, display),), description, action if mine else "")
            entries.append((shown, enabled))
        # The app's own keys last, the most needed first: they are left out from the end.
        order = {action: place for place, action in enumerate(reversed(self.DROPPABLE))}
        entries.sort(key=lambda item: order.get(item[0].app_action, -1))
        return entries, palette

    def _fitted(self) -> tuple[list[tuple[Shown, bool]], Shown | None]:
        entries, palette = self._entries()
        room = self.size.width - (palette.width + 1 if palette is not None else 0)
        for action in self.DROPPABLE:
            if sum(entry.width for entry, _ in entries) <= room:
                break
            entries = [(entry, on) for entry, on in entries if entry.app_action != action]
        # Still too many: the last keys go whole, never the palette's, which finds them all.
        while entries and sum(entry.width for entry, _ in entries) > room:
            entries.pop()
        return entries, palette

    @property
    def descriptions(self) -> list[str]:
        """What each key shown does, in order: for tests, and to read the line aloud."""
        entries, palette = self._fitted()
        shown = [entry.description for entry, _ in entries]
        return [*shown, palette.description] if palette is not None else shown

    def render(self) -> RenderResult:
        entries, palette = self._fitted()
        palette_width = palette.width + 1 if palette is not None else 0
        key_style = self.get_component_rich_style("keys--key")
        description_style = self.get_component_rich_style("keys--description")
        disabled = self.get_component_rich_style("keys--disabled")
        line = Text(no_wrap=True, overflow="crop", end="")
        spans: list[tuple[int, int, str]] = []

        def add(entry: Shown, enabled: bool) -> None:
            start = line.cell_len
            line.append(" ", key_style)
            for key, display in entry.keys:
                spans.append((line.cell_len, line.cell_len + cell_len(display), key))
                line.append(display, key_style)
            line.append(" ", key_style)
            line.append(f"{entry.description} ", description_style)
            if not enabled:
                line.stylize(disabled, start, line.cell_len)
            if len(entry.keys) == 1:
                spans[-1] = (start, line.cell_len, entry.keys[0][0])

        for entry, enabled in entries:
            add(entry, enabled)
        if palette is not None:
            gap = max(1, self.size.width - palette_width - line.cell_len)
            line.append(" " * (gap - 1))
            line.append("▏", "dim")
            add(palette, True)
        self._spans = spans
        return line

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._spans:
            if start <= event.x < end:
                self.app.simulate_key(key)
                return
