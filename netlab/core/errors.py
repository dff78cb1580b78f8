"""The two kinds of failure every core call can report.

The CLI maps them to exit statuses (2 for bad input, 1 for a failed
operation) and the app shows their message as one line, so each message is a
complete sentence that says what went wrong and, for input, what would be right.
"""

import math


class NetlabError(Exception):
    """Something netlab was asked to do did not work out."""


class InputError(NetlabError, ValueError):
    """What the person typed cannot be understood."""


class OperationFailed(NetlabError):
    """The input was fine but the network said no: not found, timed out, refused."""


def positive_seconds(value: float, what: str = "timeout") -> float:
    """A timeout or interval as given by a caller, checked: finite and above zero."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise InputError(f"The {what} must be a positive number of seconds, not {value!r}.")
    return float(value)
