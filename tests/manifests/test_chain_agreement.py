"""Chaining on agreement: the lines whose workers agreed least go to a re-labeling job.

A hand-made job folder (``<output path>/<job name>`` as Ground Truth writes it, copied locally)
whose agreements are worked out by hand, and one job run on the stand-in over S3.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import orjson
import pytest

from airflow_gt.cli import main
from airflow_gt.exceptions import ConfigurationError
from airflow_gt.local import LocalAws
from airflow_gt.manifests.chaining import Selection, chain_manifest, select_lines
from airflow_gt.manifests.layout import OUTPUT_MANIFEST, job_output_of
from airflow_gt.manifests.reader import read_manifest
from airflow_gt.manifests.writer import write_manifest
from airflow_gt.workforce import measure_workforce
from tests.conftest import client
from tests.local.labeling import labeling_request, put_categories, put_json_lines, read_lines

JOB = "pets-2026"
CLASSES = ("cat", "dog", "bird")
DATE = "2026-01-01T00:00:05.000000"

# index: (consolidated class or None if the object failed, confidence, the three answers)
OBJECTS: list[tuple[str | None, float, tuple[str, str, str]]] = [
    ("cat", 0.95, ("cat", "cat", "cat")),  # 0: 3/3 = 1.0
    ("dog", 0.70, ("dog", "dog", "cat")),  # 1: 2/3 = 0.667, below 0.7
    ("cat", 0.50, ("cat", "dog", "bird")),  # 2: 1/3 = 0.333, below 0.7
    (None, 0.00, ("cat", "dog", "bird")),  # 3: failed, no consolidated label: None
    ("bird", 0.90, ("bird", "bird", "cat")),  # 4: 2/3 = 0.667, below 0.7
    ("dog", 0.99, ("dog", "dog", "dog")),  # 5: 3/3 = 1.0
]
BELOW_07 = [1, 2, 4]
"""The indexes (0-based) whose agreement is below 0.7; the failed object 3 has none."""


def image(index: int) -> str:
    return f"s3://pets/images/{index}.jpg"


def output_line(index: int) -> dict[str, Any]:
    class_name, confidence, _ = OBJECTS[index]
    metadata: dict[str, Any] = {
        "type": "groundtruth/image-classification", "job-name": f"labeling-job/{JOB}",
        "human-annotated": "yes", "creation-date": DATE,
    }
    if class_name is None:
        metadata["failure-reason"] = "ClientError: The consolidation found no answer to keep."
        return {"source-ref": image(index), "animal-metadata": metadata}
    metadata |= {"class-name": class_name, "confidence": confidence}
    return {"source-ref": image(index), "animal": CLASSES.index(class_name),
            "animal-metadata": metadata}


def make_job(root: Path) -> Path:
    """``root/<job>``: its output manifest and one worker-response file per answer."""
    folder = root / JOB
    manifest = folder / OUTPUT_MANIFEST
    manifest.parent.mkdir(parents=True)
    write_manifest(manifest, [output_line(i) for i in range(len(OBJECTS))])
    for index, (_, _, answers) in enumerate(OBJECTS):
        responses = folder / f"annotations/worker-response/iteration-1/{index}"
        responses.mkdir(parents=True)
        for worker, answer in enumerate(answers, 1):
            document = {"answers": [{
                "workerId": f"w{worker}",
                "answerContent": {"crowd-image-classifier": {"label": answer}},
                "timeSpentInSeconds": 3.0,
                "acceptanceTime": f"2026-01-01T00:00:0{worker}.000Z",
                "submissionTime": f"2026-01-01T00:00:0{worker + 3}.000Z",
            }]}
            (responses / f"2026-01-01_00:00:0{worker + 3}.json").write_bytes(
                orjson.dumps(document)
            )
    return folder


@pytest.fixture
def job(tmp_path: Path) -> Path:
    return make_job(tmp_path / "output")


def kept(source: Path | str, selection: Selection, **options: Any) -> list[int]:
    """The 0-based indexes of the lines ``selection`` keeps."""
    return [line - 1 for line, _ in select_lines(source, selection, **options)]


def test_the_hand_made_agreements_are_the_measured_ones(job: Path) -> None:
    measured = {o.index: o.agreement for o in measure_workforce(str(job)).objects}
    assert measured == pytest.approx({0: 1.0, 1: 2 / 3, 2: 1 / 3, 3: None, 4: 2 / 3, 5: 1.0})


def test_lines_agreed_on_below_the_threshold_are_kept_whole_and_in_order(
    job: Path, tmp_path: Path
) -> None:
    out = tmp_path / "relabel.manifest"
    result = chain_manifest(job / OUTPUT_MANIFEST, out, new_label_attribute="relabel",
                            selection=Selection(agreement_below=0.7))
    assert (result.lines_read, result.lines_written, result.label_attribute) == (6, 3, "animal")
    assert [record for _, record in read_manifest(out)] == [output_line(i) for i in BELOW_07]
    # Below, not at: the objects every worker agreed on are kept only by a threshold of 1.
    assert kept(job / OUTPUT_MANIFEST, Selection(agreement_below=2 / 3)) == [2]
    assert kept(job / OUTPUT_MANIFEST, Selection(agreement_below=1.0)) == BELOW_07


def test_the_failed_line_is_never_kept(job: Path) -> None:
    assert 3 not in kept(job / OUTPUT_MANIFEST, Selection(agreement_below=1.0))
    assert 3 not in kept(job / OUTPUT_MANIFEST, Selection(agreement_below=1.0, lowest_quantile=1))
    with pytest.raises(ConfigurationError, match="status"):
        Selection(status="failed", agreement_below=0.7)


def test_agreement_composes_with_classes_confidence_quantile_and_sample(job: Path) -> None:
    source = job / OUTPUT_MANIFEST
    below = Selection(agreement_below=0.7, class_names=frozenset({"dog", "bird"}))
    assert kept(source, below) == [1, 4]
    assert kept(source, Selection(agreement_below=0.7, confidence_below=0.8)) == [1, 2]
    # The least confident half (rounded up) of the three below 0.7: confidences 0.7, 0.5, 0.9.
    assert kept(source, Selection(agreement_below=0.7, lowest_quantile=0.5)) == [1, 2]
    for seed in range(5):
        sample = Selection(agreement_below=0.7, class_names=frozenset({"dog", "bird"}),
                           sample_size=1, seed=seed)
        chosen = kept(source, sample)
        assert len(chosen) == 1 and chosen[0] in (1, 4)
        assert kept(source, sample) == chosen  # the seed fixes it
    assert kept(source, Selection(agreement_below=0.7, sample_size=10)) == BELOW_07


def test_the_job_output_may_be_given_for_a_copy_of_its_manifest(job: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.manifest"
    copy.write_bytes((job / OUTPUT_MANIFEST).read_bytes())
    assert kept(copy, Selection(agreement_below=0.7), job_output=str(job)) == BELOW_07


def test_without_a_job_output_to_tell_agreement_below_is_refused(
    job: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "copy.manifest"
    copy.write_bytes((job / OUTPUT_MANIFEST).read_bytes())
    out = tmp_path / "out.manifest"
    with pytest.raises(ConfigurationError, match="give job_output") as caught:
        chain_manifest(copy, out, new_label_attribute="relabel",
                       selection=Selection(agreement_below=0.7))
    assert caught.value.parameter == "job_output"
    assert str(copy) in str(caught.value)
    assert not out.exists()
    with pytest.raises(ConfigurationError) as caught:
        select_lines(copy, Selection(agreement_below=0.7))
    assert caught.value.parameter == "job_output"
    # Without agreement_below no job output is needed.
    assert len(kept(copy, Selection(status="labeled"))) == 5


def test_a_source_that_is_not_the_jobs_manifest_line_for_line_is_refused(
    job: Path, tmp_path: Path
) -> None:
    shorter = tmp_path / "shorter.manifest"
    write_manifest(shorter, [output_line(i) for i in range(4)])
    out = tmp_path / "out.manifest"
    with pytest.raises(ConfigurationError, match="has 4 lines") as caught:
        chain_manifest(shorter, out, new_label_attribute="relabel",
                       selection=Selection(agreement_below=0.7), job_output=str(job))
    assert caught.value.parameter == "job_output"
    assert not out.exists()


@pytest.mark.parametrize("value", [0, -0.1, 1.5, float("nan")])
def test_agreement_below_must_be_in_zero_to_one(value: float) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Selection(agreement_below=value)
    assert caught.value.parameter == "agreement_below"


def test_the_job_output_is_told_from_an_output_manifest_path() -> None:
    assert job_output_of(f"s3://b/out/{JOB}/{OUTPUT_MANIFEST}") == f"s3://b/out/{JOB}"
    assert job_output_of(f"s3://b/{JOB}/{OUTPUT_MANIFEST}") == f"s3://b/{JOB}"
    assert job_output_of(f"s3://b/{OUTPUT_MANIFEST}") is None  # no job folder
    assert job_output_of(f"s3://b/{JOB}/{OUTPUT_MANIFEST}.bak") is None
    assert job_output_of("s3://b/chained/verify.manifest") is None
    assert job_output_of(Path("/data") / JOB / OUTPUT_MANIFEST) == f"/data/{JOB}"
    assert job_output_of(Path("/data") / "output.manifest") is None


def test_on_the_stand_in_the_kept_objects_are_those_measured_below(manual_aws: LocalAws) -> None:
    s3 = client("s3", manual_aws.endpoint_url)
    sagemaker = client("sagemaker", manual_aws.endpoint_url)
    bucket = f"agree-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket)
    manifest = put_json_lines(s3, bucket, "in.manifest",
                              [{"source-ref": f"s3://{bucket}/img/{i}.jpg"} for i in range(20)])
    request = labeling_request(
        s3, bucket, task="ImageMultiClass", manifest_uri=manifest,
        categories_uri=put_categories(s3, bucket, ["happy", "sad", "meh"]),
        label_attribute="mood", name="moods",
    )
    sagemaker.create_labeling_job(**request)

    def status() -> str:
        return str(sagemaker.describe_labeling_job(LabelingJobName="moods")["LabelingJobStatus"])

    manual_aws.run_until(lambda: status() in ("Completed", "Failed"))
    assert status() == "Completed"
    output = f"s3://{bucket}/output/moods/{OUTPUT_MANIFEST}"
    measures = measure_workforce(f"s3://{bucket}/output/moods", s3_client=s3)
    below = [o.source for o in sorted(measures.objects, key=lambda o: o.index)
             if o.agreement is not None and o.agreement < 0.9]
    assert 0 < len(below) < 20  # some objects were agreed on, some not
    destination = f"s3://{bucket}/relabel/in.manifest"
    result = chain_manifest(output, destination, new_label_attribute="mood-again",
                            selection=Selection(agreement_below=0.9), s3_client=s3)
    assert result.lines_written == len(below)
    assert [line["source-ref"] for line in read_lines(s3, destination)] == below


def test_the_command_keeps_the_lines_below_and_refuses_a_bad_value(
    job: Path, tmp_path: Path, capsys: Any
) -> None:
    source, out = str(job / OUTPUT_MANIFEST), str(tmp_path / "relabel.manifest")
    command = ["chain", source, "--out", out, "--new-label-attribute", "relabel"]
    assert main([*command, "--agreement-below", "0.7"]) == 0
    assert [record for _, record in read_manifest(out)] == [output_line(i) for i in BELOW_07]
    capsys.readouterr()
    copy = tmp_path / "copy.manifest"
    copy.write_bytes((job / OUTPUT_MANIFEST).read_bytes())
    other = str(tmp_path / "other.manifest")
    assert main(["chain", str(copy), "--out", other, "--new-label-attribute", "relabel",
                 "--agreement-below", "0.7", "--job-output", str(job)]) == 0
    assert [record for _, record in read_manifest(other)] == [output_line(i) for i in BELOW_07]
    capsys.readouterr()
    for bad in ("0", "1.5", "high"):
        assert main([*command, "--agreement-below", bad]) == 2
        assert "agreement" in capsys.readouterr().err
    assert main(["chain", str(copy), "--out", other, "--new-label-attribute", "relabel",
                 "--agreement-below", "0.7"]) == 2
    assert "job_output" in capsys.readouterr().err
