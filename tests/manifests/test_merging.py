"""Merging: joining several jobs' output manifests on source-ref / source."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from airflow_gt.exceptions import ConfigurationError, InvalidJsonError, MergeError
from airflow_gt.manifests.merging import (
    MAX_REPORTED,
    MergeIssue,
    MergeResult,
    merge_manifests,
)
from airflow_gt.manifests.reader import read_manifest
from airflow_gt.manifests.writer import dump_line, write_manifest
from tests.conftest import s3_keys

DATE = "2018-10-18T22:18:13.527256"


def image(n: int) -> str:
    return f"s3://my-images/animals/{n:04d}.jpg"


def metadata(class_name: str, confidence: float, job: str, human: str = "yes") -> dict[str, Any]:
    return {
        "class-name": class_name,
        "confidence": confidence,
        "type": "groundtruth/image-classification",
        "job-name": f"labeling-job/{job}",
        "human-annotated": human,
        "creation-date": DATE,
    }


def species(n: int, class_name: str = "dog", confidence: float = 0.93, **extra: Any) -> dict:
    """A line of the first job's output: which animal."""
    return {
        "source-ref": image(n),
        "species": 0 if class_name == "dog" else 1,
        "species-metadata": metadata(class_name, confidence, "identify-species"),
        **extra,
    }


def quality(n: int, class_name: str = "sharp", confidence: float = 0.71, **extra: Any) -> dict:
    """A line of the second job's output, on the same images: how sharp the photo is."""
    return {
        "source-ref": image(n),
        "quality": "0" if class_name == "sharp" else "1",
        "quality-metadata": metadata(class_name, confidence, "rate-quality", human="no"),
        **extra,
    }


def failed_quality(n: int) -> dict[str, Any]:
    return {
        "source-ref": image(n),
        "quality-metadata": {
            "type": "groundtruth/image-classification",
            "job-name": "labeling-job/rate-quality",
            "human-annotated": "yes",
            "creation-date": DATE,
            "failure-reason": "ClientError: annotation consolidation failed",
        },
    }


def joined(*parts: dict[str, Any]) -> dict[str, Any]:
    """What a merged line should be: the keys of each part in order, the first value kept."""
    merged: dict[str, Any] = {}
    for part in parts:
        for key, value in part.items():
            merged.setdefault(key, value)
    return merged


def write(path: Path, records: Sequence[dict[str, Any]]) -> Path:
    write_manifest(path, records)
    return path


def assert_manifest(out: Path, expected: Sequence[dict[str, Any]]) -> None:
    """``out`` holds exactly ``expected``, in order, keys in order, byte for byte."""
    read_back = [r for _, r in read_manifest(out)]
    assert read_back == list(expected)
    for got, want in zip(read_back, expected, strict=True):
        assert list(got) == list(want)
    assert out.read_bytes() == b"".join(dump_line(r) for r in expected)


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


# --- joining --------------------------------------------------------------------------------


def test_two_jobs_on_the_same_images_join_in_the_first_manifests_order(tmp_path: Path) -> None:
    first = [species(1), species(2, "cat", 0.55), species(3, camera="north")]
    second = [quality(3, camera="north"), failed_quality(1), quality(2, "blurry", 0.4)]
    a = write(tmp_path / "species.manifest", first)
    b = write(tmp_path / "quality.manifest", second)
    out = tmp_path / "merged" / "output.manifest"

    result = merge_manifests([a, b], out)

    assert_manifest(
        out,
        [joined(first[0], second[1]), joined(first[1], second[2]), joined(first[2], second[0])],
    )
    assert list(read_manifest(out))[2][1] == {
        "source-ref": image(3),
        "species": 0,
        "species-metadata": metadata("dog", 0.93, "identify-species"),
        "camera": "north",
        "quality": "0",
        "quality-metadata": metadata("sharp", 0.71, "rate-quality", human="no"),
    }
    assert result == MergeResult(str(out), lines_written=3)
    assert leftovers(out.parent) == ["output.manifest"]


def test_objects_only_in_the_second_come_after_in_its_order(tmp_path: Path) -> None:
    first = [species(1), species(2), species(3)]
    second = [quality(9), quality(3), quality(7), quality(1), quality(8), quality(2)]
    a = write(tmp_path / "a.manifest", first)
    b = write(tmp_path / "b.manifest", second)
    out = tmp_path / "out.manifest"

    result = merge_manifests([a, b], out)

    assert_manifest(
        out,
        [
            joined(first[0], second[3]),
            joined(first[1], second[5]),
            joined(first[2], second[1]),
            second[0],
            second[2],
            second[4],
        ],
    )
    assert result.lines_written == 6
    assert result.missing_count == 3
    assert result.issues == [
        MergeIssue("missing", image(9), str(a)),
        MergeIssue("missing", image(7), str(a)),
        MergeIssue("missing", image(8), str(a)),
    ]


def test_many_objects_only_in_the_second_keep_their_order(tmp_path: Path) -> None:
    # More than one batch of the on-disk index, in an order that is not sorted.
    numbers = [(i * 7919) % 2503 for i in range(1, 2501)]
    assert len(set(numbers)) == len(numbers)
    second = [quality(n) for n in numbers]
    a = write(tmp_path / "a.manifest", [species(numbers[1200])])
    b = write(tmp_path / "b.manifest", second)
    out = tmp_path / "out.manifest"
    result = merge_manifests([a, b], out, on_missing="keep")
    expected = [joined(species(numbers[1200]), second[1200])]
    expected += [r for i, r in enumerate(second) if i != 1200]
    assert_manifest(out, expected)
    assert result.missing_count == 2499
    assert len(result.issues) == MAX_REPORTED
    assert result.issues[0] == MergeIssue("missing", image(numbers[0]), str(a))


# --- missing objects ------------------------------------------------------------------------


@pytest.fixture
def with_gaps(tmp_path: Path) -> tuple[Path, Path, list[dict[str, Any]], list[dict[str, Any]]]:
    first = [species(1), species(2), species(3), species(5)]
    second = [quality(4), quality(3), quality(1), quality(6)]
    return (
        write(tmp_path / "species.manifest", first),
        write(tmp_path / "quality.manifest", second),
        first,
        second,
    )


def test_missing_objects_are_kept_and_reported(tmp_path: Path, with_gaps: Any) -> None:
    a, b, first, second = with_gaps
    out = tmp_path / "out.manifest"
    result = merge_manifests([a, b], out)
    assert_manifest(
        out,
        [
            joined(first[0], second[2]),
            first[1],
            joined(first[2], second[1]),
            first[3],
            second[0],
            second[3],
        ],
    )
    assert result == MergeResult(
        str(out),
        lines_written=6,
        missing_count=4,
        issues=[
            MergeIssue("missing", image(2), str(b)),
            MergeIssue("missing", image(5), str(b)),
            MergeIssue("missing", image(4), str(a)),
            MergeIssue("missing", image(6), str(a)),
        ],
    )
    assert str(result.issues[0]) == f"{image(2)!r} is missing from {b}"


def test_missing_objects_can_be_dropped(tmp_path: Path, with_gaps: Any) -> None:
    a, b, first, second = with_gaps
    out = tmp_path / "out.manifest"
    result = merge_manifests([a, b], out, on_missing="drop")
    assert_manifest(out, [joined(first[0], second[2]), joined(first[2], second[1])])
    assert result.lines_written == 2
    assert result.dropped_count == 4
    assert result.missing_count == 4
    assert result.conflict_count == 0
    assert [(i.data_object, i.manifest) for i in result.issues] == [
        (image(2), str(b)),
        (image(5), str(b)),
        (image(4), str(a)),
        (image(6), str(a)),
    ]


def test_a_missing_object_can_be_an_error(tmp_path: Path, with_gaps: Any) -> None:
    a, b, _, _ = with_gaps
    out_dir = tmp_path / "merged"
    out_dir.mkdir()
    with pytest.raises(MergeError) as caught:
        merge_manifests([a, b], out_dir / "out.manifest", on_missing="error")
    assert str(caught.value) == f"{image(2)!r} is missing from {b}"
    assert leftovers(out_dir) == []


def test_an_object_only_in_the_second_is_an_error_too(tmp_path: Path) -> None:
    a = write(tmp_path / "a.manifest", [species(1)])
    b = write(tmp_path / "b.manifest", [quality(1), quality(2)])
    with pytest.raises(MergeError) as caught:
        merge_manifests([a, b], tmp_path / "out.manifest", on_missing="error")
    assert str(caught.value) == f"{image(2)!r} is missing from {a}"
    assert leftovers(tmp_path) == ["a.manifest", "b.manifest"]


def test_no_missing_object_is_no_error(tmp_path: Path) -> None:
    a = write(tmp_path / "a.manifest", [species(1), species(2)])
    b = write(tmp_path / "b.manifest", [quality(2), quality(1)])
    out = tmp_path / "out.manifest"
    result = merge_manifests([a, b], out, on_missing="error")
    assert_manifest(out, [joined(species(1), quality(1)), joined(species(2), quality(2))])
    assert result == MergeResult(str(out), lines_written=2)


# --- conflicts ------------------------------------------------------------------------------


@pytest.fixture
def conflicting(tmp_path: Path) -> tuple[Path, Path, list[dict[str, Any]], list[dict[str, Any]]]:
    # Image 1 agrees on "camera"; image 2 does not; image 3 disagrees inside a nested value.
    first = [
        species(1, camera="north"),
        species(2, camera="north"),
        species(3, site={"lat": 1.5, "tags": ["a"]}),
    ]
    second = [
        quality(1, camera="north"),
        quality(2, camera="south"),
        quality(3, site={"lat": 1.5, "tags": ["b"]}),
    ]
    return (
        write(tmp_path / "species.manifest", first),
        write(tmp_path / "quality.manifest", second),
        first,
        second,
    )


def test_a_conflicting_key_is_an_error_by_default(tmp_path: Path, conflicting: Any) -> None:
    a, b, _, _ = conflicting
    out_dir = tmp_path / "merged"
    out_dir.mkdir()
    with pytest.raises(MergeError) as caught:
        merge_manifests([a, b], out_dir / "out.manifest")
    message = str(caught.value)
    assert message == f"{image(2)!r}: key 'camera' has different values in {a} and {b}"
    assert leftovers(out_dir) == []


def test_first_value_wins_and_the_conflict_is_reported(tmp_path: Path, conflicting: Any) -> None:
    a, b, first, second = conflicting
    out = tmp_path / "out.manifest"
    result = merge_manifests([a, b], out, on_conflict="first")
    assert_manifest(out, [joined(f, s) for f, s in zip(first, second, strict=True)])
    got = [r for _, r in read_manifest(out)]
    assert got[1]["camera"] == "north"
    assert got[2]["site"] == {"lat": 1.5, "tags": ["a"]}
    assert result == MergeResult(
        str(out),
        lines_written=3,
        conflict_count=2,
        issues=[
            MergeIssue("conflict", image(2), str(b), "camera"),
            MergeIssue("conflict", image(3), str(b), "site"),
        ],
    )
    assert str(result.issues[0]) == f"{image(2)!r}: key 'camera' differs in {b}"


def test_conflicting_label_attributes_are_conflicts(tmp_path: Path) -> None:
    # Two runs of the same job: the same label attribute with different labels.
    a = write(tmp_path / "a.manifest", [species(1, "dog", 0.9)])
    b = write(tmp_path / "b.manifest", [species(1, "dog", 0.8)])
    with pytest.raises(MergeError, match="key 'species-metadata'"):
        merge_manifests([a, b], tmp_path / "out.manifest")
    result = merge_manifests([a, b], tmp_path / "out.manifest", on_conflict="first")
    assert_manifest(tmp_path / "out.manifest", [species(1, "dog", 0.9)])
    assert result.issues == [MergeIssue("conflict", image(1), str(b), "species-metadata")]


# --- duplicates and lines without a source --------------------------------------------------


def test_a_repeated_object_in_the_first_manifest_is_an_error(tmp_path: Path) -> None:
    a = write(tmp_path / "a.manifest", [species(1), species(2), species(3), species(2)])
    b = write(tmp_path / "b.manifest", [quality(1), quality(2), quality(3)])
    out_dir = tmp_path / "merged"
    out_dir.mkdir()
    with pytest.raises(MergeError) as caught:
        merge_manifests([a, b], out_dir / "out.manifest")
    assert str(caught.value) == (
        f"{a}, line 4: {image(2)!r} is already at line 2; a data object may appear once per "
        "manifest"
    )
    assert leftovers(out_dir) == []


@pytest.mark.parametrize("position", [1, 2])
def test_a_repeated_object_in_a_later_manifest_is_an_error(tmp_path: Path, position: int) -> None:
    manifests = [
        write(tmp_path / "a.manifest", [species(1), species(2)]),
        write(tmp_path / "b.manifest", [quality(1), quality(2)]),
        write(tmp_path / "c.manifest", [{"source-ref": image(1), "n": 1}]),
    ]
    repeated = [
        {"source-ref": image(2), "n": 1},
        {"source-ref": image(1), "n": 2},
        {"source-ref": image(3), "n": 3},
        {"source-ref": image(4), "n": 4},
        {"source-ref": image(1), "n": 5},
    ]
    manifests[position] = write(tmp_path / "repeated.manifest", repeated)
    with pytest.raises(MergeError) as caught:
        merge_manifests(manifests, tmp_path / "out.manifest")
    assert str(caught.value) == (
        f"{manifests[position]}, line 5: {image(1)!r} is already at line 2; a data object may "
        "appear once per manifest"
    )
    assert not (tmp_path / "out.manifest").exists()


@pytest.mark.parametrize("position", [0, 1])
def test_a_line_without_a_source_is_an_error(tmp_path: Path, position: int) -> None:
    lines = [species(1), species(2), {"species": 0, "species-metadata": {}}]
    manifests = [
        write(tmp_path / "a.manifest", [species(1), species(2)]),
        write(tmp_path / "b.manifest", [quality(1), quality(2)]),
    ]
    manifests[position] = write(tmp_path / "sourceless.manifest", lines)
    with pytest.raises(MergeError) as caught:
        merge_manifests(manifests, tmp_path / "out.manifest")
    assert str(caught.value) == (
        f"{manifests[position]}, line 3: no source-ref or source to join on"
    )
    assert not (tmp_path / "out.manifest").exists()


def test_a_source_that_is_not_a_string_does_not_count(tmp_path: Path) -> None:
    a = write(tmp_path / "a.manifest", [species(1), {"source-ref": ["s3://b/x.jpg"]}])
    b = write(tmp_path / "b.manifest", [quality(1)])
    with pytest.raises(MergeError, match=r", line 2: no source-ref or source"):
        merge_manifests([a, b], tmp_path / "out.manifest")


def test_a_broken_line_in_a_later_manifest_is_named(tmp_path: Path) -> None:
    a = write(tmp_path / "a.manifest", [species(1)])
    b = tmp_path / "b.manifest"
    b.write_bytes(dump_line(quality(1)) + b'{"source-ref": "s3://x/2.jpg"\n')
    with pytest.raises(InvalidJsonError) as caught:
        merge_manifests([a, b], tmp_path / "out.manifest")
    assert (caught.value.source, caught.value.line) == (str(b), 2)
    assert leftovers(tmp_path) == ["a.manifest", "b.manifest"]


# --- text sources and three manifests -------------------------------------------------------


def mood(text: str, class_name: str, confidence: float) -> dict[str, Any]:
    return {
        "source": text,
        "mood": "1" if class_name == "sad" else "0",
        "mood-metadata": {
            "class-name": class_name,
            "confidence": confidence,
            "type": "groundtruth/text-classification",
            "job-name": "label-mood",
            "human-annotated": "yes",
            "creation-date": DATE,
        },
    }


def topic(text: str, class_name: str) -> dict[str, Any]:
    return {
        "source": text,
        "topic": [0],
        "topic-metadata": {
            "job-name": "labeling-job/label-topics",
            "class-map": {"0": class_name},
            "human-annotated": "no",
            "type": "groundtruth/text-classification-multilabel",
            "creation-date": DATE,
            "confidence-map": {"0": 0.66},
        },
    }


def test_text_sources_join_across_three_manifests(tmp_path: Path) -> None:
    texts = ["a bad day", "a good day", "Ein schöner Tag \u2603", "a bad day "]
    first = [mood(texts[0], "sad", 0.8), mood(texts[1], "happy", 0.9), mood(texts[3], "sad", 0.6)]
    second = [topic(texts[2], "weather"), topic(texts[0], "life"), topic(texts[1], "life")]
    third = [
        {"source": texts[1], "language": "en"},
        {"source": texts[2], "language": "de"},
        {"source": texts[0], "language": "en"},
        {"source": texts[3], "language": "en"},
    ]
    paths = [
        write(tmp_path / "mood.manifest", first),
        write(tmp_path / "topic.manifest", second),
        write(tmp_path / "language.manifest", third),
    ]
    out = tmp_path / "out.manifest"
    result = merge_manifests(paths, out)
    assert_manifest(
        out,
        [
            joined(first[0], second[1], third[2]),
            joined(first[1], second[2], third[0]),
            joined(first[2], third[3]),
            joined(second[0], third[1]),
        ],
    )
    assert result == MergeResult(
        str(out),
        lines_written=4,
        missing_count=2,
        issues=[
            MergeIssue("missing", texts[3], str(paths[1])),
            MergeIssue("missing", texts[2], str(paths[0])),
        ],
    )


def test_three_manifests_with_objects_only_in_the_later_ones(tmp_path: Path) -> None:
    a = write(tmp_path / "a.manifest", [species(1)])
    b = write(tmp_path / "b.manifest", [quality(3), quality(1), quality(2)])
    c_lines = [{"source-ref": image(n), "reviewed": n} for n in (2, 4, 1, 3)]
    c = write(tmp_path / "c.manifest", c_lines)
    out = tmp_path / "out.manifest"
    result = merge_manifests([a, b, c], out, on_missing="keep")
    assert_manifest(
        out,
        [
            joined(species(1), quality(1), c_lines[2]),
            joined(quality(3), c_lines[3]),
            joined(quality(2), c_lines[0]),
            c_lines[1],
        ],
    )
    assert result.missing_count == 4
    assert result.issues == [
        MergeIssue("missing", image(3), str(a)),
        MergeIssue("missing", image(2), str(a)),
        MergeIssue("missing", image(4), str(a)),
        MergeIssue("missing", image(4), str(b)),
    ]


def test_an_object_in_every_manifest_but_one_names_it(tmp_path: Path) -> None:
    a = write(tmp_path / "a.manifest", [species(1), species(2)])
    b = write(tmp_path / "b.manifest", [quality(2)])
    c = write(tmp_path / "c.manifest", [{"source-ref": image(1)}, {"source-ref": image(2)}])
    with pytest.raises(MergeError) as caught:
        merge_manifests([a, b, c], tmp_path / "out.manifest", on_missing="error")
    assert str(caught.value) == f"{image(1)!r} is missing from {b}"


def test_a_conflict_between_the_later_manifests_names_them(tmp_path: Path) -> None:
    a = write(tmp_path / "a.manifest", [species(1)])
    b = write(tmp_path / "b.manifest", [{"source-ref": image(2), "camera": "north"}])
    c = write(tmp_path / "c.manifest", [{"source-ref": image(2), "camera": "south"}])
    with pytest.raises(MergeError) as caught:
        merge_manifests([a, b, c], tmp_path / "out.manifest")
    assert str(caught.value) == f"{image(2)!r}: key 'camera' has different values in {b} and {c}"


# --- arguments ------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [0, 1])
def test_fewer_than_two_sources_is_a_configuration_error(tmp_path: Path, count: int) -> None:
    paths = [write(tmp_path / "a.manifest", [species(1)])][:count]
    with pytest.raises(ConfigurationError) as caught:
        merge_manifests(paths, tmp_path / "out.manifest")
    assert caught.value.parameter == "sources"
    assert leftovers(tmp_path) == ["a.manifest"]


@pytest.mark.parametrize(
    ("arguments", "parameter"),
    [({"on_missing": "ignore"}, "on_missing"), ({"on_conflict": "last"}, "on_conflict")],
)
def test_bad_policies_are_configuration_errors(
    tmp_path: Path, arguments: dict[str, Any], parameter: str
) -> None:
    a = write(tmp_path / "a.manifest", [species(1)])
    b = write(tmp_path / "b.manifest", [quality(1)])
    with pytest.raises(ConfigurationError) as caught:
        merge_manifests([a, b], tmp_path / "out.manifest", **arguments)
    assert caught.value.parameter == parameter
    assert not (tmp_path / "out.manifest").exists()


# --- S3 -------------------------------------------------------------------------------------


def test_merge_through_s3(s3: Any, bucket: str) -> None:
    first = [species(1), species(2, "cat"), species(3)]
    second = [quality(2), quality(4), quality(1)]
    a = f"s3://{bucket}/jobs/species/output/output.manifest"
    b = f"s3://{bucket}/jobs/quality/output/output.manifest"
    out = f"s3://{bucket}/merged/output.manifest"
    write_manifest(a, first, s3_client=s3)
    write_manifest(b, second, s3_client=s3)

    result = merge_manifests([a, b], out, s3_client=s3)

    expected = [joined(first[0], second[2]), joined(first[1], second[0]), first[2], second[1]]
    body = s3.get_object(Bucket=bucket, Key="merged/output.manifest")["Body"].read()
    assert body == b"".join(dump_line(r) for r in expected)
    assert [r for _, r in read_manifest(out, s3_client=s3)] == expected
    assert result == MergeResult(
        out,
        lines_written=4,
        missing_count=2,
        issues=[MergeIssue("missing", image(3), b), MergeIssue("missing", image(4), a)],
    )


def test_a_failed_merge_to_s3_creates_no_object(s3: Any, bucket: str) -> None:
    a = f"s3://{bucket}/a.manifest"
    b = f"s3://{bucket}/b.manifest"
    write_manifest(a, [species(1, camera="north")], s3_client=s3)
    write_manifest(b, [quality(1, camera="south")], s3_client=s3)
    with pytest.raises(MergeError, match="key 'camera' has different values"):
        merge_manifests([a, b], f"s3://{bucket}/out.manifest", s3_client=s3)
    assert sorted(s3_keys(s3, bucket)) == ["a.manifest", "b.manifest"]
