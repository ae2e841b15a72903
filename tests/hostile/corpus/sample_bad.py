"""Every file of ``tests/sample/bad/`` through every command that reads its kind of file."""

from __future__ import annotations

from tests.hostile.corpus import Case, seed_file
from tests.hostile.seeds import BAD_SAMPLES, SAMPLES

BAD = "tests/sample/bad"
EVALUATION = (SAMPLES / "evaluation-results.json").read_bytes()
CLEAN = seed_file("image-classification")

# file, the line its error is on, what the message says
UNREADABLE = [
    ("byte-order-mark.manifest", 1, "byte-order mark"),
    ("empty-line.manifest", 2, "empty line"),
    ("invalid-json.manifest", 2, "not valid JSON"),
    ("invalid-utf8.manifest", 2, "not valid UTF-8"),
    ("not-an-object.manifest", 3, "expected a JSON object"),
    ("truncated.manifest", 2, "not valid JSON"),
    ("semantic-segmentation-adjustment-as-printed.manifest", 1, "not valid JSON"),
    ("semantic-segmentation-verification-as-printed.manifest", 1, "not valid JSON"),
]


def _commands(bad: str) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """(name, arguments, outputs) of each command reading ``bad`` as a manifest."""
    return [
        ("validate", ("validate", bad), ()),
        ("chain", ("chain", bad, "--out", "{d}/out.manifest", "--new-label-attribute", "v"),
         ("out.manifest",)),
        ("merge-first", ("merge", bad, "{d}/clean.manifest", "--out", "{d}/merged.manifest"),
         ("merged.manifest",)),
        ("merge-second", ("merge", "{d}/clean.manifest", bad, "--out", "{d}/merged.manifest"),
         ("merged.manifest",)),
        ("to-moderation", ("to-moderation", bad, "--label-attribute", "species", "--out",
                           "{d}/train.manifest"), ("train.manifest",)),
        ("evaluate-output-manifest", ("evaluate", "{d}/evaluation.json", "--output-manifest",
                                      bad), ()),
        ("validate-input-manifest", ("validate", "{d}/clean.manifest", "--input-manifest", bad),
         ()),
    ]


CASES = [
    # The output manifest's line 1 of most has no predictions: evaluate stops there.
    Case(f"sample-bad-{name.removesuffix('.manifest')}-{command}", argv, 2, names="{d}/" + name,
         line=1 if command == "evaluate-output-manifest" else line,
         fragment=None if command == "evaluate-output-manifest" else fragment,
         outputs=outputs, item=BAD,
         files={name: (BAD_SAMPLES / name).read_bytes(), "clean.manifest": CLEAN,
                "evaluation.json": EVALUATION})
    for name, line, fragment in UNREADABLE
    for command, argv, outputs in _commands("{d}/" + name)
]

BOXES = "{d}/malformed-bounding-box.manifest"
EVALUATION_AS_PRINTED = "{d}/evaluation-results-as-printed.json"
_FILES = {
    "malformed-bounding-box.manifest": (BAD_SAMPLES / "malformed-bounding-box.manifest")
    .read_bytes(),
    "evaluation-results-as-printed.json": (BAD_SAMPLES / "evaluation-results-as-printed.json")
    .read_bytes(),
    "clean.manifest": CLEAN,
}

CASES += [
    Case("sample-bad-malformed-bounding-box-validate", ("validate", BOXES), 1, names=BOXES,
         line=1, files=_FILES, item=BAD),
    Case("sample-bad-malformed-bounding-box-chain",
         ("chain", BOXES, "--out", "{d}/out.manifest", "--new-label-attribute", "v",
          "--confidence-below", "1"), 2, names=BOXES, line=1, fragment="image_size",
         files=_FILES,
         outputs=("out.manifest",), item=BAD),
    Case("sample-bad-malformed-bounding-box-to-moderation",
         ("to-moderation", BOXES, "--label-attribute", "bounding-box", "--out",
          "{d}/train.manifest"), 1, names=BOXES, line=1, fragment="object-detection",
         files=_FILES, outputs=("train.manifest",), item=BAD),
    Case("sample-bad-evaluation-results-as-printed-evaluate", ("evaluate", EVALUATION_AS_PRINTED),
         2, names=EVALUATION_AS_PRINTED, fragment="not valid JSON", files=_FILES, item=BAD),
    Case("sample-bad-evaluation-results-as-printed-label-map",
         ("to-moderation", "{d}/clean.manifest", "--label-attribute", "species", "--out",
          "{d}/train.manifest", "--label-map", EVALUATION_AS_PRINTED), 2,
         names=EVALUATION_AS_PRINTED, fragment="not valid JSON", files=_FILES,
         outputs=("train.manifest",), item=BAD),
    Case("sample-bad-evaluation-results-as-printed-label-categories",
         ("validate", "{d}/clean.manifest", "--label-categories", EVALUATION_AS_PRINTED), 2,
         names=EVALUATION_AS_PRINTED, fragment="not valid JSON", files=_FILES, item=BAD),
    Case("sample-bad-evaluation-results-as-printed-validate", ("validate", EVALUATION_AS_PRINTED),
         2, names=EVALUATION_AS_PRINTED, line=1, fragment="not valid JSON", files=_FILES,
         item=BAD),
]
