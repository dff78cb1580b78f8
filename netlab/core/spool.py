"""Every byte a client session received, kept whole so it can be saved.

A view caps what it shows (the app's transcript keeps its newest entries); the spool
keeps the stream itself, in memory for the first MiB and in a temporary file after,
up to SPOOL_LIMIT. Past that it counts what it did not keep, and says so.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from pathlib import Path

IN_MEMORY = 1024 * 1024
SPOOL_LIMIT = 1024**3
"""Bytes kept on disk at most: a gibibyte, far past what a person reads in a lab."""


class Spool:
    def __init__(self, limit: int = SPOOL_LIMIT) -> None:
        self.limit = limit
        self.size = 0
        self.not_kept = 0
        """Bytes received past the limit, counted but not kept."""
        self._file = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY)  # noqa: SIM115
        self._lock = threading.Lock()

    def write(self, data: bytes) -> None:
        with self._lock:
            if self._file.closed:
                return
            room = self.limit - self.size
            kept = data if len(data) <= room else data[: max(room, 0)]
            self._file.write(kept)
            self.size += len(kept)
            self.not_kept += len(data) - len(kept)

    def save(self, path: Path) -> int:
        """Write everything kept to `path`; how many bytes that was."""
        with self._lock:
            self._file.seek(0)
            with path.open("xb") as out:
                shutil.copyfileobj(self._file, out)
            self._file.seek(0, 2)
            return self.size

    def discard(self) -> None:
        with self._lock:
            self._file.close()
