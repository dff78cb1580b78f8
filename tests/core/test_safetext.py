"""Network bytes shown as data: no markup, no terminal control, no broken characters."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console
from rich.text import Text

from netlab.core.safetext import StreamDecoder, hex_lines, safe_bytes, safe_text


def test_escape_sequences_become_visible() -> None:
    assert safe_text("\x1b[31mred\x1b[0m") == "\\x1b[31mred\\x1b[0m"
    assert safe_text("a\tb\r\n\x00") == "a\\tb\\r\\n\\0"


def test_invisible_formatting_characters_become_visible() -> None:
    assert safe_text("abc\u202edef\u200b") == "abc\\u202edef\\u200b"
    # private use and tag characters (which can hide text) too
    assert safe_bytes(b"\xee\x80\x80") == "\\ue000"
    assert safe_text("x\U000e0041") == "x\\U000e0041"


def test_rich_markup_stays_literal_through_text() -> None:
    console = Console(width=80, record=True, color_system=None)
    console.print(Text(safe_text("[bold red]boom[/] [link=http://x]y[/link]")))
    assert console.export_text().strip() == "[bold red]boom[/] [link=http://x]y[/link]"


def test_long_lines_are_cut_with_a_marker() -> None:
    assert safe_text("x" * 30, limit=10) == "x" * 10 + " … (+20 characters)"
    assert safe_text("x" * 11, limit=10) == "x" * 10 + " … (+1 character)"
    assert safe_text("x" * 2010, limit=10) == "x" * 10 + " … (+2,000 characters)"


def test_bytes_that_are_not_utf8_show_as_the_bytes_they_are() -> None:
    assert safe_bytes(b"ok\xff") == "ok\\xff"
    assert safe_bytes(b"\x9b31m") == "\\x9b31m"  # a C1 CSI byte, neither run nor lost
    assert safe_bytes("é".encode() + b"\xc3") == "é\\xc3"


def test_a_character_split_across_reads_survives() -> None:
    decoder = StreamDecoder()
    encoded = "héllo €".encode()
    assert decoder.feed(encoded[:2]) + decoder.feed(encoded[2:9]) + decoder.feed(encoded[9:]) == (
        "héllo €"
    )


def test_hex_lines_show_offset_bytes_and_ascii() -> None:
    assert hex_lines(b"HEAD /\r\n") == [
        "00000000  48 45 41 44 20 2f 0d 0a" + " " * 24 + "  HEAD /.."
    ]


@given(st.binary(max_size=300) | st.text(max_size=100).map(str.encode))
def test_no_control_character_survives(data: bytes) -> None:
    shown = safe_bytes(data, limit=10_000)
    assert all(ch.isprintable() or ch == " " for ch in shown)


def test_stream_decoder_shows_a_stray_byte_as_itself_and_keeps_a_split_character() -> None:
    decoder = StreamDecoder()
    assert decoder.feed(b"a\x9b\xc3") == "a\\x9b"
    assert decoder.feed(b"\xa9z") == "éz"
