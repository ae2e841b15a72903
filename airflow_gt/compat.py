"""What differs between the oldest and the newest releases airflow-gt supports, in one place.

CI tests two ends: the lowest set (Airflow 3.0 under its own constraints file, ``make test-lowest``)
and the newest (``constraints/newest-python-3.11.txt``). Where they differ, the bridge is here and
nowhere else, with the release that changed, so that raising a floor means deleting an entry.

Airflow 3.1 moved names from Airflow core into its task SDK (``airflow.sdk``) and deprecated the old
paths; 3.0 has only the old ones. Each such name is imported from here (``from airflow_gt.compat
import conf``) and resolved on first use, newest path first. Nothing is imported when this module
is: the local stand-in and the command line use it without loading Airflow.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow.dag_processing.dagbag import DagBag
    from airflow.providers.amazon.aws.links.base_aws import BaseAwsLink
    from airflow.sdk import BaseNotifier
    from airflow.sdk.configuration import conf
    from airflow.sdk.exceptions import (
        AirflowFailException,
        AirflowRescheduleException,
        AirflowSkipException,
        TaskDeferred,
    )
    from airflow.sdk.serde import deserialize, serialize
    from werkzeug.serving import WSGIRequestHandler

__all__ = [
    "AirflowFailException",
    "AirflowRescheduleException",
    "AirflowSkipException",
    "BaseNotifier",
    "DagBag",
    "TaskDeferred",
    "conf",
    "deserialize",
    "moto_request_handler",
    "persist_link",
    "send_notification",
    "serialize",
]

# name -> (module in Airflow >= 3.1, module in Airflow 3.0)
_MOVED_IN_AIRFLOW_3_1: dict[str, tuple[str, str]] = {
    "conf": ("airflow.sdk.configuration", "airflow.configuration"),
    "AirflowSkipException": ("airflow.sdk.exceptions", "airflow.exceptions"),
    "AirflowFailException": ("airflow.sdk.exceptions", "airflow.exceptions"),
    "AirflowRescheduleException": ("airflow.sdk.exceptions", "airflow.exceptions"),
    "TaskDeferred": ("airflow.sdk.exceptions", "airflow.exceptions"),
    # Task SDK 1.0 lists BaseNotifier in ``airflow.sdk`` but points it at a module it lacks.
    "BaseNotifier": ("airflow.sdk", "airflow.sdk.bases.notifier"),
    "serialize": ("airflow.sdk.serde", "airflow.serialization.serde"),
    "deserialize": ("airflow.sdk.serde", "airflow.serialization.serde"),
    "DagBag": ("airflow.dag_processing.dagbag", "airflow.models.dagbag"),
}


def __getattr__(name: str) -> Any:
    """A moved Airflow name, from the newest module that has it (PEP 562)."""
    try:
        modules = _MOVED_IN_AIRFLOW_3_1[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    for module_name in modules:
        try:
            value = getattr(importlib.import_module(module_name), name)
        except (ImportError, AttributeError):
            continue
        globals()[name] = value
        return value
    raise AttributeError(f"{name} is in none of {', '.join(modules)}: is Airflow 3 installed?")


def moto_request_handler() -> type[WSGIRequestHandler]:
    """The request handler moto's own server uses (only the local stand-in asks for it).

    moto 5.2 added ``MotoRequestHandler``, which keeps S3 metadata keys that contain underscores;
    moto 5.1 serves with werkzeug's handler, which drops those headers. The stand-in writes no such
    metadata, so both serve it the same.
    """
    try:
        from moto.moto_server.werkzeug_app import MotoRequestHandler
    except ImportError:  # moto < 5.2
        from werkzeug.serving import WSGIRequestHandler as werkzeug_handler

        return werkzeug_handler
    handler: type[WSGIRequestHandler] = MotoRequestHandler
    return handler


def persist_link(
    link: type[BaseAwsLink], context: Any, operator: Any, region_name: str | None,
    aws_partition: str, **fields: Any,
) -> None:
    """Store a console link's fields in XCom for the task's "extra link" button.

    The Amazon provider's ``BaseAwsLink.persist`` pushes through ``operator.xcom_push`` up to 9.8
    (the 3.0 line's), which Task SDK 1.0's operators lack; it swallows the error and the link is
    lost. Later releases push through the task instance, as this does for every version.
    """
    if not operator.do_xcom_push:
        return
    value = {"region_name": region_name, "aws_domain": link.get_aws_domain(aws_partition), **fields}
    context["ti"].xcom_push(key=link.key, value=value)


def send_notification(notifier: BaseNotifier, context: dict[str, Any]) -> None:
    """Send through ``notifier`` as calling it does, but let a failure to send raise.

    Task SDK 1.0's ``BaseNotifier.__call__`` logs an error of ``notify`` and swallows it (1.1 and
    later raise it), so an alert that could not be sent would pass for sent on Airflow 3.0. These
    are the steps of ``__call__``: the notifier's fields join the context, its templates are
    rendered, and it notifies.
    """
    for name in notifier.template_fields:
        context[name] = getattr(notifier, name)
    notifier.render_template_fields(context)  # type: ignore[arg-type]
    notifier.notify(context)  # type: ignore[arg-type]
