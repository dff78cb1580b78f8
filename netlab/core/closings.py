"""What a closed connection means, in one line: the Client pane's transcript and
`netlab connect` say it in the same words.

`Closing.text` (events.py) is the log's terse record of a close, as `netlab serve`
prints it; this is the sentence a person reads about their own session.
"""

from __future__ import annotations

from netlab.core.events import CloseReason, Closing, Event

CLOSED = {
    CloseReason.BY_PEER: "closed by the peer",
    CloseReason.BY_US: "closed (disconnected)",
    CloseReason.TIMEOUT: "timed out: the peer stopped answering",
    CloseReason.RESET: "reset by the peer",
    CloseReason.TOO_BIG: "closed: a message was too big",
    CloseReason.STOPPING: "closed: the server is stopping",
    CloseReason.NOT_READING: "closed: the peer was not reading",
    CloseReason.LAB_GONE: "closed: the process that held it is gone",
}
"""How each reason reads to the person whose session it was."""

TCP_MEANS = {
    CloseReason.BY_US: "we closed first, so this side keeps TIME_WAIT for a minute",
    CloseReason.BY_PEER: "it closed first, so its side keeps TIME_WAIT",
    CloseReason.RESET: "its kernel sent RST, as when a program closes with data unread "
    "or with SO_LINGER 0",
}
"""What a TCP close means on the wire, said after how it ended."""

SHUT_FIRST_MEANS = "we sent FIN first (a half-close), so this side keeps TIME_WAIT for a minute"
"""A peer's close that answered our half-close: whoever sends FIN first waits in TIME_WAIT."""


def closing_text(closing: Closing, *, tcp: bool = True, shut_first: bool = False) -> str:
    """A close in a person's words: its reason, why, and for TCP what it means on the wire;
    `shut_first` when we had half-closed before it.

    "closed by the peer — it closed first, so its side keeps TIME_WAIT"
    """
    text = CLOSED[closing.reason]
    if closing.why:
        text += f": {closing.why}"
    means = TCP_MEANS.get(closing.reason) if tcp else None
    if means and shut_first and closing.reason is CloseReason.BY_PEER:
        means = SHUT_FIRST_MEANS
    return f"{text} — {means}" if means else text


def closed_text(event: Event, *, tcp: bool = True, shut_first: bool = False) -> str:
    """A CLOSED event as `closing_text` says it; one made without its facts by its detail."""
    closing = event.closing
    if closing is None:  # all there is to say is its detail
        return f"closed: {event.detail}" if event.detail else "closed"
    return closing_text(closing, tcp=tcp, shut_first=shut_first)
