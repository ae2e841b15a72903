"""A one-line progress report for long validations, drawn only on a terminal.

>>> progress = progress_printer(sys.stderr)  # doctest: +SKIP
>>> try:
...     validate_manifest(source, progress=progress)
... finally:
...     if progress is not None:
...         progress.finish()

``progress_printer`` returns None when the stream is not a terminal (a pipe, a file, a CI log),
so nothing is written there. On a terminal the returned ``ProgressLine`` is called with the number
of lines read so far and redraws one line (``\\r``) with that count, the rate and the elapsed time,
at most ten times a second; ``finish()`` draws the last count and ends the line.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

REDRAW_SECONDS = 0.1


def _elapsed(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def _size(total_bytes: int) -> str:
    if total_bytes < 1000:
        return f"{total_bytes} B"
    size, units = total_bytes / 1000, ["KB", "MB", "GB", "TB"]
    while size >= 1000 and len(units) > 1:
        size, units = size / 1000, units[1:]
    return f"{size:,.1f} {units[0]}"


class ProgressLine:
    """Redraws one line of ``stream`` with the lines read, lines per second and elapsed time.

    :param stream: a terminal.
    :param total_bytes: the manifest's size, shown beside the count when known.
    :param clock: seconds from any fixed point (injectable for tests).
    """

    def __init__(self, stream: TextIO, *, total_bytes: int | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.total_bytes = total_bytes
        self.clock = clock
        self.started = clock()
        self.lines_read = 0
        self._drawn_at: float | None = None
        self._width = 0
        self._finished = False

    def __call__(self, lines_read: int) -> None:
        self.lines_read = lines_read
        now = self.clock()
        if self._drawn_at is None or now - self._drawn_at >= REDRAW_SECONDS:
            self._draw(now)

    def finish(self) -> None:
        """Draw the final count and end the line; does nothing if called again."""
        if self._finished:
            return
        self._finished = True
        if self._drawn_at is not None or self.lines_read:
            self._draw(self.clock())
            self.stream.write("\n")
            self.stream.flush()

    def text(self, now: float) -> str:
        seconds = max(now - self.started, 0.0)
        rate = self.lines_read / seconds if seconds > 0 else 0.0
        of_file = f" of a {_size(self.total_bytes)} manifest" if self.total_bytes else ""
        return (
            f"validating: {self.lines_read:,} lines read{of_file}, {rate:,.0f} lines/s, "
            f"{_elapsed(seconds)} elapsed"
        )

    def _draw(self, now: float) -> None:
        text = self.text(now)
        padding = " " * max(self._width - len(text), 0)  # wipe what a longer line left
        self.stream.write(f"\r{text}{padding}")
        self.stream.flush()
        self._width = len(text)
        self._drawn_at = now


def is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def progress_printer(stream: TextIO | None = None, total_bytes: int | None = None, *,
                     clock: Callable[[], float] = time.monotonic) -> ProgressLine | None:
    """A ``ProgressLine`` on ``stream`` (standard error by default) when it is a terminal, else
    None: silent in pipes, files and logs."""
    stream = sys.stderr if stream is None else stream
    if not is_terminal(stream):
        return None
    return ProgressLine(stream, total_bytes=total_bytes, clock=clock)
