"""Bytes from the network made safe to show: data, never markup or terminal control.

Every control character, escape sequence and invisible formatting character (bidi
overrides, zero-width spaces) is written out as a visible escape such as `\\x1b`
or `\\u202e`, and over-long lines are cut with a marker. The result is plain text:
the CLI prints it, the app wraps it in `rich.text.Text`, which never reads markup.
"""

from __future__ import annotations

import codecs

from netlab.core.plural import plural

DEFAULT_LIMIT = 2000
"""Characters of one line shown before it is cut."""

_NAMED = {"\t": "\\t", "\r": "\\r", "\n": "\\n", "\x00": "\\0"}


def _escape(code: int) -> str:
    char = chr(code)
    if char in _NAMED:
        return _NAMED[char]
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


# The common controls, replaced in one C-level pass; anything rarer is found below.
_TABLE = {code: _escape(code) for code in [*range(0x20), *range(0x7F, 0xA0)]}


def safe_text(text: str, limit: int | None = DEFAULT_LIMIT) -> str:
    """`text` with every control and invisible character made visible, cut at `limit`
    characters (None: never cut)."""
    if limit is None:
        limit = len(text)
    shown = text[:limit].translate(_TABLE)
    if not shown.isprintable():
        # Formatting, private-use, unassigned and separator characters (bidi overrides,
        # zero-width spaces, tag characters) are escaped too: nothing hides in the data.
        shown = "".join(char if char.isprintable() else _escape(ord(char)) for char in shown)
    if len(text) > limit:
        shown += f" … (+{plural(len(text) - limit, 'character', grouped=True)})"
    return shown


def safe_bytes(data: bytes, limit: int | None = DEFAULT_LIMIT) -> str:
    """Bytes decoded as UTF-8, each byte that is not UTF-8 written as `\\xNN`, made safe."""
    return safe_text(data.decode("utf-8", errors="backslashreplace"), limit)


class StreamDecoder:
    """Decodes UTF-8 arriving in pieces, so a character split across two reads survives."""

    def __init__(self) -> None:
        # A byte that is not UTF-8 comes out as the four characters \xNN, as it does
        # from safe_bytes: shown as the byte it is, never as U+FFFD.
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="backslashreplace")

    def feed(self, data: bytes) -> str:
        return self._decoder.decode(data)

    def flush(self) -> str:
        return self._decoder.decode(b"", final=True)


def hex_lines(data: bytes, width: int = 16) -> list[str]:
    """A hex dump: offset, hex bytes, and the printable ASCII beside them."""
    lines = []
    for offset in range(0, len(data), width):
        chunk = data[offset : offset + width]
        hex_part = " ".join(f"{byte:02x}" for byte in chunk)
        text_part = "".join(chr(byte) if 0x20 <= byte < 0x7F else "." for byte in chunk)
        lines.append(f"{offset:08x}  {hex_part:<{width * 3 - 1}}  {text_part}")
    return lines
