"""EventLog: the lab's events as plain lines, capped, fast, following the tail.

Built on Textual's `Log` (plain text, no markup, no per-line widgets). Each batch
the app drains from the bus is filtered and formatted in one pass and written with
one `write_lines` call. At most `max_lines` lines are kept, and a batch makes at
most `batch_lines` of them, from its newest events: in a flood the older ones would
scroll out of the kept lines within a second anyway, and are counted as lost.

The view follows the newest line until the user scrolls up, and follows again once
they scroll back to the end (toolong's tail mode). Pausing freezes the view: new
events are still formatted and kept, counted as held, and appear on resume; only
what falls out of the newest `max_lines` is lost, and that is counted too.

Timestamps come from `clock`, a callable turning an event's `time.monotonic()`
stamp into the "HH:MM:SS" shown; snapshot tests replace it with a fixed one.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import ClassVar

from rich.cells import cell_len
from textual.binding import Binding, BindingType
from textual.reactive import var
from textual.widgets import Log

from netlab.core.events import Clock, Event, format_event, local_clock

DEFAULT_MAX_LINES = 5000
BATCH_LINES = 1000
"""Lines made from one batch at most: at ten batches a second, more than anyone reads,
and a flood's older lines would scroll out of the kept ones within a second anyway."""


class EventLog(Log):
    """A capped, filterable, pausable log of lab events."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "toggle_pause", "Pause/resume log", id="eventlog.pause"),
        Binding("f", "follow", "Follow newest", id="eventlog.follow"),
    ]

    paused: var[bool] = var(False, init=False)
    """While paused the view stands still; new events are held (and counted) until resumed."""

    def __init__(
        self,
        *,
        max_lines: int = DEFAULT_MAX_LINES,
        batch_lines: int = BATCH_LINES,
        clock: Clock = local_clock,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(max_lines=max_lines, auto_scroll=False, id=id, classes=classes)
        self.clock = clock
        """How event times are shown; replace it (before events arrive) to fix the time."""
        self._kept: deque[tuple[str, str]] = deque(maxlen=max_lines)
        self.batch_lines = min(batch_lines, max_lines)
        """(source, line) of the newest events, shown or not, for re-filtering."""
        self.server_filter: str | None = None
        """Only this server's lines are shown, or every server's when None."""
        self.text_filter = ""
        """Only lines containing this (any case) are shown."""
        self.following = True
        """Whether new lines scroll the view; off once the user scrolls up."""
        self.held = 0
        """Events that arrived while paused (since pausing)."""
        self.lost = 0
        """Events never kept: beyond batch_lines in one batch, or while paused."""
        self.events_seen = 0

    # -- writing ---------------------------------------------------------------------------

    def show_events(self, events: list[Event]) -> None:
        """Format, keep and (unless paused) show one batch, in one pass and one write."""
        if not events:
            return
        self.events_seen += len(events)
        cap = self.batch_lines
        if len(events) > cap:
            self.lost += len(events) - cap
            events = events[-cap:]
        paused = self.paused
        if paused:
            self.held += len(events)
        server = self.server_filter
        text = self.text_filter.lower()
        clock = self.clock
        keep = self._kept.append
        shown: list[str] = []
        show = shown.append
        made_safe: dict[bytes, str] = {}
        for event in events:
            source = event.source
            line = format_event(event, clock, made_safe)
            keep((source, line))
            if (
                not paused
                and (server is None or source == server)
                and (not text or text in line.lower())
            ):
                show(line)
        if shown:
            self._write(shown)

    def _write(self, lines: Iterable[str]) -> None:
        self.write_lines(lines, scroll_end=False)
        if self.following:
            self.scroll_end(animate=False, x_axis=False)

    def _update_size(self, updates: int, lines: list[str]) -> None:  # type: ignore[override]
        # Log measures new lines in a thread worker per write: at ten batches a second
        # that is ten threads a second, and one finishing after the app quits fails
        # with NoActiveAppError. Lines here are safe text (no tabs or controls), so
        # measuring them in place costs well under a microsecond each; an ASCII line (the
        # usual kind) is as wide as it is long, which is cheaper still to find out.
        if lines:
            widest = max(len(line) if line.isascii() else cell_len(line) for line in lines)
            self._update_maximum_width(updates, widest)

    def set_filter(self, *, server: str | None, text: str) -> None:
        """Show only matching lines: new ones, and the kept ones again, from the newest."""
        if server == self.server_filter and text == self.text_filter:
            return
        self.server_filter = server
        self.text_filter = text
        self.rerender()

    def rerender(self) -> None:
        """Show the kept lines that match the filters, following the tail again."""
        server = self.server_filter
        text = self.text_filter.lower()
        self.clear()
        self.following = True
        self._write(
            line
            for source, line in self._kept
            if (server is None or source == server) and (not text or text in line.lower())
        )

    def forget(self) -> None:
        """Clear the view and everything kept."""
        self._kept.clear()
        self.clear()
        self.following = True

    @property
    def status(self) -> str:
        """A short line on what is not on screen: paused, held, not following."""
        if self.paused:
            held = f"{self.held:,} new held" if self.held else "nothing new"
            dropped = max(0, self.held - (self._kept.maxlen or 0))
            more = f", {dropped:,} dropped" if dropped else ""
            return f"paused: {held}{more}"
        if not self.following:
            return "scrolled back: f or End to follow"
        return ""

    # -- following and pausing -------------------------------------------------------------

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self.size.height:
            # Scrolled up by the user: stop following; back at the end: follow again.
            self.following = round(new_value) >= self.max_scroll_y

    def on_resize(self) -> None:
        # A horizontal scrollbar appearing, or a smaller window, moves the end.
        if self.following:
            self.scroll_end(animate=False, x_axis=False)

    def on_show(self) -> None:
        if self.following:
            self.call_after_refresh(self.scroll_end, animate=False, x_axis=False)

    def watch_paused(self, paused: bool) -> None:
        if paused:
            self.held = 0
        else:
            self.rerender()
            self.held = 0

    def action_toggle_pause(self) -> None:
        self.paused = not self.paused

    def action_follow(self) -> None:
        self.following = True
        self.scroll_end(animate=False, x_axis=False)
