"""SIGINT and SIGTERM as ``Interrupted``, and held back inside ``deferred`` blocks."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest

from airflow_gt.exceptions import Interrupted
from airflow_gt.interrupts import deferred, signals_raise


@pytest.fixture(autouse=True)
def terminal_signals() -> Iterator[None]:
    """SIGINT as a terminal gives it, also when the tests run in a background job (which starts
    with SIGINT ignored, and ``signals_raise`` leaves an ignored signal ignored)."""
    before = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


def test_a_signal_raises_interrupted_and_the_handlers_are_put_back() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Interrupted) as caught, signals_raise():
        os.kill(os.getpid(), signal.SIGTERM)
    assert caught.value.signum == signal.SIGTERM
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_signal_inside_deferred_waits_for_the_end_of_the_outermost_block() -> None:
    steps = []
    with pytest.raises(Interrupted) as caught, signals_raise():
        with deferred():
            with deferred():
                os.kill(os.getpid(), signal.SIGINT)
                steps.append("made")
            steps.append("recorded")
        steps.append("never")
    assert caught.value.signum == signal.SIGINT
    assert steps == ["made", "recorded"]


def test_the_signal_takes_the_place_of_an_error_raised_inside_deferred() -> None:
    with pytest.raises(Interrupted) as caught, signals_raise(), deferred():
        os.kill(os.getpid(), signal.SIGTERM)
        raise OSError("the write failed")
    assert isinstance(caught.value.__context__, OSError)


def test_deferred_without_a_signal_changes_nothing() -> None:
    with signals_raise(), deferred():
        pass
    with pytest.raises(ValueError, match="plain"), deferred():
        raise ValueError("plain")
