"""The reports of a workforce check: text for a terminal, the JSON summary, an HTML page.

- ``render_text``: the verdict, the job's figures, the per-worker table (flagged workers marked),
  the least agreed-on objects and each failed check;
- ``summary_json``: ``WorkforceResult.summary()`` as JSON (sorted keys, NaN as null);
- ``render_html``: one self-contained page (inline CSS and SVG, no JavaScript, nothing fetched):
  a pass/fail banner, the job's figures, the per-worker table with an accuracy bar per worker, a
  histogram of the objects' agreement, the least agreed-on objects and every expectation;
- ``write_reports``: ``workforce-report.json`` and ``workforce-report.html`` into a folder or under
  an ``s3://`` prefix, both or neither.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from airflow_gt.manifests.output_group import OutputGroup
from airflow_gt.validation.reports import (
    PAGE_STYLE,
    ReportLocations,
    count_text,
    escape,
    expectation_row,
    json_default,
    observed_text,
    report_locations,
    status_badge,
)
from airflow_gt.workforce.checks import WorkforceResult

REPORT_STEM = "workforce-report"
HISTOGRAM_BINS = 10

_JSON_OPTIONS = (orjson.OPT_SORT_KEYS | orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS
                 | orjson.OPT_APPEND_NEWLINE)


def summary_json(result: WorkforceResult, *, indent: bool = True) -> bytes:
    options = _JSON_OPTIONS | (orjson.OPT_INDENT_2 if indent else 0)
    return orjson.dumps(result.summary(), default=json_default, option=options)


def workforce_report_locations(directory: str | Path) -> ReportLocations:
    return report_locations(directory, REPORT_STEM)


def write_reports(result: WorkforceResult, directory: str | Path, *, s3_client: Any = None
                  ) -> ReportLocations:
    """Write ``workforce-report.json`` and ``.html`` into ``directory``, both or neither."""
    locations = workforce_report_locations(directory)
    with OutputGroup([locations.json, locations.html], s3_client=s3_client) as (json_out, page):
        json_out.write_raw(summary_json(result))
        page.write_raw(render_html(result).encode("utf-8"))
    return locations


def _share(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def _verdict(result: WorkforceResult) -> str:
    failed = sum(1 for outcome in result.outcomes if not outcome.success)
    if result.success:
        return f"passed ({len(result.outcomes)} checks held)"
    return f"FAILED ({failed} of {len(result.outcomes)} checks)"


# --- text -----------------------------------------------------------------------------------


def worker_table(result: WorkforceResult) -> list[str]:
    """The per-worker table, one line per worker, flagged workers marked."""
    flagged = set(result.flagged_workers)
    workers = result.measures.per_worker()
    width = max([len("worker"), *(len(w.worker_id) for w in workers)])
    lines = [f"{'worker':<{width}}  {'tasks':>6}  {'judged':>6}  {'accuracy':>8}  {'mean s':>7}"]
    for w in workers:
        mark = "  FLAGGED" if w.worker_id in flagged else ""
        lines.append(f"{w.worker_id:<{width}}  {w.tasks:>6}  {w.judged:>6}  "
                     f"{_share(w.accuracy):>8}  {_seconds(w.mean_seconds):>7}{mark}")
    return lines


def render_text(result: WorkforceResult) -> str:
    m = result.measures
    alpha = "n/a" if m.alpha is None else f"{m.alpha:.3f}"
    lines = [
        f"source: {m.source}",
        f"job: {m.job_name} ({m.job_type}, label attribute {m.label_attribute})",
        f"result: {_verdict(result)}",
        f"objects: {len(m.objects):,}, answers: {m.answers:,}, workers: {len(m.workers):,}",
        f"mean agreement: {_share(m.mean_agreement)}; Krippendorff's alpha (nominal): {alpha}",
    ]
    if m.unmeasured is not None:
        lines.append(f"agreement and accuracy not measured for {m.job_type}: {m.unmeasured}")
    lines += ["", *worker_table(result)]
    lows = m.low_agreement()
    if lows:
        lines += ["", "lowest agreement:"]
        lines += [f"  line {o.index + 1}: {_share(o.agreement)} of {o.workers} workers  "
                  f"{o.source}" for o in lows]
    rule = None
    for check in result.failed_checks:
        if check["rule"] != rule:
            rule = check["rule"]
            lines += ["", f"failed: {rule}"]
        if check.get("worker_id") is not None:
            lines.append(f"  {check['worker_id']}: accuracy {_share(check['value'])} < "
                         f"{check['threshold']} ({check['judged']} judged of {check['tasks']} "
                         "tasks)")
        elif check["check"] == "min_agreement":
            lines.append(f"  mean agreement {_share(check['value'])} < {check['threshold']}")
        else:
            lines.append(f"  {check['measure']}: {check['value']} unexpected")
    return "\n".join(lines)


# --- HTML -----------------------------------------------------------------------------------

_WORKFORCE_STYLE = """
.bar { background: #d1d9e0; height: 0.7rem; width: 10rem; border-radius: 3px; }
.bar span { display: block; height: 100%; border-radius: 3px; background: #1a7f37; }
tr.failed .bar span { background: #cf222e; }
dl.figures { display: grid; grid-template-columns: max-content auto; gap: 0.2rem 1rem; }
dl.figures dt { color: #59636e; } dl.figures dd { margin: 0; font-weight: 600; }
svg text { font-family: system-ui, sans-serif; font-size: 11px; fill: #1f2328; }
"""


def _figures(result: WorkforceResult) -> str:
    m = result.measures
    t = result.thresholds
    rows = [
        ("Job", f"{m.job_name} ({m.job_type})"),
        ("Label attribute", m.label_attribute),
        ("Objects answered", f"{count_text(len(m.objects))} of {count_text(m.manifest_lines)} "
                             "manifest lines"),
        ("Answers", count_text(m.answers)),
        ("Workers", count_text(len(m.workers))),
        ("Mean agreement", _share(m.mean_agreement)),
        ("Krippendorff's alpha (nominal)", _share(m.alpha)),
        ("Thresholds", f"min agreement {t.min_agreement}, min worker accuracy "
                       f"{t.min_worker_accuracy}, min tasks {t.min_tasks}"),
    ]
    if m.unmeasured is not None:
        rows.append(("Not measured", m.unmeasured))
    items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows)
    return f'<dl class="figures">{items}</dl>'


def _worker_rows(result: WorkforceResult) -> str:
    flagged = set(result.flagged_workers)
    rows = []
    for w in result.measures.per_worker():
        bad = w.worker_id in flagged
        width = 0 if w.accuracy is None else round(100 * w.accuracy)
        css = ' class="failed"' if bad else ""
        rows.append(
            f"<tr{css}>"
            f"<td><code>{escape(w.worker_id)}</code></td>"
            f'<td class="number">{count_text(w.tasks)}</td>'
            f'<td class="number">{count_text(w.judged)}</td>'
            f'<td class="number">{_share(w.accuracy)}</td>'
            f'<td><div class="bar"><span style="width: {width}%"></span></div></td>'
            f'<td class="number">{_seconds(w.mean_seconds)}</td>'
            f"<td>{status_badge(not bad)}</td></tr>"
        )
    return (
        "<table><thead><tr><th>Worker</th><th>Tasks</th><th>Judged</th><th>Accuracy</th>"
        "<th></th><th>Mean seconds</th><th>Result</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def agreement_histogram(agreements: list[float], bins: int = HISTOGRAM_BINS) -> list[int]:
    """How many objects fall in each of ``bins`` equal bins of [0, 1] (1.0 in the last)."""
    counts = [0] * bins
    for value in agreements:
        counts[min(int(value * bins), bins - 1)] += 1
    return counts


def _histogram(result: WorkforceResult) -> str:
    agreements = [o.agreement for o in result.measures.objects if o.agreement is not None]
    if not agreements:
        return '<p class="muted">No agreement measured.</p>'
    counts = agreement_histogram(agreements)
    top = max(counts) or 1
    bar_width, height, base = 44, 160, 180
    bars = []
    for i, count in enumerate(counts):
        h = round(height * count / top)
        x = 40 + i * bar_width
        bars.append(
            f'<rect x="{x + 2}" y="{base - h}" width="{bar_width - 4}" height="{h}" '
            f'fill="#0969da"><title>{i / len(counts):.1f}-{(i + 1) / len(counts):.1f}: '
            f"{count} objects</title></rect>"
            f'<text x="{x + bar_width / 2}" y="{base - h - 4}" text-anchor="middle">{count}'
            "</text>"
            f'<text x="{x + bar_width / 2}" y="{base + 14}" text-anchor="middle">'
            f"{i / len(counts):.1f}</text>"
        )
    width = 40 + len(counts) * bar_width + 20
    return (
        f'<svg role="img" aria-label="Histogram of the objects\' agreement" width="{width}" '
        f'height="{base + 36}" viewBox="0 0 {width} {base + 36}">'
        f'<line x1="40" y1="{base}" x2="{width - 20}" y2="{base}" stroke="#59636e"/>'
        f'{"".join(bars)}'
        f'<text x="{width / 2}" y="{base + 32}" text-anchor="middle">agreement (bin start); '
        "bar: objects</text></svg>"
    )


def _low_agreement(result: WorkforceResult) -> str:
    lows = result.measures.low_agreement()
    if not lows:
        return '<p class="muted">Every object had full agreement.</p>'
    rows = "".join(
        f'<tr><td class="number">{o.index + 1}</td><td><code>{escape(o.source)}</code></td>'
        f'<td class="number">{o.workers}</td><td class="number">{_share(o.agreement)}</td></tr>'
        for o in lows
    )
    return ("<table><thead><tr><th>Line</th><th>Source</th><th>Workers</th><th>Agreement</th>"
            f"</tr></thead><tbody>{rows}</tbody></table>")


def render_html(result: WorkforceResult) -> str:
    m = result.measures
    word = "passed" if result.success else "failed"
    flagged = result.flagged_workers
    banner = f"Workforce check {_verdict(result)}" + (
        f"; workers below the accuracy threshold: {', '.join(flagged)}" if flagged else ""
    )
    expectations = "".join(expectation_row(outcome) for outcome in result.outcomes)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>Workforce of {escape(m.job_name)}</title>\n"
        f"<style>{PAGE_STYLE}{_WORKFORCE_STYLE}</style>\n</head>\n<body>\n"
        f'<h1>Workforce quality</h1>\n<p class="source">{escape(m.source)}</p>\n'
        f'<div class="banner {word}">{escape(banner)}</div>\n'
        f"{_figures(result)}\n"
        f"<h2>Workers</h2>\n{_worker_rows(result)}\n"
        f"<h2>Agreement per object</h2>\n{_histogram(result)}\n"
        f"<h2>Least agreed-on objects</h2>\n{_low_agreement(result)}\n"
        "<h2>Checks</h2>\n<table><thead><tr><th>Result</th><th>Rule</th><th>Expectation</th>"
        "<th>Frame.column</th><th>Counts</th><th>Failing rows</th></tr></thead>"
        f"<tbody>{expectations}</tbody></table>\n"
        f"<p class=\"muted\">Observed mean agreement: {observed_text(m.mean_agreement)}.</p>\n"
        "</body>\n</html>\n"
    )
