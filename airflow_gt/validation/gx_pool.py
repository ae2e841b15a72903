"""Where GX runs: in this process, or in one worker process beside the flattening.

Flattening a chunk is pure Python; validating it is GX and pandas. With a worker process the two
run on two cores at once (the worker also imports great_expectations, which takes seconds, while
this process reads the first chunk), and this process never loads GX at all. Chunks travel to the
worker as typed numpy arrays; results come back as small ``ChunkOutcome`` records.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from airflow_gt.validation.frames import ArrayFrames
from airflow_gt.validation.gx_runner import ChunkOutcome, GxRunner
from airflow_gt.validation.suites import ExpectationSpec

RunnerSpec = tuple[str, str, tuple[ExpectationSpec, ...], dict[str, Any]]
"""A runner's key, suite name, expectations and suite parameters."""

_WORKER_RUNNERS: dict[str, GxRunner] = {}


def _start_worker(specs: list[RunnerSpec]) -> None:
    for key, name, expectations, parameters in specs:
        _WORKER_RUNNERS[key] = GxRunner(name, expectations, parameters)


def _validate_in_worker(key: str, frames: ArrayFrames) -> dict[int, ChunkOutcome]:
    return _WORKER_RUNNERS[key].validate(frames)


class GxPool:
    """Validates chunks with one GX runner per label attribute.

    :param specs: the runners to build.
    :param processes: 0 runs GX here; 1 runs it in a worker process.
    """

    def __init__(self, specs: list[RunnerSpec], processes: int = 0) -> None:
        self.executor: ProcessPoolExecutor | None = None
        self.runners: dict[str, GxRunner] = {}
        if processes:
            self.executor = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker, initargs=(specs,),
            )
            # Start the worker now, so it imports GX while the first chunk is read.
            self.executor.submit(len, ())
        else:
            for key, name, expectations, parameters in specs:
                self.runners[key] = GxRunner(name, expectations, parameters)

    def submit(self, key: str, frames: ArrayFrames) -> Future[dict[int, ChunkOutcome]]:
        if self.executor is not None:
            return self.executor.submit(_validate_in_worker, key, frames)
        done: Future[dict[int, ChunkOutcome]] = Future()
        try:
            done.set_result(self.runners[key].validate(frames))
        except Exception as error:
            done.set_exception(error)
        return done

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor = None
