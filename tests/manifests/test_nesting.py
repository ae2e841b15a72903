"""Nesting: every reader refuses what orjson could not write back, and the limit is orjson's."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from airflow_gt.exceptions import InvalidJsonError, NestingTooDeepError
from airflow_gt.manifests.nesting import (
    MAX_DEPTH,
    block_within_limit,
    depth_over_limit,
    nesting_depth,
)
from airflow_gt.manifests.reader import parse_lines, read_manifest
from airflow_gt.manifests.writer import write_manifest

SOURCE = b'"source-ref":"s3://example-bucket/images/0001.jpg"'


def objects(depth: int) -> bytes:
    """A line nested ``depth`` deep, its own object included: {"a":{"a":...{}}}."""
    return b'{"a":' * (depth - 1) + b"{" + SOURCE + b"}" * depth


def arrays(depth: int) -> bytes:
    """A line whose value nests arrays: {"source-ref":...,"a":[[...[1]...]]}."""
    return b"{" + SOURCE + b',"a":' + b"[" * (depth - 1) + b"1" + b"]" * (depth - 1) + b"}"


def mixed(depth: int) -> bytes:
    """Objects and arrays in turn: {"a":[{"a":[...]}]}."""
    inner = b"1"
    for level in range(depth - 1, 0, -1):
        inner = b"[" + inner + b"]" if level % 2 else b'{"a":' + inner + b"}"
    return b"{" + SOURCE + b',"a":' + inner + b"}"


Shape = Callable[[int], bytes]
SHAPES = pytest.mark.parametrize(
    "shape", [objects, arrays, mixed], ids=["objects", "arrays", "mixed"]
)


@SHAPES
def test_the_limit_is_what_orjson_writes_back(shape: Shape) -> None:
    deepest = orjson.loads(shape(MAX_DEPTH))
    assert orjson.loads(orjson.dumps(deepest)) == deepest
    one_more = orjson.loads(shape(MAX_DEPTH + 1))  # orjson reads it...
    with pytest.raises(TypeError, match="Recursion limit reached"):
        orjson.dumps(one_more)  # ...but cannot write it


@SHAPES
def test_depth_counts_every_array_and_object(shape: Shape) -> None:
    for depth in (1, 2, 3, MAX_DEPTH, MAX_DEPTH + 1, 2000):
        assert nesting_depth(shape(depth)) == depth


def test_brackets_inside_strings_do_not_count() -> None:
    line = b'{"a": "[[[{{{", "b": "\\"[[", "c": [["\\\\"]]}'
    assert orjson.loads(line)["c"] == [["\\"]]
    assert nesting_depth(line) == 3
    assert nesting_depth(b'{"a": "[[[[') == 1  # cut off inside a string
    assert nesting_depth(b'{"a": "x\\') == 1
    assert nesting_depth(b"") == 0


def test_many_brackets_side_by_side_are_not_deep() -> None:
    boxes = b",".join([b'{"class_id":0,"left":1,"top":2}'] * 400)
    line = b"{" + SOURCE + b',"bounding-box":{"annotations":[' + boxes + b"]}}"
    assert line.count(b"{") > MAX_DEPTH
    assert depth_over_limit(line) is None
    assert block_within_limit(line + b"\n" + line + b"\n")
    assert [n for n, _ in parse_lines([line, line], "boxes.manifest")] == [1, 2]


def test_block_check_finds_the_deep_line_among_others() -> None:
    plain = objects(3)
    assert block_within_limit(b"\n".join([plain, objects(MAX_DEPTH), plain]) + b"\n")
    assert not block_within_limit(b"\n".join([plain, objects(MAX_DEPTH + 1), plain]))
    assert depth_over_limit(objects(MAX_DEPTH + 1)) == MAX_DEPTH + 1
    assert depth_over_limit(objects(MAX_DEPTH)) is None


@SHAPES
def test_the_deepest_line_read_is_written_back(tmp_path: Path, shape: Shape) -> None:
    source = tmp_path / "deep.manifest"
    source.write_bytes(shape(MAX_DEPTH) + b"\n")
    records = [record for _, record in read_manifest(source)]
    copy = tmp_path / "copy.manifest"
    assert write_manifest(copy, records) == 1
    assert [record for _, record in read_manifest(copy)] == records


@SHAPES
def test_a_line_one_level_deeper_is_refused_with_its_line(shape: Shape) -> None:
    lines = [objects(2), shape(MAX_DEPTH + 1), objects(2)]
    with pytest.raises(NestingTooDeepError) as caught:
        list(parse_lines(lines, "deep.manifest"))
    assert (caught.value.line, caught.value.depth, caught.value.limit) == (2, MAX_DEPTH + 1, 254)
    assert str(caught.value) == (
        f"deep.manifest, line 2: arrays and objects nest {MAX_DEPTH + 1} levels deep (the line's "
        "own object included); at most 254 are read, the most that can be written back"
    )


@pytest.mark.parametrize("prefix", [b"", "\u00e9\u00e8\u2603 ".encode()], ids=["ascii", "utf8"])
def test_a_line_deeper_than_orjson_reads_is_refused_as_too_deep(prefix: bytes) -> None:
    # orjson stops at 1,024 levels ("depth limit exceeded"); the error is still about nesting,
    # though the line was not read to its end. Its position counts characters, not bytes.
    line = b'{"note":"' + prefix + b'","a":' + b"[" * 50_000 + b"]" * 50_000 + b"}"
    with pytest.raises(NestingTooDeepError, match=r"line 1: .* nest at least 1025 levels deep"):
        list(parse_lines([line], "hostile.manifest"))


def test_a_broken_line_that_is_not_deep_stays_invalid_json() -> None:
    line = b'{"a":' + b"[" * 10 + b"]" * 9 + b"}"
    with pytest.raises(InvalidJsonError):
        list(parse_lines([line], "broken.manifest"))
