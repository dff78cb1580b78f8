"""One TCP connection's conversation with its protocol, without any I/O.

The threaded and iterative models read with recv() and write with a bounded send;
the async model is handed reads by asyncio and writes to a transport. What happens
between a read and a write is the same in all three, and lives here once, as h11's
Connection is HTTP without sockets: cutting reads into messages (the framing's
Splitter), counting and logging each message, noting a message begun and held back,
and asking the lab protocol for its replies.

A model drives it so:

    conversation = Conversation(server, peer, member)
    send(conversation.start())                  # what the protocol says first
    while reading:
        conversation.receive(read)
        while (reply := conversation.next_reply()) is not None:
            send(reply)                         # b"" when a message has no answer
            if conversation.closing: close

next_reply() raises MessageTooBig once the messages before a too-long one are
answered. Replies come one message at a time so that the log tells each message
before the reply to it, whichever model sent it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from netlab.core.framing import MessageTooBig, Splitter

if TYPE_CHECKING:
    from netlab.core.servers.room import Member
    from netlab.core.servers.tcp import TcpServer


class Conversation:
    """A lab protocol's session on one connection, fed reads and giving replies."""

    __slots__ = (
        "_index",
        "_messages",
        "_overflow",
        "_sizes",
        "_uncounted",
        "closing",
        "peer",
        "server",
        "session",
        "splitter",
    )

    def __init__(self, server: TcpServer, peer: str, member: Member) -> None:
        protocol = server.protocol
        self.server = server
        self.peer = peer
        self.session = protocol("tcp", server.clock)
        self.session.attach(server.room, member)
        # A raw read is one message, cut at max_message as a recv of that size would.
        self.splitter = Splitter(protocol.framing, server.max_message)
        self.closing = False
        """The protocol has asked to close, once its last reply is sent."""
        self._messages: list[bytes] = []
        self._sizes: list[int] = []
        self._index = 0
        self._uncounted = 0
        """Bytes of the last read, counted with its first message: one lock, not two."""
        self._overflow = False

    def start(self) -> bytes:
        """What the protocol sends as the connection opens (daytime's whole answer)."""
        reply = self.session.on_connect()
        self.closing = reply.close
        return reply.data or b""

    def receive(self, data: bytes) -> None:
        """Take one read; next_reply() then answers each message it ends."""
        splitter = self.splitter
        held_before = splitter.pending
        self._messages = messages = splitter.feed(data)
        self._sizes = splitter.sizes
        self._index = 0
        self._overflow = splitter.overflow
        if messages:
            self._uncounted = len(data)
            return
        server = self.server
        server.count_read(len(data))
        if not held_before and splitter.pending:
            server.holding(self.peer, splitter)

    def next_reply(self) -> bytes | None:
        """The reply to the next message of the last read (b"" for none), logging that
        message; None once every one is answered."""
        index = self._index
        if index == len(self._messages):
            if self._overflow:
                self._overflow = False
                raise MessageTooBig(self.splitter.max_size)
            return None
        self._index = index + 1
        message = self._messages[index]
        self.server.received(self.peer, message, self._sizes[index], self._uncounted)
        self._uncounted = 0
        reply = self.session.on_message(message)
        if reply.close:
            self.closing = True
        return reply.data or b""

    def end(self) -> None:
        """The connection is over: the protocol hears so (a room's member leaves it).

        A protocol's bug here is logged, never raised: the connection's end must still
        be counted and told.
        """
        try:
            self.session.on_close()
        except Exception as error:
            self.server.failed(self.peer, error)
