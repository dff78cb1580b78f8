"""Hand an address or a name on to another view: look it up, ping it, or put it in the
Client's address field (Ctrl+L, Ctrl+O, Ctrl+N).

A pane with something to hand on (the Address view's address, a Lookup answer) is a
TargetPane: it says what is under the cursor (`target`), or why there is nothing. Its
keys post a HandOff, which the app gives to the Lookup or the Client pane, as it does
the Servers pane's ConnectClient.

Imported before the first frame (the Address pane is a TargetPane): nothing heavy here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import ClassVar, Literal

from textual.binding import Binding, BindingType
from textual.message import Message

from netlab.core.hostnames import is_ip_literal
from netlab.tui.panes.base import Pane, PaneCommand

Destination = Literal["lookup", "ping", "client"]


@dataclass(frozen=True)
class Target:
    """An address or a host name to hand on, with the port it came with, if any."""

    host: str
    port: int | None = None

    @property
    def is_address(self) -> bool:
        return is_ip_literal(self.host)

    def endpoint_text(self) -> str:
        """As the Client's address field takes it: "host:port", "[v6]:port", or up to
        the colon when there is no port."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{'' if self.port is None else self.port}"


_VERBS: dict[Destination, str] = {
    "lookup": "look up",
    "ping": "ping",
    "client": "put in the Client",
}
"""What each key does, as "Nothing to …" says it."""


class TargetPane(Pane):
    """A pane whose address or name under the cursor the keys below hand on."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Control keys: the panes' text fields take every printable key. None of these
        # is a terminal's Tab, Enter or Backspace, nor bound by a field or the app.
        Binding("ctrl+l", "hand_off('lookup')", "Look up", id="hand-off-lookup"),
        Binding("ctrl+o", "hand_off('ping')", "Ping", id="hand-off-ping"),
        # As Ctrl+N on a server in the Servers pane: to the Client.
        Binding("ctrl+n", "hand_off('client')", "To Client", id="hand-off-client"),
    ]

    @dataclass
    class HandOff(Message):
        """Look up, ping or put in the Client's address field (the app hands it on)."""

        to: Destination
        target: Target

    def target(self) -> Target | str:
        """What the keys act on now, or what is needed first ("type an address first")."""
        raise NotImplementedError

    def action_hand_off(self, to: Destination) -> None:
        found = self.target()
        if isinstance(found, str):
            # Always a key that answers: a silent key would look broken.
            self.notify(f"Nothing to {_VERBS[to]}: {found}", severity="warning")
            return
        self.post_message(self.HandOff(to, found))

    def hand_off_commands(self) -> Iterator[PaneCommand]:
        """The palette's lines for the keys, while there is something to act on."""
        found = self.target()
        if isinstance(found, str):
            return
        where = f"from the {self.TITLE} view"
        lines: dict[Destination, tuple[str, str]] = {
            "lookup": (f"Look up {found.host}", "Ctrl+L"),
            "ping": (f"Ping {found.host}", "Ctrl+O"),
            "client": (f"Put {found.endpoint_text()} in the Client's address field", "Ctrl+N"),
        }
        for to, (title, key) in lines.items():
            yield PaneCommand(title, partial(self.action_hand_off, to), f"{where} ({key})")
