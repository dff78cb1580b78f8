"""`netlab lessons`: the list, one lesson told, and one run with its servers' log."""

from __future__ import annotations

import json

from netlab.cli.status import EXIT_BAD_INPUT
from netlab.core.lessons.catalogue import LESSONS
from tests.cli.run import in_process


def test_the_list_numbers_every_lesson_with_its_key_and_program() -> None:
    result = in_process("lessons")
    assert result.returncode == 0, result.stderr
    rows = result.stdout.splitlines()[: len(LESSONS)]
    assert rows[0].split() == ["1", "ip", "IP.go"]
    assert rows[11].split() == ["12", "echo-iterative", "SimpleEchoServer.go"]


def test_a_lesson_is_told_with_its_commands_and_where_the_seed_differs() -> None:
    result = in_process("lessons", "ipv6-parts")
    assert result.returncode == 0, result.stderr
    told = result.stdout
    assert told.startswith("Lesson 5 of")
    assert "  $ netlab calc FE80:CD00:0000:0CDE:1257:0000:211E:729C" in told
    assert "Where the seed differs" in told and "64/16/48" in told


def test_no_such_lesson_is_one_line_and_status_2() -> None:
    result = in_process("lessons", "99")
    assert result.returncode == EXIT_BAD_INPUT
    assert result.stderr.count("\n") == 1
    assert "netlab lessons` lists them" in result.stderr


def test_iterative_echo_keeps_the_second_client_waiting_until_the_first_leaves() -> None:
    # The seeds' SimpleEchoServer lesson, run: client A stays 1.5 s, B comes 0.3 s later.
    result = in_process("lessons", "SimpleEchoServer.go", "--run", "--json")
    assert result.returncode == 0, result.stderr
    told = json.loads(result.stdout)
    said = [line["text"] for line in told["output"] if line["kind"] == "output"]
    a_left = next(i for i, text in enumerate(said) if " A  Connection closed" in text)
    b_heard = next(i for i, text in enumerate(said) if text.endswith(" B  second"))
    assert a_left < b_heard, said
    accepted = [e for e in told["server_log"] if e["event"] == "accepted"]
    assert len(accepted) == 2
    assert "in the accept queue" in accepted[1]["detail"]
