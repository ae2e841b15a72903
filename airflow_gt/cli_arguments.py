"""The arguments of ``airflow-gt``'s subcommands, and the types that check them.

A bad value is argparse's error (its usage, then ``airflow-gt CMD: error: ...``, exit 2) naming
the option, before anything is read or written.
"""

from __future__ import annotations

import argparse

from airflow_gt.exceptions import ConfigurationError
from airflow_gt.extras import LOCAL, require_extra


def fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def label_minimum(text: str) -> tuple[str, float]:
    label, equals, value = text.rpartition("=")
    if not equals or not label:
        raise argparse.ArgumentTypeError(f"expected LABEL=F, got {text!r}")
    return label, fraction(value)


def positive_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


def port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be between 0 and 65535, got {text}")
    return value


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text}")
    return value


def named_workers(text: str) -> tuple[tuple[str, float], ...]:
    """``--workers NAME=ACCURACY,...``, checked by the stand-in's own parser (which needs the
    ``local`` extra, as ``airflow-gt local`` does)."""
    try:
        require_extra("--workers", LOCAL)
        from airflow_gt.local.workforce import parse_named_workers

        return parse_named_workers(text)
    except ConfigurationError as error:
        raise argparse.ArgumentTypeError(error.detail) from None


def add_to_moderation_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", help="Ground Truth output manifest: local path or s3:// URI")
    parser.add_argument("--label-attribute", required=True, help="the job's label attribute")
    parser.add_argument("--out", required=True, metavar="TRAIN",
                        help="training manifest to write (path or s3://)")
    parser.add_argument("--test-out", metavar="TEST",
                        help="also split off a testing manifest and write it here")
    parser.add_argument("--test-fraction", type=fraction, default=None, metavar="F",
                        help="share of the images to test on (default 0.2)")
    parser.add_argument("--seed", type=int, default=0, help="makes the split repeatable")
    parser.add_argument(
        "--label-map", metavar="FILE",
        help='JSON object: class name -> moderation label or "safe" (default: the class name)',
    )


def add_evaluate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("evaluation_json", metavar="EVALUATION_JSON",
                        help="the adapter's evaluation results file: local path or s3:// URI")
    parser.add_argument("--min-f1", type=fraction, metavar="F",
                        help="gate: the F1Score must be at least F")
    parser.add_argument("--require-improvement", action="store_true",
                        help="gate: the adapter's F1 must be at least the base model's")
    parser.add_argument(
        "--min-recall", type=label_minimum, action="append", default=[], metavar="LABEL=F",
        help="gate: the adapter's recall of LABEL must be at least F (repeatable)",
    )
    parser.add_argument("--output-manifest", metavar="SOURCE",
                        help="the testing output manifest: list regressions per label")
    parser.add_argument("--plot", metavar="FILE.png",
                        help="draw precision, recall and F1 against the threshold (path or s3://)")


def add_validate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", help="manifest to validate: local path or s3:// URI")
    parser.add_argument("--job-type", help="the job type (detected from the metadata if not given)")
    parser.add_argument(
        "--label-attribute",
        help="validate only this label attribute (default: every one the lines carry)",
    )
    parser.add_argument(
        "--input-manifest", help="the job's input manifest, to check every object came back"
    )
    parser.add_argument(
        "--label-categories", metavar="FILE",
        help="the job's label category configuration (path or s3://): the allowed class names",
    )
    parser.add_argument(
        "--max-failed-fraction", type=fraction, default=0.1, metavar="F",
        help="largest share of objects that may have failed labeling (default 0.1)",
    )
    parser.add_argument("--report-dir", metavar="DIR",
                        help="write validation-report.json and .html here (folder or s3://)")


def add_workers_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "source", help="the labeling job's output folder, <S3OutputPath>/<job name>: s3:// or a "
        "local copy in the same layout",
    )
    parser.add_argument(
        "--label-attribute", help="the job's label attribute (default: the one whose metadata "
        "names the job)",
    )
    parser.add_argument("--min-agreement", type=fraction, metavar="F",
                        help="check: the job's mean agreement must be at least F")
    parser.add_argument("--min-worker-accuracy", type=fraction, metavar="F",
                        help="check: each judged worker's accuracy must be at least F")
    parser.add_argument("--min-tasks", type=positive_count, default=1, metavar="N",
                        help="workers with fewer than N tasks are not judged (default 1)")
    parser.add_argument("--report-dir", metavar="DIR",
                        help="write workforce-report.json and .html here (folder or s3://)")


def add_local_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=port, default=4566,
                        help="port to listen on, 0 to 65535 (0: any free)")
    parser.add_argument("--seed", type=int, default=0, help="makes every simulation repeatable")
    parser.add_argument(
        "--fault", action="append", default=[], metavar="OPERATION:throttle=R,error=R,latency=S",
        help="inject faults into an operation, S3's and SNS's too (repeatable; '*' for all)",
    )
    parser.add_argument(
        "--fail", action="append", default=[], metavar="NAME[=REASON]",
        help="make the labeling job or adapter version of this name fail (repeatable)",
    )
    parser.add_argument("--seconds-per-task", type=float, default=None,
                        help="mean seconds a simulated worker spends on a classification task")
    parser.add_argument("--worker-accuracy", type=fraction, default=None,
                        help="chance a simulated worker answers right (0 to 1)")
    parser.add_argument(
        "--workers", type=named_workers, default=None, metavar="NAME=ACCURACY,...",
        help="named simulated workers with their own accuracy (0 to 1), e.g. "
        "'w1=0.95,w2=0.9,w3=0.4': every labeling job's work team is exactly these workers, and "
        "the workerId in worker-response files is their name; overrides --worker-accuracy for "
        "the answers",
    )
    parser.add_argument("--object-failure-rate", type=float, default=None,
                        help="share of data objects that fail with a failure-reason")
    parser.add_argument("--training-seconds", type=float, default=None,
                        help="seconds an adapter version trains")
    parser.add_argument("--bucket", action="append", default=[],
                        help="create this S3 bucket at start (repeatable)")
    parser.add_argument("--body-timeout", type=seconds, default=20.0, metavar="S",
                        help="seconds a client has to send a request's body before it is "
                        "refused with a 400 (default 20)")
