"""The arguments of ``airflow-gt``'s subcommands, and the types that check them.

A bad value is argparse's error (its usage, then ``airflow-gt CMD: error: ...``, exit 2) naming
the option, before anything is read or written.
"""

from __future__ import annotations

import argparse


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
    parser.add_argument("--worker-accuracy", type=float, default=None,
                        help="chance a simulated worker answers right (0 to 1)")
    parser.add_argument("--object-failure-rate", type=float, default=None,
                        help="share of data objects that fail with a failure-reason")
    parser.add_argument("--training-seconds", type=float, default=None,
                        help="seconds an adapter version trains")
    parser.add_argument("--bucket", action="append", default=[],
                        help="create this S3 bucket at start (repeatable)")
    parser.add_argument("--body-timeout", type=seconds, default=20.0, metavar="S",
                        help="seconds a client has to send a request's body before it is "
                        "refused with a 400 (default 20)")
