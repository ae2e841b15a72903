"""Bounding-box output manifests for the benchmarks, with the seed's structure, made once each.

``make_manifest(lines)`` writes ``benchmarks/data/bounding-box-<lines>.manifest`` (1 to 5 boxes a
line inside images of several sizes, a class-map of the classes present, one confidence per box),
reusing a complete earlier one; ``bare_loop`` is the floor every reader is measured against.
"""

from __future__ import annotations

import datetime
import random
from pathlib import Path
from typing import Any

import orjson

DATA = Path(__file__).resolve().parent / "data"
IMAGE_SIZES = ((500, 400), (640, 480), (1024, 768), (1280, 720), (1920, 1080))
CLASSES = {0: "dog", 5: "bone", 7: "ball", 9: "person"}
FIRST_DATE = datetime.datetime(2018, 10, 18, 22, 18, 13, 527256)


def box_inside(rng: random.Random, width: int, height: int) -> dict[str, int]:
    left, top = rng.randrange(width - 1), rng.randrange(height - 1)
    return {
        "class_id": rng.choice(tuple(CLASSES)),
        "left": left,
        "top": top,
        "width": rng.randint(1, width - left),
        "height": rng.randint(1, height - top),
    }


def bounding_box_record(index: int, rng: random.Random) -> dict[str, Any]:
    """One output manifest line of a bounding-box job, as the seed's example has it."""
    width, height = rng.choice(IMAGE_SIZES)
    boxes = [box_inside(rng, width, height) for _ in range(rng.randint(1, 5))]
    created = FIRST_DATE + datetime.timedelta(seconds=index * 0.37)
    return {
        "source-ref": f"s3://example-bucket/dogs-and-toys/images/{index:08d}.jpg",
        "bounding-box": {
            "image_size": [{"width": width, "height": height, "depth": 3}],
            "annotations": boxes,
        },
        "bounding-box-metadata": {
            "objects": [{"confidence": round(rng.uniform(0.05, 1.0), 2)} for _ in boxes],
            "class-map": {str(c): CLASSES[c] for c in sorted({b["class_id"] for b in boxes})},
            "type": "groundtruth/object-detection",
            "human-annotated": "yes" if rng.random() < 0.9 else "no",
            "creation-date": created.isoformat(timespec="microseconds"),
            "job-name": "labeling-job/identify-dogs-and-toys",
        },
    }


def count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


def make_manifest(lines: int) -> Path:
    """The manifest of ``lines`` lines under benchmarks/data/, made once and reused."""
    path = DATA / f"bounding-box-{lines}.manifest"
    if path.exists() and count_lines(path) == lines:
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    rng = random.Random(lines)
    partial = path.with_suffix(".partial")
    with partial.open("wb") as out:
        for index in range(lines):
            out.write(orjson.dumps(bounding_box_record(index, rng)) + b"\n")
    partial.replace(path)
    return path


def bare_loop(path: Path) -> int:
    count = 0
    loads = orjson.loads
    with path.open("rb") as handle:
        for line in handle:
            loads(line)
            count += 1
    return count
