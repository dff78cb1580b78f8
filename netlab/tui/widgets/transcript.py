"""A client session's transcript: what went out, what came back, and what happened.

Each line has the time, a mark (→ sent, ← received, ● connected, ✕ closed, ! error),
the byte count and the data. Received bytes go through one StreamDecoder per
transcript, so a character split across two reads survives, and every piece of
data is shown through `safe_text` as Rich `Text`: escape sequences and markup from
the network appear literally, never as colours or styles.

The transcript keeps its newest entries and renders them again when the hex view is
toggled or its width changes, so both apply to everything on screen. What falls out
of the kept entries is counted (`forgotten`, `forgotten_bytes`) and said on screen:
the session's spool still has every byte received.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Literal

from rich.table import Table
from rich.text import Text
from textual import events
from textual.reactive import reactive
from textual.widgets import RichLog

from netlab.core.closings import closed_text
from netlab.core.events import Event, Kind, wall_time
from netlab.core.readings import reading, reading_note
from netlab.core.safetext import StreamDecoder, safe_text
from netlab.tui.widgets.hexdump import bytes_per_line, fits_offsets, hex_dump

EntryKind = Literal["sent", "received", "connected", "closed", "error", "note"]
DATA_KINDS = ("sent", "received")

MAX_ENTRIES = 500
"""Entries kept to render again; older ones stay on screen until the next re-render."""
MAX_LINES = 5000
"""Screen lines the log keeps."""

_MARKS: dict[EntryKind, str] = {
    "sent": "→",
    "received": "←",
    "connected": "●",
    "closed": "✕",
    "error": "!",
    "note": "·",
}
_TIME_WIDTH = 8
_SIZE_WIDTH = 8  # "65,507 B"
_PREFIX_WIDTH = _TIME_WIDTH + 1 + 1 + 1 + _SIZE_WIDTH + 1
"""Columns before the data: time, mark and size with the gaps between them."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of the transcript, kept to be rendered again."""

    kind: EntryKind
    time: float
    text: str = ""
    """Decoded data (not yet made safe) or the status message."""
    data: bytes = b""
    size: int = 0


def _lines(text: str) -> list[str]:
    """`text` cut after each newline, which stays (shown as \\n) at the end of its line."""
    pieces = text.split("\n")
    lines = [piece + "\n" for piece in pieces[:-1]]
    if pieces[-1] or not lines:
        lines.append(pieces[-1])
    return lines


class Transcript(RichLog):
    """The lines of one client session, one write per batch of events."""

    DEFAULT_CSS = """
    Transcript {
        scrollbar-gutter: stable;
        overflow-x: hidden;
        background: $surface;
    }
    """

    clock: ClassVar[Callable[[float], datetime]] = wall_time
    """Turns an event's monotonic time into the time shown; tests replace it with a fixed one."""

    hex_view: reactive[bool] = reactive(False)
    """Show sent and received data as hex dumps instead of text."""

    def __init__(
        self, session: str, *, port: int | None = None, udp: bool = False, id: str | None = None
    ) -> None:
        super().__init__(max_lines=MAX_LINES, min_width=20, wrap=True, id=id)
        self.session = session
        """The name of the session whose events this shows (an event's `source`)."""
        self.port = port
        """The peer's port, which tells netlab how to read some replies (37: RFC 868)."""
        self.udp = udp
        """A UDP session: no connection, so no TIME_WAIT or RST to tell of."""
        self.read_as: str | None = None
        """The protocol replies are read as (netlab.core.readings); None: the port's."""
        self.entries: deque[Entry] = deque(maxlen=MAX_ENTRIES)
        self.forgotten = 0
        """Entries pushed out of `entries` by newer ones: no longer kept here."""
        self.forgotten_bytes = 0
        """The data bytes of those entries."""
        self._decoder = StreamDecoder()
        self._shut_first = False
        """Whether we half-closed: a close by the peer then answers our FIN."""
        self._rendered_width = 0
        self._hex_offsets = True

    # -- adding ----------------------------------------------------------------------

    def add_events(self, batch: Iterable[Event]) -> None:
        """Show this session's events from one batch, in one write."""
        entries = [
            entry
            for event in batch
            if event.source == self.session
            for entry in self._entries_for(event)
        ]
        self.add_entries(entries)

    def note(self, kind: EntryKind, text: str, moment: float | None = None) -> None:
        """A status line of our own, such as an error from sending."""
        self.add_entries([Entry(kind, time.monotonic() if moment is None else moment, text)])

    def add_entries(self, entries: Sequence[Entry]) -> None:
        if not entries:
            return
        kept = self.entries
        overflow = len(kept) + len(entries) - (kept.maxlen or MAX_ENTRIES)
        if overflow > 0:
            # Counted before the deque lets them go; those of this batch never shown
            # again are counted too, as `entries` keeps only its newest MAX_ENTRIES.
            going = [*list(kept)[:overflow], *entries[: max(0, overflow - len(kept))]]
            self.forgotten += len(going)
            self.forgotten_bytes += sum(entry.size for entry in going)
        kept.extend(entries)
        self._write(entries)

    def _entries_for(self, event: Event) -> list[Entry]:
        if event.kind is Kind.RECEIVED:
            text = self._decoder.feed(event.data)
            entries = [Entry("received", event.time, text, event.data, event.size)]
            if meaning := reading(event.data, self.port, protocol=self.read_as):
                entries.append(Entry("note", event.time, reading_note(meaning)))
            return entries
        if event.kind is Kind.SENT:
            text = event.data.decode("utf-8", errors="backslashreplace")
            return [Entry("sent", event.time, text, event.data, event.size)]
        if event.kind is Kind.HALF_CLOSED:
            self._shut_first = True
            return [Entry("note", event.time, f"half-closed: {event.detail}")]
        if event.kind is Kind.CONNECTED:
            peer = event.peer or "the peer"
            text = f"connected to {peer} {event.detail}".rstrip()
            return [Entry("connected", event.time, text)]
        if event.kind is Kind.CLOSED:
            entries = []
            rest = self._decoder.flush()
            if rest:  # a character cut off by the close
                entries.append(Entry("received", event.time, rest))
            said = closed_text(event, tcp=not self.udp, shut_first=self._shut_first)
            entries.append(Entry("closed", event.time, said))
            return entries
        if event.kind is Kind.ERROR:
            return [Entry("error", event.time, event.detail or "something went wrong")]
        return []

    # -- rendering -------------------------------------------------------------------

    def watch_hex_view(self) -> None:
        self.render_again()

    def on_resize(self, event: events.Resize) -> None:
        if self.entries and event.size.width != self._rendered_width:
            self.call_after_refresh(self._render_if_resized)

    def _render_if_resized(self) -> None:
        if self.scrollable_content_region.width != self._rendered_width:
            self.render_again()

    def forget(self) -> None:
        """Clear the view and every kept entry; the session goes on."""
        self.entries.clear()
        self.forgotten = self.forgotten_bytes = 0
        self.clear()

    @property
    def forgotten_text(self) -> str:
        """What is no longer kept here, in a few words, or "" when nothing is."""
        if not self.forgotten:
            return ""
        entries = "entry" if self.forgotten == 1 else "entries"
        return f"{self.forgotten:,} earlier {entries} ({self.forgotten_bytes:,} B) not kept here"

    def render_again(self) -> None:
        """Clear the log and render every kept entry at the current width and view."""
        if not self.is_mounted:
            return
        self.clear()
        entries = list(self.entries)
        if self.forgotten and entries:
            note = f"{self.forgotten_text}; the session kept every byte received"
            entries.insert(0, Entry("note", entries[0].time, note))
        if entries:
            self._write(entries, scroll_end=True)

    def _write(self, entries: Sequence[Entry], scroll_end: bool | None = None) -> None:
        width = self.scrollable_content_region.width
        self._rendered_width = width
        table = Table.grid(padding=(0, 1), expand=True)
        table.add_column(width=_TIME_WIDTH, no_wrap=True)
        table.add_column(width=1, no_wrap=True)
        table.add_column(width=_SIZE_WIDTH, justify="right", no_wrap=True)
        table.add_column(ratio=1, overflow="fold")
        columns = width - _PREFIX_WIDTH if width else 80
        hex_width = bytes_per_line(columns)
        self._hex_offsets = fits_offsets(columns, hex_width)
        styles = self._styles()
        for entry in entries:
            table.add_row(*self._row(entry, hex_width, styles))
        if scroll_end is None:
            # Stay put while the person reads back; follow the end otherwise.
            scroll_end = self.scroll_y >= self.max_scroll_y
        self.write(table, expand=True, scroll_end=scroll_end)

    def _styles(self) -> dict[str, str]:
        theme = self.app.theme_variables
        return {
            "sent": theme.get("text-primary", "blue"),
            "received": theme.get("text-success", "green"),
            "connected": theme.get("text-success", "green"),
            "closed": theme.get("text-warning", "yellow"),
            "error": theme.get("text-error", "red"),
            "note": "dim",
        }

    def _row(self, entry: Entry, hex_width: int, styles: dict[str, str]) -> list[Text]:
        style = styles[entry.kind]
        moment = type(self).clock(entry.time).strftime("%H:%M:%S")
        mark = Text(_MARKS[entry.kind], style=f"bold {style}")
        if entry.kind not in DATA_KINDS:
            return [Text(moment, style="dim"), mark, Text(""), Text(entry.text, style=style)]
        size = Text(f"{entry.size:,} B" if entry.size else "", style="dim")
        if self.hex_view:
            body = hex_dump(entry.data, hex_width, offsets=self._hex_offsets)
        else:
            shown = "\n".join(safe_text(line) for line in _lines(entry.text))
            body = Text(shown, style=style if entry.kind == "sent" else "")
        if entry.size > len(entry.data) and entry.data:
            body.append(f"\n… {entry.size - len(entry.data):,} more bytes not kept", style="dim")
        return [Text(moment, style="dim"), mark, size, body]
