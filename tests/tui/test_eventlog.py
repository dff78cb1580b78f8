"""The EventLog fits its lines to its width: columns shrink, then lines wrap, none is cut.

A small app hosts one EventLog filling the screen, so the log's content width is the
terminal's less the vertical scrollbar's room (kept whether or not it shows). The
widths tried are the Servers pane log's: 36 (split view at 80x24), 56 (split, 120x40),
76 (alone, 80x24) and 116 (alone, 120x40).
"""

from __future__ import annotations

import time
from collections.abc import Iterable

import pytest
from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.pilot import Pilot

from netlab.cli.sockets import READING_INDENT
from netlab.core.events import Event, Kind, format_event, message_event
from netlab.core.servers.protocols import RFC868_OFFSET
from netlab.tui.widgets.eventlog import NARROW, WIDE, EventLog, fit_columns, wrap_line
from tests.waits import until

GUTTER = 2
"""Columns kept for the vertical scrollbar."""
HEIGHT = 20
ECHO = "tcp/echo:38471"
DAYTIME = "udp/daytime:38471"
TIME = "tcp/time:38471"
PEER = "127.0.0.1:40988"
LONG = b"the quick brown fox jumps over the lazy dog, twice: the quick brown fox jumps\n"


def noon(_moment: float) -> str:
    return "12:00:00"


class LogApp(App[None]):
    CSS = "EventLog { width: 1fr; height: 1fr; }"

    def compose(self) -> ComposeResult:
        yield EventLog(clock=noon, max_lines=500, batch_lines=100)


async def ready(pilot: Pilot[None], width: int) -> EventLog:
    log = pilot.app.query_one(EventLog)
    await until(pilot, lambda: log.scrollable_content_region.width == width, "the log's width")
    await until(pilot, lambda: log._laid[0] == width, "the lines to be fitted")
    # Let scrolls the log asked for when it was shown or resized (after a refresh) run.
    await pilot.pause()
    await pilot.pause()
    return log


def story(source: str = ECHO, peer: str = PEER) -> list[Event]:
    return [
        Event(Kind.LISTENING, source, detail="on 127.0.0.1:38471"),
        Event(Kind.ACCEPTED, source, peer),
        message_event(Kind.RECEIVED, source, peer, b"hello\n"),
        message_event(Kind.SENT, source, peer, b"hello\n"),
        message_event(Kind.RECEIVED, source, peer, b"x"),
        message_event(Kind.RECEIVED, source, peer, LONG),
        message_event(Kind.RECEIVED, source, peer, b"A" * 90),
        message_event(Kind.RECEIVED, source, peer, "héllo wörld 日本語のテキスト".encode()),
        Event(Kind.RECEIVED, source, peer, b"", 64_000, summed=1000),
        Event(Kind.CLOSED, source, peer, detail="closed by peer"),
    ]


def blocks(log: EventLog) -> list[str]:
    """Each event's lines joined: a line not starting with a space starts an event."""
    joined: list[str] = []
    for line in log.lines:
        if line.startswith(" ") and joined:
            joined[-1] += " " + line.strip()
        else:
            joined.append(line)
    return joined


def words(text: str) -> str:
    return " ".join(text.split())


def assert_fits(log: EventLog, width: int) -> None:
    assert log.lines
    too_wide = [line for line in log.lines if cell_len(line) > width]
    assert not too_wide, too_wide
    # Nothing to scroll to sideways: the horizontal scrollbar is never needed.
    assert log.virtual_size.width <= width


def assert_whole_story(log: EventLog, events: list[Event], *, with_source: bool) -> None:
    """Every event is on view, all of its text there in order: kind, peer, bytes, message."""
    shown = blocks(log)
    assert len(shown) == len(events)
    for block, event in zip(shown, events, strict=True):
        line = format_event(event, noon)
        if not with_source:
            line = line.replace(f"  {event.source}  ", "  ", 1)
        if event.data == b"A" * 90:  # broken inside the word, too long for any line
            assert block.replace(" ", "") == line.replace(" ", "")
        else:
            assert words(block) == words(line)
        assert event.kind.value in block
        assert event.peer in block
        if event.size and not event.summed:
            assert f"{event.size} byte" in block


@pytest.mark.parametrize("width", [36, 56, 76, 116])
@pytest.mark.parametrize("servers", [1, 2])
async def test_every_line_fits_and_keeps_the_whole_story(width: int, servers: int) -> None:
    app = LogApp()
    async with app.run_test(size=(width + GUTTER, HEIGHT)) as pilot:
        log = await ready(pilot, width)
        events = story() + (story(DAYTIME, "127.0.0.1:50000") if servers == 2 else [])
        log.show_events(events)
        assert_fits(log, width)
        await pilot.pause()
        assert not log.show_horizontal_scrollbar
        with_source = servers == 2 or width >= WIDE
        assert_whole_story(log, events, with_source=with_source)
        sep = "  " if width >= NARROW else " "
        first = sep.join([*([ECHO] if with_source else []), "listening", "on 127.0.0.1:38471"])
        assert log.lines[0].startswith(f"12:00:00{sep}{first[:9]}")
        continued = [line for line in log.lines if line.startswith(" ")]
        if width < WIDE:
            assert continued
        # Continuation lines hang under the text after the time.
        assert all(line.startswith(" " * (8 + len(sep))) for line in continued)


async def test_wide_lines_read_as_netlab_serve_prints_them() -> None:
    app = LogApp()
    async with app.run_test(size=(116 + GUTTER, HEIGHT)) as pilot:
        log = await ready(pilot, 116)
        events = [*story()[:5], message_event(Kind.SENT, DAYTIME, PEER, b"hi")]
        log.show_events(events)
        assert list(log.lines) == [format_event(event, noon) for event in events]

        # A time server's reply, and under it netlab's reading, hung as serve hangs it.
        now = int(time.time()) + RFC868_OFFSET
        sent = message_event(Kind.SENT, TIME, PEER, now.to_bytes(4, "big"))
        log.show_events([sent])
        assert log.lines[len(events)] == format_event(sent, noon)
        reading = log.lines[len(events) + 1 :]
        assert all(line.startswith(READING_INDENT) for line in reading)
        said = f"netlab reads it as RFC 868 time: {now:,} s since 1900-01-01 UTC = "
        assert words(" ".join(reading)).startswith(said)
        assert_fits(log, 116)
        log.set_filter(server=None, text="rfc 868")  # the reading is searched too
        assert list(log.lines) == [format_event(sent, noon), *reading]


async def test_the_split_view_at_80x24_keeps_the_count_and_the_message() -> None:
    app = LogApp()
    async with app.run_test(size=(36 + GUTTER, HEIGHT)) as pilot:
        log = await ready(pilot, 36)
        log.show_events([message_event(Kind.RECEIVED, ECHO, "127.0.0.1:34182", b"hello\n")])
        assert list(log.lines) == [
            "12:00:00 received 127.0.0.1:34182",
            "         6 bytes hello\\n",
        ]


async def test_a_second_server_brings_the_server_column_back_and_a_filter_drops_it() -> None:
    app = LogApp()
    async with app.run_test(size=(56 + GUTTER, HEIGHT)) as pilot:
        log = await ready(pilot, 56)
        log.show_events(story()[:3])
        assert log.lines[1] == f"12:00:00  accepted  {PEER}"
        log.show_events([message_event(Kind.SENT, DAYTIME, PEER, b"hi")])
        # The lines already shown are laid out again, with the column.
        assert log.lines[1] == f"12:00:00  {ECHO}  accepted  {PEER}"
        assert blocks(log)[-1] == f"12:00:00  {DAYTIME}  sent  {PEER} 2 bytes hi"
        assert_fits(log, 56)
        log.set_filter(server=DAYTIME, text="")
        assert list(log.lines) == [f"12:00:00  sent  {PEER}  2 bytes hi"]
        log.set_filter(server=None, text="accepted")
        assert list(log.lines) == [f"12:00:00  {ECHO}  accepted  {PEER}"]
        log.set_filter(server=None, text="")
        log.forget()
        assert not log.lines
        log.show_events(story()[:2])
        assert list(log.lines) == [
            "12:00:00  listening  on 127.0.0.1:38471",
            f"12:00:00  accepted  {PEER}",
        ]


async def test_a_resize_lays_the_lines_out_again_following_the_tail() -> None:
    app = LogApp()
    async with app.run_test(size=(116 + GUTTER, HEIGHT)) as pilot:
        log = await ready(pilot, 116)
        events = story() * 5
        log.show_events(events[:25])
        log.show_events(events[25:])
        assert_whole_story(log, events, with_source=True)
        await until(pilot, lambda: log.scroll_y == log.max_scroll_y > 0, "the tail")
        assert log.following

        for width in (36, 56, 76, 116):
            await pilot.resize_terminal(width + GUTTER, HEIGHT)
            assert await ready(pilot, width) is log
            assert_fits(log, width)
            assert_whole_story(log, events, with_source=width >= WIDE)
            await until(pilot, lambda: log.scroll_y == log.max_scroll_y, "the tail")
            assert log.following
        assert blocks(log)[:5] == [format_event(event, noon) for event in events[:5]]


async def test_a_resize_when_scrolled_back_keeps_the_line_at_the_top() -> None:
    app = LogApp()
    async with app.run_test(size=(116 + GUTTER, HEIGHT)) as pilot:
        log = await ready(pilot, 116)
        events = [
            message_event(Kind.RECEIVED, ECHO, PEER, f"message {n} ".encode() * 3)
            for n in range(60)
        ]
        log.show_events(events)
        await until(pilot, lambda: log.scroll_y == log.max_scroll_y > 0, "the tail")
        log.scroll_to(y=20, animate=False, immediate=True)
        await until(pilot, lambda: not log.following, "scrolled back")
        assert log.lines[20].startswith("12:00:00") and "message 20 " in log.lines[20]

        await pilot.resize_terminal(36 + GUTTER, HEIGHT)
        log = await ready(pilot, 36)
        top = round(log.scroll_y)
        assert log.lines[top].startswith("12:00:00")
        assert "message 20 " in blocks_from(log, top)
        assert not log.following
        assert "scrolled back" in log.status
        # New lines do not move the view.
        log.show_events([message_event(Kind.RECEIVED, ECHO, PEER, b"later")])
        assert round(log.scroll_y) == top


def blocks_from(log: EventLog, y: int) -> str:
    """The text of the event whose first line is line y."""
    lines = [log.lines[y]]
    for line in log.lines[y + 1 :]:
        if not line.startswith(" "):
            break
        lines.append(line.strip())
    return " ".join(lines)


async def test_pausing_and_filtering_across_a_resize() -> None:
    app = LogApp()
    async with app.run_test(size=(116 + GUTTER, HEIGHT)) as pilot:
        log = await ready(pilot, 116)
        log.show_events(story()[:4])
        log.paused = True
        held = [message_event(Kind.RECEIVED, ECHO, PEER, b"held while paused")]
        log.show_events(held)
        assert log.held == 1
        assert not any("held while paused" in line for line in log.lines)

        await pilot.resize_terminal(36 + GUTTER, HEIGHT)
        log = await ready(pilot, 36)
        # Laid out for the new width, and still without what is held.
        assert_fits(log, 36)
        assert len(blocks(log)) == 4
        assert not any("held" in line for line in log.lines)
        assert log.status == "paused: 1 new held"

        log.paused = False
        assert "held while paused" in words(" ".join(log.lines))
        assert len(blocks(log)) == 5
        assert_fits(log, 36)

        log.set_filter(server=None, text="HELLO")
        assert [words(block) for block in blocks(log)] == [
            f"12:00:00 received {PEER} 6 bytes hello\\n",
            f"12:00:00 sent {PEER} 6 bytes hello\\n",
        ]
        # The filter matches the whole line, the server's name too, shown or not.
        log.set_filter(server=None, text="tcp/echo")
        assert len(blocks(log)) == 5


async def test_a_resize_while_paused_past_the_kept_lines_waits_for_the_resume() -> None:
    app = LogApp()
    async with app.run_test(size=(116 + GUTTER, HEIGHT)) as pilot:
        log = await ready(pilot, 116)
        log.show_events(story()[:4])
        before = list(log.lines)
        log.paused = True
        for n in range(6):  # 600 events: more than the 500 kept
            log.show_events([message_event(Kind.RECEIVED, ECHO, PEER, b"%d" % n)] * 100)
        assert log.status == "paused: 600 new held, 100 dropped"
        await pilot.resize_terminal(56 + GUTTER, HEIGHT)
        await until(pilot, lambda: log._fit_width == 56, "the new width")
        assert list(log.lines) == before  # what was on view is kept no more
        log.paused = False
        assert log._laid[0] == 56
        assert_fits(log, 56)
        assert len(log.lines) == 500
        assert log.lines[-1] == f"12:00:00  received  {PEER}  1 byte 5"
        await until(pilot, lambda: not log.show_horizontal_scrollbar, "no scrollbar")


async def test_a_flood_batch_is_one_write_of_fitted_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    app = LogApp()
    async with app.run_test(size=(36 + GUTTER, HEIGHT)) as pilot:
        log = await ready(pilot, 36)
        writes: list[int] = []
        write_lines = log.write_lines

        def counted(lines: Iterable[str], scroll_end: bool | None = None) -> EventLog:
            made = list(lines)
            writes.append(len(made))
            return write_lines(made, scroll_end)

        monkeypatch.setattr(log, "write_lines", counted)
        flood = [message_event(Kind.RECEIVED, ECHO, PEER, b"hello\n") for _ in range(5000)]
        log.show_events(flood)
        assert len(writes) == 1
        assert log.lost == 5000 - log.batch_lines
        assert writes == [2 * log.batch_lines]  # each line wrapped once
        assert_fits(log, 36)
        await until(pilot, lambda: log.scroll_y == log.max_scroll_y > 0, "the tail")
        assert log.following


# -- the layout functions, on their own --------------------------------------------------


@pytest.mark.parametrize("width", [5, 12, 20, 36, 56])
def test_wrap_line_keeps_every_character_and_breaks_at_spaces(width: int) -> None:
    line = "12:00:00 received 127.0.0.1:40988 96 bytes " + LONG.decode().replace("\n", "\\n")
    pieces = wrap_line(line, width, 9)
    assert all(cell_len(piece) <= width for piece in pieces)
    assert "".join(pieces).replace(" ", "") == line.replace(" ", "")
    if width >= 36:
        # Every word fits a line, so every break falls on a space: no word is split.
        assert words(" ".join(pieces)) == words(line)
        assert all(piece.startswith(" " * 9) for piece in pieces[1:])


def test_wrap_line_breaks_a_word_only_when_it_is_wider_than_a_line() -> None:
    assert wrap_line("ab " + "x" * 25, 10, 0) == ["ab", "xxxxxxxxxx", "xxxxxxxxxx", "xxxxx"]
    assert wrap_line("short", 10, 4) == ["short"]


def test_wrap_line_counts_cells_of_wide_characters() -> None:
    pieces = wrap_line("日本語のテキスト 日本語のテキスト", 10, 0)
    assert pieces == ["日本語のテ", "キスト", "日本語のテ", "キスト"]
    assert all(cell_len(piece) <= 10 for piece in pieces)


def test_fit_columns_moves_a_column_that_does_not_fit_to_the_next_line() -> None:
    columns = ("12:00:00", "received", PEER, "6 bytes hello\\n")
    assert fit_columns(columns, " ", 36) == [
        f"12:00:00 received {PEER}",
        "         6 bytes hello\\n",
    ]
    assert fit_columns(columns, "  ", 80) == ["  ".join(columns)]
    # Too narrow for the indent: lines start at the left edge.
    assert fit_columns(columns, " ", 16) == ["12:00:00", "received", PEER, "6 bytes hello\\n"]
