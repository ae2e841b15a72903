"""Each job type's label and metadata, broken one field at a time on line 2 of 3 seed lines.

A field the label parser reads (``manifests/label_parsing.py``) broken in its shape makes the
line unusable: ``chain --confidence-below 1`` (which reads every labeled line's label) exits 2
naming the file and line 2; ``to-moderation`` too, for the types it converts. ``validate`` exits
1 or 2 (issue 14 leaves open whether a malformed label fails the suite or is refused as
unreadable) and names the file and line either way. A field of the right type with a wrong
value is data that fails its expectations: ``validate`` exits 1.
"""

from __future__ import annotations

from typing import Any

from tests.hostile.corpus import DELETE, EITHER, Case, broken_file
from tests.hostile.encoding import Raw
from tests.hostile.seeds import SAMPLES, SEEDS_BY_NAME

A = "{d}/a.manifest"
LABELS = "labels"

# (seed, field path, value, what): the label parser refuses each.
MALFORMED: list[tuple[str, str, Any, str]] = [
    ("image-classification", "species", "dog", "label-not-a-class-index"),
    ("image-classification", "species", True, "label-a-boolean"),
    ("image-classification", "species", 1.5, "label-a-fraction"),
    ("image-classification", "species", [0], "label-a-list"),
    ("image-classification", "species", None, "label-null"),
    ("image-classification", "species-metadata/class-name", DELETE, "class-name-missing"),
    ("image-classification", "species-metadata/class-name", 5, "class-name-a-number"),
    ("image-classification-index-as-number", "sport", "-1", "label-a-negative-string"),
    ("image-classification-index-as-number", "sport-metadata/class-name", [],
     "class-name-a-list"),
    ("text-classification", "mood", "one", "label-a-word"),
    ("text-classification", "mood-metadata/class-name", None, "class-name-null"),
    ("image-classification-multilabel", "image-label-attribute-name", "1", "label-not-a-list"),
    ("image-classification-multilabel", "image-label-attribute-name", [True],
     "label-a-list-of-booleans"),
    ("image-classification-multilabel", "image-label-attribute-name", ["bicycle"],
     "label-a-list-of-names"),
    ("image-classification-multilabel", "image-label-attribute-name-metadata/class-map", DELETE,
     "class-map-missing"),
    ("image-classification-multilabel", "image-label-attribute-name-metadata/class-map", [],
     "class-map-a-list"),
    ("image-classification-multilabel", "image-label-attribute-name-metadata/class-map/1", 7,
     "class-map-value-a-number"),
    ("image-classification-multilabel", "image-label-attribute-name-metadata/class-map/x",
     "cat", "class-map-key-not-an-index"),
    ("image-classification-multilabel", "image-label-attribute-name-metadata/confidence-map/1",
     "high", "confidence-map-value-a-word"),
    ("image-classification-multilabel", "image-label-attribute-name-metadata/confidence-map",
     [0.9], "confidence-map-a-list"),
    ("text-classification-multilabel", "text-label-attribute-name", {}, "label-an-object"),
    ("text-classification-multilabel", "text-label-attribute-name-metadata/class-map", "sad",
     "class-map-a-string"),
    ("object-detection", "bounding-box", [], "label-a-list"),
    ("object-detection", "bounding-box/image_size", DELETE, "image-size-missing"),
    ("object-detection", "bounding-box/image_size", [], "image-size-empty"),
    ("object-detection", "bounding-box/image_size",
     [{"width": 500, "height": 400, "depth": 3}] * 2, "image-size-twice"),
    ("object-detection", "bounding-box/image_size/0", "500x400", "image-size-a-string"),
    ("object-detection", "bounding-box/image_size/0/width", "500", "image-width-a-string"),
    ("object-detection", "bounding-box/image_size/0/height", None, "image-height-null"),
    ("object-detection", "bounding-box/image_size/0/depth", DELETE, "image-depth-missing"),
    ("object-detection", "bounding-box/annotations", DELETE, "annotations-missing"),
    ("object-detection", "bounding-box/annotations", {}, "annotations-an-object"),
    ("object-detection", "bounding-box/annotations/0", 5, "box-a-number"),
    ("object-detection", "bounding-box/annotations/0/class_id", "dog", "class-id-a-name"),
    ("object-detection", "bounding-box/annotations/0/class_id", DELETE, "class-id-missing"),
    ("object-detection", "bounding-box/annotations/0/left", "111", "left-a-string"),
    ("object-detection", "bounding-box/annotations/1/top", None, "top-null"),
    ("object-detection", "bounding-box/annotations/2/width", DELETE, "width-missing"),
    ("object-detection", "bounding-box/annotations/0/height", True, "height-a-boolean"),
    ("object-detection", "bounding-box-metadata/objects", {}, "objects-an-object"),
    ("object-detection", "bounding-box-metadata/objects/0", 0.8, "object-a-number"),
    ("object-detection", "bounding-box-metadata/objects/0/confidence", "high",
     "box-confidence-a-word"),
    ("object-detection", "bounding-box-metadata/class-map", DELETE, "class-map-missing"),
    ("object-detection", "bounding-box-metadata/class-map/0", 7, "class-map-value-a-number"),
    ("object-detection-adjustment", "adjusted-bounding-box/annotations/1/left", "x",
     "adjusted-left-a-string"),
    ("object-detection-adjustment", "adjusted-bounding-box/image_size", {},
     "adjusted-image-size-an-object"),
    ("label-verification", "verify-bounding-box", "bad", "judgment-a-word"),
    ("label-verification", "verify-bounding-box-metadata/class-name", DELETE,
     "class-name-missing"),
    ("label-verification", "verify-bounding-box-metadata/worker-feedback", "too wide",
     "worker-feedback-a-string"),
    ("label-verification", "verify-bounding-box-metadata/worker-feedback/0", "too wide",
     "feedback-entry-a-string"),
    ("label-verification", "verify-bounding-box-metadata/worker-feedback/1/comment", 5,
     "feedback-comment-a-number"),
    ("label-verification-of-masks", "verify-city-streets", ["1"], "judgment-a-list"),
    ("semantic-segmentation", "city-streets-ref", 5, "mask-ref-a-number"),
    ("semantic-segmentation", "city-streets-metadata/internal-color-map", DELETE,
     "color-map-missing"),
    ("semantic-segmentation", "city-streets-metadata/internal-color-map", [],
     "color-map-a-list"),
    ("semantic-segmentation", "city-streets-metadata/internal-color-map/x",
     {"class-name": "sky", "hex-color": "#0000ff"}, "color-map-key-not-an-index"),
    ("semantic-segmentation", "city-streets-metadata/internal-color-map/1", "#2acf59",
     "color-entry-a-string"),
    ("semantic-segmentation", "city-streets-metadata/internal-color-map/1/class-name", 5,
     "color-class-name-a-number"),
    ("semantic-segmentation", "city-streets-metadata/internal-color-map/2/confidence", "high",
     "color-confidence-a-word"),
    ("semantic-segmentation", "city-streets-metadata/internal-color-map/0/hex-color", 16777215,
     "hex-color-a-number"),
    ("semantic-segmentation-adjustment", "adjusted-city-streets-ref", {"s3": "x"},
     "adjusted-mask-ref-an-object"),
    ("text-span", "entities", "PERSON", "label-a-string"),
    ("text-span", "entities/annotations", DELETE, "annotations-missing"),
    ("text-span", "entities/annotations/entities", {}, "entities-an-object"),
    ("text-span", "entities/annotations/entities/0", "PERSON", "entity-a-string"),
    ("text-span", "entities/annotations/entities/0/label", 5, "entity-label-a-number"),
    ("text-span", "entities/annotations/entities/1/startOffset", "zero",
     "start-offset-a-word"),
    ("text-span", "entities/annotations/entities/2/endOffset", -1.5, "end-offset-a-fraction"),
    ("text-span", "entities/annotations/labels", "PERSON", "labels-a-string"),
    ("text-span", "entities/annotations/labels/0/label", None, "labels-label-null"),
    ("text-span", "entities-metadata/entities", {}, "metadata-entities-an-object"),
    ("text-span", "entities-metadata/entities/0/confidence", "high",
     "entity-confidence-a-word"),
]

# (seed, field path, value, what): valid JSON types with values no job produces; validate's
# suites fail them (exit 1), or refuse them (exit 2) where the type is wrong.
IMPLAUSIBLE: list[tuple[str, str, Any, str, int | frozenset[int]]] = [
    ("image-classification", "species-metadata/confidence", 1.5, "confidence-above-one", 1),
    ("image-classification", "species-metadata/confidence", -0.1, "confidence-negative", 1),
    ("image-classification", "species-metadata/confidence", "high", "confidence-a-word", EITHER),
    ("image-classification", "species", -1, "label-negative", EITHER),
    ("image-classification", "species-metadata/human-annotated", "maybe",
     "human-annotated-maybe", 1),
    ("image-classification", "species-metadata/human-annotated", True,
     "human-annotated-a-boolean", EITHER),
    ("image-classification", "species-metadata/creation-date", "yesterday",
     "creation-date-not-a-date", 1),
    ("image-classification", "species-metadata/creation-date", 20181018,
     "creation-date-a-number", EITHER),
    ("image-classification", "species-metadata/type", "groundtruth/no-such-type",
     "type-unknown", EITHER),
    ("image-classification", "species-metadata/type", 5, "type-a-number", EITHER),
    ("image-classification", "species-metadata/job-name", "", "job-name-empty", EITHER),
    ("image-classification", "source-ref", DELETE, "source-ref-missing", EITHER),
    ("image-classification", "source-ref", 5, "source-ref-a-number", EITHER),
    ("image-classification", "source-ref", "example-bucket/dog.jpg", "source-ref-not-a-uri",
     EITHER),
    ("image-classification", "species-metadata/class-name", "cat",
     "class-index-names-two-classes", 1),
    ("object-detection", "bounding-box/annotations/0/width", -61, "box-width-negative", 1),
    ("object-detection", "bounding-box/annotations/0/left", 10_000, "box-outside-the-image", 1),
    ("object-detection", "bounding-box-metadata/objects/0/confidence", 80,
     "box-confidence-a-percentage", 1),
    ("object-detection", "bounding-box/image_size/0/width", 0, "image-width-zero", 1),
    ("object-detection", "bounding-box/annotations/0/class_id", 2**53 + 1,
     "class-id-past-double-precision", EITHER),
    ("object-detection", "bounding-box/annotations/0/class_id", 9,
     "class-id-not-in-the-class-map", 1),
    ("object-detection-adjustment", "adjusted-bounding-box-metadata/adjustment-status",
     "perhaps", "adjustment-status-unknown", 1),
    ("image-classification-multilabel", "image-label-attribute-name", [1, 0, 8, 9],
     "class-index-not-in-the-class-map", 1),
    ("image-classification-multilabel", "image-label-attribute-name-metadata/confidence-map/1",
     7, "class-confidence-above-one", 1),
    ("semantic-segmentation", "city-streets-metadata/internal-color-map/1/hex-color", "green",
     "hex-color-not-a-colour", 1),
    ("semantic-segmentation", "city-streets-ref", "mask.png", "mask-ref-not-in-s3", 1),
    ("text-span", "entities/annotations/entities/0/endOffset", 1000,
     "span-past-the-text", 1),
    ("text-span", "entities/annotations/entities/1/endOffset", 3, "span-ending-before-its-start",
     1),
    ("label-verification", "verify-bounding-box-metadata/worker-feedback/0/comment", None,
     "feedback-comment-null", EITHER),
    ("moderation-input", "content-moderation-groundtruth/ModerationLabels", "Nudity",
     "moderation-labels-a-string", EITHER),
    ("moderation-input", "content-moderation-groundtruth/ModerationLabels/0/Name", 5,
     "moderation-label-name-a-number", EITHER),
    ("moderation-input", "content-moderation-groundtruth", [], "ground-truth-a-list", EITHER),
    ("moderation-input", "source-ref", "s3://other-bucket/1.jpg", "image-in-another-bucket",
     1),
    ("moderation-output", "detect-moderation-labels/ModerationLabels/0/Confidence", 150,
     "prediction-confidence-above-100", 1),
]

# (field path, value, what): evaluate --output-manifest refuses each line (exit 2, line 2).
OUTPUT_MANIFEST: list[tuple[str, Any, str]] = [
    ("detect-moderation-labels", DELETE, "adapter-predictions-missing"),
    ("detect-moderation-labels", [], "adapter-predictions-a-list"),
    ("detect-moderation-labels-base-model/ModerationLabels", {}, "base-model-labels-an-object"),
    ("detect-moderation-labels/ModerationLabels/0/Name", DELETE, "prediction-name-missing"),
    ("detect-moderation-labels/ModerationLabels/0/Confidence", "high",
     "prediction-confidence-a-word"),
    ("detect-moderation-labels/ModerationLabels/0/Confidence", -1,
     "prediction-confidence-negative"),
    ("detect-moderation-labels/ModerationLabels/0/Confidence", Raw(b"NaN"),
     "prediction-confidence-nan"),
    ("content-moderation-groundtruth", DELETE, "ground-truth-missing"),
]

EVALUATION = (SAMPLES / "evaluation-results.json").read_bytes()
CONVERTIBLE = ("image-classification", "image-classification-index-as-number",
               "image-classification-multilabel", "label-verification",
               "label-verification-of-masks")
CLASS_NAMES = b'{"dog": "safe", "football": "Violence", "bicycle": "safe", "person": "safe", ' \
              b'"clothing": "Nudity", "bad": "Nudity", "good": "safe"}'


def _chain(seed: str, path: str, value: Any, what: str) -> Case:
    attribute = SEEDS_BY_NAME[seed].attribute
    return Case(
        f"{seed}-{what}-chain",
        ("chain", A, "--out", "{d}/out.manifest", "--new-label-attribute", "follow-up",
         "--label-attribute", attribute, "--confidence-below", "1"),
        2, names=A, line=2, fragment=repr(attribute), files={"a.manifest": broken_file(
            seed, path, value)}, outputs=("out.manifest",), item=LABELS)


def _validate(seed: str, path: str, value: Any, what: str,
              exit_code: int | frozenset[int] = EITHER) -> Case:
    return Case(f"{seed}-{what}-validate", ("validate", A), exit_code, names=A, line=2,
                files={"a.manifest": broken_file(seed, path, value)}, item=LABELS)


def _to_moderation(seed: str, path: str, value: Any, what: str) -> Case:
    return Case(
        f"{seed}-{what}-to-moderation",
        ("to-moderation", A, "--label-attribute", SEEDS_BY_NAME[seed].attribute, "--out",
         "{d}/train.manifest", "--label-map", "{d}/map.json"),
        2, names=A, line=2,
        files={"a.manifest": broken_file(seed, path, value), "map.json": CLASS_NAMES},
        outputs=("train.manifest",), item=LABELS)


def _output_manifest(path: str, value: Any, what: str) -> Case:
    return Case(
        f"output-manifest-{what}-evaluate",
        ("evaluate", "{d}/evaluation.json", "--output-manifest", A), 2, names=A, line=2,
        files={"a.manifest": broken_file("moderation-output", path, value),
               "evaluation.json": EVALUATION}, item=LABELS)


CASES = [
    *(_chain(*case) for case in MALFORMED),
    *(_validate(*case) for case in MALFORMED),
    *(_to_moderation(*case) for case in MALFORMED if case[0] in CONVERTIBLE),
    *(_validate(*case) for case in IMPLAUSIBLE),
    *(_output_manifest(*case) for case in OUTPUT_MANIFEST),
]
