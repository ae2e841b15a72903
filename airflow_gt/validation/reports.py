"""The reports of a validation: the JSON summary of the command-line contract, and an HTML page.

- ``summary_json``: ``ValidationResult.summary()`` as JSON (``indent=2``, sorted keys, a trailing
  newline); NaN becomes ``null`` and numpy scalars plain numbers, so every JSON reader accepts it.
- ``render_text``: a plain-text summary for a terminal (what ``airflow-gt validate`` prints).
- ``render_html``: one self-contained page a person can read (inline CSS, no JavaScript, nothing
  fetched): a pass/fail banner, then per label attribute every expectation with its rule, its
  counts or observed value, and the sample failing lines. Every value from the data is escaped.
- ``write_reports``: both files, ``validation-report.json`` and ``validation-report.html``, into a
  local folder or under an ``s3://`` prefix, as one output group: both appear, or neither.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from airflow_gt.manifests.output_group import OutputGroup
from airflow_gt.manifests.storage import is_s3_uri
from airflow_gt.validation.results import (
    AttributeResult,
    ExpectationOutcome,
    FailingValue,
    ValidationResult,
)

JSON_REPORT = "validation-report.json"
HTML_REPORT = "validation-report.html"
VALUE_CHARACTERS = 200
"""A sample value longer than this (as JSON) is cut in the HTML report."""

_JSON_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


@dataclass(frozen=True)
class ReportLocations:
    """Where ``write_reports`` put the two reports (local paths or ``s3://`` URIs)."""

    json: str
    html: str


def json_default(value: Any) -> Any:
    item = getattr(value, "item", None)  # a numpy scalar orjson does not know
    return item() if callable(item) else str(value)


def summary_json(result: ValidationResult, *, indent: bool = True) -> bytes:
    """The JSON summary (``indent=2``, sorted keys, newline-terminated; one line when not
    ``indent``)."""
    options = _JSON_OPTIONS | orjson.OPT_APPEND_NEWLINE
    if indent:
        options |= orjson.OPT_INDENT_2
    return orjson.dumps(result.summary(), default=json_default, option=options)


def write_reports(
    result: ValidationResult, directory: str | Path, *, s3_client: Any = None
) -> ReportLocations:
    """Write the JSON summary and the HTML report into ``directory`` (a folder or ``s3://``
    prefix), both or neither; returns where they are."""
    locations = report_locations(directory)
    outputs = OutputGroup([locations.json, locations.html], s3_client=s3_client)
    with outputs as (summary_out, page_out):
        summary_out.write_raw(summary_json(result))
        page_out.write_raw(render_html(result).encode("utf-8"))
    return locations


def report_locations(directory: str | Path, stem: str = "validation-report") -> ReportLocations:
    """Where the two reports ``<stem>.json`` and ``<stem>.html`` go under ``directory``
    (``write_reports`` writes ``validation-report.*``)."""
    return ReportLocations(
        json=_child(directory, f"{stem}.json"), html=_child(directory, f"{stem}.html")
    )


def _child(directory: str | Path, name: str) -> str:
    if is_s3_uri(directory):
        return f"{str(directory).rstrip('/')}/{name}"
    return str(Path(directory) / name)


# --- HTML -----------------------------------------------------------------------------------

PAGE_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto;
       max-width: 80rem; padding: 0 1rem; color: #1f2328; line-height: 1.45; }
h1 { font-size: 1.5rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; }
code, .value { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: 0.85rem; }
.source { color: #59636e; word-break: break-all; }
.banner { padding: 0.8rem 1rem; border-radius: 6px; font-weight: 600; margin: 1rem 0; }
.banner.passed { background: #dafbe1; border: 1px solid #1a7f37; color: #116329; }
.banner.failed { background: #ffebe9; border: 1px solid #cf222e; color: #a40e26; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1rem; }
th, td { border: 1px solid #d1d9e0; padding: 0.35rem 0.5rem; text-align: left;
         vertical-align: top; }
th { background: #f6f8fa; }
td.number { text-align: right; white-space: nowrap; }
td.counts { text-align: right; }
tr.failed td { background: #fff8f7; }
.status { font-weight: 600; white-space: nowrap; }
.status.passed { color: #1a7f37; }
.status.failed { color: #cf222e; }
ul.samples { margin: 0; padding-left: 1.1rem; }
ul.samples li { margin: 0.1rem 0; }
.muted { color: #59636e; }
"""


def escape(value: object) -> str:
    return html.escape(str(value), quote=True)


def count_text(value: int) -> str:
    return f"{value:,}"


def status_badge(success: bool) -> str:
    word = "passed" if success else "failed"
    return f'<span class="status {word}">{word}</span>'


def _banner(result: ValidationResult) -> str:
    outcomes = [outcome for attribute in result.attributes for outcome in attribute.outcomes]
    failed = sum(1 for outcome in outcomes if not outcome.success)
    if result.success:
        text = f"Passed: all {count_text(len(outcomes))} expectations held."
    else:
        text = (f"Failed: {count_text(failed)} of {count_text(len(outcomes))} expectations "
                "did not hold.")
    word = "passed" if result.success else "failed"
    return f'<div class="banner {word}">{escape(text)}</div>'


def _overview_row(index: int, attribute: AttributeResult, objects: int) -> str:
    held = len(attribute.outcomes) - len(attribute.failed_expectations)
    return (
        "<tr>"
        f'<td><a href="#attribute-{index}">'
        f"<code>{escape(attribute.label_attribute)}</code></a></td>"
        f"<td>{escape(attribute.job_type)}</td>"
        f"<td><code>{escape(attribute.suite)}</code></td>"
        f'<td class="number">{count_text(attribute.labeled)} / {count_text(objects)}</td>'
        f'<td class="number">{count_text(attribute.failed)}</td>'
        f'<td class="number">{count_text(held)} / {count_text(len(attribute.outcomes))}</td>'
        f"<td>{status_badge(attribute.success)}</td>"
        "</tr>"
    )


def _overview(result: ValidationResult) -> str:
    rows = "".join(
        _overview_row(index, attribute, result.objects)
        for index, attribute in enumerate(result.attributes)
    )
    return (
        "<table><thead><tr><th>Label attribute</th><th>Job type</th><th>Suite</th>"
        "<th>Labeled / objects</th><th>Failed objects</th><th>Expectations held</th>"
        f"<th>Result</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _short(value: Any) -> str:
    text = orjson.dumps(value, default=json_default, option=_JSON_OPTIONS).decode()
    if len(text) > VALUE_CHARACTERS:
        text = text[: VALUE_CHARACTERS - 1] + "…"
    return text


def _bounds(kwargs: dict[str, Any]) -> str:
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    if low is not None and high is not None:
        return f"expected between {low} and {high}"
    if low is not None:
        return f"expected at least {low}"
    if high is not None:
        return f"expected at most {high}"
    return ""


def observed_text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "none" if value is None else _short(value)


def _counts(outcome: ExpectationOutcome) -> str:
    """Unexpected of element count for a row-wise expectation, the observed value for an
    aggregate one."""
    if outcome.aggregate:
        bounds = _bounds(outcome.kwargs)
        over = f" over {count_text(outcome.element_count)} values"
        return f"observed {observed_text(outcome.observed_value)}{over}" + (
            f" ({bounds})" if bounds else ""
        )
    text = (f"{count_text(outcome.unexpected_count)} unexpected of "
            f"{count_text(outcome.element_count)}")
    if outcome.unexpected_count and outcome.element_count:
        text += f" ({100 * outcome.unexpected_count / outcome.element_count:.2f}%)"
    return text


def _sample(sample: FailingValue) -> str:
    source = "" if sample.source is None else f" <code>{escape(sample.source)}</code>"
    return (
        f"<li>line {count_text(sample.line)}:{source} "
        f'<span class="value">{escape(_short(sample.value))}</span></li>'
    )


def _samples(outcome: ExpectationOutcome) -> str:
    if not outcome.samples:
        return '<span class="muted">none</span>' if outcome.success else ""
    more = outcome.unexpected_count - len(outcome.samples)
    tail = f'<li class="muted">and {count_text(more)} more</li>' if more > 0 else ""
    return f'<ul class="samples">{"".join(_sample(s) for s in outcome.samples)}{tail}</ul>'


def expectation_row(outcome: ExpectationOutcome) -> str:
    css = "" if outcome.success else ' class="failed"'
    return (
        f"<tr{css}>"
        f"<td>{status_badge(outcome.success)}</td>"
        f"<td>{escape(outcome.rule)}</td>"
        f"<td><code>{escape(outcome.expectation)}</code></td>"
        f"<td><code>{escape(outcome.frame)}.{escape(outcome.column)}</code></td>"
        f'<td class="counts">{escape(_counts(outcome))}</td>'
        f"<td>{_samples(outcome)}</td>"
        "</tr>"
    )


def _attribute_section(index: int, attribute: AttributeResult, objects: int) -> str:
    rows = "".join(expectation_row(outcome) for outcome in attribute.outcomes)
    held = len(attribute.outcomes) - len(attribute.failed_expectations)
    return (
        f'<h2 id="attribute-{index}">Label attribute '
        f"<code>{escape(attribute.label_attribute)}</code>"
        f" {status_badge(attribute.success)}</h2>"
        f"<p>Job type {escape(attribute.job_type)}, suite <code>{escape(attribute.suite)}</code>: "
        f"{count_text(attribute.labeled)} of {count_text(objects)} objects labeled, "
        f"{count_text(attribute.failed)} failed; {count_text(held)} of "
        f"{count_text(len(attribute.outcomes))} expectations held.</p>"
        "<table><thead><tr><th>Result</th><th>Rule</th><th>Expectation</th>"
        "<th>Frame.column</th><th>Counts</th><th>Sample failing lines</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def render_html(result: ValidationResult) -> str:
    """A self-contained HTML page with every expectation of every label attribute."""
    sections = "".join(
        _attribute_section(index, attribute, result.objects)
        for index, attribute in enumerate(result.attributes)
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>Validation of {escape(result.source)}</title>\n"
        f"<style>{PAGE_STYLE}</style>\n</head>\n<body>\n"
        f'<h1>Manifest validation</h1>\n<p class="source">{escape(result.source)}</p>\n'
        f"{_banner(result)}\n"
        f"<p>{count_text(result.objects)} objects (manifest lines), "
        f"{count_text(len(result.attributes))} label attributes checked.</p>\n"
        f"{_overview(result)}\n{sections}\n</body>\n</html>\n"
    )


# --- text -----------------------------------------------------------------------------------


def render_text(result: ValidationResult) -> str:
    """A plain-text summary for a terminal: the verdict, then per label attribute its counts and
    each failed expectation with its rule, its counts and sample line numbers."""
    outcomes = [outcome for attribute in result.attributes for outcome in attribute.outcomes]
    failed = sum(1 for outcome in outcomes if not outcome.success)
    verdict = "passed" if result.success else f"FAILED ({failed} of {len(outcomes)} expectations)"
    lines = [f"source: {result.source}", f"result: {verdict}", f"objects: {result.objects:,}"]
    for attribute in result.attributes:
        lines.extend(_attribute_text(attribute, result.objects))
    return "\n".join(lines)


def _attribute_text(attribute: AttributeResult, objects: int) -> list[str]:
    held = len(attribute.outcomes) - len(attribute.failed_expectations)
    lines = [
        f"label attribute {attribute.label_attribute} ({attribute.job_type}): "
        f"{'passed' if attribute.success else 'FAILED'}, {attribute.labeled:,} of {objects:,} "
        f"objects labeled, {attribute.failed:,} failed, {held} of {len(attribute.outcomes)} "
        "expectations held"
    ]
    for outcome in attribute.failed_expectations:
        lines += [
            f"  failed: {outcome.rule}",
            f"    {outcome.expectation} on {outcome.frame}.{outcome.column}",
            f"    observed value: {observed_text(outcome.observed_value)}" if outcome.aggregate
            else f"    {outcome.unexpected_count:,} unexpected of {outcome.element_count:,}",
        ]
        if outcome.samples:
            numbers = ", ".join(str(sample.line) for sample in outcome.samples)
            lines.append(f"    sample lines: {numbers}")
    return lines
