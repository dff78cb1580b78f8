"""`connect --record` and `netlab replay`: a session written down, then checked again."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from netlab.core.endpoints import address_text
from netlab.core.lab import Lab
from tests.cli.run import in_process
from tests.cli.schema import check_error, json_lines


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, str]]:
    lab = Lab()
    try:
        echo = lab.start_server("echo:0", host="127.0.0.1")
        upper = lab.start_server("upper:0", host="127.0.0.1")
        assert echo.address is not None and upper.address is not None
        yield {"echo": address_text(echo.address), "upper": address_text(upper.address)}
    finally:
        lab.close()


@pytest.fixture(scope="module")
def recorded(servers: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What `printf 'hello\\nhow are you?\\n' | netlab connect ECHO --record FILE` writes."""
    folder = tmp_path_factory.mktemp("recorded")
    typed = folder / "typed.txt"
    typed.write_bytes(b"hello\nhow are you?\n")
    path = folder / "echo.rec"
    with pytest.MonkeyPatch.context() as patch, typed.open("rb") as stdin:
        patch.setattr(sys, "stdin", stdin)
        result = in_process("connect", servers["echo"], "--record", str(path), "--quiet", "0.2")
    assert result.returncode == 0, result.stderr
    return path


def test_a_recording_replayed_against_the_same_server_matches(
    servers: dict[str, str], recorded: Path
) -> None:
    lines = recorded.read_text().splitlines()
    assert lines[0] == "# netlab recording 1"
    assert [line[:1] for line in lines[2:]] == [">", "<", ">", "<"]
    result = in_process("replay", str(recorded), servers["echo"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["ok  hello\\n", "ok  how are you?\\n"]


def test_a_server_that_answers_otherwise_differs_at_the_first_reply(
    servers: dict[str, str], recorded: Path
) -> None:
    result = in_process("replay", str(recorded), servers["upper"])
    assert result.returncode == 1
    first = result.stdout.splitlines()[0]
    assert first == 'DIFFERS  sent "hello\\n": expected "hello\\n", got "HELLO\\n"'
    assert "the first is the reply to line 3" in result.stderr
    replies = json_lines(in_process("replay", str(recorded), servers["upper"], "--json"))
    assert [reply.get("matched") for reply in replies[:2]] == [False, False]


def test_regex_and_anything_accept_what_bytes_would_not(
    servers: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "loose.rec"
    path.write_text("# netlab recording 1\n> 0 hello\\n\n< ~ ^HEL+O\\n$\n> 0 x\\n\n< *\n")
    result = in_process("replay", str(path), servers["upper"])
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines() == ["ok  hello\\n", "ok  x\\n"]


def test_pauses_are_waited_as_recorded_and_never_longer_than_the_timeout(
    servers: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "paced.rec"
    # The last pause hand-edited to 999 s: --timeout (1 s) bounds it.
    path.write_text(
        "# netlab recording 1\n> 0.000 a\\n\n< 0.001 a\\n\n> 0.300 b\\n\n< 0.301 b\\n\n"
        "> 999 c\\n\n< 999 c\\n\n"
    )
    started = time.monotonic()
    result = in_process("replay", str(path), servers["echo"], "--timeout", "1")
    assert result.returncode == 0, result.stdout
    assert time.monotonic() - started < 1.0  # without --pauses, one message after another
    started = time.monotonic()
    result = in_process("replay", str(path), servers["echo"], "--pauses", "--timeout", "1")
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines() == ["ok  a\\n", "ok  b\\n", "ok  c\\n"]
    assert 1.3 <= time.monotonic() - started < 5  # 0.3 s as recorded, then 1 s, not 999


def test_a_pattern_that_backtracks_without_end_is_one_line_not_a_hang(
    servers: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "careless.rec"
    path.write_text(f"# netlab recording 1\n> 0 {'a' * 40}!\\n\n< ~ ^(a|aa)+$\n")
    started = time.monotonic()
    result = in_process("replay", str(path), servers["echo"])
    assert time.monotonic() - started < 4  # the match's second, not hours
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    [line] = result.stderr.splitlines()
    assert "(a|aa)+" in line and "took over 1 s" in line and "no two ways" in line


def test_a_recording_never_overwrites_a_file(servers: dict[str, str], recorded: Path) -> None:
    before = recorded.read_bytes()
    result = in_process("connect", servers["echo"], "--record", str(recorded))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"netlab connect: {recorded} exists already: give a new name, a recording never "
        "overwrites a file."
    ]
    assert recorded.read_bytes() == before


def test_a_bad_file_is_status_2_with_one_line(servers: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "bad.rec"
    path.write_bytes(b"# netlab recording 1\n> 0 \\q\n")
    result = in_process("replay", str(path), servers["echo"], "--json")
    message = check_error(result, "bad-input")
    assert message.startswith(f"{path}, line 2: ")
    assert len(result.stderr.splitlines()) == 1
