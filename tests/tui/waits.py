"""Moved to tests/waits.py, the one waiting helper; this name stays for imports in flight."""

from tests.waits import until

__all__ = ["until"]
