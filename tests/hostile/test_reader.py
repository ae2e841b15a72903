"""Properties of the manifest reader on hostile lines: it yields the readable lines in order and
stops at the first broken one with a ManifestLineError naming the source and that line; nothing
else ever escapes it."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airflow_gt.exceptions import EmptyLineError, ManifestLineError
from airflow_gt.manifests.reader import LineParser, parse_lines, read_manifest
from tests.hostile.seeds import SEEDS
from tests.hostile.settings import HOSTILE, QUICK
from tests.hostile.strategies import HostileFile, hostile_files

Outcome = tuple[list[int], int | None, type[Exception] | None]
"""The line numbers yielded, and the line and class of the error raised (or None)."""


def read_all(path: Path) -> Outcome:
    numbers: list[int] = []
    refused: ManifestLineError | None = None
    try:
        for number, record in read_manifest(path):
            assert type(record) is dict
            numbers.append(number)
    except ManifestLineError as error:
        refused = error
    if refused is None:
        return numbers, None, None
    assert refused.source == str(path)
    assert str(refused).startswith(f"{path}, line {refused.line}: ")
    assert "\n" not in str(refused)
    return numbers, refused.line, type(refused)


def allowed_outcomes(hostile: HostileFile) -> list[Outcome]:
    """What a correct reader may do with the file: one outcome, or two where a line nested 300
    deep may be accepted or refused."""
    outcomes: list[Outcome] = []

    def walk(start: int, numbers: list[int], empty_at: int) -> None:
        for number in range(start, len(hostile.lines) + 1):
            line = hostile.lines[number - 1]
            if line.empty:
                empty_at = empty_at or number
                continue
            if line.verdict == "invalid":
                outcomes.append((numbers, number, None))
                return
            if line.verdict == "deep":
                outcomes.append((numbers, number, None))
            if empty_at:
                outcomes.append((numbers, empty_at, EmptyLineError))
                return
            if line.verdict == "not-object":
                outcomes.append((numbers, number, None))
                return
            numbers = [*numbers, number]
        outcomes.append((numbers, None, None))

    walk(1, [], 0)
    return outcomes


def matches(found: Outcome, allowed: Outcome) -> bool:
    numbers, line, kind = allowed
    return found[:2] == (numbers, line) and (kind is None or found[2] is kind)


@pytest.mark.parametrize("seed", SEEDS, ids=[seed.name for seed in SEEDS])
@HOSTILE
@given(data=st.data())
def test_reader_yields_lines_until_the_first_broken_one(seed: object, data: st.DataObject) -> None:
    hostile = data.draw(hostile_files(seed, max_lines=5))  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory, "output.manifest")
        path.write_bytes(hostile.data)
        found = read_all(path)
    allowed = allowed_outcomes(hostile)
    assert any(matches(found, outcome) for outcome in allowed), (hostile.how, found, allowed)


@QUICK
@given(lines=st.lists(st.binary(max_size=60), max_size=6))
def test_any_bytes_give_records_or_a_line_error(lines: list[bytes]) -> None:
    refused: ManifestLineError | None = None
    try:
        for number, record in parse_lines(lines, "any.manifest"):
            assert 1 <= number <= len(lines)
            assert type(record) is dict
    except ManifestLineError as error:
        refused = error
    if refused is not None:
        assert 1 <= refused.line <= len(lines)
        assert str(refused).startswith(f"any.manifest, line {refused.line}: ")


@QUICK
@given(lines=st.lists(st.sampled_from((b'{"source-ref":"s3://b/k"}', b"", b"  ", b"[]",
                                       b'{"a":', b"\xef\xbb\xbf{}")), max_size=8),
       cut=st.integers(0, 8))
def test_parsing_in_blocks_is_parsing_at_once(lines: list[bytes], cut: int) -> None:
    """The validator parses a manifest block by block with one LineParser: an empty line in
    one block followed by data in the next is still found, at the same line."""

    def outcome(blocks: list[list[bytes]]) -> tuple[list[int], int | None]:
        parser = LineParser("blocks.manifest")
        numbers: list[int] = []
        first = 1
        try:
            for block in blocks:
                for number, _ in parser.parse(block, first):
                    numbers.append(number)
                first += len(block)
        except ManifestLineError as error:
            return numbers, error.line
        return numbers, None

    cut = min(cut, len(lines))
    assert outcome([lines[:cut], lines[cut:]]) == outcome([lines])
