"""The count-and-noun helper every core message uses."""

from __future__ import annotations

import pytest

from netlab.core.plural import plural


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "0 connections"), (1, "1 connection"), (2, "2 connections"), (-1, "-1 connections")],
)
def test_regular_nouns(count: int, expected: str) -> None:
    assert plural(count, "connection") == expected


def test_irregular_nouns() -> None:
    assert plural(1, "reply", "replies") == "1 reply"
    assert plural(3, "reply", "replies") == "3 replies"
    assert plural(2, "address", "addresses") == "2 addresses"


def test_grouped_counts_have_thousands_separators() -> None:
    assert plural(1, "character", grouped=True) == "1 character"
    assert plural(1234567, "character", grouped=True) == "1,234,567 characters"
    assert plural(1234567, "character") == "1234567 characters"
