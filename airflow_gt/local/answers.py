"""What a simulated worker submits: the ``answerContent`` of each built-in task UI.

A worker-response file (``annotations/worker-response/iteration-N/<index>/<timestamp>.json``)
holds ``{"answers": [{"answerContent": ..., "workerId": ...}]}``; the ACS Lambda receives the same
``answerContent`` as a JSON string. Its key is the ``name`` of the task's crowd HTML element. The
shapes below follow AWS's developer guide (awsdocs/amazon-sagemaker-developer-guide):

- ``sms-custom-templates-step3-lambda-requirements.md`` shows the ACS payloads of the built-in
  bounding box (``{"boundingBox": {"boundingBoxes": [{height, label, left, top, width}],
  "inputImageProperties": {height, width}}}``), semantic segmentation (``{"crowd-semantic-
  segmentation": {"inputImageProperties", "labelMappings": {label: {"color"}}, "labeledImage":
  {"pngImageData": <base64 PNG>}}}``) and named entity (``{"crowd-entity-annotation":
  {"entities": [{endOffset, label, startOffset}]}}``) tasks;
- ``sms-ui-template-crowd-image-classifier.md`` and ``...-crowd-classifier.md``: a classifier
  outputs ``{"label": <category>}``, plus ``"workerComment"`` when a verifier left one;
  ``...-image-classifier-multi.md`` and ``...-classifier-multi-select.md``: ``{"labels": [...]}``;
- ``sms-ui-template-crowd-bounding-box.md`` and ``...-semantic-segmentation.md``: adjustment
  answers carry an ``initialValueModified`` boolean.

Where the sources are silent, the closest documented shape is used (marked "assumed" below).
Keys are written in the order AWS's samples show them (alphabetical, as the UI serialises).

What goes into an answer, mistakes included, is :mod:`airflow_gt.local.worker_mistakes`'s job.
"""

from __future__ import annotations

import base64
import binascii
import colorsys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from airflow_gt.local.png import decode_png, encode_png, hex_color, parse_hex_color
from airflow_gt.local.truth import Box, Span

Mask = NDArray[np.uint8]
"""A ``(height, width)`` class-index mask: 0 is the background, ``i + 1`` is label ``i``."""

# The element names, which key the answerContent. The built-in classification templates name
# their element after its tag (worker-response readers index answerContent["crowd-image-
# classifier"]["label"] and answerContent["crowd-classifier"]["label"]); the multi-select keys
# are assumed to follow the same rule.
IMAGE_CLASSIFIER = "crowd-image-classifier"
IMAGE_MULTI_CLASSIFIER = "crowd-image-classifier-multi-select"
TEXT_CLASSIFIER = "crowd-classifier"
TEXT_MULTI_CLASSIFIER = "crowd-classifier-multi-select"
BOUNDING_BOX = "boundingBox"
SEMANTIC_SEGMENTATION = "crowd-semantic-segmentation"
ENTITY_ANNOTATION = "crowd-entity-annotation"
VERIFICATION = IMAGE_CLASSIFIER
"""Image label verification shows the prior label as the ``overlay`` of a crowd-image-classifier
whose categories are the job's label categories (assumed name: the tag, as for classification)."""

BACKGROUND_HEX = "#ffffff"
"""The colour of unlabeled pixels, as ``internal-color-map`` entry "0" (BACKGROUND) says."""
_CATEGORY10 = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip
"""The segmentation UI's label colours in AWS's samples (``labelMappings``), first label first."""
_GOLDEN = 0.618033988749895


# --- classification ---------------------------------------------------------------------------


def class_answer(element: str, label: str, comment: str | None = None) -> dict[str, Any]:
    """``{element: {"label": label}}``, with ``workerComment`` when there is a comment."""
    answer: dict[str, Any] = {"label": label}
    if comment:
        answer["workerComment"] = comment
    return {element: answer}


def read_class_answer(content: Mapping[str, Any], element: str) -> tuple[str | None, str | None]:
    """The chosen label and the comment of a classifier answer (None for what is missing)."""
    answer = content.get(element)
    if not isinstance(answer, Mapping):
        return None, None
    label, comment = answer.get("label"), answer.get("workerComment")
    return (
        label if isinstance(label, str) else None,
        comment if isinstance(comment, str) and comment.strip() else None,
    )


def multilabel_answer(element: str, labels: Sequence[str]) -> dict[str, Any]:
    return {element: {"labels": list(labels)}}


def read_multilabel_answer(content: Mapping[str, Any], element: str) -> list[str]:
    answer = content.get(element)
    labels = answer.get("labels") if isinstance(answer, Mapping) else None
    return [label for label in labels if isinstance(label, str)] if isinstance(labels, list) else []


# --- bounding boxes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BoxAnswer:
    boxes: tuple[Box, ...]
    width: int | None
    height: int | None
    modified: bool | None


def box_answer(
    boxes: Sequence[Box], width: int, height: int, modified: bool | None = None
) -> dict[str, Any]:
    """A crowd-bounding-box answer; ``modified`` is set for adjustment tasks only."""
    answer: dict[str, Any] = {
        "boundingBoxes": [
            {"height": b.height, "label": b.label, "left": b.left, "top": b.top, "width": b.width}
            for b in boxes
        ],
        "inputImageProperties": {"height": height, "width": width},
    }
    if modified is not None:
        answer["initialValueModified"] = modified  # assumed to sit beside the boxes, as in SS
    return {BOUNDING_BOX: answer}


def _whole(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return round(value)


def read_box_answer(content: Mapping[str, Any]) -> BoxAnswer:
    """The boxes, image size and adjustment flag of a bounding box answer; bad boxes are skipped."""
    answer = content.get(BOUNDING_BOX)
    answer = answer if isinstance(answer, Mapping) else {}
    boxes = []
    raw_boxes = answer.get("boundingBoxes")
    for raw in raw_boxes if isinstance(raw_boxes, list) else []:
        if not isinstance(raw, Mapping) or not isinstance(raw.get("label"), str):
            continue
        left, top, width, height = (_whole(raw.get(k)) for k in ("left", "top", "width", "height"))
        if left is None or top is None or width is None or height is None:
            continue
        boxes.append(Box(raw["label"], left, top, max(1, width), max(1, height)))
    size = answer.get("inputImageProperties")
    size = size if isinstance(size, Mapping) else {}
    modified = answer.get("initialValueModified")
    return BoxAnswer(
        tuple(boxes),
        _whole(size.get("width")),
        _whole(size.get("height")),
        modified if isinstance(modified, bool) else None,
    )


# --- semantic segmentation --------------------------------------------------------------------


def label_colors(count: int) -> list[str]:
    """The ``#rrggbb`` colour of each of ``count`` labels: AWS's sample palette, then new hues."""
    colors = list(_CATEGORY10[:count])
    hue = 0.0
    while len(colors) < count:
        hue = (hue + _GOLDEN) % 1.0
        color = hex_color([round(c * 255) for c in colorsys.hsv_to_rgb(hue, 0.7, 0.85)])
        if color not in colors and color != BACKGROUND_HEX:
            colors.append(color)
    return colors


def paint(mask: Mask, colors: Sequence[str]) -> NDArray[np.uint8]:
    """The ``(h, w, 3)`` RGB picture of a mask: white background, label ``i`` in ``colors[i]``."""
    palette = np.array([parse_hex_color(c) for c in (BACKGROUND_HEX, *colors)], dtype=np.uint8)
    return palette[mask]


def unpaint(rgb: NDArray[np.uint8], classes: Mapping[str, int]) -> Mask:
    """The class-index mask of an RGB picture, by ``{"#rrggbb": class index}``; other colours
    (and the background) become 0."""
    channels = rgb.astype(np.int32)
    packed = (channels[..., 0] << 16) | (channels[..., 1] << 8) | channels[..., 2]
    mask = np.zeros(rgb.shape[:2], dtype=np.uint8)
    for color, index in classes.items():
        r, g, b = parse_hex_color(color)
        mask[packed == (r << 16 | g << 8 | b)] = index
    return mask


def mask_answer(mask: Mask, labels: Sequence[str], modified: bool | None = None) -> dict[str, Any]:
    """A crowd-semantic-segmentation answer for a class-index mask over ``labels``.

    ``labelMappings`` lists the labels the worker painted (as AWS's sample does).
    """
    colors = label_colors(len(labels))
    painted = sorted(int(c) for c in np.unique(mask) if 0 < c <= len(labels))
    answer: dict[str, Any] = {
        "inputImageProperties": {"height": int(mask.shape[0]), "width": int(mask.shape[1])},
        "labelMappings": {labels[c - 1]: {"color": colors[c - 1]} for c in painted},
        "labeledImage": {
            "pngImageData": base64.b64encode(encode_png(paint(mask, colors))).decode("ascii")
        },
    }
    if modified is not None:
        answer["initialValueModified"] = modified
    return {SEMANTIC_SEGMENTATION: answer}


def read_mask_answer(
    content: Mapping[str, Any], labels: Sequence[str]
) -> tuple[Mask | None, bool | None]:
    """The class-index mask (over ``labels``) and the adjustment flag of a segmentation answer.

    Colours are read through the answer's own ``labelMappings``; labels not in ``labels`` become
    background. The mask is None when the answer holds no readable PNG.
    """
    answer = content.get(SEMANTIC_SEGMENTATION)
    answer = answer if isinstance(answer, Mapping) else {}
    image = answer.get("labeledImage")
    data = image.get("pngImageData") if isinstance(image, Mapping) else None
    modified = answer.get("initialValueModified")
    modified = modified if isinstance(modified, bool) else None
    if not isinstance(data, str):
        return None, modified
    try:
        rgb = decode_png(base64.b64decode(data, validate=True))
    except (ValueError, binascii.Error):
        return None, modified
    mappings = answer.get("labelMappings")
    classes = {
        entry["color"]: labels.index(name) + 1
        for name, entry in (mappings.items() if isinstance(mappings, Mapping) else ())
        if name in labels and isinstance(entry, Mapping) and isinstance(entry.get("color"), str)
    }
    return unpaint(rgb, classes), modified


# --- named entities ---------------------------------------------------------------------------


def entity_answer(spans: Sequence[Span]) -> dict[str, Any]:
    entities = [{"endOffset": s.end, "label": s.label, "startOffset": s.start} for s in spans]
    return {ENTITY_ANNOTATION: {"entities": entities}}


def read_entity_answer(content: Mapping[str, Any]) -> list[Span]:
    answer = content.get(ENTITY_ANNOTATION)
    entities = answer.get("entities") if isinstance(answer, Mapping) else None
    spans = []
    for raw in entities if isinstance(entities, list) else []:
        if not isinstance(raw, Mapping) or not isinstance(raw.get("label"), str):
            continue
        start, end = _whole(raw.get("startOffset")), _whole(raw.get("endOffset"))
        if start is not None and end is not None and 0 <= start < end:
            spans.append(Span(raw["label"], start, end))
    return spans
