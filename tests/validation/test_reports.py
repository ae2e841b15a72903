"""The JSON summary and the HTML report of a validation, from results made by hand."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy
import pytest

from airflow_gt.exceptions import ManifestWriteError
from airflow_gt.validation.reports import (
    HTML_REPORT,
    JSON_REPORT,
    ReportLocations,
    render_html,
    render_text,
    summary_json,
    write_reports,
)
from airflow_gt.validation.results import (
    AttributeResult,
    ExpectationOutcome,
    FailingValue,
    ValidationResult,
)

SOURCE = "s3://labels/jobs/dogs/manifests/output/output.manifest"


def outcome(expectation: str, column: str, frame: str, rule: str, **fields: Any) -> Any:
    kwargs = fields.pop("kwargs", {"column": column})
    return ExpectationOutcome(expectation, column, frame, rule, kwargs, **fields)


def passing_attribute(name: str = "bounding-box") -> AttributeResult:
    return AttributeResult(
        label_attribute=name,
        job_type="object-detection",
        suite="object-detection",
        outcomes=[
            outcome("expect_column_values_to_not_be_null", "job_name", "labels",
                    "the metadata has a job-name", element_count=3),
            outcome("expect_column_values_to_be_between", "left", "boxes",
                    "a box starts inside the image", element_count=9,
                    kwargs={"column": "left", "min_value": 0}),
        ],
        labeled=3,
        failed=0,
    )


def failing_attribute(source: str = "s3://dogs/images/0002.jpg") -> AttributeResult:
    negative_width = outcome(
        "expect_column_values_to_be_between", "width", "boxes", "a box has a positive width",
        kwargs={"column": "width", "min_value": 1}, success=False, element_count=12,
        unexpected_count=2,
        samples=[FailingValue(2, source, -30), FailingValue(3, "s3://dogs/images/0003.jpg", 0)],
    )
    failed_share = outcome(
        "expect_column_mean_to_be_between", "failed", "lines",
        "the share of failed lines stays under max_failed_fraction",
        kwargs={"column": "failed", "min_value": 0, "max_value": 0.1}, success=False,
        element_count=4, observed_value=0.25, aggregate=True,
    )
    return AttributeResult(
        label_attribute="bounding-box",
        job_type="object-detection",
        suite="object-detection",
        outcomes=[
            outcome("expect_column_values_to_not_be_null", "job_name", "labels",
                    "the metadata has a job-name", element_count=3),
            negative_width,
            failed_share,
        ],
        labeled=3,
        failed=1,
    )


def passing_result(source: str = SOURCE) -> ValidationResult:
    return ValidationResult(source, 3, [passing_attribute()])


def failing_result(source: str = SOURCE, sample_source: str = "s3://dogs/images/0002.jpg"
                   ) -> ValidationResult:
    return ValidationResult(source, 4, [failing_attribute(sample_source)])


def chained_result() -> ValidationResult:
    """Two label attributes: a bounding-box job, then its adjustment that failed a rule."""
    adjusted = failing_attribute()
    adjusted.label_attribute = "adjusted-bounding-box"
    return ValidationResult(SOURCE, 4, [passing_attribute(), adjusted])


# --- JSON -----------------------------------------------------------------------------------


def test_summary_json_is_the_indented_sorted_summary() -> None:
    result = failing_result()
    data = summary_json(result)
    assert data.endswith(b"}\n")
    assert data == (json.dumps(result.summary(), indent=2, sort_keys=True) + "\n").encode()


def test_summary_json_fields_of_the_contract() -> None:
    summary = json.loads(summary_json(failing_result()))
    assert summary["success"] is False
    assert (summary["job_type"], summary["label_attribute"]) == ("object-detection", "bounding-box")
    assert (summary["objects"], summary["labeled"]) == (4, 3)
    assert [(f["expectation"], f["column"], f["unexpected_count"])
            for f in summary["failed_expectations"]] == [
        ("expect_column_values_to_be_between", "width", 2),
        ("expect_column_mean_to_be_between", "failed", 0),
    ]
    assert summary["failed_expectations"][0]["sample_lines"] == [2, 3]


def test_summary_json_one_line() -> None:
    data = summary_json(passing_result(), indent=False)
    assert data.count(b"\n") == 1 and data.endswith(b"\n")
    assert json.loads(data)["success"] is True


def test_summary_json_makes_numpy_and_nan_plain_json() -> None:
    result = failing_result()
    aggregate = result.attributes[0].outcomes[2]
    aggregate.observed_value = numpy.float64("nan")
    aggregate.unexpected_count = numpy.int64(0)  # type: ignore[assignment]
    summary = json.loads(summary_json(result))  # strict: NaN would not be JSON
    failed = summary["failed_expectations"][1]
    assert failed["observed_value"] is None
    assert failed["unexpected_count"] == 0


# --- HTML -----------------------------------------------------------------------------------


class Page(HTMLParser):
    """Collects the tags and the text of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(page: str) -> Page:
    parser = Page()
    parser.feed(page)
    parser.close()
    return parser


def visible_text(page: str) -> str:
    return " ".join(" ".join(parse(page).text).split())


def test_html_is_self_contained() -> None:
    page = render_html(failing_result())
    tags = {tag for tag, _ in parse(page).tags}
    assert page.startswith("<!DOCTYPE html>")
    assert "style" in tags
    assert not tags & {"script", "link", "img", "iframe", "object"}
    assert not re.search(r"https?://|url\(|@import", page)


def test_html_names_the_source_and_the_verdict() -> None:
    failed, passed = render_html(failing_result()), render_html(passing_result())
    assert f"<title>Validation of {SOURCE}</title>" in failed
    assert "Failed: 2 of 3 expectations did not hold." in visible_text(failed)
    assert 'class="banner failed"' in failed
    assert "Passed: all 2 expectations held." in visible_text(passed)
    assert 'class="banner passed"' in passed


def test_html_lists_every_expectation_with_its_counts() -> None:
    text = visible_text(render_html(failing_result()))
    for words in (
        "the metadata has a job-name", "expect_column_values_to_not_be_null", "labels.job_name",
        "0 unexpected of 3",
        "a box has a positive width", "boxes.width", "2 unexpected of 12 (16.67%)",
        "lines.failed", "observed 0.25 over 4 values (expected between 0 and 0.1)",
        "3 of 4 objects labeled, 1 failed; 1 of 3 expectations held",
    ):
        assert words in text


def test_html_shows_the_sample_failing_lines() -> None:
    text = visible_text(render_html(failing_result()))
    assert "line 2: s3://dogs/images/0002.jpg -30" in text
    assert "line 3: s3://dogs/images/0003.jpg 0" in text


def test_html_counts_samples_left_out() -> None:
    result = failing_result()
    result.attributes[0].outcomes[1].unexpected_count = 40_002
    assert "and 40,000 more" in visible_text(render_html(result))


def test_html_has_a_section_per_label_attribute() -> None:
    page = render_html(chained_result())
    ids = [attrs.get("id") for tag, attrs in parse(page).tags if tag == "h2"]
    assert ids == ["attribute-0", "attribute-1"]
    text = visible_text(page)
    assert "Label attribute bounding-box passed" in text
    assert "Label attribute adjusted-bounding-box failed" in text


def test_html_escapes_everything_from_the_data() -> None:
    hostile = "s3://b/<script>alert('x')</script>.manifest"
    result = failing_result(source=hostile, sample_source='s3://b/"><script>1</script>.jpg')
    result.attributes[0].outcomes[1].samples.append(FailingValue(4, None, "<b>&bold</b>"))
    result.attributes[0].label_attribute = "<img src=x>"
    page = render_html(result)
    assert "<script" not in page
    assert "<img" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "&quot;&lt;b&gt;&amp;bold&lt;/b&gt;&quot;" in page
    assert {tag for tag, _ in parse(page).tags}.isdisjoint({"script", "img", "b"})


def test_html_cuts_long_values() -> None:
    result = failing_result()
    result.attributes[0].outcomes[1].samples[0] = FailingValue(2, None, "x" * 5000)
    page = render_html(result)
    assert "x" * 198 + "…" in page
    assert "x" * 300 not in page


# --- text -----------------------------------------------------------------------------------


def test_text_gives_the_verdict_then_each_label_attribute() -> None:
    assert render_text(chained_result()).splitlines()[:4] == [
        f"source: {SOURCE}",
        "result: FAILED (2 of 5 expectations)",
        "objects: 4",
        "label attribute bounding-box (object-detection): passed, 3 of 4 objects labeled, "
        "0 failed, 2 of 2 expectations held",
    ]
    assert render_text(passing_result()).splitlines()[1] == "result: passed"


def test_text_lists_each_failed_expectation() -> None:
    lines = render_text(failing_result()).splitlines()
    assert lines[4:] == [
        "  failed: a box has a positive width",
        "    expect_column_values_to_be_between on boxes.width",
        "    2 unexpected of 12",
        "    sample lines: 2, 3",
        "  failed: the share of failed lines stays under max_failed_fraction",
        "    expect_column_mean_to_be_between on lines.failed",
        "    observed value: 0.25",
    ]


# --- writing --------------------------------------------------------------------------------


def test_write_reports_to_a_local_folder(tmp_path: Path) -> None:
    folder = tmp_path / "reports" / "run-1"
    result = failing_result()
    locations = write_reports(result, folder)
    assert locations == ReportLocations(
        json=str(folder / JSON_REPORT), html=str(folder / HTML_REPORT)
    )
    assert (folder / JSON_REPORT).read_bytes() == summary_json(result)
    assert (folder / HTML_REPORT).read_text(encoding="utf-8") == render_html(result)
    assert sorted(p.name for p in folder.iterdir()) == [HTML_REPORT, JSON_REPORT]


def test_write_reports_replaces_earlier_reports(tmp_path: Path) -> None:
    write_reports(failing_result(), tmp_path)
    write_reports(passing_result(), tmp_path)
    assert json.loads((tmp_path / JSON_REPORT).read_bytes())["success"] is True


def test_write_reports_to_a_file_fails_cleanly(tmp_path: Path) -> None:
    occupied = tmp_path / "a-file"
    occupied.write_text("not a folder")
    with pytest.raises(ManifestWriteError, match=r"validation-report\.json"):
        write_reports(passing_result(), occupied)


@pytest.mark.integration
@pytest.mark.parametrize("prefix", ["reports/run-1", "reports/run-1/"])
def test_write_reports_to_s3(s3: Any, bucket: str, prefix: str) -> None:
    result = chained_result()
    locations = write_reports(result, f"s3://{bucket}/{prefix}", s3_client=s3)
    assert locations == ReportLocations(
        json=f"s3://{bucket}/reports/run-1/{JSON_REPORT}",
        html=f"s3://{bucket}/reports/run-1/{HTML_REPORT}",
    )
    stored = s3.get_object(Bucket=bucket, Key=f"reports/run-1/{JSON_REPORT}")["Body"].read()
    assert stored == summary_json(result)
    page = s3.get_object(Bucket=bucket, Key=f"reports/run-1/{HTML_REPORT}")["Body"].read()
    assert page.decode("utf-8") == render_html(result)
