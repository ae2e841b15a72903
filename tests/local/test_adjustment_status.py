"""Adjustment jobs on the stand-in: workers leave a prior label that is right as it is, so an
object is ``adjusted`` only when at least one worker changed it (the seed's rule), and both values
occur. Checked against the worker-response files, through real boto3 clients over HTTP."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from typing import Any

import numpy as np
import orjson
import pytest

from airflow_gt.local import LocalAws, ManualClock
from airflow_gt.local.answers import label_colors, unpaint
from airflow_gt.local.datasets import generate_image_dataset, read_truth, truth_mask
from airflow_gt.local.png import decode_png
from airflow_gt.local.truth import Box
from airflow_gt.local.verifier_comments import GOOD_MASK_AGREEMENT
from tests.conftest import client
from tests.local.labeling import labeling_request, put_categories, put_json_lines, read_lines

CLASSES = ("dog", "cat", "bone", "ball")
OBJECTS = 12
BoxKey = tuple[str, int, int, int, int]


class Jobs:
    """Labeling jobs on one manual-clock stand-in, run to the end, and their files."""

    def __init__(self, aws: LocalAws) -> None:
        self.aws = aws
        self.s3 = client("s3", aws.endpoint_url)
        self.sagemaker = client("sagemaker", aws.endpoint_url)
        self.bucket = f"adj-{uuid.uuid4().hex[:12]}"
        self.s3.create_bucket(Bucket=self.bucket)

    def run(self, task: str, manifest: str, attribute: str, audit: str | None = None
            ) -> tuple[str, list[dict[str, Any]]]:  # fmt: skip
        # A fixed job name: what each worker does is drawn from the seed and the job name.
        request = labeling_request(
            self.s3, self.bucket, task=task, manifest_uri=manifest, label_attribute=attribute,
            categories_uri=put_categories(self.s3, self.bucket, CLASSES, audit=audit),
            name=f"{task.lower()}-{attribute.removesuffix('-ref')}",
        )
        name = request["LabelingJobName"]
        self.sagemaker.create_labeling_job(**request)

        def describe() -> dict[str, Any]:
            return self.sagemaker.describe_labeling_job(LabelingJobName=name)  # type: ignore[no-any-return]

        self.aws.run_until(lambda: describe()["LabelingJobStatus"] in ("Completed", "Failed"))
        done = describe()
        assert done["LabelingJobStatus"] == "Completed", done.get("FailureReason")
        return name, read_lines(self.s3, done["LabelingJobOutput"]["OutputDatasetS3Uri"])

    def worker_answers(self, job: str, index: int) -> list[dict[str, Any]]:
        """The ``answerContent`` of every worker-response file of object ``index``."""
        prefix = f"output/{job}/annotations/worker-response/iteration-1/{index}/"
        listed = self.s3.list_objects_v2(Bucket=self.bucket, Prefix=prefix)["Contents"]
        answers = []
        for entry in sorted(listed, key=lambda item: item["Key"]):
            body = self.s3.get_object(Bucket=self.bucket, Key=entry["Key"])["Body"].read()
            [answer] = orjson.loads(body)["answers"]
            answers.append(answer["answerContent"])
        return answers

    def png_pixels(self, uri: str) -> Any:
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        return decode_png(self.s3.get_object(Bucket=bucket, Key=key)["Body"].read())


@pytest.fixture
def jobs() -> Iterator[Jobs]:
    with LocalAws(seed=0, clock=ManualClock()) as aws:
        yield Jobs(aws)


def box_label(boxes: list[Box], width: int, height: int) -> dict[str, Any]:
    """A bounding box label and metadata in the seed's shape, made by an earlier job."""
    ids = [CLASSES.index(box.label) for box in boxes]
    return {
        "bounding-box": {
            "image_size": [{"width": width, "height": height, "depth": 3}],
            "annotations": [{"class_id": class_id, "left": box.left, "top": box.top,
                             "width": box.width, "height": box.height}
                            for class_id, box in zip(ids, boxes, strict=True)],
        },
        "bounding-box-metadata": {
            "objects": [{"confidence": 0.9} for _ in boxes],
            "class-map": {str(i): CLASSES[i] for i in sorted(set(ids))},
            "type": "groundtruth/object-detection", "human-annotated": "yes",
            "creation-date": "2018-10-18T22:18:13.527256", "job-name": "identify-shapes",
        },
    }  # fmt: skip


def nudged(box: Box) -> Box:
    """``box`` one pixel to the right: not the truth, but right (IoU above 0.8 for any box of
    the generator, whose sides are at least 12 pixels)."""
    return Box(box.label, box.left + 1, box.top, box.width, box.height)


def shifted(box: Box) -> Box:
    """``box`` moved right by a third of its width: still over its object, but wrong (IoU 0.5)."""
    return Box(box.label, box.left + box.width // 3, box.top, box.width, box.height)


def prior_boxes(line: dict[str, Any]) -> list[BoxKey]:
    label = line["bounding-box"]
    names = line["bounding-box-metadata"]["class-map"]
    return [(names[str(b["class_id"])], b["left"], b["top"], b["width"], b["height"])
            for b in label["annotations"]]  # fmt: skip


def answer_boxes(answer: dict[str, Any]) -> list[BoxKey]:
    return [(b["label"], b["left"], b["top"], b["width"], b["height"])
            for b in answer["boundingBox"]["boundingBoxes"]]  # fmt: skip


def test_box_adjustment_is_unadjusted_where_no_worker_changed_a_box(jobs: Jobs) -> None:
    dataset = generate_image_dataset(jobs.s3, f"s3://{jobs.bucket}/shapes", count=OBJECTS,
                                     classes=CLASSES, seed=11)  # fmt: skip
    records = []
    for index, record in enumerate(read_lines(jobs.s3, dataset.manifest_uri)):
        truth = read_truth(jobs.s3, jobs.bucket, record["source-ref"])
        assert truth is not None and truth.image_size is not None
        right = index % 2 == 0  # even objects: close to the true boxes; odd ones: wrong
        boxes = [nudged(box) if right else shifted(box) for box in truth.boxes]
        records.append({**record, **box_label(boxes, *truth.image_size[:2])})
    manifest = put_json_lines(jobs.s3, jobs.bucket, "prior/boxes.manifest", records)

    job, lines = jobs.run("AdjustmentBoundingBox", manifest, "adjusted-bounding-box",
                          audit="bounding-box")  # fmt: skip
    assert len(lines) == OBJECTS
    statuses: dict[str, list[int]] = {"adjusted": [], "unadjusted": []}
    for index, line in enumerate(lines):
        prior = prior_boxes(line)
        answers = jobs.worker_answers(job, index)
        assert len(answers) == 3
        changed = [answer_boxes(answer) != prior for answer in answers]
        flags = [answer["boundingBox"]["initialValueModified"] for answer in answers]
        assert flags == changed
        metadata = line["adjusted-bounding-box-metadata"]
        status = metadata["adjustment-status"]
        assert status == ("adjusted" if any(changed) else "unadjusted")
        statuses[status].append(index)
        if status == "unadjusted":
            adjusted = {**line, "bounding-box": line["adjusted-bounding-box"],
                        "bounding-box-metadata": metadata}  # fmt: skip
            assert prior_boxes(adjusted) == prior
    assert statuses["unadjusted"], statuses
    assert statuses["adjusted"], statuses
    assert all(index % 2 == 0 for index in statuses["unadjusted"])  # only right priors


def test_mask_adjustment_workers_leave_a_right_mask_as_it_is(jobs: Jobs) -> None:
    dataset = generate_image_dataset(jobs.s3, f"s3://{jobs.bucket}/shapes", count=OBJECTS,
                                     classes=CLASSES, seed=11)  # fmt: skip
    _, masks = jobs.run("SemanticSegmentation", dataset.manifest_uri, "city-streets-ref")
    for index, line in enumerate(masks):  # odd objects get the next object's mask: wrong
        if index % 2:
            following = masks[(index + 1) % OBJECTS]
            for key in ("city-streets-ref", "city-streets-metadata"):
                line[key] = following[key]
    manifest = put_json_lines(jobs.s3, jobs.bucket, "prior/masks.manifest", masks)
    job, lines = jobs.run("AdjustmentSemanticSegmentation", manifest,
                          "adjusted-city-streets-ref", audit="city-streets-ref")  # fmt: skip
    colors = {color: i + 1 for i, color in enumerate(label_colors(len(CLASSES)))}
    modified: dict[bool, list[bool]] = {True: [], False: []}  # by whether the prior is right
    for index, line in enumerate(lines):
        assert "adjustment-status" not in line["adjusted-city-streets-metadata"]  # as the seed
        prior = jobs.png_pixels(line["city-streets-ref"])
        truth = read_truth(jobs.s3, jobs.bucket, line["source-ref"])
        assert truth is not None
        agreement = float((unpaint(prior, colors) == truth_mask(truth, CLASSES)).mean())
        right = agreement >= GOOD_MASK_AGREEMENT
        assert right == (index % 2 == 0), (index, agreement)
        for answer in jobs.worker_answers(job, index):
            content = answer["crowd-semantic-segmentation"]
            pixels = decode_png(base64.b64decode(content["labeledImage"]["pngImageData"]))
            flag = content["initialValueModified"]
            assert flag == (not np.array_equal(pixels, prior))
            modified[right].append(flag)
    # Workers are 90% accurate: most leave a right mask alone, most repaint a wrong one.
    assert modified[True].count(False) >= 0.7 * len(modified[True]), modified
    assert modified[False].count(True) >= 0.7 * len(modified[False]), modified
