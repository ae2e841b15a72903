"""The ``airflow-gt`` command.

Exit codes: 0 done; 1 the data was read but fails (a merge conflict, a taken label attribute);
2 the input could not be read or parsed (the message names the file and line), or bad arguments.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict

from airflow_gt import __version__
from airflow_gt.exceptions import AirflowGtError, ChainingError, MergeError
from airflow_gt.manifests.chaining import Selection, chain_manifest
from airflow_gt.manifests.merging import merge_manifests

EXIT_OK, EXIT_DATA_FAILED, EXIT_UNREADABLE = 0, 1, 2


def _chain(args: argparse.Namespace) -> dict[str, object]:
    selection = Selection(
        status=args.status,
        class_names=frozenset(args.class_name) if args.class_name else None,
        confidence_below=args.confidence_below,
        lowest_quantile=args.lowest_quantile,
        sample_size=args.sample,
        seed=args.seed,
    )
    result = chain_manifest(
        args.source,
        args.out,
        new_label_attribute=args.new_label_attribute,
        selection=selection,
        label_attribute=args.label_attribute,
        follow_up=args.follow_up,
    )
    return asdict(result)


def _merge(args: argparse.Namespace) -> dict[str, object]:
    result = merge_manifests(
        args.sources, args.out, on_missing=args.on_missing, on_conflict=args.on_conflict
    )
    summary = asdict(result)
    summary["issues"] = [str(issue) for issue in result.issues]
    return summary


def _add_local_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=4566, help="port to listen on (0: any free)")
    parser.add_argument("--seed", type=int, default=0, help="makes every simulation repeatable")
    parser.add_argument(
        "--fault", action="append", default=[], metavar="OPERATION:throttle=R,error=R,latency=S",
        help="inject faults into an operation (repeatable; '*' for all)",
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


def _local(args: argparse.Namespace) -> None:
    from airflow_gt.local.command import serve

    serve(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="airflow-gt", description="Ground Truth manifests: chain and merge labeling jobs."
    )
    parser.add_argument("--version", action="version", version=f"airflow-gt {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    chain = commands.add_parser(
        "chain", help="write a follow-up job's input manifest from an output manifest"
    )
    chain.add_argument("source", help="output manifest: local path or s3:// URI")
    chain.add_argument("--out", required=True, help="input manifest to write (path or s3://)")
    chain.add_argument("--new-label-attribute", required=True)
    chain.add_argument("--label-attribute", help="the label to select on (detected if one)")
    chain.add_argument("--follow-up", help="the follow-up job type or built-in task")
    chain.add_argument(
        "--status", default="all", choices=["all", "labeled", "unlabeled", "failed"]
    )
    chain.add_argument("--class-name", action="append", help="keep lines with this class")
    chain.add_argument("--confidence-below", type=float)
    chain.add_argument("--lowest-quantile", type=float)
    chain.add_argument("--sample", type=int, help="then keep a random sample of this many")
    chain.add_argument("--seed", type=int, default=0)
    chain.set_defaults(run=_chain)

    merge = commands.add_parser("merge", help="join job outputs on source-ref / source")
    merge.add_argument("sources", nargs="+", help="output manifests (at least two)")
    merge.add_argument("--out", required=True)
    merge.add_argument("--on-missing", default="keep", choices=["keep", "drop", "error"])
    merge.add_argument("--on-conflict", default="error", choices=["error", "first"])
    merge.set_defaults(run=_merge)

    local = commands.add_parser(
        "local", help="run the local stand-in for S3, Ground Truth and Rekognition"
    )
    _add_local_arguments(local)
    local.set_defaults(run=_local)

    for sub in (chain, merge):
        sub.add_argument("--format", default="text", choices=["text", "json"])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return EXIT_UNREADABLE if exc.code else EXIT_OK
    try:
        summary = args.run(args)
    except (ChainingError, MergeError) as exc:
        print(f"airflow-gt: {exc}", file=sys.stderr)
        return EXIT_DATA_FAILED
    except AirflowGtError as exc:
        print(f"airflow-gt: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    if summary is None:
        return EXIT_OK
    if args.format == "json":
        print(json.dumps(summary, sort_keys=True))
    else:
        for key, value in summary.items():
            if isinstance(value, list):
                print(f"{key}:")
                print("".join(f"  {item}\n" for item in value), end="")
            else:
                print(f"{key}: {value}")
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
