"""Segmentation masks read by Arrow: the same ``labels`` and ``colors`` columns as
``MaskFlattener.flatten_label`` gives, computed on whole columns.

The metadata's ``internal-color-map`` is left for Arrow to infer: its keys become the fields of a
struct, a key a line does not have is null in that line, and each key's entries have one type in
a block (Arrow refuses a block where they do not). So a line's entries are the struct's non-null
fields, its entries that are objects those of struct type, and its ``colors`` rows are gathered
key by key (a manifest has few keys), then put in line order and, within a line, in
``color_key_order``.

Class names and colors are read where they are strings; a block where Arrow read them as
timestamps (a string that looks like a date) is left to the line-by-line flattener.
"""

from __future__ import annotations

from typing import Any

import numpy
import pyarrow
import pyarrow.compute as pc

from airflow_gt.validation.arrow_columns import (
    distinct_counts,
    inferred_numbers,
    inferred_text,
    json_type_name,
    json_types,
    repeated,
)
from airflow_gt.validation.flatten_arrow import STRING, child, present, top_level_fields
from airflow_gt.validation.flatten_masks import color_key_order
from airflow_gt.validation.frames import Array, ArrayFrames

COLOR_MAP = "internal-color-map"
HEX_COLOR = r"^#[0-9A-Fa-f]{6}$"
"""What ``hex_color`` accepts (no other character lowers to a hex digit)."""


def mask_fields(attribute: str, metadata_key: str) -> list[Any]:
    return top_level_fields(attribute, STRING, metadata_key)


def mask_frames(labeled: Any, attribute: str, metadata_key: str, frames: ArrayFrames) -> bool:
    """Add the mask columns of the labeled lines to ``frames``; False if the lines hold something
    only the line-by-line flattener reads right (a class name or color read as a timestamp)."""
    metadata = labeled.column(metadata_key).combine_chunks()
    rows = labeled.num_rows
    if metadata.type.get_field_index(COLOR_MAP) >= 0:
        color_map = child(metadata, COLOR_MAP)
    else:
        color_map = pyarrow.nulls(rows, pyarrow.struct([]))
    colors = _color_rows(color_map)
    if colors is None:
        return False
    entry_rows, colors_frame = colors
    known = present(color_map) & pyarrow.types.is_struct(color_map.type)
    labels = frames["labels"]
    labels["attribute_name"] = repeated(attribute, rows)
    labels["mask_ref"] = labeled.column(attribute).combine_chunks()
    labels["color_map_type"] = json_types(present(color_map), json_type_name(color_map.type))
    entries, non_objects = _entry_counts(color_map)
    labels["color_count"] = numpy.where(known, entries, numpy.nan)
    labels["non_object_entries"] = numpy.where(known, non_objects, numpy.nan)
    _color_facts(entry_rows, colors_frame, rows, labels)
    colors_frame["line"] = labels["line"][entry_rows]
    frames["colors"] = {name: colors_frame[name]
                        for name in ("line", "key", "class_name", "confidence", "hex_color")}
    return True


def _entries(color_map: Any) -> list[tuple[str, Any]]:
    """The color map's keys and their entries (null where a line does not have the key)."""
    if not pyarrow.types.is_struct(color_map.type):
        return []
    return [(field.name, child(color_map, field.name)) for field in color_map.type]


def _entry_counts(color_map: Any) -> tuple[Array, Array]:
    """How many entries each line's color map has, and how many of them are not objects."""
    entries = numpy.zeros(len(color_map))
    non_objects = numpy.zeros(len(color_map))
    for _, entry in _entries(color_map):
        found = present(entry)
        entries += found
        if not pyarrow.types.is_struct(entry.type):
            non_objects += found
    return entries, non_objects


def _color_rows(color_map: Any) -> tuple[Array, dict[str, Any]] | None:
    """Each entry that is an object: its line's row among the labeled lines, and its ``colors``
    columns (but ``line``), in line order and ``color_key_order`` within a line; None where a
    class name or color was read as a timestamp."""
    keys: list[Array] = []
    rows: list[Array] = []
    class_names: list[Any] = []
    confidences: list[Array] = []
    hex_colors: list[Any] = []
    objects = [(key, entry) for key, entry in _entries(color_map)
               if pyarrow.types.is_struct(entry.type)]
    ranks = {key: rank for rank, key in enumerate(sorted(
        (key for key, _ in objects), key=color_key_order))}
    for key, entry in objects:
        class_name = inferred_text(entry, "class-name")
        hex_color = inferred_text(entry, "hex-color")
        if class_name is None or hex_color is None:
            return None
        found = pyarrow.array(numpy.flatnonzero(present(entry)))
        rows.append(found.to_numpy())
        keys.append(numpy.full(len(found), ranks[key]))
        class_names.append(class_name.take(found))
        hex_colors.append(hex_color.take(found))
        confidences.append(inferred_numbers(entry, "confidence")[found.to_numpy()])
    if not objects:
        return numpy.zeros(0, dtype=numpy.int64), {
            "key": pyarrow.array([], STRING), "class_name": pyarrow.array([], STRING),
            "confidence": numpy.zeros(0), "hex_color": pyarrow.array([], STRING)}
    entry_rows, ranked = numpy.concatenate(rows), numpy.concatenate(keys)
    order = numpy.lexsort((ranked, entry_rows))
    take = pyarrow.array(order)
    names = pyarrow.array(sorted(ranks, key=ranks.__getitem__), STRING)
    return entry_rows[order], {
        "key": names.take(pyarrow.array(ranked[order])),
        "class_name": pyarrow.concat_arrays(class_names).take(take),
        "confidence": numpy.concatenate(confidences)[order],
        "hex_color": pyarrow.concat_arrays(hex_colors).take(take),
    }


def _color_facts(entry_rows: Array, colors: dict[str, Any], lines: int,
                 labels: dict[str, Any]) -> None:
    """Each line's well-formed colors, distinct colors and distinct in-range confidences."""
    hex_colors = colors["hex_color"]
    well_formed = pc.fill_null(pc.match_substring_regex(hex_colors, HEX_COLOR), False)
    well_formed = well_formed.to_numpy(zero_copy_only=False)
    lowered = pc.utf8_lower(hex_colors.filter(pyarrow.array(well_formed)))
    color_codes = pc.dictionary_encode(lowered).indices.to_numpy()
    confidence = colors["confidence"]
    with numpy.errstate(invalid="ignore"):
        in_range = (confidence >= 0) & (confidence <= 1)
    labels["colored_entries"] = numpy.bincount(
        entry_rows[well_formed], minlength=lines).astype(numpy.float64)
    labels["distinct_colors"] = distinct_counts(entry_rows[well_formed], color_codes, lines)
    labels["distinct_confidences"] = distinct_counts(
        entry_rows[in_range], confidence[in_range], lines)
