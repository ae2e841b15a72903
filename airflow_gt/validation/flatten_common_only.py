"""Video and 3D point cloud job types: created and watched, checked only by the common rules.

DESIGN.md: "Video and 3D point-cloud types may be created and watched but need not be validated
beyond the common checks." Their label values (sequence files, cuboids) are not looked into: the
flattener fills the ``lines`` and ``labels`` frames every type has, and nothing more.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_gt.validation.flatten import Flattener

if TYPE_CHECKING:
    from airflow_gt.validation.frames import ArrayFrames


class CommonOnlyFlattener(Flattener):
    """The base flattener, for any job type whose suite holds only the common block."""

    def arrow_fields(self) -> list[Any]:
        from airflow_gt.validation.flatten_common_only_arrow import common_only_fields

        return common_only_fields(self.metadata_key)

    def flatten_table(self, table: Any, first: int) -> ArrayFrames | None:
        from airflow_gt.validation.flatten_common_only_arrow import common_only_frames

        return common_only_frames(table, first, self.attribute, self.metadata_key)
