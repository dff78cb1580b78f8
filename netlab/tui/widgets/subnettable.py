"""SubnetTable: the page of subnets under the Address pane's split box, drawn line by line.

It looks and answers keys as Textual's `DataTable` with a row cursor and zebra stripes,
which it replaced (issue #12): a DataTable renders each cell through Rich (about 1 ms a
line on screen), measures every cell again once idle, and is restyled whole by a class
change, which took most of the 64-152 ms from the split's key to its first page
(bench/README.md). Here a page is handed over whole: the column widths are counted from
the cells' text, and a line is one segment a cell, drawn only when on screen.

Cells are one-line strings, shown as they are (never parsed as markup); a column is as
wide as its widest cell or heading, with a space either side, and aligned left or right
(numbers), heading and cells alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar, NamedTuple

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size, Spacing, clamp
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

HEADER = -1
"""The heading line's row index, as a DataTable numbers it."""
PADDING = 1
"""Spaces either side of a cell."""

_HEADER_SPACING = Spacing(1, 0, 0, 0)
"""The heading stays on top: a row scrolled into view must clear it."""


def _crop_left(segments: list[Segment], start: int) -> list[Segment]:
    """The segments from cell `start` on (Textual's line crop, to the end of the line)."""
    if not start:
        return segments
    position = 0
    for index, segment in enumerate(segments):
        end = position + cell_len(segment.text)
        if end > start:
            return [segment.split_cells(start - position)[1], *segments[index + 1 :]]
        position = end
    return []


class Column(NamedTuple):
    """A column: its heading, and whether it is aligned right (numbers)."""

    label: str
    right: bool = False


def _padded(text: str, width: int, right: bool) -> str:
    """A cell's text in its column, with the padding either side."""
    gap = " " * max(0, width - cell_len(text))
    pad = " " * PADDING
    if right:
        return f"{pad}{gap}{text}{pad}"
    return f"{pad}{text}{gap}{pad}"


class SubnetTable(ScrollView, can_focus=True):
    """A page of subnets; [ and ] (or PageUp/PageDown at either end) turn the page."""

    ALLOW_SELECT = False

    BINDINGS: ClassVar[list[BindingType]] = [
        # A DataTable's keys, with a row cursor.
        Binding("enter", "select_cursor", "Select", show=False),
        Binding("up", "cursor_up", "Cursor up", show=False),
        Binding("down", "cursor_down", "Cursor down", show=False),
        Binding("right", "cursor_right", "Cursor right", show=False),
        Binding("left", "cursor_left", "Cursor left", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("ctrl+home", "scroll_top", "Top", show=False),
        Binding("ctrl+end", "scroll_bottom", "Bottom", show=False),
        Binding("home", "scroll_home", "Home", show=False),
        Binding("end", "scroll_end", "End", show=False),
        # Turning the pages of the list.
        Binding("left_square_bracket", "turn('previous')", "Prev page", id="address-prev-page"),
        Binding("right_square_bracket", "turn('next')", "Next page", id="address-next-page"),
        Binding("left_curly_bracket", "turn('first')", "First page", show=False),
        Binding("right_curly_bracket", "turn('last')", "Last page", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "subnettable--cursor",
        "subnettable--hover",
        "subnettable--header",
        "subnettable--header-hover",
        "subnettable--odd-row",
        "subnettable--even-row",
    }

    # A DataTable's styles (Textual 8.2.8), for the parts a row cursor uses.
    DEFAULT_CSS = """
    SubnetTable {
        background: $surface;
        color: $foreground;
        height: auto;
        max-height: 100%;

        &:focus {
            background-tint: $foreground 5%;
            & > .subnettable--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }

            & > .subnettable--header {
                background-tint: $foreground 5%;
            }
        }

        &:dark {
            & > .subnettable--even-row {
                background: $surface-darken-1 40%;
            }
        }

        & > .subnettable--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        &:ansi > .subnettable--header {
            background: ansi_bright_blue;
            color: ansi_default;
        }

        & > .subnettable--odd-row {

        }

        & > .subnettable--even-row {
            background: $surface-lighten-1 50%;
        }

        & > .subnettable--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }

        & > .subnettable--header-hover {
            background: $accent 30%;
        }

        & > .subnettable--hover {
            background: $block-hover-background;
        }
    }
    """

    @dataclass
    class Turn(Message):
        """Show another page: "previous", "next", "first" or "last"."""

        where: str
        cursor_at_end: bool = field(default=False, kw_only=True)

    class Selected(Message):
        """Enter on a row, or a click on the row under the cursor."""

        def __init__(self, row: int) -> None:
            super().__init__()
            self.row = row

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._rows: list[Sequence[str]] = []
        self._lines: list[list[str]] = [[]]
        """Each line's cells as drawn, padded to their columns: the headings, then the rows."""
        self._table_width = 0
        self._cursor = 0
        self._hover = 0
        self._show_hover = False
        self._base_style = Style()
        self._line_styles: dict[tuple[str, bool, bool], tuple[Style, Style]] = {}
        self._metas: dict[tuple[int, int], Style] = {}

    # -- what it shows ---------------------------------------------------------------------

    def show(
        self,
        columns: Sequence[Column],
        rows: Sequence[Sequence[str]],
        *,
        cursor_at_end: bool = False,
    ) -> None:
        """Replace what the table shows; the cursor on the first row, or the last."""
        widths = [cell_len(column.label) for column in columns]
        for row in rows:
            for index, cell in enumerate(row):
                width = cell_len(cell)
                if width > widths[index]:
                    widths[index] = width
        right = [column.right for column in columns]
        self._rows = list(rows)
        self._lines = [
            list(map(_padded, line, widths, right))
            for line in ([column.label for column in columns], *rows)
        ]
        self._table_width = sum(width + 2 * PADDING for width in widths)
        self._metas.clear()
        self._cursor = len(rows) - 1 if cursor_at_end and rows else 0
        self._hover = 0
        self.scroll_x = self.scroll_y = 0
        self.scroll_target_x = self.scroll_target_y = 0
        self.virtual_size = Size(self._table_width, len(rows) + 1)
        self.refresh()
        if self._cursor:
            # Once laid out at the new page's size.
            self.call_after_refresh(self._scroll_cursor_into_view)

    def clear(self) -> None:
        """Show nothing: no columns, no rows."""
        self.show((), ())

    @property
    def row_count(self) -> int:
        return len(self._rows)

    def get_row_at(self, row_index: int) -> list[str]:
        """The cells of a row."""
        return list(self._rows[row_index])

    @property
    def cursor_row(self) -> int:
        return self._cursor

    def move_cursor(self, *, row: int, animate: bool = False, scroll: bool = True) -> None:
        """Put the cursor on a row (clamped to the rows there are)."""
        self._set_cursor(row, animate=animate, scroll=scroll)

    def _set_cursor(self, row: int, *, animate: bool = False, scroll: bool = True) -> None:
        row = clamp(row, 0, max(0, len(self._rows) - 1))
        if row != self._cursor:
            self._cursor = row
            self.refresh()
            self._scroll_cursor_into_view()
        elif scroll:
            self._scroll_cursor_into_view(animate=animate)

    def _scroll_cursor_into_view(self, animate: bool = False) -> None:
        width = max(self.size.width, self._table_width)
        region = Region(int(self.scroll_x), self._cursor + 1, width, 1)
        self.scroll_to_region(region, animate=animate, spacing=_HEADER_SPACING, force=True)

    def _set_hover(self, active: bool) -> None:
        if active != self._show_hover:
            self._show_hover = active
            self.refresh()

    # -- drawing ---------------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self.refresh()

    def render_lines(self, crop: Region) -> list[Strip]:
        # The styles, once for all the lines drawn now: the widget's own walks its ancestors.
        self._base_style = self.rich_style
        self._line_styles.clear()
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        scroll_x, scroll_y = self.scroll_offset
        base_style = self._base_style
        if y == 0:
            row_index = HEADER
        else:
            row_index = y - 1 + scroll_y
            if row_index >= len(self._rows):
                return Strip.blank(width, base_style)
        segments = _crop_left(self._row_segments(row_index, width), scroll_x)
        # As a DataTable draws it, which simplifies the strip too: no two segments here
        # share a style (each cell has its own row and column in its meta), so that does
        # nothing.
        return Strip(segments).adjust_cell_length(width, base_style)

    def _cell_styles(
        self, header: bool, hover: bool, cursor: bool, *, css_foreground: bool
    ) -> tuple[Style, Style]:
        """What the cursor and the mouse add to a cell, and what is laid over its text."""
        get = self.get_component_rich_style
        component = Style()
        if hover and self._show_hover:
            component += get("subnettable--hover")
            if header:
                component += get("subnettable--header-hover")
        if cursor:
            component += get("subnettable--cursor")
        post = Style.from_color(color=component.color) if css_foreground else Style.null()
        return component, post

    def _styles_for(self, kind: str, hover: bool, cursor: bool) -> tuple[Style, Style]:
        """A line's style for its cells and for the width after them, less their metas.

        A DataTable draws a cell as (line style + meta + cursor and mouse) + the cursor's
        colour over the text; the meta adds nothing but itself, so here it goes on last.
        """
        key = (kind, hover, cursor)
        styles = self._line_styles.get(key)
        if styles is None:
            line_style = self.get_component_rich_style(f"subnettable--{kind}")
            header = kind == "header"
            component, post = self._cell_styles(header, hover, cursor, css_foreground=True)
            cell_style = line_style + component
            if post:
                cell_style += post
            extend, _ = self._cell_styles(header, hover, cursor, css_foreground=False)
            styles = self._line_styles[key] = (cell_style, line_style + extend)
        return styles

    def _meta(self, row_index: int, column: int) -> Style:
        key = (row_index, column)
        meta = self._metas.get(key)
        if meta is None:
            if column < 0:  # the width after the cells
                meta = Style.from_meta({"row": row_index, "column": 0, "out_of_bounds": True})
            else:
                meta = Style.from_meta({"row": row_index, "column": column})
            self._metas[key] = meta
        return meta

    def _row_segments(self, row_index: int, width: int) -> list[Segment]:
        """A whole line of the table: a segment a cell, then the rest of the width."""
        kind = "odd-row" if row_index % 2 else "even-row"
        if row_index == HEADER:
            kind = "header"
        hover = row_index == self._hover
        cursor = row_index == self._cursor
        cell_style, extend_style = self._styles_for(kind, hover, cursor)
        meta = self._meta
        segments = [
            Segment(text, cell_style + meta(row_index, column))
            for column, text in enumerate(self._lines[row_index + 1])
        ]
        rest = " " * max(0, width - self._table_width)
        segments.append(Segment(rest, extend_style + meta(row_index, -1)))
        return segments

    # -- the mouse -------------------------------------------------------------------------

    def on_mouse_move(self, event: events.MouseMove) -> None:
        meta = event.style.meta
        if not meta:
            self._set_hover(False)
            return
        self._set_hover(True)
        if "row" in meta and meta["row"] != self._hover:
            self._hover = meta["row"]
            self.refresh()

    def on_leave(self, event: events.Leave) -> None:
        self._set_hover(False)

    def on_click(self, event: events.Click) -> None:
        self._set_hover(True)
        meta = event.style.meta
        if "row" not in meta or "column" not in meta or meta["row"] == HEADER:
            return
        row = meta["row"]
        if row == self._cursor:
            self.post_message(self.Selected(row))
        self._set_cursor(row, animate=True)
        event.stop()

    # -- keys ------------------------------------------------------------------------------

    def action_turn(self, where: str) -> None:
        self.post_message(self.Turn(where))

    def action_select_cursor(self) -> None:
        self._set_hover(False)
        if self._rows:
            self.post_message(self.Selected(self._cursor))

    def action_cursor_up(self) -> None:
        self._set_hover(False)
        self._set_cursor(self._cursor - 1, scroll=False)

    def action_cursor_down(self) -> None:
        self._set_hover(False)
        self._set_cursor(self._cursor + 1, scroll=False)

    def action_cursor_right(self) -> None:
        self._set_hover(False)
        self.action_scroll_right()

    def action_cursor_left(self) -> None:
        self._set_hover(False)
        self.action_scroll_left()

    def action_scroll_top(self) -> None:
        self._set_hover(False)
        self._set_cursor(0, scroll=False)

    def action_scroll_bottom(self) -> None:
        self._set_hover(False)
        self._set_cursor(len(self._rows) - 1, scroll=False)

    def action_scroll_home(self) -> None:
        self._set_hover(False)
        self.scroll_x = 0

    def action_scroll_end(self) -> None:
        self._set_hover(False)
        self.scroll_x = self.max_scroll_x

    def action_page_down(self) -> None:
        """A screenful down; on the last row, the next page of the list."""
        if self._rows and self._cursor >= len(self._rows) - 1:
            self.post_message(self.Turn("next"))
            return
        self._set_hover(False)
        height = self.scrollable_content_region.height - 1
        self.scroll_relative(y=height, animate=False, force=True)
        self._set_cursor(min(self._cursor + height, len(self._rows) - 1), scroll=False)

    def action_page_up(self) -> None:
        """A screenful up; on the first row, the previous page, the cursor on its last row."""
        if self._rows and self._cursor <= 0:
            self.post_message(self.Turn("previous", cursor_at_end=True))
            return
        self._set_hover(False)
        height = self.scrollable_content_region.height - 1
        self.scroll_relative(y=-height, animate=False)
        self._set_cursor(max(self._cursor - height, 0), scroll=False)
