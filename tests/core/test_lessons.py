"""The lessons' catalogue: every seed program has one, and every command it shows runs."""

from __future__ import annotations

import pytest

from netlab.cli import build_parser
from netlab.core.errors import InputError
from netlab.core.lessons import Lesson, Run, Serve, find_lesson
from netlab.core.lessons.catalogue import LESSONS
from netlab.core.servers import parse_spec

SEED_PROGRAMS = (
    # Network Programming with Go, ch. 3, each under its own /* Name */ header.
    "IP.go",
    "Mask.go",
    "IPv4Mask.go",
    "ResolveIP.go",
    "LookupHost.go",
    "LookupPort.go",
    "GetHeadInfo.go",
    "DaytimeServer.go",
    "SimpleEchoServer.go",
    "ThreadedEchoServer.go",
    "UDPDaytimeClient.go",
    "UDPDaytimeServer.go",
    "IPGetHeadInfo.go",
    "ThreadedIPEchoServer.go",
    "Ping.go",
)
"""The seed programs with names of their own; the unnamed ones (the timestamp, TAB and
upper-case servers, ResolveTCPAddr, deadlines) have lessons named for what they are."""


def test_every_named_seed_program_has_a_lesson() -> None:
    programs = {name.strip() for lesson in LESSONS for name in lesson.program.split(",")}
    assert set(SEED_PROGRAMS) <= programs


def test_keys_are_unique_and_titles_fit_the_list() -> None:
    assert len({lesson.key for lesson in LESSONS}) == len(LESSONS)
    assert all(len(lesson.title) <= 21 for lesson in LESSONS)


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.key)
def test_every_command_a_lesson_shows_is_one_netlab_takes(lesson: Lesson) -> None:
    parser = build_parser()
    places: dict[str, str] = {}
    for step in lesson.steps:
        if isinstance(step, Serve):
            parse_spec(step.spec)
            places[step.name] = "127.0.0.1:9"
        elif isinstance(step, Run):
            # Every server it names was started before it.
            assert "{" not in " ".join(step.argv(places)), step.args
            parser.parse_args(step.argv(places))
        else:
            places[step.name] = "127.0.0.1:9"
    assert lesson.what and lesson.came_back


@pytest.mark.parametrize(
    ("named", "number"),
    [("1", 1), ("mask", 2), ("Mask.go", 2), ("mask.GO", 2), ("ThreadedIPEchoServer", 13)],
)
def test_a_lesson_is_found_by_number_key_or_program(named: str, number: int) -> None:
    assert find_lesson(named) == (number, LESSONS[number - 1])


@pytest.mark.parametrize("named", ["0", "99", "nothing.go", ""])
def test_no_such_lesson_says_what_would_be_right(named: str) -> None:
    with pytest.raises(InputError, match=rf"give its number \(1 to {len(LESSONS)}\)"):
        find_lesson(named)


def test_before_it_runs_a_command_shows_where_the_port_will_go() -> None:
    step = Run(("send", "{echo}", "hello world"))
    assert step.command() == "netlab send 127.0.0.1:PORT 'hello world'"
    assert step.command({"echo": "127.0.0.1:4100"}) == "netlab send 127.0.0.1:4100 'hello world'"
