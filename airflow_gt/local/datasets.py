"""Generated datasets whose true labels are known, written to S3 for the local stand-in.

Each generator writes, under an ``s3://bucket/prefix``:

* the data objects (PNG images under ``prefix/images/``; texts go inline in the manifest),
* ``prefix/dataset.manifest``: one ``{"source-ref": ...}`` or ``{"source": ...}`` line per object,
* one truth record per object at ``s3://bucket/<truth_key(source)>`` (see ``truth.py``), which the
  simulated workforce reads to label the object correctly.

Everything is deterministic from ``seed``: the same arguments write the same bytes.

Shape images are a plain background (:data:`BACKGROUND_COLOR`) with filled rectangles, each class
in its own colour (:func:`class_colors`), so :func:`truth_mask` of the truth, mapped through
``[BACKGROUND_COLOR, *class_colors(classes).values()]``, is exactly the image.
"""

from __future__ import annotations

import colorsys
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy
import numpy.typing as npt
import orjson

from airflow_gt.exceptions import ConfigurationError
from airflow_gt.local.png import encode_png
from airflow_gt.local.text_corpus import ENTITY_NAMES, build_texts
from airflow_gt.local.truth import Box, Truth, truth_key

DEFAULT_IMAGE_CLASSES = ("dog", "cat", "bone", "ball")
DEFAULT_TEXT_CLASSES = ("positive", "negative", "neutral")
DEFAULT_ENTITY_LABELS = ("PERSON", "LOCATION", "ORGANIZATION")
DEFAULT_MODERATION_LABELS = ("Rude Gesture", "Nudity", "Smoking")
SAFE_CLASS = "safe"
MANIFEST_NAME = "dataset.manifest"

Color = tuple[int, int, int]
Item = tuple[str | npt.NDArray[numpy.uint8], Truth]
"""A data object to write, and its truth: pixels of an image, or the text itself."""
BACKGROUND_COLOR: Color = (245, 245, 245)
CLASS_PALETTE: tuple[Color, ...] = (
    (230, 25, 75), (60, 180, 75), (0, 130, 200), (255, 225, 25), (245, 130, 48),
    (145, 30, 180), (70, 240, 240), (240, 50, 230), (210, 245, 60), (0, 128, 128),
    (170, 110, 40), (128, 0, 0), (0, 0, 128), (128, 128, 0),
)  # fmt: skip
"""The colours of the first classes, in order (dog red, cat green, bone blue, ball yellow)."""

MIN_BOX_SIDE = 12
MIN_IMAGE_SIDE = 16
MAX_IMAGE_SIDE = 4096
MIN_VISIBLE_FRACTION = 0.5  # of a box's area left uncovered by the boxes drawn after it
_PLACEMENT_ATTEMPTS = 50
_MISSING_CODES = frozenset({"NoSuchKey", "404", "NotFound"})


@dataclass(frozen=True)
class Dataset:
    """What a generator wrote.

    :param manifest_uri: ``s3://`` URI of the input manifest.
    :param objects: number of data objects (manifest lines).
    :param classes: the label categories a labeling job over the dataset should use.
    :param kind: ``"image"``, ``"moderation"`` or ``"text"``.
    :param sources: each line's ``source-ref`` URI or ``source`` text, in manifest order.
    """

    manifest_uri: str
    objects: int
    classes: tuple[str, ...]
    kind: str
    sources: tuple[str, ...]


# -- colours and masks --------------------------------------------------------------------------


def class_colors(classes: Sequence[str]) -> dict[str, Color]:
    """The drawing colour of each class, by position: :data:`CLASS_PALETTE`, then spread hues."""
    colors: dict[str, Color] = {}
    used = {BACKGROUND_COLOR}
    hue = 0.0
    for index, name in enumerate(classes):
        color = CLASS_PALETTE[index] if index < len(CLASS_PALETTE) else None
        while color is None or color in used:
            hue = (hue + 0.618033988749895) % 1.0
            r, g, b = colorsys.hsv_to_rgb(hue, 0.75, 0.55 + 0.4 * ((index * 7) % 10) / 10)
            color = (round(r * 255), round(g * 255), round(b * 255))
        colors[name] = color
        used.add(color)
    return colors


def truth_mask(truth: Truth, classes: Sequence[str]) -> npt.NDArray[numpy.uint8]:
    """The ``(height, width)`` class index of every pixel of an image, from its truth alone.

    Index 0 is ``truth.background``, index ``i + 1`` is ``classes[i]``. The boxes are painted in
    order over the background, later boxes covering earlier ones; a box whose label is not in
    ``classes`` paints background (index 0) over what it covers.
    """
    if truth.image_size is None:
        raise ValueError("the truth has no image size: it is not an image's truth")
    if len(classes) > 255:
        raise ValueError("a uint8 mask holds at most 255 classes")
    width, height, _depth = truth.image_size
    mask = numpy.zeros((height, width), dtype=numpy.uint8)
    index = {name: i + 1 for i, name in enumerate(classes)}
    for box in truth.boxes:
        top, left = max(box.top, 0), max(box.left, 0)
        mask[top : box.top + box.height, left : box.left + box.width] = index.get(box.label, 0)
    return mask


def _classes_by_area(mask: npt.NDArray[numpy.uint8], classes: Sequence[str]) -> tuple[str, ...]:
    """The classes visible in ``mask``, largest area first (ties in ``classes`` order)."""
    areas = numpy.bincount(mask.ravel(), minlength=len(classes) + 1)[1:]
    visible = [i for i in range(len(classes)) if areas[i] > 0]
    return tuple(classes[i] for i in sorted(visible, key=lambda i: (-int(areas[i]), i)))


# -- validation and S3 --------------------------------------------------------------------------


def _check(condition: bool, parameter: str, detail: str) -> None:
    if not condition:
        raise ConfigurationError(parameter, detail)


def _check_names(names: Sequence[str], parameter: str, minimum: int) -> tuple[str, ...]:
    """The names as a tuple, once checked: a sequence of at least ``minimum`` unique non-empty
    strings."""
    _check(not isinstance(names, str), parameter, "must be a sequence of names, not a string")
    result = tuple(names)
    _check(len(result) >= minimum, parameter, f"needs at least {minimum}, got {len(result)}")
    _check(all(isinstance(n, str) and n for n in result), parameter, "names must be non-empty")
    _check(len(set(result)) == len(result), parameter, f"names repeat: {list(result)}")
    return result


def _check_count(count: int) -> None:
    valid = isinstance(count, int) and not isinstance(count, bool) and count >= 1
    _check(valid, "count", f"must be at least 1, got {count!r}")


def _check_size(width: int, height: int) -> None:
    for parameter, value in (("width", width), ("height", height)):
        _check(
            isinstance(value, int) and MIN_IMAGE_SIDE <= value <= MAX_IMAGE_SIDE,
            parameter,
            f"must be {MIN_IMAGE_SIDE}-{MAX_IMAGE_SIDE} pixels, got {value!r}",
        )


def _split_prefix(prefix: str) -> tuple[str, str]:
    """``(bucket, key prefix)`` of an ``s3://bucket/prefix`` URI (the key prefix may be empty)."""
    _check(isinstance(prefix, str) and prefix.startswith("s3://"), "prefix", "needs s3://")
    bucket, _, key = prefix[len("s3://") :].partition("/")
    _check(bool(bucket), "prefix", f"{prefix!r} names no bucket")
    return bucket, key.strip("/")


def _write_dataset(
    s3_client: Any,
    prefix: tuple[str, str],
    items: Sequence[Item],
    classes: tuple[str, ...],
    kind: str,
) -> Dataset:
    """Write the data objects, one truth record each, then the manifest that lists them.

    ``items`` are ``(pixels, truth)`` for images, written as ``images/00000.png``..., or
    ``(text, truth)`` for texts, which go inline in the manifest. ``prefix`` is ``(bucket, key)``.
    """
    bucket, base = prefix[0], f"{prefix[1]}/" if prefix[1] else ""
    lines, sources = [], []
    for number, (data, truth) in enumerate(items):
        if isinstance(data, str):
            source, field = data, "source"
        else:
            key = f"{base}images/{number:05d}.png"
            s3_client.put_object(Bucket=bucket, Key=key, Body=encode_png(data))
            source, field = f"s3://{bucket}/{key}", "source-ref"
        s3_client.put_object(Bucket=bucket, Key=truth_key(source), Body=truth.dumps())
        lines.append(orjson.dumps({field: source}) + b"\n")
        sources.append(source)
    manifest_key = base + MANIFEST_NAME
    s3_client.put_object(Bucket=bucket, Key=manifest_key, Body=b"".join(lines))
    return Dataset(f"s3://{bucket}/{manifest_key}", len(sources), classes, kind, tuple(sources))


def read_truth(s3_client: Any, bucket: str, source: str) -> Truth | None:
    """The truth record of ``source`` in ``bucket``; None when there is none."""
    from botocore.exceptions import ClientError

    try:
        response = s3_client.get_object(Bucket=bucket, Key=truth_key(source))
    except ClientError as exc:
        if str(exc.response.get("Error", {}).get("Code", "")) in _MISSING_CODES:
            return None
        raise
    return Truth.loads(response["Body"].read())


# -- shape images -------------------------------------------------------------------------------


def _place_boxes(
    rng: random.Random, classes: Sequence[str], width: int, height: int, max_objects: int
) -> list[Box]:
    """1..max_objects boxes inside the image, drawn in order, each of which stays at least
    :data:`MIN_VISIBLE_FRACTION` visible under the boxes drawn after it."""
    boxes: list[Box] = []
    owner = numpy.full((height, width), -1, dtype=numpy.int16)  # which box shows at each pixel
    for _ in range(rng.randint(1, max_objects)):
        for _attempt in range(_PLACEMENT_ATTEMPTS):
            box_w = rng.randint(MIN_BOX_SIDE, max(MIN_BOX_SIDE, width // 2))
            box_h = rng.randint(MIN_BOX_SIDE, max(MIN_BOX_SIDE, height // 2))
            left, top = rng.randint(0, width - box_w), rng.randint(0, height - box_h)
            trial = owner.copy()
            trial[top : top + box_h, left : left + box_w] = len(boxes)
            shown = numpy.bincount(trial.ravel() + 1, minlength=len(boxes) + 2)[1:]
            if all(
                shown[i] >= MIN_VISIBLE_FRACTION * box.width * box.height
                for i, box in enumerate(boxes)
            ):
                boxes.append(Box(rng.choice(classes), left, top, box_w, box_h))
                owner = trial
                break
    return boxes


def generate_image_dataset(
    s3_client: Any,
    prefix: str,
    *,
    count: int,
    classes: Sequence[str] = DEFAULT_IMAGE_CLASSES,
    seed: int = 0,
    width: int = 160,
    height: int = 120,
    max_objects: int = 3,
    background: str = "BACKGROUND",
) -> Dataset:
    """``count`` PNG images of coloured rectangles, one colour per class, with their truth.

    The truth's ``classes`` are the visible classes, largest total area first, so single-label
    classification answers the first; ``boxes`` are in drawing order.
    """
    _check_count(count)
    names = _check_names(classes, "classes", 2)
    _check_size(width, height)
    _check(isinstance(max_objects, int) and max_objects >= 1, "max_objects", "must be >= 1")
    _check(bool(background) and background not in names, "background", "must be a new name")
    _check(len(names) <= 255, "classes", "at most 255 classes fit a uint8 mask")
    location = _split_prefix(prefix)
    rng = random.Random(seed)
    palette = numpy.array([BACKGROUND_COLOR, *class_colors(names).values()], dtype=numpy.uint8)
    images: list[Item] = []
    for _ in range(count):
        boxes = tuple(_place_boxes(rng, names, width, height, max_objects))
        truth = Truth(boxes=boxes, image_size=(width, height, 3), background=background)
        mask = truth_mask(truth, names)
        images.append((palette[mask], replace(truth, classes=_classes_by_area(mask, names))))
    return _write_dataset(s3_client, location, images, names, "image")


# -- moderation images --------------------------------------------------------------------------


def _moderation_image(
    rng: random.Random, width: int, height: int, colors: Sequence[Color]
) -> npt.NDArray[numpy.uint8]:
    """A soft background with a grey bar, and one filled disc per colour given."""
    shade = rng.randint(180, 235)
    pixels = numpy.full((height, width, 3), (shade, shade + 10, 255 - shade), dtype=numpy.uint8)
    bar_top = rng.randint(0, height - MIN_BOX_SIDE)
    pixels[bar_top : bar_top + MIN_BOX_SIDE // 2, :] = (128, 128, 128)
    rows, cols = numpy.ogrid[:height, :width]
    for color in colors:
        radius = rng.randint(MIN_BOX_SIDE // 2, max(MIN_BOX_SIDE // 2, min(width, height) // 4))
        x, y = rng.randint(radius, width - radius), rng.randint(radius, height - radius)
        pixels[(rows - y) ** 2 + (cols - x) ** 2 <= radius * radius] = color
    return pixels


def generate_moderation_dataset(
    s3_client: Any,
    prefix: str,
    *,
    count: int,
    labels: Sequence[str] = DEFAULT_MODERATION_LABELS,
    safe_fraction: float = 0.4,
    seed: int = 0,
    width: int = 96,
    height: int = 96,
) -> Dataset:
    """``count`` PNG images, ``round(count * safe_fraction)`` of them safe, the others showing
    1-2 of ``labels``; each truth's ``moderation_labels`` and ``classes`` say which.

    The dataset's classes are ``(*labels, "safe")``, for a multi-label classification job.
    """
    _check_count(count)
    names = _check_names(labels, "labels", 1)
    _check(SAFE_CLASS not in names, "labels", f"{SAFE_CLASS!r} is reserved for safe images")
    _check(0.0 <= safe_fraction <= 1.0, "safe_fraction", f"must be 0-1, got {safe_fraction!r}")
    _check_size(width, height)
    location = _split_prefix(prefix)
    rng = random.Random(seed)
    safe_count = round(count * safe_fraction)
    is_safe = [True] * safe_count + [False] * (count - safe_count)
    rng.shuffle(is_safe)
    colors = class_colors(names)
    images: list[Item] = []
    for safe in is_safe:
        shown: tuple[str, ...] = ()
        if not safe:
            chosen = set(rng.sample(names, rng.randint(1, min(2, len(names)))))
            shown = tuple(name for name in names if name in chosen)
        pixels = _moderation_image(rng, width, height, [colors[name] for name in shown])
        size = (width, height, 3)
        truth = Truth(classes=shown or (SAFE_CLASS,), image_size=size, moderation_labels=shown)
        images.append((pixels, truth))
    return _write_dataset(s3_client, location, images, (*names, SAFE_CLASS), "moderation")


# -- texts --------------------------------------------------------------------------------------


def generate_text_dataset(
    s3_client: Any,
    prefix: str,
    *,
    count: int,
    classes: Sequence[str] = DEFAULT_TEXT_CLASSES,
    entity_labels: Sequence[str] = DEFAULT_ENTITY_LABELS,
    seed: int = 0,
) -> Dataset:
    """``count`` different short texts, classes spread evenly, with named-entity spans.

    ``positive``/``negative``/``neutral`` are conveyed by sentiment words; any other class is
    named in the text. ``entity_labels`` must be among ``ENTITY_NAMES`` (PERSON, LOCATION,
    ORGANIZATION, PRODUCT); it may be empty.
    """
    _check_count(count)
    names = _check_names(classes, "classes", 2)
    entities = _check_names(entity_labels, "entity_labels", 0)
    unknown = [label for label in entities if label not in ENTITY_NAMES]
    _check(not unknown, "entity_labels", f"{unknown} not among {sorted(ENTITY_NAMES)}")
    location = _split_prefix(prefix)
    texts = build_texts(names, entities, count, random.Random(seed))
    if texts is None:
        raise ConfigurationError("count", f"cannot make {count} different texts of these kinds")
    items: list[Item] = [
        (text, Truth(classes=(text_class,), entities=spans)) for text, text_class, spans in texts
    ]
    return _write_dataset(s3_client, location, items, names, "text")
