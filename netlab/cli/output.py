"""What every subcommand shares: the exit statuses and the one way to print JSON.

A module of its own so the command modules can use it without importing the parser.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
from typing import Any

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        to_dict = getattr(value, "to_dict", None)
        return to_dict() if to_dict else dataclasses.asdict(value)
    if isinstance(value, bytes):
        return list(value)
    if isinstance(value, ipaddress.IPv4Network | ipaddress.IPv6Network):
        return str(value)
    raise TypeError(f"cannot turn {type(value).__name__} into JSON")


def emit_json(value: Any) -> None:
    print(json.dumps(value, default=_jsonable, ensure_ascii=False))
