"""What differs between a request and an existing job's DescribeLabelingJob answer."""

from __future__ import annotations

from typing import Any

from airflow_gt.labeling.differences import category_differences, request_differences

REQUEST: dict[str, Any] = {
    "LabelingJobName": "job",
    "LabelAttributeName": "bounding-box",
    "InputConfig": {"DataSource": {"S3DataSource": {"ManifestS3Uri": "s3://b/in.manifest"}}},
    "HumanTaskConfig": {"NumberOfHumanWorkersPerDataObject": 3, "TaskKeywords": ["a", "b"]},
    "Tags": [{"Key": "run", "Value": "1"}],
}


def described(**changes: Any) -> dict[str, Any]:
    import copy

    answer = copy.deepcopy(REQUEST)
    answer.update({"LabelingJobStatus": "InProgress", "LabelingJobArn": "arn:x"})
    answer["HumanTaskConfig"]["MaxConcurrentTaskCount"] = 1000  # filled in by AWS
    for path, value in changes.items():
        target = answer
        *parents, leaf = path.split("__")
        for key in parents:
            target = target[key]
        if value is None:
            del target[leaf]
        else:
            target[leaf] = value
    return answer


def test_the_same_request_has_no_differences_despite_defaults_and_tags() -> None:
    assert request_differences(REQUEST, described(Tags=[{"Key": "run", "Value": "2"}])) == []


def test_each_differing_field_is_named_by_its_path_with_both_values() -> None:
    found = request_differences(REQUEST, described(
        HumanTaskConfig__NumberOfHumanWorkersPerDataObject=1,
        InputConfig__DataSource__S3DataSource__ManifestS3Uri="s3://b/other.manifest",
    ))
    assert found == [
        "InputConfig.DataSource.S3DataSource.ManifestS3Uri: the existing job has "
        "'s3://b/other.manifest', this task asks for 's3://b/in.manifest'",
        "HumanTaskConfig.NumberOfHumanWorkersPerDataObject: the existing job has 1, this task "
        "asks for 3",
    ]


def test_a_field_the_existing_job_lacks_and_a_reordered_list_are_differences() -> None:
    found = request_differences(REQUEST, described(
        LabelAttributeName=None, HumanTaskConfig__TaskKeywords=["b", "a"],
    ))
    assert [item.split(":")[0] for item in found] == [
        "LabelAttributeName", "HumanTaskConfig.TaskKeywords",
    ]
    assert "has none" in found[0]


def test_category_files_differ_by_their_labels_or_at_all() -> None:
    wanted = {"document-version": "2018-11-28", "labels": [{"label": "dog"}, {"label": "cat"}]}
    assert category_differences(wanted, dict(wanted)) == []
    other = {"document-version": "2018-11-28", "labels": [{"label": "dog"}]}
    assert category_differences(wanted, other) == [
        "label categories: the existing job has ['dog'], this task asks for ['dog', 'cat']"
    ]
    assert "differs" in category_differences(wanted, {**wanted, "instructions": {}})[0]
    assert "gone" in category_differences(wanted, None)[0]
