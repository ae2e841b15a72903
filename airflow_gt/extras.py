"""The optional parts of airflow-gt, and the clear error when one is used without its extra.

The base install is what an Airflow deployment needs. Two parts pull in packages a scheduler or
worker should not carry unless it uses them:

- ``airflow-gt[local]``: the local stand-in for S3, Ground Truth and Rekognition (moto's server,
  Flask, Werkzeug...), for tests and demos, never for production;
- ``airflow-gt[plots]``: matplotlib, to draw an adapter evaluation's precision-recall plot.
"""

from __future__ import annotations

import importlib.util

from airflow_gt.exceptions import MissingExtraError

LOCAL = ("moto", "local")
PLOTS = ("matplotlib", "plots")


def require_extra(parameter: str, extra: tuple[str, str]) -> None:
    """Raise :class:`MissingExtraError`, naming ``parameter``, unless ``extra`` is installed."""
    module, name = extra
    if importlib.util.find_spec(module) is None:
        raise MissingExtraError(parameter, module, name)
