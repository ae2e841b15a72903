"""Chaining: which lines of an output manifest go into a follow-up job's input manifest."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from airflow_gt.exceptions import (
    ConfigurationError,
    InvalidJsonError,
    LabelAttributeExistsError,
    NameRuleError,
)
from airflow_gt.manifests.chaining import ChainResult, Selection, chain_manifest, select_lines
from airflow_gt.manifests.job_types import built_in_task
from airflow_gt.manifests.reader import read_manifest
from airflow_gt.manifests.writer import dump_line, write_manifest
from tests.conftest import SAMPLES, s3_keys

JOB = "identify-animal-species"
DATE = "2018-10-18T22:18:13.527256"


def image(n: int) -> str:
    return f"s3://my-images/animals/{n:04d}.jpg"


def labeled(
    n: int,
    class_name: str = "dog",
    confidence: float = 0.93,
    *,
    class_id: int | str = 0,
    job: str = JOB,
    human: str = "yes",
    attribute: str = "species",
    **extra: Any,
) -> dict[str, Any]:
    """An image-classification output line, with pass-through keys before and after."""
    return {
        "source-ref": image(n),
        "camera": {"site": "north", "angles": [0, 90.5], "ok": True, "note": None},
        attribute: class_id,
        f"{attribute}-metadata": {
            "class-name": class_name,
            "confidence": confidence,
            "type": "groundtruth/image-classification",
            "job-name": job,
            "human-annotated": human,
            "creation-date": DATE,
        },
        "caption": f"bild nummer {n} \u00e9\u00e8 \u2603",
        **extra,
    }


def failed(n: int, *, attribute: str = "species", **extra: Any) -> dict[str, Any]:
    return {
        "source-ref": image(n),
        f"{attribute}-metadata": {
            "type": "groundtruth/image-classification",
            "job-name": f"labeling-job/{JOB}",
            "human-annotated": "yes",
            "creation-date": DATE,
            "failure-reason": "ClientError: The worker did not submit an annotation in time.",
        },
        **extra,
    }


def unlabeled(n: int, **extra: Any) -> dict[str, Any]:
    return {"source-ref": image(n), "camera": {"site": "south"}, **extra}


def boxes(
    n: int,
    annotations: Sequence[tuple[int, float | None]],
    class_map: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An object-detection output line: (class_id, confidence) per box."""
    objects = [{} if c is None else {"confidence": c} for _, c in annotations]
    return {
        "source-ref": image(n),
        "bounding-box": {
            "image_size": [{"width": 500, "height": 400, "depth": 3}],
            "annotations": [
                {"class_id": class_id, "left": 10 * i, "top": 20, "width": 30, "height": 40}
                for i, (class_id, _) in enumerate(annotations)
            ],
        },
        "bounding-box-metadata": {
            "objects": objects,
            "class-map": class_map or {"0": "dog", "5": "bone", "7": "cat"},
            "type": "groundtruth/object-detection",
            "human-annotated": "yes",
            "creation-date": DATE,
            "job-name": "identify-dogs-and-toys",
        },
    }


def write(path: Path, records: Sequence[dict[str, Any]]) -> Path:
    write_manifest(path, records)
    return path


def assert_kept(out: Path, records: Sequence[dict[str, Any]], kept: Sequence[int]) -> None:
    """``out`` holds exactly ``records[i] for i in kept``, in that order, byte for byte."""
    expected = [records[i] for i in kept]
    read_back = [r for _, r in read_manifest(out)]
    assert read_back == expected
    for got, want in zip(read_back, expected, strict=True):
        assert list(got) == list(want)
        for key, value in want.items():
            assert got[key] == value
    assert out.read_bytes() == b"".join(dump_line(r) for r in expected)


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


MIXED = [
    labeled(1, "dog", 0.93),
    failed(2),
    labeled(3, "cat", 0.41, class_id="1"),
    unlabeled(4),
    failed(5, extra_key=[1, 2]),
    labeled(6, "bird", 0.77, class_id=2, human="no"),
    unlabeled(7),
    labeled(8, "dog", 0.99),
]


def masks(n: int) -> dict[str, Any]:
    """A semantic-segmentation output line, for the tasks that verify or adjust masks."""
    return {
        "source-ref": image(n),
        "city-streets-ref": f"s3://my-images/masks/{n:04d}.png",
        "city-streets-metadata": {
            "internal-color-map": {
                "0": {"class-name": "BACKGROUND", "confidence": 0.9, "hex-color": "#ffffff"},
            },
            "type": "groundtruth/semantic-segmentation",
            "human-annotated": "yes",
            "creation-date": DATE,
            "job-name": "label-city-streets",
        },
    }


def failed_mask(n: int) -> dict[str, Any]:
    line = failed(n, attribute="city-streets")
    line["city-streets-metadata"]["type"] = "groundtruth/semantic-segmentation"
    return line


MASKS = [masks(1), failed_mask(2), unlabeled(3), masks(4)]


# --- status ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "kept"),
    [
        ("all", [0, 1, 2, 3, 4, 5, 6, 7]),
        ("labeled", [0, 2, 5, 7]),
        ("unlabeled", [3, 6]),
        ("failed", [1, 4]),
    ],
)
def test_status_keeps_exactly_those_lines_in_order(
    tmp_path: Path, status: str, kept: list[int]
) -> None:
    source = write(tmp_path / "output.manifest", MIXED)
    out = tmp_path / "next" / "input.manifest"
    result = chain_manifest(
        source, out, new_label_attribute="verify-species", selection=Selection(status=status)
    )
    assert_kept(out, MIXED, kept)
    assert result.destination == str(out)
    assert result.lines_written == len(kept)
    if status != "unlabeled":
        assert result.label_attribute == "species"


def test_select_lines_yields_one_based_line_numbers_and_records(tmp_path: Path) -> None:
    source = write(tmp_path / "output.manifest", MIXED)
    assert list(select_lines(source, Selection(status="failed"))) == [
        (2, MIXED[1]),
        (5, MIXED[4]),
    ]
    assert list(select_lines(source)) == [(i, r) for i, r in enumerate(MIXED, 1)]


def test_default_selection_copies_the_whole_file_byte_for_byte(tmp_path: Path) -> None:
    source = write(tmp_path / "output.manifest", MIXED)
    out = tmp_path / "input.manifest"
    chain_manifest(source, out, new_label_attribute="verify-species")
    assert out.read_bytes() == source.read_bytes()


def test_status_uses_the_named_label_attribute(tmp_path: Path) -> None:
    # Lines labeled by one job and failed by another: "failed" depends on which is named.
    records = [
        {**labeled(1), **failed(1, attribute="breed")},
        {**labeled(2), "breed": 3, "breed-metadata": {**labeled(2)["species-metadata"]}},
    ]
    source = write(tmp_path / "output.manifest", records)
    chosen = select_lines(source, Selection(status="failed"), label_attribute="breed")
    assert [n for n, _ in chosen] == [1]
    chosen = select_lines(source, Selection(status="failed"), label_attribute="species")
    assert list(chosen) == []


def test_lines_read_counts_every_line_of_the_source(tmp_path: Path) -> None:
    source = write(tmp_path / "output.manifest", MIXED)
    result = chain_manifest(
        source,
        tmp_path / "input.manifest",
        new_label_attribute="verify-species",
        selection=Selection(status="failed"),
    )
    assert result == ChainResult(str(tmp_path / "input.manifest"), "species", 8, 2)


# --- class names ----------------------------------------------------------------------------


def test_class_names_keep_classification_lines_with_any_of_them(tmp_path: Path) -> None:
    records = [
        labeled(1, "dog"),
        failed(2),
        labeled(3, "cat", class_id="1"),
        labeled(4, "horse", 0.2, class_id=3, human="no"),
        {**unlabeled(5), "species-metadata": {**failed(5)["species-metadata"]}},
        labeled(6, "bird", class_id=2),
        labeled(7, "dog"),
    ]
    source = write(tmp_path / "output.manifest", records)
    out = tmp_path / "input.manifest"
    result = chain_manifest(
        source,
        out,
        new_label_attribute="verify-species",
        selection=Selection(class_names=frozenset({"cat", "bird", "fish"})),
    )
    assert_kept(out, records, [2, 5])
    assert result.lines_written == 2
    assert result.label_attribute == "species"


def test_class_names_accept_a_list_and_combine_with_status_labeled(tmp_path: Path) -> None:
    source = write(tmp_path / "output.manifest", MIXED)
    selection = Selection(status="labeled", class_names=["dog"])  # type: ignore[arg-type]
    assert selection.class_names == frozenset({"dog"})
    assert [n for n, _ in select_lines(source, selection)] == [1, 8]


def test_class_names_look_at_every_bounding_box_through_the_class_map(tmp_path: Path) -> None:
    records = [
        boxes(1, [(0, 0.9), (5, 0.8)]),  # dog, bone
        boxes(2, [(0, 0.9)]),  # dog
        boxes(3, [(7, 0.7), (7, 0.6)]),  # cat, cat
        boxes(4, []),  # nothing found
        boxes(5, [(5, 0.5)], class_map={"5": "ball"}),  # a different class map
        {**failed(6, attribute="bounding-box")},
        boxes(7, [(0, 0.9), (0, 0.9), (5, 0.95)]),  # dog, dog, bone
    ]
    source = write(tmp_path / "output.manifest", records)
    out = tmp_path / "input.manifest"
    result = chain_manifest(
        source,
        out,
        new_label_attribute="adjust-boxes",
        selection=Selection(class_names=frozenset({"bone", "cat"})),
        follow_up=built_in_task("AdjustmentBoundingBox"),
    )
    assert_kept(out, records, [0, 2, 6])
    assert result.label_attribute == "bounding-box"
    assert [n for n, _ in select_lines(source, Selection(class_names={"ball"}))] == [5]


# --- confidence -----------------------------------------------------------------------------


def test_confidence_below_is_strict_and_only_keeps_labeled_lines(tmp_path: Path) -> None:
    records = [
        labeled(1, confidence=0.5),
        labeled(2, confidence=0.7),
        failed(3),
        labeled(4, confidence=0.69),
        failed(5),
        labeled(6, confidence=0.71),
        labeled(7, confidence=0.0),
        labeled(8, confidence=1),
    ]
    source = write(tmp_path / "output.manifest", records)
    out = tmp_path / "input.manifest"
    result = chain_manifest(
        source, out, new_label_attribute="verify", selection=Selection(confidence_below=0.7)
    )
    assert_kept(out, records, [0, 3, 6])
    assert result.lines_written == 3
    everything = Selection(confidence_below=1.0)
    assert [n for n, _ in select_lines(source, everything)] == [1, 2, 4, 6, 7]


def test_bounding_box_line_confidence_is_the_lowest_box_confidence(tmp_path: Path) -> None:
    records = [
        boxes(1, [(0, 0.9), (5, 0.4), (0, 0.95)]),  # lowest 0.4
        boxes(2, [(0, 0.6), (5, 0.8)]),  # lowest 0.6
        boxes(3, [(0, 0.45)]),  # 0.45
        boxes(4, [(0, None), (5, 0.5)]),  # a box without confidence: lowest of the others
        boxes(5, [(0, None)]),  # no confidence at all: never below
        boxes(6, []),  # no box: never below
        boxes(7, [(0, 0.99), (7, 0.49999)]),
    ]
    source = write(tmp_path / "output.manifest", records)
    out = tmp_path / "input.manifest"
    chain_manifest(
        source, out, new_label_attribute="adjust", selection=Selection(confidence_below=0.5)
    )
    assert_kept(out, records, [0, 2, 6])


def test_class_and_confidence_filters_combine(tmp_path: Path) -> None:
    records = [
        boxes(1, [(0, 0.9), (5, 0.4)]),  # bone, low
        boxes(2, [(5, 0.9)]),  # bone, high
        boxes(3, [(0, 0.3)]),  # dog only, low
    ]
    source = write(tmp_path / "output.manifest", records)
    selection = Selection(class_names=frozenset({"bone"}), confidence_below=0.5)
    assert [n for n, _ in select_lines(source, selection)] == [1]


@pytest.mark.parametrize(
    ("selection", "kept"),
    [
        (Selection(class_names=frozenset({"dog"})), [2]),
        (Selection(confidence_below=1.0), [2, 4]),
        (Selection(status="all", class_names=frozenset({"cat"}), confidence_below=0.5), [4]),
    ],
)
def test_label_filters_never_keep_unlabeled_lines(
    tmp_path: Path, selection: Selection, kept: list[int]
) -> None:
    records = [
        unlabeled(1),
        labeled(2, "dog", 0.2),
        unlabeled(3),
        labeled(4, "cat", 0.3, class_id=1),
    ]
    source = write(tmp_path / "output.manifest", records)
    assert [n for n, _ in select_lines(source, selection)] == kept


# --- lowest quantile ------------------------------------------------------------------------


def test_lowest_quantile_is_taken_within_each_job_and_labeler_group(tmp_path: Path) -> None:
    # Humans of one job: 8 lines, 0.90..0.97. The machine of the same job: 4 lines,
    # 0.10..0.40. Another job's humans: 4 lines, 0.60..0.63. Written as "labeling-job/<name>"
    # or "<name>" at random: both are one job.
    human = f"labeling-job/{JOB}"
    records = [
        labeled(1, confidence=0.95, job=JOB),
        labeled(2, confidence=0.30, human="no", job=human),
        labeled(3, confidence=0.91, job=human),
        unlabeled(4),
        labeled(5, confidence=0.61, job="count-animals"),
        labeled(6, confidence=0.97, job=JOB),
        labeled(7, confidence=0.10, human="no", job=JOB),
        failed(8),
        labeled(9, confidence=0.92, job=JOB),
        labeled(10, confidence=0.60, job="labeling-job/count-animals"),
        labeled(11, confidence=0.90, job=human),
        labeled(12, confidence=0.40, human="no", job=human),
        labeled(13, confidence=0.96, job=human),
        labeled(14, confidence=0.63, job="count-animals"),
        labeled(15, confidence=0.93, job=JOB),
        labeled(16, confidence=0.20, human="no", job=JOB),
        labeled(17, confidence=0.94, job=human),
        labeled(18, confidence=0.62, job="count-animals"),
    ]
    source = write(tmp_path / "output.manifest", records)
    out = tmp_path / "input.manifest"
    result = chain_manifest(
        source, out, new_label_attribute="verify", selection=Selection(lowest_quantile=0.25)
    )
    # Humans: 0.90 (line 11), 0.91 (line 3); machine: 0.10 (line 7); other job: 0.60 (line 10).
    # A global quantile would keep the machine's 0.10, 0.20, 0.30, 0.40 only; splitting the
    # job by how its name is written would keep 0.90 and 0.92 for the humans.
    assert_kept(out, records, [2, 6, 9, 10])
    assert result.lines_written == 4
    assert result.label_attribute == "species"


def test_lowest_quantile_of_one_keeps_every_labeled_line(tmp_path: Path) -> None:
    source = write(tmp_path / "output.manifest", MIXED)
    assert [n for n, _ in select_lines(source, Selection(lowest_quantile=1.0))] == [1, 3, 6, 8]


def test_lowest_quantile_keeps_at_least_one_line_per_group(tmp_path: Path) -> None:
    records = [labeled(i, confidence=0.5 + i / 100) for i in range(1, 11)]
    records.insert(4, labeled(99, confidence=0.99, human="no"))
    source = write(tmp_path / "output.manifest", records)
    chosen = select_lines(source, Selection(lowest_quantile=0.01))
    assert [r["source-ref"] for _, r in chosen] == [image(1), image(99)]


def test_lowest_quantile_then_a_confidence_threshold_and_a_sample(tmp_path: Path) -> None:
    records = [labeled(i, confidence=i / 100) for i in range(1, 41)]
    source = write(tmp_path / "output.manifest", records)
    # Lowest quarter: 0.01..0.10 (all below 0.5), then 3 of those 10, in input order.
    lowest = Selection(lowest_quantile=0.25, confidence_below=0.5)
    assert [n for n, _ in select_lines(source, lowest)] == list(range(1, 11))
    selection = Selection(lowest_quantile=0.25, confidence_below=0.5, sample_size=3, seed=4)
    chosen = [n for n, _ in select_lines(source, selection)]
    assert len(chosen) == 3
    assert chosen == sorted(set(chosen))
    assert set(chosen) <= set(range(1, 11))
    assert chosen == [n for n, _ in select_lines(source, selection)]


def test_lowest_quantile_count_is_not_thrown_off_by_float_rounding(tmp_path: Path) -> None:
    records = [labeled(i, confidence=i / 1000) for i in range(1, 101)]
    source = write(tmp_path / "output.manifest", records)
    chosen = [n for n, _ in select_lines(source, Selection(lowest_quantile=0.07))]
    assert chosen == [1, 2, 3, 4, 5, 6, 7]


def test_lowest_quantile_keeps_exactly_its_share_when_confidences_tie(tmp_path: Path) -> None:
    # Ground Truth's confidences take few values: 5 lines at 0.56, 15 at 0.81. The least
    # certain 30% is ceil(0.3 * 20) = 6 lines: the five at 0.56 and one of the fifteen ties.
    records = [labeled(i, confidence=0.56 if i % 4 == 0 else 0.81) for i in range(1, 21)]
    source = write(tmp_path / "output.manifest", records)
    out = tmp_path / "input.manifest"
    result = chain_manifest(source, out, new_label_attribute="verify",
                            selection=Selection(lowest_quantile=0.3))
    kept = [record["source-ref"] for _, record in read_manifest(out)]
    assert (result.lines_written, result.ties_broken) == (6, 14)
    assert {image(n) for n in (4, 8, 12, 16, 20)} < set(kept)
    again = tmp_path / "again.manifest"
    chain_manifest(source, again, new_label_attribute="verify",
                   selection=Selection(lowest_quantile=0.3))
    assert again.read_bytes() == out.read_bytes()
    picks = {tuple(n for n, _ in select_lines(source, Selection(lowest_quantile=0.3, seed=seed)))
             for seed in range(20)}
    assert len(picks) > 1, "the seed decides which tied line is kept"


def test_lowest_quantile_count_and_order_hold_for_random_groups(tmp_path: Path) -> None:
    """For many random manifests: each group keeps max(1, ceil(q * n)) lines, none of them more
    confident than a line it leaves out, and the reported ties are the left-out lines at the
    group's cut-off confidence."""
    generator = random.Random(7)
    for trial in range(60):
        quantile = generator.choice([0.05, 0.1, 0.25, 0.3, 0.5, 0.99, 1.0])
        records = [
            labeled(n, confidence=generator.choice([0.25, 0.5, 0.56, 0.81, 0.95]),
                    human=generator.choice(["yes", "no"]),
                    job=generator.choice([JOB, "count-animals"]))
            for n in range(1, generator.randint(1, 40))
        ]
        source = write(tmp_path / f"output-{trial}.manifest", records)
        out = tmp_path / f"input-{trial}.manifest"
        result = chain_manifest(source, out, new_label_attribute="verify",
                                selection=Selection(lowest_quantile=quantile, seed=trial))
        kept = {record["source-ref"] for _, record in read_manifest(out)}
        groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for record in records:
            metadata = record["species-metadata"]
            groups.setdefault((metadata["job-name"], metadata["human-annotated"]), []).append(
                record)
        ties = 0
        for members in groups.values():
            chosen = [r for r in members if r["source-ref"] in kept]
            others = [r for r in members if r["source-ref"] not in kept]
            assert len(chosen) == max(1, math.ceil(round(quantile * len(members), 9)))
            cut_off = max(r["species-metadata"]["confidence"] for r in chosen)
            assert all(r["species-metadata"]["confidence"] >= cut_off for r in others)
            ties += sum(r["species-metadata"]["confidence"] == cut_off for r in others)
        assert result.ties_broken == ties, trial


# --- sample ---------------------------------------------------------------------------------


def sample_manifest(tmp_path: Path) -> tuple[Path, list[dict[str, Any]], list[int]]:
    records: list[dict[str, Any]] = []
    candidates = []
    for n in range(1, 131):
        if n % 13 == 0:
            records.append(unlabeled(n))
        elif n % 11 == 0:
            records.append(failed(n))
        else:
            records.append(labeled(n, confidence=(n % 50) / 50 + 0.01))
            candidates.append(n)
    assert len(candidates) >= 100
    return write(tmp_path / "output.manifest", records), records, candidates


def test_sample_is_deterministic_for_a_seed_and_in_input_order(tmp_path: Path) -> None:
    source, records, candidates = sample_manifest(tmp_path)
    out = tmp_path / "input.manifest"
    selection = Selection(status="labeled", sample_size=5, seed=7)
    result = chain_manifest(source, out, new_label_attribute="verify", selection=selection)
    chosen = [n for n, _ in select_lines(source, selection)]
    assert len(chosen) == 5
    assert len(set(chosen)) == 5
    assert chosen == sorted(chosen)
    assert set(chosen) <= set(candidates)
    assert result.lines_written == 5
    assert_kept(out, records, [n - 1 for n in chosen])

    again = tmp_path / "again.manifest"
    chain_manifest(source, again, new_label_attribute="verify", selection=selection)
    assert again.read_bytes() == out.read_bytes()

    other = [n for n, _ in select_lines(source, Selection(status="labeled", sample_size=5, seed=8))]
    assert len(other) == 5
    assert set(other) <= set(candidates)
    assert other != chosen


def test_sample_of_all_statuses_draws_from_every_line(tmp_path: Path) -> None:
    source, records, _ = sample_manifest(tmp_path)
    chosen = [n for n, _ in select_lines(source, Selection(sample_size=40, seed=1))]
    assert len(chosen) == 40
    assert chosen == sorted(set(chosen))
    assert set(chosen) <= set(range(1, len(records) + 1))
    failed_only = [n for n, _ in select_lines(source, Selection("failed", sample_size=3))]
    assert len(failed_only) == 3
    assert all(n % 11 == 0 and n % 13 != 0 for n in failed_only)


def test_sample_larger_than_the_candidates_keeps_them_all(tmp_path: Path) -> None:
    source = write(tmp_path / "output.manifest", MIXED)
    out = tmp_path / "input.manifest"
    chain_manifest(
        source,
        out,
        new_label_attribute="verify",
        selection=Selection(status="labeled", sample_size=4, seed=3),
    )
    assert_kept(out, MIXED, [0, 2, 5, 7])
    assert list(select_lines(source, Selection(sample_size=100))) == list(
        enumerate(MIXED, 1)
    )


def test_sample_of_zero_writes_an_empty_manifest(tmp_path: Path) -> None:
    source = write(tmp_path / "output.manifest", MIXED)
    out = tmp_path / "input.manifest"
    result = chain_manifest(
        source, out, new_label_attribute="verify", selection=Selection(sample_size=0)
    )
    assert out.read_bytes() == b""
    assert result.lines_written == 0


# --- the new label attribute ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("new", "existing_key"),
    [
        ("verify-species", "verify-species"),
        ("verify-species", "verify-species-metadata"),
        ("verify-species", "verify-species-ref"),
        ("verify-species-ref", "verify-species"),
        ("verify-species-ref", "verify-species-metadata"),
    ],
)
def test_a_taken_label_attribute_is_refused_and_nothing_is_written(
    tmp_path: Path, new: str, existing_key: str
) -> None:
    records = [labeled(1), labeled(2), labeled(3), labeled(4)]
    records[2] = {**records[2], existing_key: {"class-name": "ok"}}
    source = write(tmp_path / "in" / "output.manifest", records)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    with pytest.raises(LabelAttributeExistsError) as caught:
        chain_manifest(source, out_dir / "input.manifest", new_label_attribute=new)
    error = caught.value
    assert (error.source, error.line, error.attribute) == (str(source), 3, new)
    assert error.key == existing_key
    message = str(error)
    assert message.startswith(f"{source}, line 3: ")
    assert repr(existing_key) in message
    assert leftovers(out_dir) == []


def test_the_first_line_with_the_attribute_is_named(tmp_path: Path) -> None:
    records = [labeled(1), labeled(2), labeled(3, verify={"x": 1}), labeled(4, verify=2)]
    source = write(tmp_path / "output.manifest", records)
    with pytest.raises(LabelAttributeExistsError) as caught:
        chain_manifest(source, tmp_path / "input.manifest", new_label_attribute="verify")
    assert str(caught.value).startswith(f"{source}, line 3: ")
    assert "'verify'" in str(caught.value)
    assert leftovers(tmp_path) == ["output.manifest"]


def test_a_taken_attribute_in_a_line_not_kept_is_no_problem(tmp_path: Path) -> None:
    records = [labeled(1), failed(2, verify="1"), labeled(3)]
    source = write(tmp_path / "output.manifest", records)
    out = tmp_path / "input.manifest"
    chain_manifest(
        source, out, new_label_attribute="verify", selection=Selection(status="labeled")
    )
    assert_kept(out, records, [0, 2])


def test_a_failed_chain_leaves_an_existing_destination_untouched(tmp_path: Path) -> None:
    records = [labeled(1), labeled(2, verify="0")]
    source = write(tmp_path / "output.manifest", records)
    out = tmp_path / "input.manifest"
    out.write_bytes(b'{"source-ref":"s3://old/1.jpg"}\n')
    with pytest.raises(LabelAttributeExistsError):
        chain_manifest(source, out, new_label_attribute="verify")
    assert out.read_bytes() == b'{"source-ref":"s3://old/1.jpg"}\n'
    assert leftovers(tmp_path) == ["input.manifest", "output.manifest"]


@pytest.mark.parametrize(
    ("new", "follow_up"),
    [
        ("verify-metadata", None),
        ("my-metadata-check", None),
        ("verify-metadata-ref", "semantic-segmentation"),
        ("masks", "semantic-segmentation"),
        ("masks", "groundtruth/semantic-segmentation"),
        ("masks", "SemanticSegmentation"),
        ("boxes-ref", "object-detection"),
        ("verify-masks-ref", "VerificationSemanticSegmentation"),
        ("-verify", None),
        ("verify masks", None),
        ("", None),
    ],
)
def test_label_attribute_naming_rules(
    tmp_path: Path, new: str, follow_up: str | None
) -> None:
    source = write(tmp_path / "output.manifest", MIXED)
    kind: Any = follow_up
    if follow_up in ("SemanticSegmentation", "VerificationSemanticSegmentation"):
        kind = built_in_task(follow_up)
    with pytest.raises(NameRuleError) as caught:
        chain_manifest(
            source, tmp_path / "input.manifest", new_label_attribute=new, follow_up=kind
        )
    assert caught.value.name == new
    assert caught.value.kind == "label attribute"
    assert leftovers(tmp_path) == ["output.manifest"]


def test_metadata_and_ref_messages(tmp_path: Path) -> None:
    source = write(tmp_path / "output.manifest", MIXED)
    out = tmp_path / "input.manifest"
    with pytest.raises(NameRuleError, match="must not contain '-metadata'"):
        chain_manifest(source, out, new_label_attribute="verify-metadata")
    with pytest.raises(NameRuleError, match="must end in '-ref'"):
        chain_manifest(
            source, out, new_label_attribute="masks", follow_up="semantic-segmentation"
        )
    with pytest.raises(NameRuleError, match="must not end in '-ref'"):
        chain_manifest(
            source,
            out,
            new_label_attribute="verify-masks-ref",
            follow_up=built_in_task("VerificationSemanticSegmentation"),
        )
    assert not out.exists()


@pytest.mark.parametrize(
    ("new", "follow_up"),
    [
        ("masks-ref", "semantic-segmentation"),
        ("masks-ref", built_in_task("AdjustmentSemanticSegmentation")),
        ("verify-masks", built_in_task("VerificationSemanticSegmentation")),
        ("verify-masks", "label-verification"),
        ("verify-species", None),
    ],
)
def test_names_that_follow_the_rules_are_accepted(
    tmp_path: Path, new: str, follow_up: Any
) -> None:
    source = write(tmp_path / "output.manifest", MASKS)
    out = tmp_path / "input.manifest"
    result = chain_manifest(source, out, new_label_attribute=new, follow_up=follow_up)
    assert result.lines_written == len(MASKS)
    assert out.read_bytes() == source.read_bytes()


def test_follow_up_task_given_by_name_refuses_ref(tmp_path: Path) -> None:
    source = write(tmp_path / "output.manifest", MIXED)
    with pytest.raises(NameRuleError, match="must not end in '-ref'"):
        chain_manifest(
            source,
            tmp_path / "input.manifest",
            new_label_attribute="verify-masks-ref",
            follow_up="VerificationSemanticSegmentation",
        )


def test_follow_up_task_given_by_name_accepts_a_valid_name(tmp_path: Path) -> None:
    source = write(tmp_path / "output.manifest", MASKS)
    out = tmp_path / "input.manifest"
    result = chain_manifest(
        source,
        out,
        new_label_attribute="verify-masks",
        follow_up="VerificationSemanticSegmentation",
    )
    assert result.lines_written == len(MASKS)


# --- lines with several jobs' labels --------------------------------------------------------

VERIFICATION = SAMPLES / "label-verification-bounding-box.manifest"


@pytest.mark.parametrize(
    "selection",
    [
        Selection(class_names=frozenset({"bad"})),
        Selection(confidence_below=1.0),
        Selection(lowest_quantile=0.5),
        Selection(status="labeled"),
    ],
)
def test_several_jobs_labels_need_the_label_attribute(
    tmp_path: Path, selection: Selection
) -> None:
    out = tmp_path / "input.manifest"
    with pytest.raises(ConfigurationError) as caught:
        chain_manifest(VERIFICATION, out, new_label_attribute="adjust", selection=selection)
    assert caught.value.parameter == "label_attribute"
    message = str(caught.value)
    assert f"{VERIFICATION}, line 1" in message
    assert "bounding-box" in message
    assert "verify-bounding-box" in message
    assert not out.exists()
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    ("label_attribute", "selection", "kept"),
    [
        ("verify-bounding-box", Selection(class_names=frozenset({"bad"})), True),
        ("verify-bounding-box", Selection(class_names=frozenset({"good"})), False),
        ("verify-bounding-box", Selection(confidence_below=0.94), True),
        ("verify-bounding-box", Selection(confidence_below=0.93), False),
        ("bounding-box", Selection(class_names=frozenset({"bone"})), True),
        ("bounding-box", Selection(class_names=frozenset({"bad"})), False),
        ("bounding-box", Selection(confidence_below=0.81), True),
        ("bounding-box", Selection(confidence_below=0.8), False),
        ("bounding-box", Selection(status="failed"), False),
        ("verify-bounding-box", Selection(status="labeled"), True),
    ],
)
def test_several_jobs_labels_with_the_label_attribute_named(
    tmp_path: Path, label_attribute: str, selection: Selection, kept: bool
) -> None:
    out = tmp_path / "input.manifest"
    result = chain_manifest(
        VERIFICATION,
        out,
        new_label_attribute="adjust-bounding-box",
        selection=selection,
        label_attribute=label_attribute,
    )
    original = [r for _, r in read_manifest(VERIFICATION)]
    assert len(original) == 1
    assert_kept(out, original, [0] if kept else [])
    if kept:
        assert out.read_bytes() == VERIFICATION.read_bytes()
    assert result.lines_written == int(kept)
    assert result.label_attribute == label_attribute


def test_several_jobs_labels_copy_as_is_without_a_label_filter(tmp_path: Path) -> None:
    out = tmp_path / "input.manifest"
    result = chain_manifest(VERIFICATION, out, new_label_attribute="adjust-bounding-box")
    assert out.read_bytes() == VERIFICATION.read_bytes()
    assert result.label_attribute is None
    with pytest.raises(LabelAttributeExistsError) as caught:
        chain_manifest(
            VERIFICATION, tmp_path / "x.manifest", new_label_attribute="verify-bounding-box"
        )
    assert (caught.value.line, caught.value.key) == (1, "verify-bounding-box")


# --- selection validation -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "parameter"),
    [
        ({"status": "done"}, "status"),
        ({"status": "Labeled"}, "status"),
        ({"confidence_below": 0}, "confidence_below"),
        ({"confidence_below": -0.5}, "confidence_below"),
        ({"confidence_below": 1.0001}, "confidence_below"),
        ({"lowest_quantile": 0.0}, "lowest_quantile"),
        ({"lowest_quantile": 1.5}, "lowest_quantile"),
        ({"lowest_quantile": -0.1}, "lowest_quantile"),
        ({"sample_size": -1}, "sample_size"),
        ({"class_names": "dog"}, "class_names"),
        ({"class_names": frozenset()}, "class_names"),
        ({"status": "unlabeled", "class_names": frozenset({"dog"})}, "status"),
        ({"status": "unlabeled", "confidence_below": 0.5}, "status"),
        ({"status": "unlabeled", "lowest_quantile": 0.5}, "status"),
        ({"status": "failed", "class_names": frozenset({"dog"})}, "status"),
    ],
)
def test_selection_validation_names_the_parameter(
    arguments: dict[str, Any], parameter: str
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Selection(**arguments)
    assert caught.value.parameter == parameter
    assert str(caught.value).startswith(f"{parameter}: ")


@pytest.mark.parametrize(
    "arguments",
    [
        {"confidence_below": 1.0},
        {"confidence_below": 1e-9},
        {"lowest_quantile": 1.0},
        {"sample_size": 0},
        {"status": "unlabeled", "sample_size": 3},
        {"status": "failed", "sample_size": 3, "seed": -5},
        {"status": "labeled", "class_names": frozenset({"dog"}), "lowest_quantile": 0.1},
    ],
)
def test_selection_edges_that_are_valid(arguments: dict[str, Any]) -> None:
    selection = Selection(**arguments)
    for key, value in arguments.items():
        assert getattr(selection, key) == value


# --- broken input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "selection",
    [
        Selection(),
        Selection(status="labeled"),
        Selection(sample_size=1),
        Selection(lowest_quantile=0.5),
    ],
)
def test_a_broken_line_is_named_and_nothing_is_written(
    tmp_path: Path, selection: Selection
) -> None:
    source = tmp_path / "output.manifest"
    source.write_bytes(
        dump_line(labeled(1))
        + dump_line(labeled(2))
        + b'{"source-ref":"s3://my-images/animals/0003.jpg","species":0,\n'
        + dump_line(labeled(4))
    )
    out_dir = tmp_path / "next"
    out_dir.mkdir()
    with pytest.raises(InvalidJsonError) as caught:
        chain_manifest(
            source, out_dir / "input.manifest", new_label_attribute="verify", selection=selection
        )
    assert (caught.value.source, caught.value.line) == (str(source), 3)
    assert str(caught.value).startswith(f"{source}, line 3: not valid JSON")
    assert leftovers(out_dir) == []


# --- S3 -------------------------------------------------------------------------------------


def test_chain_through_s3(s3: Any, bucket: str) -> None:
    source = f"s3://{bucket}/jobs/identify/output/output.manifest"
    destination = f"s3://{bucket}/jobs/verify/input.manifest"
    write_manifest(source, MIXED, s3_client=s3)
    result = chain_manifest(
        source,
        destination,
        new_label_attribute="verify-species",
        selection=Selection(status="labeled", confidence_below=0.95),
        s3_client=s3,
    )
    assert result.destination == destination
    assert result.lines_written == 3
    assert result.label_attribute == "species"
    body = s3.get_object(Bucket=bucket, Key="jobs/verify/input.manifest")["Body"].read()
    assert body == b"".join(dump_line(MIXED[i]) for i in (0, 2, 5))
    assert [r for _, r in read_manifest(destination, s3_client=s3)] == [
        MIXED[0], MIXED[2], MIXED[5]
    ]

    sampled = f"s3://{bucket}/jobs/verify/sample.manifest"
    chain_manifest(
        source,
        sampled,
        new_label_attribute="verify-species",
        selection=Selection(lowest_quantile=0.5, sample_size=1, seed=2),
        s3_client=s3,
    )
    lines = [r for _, r in read_manifest(sampled, s3_client=s3)]
    assert len(lines) == 1
    assert lines[0] in (MIXED[0], MIXED[2], MIXED[5])


def test_a_refused_chain_to_s3_creates_no_object(s3: Any, bucket: str) -> None:
    source = f"s3://{bucket}/output.manifest"
    write_manifest(source, [labeled(1), labeled(2), labeled(3, verify="1")], s3_client=s3)
    with pytest.raises(LabelAttributeExistsError) as caught:
        chain_manifest(
            source, f"s3://{bucket}/input.manifest", new_label_attribute="verify", s3_client=s3
        )
    assert str(caught.value).startswith(f"{source}, line 3: ")
    assert s3_keys(s3, bucket) == ["output.manifest"]
