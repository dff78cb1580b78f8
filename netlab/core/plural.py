"""Counts in messages, with the noun in the right number: "1 connection", "2 connections"."""

from __future__ import annotations


def plural(count: int, one: str, many: str | None = None, *, grouped: bool = False) -> str:
    """`count` and its noun: `one` for exactly 1, else `many` (by default `one` + "s").

    plural(1, "connection") -> "1 connection"; plural(0, "connection") -> "0 connections";
    plural(2, "reply", "replies") -> "2 replies"; with grouped=True the count has
    thousands separators: plural(1234, "character", grouped=True) -> "1,234 characters".
    """
    number = f"{count:,}" if grouped else f"{count}"
    if count == 1:
        return f"{number} {one}"
    return f"{number} {one + 's' if many is None else many}"
