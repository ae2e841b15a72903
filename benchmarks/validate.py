"""Measure ``airflow-gt validate`` against a bare parse loop and against what users write today.

    .venv/bin/python benchmarks/validate.py [--lines 1000000] [--small 100000] [--repeat 3]
                                            [--skip-baseline-above N]

Writes bounding-box output manifests shaped like the seed's example (1 to 5 boxes inside the image,
a class-map, one confidence per box, type groundtruth/object-detection, job-name,
human-annotated, creation-date, s3:// source-refs) under benchmarks/data/, then measures, for the
small and the large file:

(a) the floor: ``for line in file: orjson.loads(line)``, in this process, best of ``--repeat``;
(b) the baseline, what a user writes today: ``json.loads`` per line into a list,
    ``pandas.json_normalize`` of the lines and of their nested boxes, confidences and image sizes,
    then a GX suite of a dozen expectations on those frames (ephemeral context, pandas dataframe
    assets); in a fresh process: wall time and peak resident memory;
(c) ``.venv/bin/airflow-gt validate FILE --format json`` in a fresh process: wall time, peak
    resident memory and the summary's ``success``. Its fixed start-up cost (interpreter, Great
    Expectations import, suite set-up) is shown too, from a run on a one-line manifest.

The baseline takes minutes and gigabytes at a million lines (the issue measured 22 s and 1.6 GB at
200,000 lines), so by default it runs only at sizes up to the small one; ``--skip-baseline-above``
raises that limit.

Targets: (c) at most 3x (a) at the large size; (b)/(c) at least 10 wherever (b) ran; (c)'s peak
resident memory under 400 MB at both sizes, the large at most 1.25x the small. Exits 1 when a target
is missed. Nothing here runs in the test suite.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
from bounding_box_data import CLASSES, bare_loop, make_manifest

ROOT = Path(__file__).resolve().parents[1]
AIRFLOW_GT = ROOT / ".venv" / "bin" / "airflow-gt"

SPEED_VS_FLOOR = 3.0  # (c) may take at most this multiple of (a) at the large size
SPEED_VS_BASELINE = 10.0  # (b) must take at least this multiple of (c)
PEAK_MB = 400.0  # (c)'s peak resident memory, MB (10^6 bytes)
FLAT_MEMORY = 1.25  # (c)'s peak at the large size, as a multiple of its peak at the small one

# --- (a) the floor --------------------------------------------------------------------------


def best_of(repeat: int, function: Callable[[Path], object], path: Path) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function(path)
        times.append(time.perf_counter() - start)
    return min(times)


# --- (b) the baseline, run in its own process -----------------------------------------------


def baseline_frames(path: Path) -> dict[str, Any]:
    """``json.loads`` per line, then ``pandas.json_normalize`` of the lines and their parts."""
    import pandas

    with path.open(encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle]
    keep = ["source-ref"]
    return {
        "lines": pandas.json_normalize(records),
        "boxes": pandas.json_normalize(records, ["bounding-box", "annotations"], keep),
        "images": pandas.json_normalize(records, ["bounding-box", "image_size"], keep),
        "objects": pandas.json_normalize(records, ["bounding-box-metadata", "objects"], keep),
    }


def baseline_expectations() -> dict[str, list[Any]]:
    """A dozen expectations comparable to the object-detection suite's, per frame."""
    import great_expectations.expectations as gxe

    meta = "bounding-box-metadata."
    return {
        "lines": [
            gxe.ExpectColumnValuesToMatchRegex(column="source-ref", regex=r"^s3://[^/]+/.+"),
            gxe.ExpectColumnValuesToBeInSet(
                column=meta + "type", value_set=["groundtruth/object-detection"]
            ),
            gxe.ExpectColumnValuesToNotBeNull(column=meta + "job-name"),
            gxe.ExpectColumnValuesToBeInSet(column=meta + "human-annotated",
                                            value_set=["yes", "no"]),
            gxe.ExpectColumnValuesToMatchRegex(
                column=meta + "creation-date", regex=r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d"
            ),
        ],
        "boxes": [
            gxe.ExpectColumnValuesToBeBetween(column="left", min_value=0),
            gxe.ExpectColumnValuesToBeBetween(column="top", min_value=0),
            gxe.ExpectColumnValuesToBeBetween(column="width", min_value=1),
            gxe.ExpectColumnValuesToBeBetween(column="height", min_value=1),
            gxe.ExpectColumnValuesToBeInSet(column="class_id", value_set=list(CLASSES)),
        ],
        "images": [
            gxe.ExpectColumnValuesToBeBetween(column="width", min_value=1),
            gxe.ExpectColumnValuesToBeBetween(column="height", min_value=1),
        ],
        "objects": [
            gxe.ExpectColumnValuesToBeBetween(column="confidence", min_value=0, max_value=1),
        ],
    }


def baseline_validate(frames: dict[str, Any]) -> bool:
    """The frames through a GX suite per frame, as the GX documentation shows it."""
    import great_expectations as gx

    context = gx.get_context(mode="ephemeral")
    source = context.data_sources.add_pandas("manifest")
    success = True
    for name, expectations in baseline_expectations().items():
        batch_definition = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe(
            name
        )
        suite = context.suites.add(gx.ExpectationSuite(name=name, expectations=expectations))
        batch = batch_definition.get_batch(batch_parameters={"dataframe": frames[name]})
        success = batch.validate(suite).success and success
    return success


def baseline_child(path: Path) -> None:
    """(b) in a fresh process: prints its phases' times and the suite's verdict as JSON."""
    start = time.perf_counter()
    frames = baseline_frames(path)
    normalized = time.perf_counter()
    success = baseline_validate(frames)
    done = time.perf_counter()
    print(json.dumps({
        "success": success,
        "rows": {name: len(frame) for name, frame in frames.items()},
        "parse_and_normalize_s": normalized - start,
        "gx_s": done - normalized,
    }))


# --- child processes ------------------------------------------------------------------------


@dataclass
class ChildRun:
    """One command run in a fresh process: wall time, the peak resident memory of its whole
    process tree (the command and any worker it starts), its exit and output."""

    argv: list[str]
    seconds: float
    peak_mb: float
    returncode: int
    stdout: str
    stderr: str
    summary: dict[str, Any] = field(default_factory=dict)


def tree_rss(process: psutil.Process) -> int:
    """The resident memory of a process and all its descendants, in bytes, right now."""
    total = 0
    for member in [process, *process.children(recursive=True)]:
        # A member may end between the listing and the reading.
        with contextlib.suppress(psutil.Error):
            total += member.memory_info().rss
    return total


def run_child(argv: list[str]) -> ChildRun:
    """Run ``argv``, sampling the summed RSS of its process tree every 5 ms: a worker process's
    memory counts too (``ru_maxrss`` would give only the largest single process)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(argv, stdout=out, stderr=err)
        watched = psutil.Process(child.pid)
        peak = 0
        while child.poll() is None:
            with contextlib.suppress(psutil.Error):
                peak = max(peak, tree_rss(watched))
            time.sleep(0.005)
        seconds = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode(errors="replace")
    return ChildRun(argv, seconds, peak / 1e6, child.returncode, stdout, stderr)


def parse_summary(run: ChildRun) -> ChildRun:
    try:
        run.summary = json.loads(run.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        run.summary = {}
    return run


def run_baseline(path: Path) -> ChildRun:
    return parse_summary(run_child([sys.executable, __file__, "--baseline-child", str(path)]))


def run_ours(path: Path) -> ChildRun:
    return parse_summary(run_child([str(AIRFLOW_GT), "validate", str(path), "--format", "json"]))


# --- the report -----------------------------------------------------------------------------


@dataclass
class SizeResult:
    lines: int
    megabytes: float
    floor_s: float
    ours: ChildRun
    baseline: ChildRun | None


def measure(lines: int, repeat: int, run_the_baseline: bool) -> SizeResult:
    path = make_manifest(lines)
    print(f"measuring {lines:,} lines ({path.stat().st_size / 1e6:,.0f} MB) ...", flush=True)
    bare_loop(path)  # warm the page cache
    floor = best_of(repeat, bare_loop, path)
    ours = run_ours(path)
    baseline = run_baseline(path) if run_the_baseline else None
    return SizeResult(lines, path.stat().st_size / 1e6, floor, ours, baseline)


def describe(run: ChildRun | None) -> str:
    if run is None:
        return "skipped"
    if run.returncode not in (0, 1) or not run.summary:
        return f"ERROR (exit {run.returncode})"
    return f"{run.seconds:7.2f} s {run.peak_mb:7,.0f} MB  success={run.summary.get('success')}"


def print_table(results: list[SizeResult], startup: ChildRun) -> None:
    width = 44
    print()
    print(f"{'':28}" + "".join(f"{f'{r.lines:,} lines ({r.megabytes:,.0f} MB)':<{width}}"
                                for r in results))
    rows: list[tuple[str, Callable[[SizeResult], str]]] = [
        ("(a) bare orjson loop", lambda r: f"{r.floor_s:7.2f} s"),
        ("(b) json + pandas + GX", lambda r: describe(r.baseline)),
        ("(c) airflow-gt validate", lambda r: describe(r.ours)),
        ("c / a", lambda r: f"{r.ours.seconds / r.floor_s:7.2f}"),
        ("b / c", lambda r: f"{r.baseline.seconds / r.ours.seconds:7.2f}"
         if r.baseline is not None else "-"),
    ]
    for label, cell in rows:
        print(f"{label:<28}" + "".join(f"{cell(r):<{width}}" for r in results))
    print(f"(c) start-up alone, on one line: {startup.seconds:.2f} s, {startup.peak_mb:,.0f} MB")
    for result in results:
        if result.baseline is not None and result.baseline.summary:
            phases = result.baseline.summary
            print(f"(b) at {result.lines:,} lines: parse + normalize "
                  f"{phases['parse_and_normalize_s']:.2f} s, GX {phases['gx_s']:.2f} s, "
                  f"rows {phases['rows']}")


def check_targets(small: SizeResult, large: SizeResult) -> bool:
    checks = [(
        f"(c) <= {SPEED_VS_FLOOR:g}x (a) at {large.lines:,} lines",
        large.ours.seconds <= SPEED_VS_FLOOR * large.floor_s,
    )]
    for result in (small, large):
        if result.baseline is not None:
            checks.append((f"(b) / (c) >= {SPEED_VS_BASELINE:g} at {result.lines:,} lines",
                           result.baseline.seconds >= SPEED_VS_BASELINE * result.ours.seconds))
        checks.append((f"(c) ran and its summary came back at {result.lines:,} lines",
                       result.ours.returncode in (0, 1) and bool(result.ours.summary)))
        checks.append((f"(c) peak < {PEAK_MB:g} MB at {result.lines:,} lines",
                       result.ours.peak_mb < PEAK_MB))
    checks.append((f"(c) peak at {large.lines:,} <= {FLAT_MEMORY}x its peak at {small.lines:,}",
                   large.ours.peak_mb <= FLAT_MEMORY * small.ours.peak_mb))
    print()
    for name, passed in checks:
        print(f"{'PASS' if passed else 'FAIL'}  {name}")
    return all(passed for _, passed in checks)


def show_errors(results: list[SizeResult]) -> None:
    for result in results:
        for run in (result.ours, result.baseline):
            if run is not None and (run.returncode not in (0, 1) or not run.summary):
                print(f"\n{' '.join(run.argv)} exited {run.returncode}:\n{run.stderr[-2000:]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000, help="the large size")
    parser.add_argument("--small", type=int, default=100_000, help="the small size")
    parser.add_argument("--repeat", type=int, default=3, help="runs of (a); the best counts")
    parser.add_argument("--skip-baseline-above", type=int, metavar="N",
                        help="run (b) only at sizes up to N lines (default: the small size)")
    parser.add_argument("--baseline-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline_child:
        baseline_child(Path(args.baseline_child))
        return 0

    limit = args.small if args.skip_baseline_above is None else args.skip_baseline_above
    results = [measure(lines, args.repeat, lines <= limit) for lines in (args.small, args.lines)]
    startup = run_ours(make_manifest(1))
    print_table(results, startup)
    show_errors(results)
    passed = check_targets(*results)
    print("PASS" if passed else "FAIL")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
