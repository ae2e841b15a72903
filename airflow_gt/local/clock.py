"""The stand-in's clock: real time by default, or a clock that tests move by hand.

Everything that happens over time in the stand-in (workers answering, jobs finishing, adapters
training) reads :meth:`Clock.now`; nothing sleeps. With a :class:`ManualClock` a test decides when
time passes, so it never waits for real seconds.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch."""
        ...


class WallClock:
    """The machine's clock."""

    def now(self) -> float:
        return time.time()


class ManualClock:
    """A clock that stands still until :meth:`advance` moves it."""

    def __init__(self, start: float = 1_767_225_600.0) -> None:  # 2026-01-01T00:00:00Z
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError(f"a clock cannot go back: advance({seconds})")
        with self._lock:
            self._now += seconds
            return self._now


def to_datetime(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def iso_timestamp(seconds: float) -> str:
    """``2018-10-18T22:18:13.527256``: how Ground Truth writes ``creation-date`` (UTC, no zone)."""
    return to_datetime(seconds).replace(tzinfo=None).isoformat(timespec="microseconds")


def file_timestamp(seconds: float) -> str:
    """``2024-05-01_12:30:45``: the time in a worker-response file name."""
    return to_datetime(seconds).strftime("%Y-%m-%d_%H:%M:%S")
