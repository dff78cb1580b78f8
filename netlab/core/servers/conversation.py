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
        reply = conversation.receive(read)      # None when the read ends no message
        while reply is not None:
            send(reply)                         # b"" when a message has no answer
            if conversation.closing: close
            reply = conversation.next_reply() if conversation.more else None

receive() answers the read's first message itself, and `more` says whether there is
anything after it: most reads are one message, and a flooded server spends a good
part of its CPU on Python calls. (For the same reason the async model takes a raw
read, which is one message as it is, the way receive() does, without calling it.)
receive() or next_reply() raises MessageTooBig once the messages before a too-long
one are answered. Replies come one message at a time so that the log tells each
message before the reply to it, whichever model sent it.

With faults (faults.py), `plan` is set, and each reply goes through its step() before
it is sent: whether it goes, when, how, and what becomes of the connection after.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from netlab.core.framing import Framing, MessageTooBig, Splitter
from netlab.core.sampling import IN
from netlab.core.servers.faults import FaultPlan

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
        "closing",
        "more",
        "peer",
        "plan",
        "raw_max",
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
        self.raw_max = server.max_message if protocol.framing is Framing.RAW else 0
        """The longest raw read that is one message as it is; 0 when messages are lines."""
        self.closing = False
        """The protocol has asked to close, once its last reply is sent."""
        self.more = False
        """next_reply() has more to say about the last read: a reply, or MessageTooBig."""
        self._messages: list[bytes] = []
        self._sizes: list[int] = []
        self._index = 0
        """The next message of the last read to answer."""
        self._overflow = False
        self.plan = None if server.faults is None else FaultPlan(server, peer, server.faults)
        """The faults playing out on this connection; None (the usual) for none. The
        models look at it once a read, and take a slower path of their own when set."""

    def start(self) -> bytes:
        """What the protocol sends as the connection opens (daytime's whole answer)."""
        reply = self.session.on_connect()
        self.closing = reply.close
        return reply.data or b""

    def receive(self, data: bytes) -> bytes | None:
        """Take one read: the reply to the first message it ends (b"" for none), logging
        that message; None when it ends none. next_reply() then answers the rest."""
        size = len(data)
        if 0 < size <= self.raw_max:
            # The Splitter's rule for a raw read this long: it is the one message, and
            # taking it so spares the Splitter's two lists. The usual read of a flood;
            # the async model does this itself (aio.py), to spare this call too.
            self.more = False
            message = data
            self.server.count_message(self.peer, data, size, size, IN)
        else:
            splitter = self.splitter
            messages = splitter.feed(data)
            overflow = splitter.overflow
            if not messages:
                self.more = False
                server = self.server
                server.count_read(size)
                held = splitter.pending
                if held and held == size:
                    # This read began a message and nothing was held before it.
                    server.holding(self.peer, splitter)
                if overflow:
                    raise MessageTooBig(splitter.max_size)
                return None
            self._messages = messages
            self._sizes = sizes = splitter.sizes
            self._index = 1
            self._overflow = overflow
            self.more = overflow or len(messages) > 1
            message = messages[0]
            # The read's bytes are counted with its first message: one call (and in
            # the threaded model one lock), not two.
            self.server.count_message(self.peer, message, sizes[0], size, IN)
        reply = self.session.on_message(message)
        if reply.close:
            self.closing = True
        return reply.data or b""

    def next_reply(self) -> bytes | None:
        """The reply to the next message of the last read (b"" for none), logging that
        message; None once every one is answered. Raises MessageTooBig after the last
        when the read went on with one too long to keep."""
        if not self.more:
            return None
        index = self._index
        messages = self._messages
        if index == len(messages):
            self.more = False  # what is left is one too long
            raise MessageTooBig(self.splitter.max_size)
        self._index = index + 1
        self.more = index + 1 < len(messages) or self._overflow
        message = messages[index]
        self.server.count_message(self.peer, message, self._sizes[index], 0, IN)
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
