"""Small programs in the netlab app's place behind a tab, each misbehaving on purpose.

Each speaks the web driver's framing (netlab/web/tab.py): a `__GANGLION__` line, then
frames of a type byte, a four-byte length and a payload, both ways.
"""

from __future__ import annotations

import base64
import sys

_FRAMING = """
import json, os, signal, sys, time
out, inp = sys.stdout.buffer, sys.stdin.buffer
def frame(kind, payload):
    out.write(kind + len(payload).to_bytes(4, "big") + payload)
    out.flush()
def frames():
    while True:
        head = inp.read(5)
        if len(head) < 5:
            return
        yield head[:1], inp.read(int.from_bytes(head[1:], "big"))
out.write(b"__GANGLION__\\n")
out.flush()
"""

PROGRAMS = {
    # Keys typed come back as what it draws; asked to quit, it says exit and quits.
    "echo": """
for kind, payload in frames():
    if kind == b"D":
        frame(b"D", payload)
    elif json.loads(payload).get("type") == "quit":
        frame(b"M", b'{"type": "exit"}')
        break
""",
    # Draws as fast as it can and never reads: 128 MB at most, more than any buffer.
    "flood": """
for _ in range(2048):
    frame(b"D", b"x" * 65536)
""",
    # Reads nothing, deaf to SIGTERM: only SIGKILL ends it (in 30 s at most).
    "stubborn": """
signal.signal(signal.SIGTERM, signal.SIG_IGN)
time.sleep(30)
""",
}


def command(name: str) -> list[str]:
    """The command line of the program `name`, or of one that dies at start ("dies")."""
    if name == "dies":
        code = "import sys; sys.stderr.write('no terminal for you\\x1b[2J\\n'); sys.exit(3)"
        return [sys.executable, "-c", code]
    return [sys.executable, "-c", _FRAMING + PROGRAMS[name]]


def websocket_request(port: int) -> bytes:
    """A browser's websocket upgrade for a tab, as bytes on a raw socket."""
    key = base64.b64encode(b"netlab-test-key!").decode()
    return (
        f"GET /ws?width=80&height=24 HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\n"
        f"Origin: http://127.0.0.1:{port}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ).encode()
