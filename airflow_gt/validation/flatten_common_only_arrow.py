"""Video and 3D point cloud lines read by Arrow: only the frames every type has.

Their label values (a sequence file's URI, cuboids, a class name...) are not looked into, and
their JSON type differs from one type to another, so the label attribute is not declared: Arrow
infers its type, and the flattener asks only whether a line has it. A block whose lines give it
values of different JSON types is refused by Arrow and flattened line by line.
"""

from __future__ import annotations

from typing import Any

import pyarrow

from airflow_gt.validation.flatten_arrow import METADATA_FIELDS, STRING, common_frames
from airflow_gt.validation.frames import ArrayFrames


def common_only_fields(metadata_key: str) -> list[Any]:
    """The declared fields: the sources and the metadata, not the label."""
    return [
        pyarrow.field("source-ref", STRING),
        pyarrow.field("source", STRING),
        pyarrow.field(metadata_key, pyarrow.struct(METADATA_FIELDS)),
    ]


def common_only_frames(table: Any, first: int, attribute: str,
                       metadata_key: str) -> ArrayFrames | None:
    """The ``lines`` and ``labels`` frames; None where ``common_frames`` leaves them to the
    line-by-line flattener (a labeled line without metadata type)."""
    if attribute not in table.column_names:  # no line of the block has the label
        table = table.append_column(attribute, pyarrow.nulls(table.num_rows))
    common = common_frames(table, first, attribute, metadata_key)
    return None if common is None else common[0]
