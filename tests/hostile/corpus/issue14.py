"""The reproductions of issue 14 (items 1 to 4, 6 and 7; item 5, signals, is tested elsewhere),
each with the outcome the issue asks for, and the neighbours of each that the same fix covers."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from tests.hostile.corpus import (
    DELETE,
    EITHER,
    Case,
    broken_file,
    lines,
    no_credentials,
    seed_file,
    unreachable_endpoint,
)
from tests.hostile.encoding import nested, nested_objects
from tests.hostile.harness import Ran
from tests.hostile.seeds import SEEDS_BY_NAME, seed_lines

A = "{d}/a.manifest"
S3 = "s3://labeling/a.manifest"
SPECIES = seed_file("image-classification")
BOXES = seed_file("object-detection")
EVALUATION = (Path(__file__).parents[2] / "sample" / "evaluation-results.json").read_bytes()
DEEP = lines([*seed_lines(SEEDS_BY_NAME["image-classification"], 1),
              {"source-ref": "s3://example-bucket/images/0002.jpg", "deep": nested(300)}])


def _item(number: int) -> str:
    return f"issue 14 item {number}"


# --- item 1: S3 errors other than ClientError ------------------------------------------------

ITEM_1 = [
    Case("s3-unreachable-endpoint-validate", ("validate", S3), 2, names=S3,
         env=unreachable_endpoint(), item=_item(1)),
    Case("s3-unreachable-endpoint-evaluate", ("evaluate", "s3://labeling/evaluation.json"), 2,
         names="s3://labeling/evaluation.json", env=unreachable_endpoint(), item=_item(1)),
    Case("s3-unreachable-endpoint-chain-output",
         ("chain", A, "--out", "s3://labeling/out.manifest", "--new-label-attribute", "verify"),
         2, names="s3://labeling/out.manifest", files={"a.manifest": SPECIES},
         env=unreachable_endpoint(), item=_item(1)),
    Case("s3-no-credentials-chain",
         ("chain", S3, "--out", "{d}/out.manifest", "--new-label-attribute", "verify"), 2,
         names=S3, outputs=("out.manifest",), env=no_credentials(), item=_item(1)),
    Case("s3-no-credentials-validate", ("validate", S3), 2, names=S3, env=no_credentials(),
         item=_item(1)),
    Case("s3-no-credentials-label-categories",
         ("validate", A, "--label-categories", "s3://labeling/categories.json"), 2,
         names="s3://labeling/categories.json", files={"a.manifest": SPECIES},
         env=no_credentials(), item=_item(1)),
    Case("s3-no-credentials-merge", ("merge", S3, A, "--out", "{d}/merged.manifest"), 2,
         names=S3, files={"a.manifest": SPECIES}, outputs=("merged.manifest",),
         env=no_credentials(), item=_item(1)),
    Case("s3-no-credentials-to-moderation",
         ("to-moderation", S3, "--label-attribute", "species", "--out", "{d}/train.manifest"),
         2, names=S3, outputs=("train.manifest",), env=no_credentials(), item=_item(1)),
    Case("s3-no-credentials-chain-output",
         ("chain", A, "--out", "s3://labeling/out.manifest", "--new-label-attribute", "verify"),
         2, names="s3://labeling/out.manifest", files={"a.manifest": SPECIES},
         env=no_credentials(), item=_item(1)),
    Case("s3-no-credentials-label-map",
         ("to-moderation", A, "--label-attribute", "species", "--out", "{d}/train.manifest",
          "--label-map", "s3://labeling/map.json"), 2, names="s3://labeling/map.json",
         files={"a.manifest": SPECIES}, outputs=("train.manifest",), env=no_credentials(),
         item=_item(1)),
    Case("s3-no-credentials-input-manifest",
         ("validate", A, "--input-manifest", "s3://labeling/input.manifest"), 2,
         names="s3://labeling/input.manifest", files={"a.manifest": SPECIES},
         env=no_credentials(), item=_item(1)),
    Case("s3-no-credentials-report-dir", ("validate", A, "--report-dir", "s3://labeling/reports"),
         2, names="s3://labeling/reports", files={"a.manifest": SPECIES}, env=no_credentials(),
         item=_item(1)),
    Case("s3-no-credentials-evaluate-output-manifest",
         ("evaluate", "{d}/evaluation.json", "--output-manifest", "s3://labeling/o.manifest"), 2,
         names="s3://labeling/o.manifest", files={"evaluation.json": EVALUATION},
         env=no_credentials(), item=_item(1)),
    Case("s3-evaluate-bucket-without-key", ("evaluate", "s3://labeling"), 2,
         names="s3://labeling", env=unreachable_endpoint(), item=_item(1)),
    Case("s3-evaluate-bucket-and-slash-without-key", ("evaluate", "s3://labeling/"), 2,
         names="s3://labeling/", env=unreachable_endpoint(), item=_item(1)),
    Case("s3-validate-no-bucket", ("validate", "s3://"), 2, names="s3://",
         env=unreachable_endpoint(), item=_item(1)),
    Case("s3-validate-empty-bucket-name", ("validate", "s3:///a.manifest"), 2,
         names="s3:///a.manifest", env=unreachable_endpoint(), item=_item(1)),
    Case("s3-chain-source-without-key",
         ("chain", "s3://labeling", "--out", "{d}/out.manifest", "--new-label-attribute", "v"),
         2, names="s3://labeling", outputs=("out.manifest",), env=unreachable_endpoint(),
         item=_item(1)),
    Case("s3-chain-output-without-key",
         ("chain", A, "--out", "s3://labeling/", "--new-label-attribute", "v"), 2,
         names="s3://labeling/", files={"a.manifest": SPECIES}, env=unreachable_endpoint(),
         item=_item(1)),
    Case("s3-merge-output-without-bucket", ("merge", A, A, "--out", "s3://"), 2, names="s3://",
         files={"a.manifest": SPECIES}, env=unreachable_endpoint(), item=_item(1)),
    Case("s3-to-moderation-output-without-key",
         ("to-moderation", A, "--label-attribute", "species", "--out", "s3://labeling"), 2,
         names="s3://labeling", files={"a.manifest": SPECIES}, env=unreachable_endpoint(),
         item=_item(1)),
    Case("s3-missing-object", ("validate", "s3://{bucket}/nowhere.manifest"), 2,
         names="s3://{bucket}/nowhere.manifest", fragment="no such manifest", stand_in=True,
         item=_item(1)),
    Case("s3-missing-bucket", ("chain", "s3://no-such-bucket-hostile/a.manifest", "--out",
                               "{d}/out.manifest", "--new-label-attribute", "v"), 2,
         names="s3://no-such-bucket-hostile/a.manifest", outputs=("out.manifest",),
         stand_in=True, item=_item(1)),
    Case("s3-broken-line-is-named", ("chain", "s3://{bucket}/a.manifest", "--out",
                                     "{d}/out.manifest", "--new-label-attribute", "v"), 2,
         names="s3://{bucket}/a.manifest", line=2, outputs=("out.manifest",), stand_in=True,
         s3_files={"a.manifest": lines([*seed_lines(SEEDS_BY_NAME["image-classification"], 1),
                                        b'{"source-ref": NaN}'])}, item=_item(1)),
]


# --- item 2: a line nested 300 deep -----------------------------------------------------------

ITEM_2 = [
    Case("deep-array-chain", ("chain", A, "--out", "{d}/out.manifest", "--new-label-attribute",
                              "v"), 2, names=A, line=2, files={"a.manifest": DEEP},
         outputs=("out.manifest",), item=_item(2)),
    Case("deep-objects-chain",
         ("chain", A, "--out", "{d}/out.manifest", "--new-label-attribute", "v"), 2, names=A,
         line=2, files={"a.manifest": lines([b'{"source-ref":"s3://b/1.jpg"}',
                                             {"source-ref": "s3://b/2.jpg",
                                              "x": nested_objects(300)}])},
         outputs=("out.manifest",), item=_item(2)),
    Case("deep-label-chain-selecting-labels",
         ("chain", A, "--out", "{d}/out.manifest", "--new-label-attribute", "v", "--status",
          "labeled"), 2, names=A, line=2,
         files={"a.manifest": broken_file("image-classification", "species", nested(300))},
         outputs=("out.manifest",), item=_item(2)),
    Case("deep-merge-first", ("merge", A, "{d}/b.manifest", "--out", "{d}/merged.manifest"), 2,
         names=A, line=2, files={"a.manifest": DEEP, "b.manifest": SPECIES},
         outputs=("merged.manifest",), item=_item(2)),
    Case("deep-merge-second", ("merge", "{d}/b.manifest", A, "--out", "{d}/merged.manifest"), 2,
         names=A, line=2, files={"a.manifest": DEEP, "b.manifest": SPECIES},
         outputs=("merged.manifest",), item=_item(2)),
    Case("deep-validate", ("validate", A), 2, names=A, line=2, files={"a.manifest": DEEP},
         item=_item(2)),
    Case("deep-label-validate", ("validate", A), 2, names=A, line=2,
         files={"a.manifest": broken_file("object-detection", "bounding-box/annotations",
                                          nested(300))}, item=_item(2)),
    Case("deep-validate-input-manifest", ("validate", "{d}/b.manifest", "--input-manifest", A),
         2, names=A, line=2, files={"a.manifest": DEEP, "b.manifest": SPECIES}, item=_item(2)),
    Case("deep-to-moderation",
         ("to-moderation", A, "--label-attribute", "species", "--out", "{d}/train.manifest"),
         EITHER, names=A, line=2,
         files={"a.manifest": broken_file("image-classification", "species", nested(300))},
         outputs=("train.manifest",), item=_item(2)),
    Case("deep-evaluate-output-manifest",
         ("evaluate", "{d}/evaluation.json", "--output-manifest", A), EITHER, names=A, line=2,
         files={"evaluation.json": EVALUATION, "a.manifest": broken_file(
             "moderation-output", "detect-moderation-labels/ModerationLabels", nested(300))},
         item=_item(2)),
    Case("deeper-than-the-json-reader-chain",
         ("chain", A, "--out", "{d}/out.manifest", "--new-label-attribute", "v"), 2, names=A,
         line=2, files={"a.manifest": broken_file("image-classification", "species",
                                                  nested(1100))},
         outputs=("out.manifest",), item=_item(2)),
]


# --- item 3: the outputs of one command appear together or not at all -------------------------


def _directory(*relative: str) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        for name in relative:
            (root / name).mkdir(parents=True)

    return make


TO_MODERATION = ("to-moderation", A, "--label-attribute", "species")
SPLITTABLE = seed_file("image-classification", 6)
LABEL_MAP = b'{"dog": "Nudity"}'

ITEM_3 = [
    Case("training-output-is-a-folder",
         (*TO_MODERATION, "--out", "{d}/train", "--test-out", "{d}/test.manifest",
          "--label-map", "{d}/map.json"), 2, names="{d}/train",
         files={"a.manifest": SPLITTABLE, "map.json": LABEL_MAP}, setup=_directory("train"),
         outputs=("test.manifest",), item=_item(3)),
    Case("testing-output-is-a-folder",
         (*TO_MODERATION, "--out", "{d}/train.manifest", "--test-out", "{d}/test",
          "--label-map", "{d}/map.json"), 2, names="{d}/test",
         files={"a.manifest": SPLITTABLE, "map.json": LABEL_MAP}, setup=_directory("test"),
         outputs=("train.manifest",), item=_item(3)),
    Case("training-output-in-a-missing-bucket",
         (*TO_MODERATION, "--out", "s3://no-such-bucket-hostile/t.manifest", "--test-out",
          "{d}/test.manifest", "--label-map", "{d}/map.json"), 2,
         names="s3://no-such-bucket-hostile/t.manifest",
         files={"a.manifest": SPLITTABLE, "map.json": LABEL_MAP}, outputs=("test.manifest",),
         stand_in=True, item=_item(3)),
    Case("testing-output-in-a-missing-bucket",
         (*TO_MODERATION, "--out", "s3://{bucket}/train.manifest", "--test-out",
          "s3://no-such-bucket-hostile/test.manifest", "--label-map", "{d}/map.json"), 2,
         names="s3://no-such-bucket-hostile/test.manifest",
         files={"a.manifest": SPLITTABLE, "map.json": LABEL_MAP},
         s3_outputs=("train.manifest",), stand_in=True, item=_item(3)),
    Case("html-report-is-a-folder", ("validate", A, "--report-dir", "{d}/r"), 2,
         names="{d}/r/validation-report.html", files={"a.manifest": SPECIES},
         setup=_directory("r/validation-report.html"), outputs=("r/validation-report.json",),
         item=_item(3)),
    Case("json-report-is-a-folder", ("validate", A, "--report-dir", "{d}/r"), 2,
         names="{d}/r/validation-report.json", files={"a.manifest": SPECIES},
         setup=_directory("r/validation-report.json"), outputs=("r/validation-report.html",),
         item=_item(3)),
    Case("report-dir-is-a-file", ("validate", A, "--report-dir", "{d}/r"), 2, names="{d}/r",
         files={"a.manifest": SPECIES, "r": b"not a folder"}, item=_item(3)),
    Case("chain-output-is-a-folder",
         ("chain", A, "--out", "{d}/out", "--new-label-attribute", "v"), 2, names="{d}/out",
         files={"a.manifest": SPECIES}, setup=_directory("out"), item=_item(3)),
    Case("merge-output-is-a-folder", ("merge", A, A, "--out", "{d}/out"), 2, names="{d}/out",
         files={"a.manifest": SPECIES}, setup=_directory("out"), item=_item(3)),
    Case("output-under-a-file", ("chain", A, "--out", A + "/out.manifest",
                                 "--new-label-attribute", "v"), 2, names=A + "/out.manifest",
         files={"a.manifest": SPECIES}, item=_item(3)),
]


# --- item 4: an output that is an input, a link, a FIFO; long names --------------------------


def _symlink(link: str, target: str) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        os.symlink(target, root / link)

    return make


def _hardlink(link: str, target: str) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        os.link(root / target, root / link)

    return make


def _fifo(name: str) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        os.mkfifo(root / name)

    return make


def _written_through(link: str, target: str) -> Callable[[Path, Ran], None]:
    def check(root: Path, ran: Ran) -> None:
        assert (root / link).is_symlink(), ran
        assert os.readlink(root / link) == target, ran
        assert (root / target).read_bytes().count(b"\n") == 3, ran

    return check


def _written(name: str) -> Callable[[Path, Ran], None]:
    def check(root: Path, ran: Ran) -> None:
        assert (root / name).is_file() and (root / name).stat().st_size > 0, ran

    return check


CHAIN_TO = ("chain", A, "--new-label-attribute", "verify", "--out")
LONG = "o" * 241 + ".manifest"  # 250 characters

ITEM_4 = [
    Case("chain-output-is-the-input", (*CHAIN_TO, A), 2, names=A,
         files={"a.manifest": SPECIES}, item=_item(4)),
    Case("chain-output-is-the-input-spelt-otherwise", (*CHAIN_TO, "{d}/./a.manifest"), 2,
         names="{d}/./a.manifest", files={"a.manifest": SPECIES}, item=_item(4)),
    Case("chain-output-is-a-symlink-to-the-input", (*CHAIN_TO, "{d}/link.manifest"), 2,
         names="{d}/link.manifest", files={"a.manifest": SPECIES},
         setup=_symlink("link.manifest", "a.manifest"), item=_item(4)),
    Case("chain-output-is-a-hardlink-of-the-input", (*CHAIN_TO, "{d}/hard.manifest"), 2,
         names="{d}/hard.manifest", files={"a.manifest": SPECIES},
         setup=_hardlink("hard.manifest", "a.manifest"), item=_item(4)),
    Case("merge-output-is-the-first-input", ("merge", A, "{d}/b.manifest", "--out", A), 2,
         names=A, files={"a.manifest": SPECIES, "b.manifest": SPECIES}, item=_item(4)),
    Case("merge-output-is-the-second-input",
         ("merge", A, "{d}/b.manifest", "--out", "{d}/b.manifest"), 2, names="{d}/b.manifest",
         files={"a.manifest": SPECIES, "b.manifest": SPECIES}, item=_item(4)),
    Case("merge-output-is-a-symlink-to-an-input",
         ("merge", A, "{d}/b.manifest", "--out", "{d}/link.manifest"), 2,
         names="{d}/link.manifest", files={"a.manifest": SPECIES, "b.manifest": SPECIES},
         setup=_symlink("link.manifest", "b.manifest"), item=_item(4)),
    Case("to-moderation-output-is-the-input", (*TO_MODERATION, "--out", A), 2, names=A,
         files={"a.manifest": SPECIES}, item=_item(4)),
    Case("to-moderation-testing-output-is-the-input",
         (*TO_MODERATION, "--out", "{d}/train.manifest", "--test-out", A), 2, names=A,
         files={"a.manifest": SPECIES}, item=_item(4)),
    Case("to-moderation-output-is-a-hardlink-of-the-input",
         (*TO_MODERATION, "--out", "{d}/hard.manifest"), 2, names="{d}/hard.manifest",
         files={"a.manifest": SPECIES}, setup=_hardlink("hard.manifest", "a.manifest"),
         item=_item(4)),
    Case("to-moderation-output-is-the-label-map",
         (*TO_MODERATION, "--out", "{d}/map.json", "--label-map", "{d}/map.json"), 2,
         names="{d}/map.json", files={"a.manifest": SPECIES, "map.json": LABEL_MAP},
         item=_item(4)),
    Case("report-is-the-input",
         ("validate", "{d}/r/validation-report.json", "--report-dir", "{d}/r"), 2,
         names="{d}/r/validation-report.json",
         files={"r/validation-report.json": SPECIES}, item=_item(4)),
    Case("plot-is-the-evaluation", ("evaluate", "{d}/evaluation.json", "--plot",
                                    "{d}/evaluation.json"), 2, names="{d}/evaluation.json",
         files={"evaluation.json": EVALUATION}, item=_item(4)),
    Case("output-symlink-is-written-through", (*CHAIN_TO, "{d}/link.manifest"), 0,
         files={"a.manifest": SPECIES, "target.manifest": b"old\n"},
         setup=_symlink("link.manifest", "target.manifest"), outputs=("target.manifest",),
         after=_written_through("link.manifest", "target.manifest"), item=_item(4)),
    Case("dangling-output-symlink-is-written-through", (*CHAIN_TO, "{d}/link.manifest"), 0,
         files={"a.manifest": SPECIES}, setup=_symlink("link.manifest", "target.manifest"),
         outputs=("target.manifest",),
         after=_written_through("link.manifest", "target.manifest"), item=_item(4)),
    Case("chain-output-is-a-fifo", (*CHAIN_TO, "{d}/fifo"), 2, names="{d}/fifo",
         files={"a.manifest": SPECIES}, setup=_fifo("fifo"), item=_item(4)),
    Case("merge-output-is-a-fifo", ("merge", A, A, "--out", "{d}/fifo"), 2, names="{d}/fifo",
         files={"a.manifest": SPECIES}, setup=_fifo("fifo"), item=_item(4)),
    Case("to-moderation-output-is-a-fifo", (*TO_MODERATION, "--out", "{d}/fifo"), 2,
         names="{d}/fifo", files={"a.manifest": SPECIES}, setup=_fifo("fifo"), item=_item(4)),
    Case("chain-output-name-of-250-characters", (*CHAIN_TO, "{d}/" + LONG), 0,
         files={"a.manifest": SPECIES}, outputs=(LONG,), after=_written(LONG), item=_item(4)),
    Case("merge-output-name-of-250-characters", ("merge", A, A, "--out", "{d}/" + LONG), 0,
         files={"a.manifest": SPECIES}, outputs=(LONG,), after=_written(LONG), item=_item(4)),
    Case("to-moderation-output-name-of-250-characters",
         (*TO_MODERATION, "--out", "{d}/" + LONG, "--label-map", "{d}/map.json"), 0,
         files={"a.manifest": SPECIES, "map.json": LABEL_MAP}, outputs=(LONG,),
         after=_written(LONG), item=_item(4)),
]


# --- item 6: malformed manifests that must not pass ------------------------------------------

WITHOUT_TYPE = broken_file("image-classification", "species-metadata/type", DELETE)
NOT_AN_OBJECT = broken_file("image-classification", "species-metadata", "groundtruth")
NO_METADATA = broken_file("image-classification", "species-metadata", DELETE)
METADATA_IN_NAME = lines([
    {"source-ref": f"s3://example-bucket/images/{n}.jpg", "a-metadata-b": "0",
     "a-metadata-b-metadata": {**seed_lines(SEEDS_BY_NAME["image-classification"], 1)[0][
         "species-metadata"]}} for n in (1, 2)])
MALFORMED = {"metadata-without-type": WITHOUT_TYPE, "metadata-not-an-object": NOT_AN_OBJECT,
             "label-without-metadata": NO_METADATA}

ITEM_6 = [
    *(Case(f"{name}-{command}", argv, EITHER, names=A, line=2, files={"a.manifest": data},
           outputs=outputs, item=_item(6))
      for name, data in MALFORMED.items()
      for command, argv, outputs in (
          ("validate", ("validate", A), ()),
          ("chain", ("chain", A, "--out", "{d}/out.manifest", "--new-label-attribute", "v"),
           ("out.manifest",)),
          ("to-moderation", (*TO_MODERATION, "--out", "{d}/train.manifest"),
           ("train.manifest",)),
      )),
    Case("label-attribute-containing-metadata-validate", ("validate", A), EITHER, names=A,
         line=1, files={"a.manifest": METADATA_IN_NAME}, item=_item(6)),
    Case("label-attribute-containing-metadata-chain",
         ("chain", A, "--out", "{d}/out.manifest", "--new-label-attribute", "v"), EITHER,
         names=A, line=1, files={"a.manifest": METADATA_IN_NAME}, outputs=("out.manifest",),
         item=_item(6)),
    Case("validate-label-attribute-no-line-has", ("validate", A, "--label-attribute", "X"), 2,
         names=A, fragment="no line has label attribute 'X'", files={"a.manifest": SPECIES},
         item=_item(6)),
    Case("chain-label-attribute-no-line-has",
         ("chain", A, "--out", "{d}/out.manifest", "--new-label-attribute", "v",
          "--label-attribute", "X"), 2, names=A, fragment="no line has label attribute 'X'",
         files={"a.manifest": SPECIES}, outputs=("out.manifest",), item=_item(6)),
    Case("chain-verify-masks-on-boxes",
         ("chain", A, "--out", "{d}/out.manifest", "--new-label-attribute", "verify",
          "--follow-up", "VerificationSemanticSegmentation"), 2, names=A,
         files={"a.manifest": BOXES}, outputs=("out.manifest",), item=_item(6)),
]


# --- item 7: airflow-gt local's arguments -----------------------------------------------------

ITEM_7 = [
    Case(f"local-port-{port}", ("local", "--port", port), 2, usage=True,
         fragment="argument --port", env={}, item=_item(7))
    for port in ("-5", "99999", "65536", "4566x")
] + [
    Case("local-port-in-use", ("local", "--port", "{busy}"), 2, fragment="--host/--port",
         env={}, item=_item(7)),
    Case("local-unknown-host", ("local", "--host", "no-such-host.invalid", "--port", "0"), 2,
         fragment="--host/--port", env={}, item=_item(7)),
    Case("local-address-of-no-interface", ("local", "--host", "192.0.2.1", "--port", "0"), 2,
         fragment="--host/--port", env={}, item=_item(7)),
]

CASES = [*ITEM_1, *ITEM_2, *ITEM_3, *ITEM_4, *ITEM_6, *ITEM_7]
