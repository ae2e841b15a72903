"""Properties of every flattener (``airflow_gt/validation/flatten*.py``) on hostile lines.

The validator calls a flattener as ``chunk_feed`` does: ``flattener_for(job type, attribute,
metadata key)``, then ``flatten(records)`` on parsed lines and ``to_arrays`` on the frames, or,
where the flattener has an Arrow path (``arrow_fields``), ``read_block`` and ``flatten_table`` on
a block of raw lines. For any lines the reader accepts, in any job type's flattener (``validate
--job-type T`` forces any type on any lines):

- nothing raises;
- every frame's columns have one length, the ``lines`` frame one row per line, and every row's
  ``line`` is one of the chunk's;
- where Arrow reads a block, its frames are the line-by-line frames.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airflow_gt.exceptions import ManifestLineError
from airflow_gt.manifests.reader import parse_lines
from airflow_gt.validation.arrow_blocks import merge_fields, read_block
from airflow_gt.validation.flatteners import FLATTENERS, flattener_for
from airflow_gt.validation.frames import to_arrays
from tests.hostile.seeds import SEEDS, Seed
from tests.hostile.settings import HOSTILE
from tests.hostile.strategies import hostile_files
from tests.validation.test_arrow_blocks import as_lists

JOB_TYPES = sorted(FLATTENERS)


def metadata_key(seed: Seed) -> str:
    # Rekognition's manifests have no metadata: their flatteners are given the attribute twice.
    return seed.metadata_key or seed.attribute


def parsed(data: bytes) -> list[tuple[int, Any]]:
    """The records the reader gives for the lines before the first one it refuses."""
    records: list[tuple[int, Any]] = []
    try:
        for number, record in parse_lines(data.split(b"\n"), "flatten.manifest"):
            records.append((number, record))
    except ManifestLineError:
        pass
    return records


def check_frames(frames: dict[str, dict[str, Any]], numbers: list[int]) -> None:
    for name, columns in frames.items():
        lengths = {column: len(values) for column, values in columns.items()}
        assert len(set(lengths.values())) == 1, (name, lengths)
        assert set(columns["line"]) <= set(numbers), name
    assert list(frames["lines"]["line"]) == numbers


def same(found: Any, wanted: Any) -> bool:
    """Equal, numbers to 12 digits: past 2**53 Arrow reads an integer as the nearest double
    and sums doubles, where Python sums the integers first (``left + width``)."""
    if isinstance(found, dict) and isinstance(wanted, dict):
        return found.keys() == wanted.keys() and all(same(found[k], wanted[k]) for k in found)
    if isinstance(found, list) and isinstance(wanted, list):
        return len(found) == len(wanted) and all(map(same, found, wanted))
    if isinstance(found, float) and isinstance(wanted, float):
        return math.isclose(found, wanted, rel_tol=1e-12)
    return bool(found == wanted)


@pytest.mark.parametrize("seed", SEEDS, ids=[seed.name for seed in SEEDS])
@HOSTILE
@given(data=st.data())
def test_flatteners_take_any_readable_line(seed: Seed, data: st.DataObject) -> None:
    hostile = data.draw(hostile_files(seed, max_lines=4))
    records = parsed(hostile.data)
    numbers = [number for number, _ in records]
    own = data.draw(st.booleans())
    job_type = seed.job_type if own else data.draw(st.sampled_from(JOB_TYPES))
    flattener = flattener_for(job_type, seed.attribute, metadata_key(seed))
    frames = flattener.flatten(records)
    check_frames(frames, numbers)
    to_arrays(frames)


@pytest.mark.parametrize("seed", SEEDS, ids=[seed.name for seed in SEEDS])
@HOSTILE
@given(data=st.data())
def test_arrow_reads_a_block_as_the_line_by_line_flattener(
    seed: Seed, data: st.DataObject
) -> None:
    hostile = data.draw(hostile_files(seed, max_lines=4))
    block = hostile.data
    lines = block.count(b"\n") + (not block.endswith(b"\n"))
    for job_type in JOB_TYPES:
        fast_flattener = flattener_for(job_type, seed.attribute, metadata_key(seed))
        declared = fast_flattener.arrow_fields()
        fields = None if declared is None else merge_fields([declared])  # as chunk_feed does
        if fields is None:
            continue
        table = read_block(block, lines, fields)
        if table is None:
            continue  # Arrow stepped aside: the exact reader reads the block
        fast = fast_flattener.flatten_table(table, 1)
        if fast is None:
            continue
        records = parsed(block)
        assert len(records) == lines, "Arrow read a block the exact reader refuses"
        exact = to_arrays(
            flattener_for(job_type, seed.attribute, metadata_key(seed)).flatten(records))
        assert same(as_lists(fast), as_lists(exact)), (job_type, hostile.how)


def test_every_flattener_is_exercised() -> None:
    """The job types above are every flattener's: a new one is tested without a change here."""
    assert {kind.__name__ for kind in FLATTENERS.values()} >= {
        "BoundingBoxFlattener", "ImageClassificationFlattener", "TextClassificationFlattener",
        "ImageMultiLabelFlattener", "TextMultiLabelFlattener", "LabelVerificationFlattener",
        "TextSpanFlattener", "MaskFlattener", "ModerationInputFlattener",
        "ModerationOutputFlattener", "CommonOnlyFlattener",
    }
