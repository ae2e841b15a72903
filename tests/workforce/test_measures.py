"""The measures of hand-made job folders, against figures worked out by hand."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from airflow_gt.exceptions import (
    ConfigurationError,
    ManifestNotFoundError,
    WorkerResponseError,
)
from airflow_gt.workforce import measure_workforce
from tests.workforce.job_folder import Answer, classification_job, label, write_job

# The classification job (job_folder.classification_job):
#
#   object  consolidated  w1    w2    w3     agreement
#   0       cat           cat   cat   dog    2/3
#   1       dog           dog   dog   dog    1
#   2       cat           cat   dog   bird   1/3
#   3       (failed)      cat   cat   cat    none
#
# Leave-one-out (two others answered everywhere, so the consensus of the other two decides;
# a tie between them leaves the answer unjudged):
#   w1: 0 tie (cat, dog); 1 dog = dog; 2 tie (dog, bird); 3 cat = cat      -> 2 of 2 judged
#   w2: 0 tie (cat, dog); 1 right;     2 tie (cat, bird); 3 right          -> 2 of 2
#   w3: 0 others cat, answered dog;    1 right; 2 tie (cat, dog); 3 right  -> 2 of 3
# Mean agreement: (2/3 + 1 + 1/3) / 3 = 2/3.
# Krippendorff's alpha, nominal: every unit has m = 3 values; D_o per unit (9 - sum c^2) / 2 is
# 2, 0, 3, 0 -> 5. Totals cat 6, dog 5, bird 1 (n = 12): D_e term 144 - 62 = 82.
#   alpha = 1 - (n - 1) * 5 / 82 = 1 - 55/82 = 27/82.
# Mean seconds: w1 (2+4+6+8)/4 = 5; w2 (3+5+7+9)/4 = 6; w3 has no time on object 2, whose
# submission minus acceptance time (3 s, the third file) stands in: (1+1+3+1)/4 = 1.5.


def test_the_classification_figures_are_the_hand_computed_ones(tmp_path: Path) -> None:
    measures = measure_workforce(str(classification_job(tmp_path)))
    assert (measures.job_name, measures.job_type) == ("job1", "image-classification")
    assert measures.label_attribute == "species"
    assert (len(measures.objects), measures.answers, measures.manifest_lines) == (4, 12, 4)
    assert [o.agreement for o in measures.objects] == [
        pytest.approx(2 / 3), 1.0, pytest.approx(1 / 3), None]
    assert measures.mean_agreement == pytest.approx(2 / 3)
    assert measures.alpha == pytest.approx(27 / 82)
    workers = {w.worker_id: w for w in measures.per_worker()}
    assert [(w.tasks, w.judged, w.accuracy) for w in workers.values()] == [
        (4, 2, 1.0), (4, 2, 1.0), (4, 3, pytest.approx(2 / 3))]
    assert [workers[w].mean_seconds for w in ("w1", "w2", "w3")] == [5.0, 6.0, 1.5]
    assert [(o.index, o.source) for o in measures.low_agreement()] == [
        (2, "s3://b/2.jpg"), (0, "s3://b/0.jpg")]


def _multilabel_line(classes: dict[str, str]) -> dict[str, object]:
    return {"source-ref": "s3://b/x.jpg", "tags": [int(k) for k in classes],
            "tags-metadata": {"job-name": "labeling-job/job1", "class-map": classes,
                              "confidence-map": {k: 0.9 for k in classes},
                              "type": "groundtruth/image-classification-multilabel",
                              "human-annotated": "yes",
                              "creation-date": "2026-01-01T00:00:00.000000"}}


def test_multi_label_agreement_is_the_mean_jaccard(tmp_path: Path) -> None:
    def labels(*names: str) -> dict[str, object]:
        return {"crowd-image-classifier-multi-select": {"labels": list(names)}}

    # Consolidated {a, b}: {a, b} 1, {a} 1/2, {a, b, c} 2/3 -> (1 + 1/2 + 2/3) / 3 = 13/18.
    # Leave-one-out, against what both others gave (decided), leaving out what one of the two
    # gave (undecided):
    #   w1: others {a}, {a,b,c}: decided {a}, undecided {b, c}: {a,b} less {b,c} = {a}: 1;
    #   w2: others {a,b}, {a,b,c}: decided {a, b}, undecided {c}: Jaccard({a}, {a,b}) = 1/2;
    #   w3: others {a,b}, {a}: decided {a}, undecided {b}: Jaccard({a,c}, {a}) = 1/2.
    folder = write_job(tmp_path, [_multilabel_line({"0": "a", "1": "b"})], [[
        Answer("w1", labels("a", "b")), Answer("w2", labels("a")),
        Answer("w3", labels("a", "b", "c"))]])
    measures = measure_workforce(str(folder))
    assert measures.job_type == "image-classification-multilabel"
    assert measures.objects[0].agreement == pytest.approx(13 / 18)
    assert measures.alpha is None
    assert [w.accuracy for w in measures.per_worker()] == [1.0, 0.5, 0.5]


def _box_line(boxes: list[tuple[int, int, int, int]]) -> dict[str, object]:
    return {"source-ref": "s3://b/x.jpg", "boxes": {
        "image_size": [{"width": 500, "height": 400, "depth": 3}],
        "annotations": [{"class_id": 0, "left": x, "top": y, "width": w, "height": h}
                        for x, y, w, h in boxes]},
        "boxes-metadata": {"objects": [{"confidence": 0.9} for _ in boxes],
                           "class-map": {"0": "dog"}, "type": "groundtruth/object-detection",
                           "human-annotated": "yes", "job-name": "job1",
                           "creation-date": "2026-01-01T00:00:00.000000"}}


def _boxes(*boxes: tuple[int, int, int, int]) -> dict[str, object]:
    return {"boundingBox": {"boundingBoxes": [
        {"label": "dog", "left": x, "top": y, "width": w, "height": h} for x, y, w, h in boxes],
        "inputImageProperties": {"width": 500, "height": 400}}}


def test_box_agreement_is_the_f1_of_boxes_matched_at_iou_one_half(tmp_path: Path) -> None:
    # Consolidated: one dog at (100, 100, 100, 100).
    # w1 draws it exactly: F1 1. w2 draws it at (160, 100, 100, 100): IoU 40*100 / (2*10000 -
    # 4000) = 0.25 < 0.5, unmatched: F1 0. w3 draws it and an extra box far away: 1 match of
    # 2 + 1 boxes: F1 2/3. Agreement (1 + 0 + 2/3) / 3 = 5/9.
    folder = write_job(tmp_path, [_box_line([(100, 100, 100, 100)])], [[
        Answer("w1", _boxes((100, 100, 100, 100))), Answer("w2", _boxes((160, 100, 100, 100))),
        Answer("w3", _boxes((100, 100, 100, 100), (400, 300, 50, 50)))]])
    measures = measure_workforce(str(folder))
    assert measures.objects[0].agreement == pytest.approx(5 / 9)
    # w2 against the consensus of w1 and w3: the box both drew is decided (the extra one, w3's
    # alone, is undecided): w2's box misses it, F1 0.
    assert {w.worker_id: w.accuracy for w in measures.per_worker()}["w2"] == 0.0


def test_span_agreement_is_the_f1_of_exact_spans(tmp_path: Path) -> None:
    line = {"source": "Alice met Bob", "ents": {"annotations": {
        "entities": [{"label": "PERSON", "startOffset": 0, "endOffset": 5},
                     {"label": "PERSON", "startOffset": 10, "endOffset": 13}],
        "labels": [{"label": "PERSON"}]}},
        "ents-metadata": {"entities": [{"confidence": 0.9}, {"confidence": 0.9}],
                          "type": "groundtruth/text-span", "job-name": "job1",
                          "human-annotated": "yes",
                          "creation-date": "2026-01-01T00:00:00.000000"}}

    def spans(*found: tuple[int, int]) -> dict[str, object]:
        return {"crowd-entity-annotation": {"entities": [
            {"label": "PERSON", "startOffset": s, "endOffset": e} for s, e in found]}}

    # Both spans: 1; one of two: 2*1/(1+2) = 2/3; one right, one off by one: 2*1/(2+2) = 1/2.
    folder = write_job(tmp_path, [line], [[
        Answer("w1", spans((0, 5), (10, 13))), Answer("w2", spans((0, 5))),
        Answer("w3", spans((0, 5), (9, 13)))]])
    measures = measure_workforce(str(folder))
    assert measures.objects[0].agreement == pytest.approx((1 + 2 / 3 + 1 / 2) / 3)


def test_segmentation_is_counted_and_timed_but_says_it_is_not_compared(tmp_path: Path) -> None:
    line = {"source-ref": "s3://b/x.jpg", "seg-ref": "s3://b/x.png", "seg-ref-metadata": {
        "internal-color-map": {"0": {"class-name": "BACKGROUND", "hex-color": "#ffffff",
                                     "confidence": 0.9}},
        "type": "groundtruth/semantic-segmentation", "human-annotated": "yes",
        "creation-date": "2026-01-01T00:00:00.000000", "job-name": "job1"}}
    content = {"crowd-semantic-segmentation": {"labeledImage": {"pngImageData": "AA=="}}}
    folder = write_job(tmp_path, [line], [[Answer("w1", content, 4), Answer("w2", content, 6)]])
    measures = measure_workforce(str(folder))
    assert measures.unmeasured is not None and "masks" in measures.unmeasured
    assert measures.mean_agreement is None
    assert [(w.tasks, w.judged, w.accuracy, w.mean_seconds) for w in measures.per_worker()] == [
        (1, 0, None, 4.0), (1, 0, None, 6.0)]


def test_an_answer_without_the_job_types_shape_names_its_file(tmp_path: Path) -> None:
    folder = classification_job(tmp_path)
    bad = folder / "annotations/worker-response/iteration-1/1/2026-01-01_00:00:01.json"
    bad.write_bytes(orjson.dumps({"answers": [{"workerId": "w2", "answerContent": {"x": 1}}]}))
    with pytest.raises(WorkerResponseError, match=r"iteration-1/1/2026-01-01_00:00:01.json: "
                       r"worker response: answers\[0\]: answerContent has no 'label'"):
        measure_workforce(str(folder))


def test_a_response_about_an_object_past_the_manifest_is_refused(tmp_path: Path) -> None:
    folder = write_job(tmp_path, [
        {"source-ref": "s3://b/0.jpg", "species": 0, "species-metadata": {
            "class-name": "cat", "type": "groundtruth/image-classification",
            "job-name": "job2", "human-annotated": "yes",
            "creation-date": "2026-01-01T00:00:00.000000"}}],
        [[Answer("w1", label("cat"))], [Answer("w1", label("cat"))]], name="job2")
    with pytest.raises(WorkerResponseError, match="data object 1 is not in the output manifest, "
                       "which has 1 lines"):
        measure_workforce(str(folder))


def test_a_missing_folder_or_manifest_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(ManifestNotFoundError):
        measure_workforce(str(tmp_path / "nothing"))


def test_a_job_without_labels_of_its_own_needs_the_attribute_named(tmp_path: Path) -> None:
    line = {"source-ref": "s3://b/0.jpg", "a": 0, "a-metadata": {
        "class-name": "cat", "type": "groundtruth/image-classification", "job-name": "other"},
        "b": 0, "b-metadata": {"class-name": "cat", "type": "groundtruth/image-classification",
                               "job-name": "another"}}
    folder = write_job(tmp_path, [line], [[Answer("w1", label("cat"))]])
    with pytest.raises(ConfigurationError, match="it has a, b"):
        measure_workforce(str(folder))
    assert measure_workforce(str(folder), label_attribute="b").label_attribute == "b"


def test_video_jobs_are_refused_by_name(tmp_path: Path) -> None:
    line = {"source-ref": "s3://b/v.json", "v": "s3://b/v-label.json", "v-metadata": {
        "type": "groundtruth/video-object-tracking", "job-name": "job1",
        "human-annotated": "yes", "creation-date": "2026-01-01T00:00:00.000000"}}
    folder = write_job(tmp_path, [line], [[Answer("w1", label("cat"))]])
    with pytest.raises(ConfigurationError, match="video-object-tracking is not one"):
        measure_workforce(str(folder))
