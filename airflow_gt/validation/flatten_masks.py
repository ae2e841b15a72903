"""Segmentation masks (``semantic-segmentation``, and its adjustment jobs): the label attribute
ends in ``-ref`` and its value is the ``s3://`` URI of a PNG mask; the metadata's
``internal-color-map`` maps each class index to ``{class-name, confidence, hex-color}``.

Per labeled line, the ``labels`` frame has the attribute's name (a rule on the attribute, written
on each of its lines), the mask URI, and what the color map says as a whole: how many entries,
how many of them are objects, how many distinct colors and confidences. The ``colors`` frame has
one row per entry that is an object.

Each fact is counted so that one broken entry breaks one rule: colors are compared among the
well-formed ones (a malformed color is the color rule's failure, not also a duplicate), and the
one-confidence-per-image rule counts only confidences that are in range.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_gt.validation.flatten import (
    NUMBER_TYPES,
    Columns,
    Flattener,
    Frames,
    json_type,
    text,
)

COLOR_COLUMNS = ("key", "class_name", "confidence", "hex_color")
HEX_DIGITS = frozenset("0123456789abcdef")


def hex_color(value: Any) -> str | None:
    """A ``#rrggbb`` color in lower case, or None for anything else."""
    if type(value) is not str or len(value) != 7 or value[0] != "#":
        return None
    color = value.lower()
    return color if HEX_DIGITS.issuperset(color[1:]) else None


class MaskFlattener(Flattener):
    job_type = "semantic-segmentation"
    part_columns = (("colors", COLOR_COLUMNS),)
    label_columns = (
        "attribute_name", "mask_ref", "color_map_type", "color_count", "non_object_entries",
        "colored_entries", "distinct_colors", "distinct_confidences",
    )

    def flatten_label(self, number_: int, record: Mapping[str, Any], value: Any,
                      metadata: Mapping[str, Any], frames: Frames) -> None:
        labels = frames["labels"]
        color_map = metadata.get("internal-color-map")
        labels["attribute_name"].append(self.attribute)
        labels["mask_ref"].append(text(value))
        labels["color_map_type"].append(json_type(color_map))
        entries = color_map if type(color_map) is dict else {}
        colors, confidences = self._colors(number_, entries, frames["colors"])
        known = type(color_map) is dict
        labels["color_count"].append(len(entries) if known else None)
        labels["non_object_entries"].append(
            sum(type(entry) is not dict for entry in entries.values()) if known else None)
        labels["colored_entries"].append(len(colors))
        labels["distinct_colors"].append(len(set(colors)))
        labels["distinct_confidences"].append(len(set(confidences)))

    @staticmethod
    def _colors(line: int, entries: Mapping[str, Any], rows: Columns
                ) -> tuple[list[str], list[float]]:
        """Add a row per entry that is an object; its well-formed colors and in-range
        confidences."""
        colors: list[str] = []
        confidences: list[float] = []
        for key, entry in entries.items():
            if type(entry) is not dict:
                continue
            name, confidence = entry.get("class-name"), entry.get("confidence")
            color = entry.get("hex-color")
            confidence = confidence if type(confidence) in NUMBER_TYPES else None
            rows["line"].append(line)
            rows["key"].append(key)
            rows["class_name"].append(name if type(name) is str else None)
            rows["confidence"].append(confidence)
            rows["hex_color"].append(color if type(color) is str else None)
            well_formed = hex_color(color)
            if well_formed is not None:
                colors.append(well_formed)
            if confidence is not None and 0 <= confidence <= 1:
                confidences.append(confidence)
        return colors, confidences
