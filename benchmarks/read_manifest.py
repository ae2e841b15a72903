"""Measure the manifest reader: speed against a bare orjson loop, and memory as the file grows.

    .venv/bin/python benchmarks/read_manifest.py [--lines 1000000] [--small 100000] [--repeat 3]

Writes bounding-box output manifests (1 to 5 boxes a line, as Ground Truth writes them) under
benchmarks/data/, then:

- times ``read_manifest`` over the large file against ``for line in file: orjson.loads(line)``,
  best of ``--repeat`` runs each, interleaved; the target is a ratio of at most 1.5;
- reads the small and the large file in fresh processes and reports each one's peak Python
  allocation (tracemalloc) and peak resident memory; the target is a flat peak.

Exits 1 when a target is missed. Nothing here runs in the test suite.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from bounding_box_data import bare_loop, make_manifest

TARGET_RATIO = 1.5
FLAT_MEMORY = 1.25  # the large file's peak may be at most this multiple of the small one's


def reader_loop(path: Path) -> int:
    from airflow_gt.manifests.reader import read_manifest

    count = 0
    for _ in read_manifest(path):
        count += 1
    return count


def timed(function: object, path: Path) -> float:
    start = time.perf_counter()
    function(path)  # type: ignore[operator]
    return time.perf_counter() - start


def memory_child(path: str) -> None:
    """Run in a fresh process: read the file once, print peak traced and resident memory."""
    import tracemalloc

    tracemalloc.start()
    lines = reader_loop(Path(path))
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"lines": lines, "traced_peak": traced_peak, "rss_kib": rss_kib}))


def measure_memory(path: Path) -> dict[str, int]:
    result = subprocess.run(
        [sys.executable, __file__, "--memory-child", str(path)],
        capture_output=True, text=True, check=True,
    )
    measured: dict[str, int] = json.loads(result.stdout)
    return measured


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--memory-child")
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child)
        return 0

    large, small = make_manifest(args.lines), make_manifest(args.small)
    size_mb = large.stat().st_size / 1e6
    bare_loop(large)  # warm the page cache
    bare, ours = [], []
    for _ in range(args.repeat):
        bare.append(timed(bare_loop, large))
        ours.append(timed(reader_loop, large))
    ratio = min(ours) / min(bare)
    print(f"file: {large.name}, {args.lines:,} lines, {size_mb:,.0f} MB")
    for label, times in (("bare orjson loop", bare), ("read_manifest", ours)):
        runs = ", ".join(f"{t:.2f}" for t in times)
        print(f"{label + ':':<18} best {min(times):.2f} s of {args.repeat}  ({runs})")
    print(f"ratio: {ratio:.2f} (target <= {TARGET_RATIO})")

    small_memory, large_memory = measure_memory(small), measure_memory(large)
    for measured in (small_memory, large_memory):
        traced_kib, rss_mib = measured["traced_peak"] / 1024, measured["rss_kib"] / 1024
        print(f"memory, {measured['lines']:>9,} lines: peak traced {traced_kib:,.0f} KiB, "
              f"peak RSS {rss_mib:,.1f} MiB")
    growth = large_memory["traced_peak"] / max(small_memory["traced_peak"], 1)
    rss_growth = large_memory["rss_kib"] / small_memory["rss_kib"]
    print(f"growth from {args.small:,} to {args.lines:,} lines: traced x{growth:.2f}, "
          f"RSS x{rss_growth:.2f} (target <= x{FLAT_MEMORY})")
    passed = ratio <= TARGET_RATIO and growth <= FLAT_MEMORY and rss_growth <= FLAT_MEMORY
    print("PASS" if passed else "FAIL")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
