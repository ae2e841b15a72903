"""Text spans (``text-span``, named entity recognition): the line's ``source`` is the text, the
label value holds the marked entities, as character offsets into that text (end exclusive), and
the labels the workers chose from; the metadata has one confidence per entity::

    "source": "Alice met Bob in Paris.",
    "entities": {"annotations": {
        "entities": [{"label": "PERSON", "startOffset": 0, "endOffset": 5}, ...],
        "labels": [{"label": "PERSON"}, {"label": "LOCATION"}]}},
    "entities-metadata": {"entities": [{"confidence": 0.91}, ...],
                          "type": "groundtruth/text-span", ...}

Each entity is a row of the ``entities`` frame, with the length of the line's text and whether
its label is one of the line's labels. A line whose annotations, entities or labels are not of
the right JSON type fails that rule alone: the columns that need them are left empty (None).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from airflow_gt.validation.flatten import (
    NUMBER_TYPES,
    Columns,
    Flattener,
    Frames,
    json_type,
)

if TYPE_CHECKING:
    from airflow_gt.validation.frames import ArrayFrames

ENTITY_COLUMNS = (
    "label", "declared", "start", "end", "text_length", "confidence", "confidence_type",
)


def _declared_labels(labels: Any) -> frozenset[str] | None:
    """The label names of the annotations' ``labels`` list; None when it is not a list."""
    if type(labels) is not list:
        return None
    names = (entry.get("label") for entry in labels if type(entry) is dict)
    return frozenset(name for name in names if type(name) is str)


class TextSpanFlattener(Flattener):
    """The ``labels`` columns of a text span label, and its ``entities`` frame."""

    job_type = "text-span"
    part_columns = (("entities", ENTITY_COLUMNS),)
    label_columns = (
        "annotations_type", "entity_list_type", "label_list_type", "entity_count",
        "confidence_count",
    )

    def arrow_fields(self) -> list[Any]:
        from airflow_gt.validation.flatten_spans_arrow import span_fields

        return span_fields(self.attribute, self.metadata_key)

    def flatten_table(self, table: Any, first: int) -> ArrayFrames | None:
        from airflow_gt.validation.flatten_arrow import common_frames
        from airflow_gt.validation.flatten_spans_arrow import span_frames

        common = common_frames(table, first, self.attribute, self.metadata_key)
        if common is None:
            return None
        frames, labeled = common
        span_frames(labeled, self.attribute, self.metadata_key, frames)
        return frames

    def flatten_label(self, number_: int, record: Mapping[str, Any], value: Any,
                      metadata: Mapping[str, Any], frames: Frames) -> None:
        labels = frames["labels"]
        annotations = value.get("annotations") if type(value) is dict else None
        confidences = metadata.get("entities")
        confidences = confidences if type(confidences) is list else []
        labels["annotations_type"].append(json_type(annotations))
        labels["confidence_count"].append(len(confidences))
        if type(annotations) is not dict:
            for name in ("entity_list_type", "label_list_type", "entity_count"):
                labels[name].append(None)
            return
        entities = annotations.get("entities")
        labels["entity_list_type"].append(json_type(entities))
        labels["label_list_type"].append(json_type(annotations.get("labels")))
        if type(entities) is not list:
            labels["entity_count"].append(None)
            return
        labels["entity_count"].append(len(entities))
        text = record.get("source")
        self._entities(
            number_, entities, confidences, _declared_labels(annotations.get("labels")),
            len(text) if type(text) is str else None, frames["entities"],
        )

    @staticmethod
    def _entities(line: int, entities: list[Any], confidences: list[Any],
                  declared: frozenset[str] | None, text_length: int | None,
                  rows: Columns) -> None:
        numbers = NUMBER_TYPES
        (add_line, add_label, add_declared, add_start, add_end, add_text_length, add_confidence,
         add_confidence_type) = (rows[name].append for name in ("line", *ENTITY_COLUMNS))
        count = len(confidences)
        for i, entity in enumerate(entities):
            entity = entity if type(entity) is dict else {}
            label = entity.get("label")
            label = label if type(label) is str and label else None
            start, end = entity.get("startOffset"), entity.get("endOffset")
            entry = confidences[i] if i < count and type(confidences[i]) is dict else {}
            confidence = entry.get("confidence")
            add_line(line)
            add_label(label)
            add_declared(None if label is None or declared is None else label in declared)
            add_start(start if type(start) is int else None)
            add_end(end if type(end) is int else None)
            add_text_length(text_length)
            if type(confidence) in numbers:
                add_confidence(confidence)
                add_confidence_type("number")
            else:
                add_confidence(None)
                add_confidence_type(json_type(confidence) if i < count else None)
