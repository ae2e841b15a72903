"""The pure-Python PNG codec: round trips, every filter type, damage, and header sniffing.

PNGs with other filters and colour types are built here by hand, independently of the codec:
the filter math of the PNG specification, zlib and binascii's CRC.
"""

from __future__ import annotations

import binascii
import struct
import zlib
from collections.abc import Callable, Sequence

import numpy
import pytest

from airflow_gt.local.png import decode_png, encode_png, hex_color, image_size, parse_hex_color

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def chunk(kind: bytes, body: bytes) -> bytes:
    crc = binascii.crc32(kind + body)
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def ihdr(width: int, height: int, color_type: int, bit_depth: int = 8, interlace: int = 0) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, interlace)
    return chunk(b"IHDR", header)


def chunks_of(data: bytes) -> list[tuple[bytes, bytes]]:
    """The (type, body) of each chunk, read independently of the codec."""
    found, position = [], 8
    while position < len(data):
        (length,) = struct.unpack_from(">I", data, position)
        kind, body = data[position + 4 : position + 8], data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack_from(">I", data, position + 8 + length)
        assert crc == binascii.crc32(kind + body)
        found.append((kind, body))
        position += 12 + length
    return found


def predictor_paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    if pb <= pc:
        return b
    return c


def filter_row(kind: int, row: list[int], prior: list[int], bpp: int) -> list[int]:
    """The PNG specification's forward filter of one row of bytes."""
    out = []
    for x, value in enumerate(row):
        a = row[x - bpp] if x >= bpp else 0
        b = prior[x]
        c = prior[x - bpp] if x >= bpp else 0
        predictor = {0: 0, 1: a, 2: b, 3: (a + b) // 2, 4: predictor_paeth(a, b, c)}[kind]
        out.append((value - predictor) % 256)
    return out


def hand_made_png(
    samples: numpy.ndarray,
    color_type: int,
    filters: Sequence[int],
    palette: bytes | None = None,
    idat_pieces: int = 1,
) -> bytes:
    """A PNG of ``samples`` (h, w, channels), row y filtered with ``filters[y % len]``."""
    height, width, bpp = samples.shape
    prior = [0] * (width * bpp)
    raw = bytearray()
    for y in range(height):
        row = [int(v) for v in samples[y].reshape(-1)]
        kind = filters[y % len(filters)]
        raw.append(kind)
        raw.extend(filter_row(kind, row, prior, bpp))
        prior = row
    data = zlib.compress(bytes(raw))
    step = -(-len(data) // idat_pieces)
    idats = b"".join(chunk(b"IDAT", data[i : i + step]) for i in range(0, len(data), step))
    plte = chunk(b"PLTE", palette) if palette is not None else b""
    return SIGNATURE + ihdr(width, height, color_type) + plte + idats + chunk(b"IEND", b"")


def noise(shape: tuple[int, ...], seed: int = 3) -> numpy.ndarray:
    return numpy.random.default_rng(seed).integers(0, 256, size=shape, dtype=numpy.uint8)


# -- encoding -----------------------------------------------------------------------------------


def test_rgb_round_trip() -> None:
    pixels = noise((7, 11, 3))
    assert numpy.array_equal(decode_png(encode_png(pixels)), pixels)


def test_gray_round_trip_expands_to_rgb() -> None:
    pixels = noise((5, 4))
    decoded = decode_png(encode_png(pixels))
    assert decoded.shape == (5, 4, 3)
    assert all(numpy.array_equal(decoded[:, :, i], pixels) for i in range(3))


def test_one_pixel_and_non_contiguous_input() -> None:
    assert decode_png(encode_png(numpy.array([[[1, 2, 3]]], dtype=numpy.uint8))).tolist() == [
        [[1, 2, 3]]
    ]
    pixels = noise((6, 8, 3))[:, ::2]
    assert numpy.array_equal(decode_png(encode_png(pixels)), pixels)


def test_encoded_layout_header_filters_and_crcs() -> None:
    pixels = noise((3, 5, 3))
    data = encode_png(pixels, text={"Software": "airflow-gt", "Comment": "shapes"})
    assert data.startswith(SIGNATURE)
    chunks = chunks_of(data)  # checks every CRC
    assert [kind for kind, _ in chunks] == [b"IHDR", b"tEXt", b"tEXt", b"IDAT", b"IEND"]
    assert struct.unpack(">IIBBBBB", chunks[0][1]) == (5, 3, 8, 2, 0, 0, 0)
    assert chunks[1][1] == b"Software\0airflow-gt"
    raw = zlib.decompress(chunks[3][1])
    assert len(raw) == 3 * (1 + 5 * 3)
    assert [raw[y * 16] for y in range(3)] == [0, 0, 0]
    assert raw[1:16] == pixels[0].tobytes()


def test_gray_header_color_type() -> None:
    assert chunks_of(encode_png(noise((2, 2))))[0][1][9] == 0


@pytest.mark.parametrize(
    "pixels",
    [
        numpy.zeros((2, 2, 3), dtype=numpy.uint16),
        numpy.zeros((2, 2, 4), dtype=numpy.uint8),
        numpy.zeros((2,), dtype=numpy.uint8),
        numpy.zeros((0, 2, 3), dtype=numpy.uint8),
    ],
)
def test_encode_refuses_what_it_cannot_write(pixels: numpy.ndarray) -> None:
    with pytest.raises(ValueError, match="PNG"):
        encode_png(pixels)


@pytest.mark.parametrize("text", [{"": "x"}, {"k" * 80: "x"}, {"key": "snow \u2603"}])
def test_encode_refuses_bad_text(text: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="PNG text"):
        encode_png(noise((2, 2)), text=text)


# -- decoding what others write -----------------------------------------------------------------


@pytest.mark.parametrize("kind", [0, 1, 2, 3, 4])
@pytest.mark.parametrize(("color_type", "channels"), [(2, 3), (0, 1), (6, 4), (4, 2)])
def test_decode_each_filter_type(kind: int, color_type: int, channels: int) -> None:
    samples = noise((6, 9, channels), seed=kind)
    decoded = decode_png(hand_made_png(samples, color_type, [kind]))
    expected = samples[:, :, :3] if channels >= 3 else numpy.repeat(samples[:, :, :1], 3, axis=2)
    assert numpy.array_equal(decoded, expected)


def test_decode_mixed_filters_and_split_idat() -> None:
    samples = noise((10, 13, 3), seed=9)
    data = hand_made_png(samples, 2, [4, 3, 1, 0, 2], idat_pieces=4)
    assert [kind for kind, _ in chunks_of(data)].count(b"IDAT") == 4
    assert numpy.array_equal(decode_png(data), samples)


def test_decode_palette() -> None:
    palette = bytes([255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 8, 7])
    indexes = numpy.array([[[0], [1]], [[2], [3]], [[3], [0]]], dtype=numpy.uint8)
    decoded = decode_png(hand_made_png(indexes, 3, [1, 4], palette=palette))
    assert decoded.tolist() == [
        [[255, 0, 0], [0, 255, 0]],
        [[0, 0, 255], [9, 8, 7]],
        [[9, 8, 7], [255, 0, 0]],
    ]


def test_decode_skips_unknown_ancillary_chunks() -> None:
    samples = noise((2, 3, 3))
    data = hand_made_png(samples, 2, [0])
    data = data[:33] + chunk(b"gAMA", struct.pack(">I", 45455)) + data[33:]
    assert numpy.array_equal(decode_png(data), samples)


def flip_byte(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0xFF]) + data[index + 1 :]


def replace_ihdr(data: bytes, new_ihdr: bytes) -> bytes:
    return data[:8] + new_ihdr + data[33:]


GOOD = encode_png(noise((4, 4, 3)))
BROKEN: dict[str, tuple[Callable[[], bytes], str]] = {
    "signature": (lambda: b"\x89PNX" + GOOD[4:], "bad signature"),
    "not a png": (lambda: b"GIF89a" + bytes(40), "bad signature"),
    "crc in IDAT": (lambda: flip_byte(GOOD, 45), "CRC mismatch"),
    "crc in IHDR": (lambda: flip_byte(GOOD, 29), "CRC mismatch"),
    "truncated chunk": (lambda: GOOD[:-20], "truncated"),
    "no IEND": (lambda: GOOD[:-12], "truncated"),
    "empty": (lambda: b"", "bad signature"),
    "interlaced": (lambda: replace_ihdr(GOOD, ihdr(4, 4, 2, interlace=1)), "interlaced"),
    "16-bit": (lambda: replace_ihdr(GOOD, ihdr(4, 4, 2, bit_depth=16)), "bit depth 16"),
    "1-bit palette": (lambda: replace_ihdr(GOOD, ihdr(4, 4, 3, bit_depth=1)), "bit depth 1"),
    "colour type 5": (lambda: replace_ihdr(GOOD, ihdr(4, 4, 5)), "color type 5"),
    "short data": (lambda: replace_ihdr(GOOD, ihdr(4, 5, 2)), "shorter than the image"),
    "palette without PLTE": (
        lambda: hand_made_png(noise((2, 2, 1)), 3, [0]),
        "without a PLTE",
    ),
    "palette index too big": (
        lambda: hand_made_png(numpy.full((2, 2, 1), 5, numpy.uint8), 3, [0], b"\0\0\0"),
        "palette index",
    ),
    "filter type 5": (lambda: hand_made_png_with_filter_byte(5), "unknown filter type 5"),
    "not zlib": (
        lambda: SIGNATURE + ihdr(1, 1, 2) + chunk(b"IDAT", b"junk") + chunk(b"IEND", b""),
        "does not decompress",
    ),
    "no IDAT": (lambda: SIGNATURE + ihdr(1, 1, 2) + chunk(b"IEND", b""), "no IDAT"),
}


def hand_made_png_with_filter_byte(kind: int) -> bytes:
    raw = bytes([kind, 1, 2, 3])
    return SIGNATURE + ihdr(1, 1, 2) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_decode_refuses_damage_and_unsupported_formats(case: str) -> None:
    make, message = BROKEN[case]
    with pytest.raises(ValueError, match=message):
        decode_png(make())


# -- image_size and colours ---------------------------------------------------------------------


@pytest.mark.parametrize(("color_type", "depth"), [(0, 1), (2, 3), (3, 3), (4, 2), (6, 4)])
def test_image_size_of_png_headers(color_type: int, depth: int) -> None:
    data = SIGNATURE + ihdr(640, 480, color_type) + chunk(b"IEND", b"")
    assert image_size(data) == (640, 480, depth)


def test_image_size_of_encoded_png() -> None:
    assert image_size(encode_png(noise((12, 34, 3)))) == (34, 12, 3)
    assert image_size(encode_png(noise((12, 34)))) == (34, 12, 1)


def jpeg_segment(marker: int, body: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body


def minimal_jpeg(width: int, height: int, components: int, sof: int = 0xC0) -> bytes:
    """SOI, a JFIF APP0, a quantisation table, a DHT, then the frame header."""
    app0 = jpeg_segment(0xE0, b"JFIF\0\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    dqt = jpeg_segment(0xDB, b"\x00" + bytes(range(64)))
    dht = jpeg_segment(0xC4, b"\x00" + bytes(16))
    frame = struct.pack(">BHHB", 8, height, width, components) + b"\x01\x11\x00" * components
    return b"\xff\xd8" + app0 + dqt + dht + b"\xff" + jpeg_segment(sof, frame) + b"\xff\xd9"


def test_image_size_of_jpeg_headers() -> None:
    assert image_size(minimal_jpeg(1024, 768, 3)) == (1024, 768, 3)
    assert image_size(minimal_jpeg(17, 5, 1, sof=0xC2)) == (17, 5, 1)
    assert image_size(minimal_jpeg(300, 200, 4, sof=0xC1)) == (300, 200, 4)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"GIF89a....",
        b"\xff\xd8\xff\xd9",
        b"\xff\xd8" + jpeg_segment(0xDA, b"\x00"),
        minimal_jpeg(10, 10, 3)[:-14],
        SIGNATURE + b"\x00\x00",
    ],
)
def test_image_size_none_for_anything_else(data: bytes) -> None:
    assert image_size(data) is None


def test_hex_colors() -> None:
    assert hex_color((255, 0, 16)) == "#ff0010"
    assert hex_color(numpy.array([1, 2, 3], dtype=numpy.uint8)) == "#010203"
    assert parse_hex_color("#FF0010") == (255, 0, 16)
    assert parse_hex_color("0a0b0c") == (10, 11, 12)
    assert parse_hex_color(hex_color((9, 99, 199))) == (9, 99, 199)


@pytest.mark.parametrize("bad", [(256, 0, 0), (-1, 0, 0), (1, 2)])
def test_hex_color_refuses_bad_components(bad: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match="0-255"):
        hex_color(bad)


@pytest.mark.parametrize("bad", ["#fff", "#ggg000", "red", "#1234567", ""])
def test_parse_hex_color_refuses_bad_text(bad: str) -> None:
    with pytest.raises(ValueError, match="#rrggbb"):
        parse_hex_color(bad)
