"""Cutting a stream into messages: raw, LF, CRLF, TAB, and what each took on the wire."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netlab.core.errors import InputError
from netlab.core.framing import Framing, MessageTooBig, Splitter

LINE_FRAMINGS = [Framing.LF, Framing.CRLF, Framing.TAB]


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
    assert splitter.sizes == [6]
    assert splitter.feed(b"ld\t\t") == [b"world", b""]
    assert splitter.sizes == [6, 1]


def test_lf_framing_accepts_crlf_as_telnet_sends_it() -> None:
    assert Splitter(Framing.LF).feed(b"one\r\ntwo\n") == [b"one", b"two"]


def test_crlf_and_lf_lines_keep_their_wire_sizes() -> None:
    splitter = Splitter(Framing.LF, 1000)
    assert splitter.feed(b"hello world\r\n") == [b"hello world"]
    assert splitter.sizes == [13]
    assert splitter.feed(b"hello world\n") == [b"hello world"]
    assert splitter.sizes == [12]
    assert splitter.feed(b"one\r\ntwo\n\r\n\n") == [b"one", b"two", b"", b""]
    assert splitter.sizes == [5, 4, 2, 1]
    assert splitter.feed(b"a\r\nb\r\n") == [b"a", b"b"]
    assert splitter.sizes == [3, 3]


def test_only_the_cr_just_before_the_lf_is_taken_off() -> None:
    splitter = Splitter(Framing.LF, 1000)
    assert splitter.feed(b"a\rb\r\r\n") == [b"a\rb\r"]
    assert splitter.sizes == [6]
    assert splitter.feed(b"\ra\r\nb\r\r\n\n") == [b"\ra", b"b\r", b""]
    assert splitter.sizes == [4, 4, 1]


def test_a_line_cut_across_reads_counts_every_byte_once() -> None:
    splitter = Splitter(Framing.LF, 1000)
    assert splitter.feed(b"hello wo") == [] and splitter.sizes == []
    assert splitter.pending == 8
    assert splitter.feed(b"rld\r") == []
    # The CR came in one read and the LF in the next: still one CRLF line of 13 bytes.
    assert splitter.feed(b"\nnext") == [b"hello world"]
    assert splitter.sizes == [13]
    assert splitter.pending == 4
    assert splitter.feed(b"\n") == [b"next"] and splitter.sizes == [5]
    assert splitter.pending == 0


def test_a_cr_ending_one_read_is_kept_when_no_lf_follows() -> None:
    splitter = Splitter(Framing.LF, 1000)
    assert splitter.feed(b"one\r") == []
    assert splitter.feed(b"two\r\n") == [b"one\rtwo"] and splitter.sizes == [9]


def test_tab_framing_keeps_a_cr() -> None:
    splitter = Splitter(Framing.TAB, 1000)
    assert splitter.feed(b"one\r\ttwo\t") == [b"one\r", b"two"]
    assert splitter.sizes == [5, 4]
    assert splitter.feed(b"three\r\t") == [b"three\r"] and splitter.sizes == [7]


def test_crlf_framing_cuts_as_lf_does() -> None:
    splitter = Splitter(Framing.CRLF, 1000)
    assert splitter.feed(b"a\r\nb\n") == [b"a", b"b"] and splitter.sizes == [3, 2]


def test_raw_framing_passes_each_chunk_through() -> None:
    splitter = Splitter(Framing.RAW)
    assert splitter.feed(b"a\nb") == [b"a\nb"] and splitter.sizes == [3]
    assert splitter.feed(b"") == [] and splitter.sizes == []
    assert splitter.pending == 0


def test_raw_framing_cuts_a_read_longer_than_a_message_may_be() -> None:
    splitter = Splitter(Framing.RAW, 4)
    assert splitter.feed(b"abcdefghij") == [b"abcd", b"efgh", b"ij"]
    assert splitter.sizes == [4, 4, 2] and not splitter.overflow


def test_a_message_that_never_ends_is_capped() -> None:
    splitter = Splitter(Framing.LF, max_size=128)
    assert splitter.feed(b"x" * 200) == []
    assert splitter.overflow and splitter.pending == 0


def test_an_overflow_still_returns_the_lines_before_it() -> None:
    splitter = Splitter(Framing.LF, 8)
    assert splitter.feed(b"ok\r\n" + b"x" * 9) == [b"ok"]
    assert splitter.sizes == [4]
    assert splitter.overflow and splitter.pending == 0
    # The flag is for that read only; the splitter starts over.
    assert splitter.feed(b"fine\n") == [b"fine"] and not splitter.overflow


def test_a_line_too_long_is_flagged_even_when_it_ends() -> None:
    splitter = Splitter(Framing.LF, 8)
    assert splitter.feed(b"x" * 9 + b"\n") == [] and splitter.overflow
    # The lines before it are answered; the rest of that read is dropped.
    assert splitter.feed(b"a\n" + b"y" * 9 + b"\nb\n") == [b"a"]
    assert splitter.sizes == [2] and splitter.overflow and splitter.pending == 0


def test_an_overflow_across_reads() -> None:
    splitter = Splitter(Framing.LF, 8)
    assert splitter.feed(b"x" * 8) == [] and not splitter.overflow
    assert splitter.feed(b"x") == [] and splitter.overflow


def test_a_line_of_exactly_the_cap_fits_with_its_crlf_cut_anywhere() -> None:
    line = b"x" * 8 + b"\r\n"
    for cut in range(len(line) + 1):
        splitter = Splitter(Framing.LF, 8)
        got = splitter.feed(line[:cut]) + splitter.feed(line[cut:])
        assert got == [b"x" * 8] and not splitter.overflow, cut


def test_too_big_says_how_big_in_the_right_number() -> None:
    assert str(MessageTooBig(1)) == "a message longer than 1 byte"
    assert str(MessageTooBig(64)) == "a message longer than 64 bytes"


def feed_all(splitter: Splitter, chunks: list[bytes]) -> tuple[list[bytes], list[int], bool]:
    """Every message and wire size the chunks give, stopping at an overflow."""
    messages: list[bytes] = []
    sizes: list[int] = []
    for chunk in chunks:
        got = splitter.feed(chunk)
        assert len(got) == len(splitter.sizes)
        messages += got
        sizes += splitter.sizes
        if splitter.overflow:
            return messages, sizes, True
    return messages, sizes, False


def chunked(stream: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(cut, len(stream)) for cut in cuts} | {0, len(stream)})
    return [stream[a:b] for a, b in itertools.pairwise(points) if b > a]


def cut_by_hand(
    framing: Framing, max_size: int, stream: bytes
) -> tuple[list[bytes], list[int], bool]:
    """What feed_all should give, worked out the slow, obvious way on the whole stream."""
    terminator = b"\t" if framing is Framing.TAB else b"\n"
    *lines, partial = stream.split(terminator)
    messages: list[bytes] = []
    sizes: list[int] = []
    for line in lines:
        message = line if framing is Framing.TAB else line.removesuffix(b"\r")
        if len(message) > max_size:
            return messages, sizes, True
        messages.append(message)
        sizes.append(len(line) + 1)
    if framing is not Framing.TAB:
        partial = partial.removesuffix(b"\r")  # maybe the CR of a CRLF yet to come
    return messages, sizes, len(partial) > max_size


PIECES = st.sampled_from([b"a", b"\r", b"\n", b"\t", b"xyz", b"\r\n", b"\r\r\n", b"\n\n"])
STREAMS = st.lists(PIECES, max_size=40).map(b"".join)
CUTS = st.lists(st.integers(min_value=0, max_value=200), max_size=8)


@settings(max_examples=150, deadline=None)
@given(framing=st.sampled_from(LINE_FRAMINGS), stream=STREAMS, cuts=CUTS)
def test_messages_and_terminators_are_the_input_and_sizes_count_every_byte(
    framing: Framing, stream: bytes, cuts: list[int]
) -> None:
    splitter = Splitter(framing, 10_000)
    messages, sizes, overflow = feed_all(splitter, chunked(stream, cuts))
    assert not overflow
    assert all(type(message) is bytes for message in messages)
    # Whole messages plus the partial one held back are exactly the bytes fed.
    assert sum(sizes) + splitter.pending == len(stream)
    # Each message is followed on the wire by its terminator (for LF, maybe CRLF):
    # together they are the input, in order, and each size is the pair's length.
    terminator = b"\t" if framing is Framing.TAB else b"\n"
    ends = [terminator] if framing is Framing.TAB else [terminator, b"\r" + terminator]
    start = 0
    for message, size in zip(messages, sizes, strict=True):
        assert stream[start : start + len(message)] == message
        end = stream[start + len(message) : start + size]
        assert end in ends
        # LF framing takes the CR of every CRLF off the message, and only that CR.
        assert (end == b"\r\n") == stream[start : start + size].endswith(b"\r\n")
        start += size
    assert terminator not in stream[start:]


@settings(max_examples=150, deadline=None)
@given(
    framing=st.sampled_from(LINE_FRAMINGS),
    stream=STREAMS,
    cuts=CUTS,
    max_size=st.integers(min_value=1, max_value=12),
)
def test_any_chunking_gives_the_same_messages_sizes_and_overflow(
    framing: Framing, stream: bytes, cuts: list[int], max_size: int
) -> None:
    expected = cut_by_hand(framing, max_size, stream)
    assert feed_all(Splitter(framing, max_size), [stream]) == expected
    assert feed_all(Splitter(framing, max_size), chunked(stream, cuts)) == expected
    one_byte_reads = [stream[i : i + 1] for i in range(len(stream))]
    assert feed_all(Splitter(framing, max_size), one_byte_reads) == expected


@given(st.lists(st.binary(max_size=50).filter(lambda m: b"\n" not in m), max_size=20), st.data())
def test_any_chunking_gives_the_same_lines(messages: list[bytes], data: st.DataObject) -> None:
    wire = b"".join(message + b"\n" for message in messages)
    cuts = data.draw(st.lists(st.integers(0, len(wire)), max_size=10))
    splitter = Splitter(Framing.LF, max_size=10_000)
    got, sizes, overflow = feed_all(splitter, chunked(wire, cuts))
    assert got == [m.removesuffix(b"\r") for m in messages] and not overflow
    assert sizes == [len(m) + 1 for m in messages]
