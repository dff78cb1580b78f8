"""What the Client pane keeps of each session to save it as a recording, and the
recordings it offers to replay (netlab.core.recording, netlab.core.replay)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from netlab.core.events import Event, Kind
from netlab.core.framing import Framing
from netlab.core.recording import MAX_LINES, Recorder, is_recorded, record_events

SUFFIX = ".rec"
OFFERED = 20
"""Recordings the palette offers to replay: the newest of the current directory."""


@dataclass
class Tape:
    """A session's bytes sent and received, as events: what its recording is made of.

    Kept apart from the transcript, which forgets its oldest entries; bounded as a
    recording is, so a flood cannot make it grow without end.
    """

    endpoint: str
    transport: str
    framing: Framing
    started: float | None = None
    events: list[Event] = field(default_factory=list)

    def add(self, event: Event) -> None:
        if event.kind is Kind.CONNECTED:
            self.started = event.time
        elif is_recorded(event) and len(self.events) < MAX_LINES:
            self.events.append(event)

    @property
    def cut(self) -> int:
        """Messages of which only the start was kept (an event keeps a long one's start)."""
        return sum(1 for event in self.events if event.bytes_not_kept)

    def save(self, path: Path) -> int:
        """Write the recording to a new file at `path` (InputError if it exists); how
        many messages it holds."""
        recorder = Recorder.create(
            path, endpoint=self.endpoint, transport=self.transport, framing=self.framing
        )
        if self.started is not None:
            recorder.started = self.started
        try:
            record_events(recorder, list(self.events))
        finally:
            recorder.close()
        return len(self.events)


def recording_path(name: str) -> Path:
    """Where the pane saves a session's recording: the current directory, as the
    received bytes are saved, under a name with the session and the time."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path(f"netlab-{name}-{stamp}{SUFFIX}")


def offered_recordings(folder: Path = Path()) -> list[Path]:
    """The newest recordings in `folder`, to replay from the palette."""
    try:
        found = [path for path in folder.iterdir() if path.suffix == SUFFIX and path.is_file()]
    except OSError:
        return []
    found.sort(key=lambda path: path.stat().st_mtime, reverse=True)
    return found[:OFFERED]
