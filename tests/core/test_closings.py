"""What a closed connection means, as the Client pane and `netlab connect` both say it."""

from __future__ import annotations

import pytest

from netlab.core.closings import closed_text
from netlab.core.events import CloseReason, Closing, Event, Kind, Side, closed_event


@pytest.mark.parametrize(
    ("reason", "why", "tcp", "said"),
    [
        (CloseReason.BY_US, "", True, "closed (disconnected) — we closed first, so this side"),
        (CloseReason.BY_US, "", False, "closed (disconnected)"),
        (CloseReason.BY_PEER, "", True, "closed by the peer — it closed first, so its side"),
        (
            CloseReason.RESET,
            "Connection reset by peer",
            True,
            "reset by the peer: Connection reset by peer — its kernel sent RST",
        ),
    ],
)
def test_a_close_says_what_it_means_on_the_wire(
    reason: CloseReason, why: str, tcp: bool, said: str
) -> None:
    event = closed_event("client-1", "127.0.0.1:7", Closing(reason, why=why), Side.CLIENT)
    text = closed_text(event, tcp=tcp)
    assert text.startswith(said)
    assert ("TIME_WAIT" in text) is (tcp and reason is not CloseReason.RESET)


def test_a_close_made_without_its_facts_says_its_detail() -> None:
    assert closed_text(Event(Kind.CLOSED, "client-1", detail="gone")) == "closed: gone"
    assert closed_text(Event(Kind.CLOSED, "client-1")) == "closed"


def test_a_peers_close_after_our_half_close_leaves_time_wait_here() -> None:
    # Whoever sends FIN first keeps TIME_WAIT: after our half-close, that is this side.
    event = closed_event("client-1", "127.0.0.1:7", Closing(CloseReason.BY_PEER), Side.CLIENT)
    assert closed_text(event, shut_first=True).endswith("so this side keeps TIME_WAIT for a minute")
    assert "its side keeps TIME_WAIT" in closed_text(event, shut_first=False)
