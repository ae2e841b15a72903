"""SIGTERM and SIGINT as an exception, so a stopped command cleans up on its way out.

Python's default SIGTERM ends the process on the spot (temporary files and multipart uploads
stay behind), and its SIGINT raises ``KeyboardInterrupt``, which prints a traceback. Within
:func:`signals_raise`, either signal raises :class:`~airflow_gt.exceptions.Interrupted` in the
main thread: it unwinds through every writer's ``with`` block, which removes its temporary file
or aborts its upload. Once one signal is caught, further SIGINT and SIGTERM are ignored until the
block ends, so the clean-up itself is not cut short; the previous handlers are then put back.
A signal the process was started ignoring (``nohup``, a supervisor's choice) stays ignored, and
outside the main thread (where Python cannot set handlers) nothing is installed.

Within :func:`deferred`, a signal is held until the block ends: a step that makes something and
records it (a temporary file and its name, an upload and its id, a published output and the
group's list of what to take back) is never cut between the two, so nothing is left unrecorded.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from airflow_gt.exceptions import Interrupted

SIGNALS = (signal.SIGINT, signal.SIGTERM)

_deferring = 0
_pending: int | None = None


def _raise(signum: int, frame: FrameType | None) -> None:
    global _pending
    for caught in SIGNALS:
        if signal.getsignal(caught) is _raise:
            signal.signal(caught, signal.SIG_IGN)
    if _deferring:
        _pending = signum
        return
    raise Interrupted(signum)


@contextmanager
def deferred() -> Iterator[None]:
    """Within the block a caught signal waits; it is raised when the outermost block ends (in
    place of any error the block raised: the signal is what stopped the command)."""
    global _deferring, _pending
    _deferring += 1
    try:
        yield
    finally:
        _deferring -= 1
        if not _deferring and _pending is not None:
            signum, _pending = _pending, None
            raise Interrupted(signum)


@contextmanager
def signals_raise() -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM raise ``Interrupted`` in the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {caught: signal.getsignal(caught) for caught in SIGNALS}
    previous = {caught: handler for caught, handler in previous.items()
                if handler is not signal.SIG_IGN}
    for caught in previous:
        signal.signal(caught, _raise)
    try:
        yield
    finally:
        for caught, handler in previous.items():
            if handler is not None:  # None: set outside Python, cannot be put back from here
                signal.signal(caught, handler)
