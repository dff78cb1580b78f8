"""Hex dumps as Rich `Text`: offset, hex bytes and printable ASCII, fitted to a width.

The lines come from `safetext.hex_lines`, so nothing from the network reaches the
screen except hex digits and printable ASCII; this module only colours them and
picks how many bytes a line holds so the dump fits the column it is shown in.
"""

from __future__ import annotations

from rich.text import Text

from netlab.core.safetext import hex_lines

_OFFSET = 8
"""Characters of the offset column ("00000000")."""
_GAPS = 4
"""The two double spaces around the hex column."""


def bytes_per_line(columns: int, *, widest: int = 16, narrowest: int = 4) -> int:
    """How many bytes a dump line can hold in `columns` characters (a multiple of 4).

    Each byte costs four characters: two hex digits, a space and its ASCII column.
    Below the narrowest dump with offsets, as many bytes as fit without them.
    """
    fits = (columns - _OFFSET - _GAPS + 1) // 4
    if fits < narrowest:
        return max(1, columns // 4)
    return min(widest, fits - fits % 4)


def fits_offsets(columns: int, width: int) -> bool:
    """Whether a dump of `width` bytes a line, with its offsets, fits in `columns`."""
    return _OFFSET + _GAPS + 4 * width - 1 <= columns


def hex_dump(
    data: bytes, width: int = 16, *, offsets: bool = True, offset_style: str = "dim"
) -> Text:
    """`data` as a hex dump, `width` bytes a line, offsets dimmed; empty data says so.

    Without `offsets` (a narrow column), each line is only the hex and its ASCII.
    """
    if not data:
        return Text("(no bytes)", style="dim")
    dump = Text()
    for number, line in enumerate(hex_lines(data, width)):
        if number:
            dump.append("\n")
        if offsets:
            dump.append(line[:_OFFSET], style=offset_style)
            dump.append(line[_OFFSET:])
        else:
            hex_part, _, text_part = line[_OFFSET + 2 :].rpartition("  ")
            dump.append(f"{hex_part.rstrip():<{width * 3 - 1}} {text_part}")
    return dump
