"""Run a suite's expectations with Great Expectations over one chunk's frames.

The only module that imports great_expectations and pandas (both slow to import: keep them out of
anything a DAG file imports). One ephemeral GX context per validation, one pandas dataframe asset
per frame, and per frame a GX suite of the expectations on that frame; each chunk's frame becomes a
batch validated with ``result_format`` SUMMARY and the ``line`` column as the unexpected index,
so failing values come back with their manifest lines.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from airflow_gt.validation.frames import ArrayFrames
from airflow_gt.validation.suites import ExpectationSpec

SAMPLE_COUNT = 5


@dataclass(frozen=True)
class ChunkOutcome:
    """What one expectation found in one chunk."""

    element_count: int
    unexpected_count: int
    observed_value: Any
    samples: list[tuple[int, Any]]
    """(line, value) of the first few unexpected values."""
    success: bool = True
    """GX's verdict on this chunk."""


class ExpectationRunError(RuntimeError):
    """Great Expectations could not evaluate an expectation (a bug in a suite or a flattener)."""


def _quiet_great_expectations() -> None:
    """Keep GX's INFO lines out of the output, before and after importing it.

    Its import and its context log at INFO, and some of its modules set their own loggers to
    INFO; wherever the root logger prints INFO (Airflow 3.0's processes) they reach stdout.
    """
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if name.startswith("great_expectations.") and isinstance(logger, logging.Logger):
            logger.setLevel(logging.NOTSET)
    logging.getLogger("great_expectations").setLevel(logging.WARNING)


@contextlib.contextmanager
def _no_batch_fingerprints() -> Iterator[None]:
    """While our chunks are validated, GX does not hash every dataframe it is given.

    GX's pandas engine marks each batch with an MD5 fingerprint of the whole dataframe (every
    value of every column hashed, ``pandas_data_fingerprint``) when the frame is under 1 GB, and
    takes the batch twice per validation: measured, a third of GX's time on a chunk. Nothing
    here reads the fingerprint (the batches are dataframes handed over in memory, validated
    once), so the size below which GX computes it is 0 for the duration, then restored. Where a
    GX version has no such threshold, nothing changes.
    """
    from great_expectations.execution_engine import pandas_execution_engine as engine

    threshold = getattr(engine, "HASH_THRESHOLD", None)
    if threshold is None:
        yield
        return
    engine.HASH_THRESHOLD = 0
    try:
        yield
    finally:
        engine.HASH_THRESHOLD = threshold


class GxRunner:
    """Validates frames with the expectations given, grouped by frame."""

    def __init__(self, name: str, expectations: tuple[ExpectationSpec, ...],
                 parameters: dict[str, Any], *, sample_count: int = SAMPLE_COUNT) -> None:
        _quiet_great_expectations()
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig
        from great_expectations.expectations.expectation_configuration import (
            ExpectationConfiguration,
        )

        _quiet_great_expectations()

        self.expectations = expectations
        self.parameters = parameters
        self.sample_count = sample_count
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(
            globally=False, metric_calculations=False
        )
        source = self.context.data_sources.add_pandas(f"{name}-frames")
        self.batches: dict[str, Any] = {}
        self.suites: dict[str, Any] = {}
        for position, spec in enumerate(expectations):
            frame = spec.frame
            if frame not in self.suites:
                asset = source.add_dataframe_asset(frame)
                self.batches[frame] = asset.add_batch_definition_whole_dataframe(frame)
                self.suites[frame] = gx.ExpectationSuite(name=f"{name}.{frame}")
            config = ExpectationConfiguration(
                type=spec.type, kwargs=spec.kwargs,
                meta={"frame": frame, "rule": spec.rule, "position": position},
            )
            self.suites[frame].add_expectation_configuration(config)
        for frame, suite in self.suites.items():
            self.suites[frame] = self.context.suites.add(suite)

    def validate(self, frames: ArrayFrames) -> dict[int, ChunkOutcome]:
        """Run every frame's expectations on this chunk; keyed by position in the suite."""
        import pandas

        found: dict[int, ChunkOutcome] = {}
        for frame, suite in self.suites.items():
            columns = frames[frame]
            if not len(columns["line"]):
                continue
            dataframe = pandas.DataFrame(
                {name: _pandas_values(values) for name, values in columns.items()}, copy=False
            )
            with _no_batch_fingerprints():
                batch = self.batches[frame].get_batch(batch_parameters={"dataframe": dataframe})
                result = batch.validate(
                    suite,
                    result_format={
                        "result_format": "SUMMARY",
                        "unexpected_index_column_names": ["line"],
                        "partial_unexpected_count": self.sample_count,
                    },
                    expectation_parameters=self.parameters,
                )
            for outcome in result.results:
                # GX does not keep the suite's order in its results: each result names its
                # expectation's position through the meta it was given.
                position = int(outcome.expectation_config.meta["position"])
                found[position] = _chunk_outcome(outcome, len(dataframe))
        return found


def _pandas_values(values: Any) -> Any:
    """A column as pandas takes it without copying: numpy arrays as they are, Arrow arrays as a
    Series of their dtype (strings as pandas' Arrow-backed ``str``)."""
    to_pandas = getattr(values, "to_pandas", None)
    return values if to_pandas is None else to_pandas()


def _chunk_outcome(outcome: Any, rows: int) -> ChunkOutcome:
    # GX reports an expectation that could not run as a failure with an empty result, and the
    # exception keyed by metric: a silent pass or a count of 0 would hide it, so it is raised.
    info = outcome.exception_info or {}
    for entry in [info, *info.values()]:
        if isinstance(entry, dict) and entry.get("raised_exception"):
            config = outcome.expectation_config
            raise ExpectationRunError(
                f"{config.type} on {config.kwargs.get('column', config.kwargs)} could not run: "
                f"{entry.get('exception_message')}"
            )
    result = outcome.result or {}
    samples = []
    for entry in result.get("partial_unexpected_index_list") or []:
        line = int(entry.pop("line"))
        value = next(iter(entry.values())) if len(entry) == 1 else entry
        samples.append((line, value))
    return ChunkOutcome(
        element_count=int(result.get("element_count", rows)),
        unexpected_count=int(result.get("unexpected_count", 0)),
        observed_value=result.get("observed_value"),
        samples=samples,
        success=bool(outcome.success),
    )
