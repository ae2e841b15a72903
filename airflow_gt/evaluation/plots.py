"""One PNG that shows an adapter's evaluation at a glance.

Four panels: precision, recall and F1 (summed over labels) against the confidence threshold, the
adapter as a solid line and the base model as a dashed one, with the input threshold marked by a
vertical line and its own results as points (the F1 panel also marks the adapter's best
threshold); and, per label, the F1 of both models at the input threshold as paired bars.

matplotlib is imported inside :func:`render_plot` only, and drawn with its Agg canvas through the
object-oriented API: no display is needed, pyplot's global state is not touched, and importing
this package stays cheap for the Airflow DAG processor.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from airflow_gt.evaluation.evaluate import Evaluation
from airflow_gt.evaluation.metrics import Counts, ModelCounts
from airflow_gt.extras import PLOTS, require_extra
from airflow_gt.manifests.storage import Source, source_name
from airflow_gt.manifests.writer import write_bytes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

FIGURE_INCHES = (12.0, 9.0)
DPI = 100
Model = tuple[dict[str, Any], Callable[[ModelCounts], Counts]]
MODELS: tuple[Model, ...] = (
    ({"color": "#1f77b4", "linestyle": "-", "label": "adapter"}, lambda m: m.adapter),
    ({"color": "#ff7f0e", "linestyle": "--", "label": "base model"}, lambda m: m.base_model),
)
"""Each model's line style, and how to pick its counts."""
METRICS: tuple[tuple[str, Callable[[Counts], float]], ...] = (
    ("Precision", lambda c: c.precision),
    ("Recall", lambda c: c.recall),
    ("F1", lambda c: c.f1),
)


def _version_name(arn: str) -> str:
    """``project / version`` from a project version ARN, or the ARN when it has another form."""
    parts = arn.split("/")
    if len(parts) >= 4 and parts[0].endswith(":project") and parts[2] == "version":
        return f"{parts[1]} / {parts[3]}"
    return arn or "adapter"


def _threshold_panel(
    axes: Axes, evaluation: Evaluation, title: str, metric: Callable[[Counts], float]
) -> None:
    results = evaluation.results
    thresholds = [at.threshold for at in results.sweep]
    at_input = results.input_threshold.aggregated
    for style, model in MODELS:
        values = [metric(model(at.aggregated)) for at in results.sweep]
        axes.plot(thresholds, values, marker=".", linewidth=1.8, **style)
        axes.plot(
            [results.threshold], [metric(model(at_input))],
            marker="o", markersize=8, color=style["color"], linestyle="none",
        )
    axes.axvline(
        results.threshold, color="#555555", linestyle=":", linewidth=1.2,
        label=f"input threshold {results.threshold:g}",
    )
    if title == "F1":
        best = evaluation.best
        axes.plot(
            [best.threshold], [best.f1], marker="*", markersize=15, color="#2ca02c",
            linestyle="none", label=f"best adapter threshold {best.threshold:g} (F1 {best.f1:.3f})",
        )
    axes.set_title(f"{title} against confidence threshold")
    axes.set_xlabel("confidence threshold")
    axes.set_ylabel(title)
    axes.set_xlim(0, 102)
    axes.set_ylim(0, 1.05)
    axes.grid(True, alpha=0.3)
    axes.legend(loc="lower left", fontsize=8)


def _per_label_panel(axes: Axes, evaluation: Evaluation) -> None:
    results = evaluation.results
    labels = list(results.input_threshold.labels)
    counts = list(results.input_threshold.labels.values())
    positions = range(len(labels))
    height = 0.38
    for offset, (style, model) in zip((-height / 2, height / 2), MODELS, strict=True):
        values = [model(c).f1 for c in counts]
        bars = axes.barh(
            [p + offset for p in positions], values, height=height, color=style["color"],
            label=style["label"],
        )
        axes.bar_label(bars, labels=[f"{v:.2f}" for v in values], padding=3, fontsize=8)
    axes.set_yticks(list(positions), labels=labels)
    axes.invert_yaxis()
    axes.set_xlim(0, 1.15)
    axes.set_xlabel("F1")
    axes.set_title(f"F1 per label at threshold {results.threshold:g}")
    axes.grid(True, axis="x", alpha=0.3)
    axes.legend(loc="lower right", fontsize=8)


def render_plot(evaluation: Evaluation) -> bytes:
    """The evaluation's figure as PNG bytes (matplotlib: the ``plots`` extra)."""
    require_extra("plot", PLOTS)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=FIGURE_INCHES, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    grid = figure.subplots(2, 2)
    for axes, (title, metric) in zip((grid[0][0], grid[0][1], grid[1][0]), METRICS, strict=True):
        _threshold_panel(axes, evaluation, title, metric)
    _per_label_panel(grid[1][1], evaluation)
    results = evaluation.results
    figure.suptitle(
        f"{_version_name(results.details.project_version_arn)}: F1Score {results.f1_score:.4f} "
        f"at threshold {results.threshold:g}, {results.details.testing_images} testing images",
        fontsize=13,
    )
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def write_plot(evaluation: Evaluation, destination: Source, *, s3_client: Any = None) -> str:
    """Render the figure and write it to a local path or ``s3://`` URI, whole or not at all."""
    write_bytes(destination, render_plot(evaluation), s3_client=s3_client)
    return source_name(destination)
