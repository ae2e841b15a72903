"""Ground Truth output manifests converted into Rekognition Custom Moderation manifests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from airflow_gt.exceptions import (
    ConfigurationError,
    ImageSourceError,
    LabelFormatError,
    LabelMapError,
    ManifestWriteError,
    NoLabeledImagesError,
    UnknownModerationLabelError,
    UnsupportedLabelError,
)
from airflow_gt.manifests import (
    LabelMap,
    convert_to_moderation,
    read_label_map,
    read_moderation_manifest,
    to_moderation,
)
from airflow_gt.manifests.moderation_taxonomy import is_moderation_label
from airflow_gt.manifests.reader import read_manifest
from airflow_gt.manifests.writer import write_manifest
from tests.conftest import SAMPLES
from tests.manifests.moderation_lines import (
    ATTRIBUTE,
    classification,
    failed,
    image,
    multilabel,
    unlabeled,
    verification,
)

CLASSES = ("middle-finger", "nude", "fine")
LABEL_MAP = LabelMap({"middle-finger": "Middle Finger", "nude": "Nudity", "fine": "safe"})


def write(path: Path, records: list[dict[str, Any]]) -> str:
    write_manifest(path, records)
    return str(path)


def lines_of(path: Path | str) -> list[dict[str, Any]]:
    return [record for _, record in read_manifest(path)]


def moderation_line(source_ref: str, *names: str) -> dict[str, Any]:
    return {
        "source-ref": source_ref,
        "content-moderation-groundtruth": {"ModerationLabels": [{"Name": n} for n in names]},
    }


def test_classification_classes_map_through_the_label_map(tmp_path: Path) -> None:
    source = write(tmp_path / "output.manifest", [
        classification(1, "nude", classes=CLASSES),
        classification(2, "fine", classes=CLASSES),
        classification(3, "middle-finger", classes=CLASSES),
    ])
    out = tmp_path / "train.manifest"
    result = to_moderation(source, out, label_attribute=ATTRIBUTE, label_map=LABEL_MAP)
    assert lines_of(out) == [
        moderation_line(image(1), "Nudity"),
        moderation_line(image(2)),
        moderation_line(image(3), "Middle Finger"),
    ]
    assert (result.images, result.safe, result.training_images, result.testing) == (3, 1, 3, None)
    assert result.labels == {
        "Middle Finger": {"training": 1, "testing": 0},
        "Nudity": {"training": 1, "testing": 0},
    }


def test_identity_map_keeps_taxonomy_names_and_safe(tmp_path: Path) -> None:
    source = write(tmp_path / "output.manifest", [
        multilabel(1, ["Rude Gesture", "Nudity"]),
        multilabel(2, ["safe"]),
        multilabel(3, []),  # no class selected: nothing unsafe in the image
    ])
    out = tmp_path / "train.manifest"
    result = to_moderation(source, out, label_attribute=ATTRIBUTE)
    assert lines_of(out) == [
        moderation_line(image(1), "Rude Gesture", "Nudity"),
        moderation_line(image(2)),
        moderation_line(image(3)),
    ]
    assert result.safe == 2


def test_the_output_lines_are_the_guides_lines_byte_for_byte(tmp_path: Path) -> None:
    guide = (SAMPLES / "moderation-input.manifest").read_bytes().splitlines()
    records = [orjson.loads(line) for line in guide]
    names = [[x["Name"] for x in r["content-moderation-groundtruth"]["ModerationLabels"]]
             for r in records]
    source = write(tmp_path / "output.manifest", [multilabel(n, ns) for n, ns in enumerate(names)])
    out = tmp_path / "train.manifest"
    to_moderation(source, out, label_attribute=ATTRIBUTE, label_map=LabelMap({"safe": "safe"}))
    written = out.read_bytes().splitlines()
    assert [line.replace(image(n).encode(), b"s3://foo/bar/1.jpg")
            for n, line in enumerate(written)] == guide


def test_multilabel_classes_mapping_to_one_label_give_it_once(tmp_path: Path) -> None:
    source = write(tmp_path / "output.manifest", [multilabel(1, ["nude", "topless", "fine"])])
    out = tmp_path / "train.manifest"
    label_map = LabelMap({"nude": "Nudity", "topless": "Nudity", "fine": "safe"})
    to_moderation(source, out, label_attribute=ATTRIBUTE, label_map=label_map)
    assert lines_of(out) == [moderation_line(image(1), "Nudity")]


def test_label_verification_judgments_become_labels(tmp_path: Path) -> None:
    source = write(tmp_path / "output.manifest", [
        verification(1, "gesture"), verification(2, "no-gesture"), verification(3, "gesture"),
    ])
    out = tmp_path / "train.manifest"
    label_map = LabelMap({"gesture": "Rude Gesture", "no-gesture": "safe"})
    result = to_moderation(source, out, label_attribute=ATTRIBUTE, label_map=label_map)
    assert lines_of(out) == [
        moderation_line(image(1), "Rude Gesture"),
        moderation_line(image(2)),
        moderation_line(image(3), "Rude Gesture"),
    ]
    assert result.labels == {"Rude Gesture": {"training": 2, "testing": 0}}


def test_unlabeled_and_failed_lines_are_left_out_and_counted(tmp_path: Path) -> None:
    metadata_only = classification(7, "nude")  # metadata but no label value, and no failure
    del metadata_only[ATTRIBUTE]
    source = write(tmp_path / "output.manifest", [
        classification(1, "nude", classes=CLASSES),
        failed(2),
        unlabeled(3),
        classification(4, "fine", classes=CLASSES),
        failed(5),
        failed(6),
        metadata_only,
    ])
    out = tmp_path / "train.manifest"
    result = to_moderation(source, out, label_attribute=ATTRIBUTE, label_map=LABEL_MAP)
    assert [line["source-ref"] for line in lines_of(out)] == [image(1), image(4)]
    assert (result.lines_read, result.images, result.unlabeled, result.failed) == (7, 2, 2, 3)
    assert result.lines_read == result.images + result.unlabeled + result.failed


def test_unknown_names_are_all_named_with_their_first_line(tmp_path: Path) -> None:
    source = write(tmp_path / "output.manifest", [
        classification(1, "nude", classes=CLASSES),
        multilabel(2, ["Nudity", "dog"]),
        classification(3, "cat"),
        classification(4, "dog"),
    ])
    out = tmp_path / "train.manifest"
    out.write_bytes(b"previous\n")
    with pytest.raises(UnknownModerationLabelError) as caught:
        to_moderation(
            source, out, label_attribute=ATTRIBUTE, label_map=LabelMap({"nude": "Nudity"})
        )
    assert caught.value.names == {"dog": 2, "cat": 3}
    message = str(caught.value)
    assert source in message
    assert "'dog' (first on line 2)" in message and "'cat' (first on line 3)" in message
    assert out.read_bytes() == b"previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["output.manifest", "train.manifest"]


def test_images_from_a_second_bucket_are_refused(tmp_path: Path) -> None:
    source = write(tmp_path / "output.manifest", [
        multilabel(1, ["Nudity"]), multilabel(2, ["Nudity"], bucket="other-images"),
    ])
    out, test_out = tmp_path / "train.manifest", tmp_path / "test.manifest"
    with pytest.raises(ImageSourceError) as caught:
        to_moderation(source, out, label_attribute=ATTRIBUTE, testing=test_out)
    assert (caught.value.source, caught.value.line) == (source, 2)
    assert "'other-images'" in str(caught.value) and "'moderation-images'" in str(caught.value)
    assert "line 1" in str(caught.value)
    assert not out.exists() and not test_out.exists()


@pytest.mark.parametrize("source_ref", ["images/1.jpg", "s3://bucket-only", "s3:///key", None])
def test_an_image_outside_s3_is_refused(tmp_path: Path, source_ref: str | None) -> None:
    record = multilabel(1, ["Nudity"])
    record["source-ref"] = source_ref
    source = write(tmp_path / "output.manifest", [multilabel(2, ["Nudity"]), record])
    with pytest.raises(ImageSourceError, match=r"line 2: 'source-ref' .* is not an s3://"):
        to_moderation(source, tmp_path / "out.manifest", label_attribute=ATTRIBUTE)


def test_a_label_of_another_job_type_is_refused(tmp_path: Path) -> None:
    source = write(tmp_path / "output.manifest", [verification(1, "good")])
    with pytest.raises(UnsupportedLabelError) as caught:
        to_moderation(source, tmp_path / "out.manifest", label_attribute="bounding-box")
    assert caught.value.line == 1
    assert "groundtruth/object-detection" in str(caught.value)


def test_a_text_classification_is_refused_for_its_type(tmp_path: Path) -> None:
    record = classification(1, "Nudity")
    record[f"{ATTRIBUTE}-metadata"]["type"] = "groundtruth/text-classification"
    del record["source-ref"]
    source = write(tmp_path / "output.manifest", [{"source": "some text", **record}])
    with pytest.raises(UnsupportedLabelError, match="'groundtruth/text-classification'"):
        to_moderation(source, tmp_path / "out.manifest", label_attribute=ATTRIBUTE)


def test_a_multilabel_index_missing_from_the_class_map_is_a_format_error(tmp_path: Path) -> None:
    record = multilabel(1, ["Nudity"])
    record[ATTRIBUTE] = [0, 4]
    source = write(tmp_path / "output.manifest", [record])
    with pytest.raises(LabelFormatError, match=r"line 1: .*class indexes \[4\]"):
        to_moderation(source, tmp_path / "out.manifest", label_attribute=ATTRIBUTE)


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        (None, "has a label but no metadata 'moderation-metadata'"),
        ("image-classification", "'moderation-metadata' must be an object, found a string"),
        ({"class-name": "Nudity"}, "'moderation-metadata' has no 'type' string"),
    ],
    ids=["no-metadata", "metadata-not-object", "no-type"],
)
def test_a_label_without_usable_metadata_is_a_format_error_not_unlabeled(
    tmp_path: Path, metadata: Any, message: str
) -> None:
    record = classification(2, "Nudity")
    if metadata is None:
        del record[f"{ATTRIBUTE}-metadata"]
    else:
        record[f"{ATTRIBUTE}-metadata"] = metadata
    source = write(tmp_path / "output.manifest", [classification(1, "Nudity"), record])
    with pytest.raises(LabelFormatError, match=rf"output.manifest, line 2: .*{message}"):
        to_moderation(source, tmp_path / "out.manifest", label_attribute=ATTRIBUTE)
    assert not (tmp_path / "out.manifest").exists()


def test_a_label_attribute_no_line_carries_is_a_bad_argument(tmp_path: Path) -> None:
    source = write(tmp_path / "output.manifest", [multilabel(1, ["Nudity"])])
    with pytest.raises(ConfigurationError, match="label attribute 'species'"):
        to_moderation(source, tmp_path / "out.manifest", label_attribute="species")


def test_no_labeled_line_is_an_error(tmp_path: Path) -> None:
    source = write(tmp_path / "output.manifest", [failed(1), unlabeled(2), failed(3)])
    with pytest.raises(NoLabeledImagesError, match=r"\(1 unlabeled, 2 failed\)"):
        to_moderation(source, tmp_path / "out.manifest", label_attribute=ATTRIBUTE)
    assert not (tmp_path / "out.manifest").exists()


def test_a_failed_testing_write_leaves_no_training_manifest(tmp_path: Path) -> None:
    source = write(tmp_path / "output.manifest", [multilabel(n, ["Nudity"]) for n in range(10)])
    (tmp_path / "a-file").write_text("not a folder")
    out = tmp_path / "train.manifest"
    with pytest.raises(ManifestWriteError):
        to_moderation(source, out, label_attribute=ATTRIBUTE, testing=tmp_path / "a-file" / "t")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "output.manifest"]


def test_conversion_round_trips_every_image_and_label(tmp_path: Path) -> None:
    records = []
    for n in range(60):
        chosen = [name for k, name in enumerate(("Nudity", "Rude Gesture", "Smoking", "ok"))
                  if (n >> k) & 1]
        kind = "image-classification-multilabel"
        records.append(multilabel(n, chosen) if n % 7 else failed(n, kind))
    source = write(tmp_path / "output.manifest", records)
    train, test = tmp_path / "train.manifest", tmp_path / "test.manifest"
    to_moderation(source, train, label_attribute=ATTRIBUTE, testing=test,
                  label_map=LabelMap({"ok": "safe"}), test_fraction=0.25, seed=3)
    expected = {}
    for record in records:
        if ATTRIBUTE in record:
            names = record[f"{ATTRIBUTE}-metadata"]["class-map"].values()
            expected[record["source-ref"]] = {n for n in names if n != "ok"}
    back = [*read_moderation_manifest(train), *read_moderation_manifest(test)]
    assert {line.source_ref: set(line.labels) for line in back} == expected
    assert len(back) == len(expected)
    assert all(is_moderation_label(name) for line in back for name in line.labels)


def test_reads_and_writes_s3(s3: Any, bucket: str) -> None:
    body = b"".join(orjson.dumps(multilabel(n, ["Nudity"] if n % 2 else ["fine"])) + b"\n"
                    for n in range(10))
    s3.put_object(Bucket=bucket, Key="gt/output.manifest", Body=body)
    s3.put_object(Bucket=bucket, Key="maps/map.json", Body=b'{"fine": "safe"}')
    label_map = read_label_map(f"s3://{bucket}/maps/map.json", s3_client=s3)
    result = to_moderation(
        f"s3://{bucket}/gt/output.manifest", f"s3://{bucket}/mod/train.manifest",
        testing=f"s3://{bucket}/mod/test.manifest", label_attribute=ATTRIBUTE,
        label_map=label_map, s3_client=s3,
    )
    assert (result.training_images, result.testing_images) == (8, 2)
    back = [
        line for key in ("train", "test")
        for line in read_moderation_manifest(f"s3://{bucket}/mod/{key}.manifest", s3_client=s3)
    ]
    assert sorted(line.source_ref for line in back) == sorted(image(n) for n in range(10))


def test_convert_to_moderation_reads_without_writing(tmp_path: Path) -> None:
    source = write(tmp_path / "output.manifest", [multilabel(1, ["Nudity"]), failed(2)])
    conversion = convert_to_moderation(source, ATTRIBUTE)
    assert [(line.line, line.source_ref, line.labels) for line in conversion.lines] == [
        (1, image(1), ("Nudity",))
    ]
    assert (conversion.lines_read, conversion.failed, conversion.unlabeled) == (2, 1, 0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["output.manifest"]


# --- label maps ------------------------------------------------------------------------------


def test_label_map_file(tmp_path: Path) -> None:
    path = tmp_path / "map.json"
    path.write_text('{"nude": "Nudity", "fine": "safe"}')
    label_map = read_label_map(path)
    assert (label_map.target("nude"), label_map.target("fine"), label_map.target("Smoking")) == (
        "Nudity", "safe", "Smoking"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"nude": "Nudity",}', r"map.json: label map: not valid JSON \(.* line 1, column"),
        ('["Nudity"]', r"map.json: label map: must be a JSON object"),
        ('{"nude": "Nudes", "ok": "Safe", "fine": "safe"}',
         r"map.json: label map: .* these do not: 'nude' -> 'Nudes', 'ok' -> 'Safe'$"),
        ('{"nude": ["Nudity"]}', r"'nude' -> \['Nudity'\]"),
        ('{"": "Nudity"}', r"class names must be non-empty"),
    ],
)
def test_bad_label_maps(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "map.json"
    path.write_text(content)
    with pytest.raises(LabelMapError, match=message):
        read_label_map(path)


def test_converted_manifests_pass_the_moderation_input_suite(tmp_path: Path) -> None:
    from airflow_gt.validation.validator import validate_manifest

    records = [multilabel(n, [["Nudity"], ["Rude Gesture", "Smoking"], ["fine"], []][n % 4])
               for n in range(40)]
    source = write(tmp_path / "output.manifest", [*records, failed(40), unlabeled(41)])
    train, test = tmp_path / "train.manifest", tmp_path / "test.manifest"
    to_moderation(source, train, testing=test, label_attribute=ATTRIBUTE,
                  label_map=LabelMap({"fine": "safe"}))
    for path in (train, test):
        result = validate_manifest(path, job_type="moderation-input")
        assert result.success, path
        assert [a.job_type for a in result.attributes] == ["moderation-input"]
    # The suite does catch what conversion refuses to write: a name outside the taxonomy.
    broken = tmp_path / "broken.manifest"
    write_manifest(broken, [*lines_of(train), moderation_line(image(99), "Nudes")])
    assert not validate_manifest(broken, job_type="moderation-input").success
