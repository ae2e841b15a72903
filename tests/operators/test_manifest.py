"""The chain and merge operators on the stand-in: what they write, return, skip and refuse."""

from __future__ import annotations

import math
from typing import Any

import pytest

from airflow_gt.compat import AirflowSkipException
from airflow_gt.exceptions import ConfigurationError, EmptySelectionError, MergeError, NameRuleError
from airflow_gt.labeling.names import default_job_name
from airflow_gt.local import LocalAws
from airflow_gt.operators.ground_truth import GroundTruthCreateLabelingJobOperator
from airflow_gt.operators.manifest import ManifestChainOperator, ManifestMergeOperator
from airflow_gt.workforce import measure_workforce
from tests.airflow_support import Inputs, RunningClock, TaskInstanceStub, task_context
from tests.local.labeling import read_lines
from tests.operators.labeled import label_boxes, put_lines

TI = TaskInstanceStub(task_id="chain")


@pytest.fixture
def labeled(aws: LocalAws, inputs: Inputs) -> dict[str, Any]:
    """The result of a completed bounding-box job over ``inputs``."""
    return label_boxes(aws, inputs)


def chain(inputs: Inputs, labeled: dict[str, Any], **options: Any) -> ManifestChainOperator:
    arguments: dict[str, Any] = {
        "task_id": TI.task_id, "source": labeled,
        "destination": f"s3://{inputs.bucket}/chained/verify.manifest",
        "new_label_attribute": "verify-bounding-box", "follow_up": "VerificationBoundingBox",
    }
    arguments.update(options)
    return ManifestChainOperator(**arguments)


def lowest_confidence(line: dict[str, Any]) -> float:
    return min(o["confidence"] for o in line["bounding-box-metadata"]["objects"])


def test_the_lowest_confidence_half_goes_to_the_follow_up_input_whole(
    labeled: dict[str, Any], inputs: Inputs, aws_s3: Any
) -> None:
    task = chain(inputs, labeled, destination=f"s3://{inputs.bucket}/chained/", status="labeled",
                 lowest_quantile=0.5)
    assert task.multiple_outputs is True
    result = task.execute(task_context(TI))
    name = default_job_name(TI.dag_id, TI.task_id, TI.run_id)
    assert result["manifest_uri"] == f"s3://{inputs.bucket}/chained/{name}/chain.manifest"
    assert result["source"] == labeled["output_manifest_uri"]
    assert (result["label_attribute"], result["new_label_attribute"]) == (
        "bounding-box", "verify-bounding-box"
    )
    output = [line for line in read_lines(aws_s3, labeled["output_manifest_uri"])
              if line["bounding-box"]["annotations"]]
    kept = read_lines(aws_s3, result["manifest_uri"])
    assert result["lines_read"] == inputs.objects
    assert result["lines_written"] == len(kept) == math.ceil(len(output) / 2)
    assert all(line in output for line in kept)  # every key passes through unchanged
    threshold = max(lowest_confidence(line) for line in kept)
    assert all(lowest_confidence(line) >= threshold for line in output if line not in kept)


def test_templated_numbers_rendered_as_text_are_read_as_numbers(
    labeled: dict[str, Any], inputs: Inputs, aws_s3: Any
) -> None:
    result = chain(inputs, labeled, status="labeled", sample_size="2", seed="7",
                   confidence_below="1.0").execute(task_context(TI))
    assert result["lines_written"] == len(read_lines(aws_s3, result["manifest_uri"])) == 2
    with pytest.raises(ConfigurationError) as caught:
        chain(inputs, labeled, lowest_quantile="half").execute(task_context(TI))
    assert caught.value.parameter == "lowest_quantile"


def test_a_selection_that_keeps_nothing_skips_fails_or_goes_on(
    labeled: dict[str, Any], inputs: Inputs
) -> None:
    nothing = {"class_names": ["unicorn"]}
    with pytest.raises(AirflowSkipException, match="kept none of its 6 lines"):
        chain(inputs, labeled, **nothing).execute(task_context(TI))
    with pytest.raises(EmptySelectionError):
        chain(inputs, labeled, on_empty="fail", **nothing).execute(task_context(TI))
    result = chain(inputs, labeled, on_empty="continue", **nothing).execute(task_context(TI))
    assert result["lines_written"] == 0


def test_the_new_label_attribute_is_checked_for_the_follow_up_task(
    labeled: dict[str, Any], inputs: Inputs
) -> None:
    with pytest.raises(NameRuleError):
        chain(inputs, labeled, new_label_attribute="verify-ref").execute(task_context(TI))
    with pytest.raises(ConfigurationError, match="class_names"):
        chain(inputs, labeled, class_names="dog").execute(task_context(TI))
    with pytest.raises(ConfigurationError, match="on_empty"):
        chain(inputs, labeled, on_empty="ignore")


def object_lines(bucket: str, count: int, **keys: Any) -> list[dict[str, Any]]:
    return [{"source-ref": f"s3://{bucket}/images/{n}.png", **keys} for n in range(count)]


def merge(inputs: Inputs, sources: list[Any], **options: Any) -> ManifestMergeOperator:
    return ManifestMergeOperator(
        task_id="merge", sources=sources,
        destination=f"s3://{inputs.bucket}/merged/all.manifest", **options,
    )


def test_merging_joins_on_the_source_and_leaves_skipped_sources_out(
    aws: LocalAws, inputs: Inputs, aws_s3: Any
) -> None:
    first = put_lines(aws_s3, f"s3://{inputs.bucket}/a.manifest",
                      object_lines(inputs.bucket, 3, boxes="b"))
    second = put_lines(aws_s3, f"s3://{inputs.bucket}/b.manifest",
                       object_lines(inputs.bucket, 2, verdict="good"))
    result = merge(inputs, [first, None, {"manifest_uri": second}]).execute(task_context())
    assert result["sources"] == [first, second]
    assert (result["lines_written"], result["missing_count"]) == (3, 1)
    assert result["issues"] == [f"'s3://{inputs.bucket}/images/2.png' is missing from {second}"]
    lines = read_lines(aws_s3, result["manifest_uri"])
    assert [sorted(line) for line in lines] == [["boxes", "source-ref", "verdict"]] * 2 + [
        ["boxes", "source-ref"]]


def test_one_source_left_is_copied_and_none_left_is_an_error(
    aws: LocalAws, inputs: Inputs, aws_s3: Any
) -> None:
    only = put_lines(aws_s3, f"s3://{inputs.bucket}/a.manifest", object_lines(inputs.bucket, 2))
    result = merge(inputs, [None, only]).execute(task_context())
    assert result["lines_written"] == 2
    assert read_lines(aws_s3, result["manifest_uri"]) == read_lines(aws_s3, only)
    with pytest.raises(ConfigurationError, match="every source is None"):
        merge(inputs, [None, None]).execute(task_context())


def test_conflicting_values_fail_unless_the_first_wins(
    aws: LocalAws, inputs: Inputs, aws_s3: Any
) -> None:
    first = put_lines(aws_s3, f"s3://{inputs.bucket}/a.manifest",
                      object_lines(inputs.bucket, 1, verdict="good"))
    second = put_lines(aws_s3, f"s3://{inputs.bucket}/b.manifest",
                       object_lines(inputs.bucket, 1, verdict="bad"))
    with pytest.raises(MergeError, match="'verdict' has different values"):
        merge(inputs, [first, second]).execute(task_context())
    result = merge(inputs, [first, second], on_conflict="first").execute(task_context())
    assert result["conflict_count"] == 1
    assert read_lines(aws_s3, result["manifest_uri"])[0]["verdict"] == "good"
    with pytest.raises(ConfigurationError, match="on_missing"):
        merge(inputs, [first, second], on_missing="ignore")


def test_the_objects_workers_agreed_on_least_go_to_a_relabeling_job(
    aws: LocalAws, inputs: Inputs, aws_s3: Any
) -> None:
    classify = GroundTruthCreateLabelingJobOperator(
        task_id="classify", poll_interval=0.01, **inputs.job_arguments(
            labeling_task_type="ImageMultiClass", label_attribute_name="animal",
            workers_per_object=3,
        ),
    )
    with RunningClock(aws):
        labeled = classify.execute(task_context())
    output = labeled["output_manifest_uri"]
    measures = measure_workforce(output.removesuffix("/manifests/output/output.manifest"),
                                 s3_client=aws_s3)
    below = [o.source for o in sorted(measures.objects, key=lambda o: o.index)
             if o.agreement is not None and o.agreement < 1]
    assert 0 < len(below) < inputs.objects
    options = {"new_label_attribute": "animal-again", "follow_up": None}
    # The job's folder is told from the source, its result, or given as its result.
    result = chain(inputs, labeled, agreement_below="1.0", **options).execute(task_context(TI))
    assert [line["source-ref"] for line in read_lines(aws_s3, result["manifest_uri"])] == below
    copy = put_lines(aws_s3, f"s3://{inputs.bucket}/copy.manifest", read_lines(aws_s3, output))
    result = chain(inputs, labeled, source=copy, job_output=labeled, agreement_below=1,
                   **options).execute(task_context(TI))
    assert [line["source-ref"] for line in read_lines(aws_s3, result["manifest_uri"])] == below
    with pytest.raises(ConfigurationError) as caught:
        chain(inputs, labeled, source=copy, agreement_below=1, **options
              ).execute(task_context(TI))
    assert caught.value.parameter == "job_output"
