"""Automated data labeling on the stand-in, through real boto3 clients over HTTP.

Jobs run over AWS's minimum of 1,250 objects with ``MaxConcurrentTaskCount`` 200 (as in AWS's
example), on a manual clock.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Any

import orjson
import pytest
from botocore.exceptions import ClientError

from airflow_gt.local import LocalAws, ManualClock, WorkforceConfig
from airflow_gt.manifests.auto_labeling import ALGORITHM_ACCOUNT, MINIMUM_OBJECTS, algorithm_arn
from airflow_gt.manifests.chaining import Selection, chain_manifest
from tests.conftest import client
from tests.local.auto_labeling import BATCH, AutoJob, sources
from tests.local.labeling import put_categories

MODEL_ARN = re.compile(r"arn:aws:sagemaker:us-east-1:123456789012:model/[a-z0-9-]{1,63}")


@pytest.fixture
def job(manual_aws: LocalAws) -> AutoJob:
    return AutoJob(manual_aws)


def test_an_image_classification_job_at_the_minimum_size_labels_by_machine_too(
    job: AutoJob,
) -> None:
    request = job.request()
    name = request["LabelingJobName"]
    done = job.run(request)
    assert done["LabelingJobStatus"] == "Completed", done.get("FailureReason")
    counters = done["LabelCounters"]
    lines = job.lines(done["LabelingJobOutput"]["OutputDatasetS3Uri"])
    by = Counter(job.metadata(line)["human-annotated"] for line in lines)
    assert counters["MachineLabeled"] > 0
    assert counters == {
        "TotalLabeled": MINIMUM_OBJECTS, "HumanLabeled": by["yes"], "MachineLabeled": by["no"],
        "FailedNonRetryableError": 0, "Unlabeled": 0,
    }
    assert [line["row"] for line in lines] == list(range(MINIMUM_OBJECTS))
    model = done["LabelingJobOutput"]["FinalActiveLearningModelArn"]
    assert MODEL_ARN.fullmatch(model)
    human = next(line for line in lines if job.metadata(line)["human-annotated"] == "yes")
    for line in lines:
        metadata = job.metadata(line)
        assert list(metadata) == list(job.metadata(human))  # the same shape as a human label
        assert metadata["job-name"] == name
        assert metadata["class-name"] in ("dog", "cat", "bone", "ball")
        assert 0 <= metadata["confidence"] <= 1
        assert type(line["species"]) is type(human["species"])

    keys = job.keys(name)
    folders = {key.split("/")[2] for key in keys}
    assert {"activelearning", "annotations", "inference", "manifests", "training"} <= folders
    assert any("/annotations/worker-response/iteration-2/" in key for key in keys)
    assert any("/annotations/intermediate/2/annotations.manifest" in key for key in keys)
    assert any("/consolidation-response/iteration-2/" in key for key in keys)
    # Iteration 1: the validation set (20 % of 1,250) and as many objects to train on (more than
    # the batch of 200); iteration 2: the batch.
    first = [k for k in keys if "/worker-response/iteration-1/" in k]
    assert len({k.split("/")[-2] for k in first}) == 2 * 250
    second = [k for k in keys if "/worker-response/iteration-2/" in k]
    assert len({k.split("/")[-2] for k in second}) <= BATCH

    # Each model step says what it used and produced, consistent with the output lines.
    machine = {line["row"]: line for line in lines if job.metadata(line)["human-annotated"] == "no"}
    auto_labeled: dict[int, Any] = {}
    iterations = sorted({int(k.split("/iteration-")[1].split("/")[0])
                         for k in keys if "/training/output/" in k})  # fmt: skip
    for n in iterations:
        base = f"output/{name}"
        results = job.json(f"{base}/activelearning/validation/output/iteration-{n}/"
                           "validation-results.json")
        trained = job.json(f"{base}/training/output/iteration-{n}/model.json")
        assert results["modelArn"] == trained["modelArn"]
        assert results["metric"] == "accuracy" and results["target"] == 0.95
        training = job.lines(f"s3://{job.bucket}/{base}/training/input/iteration-{n}/"
                             "train.manifest")
        assert len(training) == trained["trainingObjects"] > 0
        assert all(job.metadata(line)["human-annotated"] == "yes" for line in training)
        out = job.lines(f"s3://{job.bucket}/{base}/activelearning/auto-labeled/output/"
                        f"iteration-{n}/auto-labeled.manifest")
        for line in out:
            assert job.metadata(line)["confidence"] >= results["confidenceThreshold"]
            auto_labeled[line["row"]] = line
        inference = job.lines(f"s3://{job.bucket}/{base}/inference/output/iteration-{n}/"
                              "unlabeled.manifest.out")
        assert {int(row["datasetObjectId"]) for row in inference} >= {
            line["row"] for line in out}
    assert auto_labeled == machine
    assert trained["modelArn"] == model


def test_counters_agree_with_the_latest_intermediate_manifest_at_every_poll(
    job: AutoJob,
) -> None:
    request = job.request()
    name = request["LabelingJobName"]
    job.sagemaker.create_labeling_job(**request)
    seen_machine = False
    while True:
        job.stand_in.advance(1.0)
        described = job.describe(name)
        counters = described["LabelCounters"]
        folders = job.s3.list_objects_v2(
            Bucket=job.bucket, Prefix=f"output/{name}/annotations/intermediate/", Delimiter="/"
        ).get("CommonPrefixes", [])
        if not folders:
            assert counters["TotalLabeled"] == 0
            continue
        latest = max(int(folder["Prefix"].rstrip("/").rsplit("/", 1)[1]) for folder in folders)
        lines = job.lines(f"s3://{job.bucket}/output/{name}/annotations/intermediate/{latest}/"
                          "annotations.manifest")
        by = Counter(job.metadata(line)["human-annotated"] for line in lines if "species" in line)
        assert (counters["HumanLabeled"], counters["MachineLabeled"]) == (by["yes"], by["no"])
        assert counters["TotalLabeled"] == by["yes"] + by["no"]
        assert counters["Unlabeled"] == MINIMUM_OBJECTS - counters["TotalLabeled"]
        seen_machine = seen_machine or 0 < by["no"] < MINIMUM_OBJECTS - by["yes"]
        if described["LabelingJobStatus"] == "Completed":
            break
    assert seen_machine, "machine labels should show while the workers label the next batch"


def test_the_least_certain_lines_are_chained_per_labeler_group(job: AutoJob) -> None:
    done = job.run(job.request())
    output = done["LabelingJobOutput"]["OutputDatasetS3Uri"]
    lines = job.lines(output)
    destination = f"s3://{job.bucket}/chained/least-certain.manifest"
    chain_manifest(output, destination, new_label_attribute="verify-species",
                   selection=Selection(lowest_quantile=0.1), s3_client=job.s3)  # fmt: skip
    chained = job.lines(destination)
    for group in ("yes", "no"):
        members = [line for line in lines if job.metadata(line)["human-annotated"] == group]
        kept = [line for line in chained if job.metadata(line)["human-annotated"] == group]
        assert len(kept) == math.ceil(0.1 * len(members))
        highest_kept = max(job.metadata(line)["confidence"] for line in kept)
        left_out = [line for line in members if line not in kept]
        assert all(job.metadata(line)["confidence"] >= highest_kept for line in left_out)
    assert len(chained) < math.ceil(0.1 * len(lines)) + 2


def test_the_final_model_starts_a_later_job_of_the_same_algorithm(job: AutoJob) -> None:
    first = job.run(job.request())
    model = first["LabelingJobOutput"]["FinalActiveLearningModelArn"]
    config = {"LabelingJobAlgorithmSpecificationArn": algorithm_arn("ImageMultiClass",
                                                                    "us-east-1"),
              "InitialActiveLearningModelArn": model}  # fmt: skip
    second = job.run(job.request(LabelingJobAlgorithmsConfig=config))
    assert second["LabelingJobStatus"] == "Completed"
    assert second["LabelingJobAlgorithmsConfig"]["InitialActiveLearningModelArn"] == model
    # Trained on more objects from the start, it leaves the workers less to do.
    assert second["LabelCounters"]["HumanLabeled"] <= first["LabelCounters"]["HumanLabeled"]
    boxes = AutoJob(job.stand_in, task="BoundingBox", attribute="bounding-box")
    wrong = {"LabelingJobAlgorithmSpecificationArn": algorithm_arn("BoundingBox", "us-east-1"),
             "InitialActiveLearningModelArn": model}
    with pytest.raises(ClientError, match="was trained by the image-classification algorithm"):
        boxes.sagemaker.create_labeling_job(**boxes.request(LabelingJobAlgorithmsConfig=wrong))


def arn(algorithm: str, region: str = "us-east-1", account: str = ALGORITHM_ACCOUNT) -> str:
    return f"arn:aws:sagemaker:{region}:{account}:labeling-job-algorithm-specification/{algorithm}"


@pytest.mark.parametrize(
    ("task", "attribute", "config", "message"),
    [
        ("ImageMultiClass", "species", {"LabelingJobAlgorithmSpecificationArn":
                                        arn("image-classification", account="123456789012")},
         "is not one of Ground Truth's built-in automated labeling algorithms"),
        ("ImageMultiClass", "species", {"LabelingJobAlgorithmSpecificationArn":
                                        arn("image-classification", region="eu-west-1")},
         "is in eu-west-1, but the labeling job is created in us-east-1"),
        ("ImageMultiClass", "species", {"LabelingJobAlgorithmSpecificationArn":
                                        arn("object-detection")},
         "the algorithm object-detection does not fit the task type ImageMultiClass"),
        ("BoundingBox", "boxes", {"LabelingJobAlgorithmSpecificationArn":
                                  arn("semantic-segmentation")},
         "does not fit the task type BoundingBox, whose algorithm is object-detection"),
        ("ImageMultiClassMultiLabel", "tags", {"LabelingJobAlgorithmSpecificationArn":
                                               arn("image-classification")},
         "not available for the task type ImageMultiClassMultiLabel"),
        ("TextMultiClassMultiLabel", "tags", {"LabelingJobAlgorithmSpecificationArn":
                                              arn("text-classification")},
         "not available for the task type TextMultiClassMultiLabel"),
        ("NamedEntityRecognition", "entities", {"LabelingJobAlgorithmSpecificationArn":
                                                arn("text-classification")},
         "not available for the task type NamedEntityRecognition"),
        ("ImageMultiClass", "species", {
            "LabelingJobAlgorithmSpecificationArn": arn("image-classification"),
            "InitialActiveLearningModelArn":
                "arn:aws:sagemaker:us-east-1:123456789012:model/never-trained"},
         "could not find model"),
    ],
)
def test_configurations_aws_refuses_are_validation_exceptions(
    job: AutoJob, task: str, attribute: str, config: dict[str, str], message: str
) -> None:
    job.task, job.attribute = task, attribute
    request = job.request(LabelingJobAlgorithmsConfig=config)
    if task == "NamedEntityRecognition":
        request["LabelCategoryConfigS3Uri"] = put_categories(
            job.s3, job.bucket, ["PERSON"], instructions=True)
    with pytest.raises(ClientError) as caught:
        job.sagemaker.create_labeling_job(**request)
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert message in caught.value.response["Error"]["Message"]


@pytest.mark.parametrize("task", ["ImageMultiClass", "AdjustmentBoundingBox",
                                  "VerificationBoundingBox"])
def test_verification_and_adjustment_tasks_and_small_datasets_are_refused(
    job: AutoJob, task: str
) -> None:
    small = task == "ImageMultiClass"
    job.task = task
    job.attribute = "species" if small else "checked"
    lines = sources(task, MINIMUM_OBJECTS - 1 if small else MINIMUM_OBJECTS)
    algorithm = arn("image-classification" if small else "object-detection")
    request = job.request(lines, LabelingJobAlgorithmsConfig={
        "LabelingJobAlgorithmSpecificationArn": algorithm})
    if not small:
        request["LabelCategoryConfigS3Uri"] = put_categories(
            job.s3, job.bucket, ["good", "bad"] if task.startswith("Verif") else ["dog"],
            audit="boxes")
    with pytest.raises(ClientError) as caught:
        job.sagemaker.create_labeling_job(**request)
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    expected = (f"needs at least {MINIMUM_OBJECTS} data objects; the input manifest has "
                f"{MINIMUM_OBJECTS - 1}" if small
                else f"not available for the task type {task}")  # fmt: skip
    assert expected in caught.value.response["Error"]["Message"]


def test_segmentation_with_automated_labeling_allows_at_most_twenty_categories(
    job: AutoJob,
) -> None:
    job.task, job.attribute = "SemanticSegmentation", "streets-ref"
    request = job.request()
    request["LabelCategoryConfigS3Uri"] = put_categories(
        job.s3, job.bucket, [f"class{i}" for i in range(21)])
    with pytest.raises(ClientError, match="at most 20 label categories; it has 21"):
        job.sagemaker.create_labeling_job(**request)


def test_the_algorithm_of_another_region_is_accepted_there(manual_aws: LocalAws) -> None:
    job = AutoJob(manual_aws)
    request = job.request()
    request["LabelingJobAlgorithmsConfig"]["LabelingJobAlgorithmSpecificationArn"] = arn(
        "image-classification", region="us-west-2")
    request["HumanTaskConfig"]["PreHumanTaskLambdaArn"] = (
        "arn:aws:lambda:us-west-2:081040173940:function:PRE-ImageMultiClass")
    request["HumanTaskConfig"]["AnnotationConsolidationConfig"][
        "AnnotationConsolidationLambdaArn"] = (
        "arn:aws:lambda:us-west-2:081040173940:function:ACS-ImageMultiClass")
    west = client("sagemaker", manual_aws.endpoint_url, region="us-west-2")
    assert west.create_labeling_job(**request)["LabelingJobArn"].startswith(
        "arn:aws:sagemaker:us-west-2:")


def test_a_first_sample_with_more_than_a_tenth_failed_fails_the_job() -> None:
    with LocalAws(seed=0, clock=ManualClock(),
                  workforce=WorkforceConfig(object_failure_rate=0.3)) as stand_in:
        job = AutoJob(stand_in)
        done = job.run(job.request())
    assert done["LabelingJobStatus"] == "Failed"
    assert "first sample sent to workers failed, more than 10%" in done["FailureReason"]
    assert "LabelingJobOutput" not in done


def test_a_manifest_shortened_before_the_job_starts_fails_the_job(job: AutoJob) -> None:
    request = job.request()
    job.sagemaker.create_labeling_job(**request)
    manifest = request["InputConfig"]["DataSource"]["S3DataSource"]["ManifestS3Uri"]
    key = manifest.split("/", 3)[3]
    job.s3.put_object(Bucket=job.bucket, Key=key,
                      Body=b"".join(orjson.dumps(line) + b"\n"
                                    for line in sources(job.task, 10)))  # fmt: skip
    job.stand_in.advance(5.0)
    failed = job.describe(request["LabelingJobName"])
    assert failed["LabelingJobStatus"] == "Failed"
    assert failed["FailureReason"] == (
        f"ClientError: {manifest} has 10 data objects; automated data labeling needs at least "
        f"{MINIMUM_OBJECTS}"
    )


def test_stopping_conditions_count_the_workers_and_all_labels_apart(job: AutoJob) -> None:
    humans = job.run(job.request(StoppingConditions={"MaxHumanLabeledObjectCount": 300}))
    assert humans["LabelingJobStatus"] == "Stopped"
    assert humans["LabelCounters"]["HumanLabeled"] == 300
    share = job.run(job.request(StoppingConditions={"MaxPercentageOfInputDatasetLabeled": 60}))
    assert share["LabelingJobStatus"] == "Stopped"
    counters = share["LabelCounters"]
    assert counters["TotalLabeled"] == math.ceil(0.6 * MINIMUM_OBJECTS)
    assert counters["MachineLabeled"] > 0
    lines = job.lines(share["LabelingJobOutput"]["OutputDatasetS3Uri"])
    assert sum("species" in line for line in lines) == counters["TotalLabeled"]
