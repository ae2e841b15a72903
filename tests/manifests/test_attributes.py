from __future__ import annotations

import pytest

from airflow_gt.exceptions import NameRuleError
from airflow_gt.manifests.attributes import (
    find_label_attribute,
    label_attributes,
    source_of,
    validate_job_name,
    validate_label_attribute_name,
)
from airflow_gt.manifests.job_types import built_in_task, job_type
from airflow_gt.manifests.reader import read_manifest
from tests.conftest import SAMPLES


def only_record(sample: str) -> dict[str, object]:
    ((_, record),) = list(read_manifest(SAMPLES / sample))
    return record


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("image-classification-sport.manifest", [("sport", "image-classification")]),
        ("text-classification.manifest", [("mood", "text-classification")]),
        (
            "image-classification-multilabel.manifest",
            [("image-label-attribute-name", "image-classification-multilabel")],
        ),
        ("object-detection.manifest", [("bounding-box", "object-detection")]),
        (
            "object-detection-adjustment.manifest",
            [("bounding-box", "object-detection"), ("adjusted-bounding-box", "object-detection")],
        ),
        (
            "label-verification-bounding-box.manifest",
            [("bounding-box", "object-detection"), ("verify-bounding-box", "label-verification")],
        ),
        (
            "semantic-segmentation-verification.manifest",
            [("city-streets-ref", "semantic-segmentation"),
             ("verify-city-streets", "label-verification")],
        ),
        (
            "semantic-segmentation-adjustment.manifest",
            [("city-streets-ref", "semantic-segmentation"),
             ("adjusted-city-streets-ref", "semantic-segmentation")],
        ),
    ],
)
def test_detects_every_label_of_the_seed_examples(
    sample: str, expected: list[tuple[str, str]]
) -> None:
    found = label_attributes(only_record(sample))
    assert [(a.name, a.job_type.name if a.job_type else None) for a in found] == expected


def test_segmentation_metadata_key_has_no_ref() -> None:
    (attribute, _) = label_attributes(only_record("semantic-segmentation-verification.manifest"))
    assert attribute.metadata_key == "city-streets-metadata"
    assert attribute.base_name == "city-streets"


def test_failed_and_unlabeled_lines() -> None:
    failed = {
        "source-ref": "s3://b/1.jpg",
        "masks-metadata": {"failure-reason": "ClientError: timed out",
                           "type": "groundtruth/semantic-segmentation"},
    }
    (attribute,) = label_attributes(failed)
    assert attribute.name == "masks-ref"
    assert attribute.is_failed(failed)
    assert not attribute.is_labeled(failed)
    assert label_attributes({"source-ref": "s3://b/1.jpg"}) == []


def test_a_pass_through_key_ending_in_metadata_is_not_a_label() -> None:
    record = {"source": "text", "camera-metadata": {"model": "x100"}}
    assert label_attributes(record) == []
    assert source_of(record) == "text"


def test_find_by_either_name() -> None:
    record = only_record("semantic-segmentation-adjustment.manifest")
    found = find_label_attribute(record, "adjusted-city-streets")
    assert found is not None and found.name == "adjusted-city-streets-ref"
    assert find_label_attribute(record, "absent") is None


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("", "must not be empty"),
        ("a" * 128, "is 128 characters long; at most 127"),
        ("my_label", "contains '_'"),
        ("café", "contains 'é'"),
        ("-label", "must start and end with a letter or a digit"),
        ("label-", "must start and end with a letter or a digit"),
        ("label-metadata-x", "must not contain '-metadata'"),
        ("label-metadata", "must not contain '-metadata'"),
    ],
)
def test_label_attribute_rules(name: str, rule: str) -> None:
    with pytest.raises(NameRuleError) as caught:
        validate_label_attribute_name(name)
    assert rule in caught.value.rule
    assert caught.value.kind == "label attribute"


def test_label_attribute_ref_rules_by_type_and_task() -> None:
    assert validate_label_attribute_name("a" * 127) == "a" * 127
    assert validate_label_attribute_name("a--b", "object-detection") == "a--b"
    assert validate_label_attribute_name("masks-ref", job_type("semantic-segmentation"))
    with pytest.raises(NameRuleError, match="must end in '-ref' for job type semantic"):
        validate_label_attribute_name("masks", "semantic-segmentation")
    with pytest.raises(NameRuleError, match="must not end in '-ref' for job type object"):
        validate_label_attribute_name("boxes-ref", "object-detection")
    with pytest.raises(NameRuleError, match="must not end in '-ref' for task Verification"):
        validate_label_attribute_name(
            "verify-ref", built_in_task("VerificationSemanticSegmentation")
        )
    with pytest.raises(NameRuleError, match="must end in '-ref' for task Adjustment"):
        validate_label_attribute_name("adjusted", built_in_task("AdjustmentSemanticSegmentation"))


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("", "must not be empty"),
        ("j" * 64, "is 64 characters long; at most 63"),
        ("my job", "contains ' '"),
        ("labeling-job/x", "contains '/'"),
        ("-job", "must start and end"),
    ],
)
def test_job_name_rules(name: str, rule: str) -> None:
    with pytest.raises(NameRuleError) as caught:
        validate_job_name(name)
    assert rule in str(caught.value)
    assert caught.value.kind == "labeling job name"


def test_valid_job_names() -> None:
    for name in ("identify-dogs-and-toys", "a", "j" * 63, "Job--2"):
        assert validate_job_name(name) == name
