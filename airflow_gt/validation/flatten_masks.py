"""Segmentation masks (``semantic-segmentation``, and its adjustment jobs): the label attribute
ends in ``-ref`` and its value is the ``s3://`` URI of a PNG mask; the metadata's
``internal-color-map`` maps each class index to ``{class-name, confidence, hex-color}``.

Per labeled line, the ``labels`` frame has the attribute's name (a rule on the attribute, written
on each of its lines), the mask URI, and what the color map says as a whole: how many entries,
how many of them are objects, how many distinct colors and confidences. The ``colors`` frame has
one row per entry that is an object, a line's entries in the order of their class indices
(``color_key_order``), whatever their order in the line: Arrow, which reads the color map into
one column per key, cannot tell a line's key order, so both ways give the one order it can.

Each fact is counted so that one broken entry breaks one rule: colors are compared among the
well-formed ones (a malformed color is the color rule's failure, not also a duplicate), and the
one-confidence-per-image rule counts only confidences that are in range.
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
    text,
)

if TYPE_CHECKING:
    from airflow_gt.validation.frames import ArrayFrames

COLOR_COLUMNS = ("key", "class_name", "confidence", "hex_color")
HEX_DIGITS = frozenset("0123456789abcdef")


def hex_color(value: Any) -> str | None:
    """A ``#rrggbb`` color in lower case, or None for anything else."""
    if type(value) is not str or len(value) != 7 or value[0] != "#":
        return None
    color = value.lower()
    return color if HEX_DIGITS.issuperset(color[1:]) else None


def color_key_order(key: str) -> tuple[int, int, str]:
    """Where a color map key's entry goes among its line's ``colors`` rows: class indices by
    value, then any other key by its text."""
    if key.isascii() and key.isdigit():
        return 0, int(key), key
    return 1, 0, key


class MaskFlattener(Flattener):
    job_type = "semantic-segmentation"
    part_columns = (("colors", COLOR_COLUMNS),)
    label_columns = (
        "attribute_name", "mask_ref", "color_map_type", "color_count", "non_object_entries",
        "colored_entries", "distinct_colors", "distinct_confidences",
    )

    def arrow_fields(self) -> list[Any]:
        from airflow_gt.validation.flatten_masks_arrow import mask_fields

        return mask_fields(self.attribute, self.metadata_key)

    def flatten_table(self, table: Any, first: int) -> ArrayFrames | None:
        from airflow_gt.validation.flatten_arrow import common_frames
        from airflow_gt.validation.flatten_masks_arrow import mask_frames

        common = common_frames(table, first, self.attribute, self.metadata_key)
        if common is None:
            return None
        frames, labeled = common
        return frames if mask_frames(labeled, self.attribute, self.metadata_key, frames) else None

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
        for key, entry in sorted(entries.items(), key=lambda item: color_key_order(item[0])):
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
