"""``airflow-gt to-moderation``: output, the split, label maps and exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from airflow_gt.cli import main
from airflow_gt.manifests.reader import read_manifest
from airflow_gt.manifests.writer import write_manifest
from tests.manifests.moderation_lines import ATTRIBUTE, failed, image, multilabel, unlabeled

LABEL_SETS = [["nude"], ["gesture"], ["fine"], ["nude", "gesture"]]


def output_manifest(path: Path, count: int = 40) -> str:
    lines = [multilabel(n, LABEL_SETS[n % 4]) for n in range(count)]
    write_manifest(path, [*lines, failed(count), unlabeled(count + 1)])
    return str(path)


def label_map(path: Path) -> str:
    path.write_text(json.dumps({"nude": "Nudity", "gesture": "Rude Gesture", "fine": "safe"}))
    return str(path)


def run(capsys: Any, *argv: str) -> tuple[int, str, str]:
    code = main(["to-moderation", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def sources(path: Path) -> list[str]:
    return [record["source-ref"] for _, record in read_manifest(path)]


def test_text_summary(tmp_path: Path, capsys: Any) -> None:
    source = output_manifest(tmp_path / "output.manifest")
    train = tmp_path / "train.manifest"
    code, out, err = run(capsys, source, "--label-attribute", ATTRIBUTE, "--out", str(train),
                         "--label-map", label_map(tmp_path / "map.json"))
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"source: {source} (label attribute {ATTRIBUTE!r}, 42 lines)",
        "converted: 40 images (10 safe); left out: 1 unlabeled, 1 failed",
        f"training: {train} (40 images)",
        f"{'moderation label':<40}{'training':>9}{'testing':>9}",
        f"  {'Nudity':<38}{20:>9}{0:>9}",
        f"  {'Rude Gesture':<38}{20:>9}{0:>9}",
    ]
    assert sources(train) == [image(n) for n in range(40)]


def test_json_summary_and_a_seeded_split(tmp_path: Path, capsys: Any) -> None:
    source = output_manifest(tmp_path / "output.manifest")
    chosen = []
    for name, seed in (("a", "5"), ("b", "5"), ("c", "6")):
        train, test = tmp_path / f"{name}-train.manifest", tmp_path / f"{name}-test.manifest"
        code, out, _ = run(
            capsys, source, "--label-attribute", ATTRIBUTE, "--out", str(train), "--test-out",
            str(test), "--test-fraction", "0.25", "--seed", seed,
            "--label-map", label_map(tmp_path / "map.json"), "--format", "json",
        )
        assert code == 0
        summary = json.loads(out)
        # Four label sets of 10 images; 10 test images: 2.5 each, so 2 each and the 2 left go to
        # the first two sets in order, safe () and (Nudity,). Nudity: 3 + 2, Rude Gesture: 2 + 2.
        assert summary == {
            "source": source, "label_attribute": ATTRIBUTE, "lines_read": 42, "images": 40,
            "unlabeled": 1, "failed": 1, "safe": 10, "training": str(train),
            "training_images": 30, "testing": str(test), "testing_images": 10,
            "labels": {"Nudity": {"training": 15, "testing": 5},
                       "Rude Gesture": {"training": 16, "testing": 4}},
        }
        assert not set(sources(train)) & set(sources(test))
        chosen.append(sources(test))
    assert chosen[0] == chosen[1]
    assert chosen[0] != chosen[2]


def test_the_default_split_is_a_fifth(tmp_path: Path, capsys: Any) -> None:
    source = output_manifest(tmp_path / "output.manifest")
    code, out, _ = run(capsys, source, "--label-attribute", ATTRIBUTE, "--out",
                       str(tmp_path / "t"), "--test-out", str(tmp_path / "s"), "--label-map",
                       label_map(tmp_path / "map.json"), "--format", "json")
    assert code == 0
    assert (json.loads(out)["training_images"], json.loads(out)["testing_images"]) == (32, 8)


def test_unknown_class_names_exit_1_and_write_nothing(tmp_path: Path, capsys: Any) -> None:
    source = output_manifest(tmp_path / "output.manifest")
    code, out, err = run(capsys, source, "--label-attribute", ATTRIBUTE, "--out",
                         str(tmp_path / "train.manifest"))
    assert (code, out) == (1, "")
    assert err == (
        f"airflow-gt: {source}: class names that are not in Rekognition's moderation taxonomy: "
        "'nude' (first on line 1), 'gesture' (first on line 2), 'fine' (first on line 3); map "
        'each to a moderation label or to "safe" with a label map\n'
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["output.manifest"]


def test_a_second_bucket_exits_1(tmp_path: Path, capsys: Any) -> None:
    source = tmp_path / "output.manifest"
    write_manifest(source, [multilabel(1, ["Nudity"]), multilabel(2, ["Nudity"], bucket="b2")])
    code, _, err = run(capsys, str(source), "--label-attribute", ATTRIBUTE, "--out",
                       str(tmp_path / "train.manifest"))
    assert code == 1
    assert err.startswith(f"airflow-gt: {source}, line 2: the image is in bucket 'b2'")


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--test-fraction", "0.3"], "--test-fraction: needs --test-out"),
        (["--test-out", "TEST", "--test-fraction", "0"], "test_fraction: must be greater than 0"),
        (["--test-out", "TEST", "--test-fraction", "1.5"], "must be between 0 and 1, got 1.5"),
        (["--test-out", "TRAIN"], "train.manifest: is the same file as the output"),
        (["--label-map", "MISSING"], "no such manifest"),
        (["--label-map", "BAD"], "label map: each class must map to a Rekognition moderation"),
    ],
)
def test_bad_arguments_exit_2(tmp_path: Path, capsys: Any, extra: list[str], expected: str) -> None:
    source = output_manifest(tmp_path / "output.manifest")
    (tmp_path / "bad.json").write_text('{"nude": "nudity"}')
    names = {"TEST": "test.manifest", "TRAIN": "train.manifest", "MISSING": "none.json",
             "BAD": "bad.json"}
    extra = [str(tmp_path / names[x]) if x in names else x for x in extra]
    code, out, err = run(capsys, source, "--label-attribute", ATTRIBUTE, "--out",
                         str(tmp_path / "train.manifest"), *extra)
    assert (code, out) == (2, "")
    assert expected in err
    assert not (tmp_path / "train.manifest").exists()


def test_a_label_attribute_no_line_has_exits_2(tmp_path: Path, capsys: Any) -> None:
    source = output_manifest(tmp_path / "output.manifest")
    code, _, err = run(capsys, source, "--label-attribute", "species", "--out",
                       str(tmp_path / "train.manifest"))
    assert code == 2
    assert "no line of" in err and "'species'" in err


def test_the_label_attribute_is_required(tmp_path: Path, capsys: Any) -> None:
    source = output_manifest(tmp_path / "output.manifest")
    code, _, err = run(capsys, source, "--out", str(tmp_path / "train.manifest"))
    assert code == 2
    assert "--label-attribute" in err
