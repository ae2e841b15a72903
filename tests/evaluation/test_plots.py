"""The evaluation plot: a real PNG, of a readable size, drawn without a display.

That importing the package does not import matplotlib is checked in ``tests/test_package.py``.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from airflow_gt.evaluation import (
    Evaluation,
    evaluate,
    read_evaluation_results,
    render_plot,
    write_plot,
)
from tests.evaluation.documents import SAMPLE, random_document, write

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ADAPTER_BLUE, BASE_ORANGE, BEST_GREEN = (0x1F, 0x77, 0xB4), (0xFF, 0x7F, 0x0E), (0x2C, 0xA0, 0x2C)


@pytest.fixture(scope="module")
def evaluation() -> Evaluation:
    return evaluate(read_evaluation_results(SAMPLE))


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def colours(data: bytes) -> set[tuple[int, int, int]]:
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        found = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert found is not None
    return {colour for _, colour in found}


def test_the_plot_is_a_png_of_readable_size(evaluation: Evaluation) -> None:
    data = render_plot(evaluation)
    assert png_size(data) == (1200, 900)
    assert 20_000 < len(data) < 2_000_000
    with Image.open(io.BytesIO(data)) as image:
        image.verify()
    drawn = colours(data)
    assert {ADAPTER_BLUE, BASE_ORANGE, BEST_GREEN} <= drawn
    assert len(drawn) > 50  # lines, text and anti-aliasing, not a blank canvas


def test_other_figures_give_another_plot(tmp_path: Path, evaluation: Evaluation) -> None:
    other = evaluate(read_evaluation_results(write(tmp_path / "e.json", random_document(1))))
    assert render_plot(other) != render_plot(evaluation)


def test_write_plot_to_a_path(tmp_path: Path, evaluation: Evaluation) -> None:
    destination = tmp_path / "plots" / "evaluation.png"
    assert write_plot(evaluation, destination) == str(destination)
    assert png_size(destination.read_bytes()) == (1200, 900)
    assert [p.name for p in destination.parent.iterdir()] == ["evaluation.png"]


def test_write_plot_to_s3(s3: Any, bucket: str, evaluation: Evaluation) -> None:
    uri = f"s3://{bucket}/reports/evaluation.png"
    write_plot(evaluation, uri, s3_client=s3)
    data = s3.get_object(Bucket=bucket, Key="reports/evaluation.png")["Body"].read()
    assert png_size(data) == (1200, 900)

