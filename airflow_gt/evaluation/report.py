"""``airflow-gt evaluate`` for people: the evaluation as aligned text.

The counts and metrics of both models at the input threshold (summed, then per label), the
adapter's best threshold, each gate with the figures it compared, the output manifest's
regressions and improvements when it was read, where the plot went, and the verdict last.
"""

from __future__ import annotations

from airflow_gt.evaluation.evaluate import Evaluation
from airflow_gt.evaluation.metrics import Counts, ModelCounts
from airflow_gt.evaluation.output_manifest import Disagreement, OutputManifestAnalysis

SHOWN_PER_LABEL = 10
"""Regressions (and improvements) listed per label; the rest are counted."""
_HEADER = f"{'':<24}{'precision':>10}{'recall':>8}{'F1':>8}{'TP':>7}{'FP':>7}{'FN':>7}{'TN':>7}"


def _row(name: str, counts: Counts) -> str:
    return (
        f"{name:<24}{counts.precision:>10.4f}{counts.recall:>8.4f}{counts.f1:>8.4f}"
        f"{counts.true_positive:>7}{counts.false_positive:>7}{counts.false_negative:>7}"
        f"{counts.true_negative:>7}"
    )


def _models(counts: ModelCounts, indent: str) -> list[str]:
    return [
        _row(f"{indent}adapter", counts.adapter),
        _row(f"{indent}base model", counts.base_model),
    ]


def _disagreement(kind: str, found: Disagreement) -> str:
    def shown(confidence: float | None) -> str:
        return "-" if confidence is None else f"{confidence:g}"

    wrong = "adapter" if kind == "regression" else "base model"
    return (
        f"    {kind} line {found.line} {found.source_ref}: {wrong} {found.error} "
        f"(adapter {shown(found.adapter_confidence)}, "
        f"base model {shown(found.base_model_confidence)})"
    )


def _analysis(analysis: OutputManifestAnalysis) -> list[str]:
    lines = [
        "",
        f"testing output manifest: {analysis.source} ({analysis.images} images, "
        f"threshold {analysis.threshold:g})",
    ]
    for label in analysis.labels:
        lines.append(
            f"  {label.label}: {len(label.regressions)} regression(s), "
            f"{len(label.improvements)} improvement(s)"
        )
        for kind, found in (("regression", label.regressions),
                            ("improvement", label.improvements)):
            lines += [_disagreement(kind, item) for item in found[:SHOWN_PER_LABEL]]
            if len(found) > SHOWN_PER_LABEL:
                lines.append(f"    ... and {len(found) - SHOWN_PER_LABEL} more {kind}(s)")
    if analysis.mismatched_labels:
        lines.append(
            "  its counts differ from the evaluation file's for: "
            + ", ".join(analysis.mismatched_labels)
        )
    else:
        lines.append("  its counts agree with the evaluation file's")
    return lines


def render_text(
    evaluation: Evaluation,
    analysis: OutputManifestAnalysis | None = None,
    plot: str | None = None,
) -> str:
    """The evaluation as text, with the output manifest's analysis and the plot's location."""
    results = evaluation.results
    details = results.details
    at_input = results.input_threshold
    lines = [
        f"evaluation results: {results.source}",
        f"adapter: {details.project_version_arn}",
        f"labels: {', '.join(results.labels)}; {details.testing_images} testing images, "
        f"{details.training_images} training images",
        f"F1Score: {results.f1_score:.4f} at threshold {results.threshold:g}",
        "",
        f"at threshold {results.threshold:g}".ljust(24) + _HEADER[24:],
        *_models(at_input.aggregated, "  "),
    ]
    for label, counts in at_input.labels.items():
        lines += [f"  {label}", *_models(counts, "    ")]
    lines += [
        "",
        f"best adapter threshold: {evaluation.best.threshold:g} (F1 {evaluation.best.f1:.4f})",
        "",
        "gates:" if evaluation.gates else "gates: none asked",
    ]
    lines += [
        f"  {'passed' if gate.passed else 'FAILED'}  {gate.gate}: {gate.detail}"
        for gate in evaluation.gates
    ]
    if analysis is not None:
        lines += _analysis(analysis)
    if plot is not None:
        lines += ["", f"plot: {plot}"]
    lines += ["", f"result: {'passed' if evaluation.passed else 'FAILED'}"]
    return "\n".join(lines)
