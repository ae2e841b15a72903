"""A job whose label attribute is already in its input lines labels over it, as the seed says
("The label and the value overwrites any existing JSON data in the input file"): through a real
boto3 client over HTTP, on a stand-in whose clock the test moves."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from airflow_gt.local import LocalAws, ManualClock
from airflow_gt.local.datasets import generate_image_dataset
from airflow_gt.local.output_lines import label_forms, output_record
from airflow_gt.local.workforce import WorkforceConfig
from airflow_gt.manifests.attributes import find_label_attribute
from airflow_gt.manifests.label_parsing import parse_label
from tests.conftest import client
from tests.local.labeling import labeling_request, put_categories, put_json_lines, read_lines

MOODS = ("happy", "sad")
IMAGE_CLASSES = ("dog", "cat", "bone", "ball")
EARLIER_METADATA = {
    "class-name": "sad", "confidence": 0.5, "type": "groundtruth/text-classification",
    "job-name": "an-earlier-job", "human-annotated": "yes",
    "creation-date": "2018-10-18T22:18:13.527256",
}  # fmt: skip


class StandIn:
    """One stand-in, its clients and a bucket; runs jobs to their end."""

    def __init__(self, aws: LocalAws) -> None:
        self.aws = aws
        self.s3 = client("s3", aws.endpoint_url)
        self.sagemaker = client("sagemaker", aws.endpoint_url)
        self.bucket = f"ow-{uuid.uuid4().hex[:12]}"
        self.s3.create_bucket(Bucket=self.bucket)

    def run(self, manifest: str, task: str, attribute: str, labels: tuple[str, ...],
            **extra: Any) -> tuple[dict[str, Any], bytes]:  # fmt: skip
        request = labeling_request(
            self.s3, self.bucket, task=task, manifest_uri=manifest,
            categories_uri=put_categories(self.s3, self.bucket, labels), label_attribute=attribute,
            **extra,
        )
        name = request["LabelingJobName"]
        self.sagemaker.create_labeling_job(**request)

        def describe() -> dict[str, Any]:
            return self.sagemaker.describe_labeling_job(LabelingJobName=name)  # type: ignore[no-any-return]

        self.aws.run_until(
            lambda: describe()["LabelingJobStatus"] in ("Completed", "Failed", "Stopped")
        )
        done = describe()
        assert done["LabelingJobStatus"] in ("Completed", "Stopped"), done.get("FailureReason")
        bucket, _, key = done["LabelingJobOutput"]["OutputDatasetS3Uri"][5:].partition("/")
        return done, self.s3.get_object(Bucket=bucket, Key=key)["Body"].read()

    def manifest(self, records: list[dict[str, Any]]) -> tuple[str, bytes]:
        uri = put_json_lines(self.s3, self.bucket, f"in/{uuid.uuid4().hex[:6]}.manifest", records)
        return uri, self.s3.get_object(Bucket=self.bucket, Key=uri.split("/", 3)[3])["Body"].read()


def stand_in_with(config: WorkforceConfig | None = None) -> Iterator[StandIn]:
    with LocalAws(seed=0, clock=ManualClock(), workforce=config) as aws:
        yield StandIn(aws)


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    yield from stand_in_with()


@pytest.fixture
def failing_stand_in() -> Iterator[StandIn]:
    """Half of the objects fail (by the seed), the others are labeled."""
    yield from stand_in_with(WorkforceConfig(object_failure_rate=0.5))


def labeled_before(count: int) -> list[dict[str, Any]]:
    """Text lines an earlier job labeled ``mood`` (a number, as the seed's "sport": 0), with a key
    on each side that must pass through."""
    return [
        {"source": f"text {i}", "mood": 1, "mood-metadata": dict(EARLIER_METADATA), "batch": i}
        for i in range(count)
    ]


def test_a_label_attribute_already_in_the_input_is_labeled_over(stand_in: StandIn) -> None:
    manifest, _ = stand_in.manifest(labeled_before(5))
    done, body = stand_in.run(manifest, "TextMultiClass", "mood", MOODS)
    assert done["LabelingJobStatus"] == "Completed"
    assert done["LabelCounters"]["TotalLabeled"] == 5
    lines = [orjson.loads(line) for line in body.splitlines()]
    for number, line in enumerate(lines):
        assert list(line) == ["source", "mood", "mood-metadata", "batch"]  # in place
        assert (line["source"], line["batch"]) == (f"text {number}", number)
        metadata = line["mood-metadata"]
        assert metadata["job-name"] == done["LabelingJobName"]
        assert metadata["class-name"] in MOODS
        assert line["mood"] == str(MOODS.index(metadata["class-name"]))
        label = parse_label(line, "mood", line=number + 1)
        assert label is not None and label.metadata.job_name == done["LabelingJobName"]


def test_a_segmentation_job_replaces_every_form_of_its_attribute(stand_in: StandIn) -> None:
    dataset = generate_image_dataset(stand_in.s3, f"s3://{stand_in.bucket}/shapes", count=3,
                                     classes=IMAGE_CLASSES, seed=4)  # fmt: skip
    records = read_lines(stand_in.s3, dataset.manifest_uri)
    for record in records:  # a stale label in both forms, as if written by two earlier jobs
        record.update({"city-streets": "1", "city-streets-ref": "s3://old/mask.png",
                       "city-streets-metadata": dict(EARLIER_METADATA)})  # fmt: skip
    manifest, _ = stand_in.manifest(records)
    done, body = stand_in.run(manifest, "SemanticSegmentation", "city-streets-ref", IMAGE_CLASSES)
    assert done["LabelCounters"]["TotalLabeled"] == 3
    for line in map(orjson.loads, body.splitlines()):
        assert "city-streets" not in line
        assert list(line) == ["source-ref", "city-streets-ref", "city-streets-metadata"]
        assert line["city-streets-ref"].endswith(".png")
        assert "/annotations/consolidated-annotation/output/" in line["city-streets-ref"]
        assert line["city-streets-metadata"]["type"] == "groundtruth/semantic-segmentation"
        assert line["city-streets-metadata"]["job-name"] == done["LabelingJobName"]


def test_a_failed_object_drops_the_earlier_label_and_keeps_the_rest(
    failing_stand_in: StandIn,
) -> None:
    # A fixed job name: which objects fail is drawn from the seed and the job name.
    manifest, _ = failing_stand_in.manifest(labeled_before(10))
    done, body = failing_stand_in.run(manifest, "TextMultiClass", "mood", MOODS,
                                      name="overwrite-with-failures")
    counters = done["LabelCounters"]
    assert counters["FailedNonRetryableError"] > 0 and counters["TotalLabeled"] > 0
    lines = [orjson.loads(line) for line in body.splitlines()]
    failed = [line for line in lines if "failure-reason" in line["mood-metadata"]]
    assert len(failed) == counters["FailedNonRetryableError"]
    for line in failed:
        assert list(line) == ["source", "mood-metadata", "batch"]
        assert line["mood-metadata"]["job-name"] == done["LabelingJobName"]
        attribute = find_label_attribute(line, "mood")
        assert attribute is not None and attribute.is_failed(line)
    labeled = [line for line in lines if line not in failed]
    assert len(labeled) == counters["TotalLabeled"]
    assert all(isinstance(line["mood"], str) for line in labeled)


def test_lines_a_stopped_job_did_not_label_stay_as_the_input_had_them(stand_in: StandIn) -> None:
    manifest, original = stand_in.manifest(labeled_before(6))
    done, body = stand_in.run(manifest, "TextMultiClass", "mood", MOODS,
                              MaxConcurrentTaskCount=1,
                              StoppingConditions={"MaxHumanLabeledObjectCount": 2})  # fmt: skip
    assert done["LabelingJobStatus"] == "Stopped"
    assert (done["LabelCounters"]["TotalLabeled"], done["LabelCounters"]["Unlabeled"]) == (2, 4)
    written, given = body.splitlines(), original.splitlines()
    untouched = [out for out, source in zip(written, given, strict=True) if out == source]
    assert len(untouched) == 4  # byte for byte, with the earlier job's label and metadata
    relabeled = [orjson.loads(out) for out in written if out not in untouched]
    assert [line["mood-metadata"]["job-name"] for line in relabeled] == [
        done["LabelingJobName"]] * 2  # fmt: skip


@pytest.mark.parametrize(
    ("attribute", "written", "expected"),
    [
        ("mood", {"mood": "0", "mood-metadata": {"job-name": "new"}},
         {"source": "t", "mood": "0", "mood-metadata": {"job-name": "new"}, "k": 1}),
        ("mood", {"mood-metadata": {"failure-reason": "x"}},
         {"source": "t", "mood-metadata": {"failure-reason": "x"}, "k": 1}),
        ("mood-ref", {"mood-ref": "s3://b/m.png", "mood-metadata": {}},
         {"source": "t", "mood-metadata": {}, "k": 1, "mood-ref": "s3://b/m.png"}),
    ],
)
def test_the_output_line_rule(
    attribute: str, written: dict[str, Any], expected: dict[str, Any]
) -> None:
    record = {"source": "t", "mood": 1, "mood-metadata": {"job-name": "old"}, "k": 1}
    line = output_record(record, attribute, written)
    assert (line, list(line)) == (expected, list(expected))


def test_the_data_object_is_never_a_form_of_the_label() -> None:
    assert label_forms("source") == ("source-metadata",)
    record = {"source-ref": "s3://b/i.png", "source-metadata": {"job-name": "old"}}
    line = output_record(record, "source", {"source-metadata": {"failure-reason": "x"}})
    assert line == {"source-ref": "s3://b/i.png", "source-metadata": {"failure-reason": "x"}}


def test_a_failed_multi_label_object_has_the_job_name_of_its_labeled_ones(
    failing_stand_in: StandIn,
) -> None:
    # The seed's multi-label metadata has "labeling-job/<name>"; a failed object is no exception.
    manifest, _ = failing_stand_in.manifest([{"source": f"text {i}"} for i in range(10)])
    _, body = failing_stand_in.run(manifest, "TextMultiClassMultiLabel", "moods", MOODS,
                                   name="multi-label-with-failures")
    metadata = [orjson.loads(line)["moods-metadata"] for line in body.splitlines()]
    failed = [m for m in metadata if "failure-reason" in m]
    assert failed and len(failed) < len(metadata)
    assert {m["job-name"] for m in metadata} == {"labeling-job/multi-label-with-failures"}
