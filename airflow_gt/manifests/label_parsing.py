"""Build the typed label views of :mod:`airflow_gt.manifests.labels` from a line's raw dict.

Each job type's label shape is checked as it is read; a malformed label raises LabelFormatError
naming the source, the line, the attribute and the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from airflow_gt.exceptions import LabelFormatError
from airflow_gt.manifests.attributes import LabelAttribute
from airflow_gt.manifests.job_types import LabelShape
from airflow_gt.manifests.label_state import LabelState, label_state
from airflow_gt.manifests.labels import (
    BoundingBox,
    BoundingBoxLabel,
    ClassificationLabel,
    ColorMapEntry,
    ImageSize,
    Label,
    LabelMetadata,
    MultiLabelClassification,
    ReferenceLabel,
    SegmentationLabel,
    TextSpan,
    TextSpanLabel,
    VerificationLabel,
)


class _Malformed(Exception):
    """Internal: a shape check failed; parse_label turns it into LabelFormatError."""


def _mapping(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _Malformed(f"{what} must be an object")
    return MappingProxyType(dict(value))


def _index(value: Any, what: str) -> int:
    """A class index, written as 0 or "0" by Ground Truth."""
    if isinstance(value, bool):
        raise _Malformed(f"{what} must be a class index, found {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    raise _Malformed(f"{what} must be a class index, found {value!r}")


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Malformed(f"{what} must be a number, found {value!r}")
    return float(value)


def _optional_number(value: Any, what: str) -> float | None:
    return None if value is None else _number(value, what)


def _list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise _Malformed(f"{what} must be a list")
    return value


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise _Malformed(f"{what} must be a string, found {value!r}")
    return value


def _class_map(metadata: Mapping[str, Any]) -> Mapping[int, str]:
    raw = _mapping(metadata.get("class-map"), "metadata class-map")
    return MappingProxyType(
        {_index(k, "class-map key"): _text(v, f"class-map[{k!r}]") for k, v in raw.items()}
    )



def _classification(name: str, value: Any, meta: LabelMetadata) -> ClassificationLabel:
    return ClassificationLabel(
        name, value, meta, _index(value, "the label"),
        _text(meta.raw.get("class-name"), "metadata class-name"),
    )


def _verification(name: str, value: Any, meta: LabelMetadata) -> VerificationLabel:
    base = _classification(name, value, meta)
    feedback = []
    for i, entry in enumerate(_list(meta.raw.get("worker-feedback", []), "worker-feedback")):
        comment = _mapping(entry, f"worker-feedback[{i}]").get("comment")
        feedback.append(_text(comment, f"worker-feedback[{i}].comment"))
    return VerificationLabel(
        name, value, meta, base.class_id, base.class_name, tuple(feedback)
    )


def _multilabel(name: str, value: Any, meta: LabelMetadata) -> MultiLabelClassification:
    ids = tuple(_index(v, "each label") for v in _list(value, "the label"))
    raw_confidences = _mapping(meta.raw.get("confidence-map", {}), "metadata confidence-map")
    confidences = {
        _index(k, "confidence-map key"): _number(v, f"confidence-map[{k!r}]")
        for k, v in raw_confidences.items()
    }
    return MultiLabelClassification(
        name, value, meta, ids, _class_map(meta.raw), MappingProxyType(confidences)
    )


def _boxes(name: str, value: Any, meta: LabelMetadata) -> BoundingBoxLabel:
    label = _mapping(value, "the label")
    sizes = _list(label.get("image_size"), "image_size")
    if len(sizes) != 1:
        raise _Malformed(f"image_size must hold one entry, found {len(sizes)}")
    size = _mapping(sizes[0], "image_size[0]")
    image_size = ImageSize(
        _number(size.get("width"), "image width"),
        _number(size.get("height"), "image height"),
        _number(size.get("depth"), "image depth"),
    )
    class_map = _class_map(meta.raw)
    objects = _list(meta.raw.get("objects", []), "metadata objects")
    boxes = []
    for i, raw_box in enumerate(_list(label.get("annotations"), "annotations")):
        box = _mapping(raw_box, f"annotations[{i}]")
        confidence = None
        if i < len(objects):
            entry = _mapping(objects[i], f"objects[{i}]")
            confidence = _optional_number(entry.get("confidence"), f"objects[{i}].confidence")
        class_id = _index(box.get("class_id"), f"annotations[{i}].class_id")
        boxes.append(BoundingBox(
            class_id, class_map.get(class_id),
            _number(box.get("left"), f"annotations[{i}].left"),
            _number(box.get("top"), f"annotations[{i}].top"),
            _number(box.get("width"), f"annotations[{i}].width"),
            _number(box.get("height"), f"annotations[{i}].height"),
            confidence,
        ))
    return BoundingBoxLabel(name, value, meta, image_size, tuple(boxes), class_map)


def _segmentation(name: str, value: Any, meta: LabelMetadata) -> SegmentationLabel:
    entries = []
    color_map = _mapping(meta.raw.get("internal-color-map"), "metadata internal-color-map")
    for key, raw_entry in color_map.items():
        entry = _mapping(raw_entry, f"internal-color-map[{key!r}]")
        entries.append(ColorMapEntry(
            _index(key, "internal-color-map key"),
            _text(entry.get("class-name"), f"internal-color-map[{key!r}].class-name"),
            _optional_number(entry.get("confidence"), f"internal-color-map[{key!r}].confidence"),
            _text(entry.get("hex-color"), f"internal-color-map[{key!r}].hex-color"),
        ))
    return SegmentationLabel(name, value, meta, _text(value, "the label"), tuple(entries))


def _text_spans(name: str, value: Any, meta: LabelMetadata) -> TextSpanLabel:
    annotations = _mapping(_mapping(value, "the label").get("annotations"), "annotations")
    confidences = _list(meta.raw.get("entities", []), "metadata entities")
    spans = []
    for i, raw_entity in enumerate(_list(annotations.get("entities", []), "entities")):
        entity = _mapping(raw_entity, f"entities[{i}]")
        confidence = None
        if i < len(confidences):
            entry = _mapping(confidences[i], f"metadata entities[{i}]")
            confidence = _optional_number(entry.get("confidence"), f"entities[{i}].confidence")
        spans.append(TextSpan(
            _text(entity.get("label"), f"entities[{i}].label"),
            _index(entity.get("startOffset"), f"entities[{i}].startOffset"),
            _index(entity.get("endOffset"), f"entities[{i}].endOffset"),
            confidence,
        ))
    labels = tuple(
        _text(_mapping(entry, f"labels[{i}]").get("label"), f"labels[{i}].label")
        for i, entry in enumerate(_list(annotations.get("labels", []), "labels"))
    )
    return TextSpanLabel(name, value, meta, tuple(spans), labels)


def _reference(name: str, value: Any, meta: LabelMetadata) -> ReferenceLabel:
    return ReferenceLabel(name, value, meta, _text(value, "the label"))


def _class_name(name: str, value: Any, meta: LabelMetadata) -> ClassificationLabel:
    class_name = _text(value, "the label")
    return ClassificationLabel(name, value, meta, -1, class_name)


_BUILDERS = {
    LabelShape.CLASS_INDEX: _classification,
    LabelShape.CLASS_INDEX_LIST: _multilabel,
    LabelShape.BOUNDING_BOXES: _boxes,
    LabelShape.MASK_REF: _segmentation,
    LabelShape.TEXT_SPANS: _text_spans,
    LabelShape.SEQUENCE_REF: _reference,
    LabelShape.CUBOIDS: lambda name, value, meta: Label(name, value, meta),
    LabelShape.CLASS_NAME: _class_name,
}


def parse_label(
    record: Mapping[str, Any],
    attribute: str | LabelAttribute,
    *,
    source: str = "<record>",
    line: int = 0,
) -> Label | None:
    """The typed view of one label in a line, or None when the line is not labeled there.

    A failed object (``failure-reason`` in the metadata) and an unlabeled line give None; a line
    with a label but no metadata object, or no metadata ``type``, raises LabelFormatError
    (``label_state.py``).
    """
    name = attribute.name if isinstance(attribute, LabelAttribute) else attribute
    state, found = label_state(record, name, source=source, line=line)
    if state is not LabelState.LABELED or found is None:
        return None
    kind = found.job_type
    if kind is None:
        raise LabelFormatError(
            source, line, found.name,
            f"metadata type {found.metadata_type!r} is not a Ground Truth job type we know",
        )
    meta = LabelMetadata(MappingProxyType(dict(found.metadata(record))))
    try:
        if kind.name == "label-verification":
            return _verification(found.name, found.value(record), meta)
        return _BUILDERS[kind.label_shape](found.name, found.value(record), meta)
    except _Malformed as exc:
        raise LabelFormatError(source, line, name, str(exc)) from None
