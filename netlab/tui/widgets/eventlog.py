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

Lines fit the log's width, so nothing is cut at the right edge. Where there is room
(`WIDE` columns or more) a line reads as `netlab serve` prints it. Narrower, a log
showing one server's lines only (filtered to it, or all kept from one) leaves the
server column out, and below `NARROW` columns single spaces part the columns. A line
still too wide goes on over more lines, indented under the text after the time: a
column that does not fit starts the next line, and one wider than a line wraps at its
spaces (inside a word only when the word alone is too wide). The view holds at most
`max_lines` of these lines. Each kept event keeps its columns (`event_parts`), so a
new width or form lays the kept events out again without parsing text; a line that
fits costs one length check.

What a TCP time, daytime or timestamp server sent is followed by netlab's reading of it
(netlab.core.readings.server_reading), on a line of its own hung under the text after
the time, as `netlab serve` prints it. Only those servers' sent events are read, once,
as they are kept.

A fault line (an event of kind "fault": what a lab server did wrong on purpose) has its
kind in colour (`FaultHighlighter`), so that it stands out from what the peer did; only
the kind, as the lines a wide event goes on over cannot be told apart in the widget's
line-by-line rendering. Its text is as `netlab serve` prints it: the filter finds "fault".

Timestamps come from `clock`, a callable turning an event's `time.monotonic()`
stamp into the "HH:MM:SS" shown; snapshot tests replace it with a fixed one.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from itertools import accumulate, islice
from typing import ClassVar

from rich.cells import cell_len, get_character_cell_size
from rich.highlighter import Highlighter
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.reactive import var
from textual.widgets import Log

from netlab.core.events import Clock, Event, event_parts, format_event, local_clock
from netlab.core.readings import reading_note, server_reading

__all__ = ["EventLog", "fit_columns", "fit_line", "format_event", "wrap_line"]

DEFAULT_MAX_LINES = 5000
BATCH_LINES = 1000
"""Lines made from one batch at most: at ten batches a second, more than anyone reads,
and a flood's older lines would scroll out of the kept ones within a second anyway."""

WIDE = 72
"""Columns from which every line keeps the server column and two spaces between columns,
as `netlab serve` prints it: the Servers pane alone, at 80 columns and more."""
NARROW = 50
"""Columns below which single spaces part the columns (the split view at 80x24)."""

FAULT_LINE = re.compile(r"\S+ {1,2}(?:(?:tcp|udp)/\S+ {1,2})?(fault)(?: |$)")
"""A fault event's first line: the time, the source (a server's name) if shown, "fault"."""

Entry = tuple[str, str, tuple[str, ...], str]
"""A kept event: its source, its time as shown, the rest of its line's columns, and
netlab's reading of its bytes as shown on the line under it ("" for none)."""
Form = tuple[int, str, bool]
"""How lines are laid out: the width they fit (0: unknown, not fitted), the space
between columns, and whether the source column is shown."""


def wrap_line(line: str, width: int, indent: int) -> list[str]:
    """`line` as lines of at most `width` cells; the second and later indented by `indent`.

    Lines break at spaces (the spaces at a break are dropped), inside a word only when
    the word alone is wider than a line; no character of text is lost. The indent is
    left out when it would leave fewer than ten cells for the text.
    """
    if width < 1:
        return [line]
    ascii_only = line.isascii()
    if ascii_only and len(line) <= width:
        return [line]
    ends: list[int] | None = None
    if not ascii_only:
        # ends[i]: the cells of line[: i + 1]
        ends = list(accumulate(get_character_cell_size(char) for char in line))
        if not ends or ends[-1] <= width:
            return [line]
    if width - indent < 10:
        indent = 0
    return _wrap(line, width, indent, ends)


def _wrap(line: str, width: int, indent: int, ends: list[int] | None) -> list[str]:
    """`wrap_line` for a line known to be too wide; `ends` as there, None for ASCII."""
    pieces: list[str] = []
    pad = ""
    room = width
    pos = 0
    size = len(line)
    while pos < size:
        end = pos + room if ends is None else _end_within(ends, pos, room)
        if end >= size:
            pieces.append(pad + line[pos:])
            break
        piece, pos = _next_piece(line, pos, end)
        if piece:
            pieces.append(pad + piece)
        if not pad:
            pad = " " * indent
            room = width - indent
    return pieces or [""]  # only spaces: the break takes them


def _end_within(ends: list[int], pos: int, room: int) -> int:
    """Where a piece of the line from `pos` ends to take at most `room` cells."""
    return bisect_right(ends, (ends[pos - 1] if pos else 0) + room, lo=pos)


def _next_piece(line: str, pos: int, end: int) -> tuple[str, int]:
    """The piece of `line` from `pos` that ends by `end`, and where the next one starts.

    It breaks at the last space before `end` and drops the spaces there; with no space,
    inside the word. The piece is "" when only spaces stood before the break.
    """
    cut = line.rfind(" ", pos, end + 1)
    if cut <= pos:
        end = max(end, pos + 1)  # a character wider than the room still goes somewhere
        return line[pos:end], end
    stop = cut
    while stop > pos and line[stop - 1] == " ":
        stop -= 1
    start = cut + 1
    while start < len(line) and line[start] == " ":
        start += 1
    return line[pos:stop], start


@lru_cache(maxsize=1024)
def _wrap_column(column: str, width: int) -> tuple[str, ...]:
    # A flood is mostly the same few messages, each logged received and then sent.
    return tuple(wrap_line(column, width, 0))


def note_lines(note: str, time_text: str, sep: str, width: int) -> list[str]:
    """A line under an event's (netlab's reading), hung under the text after the time and
    wrapped at `width` (0: not fitted) as a column too wide for a line is."""
    indent = len(time_text) + len(sep)
    if width and width - indent < 10:
        indent = 0
    pad = " " * indent
    if not width:
        return [pad + note]
    return [pad + piece for piece in _wrap_column(note, width - indent)]


def fit_line(line: str, columns: Sequence[str], sep: str, width: int) -> list[str]:
    """`line` (`columns` joined by `sep`) as it is if it fits `width`, else fitted to it."""
    if line.isascii():
        if len(line) <= width:
            return [line]
        return fit_columns(columns, sep, width, ascii_only=True)
    if cell_len(line) <= width:
        return [line]
    return fit_columns(columns, sep, width, ascii_only=False)


def fit_columns(
    columns: Sequence[str], sep: str, width: int, *, ascii_only: bool | None = None
) -> list[str]:
    """A line's columns (the time first) joined by `sep` in lines of at most `width` cells.

    A column that does not fit on the line goes on to the next, indented under the text
    after the time; one wider than a whole line wraps at its own spaces (`wrap_line`).
    `ascii_only` says whether every column is ASCII (then a column is as wide as long).
    """
    if ascii_only is None:
        ascii_only = all(column.isascii() for column in columns)
    measure = len if ascii_only else cell_len
    gap = len(sep)
    first = columns[0]
    used = measure(first)
    indent = used + gap
    if width - indent < 10:
        indent = 0
    pad = " " * indent
    room = width - indent
    lines: list[str] = []
    line = first
    if used > width:  # a time wider than the log
        pieces = _wrap_column(first, width)
        lines.extend(pieces[:-1])
        line = pieces[-1]
        used = measure(line)
    for column in columns[1:]:
        size = measure(column)
        if used + gap + size <= width:
            line += sep + column
            used += gap + size
        elif size <= room:
            lines.append(line)
            line = pad + column
            used = indent + size
        else:
            lines.append(line)
            pieces = _wrap_column(column, room)
            lines.extend([pad + piece for piece in pieces[:-1]])
            line = pad + pieces[-1]
            used = indent + measure(pieces[-1])
    lines.append(line)
    return lines


class FaultHighlighter(Highlighter):
    """Styles a fault line's kind, "fault", in the log's `eventlog--fault` style."""

    def __init__(self, log: EventLog) -> None:
        self.log = log

    def highlight(self, text: Text) -> None:
        match = FAULT_LINE.match(text.plain)
        if match is not None:
            style = self.log.get_component_rich_style("eventlog--fault")
            text.stylize(style, match.start(1), match.end(1))


class EventLog(Log):
    """A capped, filterable, pausable log of lab events, its lines fitted to its width."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"eventlog--fault"}
    DEFAULT_CSS = """
    EventLog {
        overflow-x: auto;
        overflow-y: auto;
        scrollbar-gutter: stable;
    }
    EventLog > .eventlog--fault {
        color: $warning;
        text-style: bold;
    }
    """
    # The vertical scrollbar's room is kept when it is hidden, so that the width lines
    # are fitted to does not change as the log fills up.

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
        super().__init__(
            max_lines=max_lines, highlight=True, auto_scroll=False, id=id, classes=classes
        )
        self.highlighter = FaultHighlighter(self)
        self.clock = clock
        """How event times are shown; replace it (before events arrive) to fix the time."""
        self._kept: deque[Entry] = deque(maxlen=max_lines)
        """The newest events, shown or not, in columns, for re-filtering and re-laying."""
        self.batch_lines = min(batch_lines, max_lines)
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
        self._fit_width = 0
        """The width lines are fitted to: the content's, once the log has been laid out."""
        self._source: str | None = None
        """The source of every kept event, while they all have one (`_mixed` is False)."""
        self._mixed = False
        self._laid: Form = (0, "  ", True)
        """The form the lines on view were laid out in."""
        self._unshown = 0
        """The newest kept events not laid out on view: those kept while paused."""

    # -- writing ---------------------------------------------------------------------------

    def show_events(self, events: list[Event]) -> None:
        """Format, keep and (unless paused) show one batch, in one pass and one write."""
        if not events:
            return
        events = self._take(events)
        form = self._form()
        # A second server's first line brings the server column back: laid out anew below.
        relay = not self.paused and form != self._laid
        shown = self._keep_and_lay(events, form, quiet=self.paused or relay)
        if relay:
            self._relayout(skip_newest=len(events))
        elif shown:
            self._write(shown)

    def _take(self, events: list[Event]) -> list[Event]:
        """The newest `batch_lines` of a batch, counted as seen, lost, held and by source."""
        self.events_seen += len(events)
        cap = self.batch_lines
        if len(events) > cap:
            self.lost += len(events) - cap
            events = events[-cap:]
        if self.paused:
            self.held += len(events)
            self._unshown += len(events)
        if not self._mixed:
            self._note_sources(events)
        return events

    def _keep_and_lay(self, events: list[Event], form: Form, quiet: bool) -> list[str]:
        """Keep each event's columns, and (unless `quiet`) the lines of those matching the
        filters, laid out in `form`."""
        # The hot loop of a flood: what it uses is read into locals once, not per event.
        server = self.server_filter
        text = self.text_filter.lower()
        clock = self.clock
        keep = self._kept.append
        shown: list[str] = []
        show = shown.append
        fold = shown.extend
        made_safe: dict[bytes, str] = {}
        width, sep, with_source = form
        plain = with_source and sep == "  "
        for event in events:
            time_text, source, rest = event_parts(event, clock, made_safe)
            meaning = server_reading(event)
            note = reading_note(meaning) if meaning else ""
            keep((source, time_text, rest, note))
            if quiet or (server is not None and source != server):
                continue
            if plain:
                line = "  ".join((time_text, source, *rest))
                if text and text not in line.lower() and text not in note.lower():
                    continue
            else:
                if (
                    text
                    and text not in "  ".join((time_text, source, *rest)).lower()
                    and text not in note.lower()
                ):
                    continue
                line = sep.join((time_text, source, *rest) if with_source else (time_text, *rest))
            if width and (len(line) > width or not line.isascii()):
                columns = (time_text, source, *rest) if with_source else (time_text, *rest)
                fold(fit_line(line, columns, sep, width))
            else:
                show(line)
            if note:
                fold(note_lines(note, time_text, sep, width))
        return shown

    def _write(self, lines: Iterable[str]) -> None:
        self.write_lines(lines, scroll_end=False)
        if self.following:
            self.scroll_end(animate=False, x_axis=False)

    def _update_size(self, updates: int, lines: list[str]) -> None:  # type: ignore[override]
        # Log measures new lines in a thread worker per write: at ten batches a second
        # that is ten threads a second, and one finishing after the app quits fails
        # with NoActiveAppError. Lines fitted to a width are no wider than it; others
        # (before the log has a size) are safe text, measured in place: an ASCII line
        # (the usual kind) is as wide as it is long.
        if lines:
            width = self._laid[0]
            widest = width or max(len(line) if line.isascii() else cell_len(line) for line in lines)
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
        self._recount_sources()
        form = self._form()
        lines, _ = self._lay(list(self._matching(self._kept)), form)
        self._laid = form
        self._unshown = 0
        self.clear()
        self.following = True
        self._write(lines)

    def forget(self) -> None:
        """Clear the view and everything kept."""
        self._kept.clear()
        self._unshown = 0
        self._source = None
        self._mixed = False
        self._laid = self._form()
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

    # -- fitting lines to the width ----------------------------------------------------------

    def _note_sources(self, events: list[Event]) -> None:
        first = self._source
        for event in events:
            if first is None:
                first = event.source
            elif event.source != first:
                self._mixed = True
                break
        self._source = first

    def _recount_sources(self) -> None:
        sources = {entry[0] for entry in self._kept}
        self._mixed = len(sources) > 1
        self._source = next(iter(sources)) if len(sources) == 1 else None

    def _form(self) -> Form:
        """The form lines take at the present width, filter and mix of sources."""
        width = self._fit_width
        if not width:
            return (0, "  ", True)
        one_server = self.server_filter is not None or not self._mixed
        return (width, " " if width < NARROW else "  ", width >= WIDE or not one_server)

    def _matching(self, entries: Iterable[Entry]) -> Iterator[Entry]:
        server = self.server_filter
        text = self.text_filter.lower()
        for entry in entries:
            source, time_text, rest, note = entry
            if server is not None and source != server:
                continue
            if (
                text
                and text not in "  ".join((time_text, source, *rest)).lower()
                and text not in note.lower()
            ):
                continue
            yield entry

    def _lay(self, entries: Sequence[Entry], form: Form) -> tuple[list[str], list[int]]:
        """The lines of `entries` in `form`, at most max_lines of them (the newest), and
        for each line the index in `entries` of the event it shows."""
        width, sep, with_source = form
        room = self.max_lines or len(entries) * 1000
        blocks: list[list[str]] = []
        owners: list[int] = []
        count = 0
        for index in range(len(entries) - 1, -1, -1):
            source, time_text, rest, note = entries[index]
            columns = (time_text, source, *rest) if with_source else (time_text, *rest)
            line = sep.join(columns)
            if width and (len(line) > width or not line.isascii()):
                block = fit_line(line, columns, sep, width)
            else:
                block = [line]
            if note:
                block += note_lines(note, time_text, sep, width)
            blocks.append(block)
            owners.extend([index] * len(block))
            count += len(block)
            if count >= room:
                break
        lines = [line for block in reversed(blocks) for line in block]
        owners.reverse()
        excess = len(lines) - room
        if excess > 0:
            del lines[:excess], owners[:excess]
        return lines, owners

    def _on_view(self, skip_newest: int = 0) -> list[Entry] | None:
        """The kept events whose lines are on view (those matching the filters, less those
        kept while paused and the `skip_newest` not yet shown), or None when some on view
        are no longer kept (pushed out by those kept while paused)."""
        kept = self._kept
        hidden = skip_newest + self._unshown
        if hidden > len(kept) or (hidden and hidden == len(kept) == kept.maxlen):
            return None
        return list(self._matching(islice(kept, 0, len(kept) - hidden)))

    def _relayout(self, skip_newest: int = 0) -> None:
        """Lay out the lines on view anew (for a new width or form), keeping the place:
        the tail when following, else the line at the top of the view."""
        form = self._form()
        following = self.following
        shown = self._on_view(skip_newest)
        if shown is None:
            return  # the view stands as it is until resumed, which lays it all out anew
        place = None
        if not following and self._lines:
            # Which event's line (and which of its lines) is at the top of the view now.
            old_lines, old_owners = self._lay(shown, self._laid)
            top = round(self.scroll_y) + len(old_lines) - len(self._lines)
            if 0 <= top < len(old_owners):
                owner = old_owners[top]
                place = (owner, top - old_owners.index(owner))
        if skip_newest:
            shown = self._on_view()
            assert shown is not None
        lines, owners = self._lay(shown, form)
        self._laid = form
        self.clear()
        self.write_lines(lines, scroll_end=False)
        if following:
            self.following = True
            self.scroll_end(animate=False, x_axis=False)
            return
        y = 0
        if place is not None:
            owner, within = place
            start = bisect_right(owners, owner - 1)
            end = bisect_right(owners, owner)
            y = min(start + within, end - 1) if start < end else start
        self.scroll_to(y=y, animate=False, immediate=True)
        self.following = round(self.scroll_y) >= self.max_scroll_y

    # -- following and pausing -------------------------------------------------------------

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self.size.height:
            # Scrolled up by the user: stop following; back at the end: follow again.
            self.following = round(new_value) >= self.max_scroll_y

    def on_resize(self) -> None:
        width = self.scrollable_content_region.width
        if width > 0 and width != self._fit_width:
            # A new width (a resized window, the split view): the lines are fitted anew.
            self._fit_width = width
            if self._form() != self._laid:
                self._relayout()
                return
        # A smaller window moves the end.
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
