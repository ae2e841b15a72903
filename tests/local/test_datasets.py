"""The dataset generator, against S3 over HTTP: images, masks, moderation images, texts."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

import numpy
import orjson
import pytest
from botocore.exceptions import ClientError

from airflow_gt.exceptions import ConfigurationError
from airflow_gt.local import text_corpus
from airflow_gt.local.datasets import (
    BACKGROUND_COLOR,
    DEFAULT_ENTITY_LABELS,
    DEFAULT_IMAGE_CLASSES,
    DEFAULT_TEXT_CLASSES,
    Dataset,
    class_colors,
    generate_image_dataset,
    generate_moderation_dataset,
    generate_text_dataset,
    read_truth,
    truth_mask,
)
from airflow_gt.local.png import decode_png, image_size
from airflow_gt.local.text_corpus import ENTITY_NAMES
from airflow_gt.local.truth import TRUTH_PREFIX, Box, Truth, truth_key


def s3_keys(s3: Any, bucket: str) -> list[str]:
    return [item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


def get(s3: Any, uri: str) -> bytes:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def manifest_lines(s3: Any, dataset: Dataset) -> list[dict[str, Any]]:
    data = get(s3, dataset.manifest_uri)
    assert data.endswith(b"\n")
    lines = data.split(b"\n")[:-1]
    for line in lines:
        assert orjson.dumps(orjson.loads(line)) == line  # compact JSON
    return [orjson.loads(line) for line in lines]


def new_bucket(s3: Any) -> str:
    name = f"test-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=name)
    return name


def truths(s3: Any, bucket: str, dataset: Dataset) -> list[Truth]:
    found = [read_truth(s3, bucket, source) for source in dataset.sources]
    assert all(truth is not None for truth in found)
    return [truth for truth in found if truth is not None]


def everything(s3: Any, bucket: str) -> dict[str, bytes]:
    return {key: get(s3, f"s3://{bucket}/{key}") for key in s3_keys(s3, bucket)}


# -- shape images -------------------------------------------------------------------------------


def test_image_dataset_layout(s3: Any, bucket: str) -> None:
    dataset = generate_image_dataset(s3, f"s3://{bucket}/datasets/shapes", count=5, seed=1)
    assert dataset.manifest_uri == f"s3://{bucket}/datasets/shapes/dataset.manifest"
    assert (dataset.objects, dataset.kind) == (5, "image")
    assert dataset.classes == DEFAULT_IMAGE_CLASSES
    images = [f"s3://{bucket}/datasets/shapes/images/{n:05d}.png" for n in range(5)]
    assert dataset.sources == tuple(images)
    assert manifest_lines(s3, dataset) == [{"source-ref": uri} for uri in images]
    keys = s3_keys(s3, bucket)
    assert sorted(k for k in keys if k.startswith(TRUTH_PREFIX)) == sorted(
        truth_key(uri) for uri in images
    )
    assert len(keys) == 5 + 5 + 1


def test_image_dataset_at_bucket_root(s3: Any, bucket: str) -> None:
    dataset = generate_image_dataset(s3, f"s3://{bucket}/", count=1)
    assert dataset.manifest_uri == f"s3://{bucket}/dataset.manifest"
    assert dataset.sources == (f"s3://{bucket}/images/00000.png",)


def test_images_match_their_truth(s3: Any, bucket: str) -> None:
    classes = ("dog", "cat", "bone")
    dataset = generate_image_dataset(
        s3,
        f"s3://{bucket}/shapes",
        count=12,
        classes=classes,
        seed=4,
        max_objects=4,
        width=64,
        height=48,
        background="sky",
    )
    colors = class_colors(classes)
    palette = numpy.array([BACKGROUND_COLOR, *colors.values()], dtype=numpy.uint8)
    counts = []
    for source, truth in zip(dataset.sources, truths(s3, bucket, dataset), strict=True):
        data = get(s3, source)
        pixels = decode_png(data)
        assert pixels.shape == (48, 64, 3)
        assert image_size(data) == truth.image_size == (64, 48, 3)
        assert truth.background == "sky"
        assert 1 <= len(truth.boxes) <= 4
        counts.append(len(truth.boxes))
        mask = truth_mask(truth, classes)
        assert numpy.array_equal(pixels, palette[mask])
        for number, box in enumerate(truth.boxes):
            assert box.label in classes
            assert box.width >= 12 and box.height >= 12
            assert box.left >= 0 and box.top >= 0
            assert box.left + box.width <= 64 and box.top + box.height <= 48
            region = pixels[box.top : box.top + box.height, box.left : box.left + box.width]
            covered = numpy.zeros((48, 64), dtype=bool)
            for later in truth.boxes[number + 1 :]:
                covered[
                    later.top : later.top + later.height, later.left : later.left + later.width
                ] = True
            visible = ~covered[box.top : box.top + box.height, box.left : box.left + box.width]
            assert visible.mean() >= 0.5  # every box stays at least half visible
            assert (region[visible] == colors[box.label]).all()
        areas = {name: int((mask == i + 1).sum()) for i, name in enumerate(classes)}
        expected = sorted((n for n in classes if areas[n]), key=lambda n: -areas[n])
        assert [areas[n] for n in truth.classes] == [areas[n] for n in expected]
        assert set(truth.classes) == {box.label for box in truth.boxes}
        assert (pixels[mask == 0] == BACKGROUND_COLOR).all()
    assert max(counts) > 1


def test_image_dataset_is_deterministic(s3: Any, bucket: str) -> None:
    other = new_bucket(s3)
    generate_image_dataset(s3, f"s3://{bucket}/d", count=4, seed=11)
    generate_image_dataset(s3, f"s3://{other}/d", count=4, seed=11)
    first, second = everything(s3, bucket), everything(s3, other)
    data_keys = ["d/dataset.manifest", *(f"d/images/{n:05d}.png" for n in range(4))]
    assert len(first) == len(second) == 9
    for key in data_keys:  # the manifest differs only by the bucket its source-refs name
        assert first[key] == second[key].replace(other.encode(), bucket.encode())
    # truth keys hash the source-ref, which names the bucket; the records themselves are equal
    assert sorted(v for k, v in first.items() if k.startswith(TRUTH_PREFIX)) == sorted(
        v for k, v in second.items() if k.startswith(TRUTH_PREFIX)
    )


def test_different_seeds_differ(s3: Any, bucket: str) -> None:
    one = generate_image_dataset(s3, f"s3://{bucket}/a", count=3, seed=1)
    two = generate_image_dataset(s3, f"s3://{bucket}/b", count=3, seed=2)
    assert [get(s3, s) for s in one.sources] != [get(s3, s) for s in two.sources]


def test_many_classes_get_distinct_colours() -> None:
    names = [f"class-{n}" for n in range(40)]
    colors = class_colors(names)
    assert len(set(colors.values())) == 40
    assert BACKGROUND_COLOR not in colors.values()
    assert list(class_colors(DEFAULT_IMAGE_CLASSES).values())[:2] == [(230, 25, 75), (60, 180, 75)]


# -- truth_mask ---------------------------------------------------------------------------------


def test_truth_mask_paints_boxes_in_order() -> None:
    truth = Truth(
        boxes=(Box("dog", 0, 0, 4, 3), Box("cat", 2, 1, 3, 3), Box("tree", 3, 0, 1, 2)),
        image_size=(6, 4, 3),
    )
    assert truth_mask(truth, ["cat", "dog"]).tolist() == [
        [2, 2, 2, 0, 0, 0],
        [2, 2, 1, 0, 1, 0],
        [2, 2, 1, 1, 1, 0],
        [0, 0, 1, 1, 1, 0],
    ]


def test_truth_mask_needs_an_image_size() -> None:
    with pytest.raises(ValueError, match="image size"):
        truth_mask(Truth(classes=("dog",)), ["dog"])


# -- moderation images --------------------------------------------------------------------------


def test_moderation_dataset(s3: Any, bucket: str) -> None:
    labels = ("Rude Gesture", "Nudity", "Smoking")
    dataset = generate_moderation_dataset(s3, f"s3://{bucket}/mod", count=10, seed=5)
    assert (dataset.kind, dataset.objects) == ("moderation", 10)
    assert dataset.classes == (*labels, "safe")
    assert len(manifest_lines(s3, dataset)) == 10
    found = truths(s3, bucket, dataset)
    safe = [truth for truth in found if not truth.moderation_labels]
    assert len(safe) == 4
    assert all(truth.classes == ("safe",) for truth in safe)
    for truth in found:
        if truth.moderation_labels:
            assert 1 <= len(truth.moderation_labels) <= 2
            assert truth.classes == truth.moderation_labels
            assert list(truth.moderation_labels) == [n for n in labels if n in truth.classes]
    for source in dataset.sources:
        assert decode_png(get(s3, source)).shape == (96, 96, 3)


def test_moderation_dataset_is_deterministic_and_extreme_fractions(s3: Any, bucket: str) -> None:
    one = generate_moderation_dataset(s3, f"s3://{bucket}/a", count=5, seed=3, safe_fraction=0)
    two = generate_moderation_dataset(s3, f"s3://{bucket}/b", count=5, seed=3, safe_fraction=0)
    assert [get(s3, s) for s in one.sources] == [get(s3, s) for s in two.sources]
    assert all(t.moderation_labels for t in truths(s3, bucket, one))
    three = generate_moderation_dataset(
        s3, f"s3://{bucket}/c", count=3, labels=["Violence"], safe_fraction=1, width=16, height=16
    )
    assert all(t.classes == ("safe",) for t in truths(s3, bucket, three))
    assert three.classes == ("Violence", "safe")


# -- texts --------------------------------------------------------------------------------------


def test_text_dataset(s3: Any, bucket: str) -> None:
    dataset = generate_text_dataset(s3, f"s3://{bucket}/texts", count=60, seed=2)
    assert (dataset.kind, dataset.objects, dataset.classes) == ("text", 60, DEFAULT_TEXT_CLASSES)
    assert dataset.manifest_uri == f"s3://{bucket}/texts/dataset.manifest"
    assert manifest_lines(s3, dataset) == [{"source": text} for text in dataset.sources]
    assert len(set(dataset.sources)) == 60
    assert s3_keys(s3, bucket) == sorted(
        ["texts/dataset.manifest", *(truth_key(text) for text in dataset.sources)]
    )
    found = truths(s3, bucket, dataset)
    assert Counter(truth.classes[0] for truth in found) == dict.fromkeys(DEFAULT_TEXT_CLASSES, 20)
    names = {label: {n.lower() for n in ENTITY_NAMES[label]} for label in DEFAULT_ENTITY_LABELS}
    labels_seen = set()
    for text, truth in zip(dataset.sources, found, strict=True):
        assert len(truth.classes) == 1 and truth.image_size is None
        assert text.endswith(".") and text[0].isupper()
        ends = [0]
        for span in truth.entities:
            assert text[span.start : span.end].lower() in names[span.label]
            assert span.start >= ends[-1]  # in order, not overlapping
            ends.append(span.end)
            labels_seen.add(span.label)
    assert labels_seen == set(DEFAULT_ENTITY_LABELS)


def test_text_classes_are_conveyed_by_words(s3: Any, bucket: str) -> None:
    dataset = generate_text_dataset(
        s3, f"s3://{bucket}/t", count=30, classes=["positive", "negative", "Football"], seed=8
    )
    for text, truth in zip(dataset.sources, truths(s3, bucket, dataset), strict=True):
        if truth.classes == ("Football",):
            assert "Football" in text


def test_text_without_entities(s3: Any, bucket: str) -> None:
    dataset = generate_text_dataset(s3, f"s3://{bucket}/t", count=20, entity_labels=())
    assert all(not truth.entities for truth in truths(s3, bucket, dataset))


def test_text_dataset_is_deterministic(s3: Any, bucket: str) -> None:
    one = generate_text_dataset(s3, f"s3://{bucket}/a", count=15, seed=6)
    two = generate_text_dataset(s3, f"s3://{bucket}/b", count=15, seed=6)
    three = generate_text_dataset(s3, f"s3://{bucket}/c", count=15, seed=7)
    assert one.sources == two.sources != three.sources
    a = get(s3, one.manifest_uri)
    assert a == get(s3, two.manifest_uri) != get(s3, three.manifest_uri)


# -- read_truth and arguments -------------------------------------------------------------------


def test_read_truth_absent(s3: Any, bucket: str) -> None:
    assert read_truth(s3, bucket, "s3://elsewhere/nothing.png") is None


def test_read_truth_other_errors_propagate(s3: Any) -> None:
    with pytest.raises(ClientError):
        read_truth(s3, f"missing-{uuid.uuid4().hex[:12]}", "text")


BAD_ARGUMENTS = [
    (generate_image_dataset, {"count": 0}, "count"),
    (generate_image_dataset, {"count": True}, "count"),
    (generate_image_dataset, {"count": 1, "classes": ["dog"]}, "classes"),
    (generate_image_dataset, {"count": 1, "classes": ["dog", "dog"]}, "classes"),
    (generate_image_dataset, {"count": 1, "classes": "dog,cat"}, "classes"),
    (generate_image_dataset, {"count": 1, "classes": ["dog", ""]}, "classes"),
    (generate_image_dataset, {"count": 1, "width": 8}, "width"),
    (generate_image_dataset, {"count": 1, "height": 100_000}, "height"),
    (generate_image_dataset, {"count": 1, "max_objects": 0}, "max_objects"),
    (generate_image_dataset, {"count": 1, "background": "dog"}, "background"),
    (generate_moderation_dataset, {"count": -1}, "count"),
    (generate_moderation_dataset, {"count": 1, "labels": []}, "labels"),
    (generate_moderation_dataset, {"count": 1, "labels": ["safe", "x"]}, "labels"),
    (generate_moderation_dataset, {"count": 1, "safe_fraction": 1.5}, "safe_fraction"),
    (generate_moderation_dataset, {"count": 1, "width": 4}, "width"),
    (generate_text_dataset, {"count": 0}, "count"),
    (generate_text_dataset, {"count": 1, "classes": ["only"]}, "classes"),
    (generate_text_dataset, {"count": 1, "entity_labels": ["WEAPON"]}, "entity_labels"),
]


@pytest.mark.parametrize(
    ("function", "arguments", "parameter"),
    BAD_ARGUMENTS,
    ids=[f"{f.__name__}-{p}-{i}" for i, (f, _, p) in enumerate(BAD_ARGUMENTS)],
)
def test_bad_arguments_name_the_parameter(
    s3: Any, bucket: str, function: Any, arguments: dict[str, Any], parameter: str
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        function(s3, f"s3://{bucket}/x", **arguments)
    assert caught.value.parameter == parameter
    assert s3_keys(s3, bucket) == []  # nothing written


@pytest.mark.parametrize("prefix", ["bucket/x", "s3://", "s3:///key", "/tmp/x"])
def test_bad_prefix(s3: Any, prefix: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        generate_text_dataset(s3, prefix, count=1)
    assert caught.value.parameter == "prefix"


def test_too_many_texts_for_the_templates(
    s3: Any, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(text_corpus, "build_sentence", lambda *_: ("Always the same.", ()))
    with pytest.raises(ConfigurationError) as caught:
        generate_text_dataset(s3, f"s3://{bucket}/t", count=2)
    assert caught.value.parameter == "count"
    assert s3_keys(s3, bucket) == []
