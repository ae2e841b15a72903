"""Bad arguments of every command: exit 2, nothing read or written.

argparse's own errors (a missing or unknown argument, a value of the wrong form) print the usage
and then ``airflow-gt CMD: error: ...``; the errors found once the arguments are parsed (a value
out of range for what it is used for, a name breaking a rule) are the one ``airflow-gt: `` line.
"""

from __future__ import annotations

from dataclasses import replace

from tests.hostile.corpus import Case, seed_file
from tests.hostile.seeds import SAMPLES

A = "{d}/a.manifest"
ARGUMENTS = "arguments"
FILES = {"a.manifest": seed_file("image-classification", 6),
         "evaluation.json": (SAMPLES / "evaluation-results.json").read_bytes()}
CHAIN = ("chain", A, "--out", "{d}/out.manifest")
TO_MODERATION = ("to-moderation", A, "--label-attribute", "species", "--out",
                 "{d}/train.manifest")
EVALUATE = ("evaluate", "{d}/evaluation.json")


def _usage(name: str, argv: tuple[str, ...], fragment: str) -> Case:
    return Case(f"arguments-{name}", argv, 2, usage=True, fragment=fragment, files=FILES,
                item=ARGUMENTS)


def _checked(name: str, argv: tuple[str, ...], fragment: str,
             outputs: tuple[str, ...] = ()) -> Case:
    return Case(f"arguments-{name}", argv, 2, fragment=fragment, files=FILES, outputs=outputs,
                item=ARGUMENTS)


CASES = [
    _usage("no-command", (), "required: command"),
    _usage("unknown-command", ("frobnicate",), "invalid choice"),
    # validate
    _usage("validate-no-source", ("validate",), "required: source"),
    _usage("validate-unknown-option", ("validate", A, "--bogus"), "unrecognized arguments"),
    _usage("validate-max-failed-fraction-above-one",
           ("validate", A, "--max-failed-fraction", "2"), "--max-failed-fraction"),
    _usage("validate-max-failed-fraction-a-word",
           ("validate", A, "--max-failed-fraction", "some"), "--max-failed-fraction"),
    _usage("validate-max-failed-fraction-nan",
           ("validate", A, "--max-failed-fraction", "nan"), "--max-failed-fraction"),
    _usage("validate-format-xml", ("validate", A, "--format", "xml"), "--format"),
    _usage("validate-label-attribute-without-value", ("validate", A, "--label-attribute"),
           "--label-attribute"),
    _checked("validate-unknown-job-type", ("validate", A, "--job-type", "no-such-type"),
             "no-such-type"),
    # chain
    _usage("chain-no-out", ("chain", A, "--new-label-attribute", "v"), "--out"),
    _usage("chain-no-new-label-attribute", CHAIN, "--new-label-attribute"),
    _usage("chain-unknown-status", (*CHAIN, "--new-label-attribute", "v", "--status", "done"),
           "--status"),
    _usage("chain-sample-a-word", (*CHAIN, "--new-label-attribute", "v", "--sample", "some"),
           "--sample"),
    _usage("chain-confidence-below-a-word",
           (*CHAIN, "--new-label-attribute", "v", "--confidence-below", "low"),
           "--confidence-below"),
    _usage("chain-seed-a-fraction", (*CHAIN, "--new-label-attribute", "v", "--seed", "1.5"),
           "--seed"),
    _checked("chain-sample-negative", (*CHAIN, "--new-label-attribute", "v", "--sample", "-1"),
             "sample_size", ("out.manifest",)),
    _checked("chain-confidence-below-above-one",
             (*CHAIN, "--new-label-attribute", "v", "--confidence-below", "1.5"),
             "confidence_below", ("out.manifest",)),
    _checked("chain-confidence-below-nan",
             (*CHAIN, "--new-label-attribute", "v", "--confidence-below", "nan"),
             "confidence_below", ("out.manifest",)),
    _checked("chain-lowest-quantile-zero",
             (*CHAIN, "--new-label-attribute", "v", "--lowest-quantile", "0"),
             "lowest_quantile", ("out.manifest",)),
    _checked("chain-lowest-quantile-infinite",
             (*CHAIN, "--new-label-attribute", "v", "--lowest-quantile", "inf"),
             "lowest_quantile", ("out.manifest",)),
    _checked("chain-class-filter-on-unlabeled",
             (*CHAIN, "--new-label-attribute", "v", "--status", "unlabeled", "--class-name",
              "dog"), "status", ("out.manifest",)),
    _checked("chain-unknown-follow-up",
             (*CHAIN, "--new-label-attribute", "v", "--follow-up", "NoSuchTask"), "NoSuchTask",
             ("out.manifest",)),
    _checked("chain-new-label-attribute-with-metadata",
             (*CHAIN, "--new-label-attribute", "verify-metadata"), "-metadata",
             ("out.manifest",)),
    _checked("chain-new-label-attribute-with-a-space",
             (*CHAIN, "--new-label-attribute", "verify it"), "verify it", ("out.manifest",)),
    _checked("chain-new-label-attribute-empty", (*CHAIN, "--new-label-attribute", ""),
             "label attribute", ("out.manifest",)),
    _checked("chain-new-label-attribute-of-128-characters",
             (*CHAIN, "--new-label-attribute", "v" * 128), "128 characters", ("out.manifest",)),
    _checked("chain-new-label-attribute-without-ref-for-masks",
             (*CHAIN, "--new-label-attribute", "adjust", "--follow-up",
              "AdjustmentSemanticSegmentation"), "-ref", ("out.manifest",)),
    Case("arguments-chain-new-label-attribute-taken",
         (*CHAIN, "--new-label-attribute", "species"), 1, names=A, line=1,
         fragment="'species'", files=FILES, outputs=("out.manifest",), item=ARGUMENTS),
    # merge
    _usage("merge-no-out", ("merge", A, A), "--out"),
    _usage("merge-no-sources", ("merge", "--out", "{d}/m.manifest"), "sources"),
    _usage("merge-unknown-on-missing", ("merge", A, A, "--out", "{d}/m", "--on-missing", "x"),
           "--on-missing"),
    _usage("merge-unknown-on-conflict",
           ("merge", A, A, "--out", "{d}/m", "--on-conflict", "last"), "--on-conflict"),
    _checked("merge-one-source", ("merge", A, "--out", "{d}/m.manifest"), "sources"),
    # to-moderation
    _usage("to-moderation-no-label-attribute",
           ("to-moderation", A, "--out", "{d}/train.manifest"), "--label-attribute"),
    _usage("to-moderation-no-out", ("to-moderation", A, "--label-attribute", "species"),
           "--out"),
    _usage("to-moderation-test-fraction-above-one",
           (*TO_MODERATION, "--test-out", "{d}/test.manifest", "--test-fraction", "1.5"),
           "--test-fraction"),
    _usage("to-moderation-seed-a-word", (*TO_MODERATION, "--seed", "lucky"), "--seed"),
    _checked("to-moderation-test-fraction-without-test-out",
             (*TO_MODERATION, "--test-fraction", "0.5"), "--test-fraction"),
    _checked("to-moderation-test-fraction-zero",
             (*TO_MODERATION, "--test-out", "{d}/test.manifest", "--test-fraction", "0"),
             "fraction", ("train.manifest", "test.manifest")),
    _checked("to-moderation-test-out-is-out",
             (*TO_MODERATION, "--test-out", "{d}/train.manifest"), "train.manifest"),
    _checked("to-moderation-label-attribute-absent",
             ("to-moderation", A, "--label-attribute", "X", "--out", "{d}/train.manifest"),
             "'X'", ("train.manifest",)),
    # evaluate
    _usage("evaluate-no-file", ("evaluate",), "EVALUATION_JSON"),
    _usage("evaluate-min-f1-above-one", (*EVALUATE, "--min-f1", "2"), "--min-f1"),
    _usage("evaluate-min-recall-without-value", (*EVALUATE, "--min-recall", "Nudity"),
           "--min-recall"),
    _usage("evaluate-min-recall-without-label", (*EVALUATE, "--min-recall", "=0.5"),
           "--min-recall"),
    _usage("evaluate-min-recall-a-word", (*EVALUATE, "--min-recall", "Nudity=high"),
           "--min-recall"),
    _checked("evaluate-min-recall-of-a-label-not-evaluated",
             (*EVALUATE, "--min-recall", "Violence=0.5"), "Violence"),
    _checked("evaluate-plot-into-a-missing-folder-of-a-file",
             (*EVALUATE, "--plot", "{d}/evaluation.json/plot.png"), "plot.png"),
    # local: in a process of its own, which serves until stopped if the arguments pass
    replace(_usage("local-seed-a-word", ("local", "--seed", "lucky"), "--seed"), env={}),
    replace(_checked("local-fault-unreadable",
                     ("local", "--port", "0", "--fault", "Describe:speed=1"), "--fault"),
            env={}),
    replace(_checked("local-fail-without-name", ("local", "--port", "0", "--fail", "=broken"),
                     "--fail"), env={}),
]
