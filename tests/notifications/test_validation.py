"""The alert of a failed manifest validation: subject, counts, failed expectations, report."""

from __future__ import annotations

from typing import Any

from airflow_gt.notifications.data_quality import SUBJECT_LIMIT
from airflow_gt.notifications.validation import MAX_LISTED, validation_alert

REPORTS = {"json": "s3://b/out/validation-report.json", "html": "s3://b/out/validation-report.html"}


def failed(rule: str, unexpected: int, lines: list[int], **extra: Any) -> dict[str, Any]:
    return {"expectation": "expect_column_values_to_be_between", "column": "width",
            "unexpected_count": unexpected, "label_attribute": "bounding-box", "rule": rule,
            "observed_value": None, "sample_lines": lines, **extra}


def summary(*failures: dict[str, Any], reports: bool = True) -> dict[str, Any]:
    result: dict[str, Any] = {
        "success": False, "source": "s3://b/out/output.manifest", "job_type": "object-detection",
        "label_attribute": "bounding-box", "objects": 12, "labeled": 11, "failed": 1,
        "failed_expectations": list(failures),
        "label_attributes": [
            {"label_attribute": "bounding-box", "job_type": "object-detection", "success": False,
             "labeled": 11, "failed": 1, "expectations": 27,
             "failed_expectations": len(failures)},
            {"label_attribute": "verify-bounding-box", "job_type": "label-verification",
             "success": True, "labeled": 4, "failed": 0, "expectations": 19,
             "failed_expectations": 0},
        ],
    }
    if reports:
        result["reports"] = REPORTS
    return result


def test_the_message_has_the_counts_each_failure_and_the_report() -> None:
    checked = summary(
        failed("a box has a positive width", 2, [3, 9]),
        failed("the share of failed lines stays under max_failed_fraction", 0, [],
               expectation="expect_column_mean_to_be_between", column="failed",
               observed_value=0.25),
    )
    alert = validation_alert(checked, where="chained.validate_boxes", run_id="manual__1")
    assert alert.subject == (
        "Data quality: bounding-box failed 2 expectations in chained.validate_boxes"
    )
    message = alert.message
    assert "Manifest validation failed in chained.validate_boxes (run manual__1)." in message
    assert "Manifest: s3://b/out/output.manifest" in message
    assert "Objects: 12 lines" in message
    assert ("bounding-box (object-detection): 11 labeled, 1 failed; 2 of 27 expectations failed"
            in message)
    assert "verify-bounding-box (label-verification): 4 labeled, 0 failed; 0 of 19" in message
    assert ("- bounding-box: a box has a positive width [expect_column_values_to_be_between on "
            "width]: 2 unexpected; sample lines 3, 9") in message
    assert "on failed]: observed 0.25" in message
    assert f"Report: {REPORTS['html']}" in message
    assert f"Summary (JSON): {REPORTS['json']}" in message
    assert alert.report_uri == REPORTS["html"]
    assert alert.summary == checked


def test_one_failure_is_singular_and_no_report_is_no_report_line() -> None:
    alert = validation_alert(summary(failed("r", 1, [1]), reports=False), where="d.t")
    assert "failed 1 expectation in" in alert.subject
    assert "Report:" not in alert.message
    assert alert.report_uri is None
    assert "(run" not in alert.message


def test_many_failures_are_listed_up_to_a_limit_and_the_subject_fits_sns() -> None:
    failures = [failed(f"rule {n}", n + 1, [n + 1]) for n in range(MAX_LISTED + 5)]
    alert = validation_alert(summary(*failures), where="d" * 80 + ".t")
    assert alert.message.count("\n  - ") == MAX_LISTED
    assert "... and 5 more (see the report)" in alert.message
    assert alert.subject == "Data quality: bounding-box failed 25 expectations"
    assert len(validation_alert(summary(), where="d.t").subject) < SUBJECT_LIMIT
    long_attribute = {**summary(), "label_attribute": "a" * 120}
    assert validation_alert(long_attribute, where="d.t").subject == (
        "Data quality: a manifest failed 0 expectations"
    )
