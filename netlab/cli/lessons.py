"""`netlab lessons`: the seed programs one by one, as the app's Lessons view has them.

`netlab lessons` lists them; `netlab lessons 3` (or `mask`, or `Mask.go`) tells one;
with `--run` its servers start in a lab here, its clients run as the commands shown,
and the servers' log follows, as `netlab serve` prints it.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import textwrap
import threading
from typing import TYPE_CHECKING, Any

from netlab.cli.output import EXIT_OK, Commands, add_command, emit_json, event_json

if TYPE_CHECKING:
    from netlab.core.lessons import Lesson


def register(commands: Commands) -> None:
    sub = add_command(commands, "lessons", cmd_lessons, "the seed programs, one lesson each")
    sub.add_argument("lesson", nargs="?", help="a lesson's number, key or program (Mask.go)")
    sub.add_argument(
        "--run", action="store_true", help="run the lesson's commands here, then show its log"
    )


def cmd_lessons(args: argparse.Namespace) -> int:
    from netlab.core.lessons import find_lesson
    from netlab.core.lessons.catalogue import LESSONS

    if args.lesson is None:
        _list(LESSONS, as_json=args.json)
        return EXIT_OK
    number, lesson = find_lesson(args.lesson)
    told = lesson_json(number, lesson)
    if not args.json:
        _tell(number, len(LESSONS), lesson)
    if args.run:
        told |= _run(lesson, as_json=args.json)
    if args.json:
        emit_json(told)
    return EXIT_OK


def lesson_json(number: int, lesson: Lesson) -> dict[str, Any]:
    return {
        "number": number,
        "key": lesson.key,
        "program": lesson.program,
        "seeds": lesson.seeds,
        "what": lesson.what,
        "commands": lesson.commands(),
        "came_back": lesson.came_back,
        "differs": lesson.differs or None,
        "see": lesson.see or None,
        "output": None,
        "server_log": None,
    }
    """With --run, "output" is what it said ({"kind", "text"} a line) and "server_log" the
    events of the servers it started, as `serve --json` prints them."""


def _list(lessons: tuple[Lesson, ...], *, as_json: bool) -> None:
    if as_json:
        emit_json({"lessons": [lesson_json(n, lesson) for n, lesson in enumerate(lessons, 1)]})
        return
    width = max(len(lesson.key) for lesson in lessons)
    for number, lesson in enumerate(lessons, 1):
        print(f"{number:>2}  {lesson.key:<{width}}  {lesson.program}")
    print("\n`netlab lessons N` tells one; `netlab lessons N --run` runs it too.")


def _tell(number: int, count: int, lesson: Lesson) -> None:
    width = min(shutil.get_terminal_size((100, 24)).columns, 100) - 2

    def paragraph(heading: str, text: str) -> None:
        print(f"\n{heading}")
        print(textwrap.fill(text, width, initial_indent="  ", subsequent_indent="  "))

    print(f"Lesson {number} of {count}: {lesson.program}  ({lesson.seeds})")
    paragraph("What it does", lesson.what)
    print("\nIn netlab")
    for command in lesson.commands():
        print(f"  $ {command}")
    paragraph("What comes back", lesson.came_back)
    if lesson.differs:
        paragraph("Where the seed differs", lesson.differs)
    if lesson.see:
        paragraph("In the app", lesson.see)


def _run(lesson: Lesson, *, as_json: bool) -> dict[str, Any]:
    """Run the lesson, printing (text) or gathering (JSON) what it says, then the log of
    the servers it started."""
    from netlab.cli.sockets import print_events
    from netlab.core.endpoints import address_text
    from netlab.core.lab import Lab
    from netlab.core.lessons import Serve
    from netlab.core.lessons.run import Kind, LessonRun, start_in_lab

    lab = Lab()
    listening: dict[str, str] = {}
    said: list[dict[str, str]] = []
    lock = threading.Lock()

    def start_server(step: Serve) -> str:
        server = start_in_lab(lab, step)
        listening[server.name] = where = address_text(server.address)
        return where

    def say(kind: Kind, text: str) -> None:
        with lock:
            if as_json:
                said.append({"kind": kind, "text": text})
            else:
                print(text, flush=True)

    if not as_json:
        print("\nRunning it")
    try:
        LessonRun(lesson, start_server, say).run()
    finally:
        lab.close()
    events = lab.bus.drain()
    if as_json:
        log = [event_json(event, listening.get(event.source)) for event in events]
        return {"output": said, "server_log": log}
    if events:
        print("\nThe servers' log")
        print_events(events, listening, as_json=False)
    sys.stdout.flush()
    return {}
