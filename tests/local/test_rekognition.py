"""The Rekognition stand-in's API, driven by a real boto3 client over HTTP on a manual clock.

Projects and adapter versions: their lifecycle, the documented error codes, regions, pagination,
failed trainings (forced, malformed or too-small manifests), deletion, and DetectModerationLabels.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson
import pytest
from botocore.exceptions import ClientError

from airflow_gt.local import LocalAws
from airflow_gt.local.adapter_training import AdapterTrainingConfig
from tests.local.adapters import (
    TRAINING_SECONDS,
    adapter_stand_in,
    create_project,
    describe_version,
    labeled_line,
    new_bucket,
    plain_images,
    put_manifest,
    rekognition,
    s3_client,
    version_request,
)

LABELS = [["Rude Gesture"], ["Nudity"], [], ["Rude Gesture", "Nudity"], ["Middle Finger"]]


@dataclass
class Setup:
    """A stand-in, its clients, a bucket, and a 25-line manifest of plain images."""

    stand_in: LocalAws
    s3: Any
    rekognition: Any
    bucket: str
    lines: list[dict[str, Any]]
    manifest: str

    def put(self, key: str, lines: list[dict[str, Any]]) -> str:
        return put_manifest(self.s3, self.bucket, key, lines)

    def train(self, project_arn: str, name: str, training_uri: str | None = None) -> dict[str, Any]:
        self.rekognition.create_project_version(
            **version_request(project_arn, name, training_uri or self.manifest, None, self.bucket)
        )
        self.stand_in.advance(TRAINING_SECONDS)
        return describe_version(self.rekognition, project_arn, name)


def make_setup(stand_in: LocalAws) -> Setup:
    s3 = s3_client(stand_in)
    bucket = new_bucket(s3)
    lines = plain_images(s3, bucket, "images", LABELS * 5)
    manifest = put_manifest(s3, bucket, "train.manifest", lines)
    return Setup(stand_in, s3, rekognition(stand_in), bucket, lines, manifest)


@pytest.fixture
def setup() -> Iterator[Setup]:
    with adapter_stand_in() as stand_in:
        yield make_setup(stand_in)


def error_code(caught: pytest.ExceptionInfo[ClientError]) -> str:
    return str(caught.value.response["Error"]["Code"])


# -- projects ----------------------------------------------------------------------------------


def test_create_and_describe_a_moderation_project(setup: Setup) -> None:
    arn = create_project(setup.rekognition, "moderation", Tags={"team": "trust"})
    assert arn.startswith("arn:aws:rekognition:us-east-1:123456789012:project/moderation/")
    answer = setup.rekognition.describe_projects(Features=["CONTENT_MODERATION"])
    (project,) = answer["ProjectDescriptions"]
    assert (project["ProjectArn"], project["Status"]) == (arn, "CREATED")
    assert (project["Feature"], project["AutoUpdate"]) == ("CONTENT_MODERATION", "DISABLED")
    assert "NextToken" not in answer


def test_describe_projects_defaults_to_custom_labels(setup: Setup) -> None:
    create_project(setup.rekognition)
    assert setup.rekognition.describe_projects()["ProjectDescriptions"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"ProjectName": "labels"},
        {"ProjectName": "labels", "Feature": "CUSTOM_LABELS"},
        {"ProjectName": "no-auto-update", "Feature": "CONTENT_MODERATION"},
    ],
)
def test_only_moderation_projects_with_auto_update_are_made(setup: Setup, params: Any) -> None:
    with pytest.raises(ClientError) as caught:
        setup.rekognition.create_project(**params)
    assert error_code(caught) == "InvalidParameterException"


def test_a_taken_project_name_is_resource_in_use(setup: Setup) -> None:
    create_project(setup.rekognition)
    with pytest.raises(ClientError) as caught:
        create_project(setup.rekognition)
    assert error_code(caught) == "ResourceInUseException"


def test_a_bad_project_name_is_a_validation_error(setup: Setup) -> None:
    with pytest.raises(ClientError) as caught:
        create_project(setup.rekognition, "not a valid name!")
    assert error_code(caught) == "ValidationException"


def test_projects_are_per_region(setup: Setup) -> None:
    arn = create_project(setup.rekognition)
    europe = rekognition(setup.stand_in, "eu-west-1")
    assert europe.describe_projects(Features=["CONTENT_MODERATION"])["ProjectDescriptions"] == []
    with pytest.raises(ClientError) as caught:
        europe.describe_project_versions(ProjectArn=arn)
    assert error_code(caught) == "ResourceNotFoundException"
    european = create_project(europe)
    assert ":eu-west-1:" in european


def test_project_pages_and_name_filter(setup: Setup) -> None:
    names = [f"project-{n}" for n in range(5)]
    for name in names:
        create_project(setup.rekognition, name)
    seen: list[str] = []
    token, pages = None, 0
    while True:
        extra: dict[str, str] = {"NextToken": token} if token else {}
        answer = setup.rekognition.describe_projects(
            Features=["CONTENT_MODERATION"], MaxResults=2, **extra
        )
        seen += [p["ProjectArn"].split("/")[1] for p in answer["ProjectDescriptions"]]
        pages += 1
        token = answer.get("NextToken")
        if token is None:
            break
    assert (seen, pages) == (names, 3)
    paginator = setup.rekognition.get_paginator("describe_projects")
    filtered = paginator.paginate(
        Features=["CONTENT_MODERATION"],
        ProjectNames=["project-1", "project-3"],
        PaginationConfig={"PageSize": 1},
    ).build_full_result()
    assert [p["ProjectArn"].split("/")[1] for p in filtered["ProjectDescriptions"]] == [
        "project-1",
        "project-3",
    ]


def test_a_forged_page_token_is_refused(setup: Setup) -> None:
    with pytest.raises(ClientError) as caught:
        setup.rekognition.describe_projects(Features=["CONTENT_MODERATION"], NextToken="bogus")
    assert error_code(caught) == "InvalidPaginationTokenException"


def test_a_project_with_versions_cannot_be_deleted(setup: Setup) -> None:
    arn = create_project(setup.rekognition)
    setup.train(arn, "v1")
    with pytest.raises(ClientError) as caught:
        setup.rekognition.delete_project(ProjectArn=arn)
    assert error_code(caught) == "ResourceInUseException"


def test_delete_a_version_then_its_project(setup: Setup) -> None:
    arn = create_project(setup.rekognition)
    version_arn = setup.train(arn, "v1")["ProjectVersionArn"]
    assert setup.rekognition.delete_project_version(ProjectVersionArn=version_arn)["Status"] == (
        "DELETING"
    )
    assert (
        setup.rekognition.describe_project_versions(ProjectArn=arn)["ProjectVersionDescriptions"]
        == []
    )
    assert setup.rekognition.delete_project(ProjectArn=arn)["Status"] == "DELETING"
    assert (
        setup.rekognition.describe_projects(Features=["CONTENT_MODERATION"])["ProjectDescriptions"]
        == []
    )
    with pytest.raises(ClientError) as caught:
        setup.rekognition.delete_project(ProjectArn=arn)
    assert error_code(caught) == "ResourceNotFoundException"
    assert create_project(setup.rekognition) != arn


# -- versions ----------------------------------------------------------------------------------


def test_version_lifecycle(setup: Setup) -> None:
    arn = create_project(setup.rekognition)
    request = version_request(arn, "v1", setup.manifest, None, setup.bucket)
    version_arn = setup.rekognition.create_project_version(**request)["ProjectVersionArn"]
    assert version_arn.startswith(f"{arn.rsplit('/', 1)[0]}/version/v1/")
    assert describe_version(setup.rekognition, arn, "v1")["Status"] == "TRAINING_IN_PROGRESS"
    setup.stand_in.advance(TRAINING_SECONDS - 1)
    assert describe_version(setup.rekognition, arn, "v1")["Status"] == "TRAINING_IN_PROGRESS"
    setup.stand_in.advance(1)
    done = describe_version(setup.rekognition, arn, "v1")
    assert done["Status"] == "TRAINING_COMPLETED", done["StatusMessage"]
    assert done["FeatureConfig"] == {"ContentModeration": {"ConfidenceThreshold": 50.0}}
    assert 0.0 <= done["EvaluationResult"]["F1Score"] <= 1.0


def test_version_errors(setup: Setup) -> None:
    arn = create_project(setup.rekognition)
    request = version_request(arn, "v1", setup.manifest, None, setup.bucket)
    setup.rekognition.create_project_version(**request)
    cases = [
        (request, "ResourceInUseException"),
        (
            {
                **request,
                "ProjectArn": arn.replace("/moderation/", "/nothing/"),
                "VersionName": "v2",
            },
            "ResourceNotFoundException",
        ),
        (
            version_request(arn, "v3", f"s3://{setup.bucket}/missing.manifest", None, setup.bucket),
            "InvalidParameterException",
        ),
        (
            version_request(arn, "v4", setup.manifest, None, f"{setup.bucket}-missing"),
            "InvalidParameterException",
        ),
        ({**request, "VersionName": "v5", "TestingData": {}}, "InvalidParameterException"),
        (
            {
                **request,
                "VersionName": "v6",
                "TestingData": {**request["TrainingData"], "AutoCreate": True},
            },
            "InvalidParameterException",
        ),
        (
            {k: v for k, v in request.items() if k != "TrainingData"} | {"VersionName": "v7"},
            "InvalidParameterException",
        ),
    ]
    for params, code in cases:
        with pytest.raises(ClientError) as caught:
            setup.rekognition.create_project_version(**params)
        assert error_code(caught) == code, params["VersionName"]


def test_version_pages_newest_first_and_name_filter(setup: Setup) -> None:
    arn = create_project(setup.rekognition)
    for number in range(5):
        setup.train(arn, f"v{number}")
    paginator = setup.rekognition.get_paginator("describe_project_versions")
    pages = list(paginator.paginate(ProjectArn=arn, PaginationConfig={"PageSize": 2}))
    assert len(pages) == 3
    names = [
        d["ProjectVersionArn"].split("/")[3] for p in pages for d in p["ProjectVersionDescriptions"]
    ]
    assert names == ["v4", "v3", "v2", "v1", "v0"]
    chosen = setup.rekognition.describe_project_versions(ProjectArn=arn, VersionNames=["v1", "v3"])
    assert [d["ProjectVersionArn"].split("/")[3] for d in chosen["ProjectVersionDescriptions"]] == [
        "v3",
        "v1",
    ]


def test_training_versions_cannot_be_deleted_and_adapters_not_stopped(setup: Setup) -> None:
    arn = create_project(setup.rekognition)
    request = version_request(arn, "v1", setup.manifest, None, setup.bucket)
    version_arn = setup.rekognition.create_project_version(**request)["ProjectVersionArn"]
    with pytest.raises(ClientError) as caught:
        setup.rekognition.delete_project_version(ProjectVersionArn=version_arn)
    assert error_code(caught) == "ResourceInUseException"
    for _ in range(2):
        with pytest.raises(ClientError) as caught:
            setup.rekognition.stop_project_version(ProjectVersionArn=version_arn)
        assert error_code(caught) == "InvalidParameterException"
        setup.stand_in.advance(TRAINING_SECONDS)
    with pytest.raises(ClientError) as caught:
        setup.rekognition.stop_project_version(ProjectVersionArn=version_arn + "0")
    assert error_code(caught) == "ResourceNotFoundException"


def test_concurrent_trainings_limit() -> None:
    config = AdapterTrainingConfig(max_concurrent_trainings=1)
    with adapter_stand_in(config=config) as stand_in:
        setup = make_setup(stand_in)
        arn = create_project(setup.rekognition)
        setup.rekognition.create_project_version(
            **version_request(arn, "v1", setup.manifest, None, setup.bucket)
        )
        with pytest.raises(ClientError) as caught:
            setup.rekognition.create_project_version(
                **version_request(arn, "v2", setup.manifest, None, setup.bucket)
            )
        assert error_code(caught) == "LimitExceededException"
        stand_in.advance(TRAINING_SECONDS)
        setup.rekognition.create_project_version(
            **version_request(arn, "v2", setup.manifest, None, setup.bucket)
        )


# -- failed trainings --------------------------------------------------------------------------


def test_forced_failure_ends_in_training_failed(setup: Setup) -> None:
    setup.stand_in.faults.fail("doomed", "Injected: the training cluster vanished")
    arn = create_project(setup.rekognition)
    failed = setup.train(arn, "doomed")
    assert failed["Status"] == "TRAINING_FAILED"
    assert failed["StatusMessage"] == "Injected: the training cluster vanished"
    assert "EvaluationResult" not in failed and "BillableTrainingTimeInSeconds" not in failed
    assert "TrainingEndTimestamp" in failed
    with pytest.raises(ClientError) as caught:
        setup.rekognition.detect_moderation_labels(
            Image={"S3Object": {"Bucket": setup.bucket, "Name": "images/0000.png"}},
            ProjectVersion=failed["ProjectVersionArn"],
        )
    assert error_code(caught) == "ResourceNotReadyException"


def broken(setup: Setup, case: str) -> tuple[bytes, int]:
    """A training manifest whose line 3 is broken in the way ``case`` names."""
    lines = [dict(line) for line in setup.lines]
    other = new_bucket(setup.s3)
    setup.s3.put_object(Bucket=other, Key="elsewhere.png", Body=b"\x89PNG")
    third = {
        "no source-ref": {"content-moderation-groundtruth": {"ModerationLabels": []}},
        "not an s3 uri": labeled_line("https://example.com/1.png", []),
        "missing image": labeled_line(f"s3://{setup.bucket}/images/none.png", []),
        "another bucket": labeled_line(f"s3://{other}/elsewhere.png", []),
        "unknown label": labeled_line(lines[2]["source-ref"], ["Ketchup"]),
        "no ground truth": {"source-ref": lines[2]["source-ref"]},
        "label without name": {
            **lines[2],
            "content-moderation-groundtruth": {"ModerationLabels": [{}]},
        },
    }
    body = [orjson.dumps(line) for line in lines]
    body[2] = b'{"source-ref": ' if case == "invalid json" else orjson.dumps(third[case])
    return b"\n".join(body) + b"\n", 3


@pytest.mark.parametrize(
    "case",
    [
        "invalid json",
        "no source-ref",
        "not an s3 uri",
        "missing image",
        "another bucket",
        "unknown label",
        "no ground truth",
        "label without name",
    ],
)
def test_a_malformed_manifest_fails_training_naming_manifest_and_line(
    setup: Setup, case: str
) -> None:
    body, line = broken(setup, case)
    setup.s3.put_object(Bucket=setup.bucket, Key="broken.manifest", Body=body)
    uri = f"s3://{setup.bucket}/broken.manifest"
    failed = setup.train(create_project(setup.rekognition), "v1", uri)
    assert failed["Status"] == "TRAINING_FAILED"
    assert f"The training manifest is invalid: {uri}, line {line}: " in failed["StatusMessage"]


def test_a_too_small_manifest_fails_training(setup: Setup) -> None:
    uri = setup.put("small.manifest", setup.lines[:5])
    failed = setup.train(create_project(setup.rekognition), "v1", uri)
    assert failed["Status"] == "TRAINING_FAILED"
    assert uri in failed["StatusMessage"] and "at least 20" in failed["StatusMessage"]


# -- DetectModerationLabels --------------------------------------------------------------------


def test_detect_errors(setup: Setup) -> None:
    arn = create_project(setup.rekognition)
    request = version_request(arn, "v1", setup.manifest, None, setup.bucket)
    version_arn = setup.rekognition.create_project_version(**request)["ProjectVersionArn"]
    image = {"S3Object": {"Bucket": setup.bucket, "Name": "images/0000.png"}}
    with pytest.raises(ClientError) as caught:
        setup.rekognition.detect_moderation_labels(Image=image, ProjectVersion=version_arn)
    assert error_code(caught) == "ResourceNotReadyException"
    setup.stand_in.advance(TRAINING_SECONDS)
    assert setup.rekognition.detect_moderation_labels(Image=image, ProjectVersion=version_arn)
    missing = {"S3Object": {"Bucket": setup.bucket, "Name": "images/none.png"}}
    with pytest.raises(ClientError) as caught:
        setup.rekognition.detect_moderation_labels(Image=missing, ProjectVersion=version_arn)
    assert error_code(caught) == "InvalidS3ObjectException"
    with pytest.raises(ClientError) as caught:
        setup.rekognition.detect_moderation_labels(Image=image, ProjectVersion=version_arn + "1")
    assert error_code(caught) == "ResourceNotFoundException"


def test_detect_with_a_perfect_adapter_finds_the_manifest_truth_of_plain_images() -> None:
    config = AdapterTrainingConfig(adapter_accuracy=1.0)
    with adapter_stand_in(config=config) as stand_in:
        setup = make_setup(stand_in)
        version_arn = setup.train(create_project(setup.rekognition), "v1")["ProjectVersionArn"]
        for number, truth in enumerate(LABELS):
            image = {"S3Object": {"Bucket": setup.bucket, "Name": f"images/{number:04d}.png"}}
            every = setup.rekognition.detect_moderation_labels(
                Image=image, ProjectVersion=version_arn, MinConfidence=0
            )["ModerationLabels"]
            found = setup.rekognition.detect_moderation_labels(
                Image=image, ProjectVersion=version_arn
            )["ModerationLabels"]
            assert {label["Name"] for label in found} == set(truth)
            assert {(x["Name"], x["ParentName"], x["TaxonomyLevel"]) for x in every} == {
                ("Rude Gesture", "", 1),
                ("Nudity", "Explicit Nudity", 3),
                ("Middle Finger", "Rude Gestures", 2),
            }
            confidences = [x["Confidence"] for x in every]
            assert confidences == sorted(confidences, reverse=True)


def test_detect_without_an_adapter_answers_the_base_model(setup: Setup) -> None:
    answer = setup.rekognition.detect_moderation_labels(
        Image={"S3Object": {"Bucket": setup.bucket, "Name": "images/0000.png"}}
    )
    assert answer["ModerationModelVersion"] == "7.0"
    assert "ProjectVersion" not in answer
    assert answer["ModerationLabels"] == []  # no truth record: the base model sees nothing unsafe
