from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from airflow_gt.exceptions import LabelCategoryConfigError, ManifestNotFoundError
from airflow_gt.manifests.categories import (
    LabelCategoryConfig,
    read_label_categories,
    write_label_categories,
)
from airflow_gt.manifests.job_types import built_in_task


def test_from_labels_writes_the_documented_format(tmp_path: Path) -> None:
    config = LabelCategoryConfig.from_labels(["dog", "bone"])
    out = tmp_path / "categories.json"
    write_label_categories(config, out)
    assert json.loads(out.read_text()) == {
        "document-version": "2018-11-28", "labels": [{"label": "dog"}, {"label": "bone"}],
    }
    assert read_label_categories(out) == LabelCategoryConfig.parse(out.read_bytes(), str(out))


def test_audit_and_ner_fields_round_trip_through_s3(s3: Any, bucket: str) -> None:
    document = {
        "document-version": "2018-11-28",
        "labels": [{"label": "person", "shortDisplayName": "per", "color": "#ff0000"}],
        "instructions": {"shortInstruction": "Mark people", "fullInstruction": "<p>All</p>"},
        "auditLabelAttributeName": "bounding-box",
        "categoryGlobalAttributes": [{"name": "weather", "type": "string"}],
    }
    uri = f"s3://{bucket}/config/categories.json"
    s3.put_object(Bucket=bucket, Key="config/categories.json", Body=json.dumps(document))
    config = read_label_categories(uri, s3_client=s3)
    assert config.label_names == ("person",)
    assert config.labels[0].short_display_name == "per"
    assert config.audit_label_attribute_name == "bounding-box"
    assert config.to_json() == document  # unknown keys kept
    write_label_categories(config, f"s3://{bucket}/copy.json", s3_client=s3)
    copy = s3.get_object(Bucket=bucket, Key="copy.json")["Body"].read()
    assert json.loads(copy) == document


def test_video_and_point_cloud_version() -> None:
    data = b'{"documentVersion": "2020-03-01", "labels": [{"label": "car"}]}'
    config = LabelCategoryConfig.parse(data)
    assert config.document_version == "2020-03-01"
    assert config.to_json() == {"documentVersion": "2020-03-01", "labels": [{"label": "car"}]}


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        (b"{", "not valid JSON"),
        (b"[]", "must be a JSON object"),
        (b'{"document-version": "2018-11-28"}', "labels must be a list"),
        (b'{"document-version": "2018-11-28", "labels": []}', "at least one label"),
        (b'{"document-version": "2018-11-28", "labels": ["dog"]}', 'labels[0] must be {"label"'),
        (b'{"document-version": "2018-11-28", "labels": [{"label": "a"}, {"label": "a"}]}',
         "label 'a' is listed twice"),
        (b'{"document-version": "2018-11-28", "labels": [{"label": " "}]}', "must not be empty"),
        (b'{"document-version": "2019-01-01", "labels": [{"label": "a"}]}',
         "found '2019-01-01'"),
        (b'{"labels": [{"label": "a"}]}', "exactly one of document-version and documentVersion"),
        (b'{"document-version": "2018-11-28", "labels": [{"label": "a"}],'
         b' "auditLabelAttributeName": "x-metadata"}', "must not contain '-metadata'"),
    ],
)
def test_bad_files_say_what_is_wrong(data: bytes, detail: str) -> None:
    with pytest.raises(LabelCategoryConfigError) as caught:
        LabelCategoryConfig.parse(data, "s3://b/categories.json")
    assert detail in str(caught.value)
    assert str(caught.value).startswith("s3://b/categories.json: label category configuration: ")


def test_task_specific_rules() -> None:
    one = LabelCategoryConfig.from_labels(["dog"])
    assert one.check_for(built_in_task("BoundingBox")) is one
    with pytest.raises(LabelCategoryConfigError, match="ImageMultiClass needs at least 2"):
        one.check_for(built_in_task("ImageMultiClass"))
    with pytest.raises(LabelCategoryConfigError, match="needs instructions"):
        one.check_for(built_in_task("NamedEntityRecognition"))
    with pytest.raises(LabelCategoryConfigError, match="set auditLabelAttributeName"):
        one.check_for(built_in_task("AdjustmentBoundingBox"))
    audit = LabelCategoryConfig.from_labels(["dog"], audit_label_attribute_name="bounding-box")
    assert audit.check_for(built_in_task("VerificationBoundingBox")) is audit


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ManifestNotFoundError):
        read_label_categories(tmp_path / "absent.json")
