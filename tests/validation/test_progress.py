"""The one-line progress report: silent off a terminal, throttled and tidy on one."""

from __future__ import annotations

import io

import pytest

from airflow_gt.validation.progress import ProgressLine, progress_printer


class Terminal(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        super().isatty()  # raises ValueError once closed, as a real stream does
        return True


class Clock:
    """A clock that moves only when a test advances it."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def printer(total_bytes: int | None = None) -> tuple[ProgressLine, Terminal, Clock]:
    stream, clock = Terminal(), Clock()
    progress = progress_printer(stream, total_bytes, clock=clock)
    assert isinstance(progress, ProgressLine)
    return progress, stream, clock


def test_silent_when_not_a_terminal() -> None:
    assert progress_printer(io.StringIO()) is None


def test_silent_for_a_closed_stream() -> None:
    stream = Terminal()
    stream.close()
    assert progress_printer(stream) is None


def test_silent_for_standard_error_under_pytest(capsys: pytest.CaptureFixture[str]) -> None:
    assert progress_printer() is None


def test_draws_count_rate_and_elapsed_time() -> None:
    progress, stream, clock = printer()
    clock.now += 4.0
    progress(100_000)
    assert stream.getvalue() == (
        "\rvalidating: 100,000 lines read, 25,000 lines/s, 0:04 elapsed"
    )


def test_shows_the_manifest_size_when_known() -> None:
    progress, stream, clock = printer(total_bytes=480_500_000)
    clock.now += 1.0
    progress(10)
    assert "10 lines read of a 480.5 MB manifest" in stream.getvalue()


def test_redraws_at_most_ten_times_a_second() -> None:
    progress, stream, clock = printer()
    for lines in range(1, 101):  # 100 calls over 0.5 s
        clock.now += 0.005
        progress(lines)
    assert stream.getvalue().count("\r") == 5


def test_finish_draws_the_last_count_and_ends_the_line() -> None:
    progress, stream, clock = printer()
    clock.now += 0.01
    progress(10)
    clock.now += 0.01
    progress(20)  # too soon to draw
    clock.now += 62.0
    progress.finish()
    progress.finish()
    drawn = stream.getvalue()
    assert drawn.endswith("\n") and drawn.count("\n") == 1
    last = drawn.rsplit("\r", 1)[1]
    assert last.rstrip(" \n") == "validating: 20 lines read, 0 lines/s, 1:02 elapsed"


def test_finish_without_progress_writes_nothing() -> None:
    progress, stream, _ = printer()
    progress.finish()
    assert stream.getvalue() == ""


def test_a_shorter_line_wipes_the_longer_one() -> None:
    progress, stream, clock = printer()
    clock.now += 0.001
    progress(1_000_000)  # a high rate: a long line
    first = stream.getvalue()
    clock.now += 3600.0
    progress(1_000_001)
    second = stream.getvalue()[len(first):]
    assert len(second) == len(first)
    assert second.rstrip(" ") == "\rvalidating: 1,000,001 lines read, 278 lines/s, 1:00:00 elapsed"
