"""Measure ``airflow-gt validate`` against issue 16's targets.

    .venv/bin/python benchmarks/validate.py [--lines 1000000] [--small 100000] [--repeat 3]
                                            [--baseline]

Writes bounding-box output manifests shaped like the seed's example (1 to 5 boxes inside the image,
a class-map, one confidence per box, type groundtruth/object-detection, job-name,
human-annotated, creation-date, s3:// source-refs) under benchmarks/data/, then measures, each
``--repeat`` times (the best counts; every run is printed):

- the floor: ``for line in file: orjson.loads(line)``, in this process;
- GX's import: ``python -c "import great_expectations"`` in a fresh process, wall time;
- ``.venv/bin/airflow-gt validate FILE --format json`` in a fresh process: wall time, the peak
  resident memory of its whole process tree, and the summary's ``success``; at the small size,
  the large size and on a one-line manifest (start-up);
- the fast path per job type: each sample of tests/sample/ copied to ``--type-lines`` lines
  (each line its own source), flattened in this process; the share of blocks Arrow read, and
  lines per second.
- with ``--baseline``, what a user writes without airflow-gt: ``json.loads`` per line,
  ``pandas.json_normalize`` and a GX suite of a dozen expectations (slow: minutes and gigabytes
  at a million lines, so only at the small size).

Targets (issue 16), each checked on the best of the runs:
(validate - import) <= 2x the floor at the large size; peak memory <= 500 MB at the large size and
<= 1.25x the small size's; start-up <= import + 0.5 s; every job type's blocks all read by Arrow.
Exits 1 when a target is missed. Nothing here runs in the test suite.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
from bounding_box_data import CLASSES, DATA, bare_loop, make_manifest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "tests" / "sample"
AIRFLOW_GT = ROOT / ".venv" / "bin" / "airflow-gt"

SPEED_VS_FLOOR = 2.0  # (validate - import) / floor, at most, at the large size
PEAK_MB = 500.0  # validate's peak resident memory at the large size, MB (10^6 bytes)
FLAT_MEMORY = 1.25  # its peak at the large size, as a multiple of its peak at the small one
STARTUP_S = 0.5  # a one-line manifest takes at most GX's import time and this

# --- (a) the floor --------------------------------------------------------------------------


def floor_times(repeat: int, path: Path) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        bare_loop(path)
        times.append(time.perf_counter() - start)
    return times


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


def run_validate(path: Path) -> ChildRun:
    return parse_summary(run_child([str(AIRFLOW_GT), "validate", str(path), "--format", "json"]))


def run_import() -> ChildRun:
    return run_child([str(ROOT / ".venv" / "bin" / "python"), "-c", "import great_expectations"])


# --- the fast path per job type, in this process ----------------------------------------------


def type_manifest(sample: Path, lines: int) -> Path:
    """``sample``'s lines repeated to ``lines`` lines, each with a source of its own."""
    import orjson

    path = DATA / f"{sample.stem}-{lines}.manifest"
    if path.exists():
        return path
    records = [orjson.loads(line) for line in sample.read_bytes().splitlines() if line.strip()]
    with path.open("wb") as out:
        for index in range(lines):
            record = dict(records[index % len(records)])
            key = "source-ref" if "source-ref" in record else "source"
            record[key] = f"{record[key]}#{index}"
            out.write(orjson.dumps(record) + b"\n")
    return path


@dataclass
class TypeResult:
    sample: str
    job_types: str
    arrow_blocks: int
    line_blocks: int
    seconds: float
    lines: int


def flatten_speed(path: Path, sample: str) -> TypeResult:
    """Flatten ``path`` as the validator does (every label attribute of its first lines)."""
    from airflow_gt.manifests.reader import LineParser
    from airflow_gt.validation.chunk_feed import BlockFlattening, read_blocks
    from airflow_gt.validation.flatteners import flattener_for
    from airflow_gt.validation.targets import find_targets
    from airflow_gt.validation.validator import SUB_CHUNK_LINES

    parser = LineParser(str(path))
    blocks = read_blocks(path, SUB_CHUNK_LINES, None)
    first = next(blocks)
    targets = find_targets(first.parse(parser), None, None, source=str(path), whole_file=False)
    first.records = None
    flattening = BlockFlattening(
        [flattener_for(t.job_type, t.attribute, t.metadata_key) for t in targets], parser)
    start = time.perf_counter()
    lines = 0
    for block in [first, *blocks]:
        flattening.frames(block)
        lines += block.lines
    return TypeResult(sample, ", ".join(sorted({t.job_type for t in targets})),
                      flattening.arrow_blocks, flattening.line_blocks,
                      time.perf_counter() - start, lines)


# --- the report -----------------------------------------------------------------------------


@dataclass
class SizeResult:
    lines: int
    megabytes: float
    floors: list[float]
    runs: list[ChildRun]
    baseline: ChildRun | None = None

    @property
    def floor(self) -> float:
        return min(self.floors)

    @property
    def seconds(self) -> float:
        return min(run.seconds for run in self.runs)

    @property
    def peak_mb(self) -> float:
        return min(run.peak_mb for run in self.runs)


def measure(lines: int, repeat: int, run_the_baseline: bool) -> SizeResult:
    path = make_manifest(lines)
    print(f"measuring {lines:,} lines ({path.stat().st_size / 1e6:,.0f} MB) ...", flush=True)
    bare_loop(path)  # warm the page cache
    result = SizeResult(lines, path.stat().st_size / 1e6, floor_times(repeat, path),
                        [run_validate(path) for _ in range(repeat)])
    if run_the_baseline:
        result.baseline = run_baseline(path)
    return result


def describe(run: ChildRun) -> str:
    if run.returncode not in (0, 1) or not run.summary:
        return f"ERROR (exit {run.returncode})"
    return f"{run.seconds:.2f} s {run.peak_mb:,.0f} MB"


def print_report(results: list[SizeResult], imports: list[ChildRun], startup: list[ChildRun],
                 types: list[TypeResult]) -> None:
    best_import = min(run.seconds for run in imports)
    print()
    print("GX import:          " + ", ".join(f"{run.seconds:.2f} s" for run in imports)
          + f"  (best {best_import:.2f} s, {min(run.peak_mb for run in imports):,.0f} MB)")
    print("start-up (1 line):  " + ", ".join(describe(run) for run in startup)
          + f"  (best {min(run.seconds for run in startup):.2f} s: import "
          f"{min(run.seconds for run in startup) - best_import:+.2f} s)")
    for result in results:
        print(f"\n{result.lines:,} lines ({result.megabytes:,.0f} MB)")
        print("  floor (orjson loop): " + ", ".join(f"{t:.2f} s" for t in result.floors))
        print("  validate:            " + ", ".join(describe(run) for run in result.runs)
              + f"  success={result.runs[0].summary.get('success')}")
        over = result.seconds - best_import
        print(f"  best: validate {result.seconds:.2f} s - import {best_import:.2f} s = "
              f"{over:.2f} s = {over / result.floor:.2f}x the floor ({result.floor:.2f} s); "
              f"peak {result.peak_mb:,.0f} MB")
        if result.baseline is not None:
            phases = result.baseline.summary
            print(f"  json + pandas + GX:  {describe(result.baseline)}"
                  + (f" (parse + normalize {phases['parse_and_normalize_s']:.2f} s, "
                     f"GX {phases['gx_s']:.2f} s)" if phases else ""))
    print("\nfast path per job type (blocks read by Arrow, flattening speed in this process):")
    for found in types:
        print(f"  {found.sample:<48} {found.job_types:<42} {found.arrow_blocks:>3}/"
              f"{found.arrow_blocks + found.line_blocks:<3} blocks by Arrow  "
              f"{found.lines / found.seconds:>10,.0f} lines/s")


def check_targets(small: SizeResult, large: SizeResult, imports: list[ChildRun],
                  startup: list[ChildRun], types: list[TypeResult]) -> bool:
    best_import = min(run.seconds for run in imports)
    checks = [
        (f"(validate - import) <= {SPEED_VS_FLOOR:g}x the floor at {large.lines:,} lines",
         large.seconds - best_import <= SPEED_VS_FLOOR * large.floor),
        (f"peak <= {PEAK_MB:g} MB at {large.lines:,} lines", large.peak_mb <= PEAK_MB),
        (f"peak at {large.lines:,} <= {FLAT_MEMORY}x the peak at {small.lines:,}",
         large.peak_mb <= FLAT_MEMORY * small.peak_mb),
        (f"start-up <= import + {STARTUP_S:g} s",
         min(run.seconds for run in startup) <= best_import + STARTUP_S),
    ]
    for result in (small, large):
        checks.append((f"every validate run gave its summary at {result.lines:,} lines",
                       all(r.returncode == 0 and r.summary.get("success") for r in result.runs)))
    checks.append(("every job type's blocks all read by Arrow",
                   all(found.line_blocks == 0 and found.arrow_blocks for found in types)))
    print()
    for name, passed in checks:
        print(f"{'PASS' if passed else 'FAIL'}  {name}")
    return all(passed for _, passed in checks)


def show_errors(runs: list[ChildRun]) -> None:
    for run in runs:
        if run.returncode not in (0, 1) or (run.argv[0] == str(AIRFLOW_GT) and not run.summary):
            print(f"\n{' '.join(run.argv)} exited {run.returncode}:\n{run.stderr[-2000:]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000, help="the large size")
    parser.add_argument("--small", type=int, default=100_000, help="the small size")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the best counts")
    parser.add_argument("--type-lines", type=int, default=100_000,
                        help="lines per job type for the fast-path check")
    parser.add_argument("--baseline", action="store_true",
                        help="also run json + pandas + GX at the small size")
    parser.add_argument("--baseline-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline_child:
        baseline_child(Path(args.baseline_child))
        return 0

    small = measure(args.small, args.repeat, args.baseline)
    large = measure(args.lines, args.repeat, False)
    print("measuring GX's import and the start-up ...", flush=True)
    imports = [run_import() for _ in range(args.repeat)]
    startup = [run_validate(make_manifest(1)) for _ in range(args.repeat)]
    print("measuring each job type's fast path ...", flush=True)
    types = [flatten_speed(type_manifest(sample, args.type_lines), sample.name)
             for sample in sorted(SAMPLES.glob("*.manifest"))]
    print_report([small, large], imports, startup, types)
    show_errors([*small.runs, *large.runs, *imports, *startup])
    passed = check_targets(small, large, imports, startup, types)
    print("PASS" if passed else "FAIL")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
