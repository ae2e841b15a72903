"""The ``airflow-gt`` command.

Exit codes: 0 done; 1 the data was read but fails (its expectations, a workforce check, a merge
conflict, a taken label attribute, labels that cannot become moderation labels, an adapter's
evaluation gate); 2 the input could not be read or parsed (the message names the file and line), or
bad arguments.

Each subcommand's handler returns an ``Outcome`` (its summary, its exit code, and optionally its
own text rendering) or None; ``main`` prints it in the format asked for.

Every output is checked before any input is read (``manifests/destinations.py``: not an input,
not a folder, FIFO or device, not named twice), and SIGINT or SIGTERM stop a command cleanly
(``interrupts.py``): exit 130 or 143, one line, nothing half-written left behind.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow_gt import __version__
from airflow_gt.cli_arguments import (
    add_evaluate_arguments,
    add_local_arguments,
    add_to_moderation_arguments,
    add_validate_arguments,
    add_workers_arguments,
)
from airflow_gt.exceptions import (
    AirflowGtError,
    ChainingError,
    ConfigurationError,
    Interrupted,
    MergeError,
    ModerationConversionError,
)
from airflow_gt.extras import LOCAL, PLOTS, require_extra
from airflow_gt.interrupts import signals_raise
from airflow_gt.manifests.chaining import Selection, chain_manifest
from airflow_gt.manifests.destinations import check_outputs
from airflow_gt.manifests.merging import merge_manifests
from airflow_gt.manifests.storage import is_s3_uri

if TYPE_CHECKING:
    from airflow_gt.validation.results import ValidationResult

EXIT_OK, EXIT_DATA_FAILED, EXIT_UNREADABLE = 0, 1, 2


@dataclass(frozen=True)
class Outcome:
    """What a subcommand hands back to ``main``.

    :param summary: printed as one JSON object with ``--format json``, else as ``key: value``
        lines unless ``text`` is given.
    :param exit_code: the process's exit code.
    :param text: the ``--format text`` rendering, when the command has its own.
    """

    summary: Mapping[str, Any]
    exit_code: int = EXIT_OK
    text: str | None = None


def _chain(args: argparse.Namespace) -> Outcome:
    selection = Selection(
        status=args.status,
        class_names=frozenset(args.class_name) if args.class_name else None,
        confidence_below=args.confidence_below,
        lowest_quantile=args.lowest_quantile,
        sample_size=args.sample,
        seed=args.seed,
        agreement_below=args.agreement_below,
    )
    result = chain_manifest(
        args.source,
        args.out,
        new_label_attribute=args.new_label_attribute,
        selection=selection,
        label_attribute=args.label_attribute,
        follow_up=args.follow_up,
        job_output=args.job_output,
    )
    return Outcome(asdict(result))


def _merge(args: argparse.Namespace) -> Outcome:
    result = merge_manifests(
        args.sources, args.out, on_missing=args.on_missing, on_conflict=args.on_conflict
    )
    summary = asdict(result)
    summary["issues"] = [str(issue) for issue in result.issues]
    return Outcome(summary)


def _to_moderation(args: argparse.Namespace) -> Outcome:
    from airflow_gt.manifests.label_map import read_label_map
    from airflow_gt.manifests.moderation import to_moderation

    if args.test_out is None and args.test_fraction is not None:
        raise ConfigurationError("--test-fraction", "needs --test-out, the testing manifest")
    check_outputs([args.out, args.test_out], [args.source, args.label_map])
    result = to_moderation(
        args.source,
        args.out,
        label_attribute=args.label_attribute,
        testing=args.test_out,
        test_fraction=0.2 if args.test_fraction is None else args.test_fraction,
        seed=args.seed,
        label_map=None if args.label_map is None else read_label_map(args.label_map),
    )
    return Outcome(asdict(result), text=result.render_text())


def _evaluate(args: argparse.Namespace) -> Outcome:
    from airflow_gt.evaluation import (
        Gates,
        analyze_output_manifest,
        evaluate,
        read_evaluation_results,
        render_text,
        write_plot,
    )

    if args.plot is not None:
        require_extra("--plot", PLOTS)
        check_outputs([args.plot], [args.evaluation_json, args.output_manifest])
    gates = Gates(
        min_f1=args.min_f1,
        require_improvement=args.require_improvement,
        min_recall=dict(args.min_recall),
    )
    results = read_evaluation_results(args.evaluation_json)
    evaluation = evaluate(results, gates)
    summary = evaluation.summary()
    analysis = None
    if args.output_manifest is not None:
        analysis = analyze_output_manifest(args.output_manifest, results)
        summary["output_manifest"] = analysis.summary()
    plot = None
    if args.plot is not None:
        plot = summary["plot"] = write_plot(evaluation, args.plot)
    return Outcome(
        summary,
        exit_code=EXIT_OK if evaluation.passed else EXIT_DATA_FAILED,
        text=render_text(evaluation, analysis, plot),
    )


def _label_names(source: str | None) -> tuple[str, ...] | None:
    if source is None:
        return None
    from airflow_gt.manifests.categories import read_label_categories

    return read_label_categories(source).label_names


def _local_size(source: str) -> int | None:
    try:
        return None if is_s3_uri(source) else Path(source).stat().st_size
    except OSError:
        return None


def _run_validation(args: argparse.Namespace) -> ValidationResult:
    from airflow_gt.validation.progress import progress_printer
    from airflow_gt.validation.validator import validate_manifest

    label_categories = _label_names(args.label_categories)
    progress = progress_printer(sys.stderr, total_bytes=_local_size(args.source))
    try:
        return validate_manifest(
            args.source,
            job_type=args.job_type,
            label_attribute=args.label_attribute,
            input_manifest=args.input_manifest,
            label_categories=label_categories,
            max_failed_fraction=args.max_failed_fraction,
            progress=progress,
            # GX runs in this process, in this thread, while a second thread reads the manifest
            # (Arrow's parsing releases the GIL): one process, so one copy of GX in memory.
            processes=0,
        )
    finally:
        if progress is not None:
            progress.finish()


def _validate(args: argparse.Namespace) -> Outcome:
    from airflow_gt.validation.reports import (
        render_text,
        report_locations,
        summary_json,
        write_reports,
    )

    if args.report_dir:
        reports = report_locations(args.report_dir)
        check_outputs(
            [reports.json, reports.html],
            [args.source, args.input_manifest, args.label_categories],
        )
    result = _run_validation(args)
    summary: dict[str, Any] = json.loads(summary_json(result, indent=False))
    text = render_text(result)
    if args.report_dir:
        locations = write_reports(result, args.report_dir)
        summary["reports"] = {"json": locations.json, "html": locations.html}
        text += f"\nreport (json): {locations.json}\nreport (html): {locations.html}"
    return Outcome(
        summary, exit_code=EXIT_OK if result.success else EXIT_DATA_FAILED, text=text
    )


def _workers(args: argparse.Namespace) -> Outcome:
    from airflow_gt.workforce import WorkforceThresholds, check_workforce, measure_workforce
    from airflow_gt.workforce.reports import (
        render_text,
        summary_json,
        workforce_report_locations,
        write_reports,
    )

    thresholds = WorkforceThresholds(
        min_agreement=args.min_agreement,
        min_worker_accuracy=args.min_worker_accuracy,
        min_tasks=args.min_tasks,
    )
    if args.report_dir:
        reports = workforce_report_locations(args.report_dir)
        check_outputs([reports.json, reports.html], [args.source])
    measures = measure_workforce(args.source, label_attribute=args.label_attribute)
    result = check_workforce(measures, thresholds)
    summary: dict[str, Any] = json.loads(summary_json(result, indent=False))
    text = render_text(result)
    if args.report_dir:
        locations = write_reports(result, args.report_dir)
        summary["reports"] = {"json": locations.json, "html": locations.html}
        text += f"\nreport (json): {locations.json}\nreport (html): {locations.html}"
    return Outcome(
        summary, exit_code=EXIT_OK if result.success else EXIT_DATA_FAILED, text=text
    )


def _local(args: argparse.Namespace) -> None:
    require_extra("airflow-gt local", LOCAL)
    from airflow_gt.local.command import serve

    serve(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="airflow-gt",
        description="Ground Truth manifests: validate, chain and merge labeling jobs; turn labels "
        "into Rekognition Custom Moderation manifests and gate adapters on their evaluation.",
    )
    parser.add_argument("--version", action="version", version=f"airflow-gt {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    validate = commands.add_parser(
        "validate", help="check a manifest against its job type's expectations"
    )
    add_validate_arguments(validate)
    validate.set_defaults(run=_validate)

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
    chain.add_argument(
        "--agreement-below", type=float, metavar="F",
        help="keep lines whose workers agreed less than F, in (0, 1] (from their responses)",
    )
    chain.add_argument(
        "--job-output", metavar="DIR",
        help="with --agreement-below: the job's output folder (path or s3://; default: the "
        "folder of a SOURCE that is <job>/manifests/output/output.manifest)",
    )
    chain.set_defaults(run=_chain)

    merge = commands.add_parser("merge", help="join job outputs on source-ref / source")
    merge.add_argument("sources", nargs="+", help="output manifests (at least two)")
    merge.add_argument("--out", required=True)
    merge.add_argument("--on-missing", default="keep", choices=["keep", "drop", "error"])
    merge.add_argument("--on-conflict", default="error", choices=["error", "first"])
    merge.set_defaults(run=_merge)

    to_moderation = commands.add_parser(
        "to-moderation", help="write Rekognition moderation manifests from Ground Truth labels"
    )
    add_to_moderation_arguments(to_moderation)
    to_moderation.set_defaults(run=_to_moderation)

    evaluate = commands.add_parser(
        "evaluate", help="check a moderation adapter's evaluation results against gates"
    )
    add_evaluate_arguments(evaluate)
    evaluate.set_defaults(run=_evaluate)

    workers = commands.add_parser(
        "workers", help="check a labeling job's workforce: agreement and each worker's accuracy"
    )
    add_workers_arguments(workers)
    workers.set_defaults(run=_workers)

    local = commands.add_parser(
        "local", help="run the local stand-in for S3, Ground Truth and Rekognition"
    )
    add_local_arguments(local)
    local.set_defaults(run=_local)

    for sub in (validate, chain, merge, to_moderation, evaluate, workers):
        sub.add_argument("--format", default="text", choices=["text", "json"])
    return parser


_CONTROL_ESCAPES = {code: repr(chr(code))[1:-1] for code in (*range(0x20), *range(0x7F, 0xA0))}
"""Control characters as Python writes them in a literal (``\\n``, ``\\x1b``)."""


def _error(exc: BaseException) -> None:
    """The error as one line on standard error: a control character in it (a file name may
    hold a newline or a terminal escape) is written escaped."""
    print(f"airflow-gt: {str(exc).translate(_CONTROL_ESCAPES)}", file=sys.stderr)


def run() -> None:
    """The ``airflow-gt`` command: ``main``, then the process ends at once.

    Once a command is done, the interpreter's own shutdown would free every object Great
    Expectations, pandas and Arrow made, one by one: measured, 0.6 s after every ``validate``,
    for memory the operating system takes back anyway. Everything the command writes is
    complete and closed by the time ``main`` returns (outputs are published or taken back,
    temporary folders removed), so only the standard streams and logging are flushed first.
    """
    code = main()
    for stream in (sys.stdout, sys.stderr):
        # A closed pipe (`| head`) or stream has nothing to add.
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    logging.shutdown()
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; SIGINT and SIGTERM stop it cleanly, exiting 128 + the signal's number
    (130, 143) with one line on stderr."""
    with signals_raise():
        try:
            return _main(argv)
        except Interrupted as exc:
            _error(exc)
            return 128 + exc.signum


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return EXIT_UNREADABLE if exc.code else EXIT_OK
    try:
        outcome: Outcome | None = args.run(args)
    except (ChainingError, MergeError, ModerationConversionError) as exc:
        _error(exc)
        return EXIT_DATA_FAILED
    except AirflowGtError as exc:
        _error(exc)
        return EXIT_UNREADABLE
    if outcome is None:
        return EXIT_OK
    _print(outcome, args.format)
    return outcome.exit_code


def _print(outcome: Outcome, output_format: str) -> None:
    if output_format == "json":
        print(json.dumps(outcome.summary, sort_keys=True))
    elif outcome.text is not None:
        print(outcome.text)
    else:
        for key, value in outcome.summary.items():
            if isinstance(value, list):
                print(f"{key}:")
                print("".join(f"  {item}\n" for item in value), end="")
            else:
                print(f"{key}: {value}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
