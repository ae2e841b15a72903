"""Hostile files as a whole: missing, folders, links, encodings, sizes; and the side files each
command reads (label categories, label maps, evaluation results, input manifests)."""

from __future__ import annotations

import gzip
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from tests.hostile.corpus import Case, lines, seed_file
from tests.hostile.encoding import Raw, encode
from tests.hostile.seeds import SAMPLES, SEEDS_BY_NAME, seed_lines

A = "{d}/a.manifest"
FILES = "files"
SPECIES = seed_file("image-classification")
SPECIES_LINES = seed_lines(SEEDS_BY_NAME["image-classification"], 3)
EVALUATION = (SAMPLES / "evaluation-results.json").read_bytes()
EVALUATION_DOCUMENT = orjson.loads(EVALUATION)


def _reads(manifest: str) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """(command, arguments, outputs) of each command reading ``manifest``."""
    return [
        ("validate", ("validate", manifest), ()),
        ("chain", ("chain", manifest, "--out", "{d}/out.manifest", "--new-label-attribute", "v"),
         ("out.manifest",)),
        ("merge", ("merge", "{d}/clean.manifest", manifest, "--out", "{d}/merged.manifest"),
         ("merged.manifest",)),
        ("to-moderation", ("to-moderation", manifest, "--label-attribute", "species", "--out",
                           "{d}/train.manifest"), ("train.manifest",)),
        ("evaluate", ("evaluate", manifest), ()),
    ]


def _setup(make: Callable[[Path], Any]) -> Callable[[Path], None]:
    def run(root: Path) -> None:
        make(root)

    return run


WHOLE_FILES: list[Case] = []
for what, make, fragment in (
    ("missing", None, "no such"),
    ("a-folder", _setup(lambda root: (root / "a.manifest").mkdir()), None),
    ("a-symlink-loop", _setup(lambda root: os.symlink("a.manifest", root / "a.manifest")), None),
):
    for command, argv, outputs in _reads(A):
        WHOLE_FILES.append(Case(
            f"input-{what}-{command}", argv, 2, names=A, fragment=fragment, setup=make,
            files={"clean.manifest": SPECIES}, outputs=outputs, item=FILES))

# Encodings and layouts a manifest must not have; each is refused at its line by chain.
LAYOUTS: list[tuple[str, bytes, int, str | None]] = [
    ("utf-16", "\n".join(line.decode() for line in SPECIES.splitlines()).encode("utf-16"), 1,
     None),
    ("gzip", gzip.compress(SPECIES, mtime=0), 1, None),
    ("carriage-returns-only", SPECIES.replace(b"\n", b"\r"), 1, "not valid JSON"),
    ("nul-between-lines", SPECIES.replace(b"\n", b"\n\x00\n", 1), 2, None),
    ("nul-inside-a-string", SPECIES.replace(b'"dog"', b'"d\x00g"', 1), 1, "not valid JSON"),
    ("bom-on-line-2", SPECIES.replace(b"\n", b"\n\xef\xbb\xbf", 1), 2, "byte-order mark"),
    ("utf-8-encoded-surrogate", SPECIES.replace(b'"dog"', b'"d\xed\xa0\x80g"', 1), 1,
     "UTF-8"),
    ("overlong-utf-8", SPECIES.replace(b'"dog"', b'"d\xc0\xafg"', 1), 1, "UTF-8"),
    ("escaped-lone-surrogate", SPECIES.replace(b'"dog"', b'"d\\ud800g"', 1), 1, None),
    ("nan-literal", lines([SPECIES_LINES[0], Raw(b'{"source-ref":"s3://b/2.jpg","x":NaN}')]), 2,
     None),
    ("infinity-literal", lines([SPECIES_LINES[0], Raw(b'{"x":-Infinity,"source-ref":"s"}')]),
     2, None),
    ("number-beyond-a-double", lines([SPECIES_LINES[0], Raw(b'{"source-ref":"s","x":1e400}')]),
     2, None),
    ("integer-of-400-digits",
     lines([SPECIES_LINES[0], Raw(b'{"source-ref":"s","x":' + b"9" * 400 + b"}")]), 2, None),
    ("single-quotes", lines([SPECIES_LINES[0], Raw(b"{'source-ref': 's3://b/2.jpg'}")]), 2,
     "not valid JSON"),
    ("trailing-comma", lines([SPECIES_LINES[0], Raw(b'{"source-ref":"s3://b/2.jpg",}')]), 2,
     "not valid JSON"),
    ("two-objects-on-a-line", lines([SPECIES_LINES[0], encode(SPECIES_LINES[1]) * 2]), 2,
     "not valid JSON"),
    ("a-json-string-line", lines([SPECIES_LINES[0], Raw(b'"s3://b/2.jpg"')]), 2,
     "expected a JSON object"),
    ("a-null-line", lines([SPECIES_LINES[0], Raw(b"null")]), 2, "expected a JSON object"),
    ("blank-line-inside", SPECIES.replace(b"\n", b"\n \t \n", 1), 2, "empty line"),
    ("very-long-broken-line",
     lines([SPECIES_LINES[0], Raw(b'{"source-ref":"s3://b/2.jpg","x":"' + b"a" * 5_000_000
                                  + b'",NaN}')]), 2, "not valid JSON"),
]

LAYOUT_CASES = [
    Case(f"layout-{what}-{command}", argv, 2, names=A, line=line, fragment=fragment,
         files={"a.manifest": data}, outputs=outputs, item=FILES)
    for what, data, line, fragment in LAYOUTS
    for command, argv, outputs in (
        ("chain", ("chain", A, "--out", "{d}/out.manifest", "--new-label-attribute", "v"),
         ("out.manifest",)),
        ("validate", ("validate", A), ()),
    )
]

# Hostile but valid: these must work.
def _same_lines(root: Path, ran: Any) -> None:
    assert (root / "out.manifest").read_bytes() == SPECIES, ran


VALID = [
    Case("crlf-line-ends-chain",
         ("chain", A, "--out", "{d}/out.manifest", "--new-label-attribute", "v"), 0,
         files={"a.manifest": SPECIES.replace(b"\n", b"\r\n")}, outputs=("out.manifest",),
         after=_same_lines, item=FILES),
    Case("no-final-newline-chain",
         ("chain", A, "--out", "{d}/out.manifest", "--new-label-attribute", "v"), 0,
         files={"a.manifest": SPECIES.rstrip(b"\n")}, outputs=("out.manifest",),
         after=_same_lines, item=FILES),
    Case("trailing-empty-lines-validate", ("validate", A), 0,
         files={"a.manifest": SPECIES + b"\n\n\r\n"}, item=FILES),
    Case("very-long-valid-line-validate", ("validate", A), 0,
         files={"a.manifest": lines([{**SPECIES_LINES[0], "note": "a" * 5_000_000},
                                     *SPECIES_LINES[1:]])}, item=FILES),
    Case("key-given-twice-last-wins-chain",
         ("chain", A, "--out", "{d}/out.manifest", "--new-label-attribute", "v"), 0,
         files={"a.manifest": SPECIES.replace(b'{"source-ref"', b'{"extra":1,"extra":2,'
                                              b'"source-ref"', 1)},
         outputs=("out.manifest",), item=FILES),
]

# A manifest with no label at all: validate cannot know what to check.
UNLABELED = [
    Case("no-label-attribute-validate", ("validate", A), 2, names=A,
         files={"a.manifest": lines([{"source-ref": f"s3://b/{n}.jpg"} for n in (1, 2)])},
         item=FILES),
    Case("empty-file-validate", ("validate", A), 2, names=A, files={"a.manifest": b""},
         item=FILES),
    Case("only-empty-lines-validate", ("validate", A), 2, names=A,
         files={"a.manifest": b"\n\n\n"}, item=FILES),
    Case("input-name-with-a-newline-validate", ("validate", "{d}/a\nb.manifest"), 2,
         names=None, item=FILES),
]


# --- side files -------------------------------------------------------------------------------

CATEGORIES = "{d}/categories.json"
CATEGORY_FILES: list[tuple[str, bytes, str | None]] = [
    ("not-json", b"{labels: [dog]}", "not valid JSON"),
    ("empty", b"", None),
    ("a-list", b'[{"label": "dog"}]', "must be a JSON object"),
    ("labels-not-a-list", b'{"document-version": "2018-11-28", "labels": "dog"}', "labels"),
    ("label-not-an-object", b'{"document-version": "2018-11-28", "labels": ["dog"]}',
     "labels[0]"),
    ("label-a-number", b'{"document-version": "2018-11-28", "labels": [{"label": 5}]}',
     "labels[0]"),
    ("nan", b'{"document-version": "2018-11-28", "labels": [{"label": "dog"}], "x": NaN}',
     "not valid JSON"),
]
LABEL_MAP = "{d}/map.json"
MAP_FILES: list[tuple[str, bytes, str | None]] = [
    ("not-json", b"{dog: safe}", "not valid JSON"),
    ("empty", b"", None),
    ("a-list", b'["dog"]', "must be a JSON object"),
    ("value-a-number", b'{"dog": 5}', None),
    ("empty-class-name", b'{"": "safe"}', "class names must be non-empty"),
    ("invalid-utf8", b'{"d\xffg": "safe"}', None),
    ("bom", b'\xef\xbb\xbf{"dog": "safe"}', None),
]


def _evaluation(path: tuple[Any, ...], value: Any) -> bytes:
    document = orjson.loads(EVALUATION)
    node = document
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return encode(document)


INPUT_RESULTS = ("ContentModeration", "InputConfidenceThresholdEvalResults")
EVALUATION_FILES: list[tuple[str, bytes, str | None]] = [
    ("empty", b"", None),
    ("a-list", b"[]", None),
    ("an-empty-object", b"{}", "EvaluationDetails: missing"),
    ("truncated", EVALUATION[: len(EVALUATION) // 2], "not valid JSON"),
    ("bom", b"\xef\xbb\xbf" + EVALUATION, None),
    ("invalid-utf8", EVALUATION.replace(b"Nudity", b"Nud\xfftiy", 1), None),
    ("f1-nan", _evaluation(("AggregatedEvaluationResults", "F1Score"), Raw(b"NaN")), None),
    ("f1-a-word", _evaluation(("AggregatedEvaluationResults", "F1Score"), "high"), "F1Score"),
    ("f1-above-one", _evaluation(("AggregatedEvaluationResults", "F1Score"), 1.5), "F1Score"),
    ("threshold-above-100", _evaluation((*INPUT_RESULTS, "ConfidenceThreshold"), 200),
     "ConfidenceThreshold"),
    ("true-positives-negative",
     _evaluation((*INPUT_RESULTS, "AggregatedEvaluationResults", "Adapter", "TruePositive"),
                 -1), "TruePositive"),
    ("true-positives-a-fraction",
     _evaluation((*INPUT_RESULTS, "AggregatedEvaluationResults", "Adapter", "TruePositive"),
                 1.5), "TruePositive"),
    ("labels-twice", _evaluation(("EvaluationDetails", "Labels"), ["Nudity", "Nudity"]),
     "Labels"),
    ("labels-not-a-list", _evaluation(("EvaluationDetails", "Labels"), "Nudity"), "Labels"),
    ("end-time-not-a-date", _evaluation(("EvaluationDetails", "EvaluationEndTimestamp"),
                                        "yesterday"), "EvaluationEndTimestamp"),
    ("thresholds-not-a-list", _evaluation(("ContentModeration",
                                           "AllConfidenceThresholdsEvalResults"), {}),
     "AllConfidenceThresholdsEvalResults"),
    ("deep", _evaluation(("AggregatedEvaluationResults", "F1Score"), Raw(b"[" * 300 + b"]" * 300)),
     None),
]

SIDE_FILES = [
    *(Case(f"label-categories-{what}", ("validate", A, "--label-categories", CATEGORIES), 2,
           names=CATEGORIES, fragment=fragment,
           files={"a.manifest": SPECIES, "categories.json": data}, item=FILES)
      for what, data, fragment in CATEGORY_FILES),
    Case("label-categories-missing", ("validate", A, "--label-categories", CATEGORIES), 2,
         names=CATEGORIES, files={"a.manifest": SPECIES}, item=FILES),
    *(Case(f"label-map-{what}", ("to-moderation", A, "--label-attribute", "species", "--out",
                                 "{d}/train.manifest", "--label-map", LABEL_MAP), 2,
           names=LABEL_MAP, fragment=fragment, files={"a.manifest": SPECIES, "map.json": data},
           outputs=("train.manifest",), item=FILES)
      for what, data, fragment in MAP_FILES),
    Case("label-map-missing", ("to-moderation", A, "--label-attribute", "species", "--out",
                               "{d}/train.manifest", "--label-map", LABEL_MAP), 2,
         names=LABEL_MAP, files={"a.manifest": SPECIES}, outputs=("train.manifest",),
         item=FILES),
    *(Case(f"evaluation-{what}", ("evaluate", "{d}/evaluation.json"), 2,
           names="{d}/evaluation.json", fragment=fragment, files={"evaluation.json": data},
           item=FILES)
      for what, data, fragment in EVALUATION_FILES),
    Case("input-manifest-broken-line", ("validate", A, "--input-manifest", "{d}/input.manifest"),
         2, names="{d}/input.manifest", line=2, fragment="not valid JSON",
         files={"a.manifest": SPECIES, "input.manifest": SPECIES.replace(b"\n", b"\n{", 1)},
         item=FILES),
    Case("input-manifest-missing", ("validate", A, "--input-manifest", "{d}/input.manifest"), 2,
         names="{d}/input.manifest", fragment="no such manifest", files={"a.manifest": SPECIES},
         item=FILES),
]

CASES = [*WHOLE_FILES, *LAYOUT_CASES, *VALID, *UNLABELED, *SIDE_FILES]
