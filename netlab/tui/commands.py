"""The command palette (Ctrl+P): the lab's main actions by name."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.widgets import Input, Select

from netlab.core.endpoints import address_text
from netlab.core.servers import PROTOCOLS

if TYPE_CHECKING:
    from netlab.tui.app import NetlabApp


class LabCommands(Provider):
    """Start servers, connect the client to one, and go to any view."""

    def _commands(self) -> Iterator[tuple[str, Callable[[], object], str]]:
        app: NetlabApp = self.app  # type: ignore[assignment]
        for view, title in (
            ("address", "Address: calculate an address or subnet"),
            ("lookup", "Lookup: resolve a name, a port, DNS records, ping"),
            ("client", "Client: talk to a server"),
            ("servers", "Servers: start and watch lab servers"),
            ("split", "Client + Servers side by side"),
        ):
            yield title, partial(app.action_show, view), "Show this view"
        for name, protocol in PROTOCOLS.items():
            for transport in sorted(protocol.transports):
                label = f"Start a {transport.upper()} {name} server"
                yield label, partial(self._start, name, transport), protocol.summary
        for server_name, server in dict(app.lab.servers).items():
            where = address_text(server.address)
            label = f"Connect the client to {server_name}"
            yield label, partial(self._connect, where, server.transport), f"at {where}"

    def _start(self, kind: str, transport: str) -> None:
        app: NetlabApp = self.app  # type: ignore[assignment]
        app.action_show("servers")
        app.query_one("#servers-transport", Select).value = transport
        app.query_one("#servers-kind", Select).value = kind
        app.query_one("#servers-port", Input).value = ""
        app.call_after_refresh(app.query_one("#servers").start_from_form)  # type: ignore[attr-defined]

    def _connect(self, endpoint: str, transport: str) -> None:
        app: NetlabApp = self.app  # type: ignore[assignment]
        app.action_show("client")
        app.query_one("#client-transport", Select).value = transport
        app.query_one("#client-endpoint", Input).value = endpoint
        app.call_after_refresh(app.query_one("#client").action_connect)  # type: ignore[attr-defined]

    async def discover(self) -> Hits:
        for label, command, help_text in self._commands():
            yield DiscoveryHit(label, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for label, command, help_text in self._commands():
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, matcher.highlight(label), command, help=help_text)
