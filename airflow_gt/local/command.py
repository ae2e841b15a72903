"""``airflow-gt local``: run the stand-in as a process until it is interrupted.

Prints the endpoint and how to reach it, then serves until SIGINT or SIGTERM. Faults can be set
at start: ``--fault DescribeLabelingJob:throttle=0.3`` (repeatable; ``*`` for every operation) and
``--fail NAME[=REASON]`` for a labeling job or adapter version that must fail.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import signal
import socket
import sys
import threading
from collections.abc import Iterator
from types import FrameType
from typing import TYPE_CHECKING

from airflow_gt.exceptions import ConfigurationError

if TYPE_CHECKING:
    from airflow_gt.local import LocalAws

ADDRESS = "--host/--port"


def serve(args: argparse.Namespace) -> None:
    """Start the stand-in from the parsed arguments and serve until interrupted."""
    from dataclasses import replace

    from airflow_gt.local import LocalAws
    from airflow_gt.local.adapter_training import AdapterTrainingConfig
    from airflow_gt.local.faults import FaultInjector, parse_fault_spec
    from airflow_gt.local.workforce import WorkforceConfig

    faults = FaultInjector(seed=args.seed)
    for spec in args.fault:
        operation, settings = parse_fault_spec(spec)
        faults.set(operation, **settings)
    for item in args.fail:
        name, _, reason = item.partition("=")
        if not name:
            raise ConfigurationError("--fail", f"{item!r}: expected NAME[=REASON]")
        faults.fail(name, reason or "Failed by fault injection")

    workforce = WorkforceConfig()
    if args.seconds_per_task is not None:
        workforce = replace(workforce, seconds_per_task=args.seconds_per_task)
    if args.object_failure_rate is not None:
        workforce = replace(workforce, object_failure_rate=args.object_failure_rate)
    if args.worker_accuracy is not None:
        skill = replace(workforce.skill, accuracy=args.worker_accuracy)
        workforce = replace(workforce, skill=skill)
    if args.workers is not None:  # their own accuracies, over --worker-accuracy's
        workforce = replace(workforce, named_workers=args.workers)
    training = AdapterTrainingConfig()
    if args.training_seconds is not None:
        training = replace(training, training_seconds=args.training_seconds)

    check_address(args.host, args.port)
    stand_in = LocalAws(
        args.host, args.port, seed=args.seed, faults=faults, workforce=workforce,
        training=training, body_timeout=args.body_timeout,
    )
    stopped = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopped.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    with _started(stand_in, args.host, args.port):
        for bucket in args.bucket:
            stand_in.context.s3.create_bucket(bucket)
        url = stand_in.endpoint_url
        print(f"airflow-gt local stand-in listening on {url} (seed {args.seed})", flush=True)
        print(f"  boto3: endpoint_url='{url}' with any access key; region us-east-1 by default",
              flush=True)
        airflow = (
            '{"conn_type": "aws", "login": "x", "password": "y", '
            f'"extra": {{"endpoint_url": "{url}", "region_name": "us-east-1"}}}}'
        )
        print(f"  Airflow: AIRFLOW_CONN_AWS_DEFAULT='{airflow}'", flush=True)
        stopped.wait()
    print("airflow-gt local stand-in stopped", file=sys.stderr, flush=True)


def _cannot_listen(host: str, port: int, reason: str) -> ConfigurationError:
    return ConfigurationError(ADDRESS, f"cannot listen on {host}:{port} ({reason})")


def check_address(host: str, port: int) -> None:
    """Raise ConfigurationError, naming ``--host/--port``, where the stand-in could not listen:
    an unknown host, an address of no interface here, a port in use.

    A socket is bound there as the server will bind it (address family chosen from the host as
    werkzeug does, ``SO_REUSEADDR`` as ``http.server`` sets it) and closed again, so the server's
    own bind does not print its error and exit 1.
    """
    if host.startswith("unix://"):
        return  # a Unix socket's path; werkzeug replaces a leftover file itself
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:  # socket.gaierror too: an unknown host
        raise _cannot_listen(host, port, (exc.strerror or str(exc)).lower()) from None
    except (UnicodeError, ValueError, TypeError) as exc:  # a host name IDNA cannot encode
        raise _cannot_listen(host, port, f"not a host name: {exc}") from None


@contextlib.contextmanager
def _started(stand_in: LocalAws, host: str, port: int) -> Iterator[LocalAws]:
    """The stand-in, started, and stopped at the end. If its bind fails after all (the port was
    taken since ``check_address``), werkzeug prints why and exits 1: that becomes the same
    one-line error."""
    said = io.StringIO()
    try:
        with contextlib.redirect_stderr(said):
            stand_in.start()
    except SystemExit:
        reason = " ".join(said.getvalue().split()) or "the server did not start"
        raise _cannot_listen(host, port, reason) from None
    try:
        yield stand_in
    finally:
        stand_in.stop()
