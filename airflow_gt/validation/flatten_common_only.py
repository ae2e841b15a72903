"""Video and 3D point cloud job types: created and watched, checked only by the common rules.

DESIGN.md: "Video and 3D point-cloud types may be created and watched but need not be validated
beyond the common checks." Their label values (sequence files, cuboids) are not looked into: the
flattener fills the ``lines`` and ``labels`` frames every type has, and nothing more.
"""

from __future__ import annotations

from airflow_gt.validation.flatten import Flattener


class CommonOnlyFlattener(Flattener):
    """The base flattener, for any job type whose suite holds only the common block."""
