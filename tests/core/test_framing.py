"""Cutting a stream into messages: raw, LF, CRLF, TAB."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from netlab.core.errors import InputError
from netlab.core.framing import Framing, MessageTooBig, Splitter


@pytest.mark.parametrize(
    ("framing", "wire"),
    [
        (Framing.RAW, b"hello"),
        (Framing.LF, b"hello\n"),
        (Framing.CRLF, b"hello\r\n"),
        (Framing.TAB, b"hello\t"),
    ],
)
def test_frame_adds_the_terminator(framing: Framing, wire: bytes) -> None:
    assert framing.frame(b"hello") == wire


@pytest.mark.parametrize("text", ["lf", "LF", " crlf ", "tab", "raw"])
def test_parse_reads_names_in_any_case(text: str) -> None:
    assert Framing.parse(text).value == text.strip().lower()


def test_parse_rejects_unknown_names_in_one_sentence() -> None:
    with pytest.raises(InputError, match="use one of raw, lf, crlf, tab"):
        Framing.parse("nul")


def test_a_message_split_across_chunks_comes_out_whole() -> None:
    splitter = Splitter(Framing.TAB)
    assert splitter.feed(b"hel") == []
    assert splitter.feed(b"lo\twor") == [b"hello"]
    assert splitter.feed(b"ld\t\t") == [b"world", b""]


def test_lf_framing_accepts_crlf_as_telnet_sends_it() -> None:
    assert Splitter(Framing.LF).feed(b"one\r\ntwo\n") == [b"one", b"two"]


def test_raw_framing_passes_each_chunk_through() -> None:
    splitter = Splitter(Framing.RAW)
    assert splitter.feed(b"a\nb") == [b"a\nb"]
    assert splitter.feed(b"") == []


def test_a_message_that_never_ends_is_capped() -> None:
    splitter = Splitter(Framing.LF, max_size=128)
    with pytest.raises(MessageTooBig):
        splitter.feed(b"x" * 200)
    assert splitter.flush() == b""


@given(st.lists(st.binary(max_size=50).filter(lambda m: b"\n" not in m), max_size=20), st.data())
def test_any_chunking_gives_the_same_messages(messages: list[bytes], data: st.DataObject) -> None:
    wire = b"".join(message + b"\n" for message in messages)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(wire)), max_size=10)))
    splitter = Splitter(Framing.LF, max_size=10_000)
    out: list[bytes] = []
    for start, end in zip([0, *cuts], [*cuts, len(wire)], strict=True):
        out += splitter.feed(wire[start:end])
    assert out == [m.removesuffix(b"\r") for m in messages]
