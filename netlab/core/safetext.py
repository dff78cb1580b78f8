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


# -- escapes that go back to bytes ------------------------------------------------------
#
# safe_bytes() is for showing: a byte that is not UTF-8 and the character of the same
# number both show as \x80, and a backslash stays itself. For a file a person edits
# and netlab reads back (a recording), each escape must stand for exactly one thing:
# \xNN is always the byte NN, \uNNNN and \UNNNNNNNN always a character (its UTF-8
# bytes), and a backslash is written \\.

_BYTE_ESCAPES = {
    code: "\\\\" if code == ord("\\") else _escape(code) for code in [*range(0x20), 0x5C, 0x7F]
}
_UNNAMED = {value: key for key, value in _NAMED.items()}
_HEX_LENGTHS = {"x": 2, "u": 4, "U": 8}


def _reversible_escape(char: str) -> str:
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that is not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x80:
        return _BYTE_ESCAPES[code]
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def escape_bytes(data: bytes) -> str:
    """`data` as one line of printable text that unescape_bytes() turns back into `data`
    exactly: controls, invisible characters, backslashes and bytes that are not UTF-8
    written as escapes."""
    text = data.decode("utf-8", errors="surrogateescape").translate(_BYTE_ESCAPES)
    if not text.isprintable():
        text = "".join(char if char.isprintable() else _reversible_escape(char) for char in text)
    return text


def unescape_bytes(text: str) -> bytes:
    """The bytes escape_bytes() wrote as `text`. Besides its escapes, \\t \\r \\n \\0 \\\\,
    \\xNN (a byte), \\uNNNN and \\UNNNNNNNN (a character); any other character stands for
    itself. ValueError names the first escape that is none of these."""
    out = bytearray()
    start = 0
    while (slash := text.find("\\", start)) >= 0:
        out += text[start:slash].encode()
        escape = text[slash : slash + 2]
        if escape in _UNNAMED:
            out += _UNNAMED[escape].encode()
            start = slash + 2
        elif escape == "\\\\":
            out += b"\\"
            start = slash + 2
        elif (kind := escape[1:]) in _HEX_LENGTHS:
            end = slash + 2 + _HEX_LENGTHS[kind]
            out += _hex_escape(text[slash:end], kind)
            start = end
        else:
            raise ValueError(
                f"{escape!r} at column {slash + 1} is not an escape: use \\\\ for a backslash, "
                "\\n \\r \\t \\0, \\xNN for a byte, \\uNNNN for a character"
            )
    out += text[start:].encode()
    return bytes(out)


def _hex_escape(escape: str, kind: str) -> bytes:
    digits = escape[2:]
    if len(digits) != _HEX_LENGTHS[kind] or not all(c in "0123456789abcdefABCDEF" for c in digits):
        raise ValueError(
            f"{escape!r} needs {_HEX_LENGTHS[kind]} hex digits after \\{kind}, such as "
            + {"x": "\\x0a", "u": "\\u00e9", "U": "\\U0001f600"}[kind]
        )
    code = int(digits, 16)
    if kind == "x":
        return bytes([code])
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise ValueError(f"{escape!r} is not a character: no UTF-8 can carry it")
    return chr(code).encode()
