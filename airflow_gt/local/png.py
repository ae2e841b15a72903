"""A minimal pure-Python PNG codec (zlib and numpy only), and image header sniffing.

The local stand-in draws its dataset images and reads the images it is given without Pillow:

* :func:`encode_png` writes 8-bit RGB or grayscale images (filter type 0 on every row), with
  optional ``tEXt`` chunks;
* :func:`decode_png` reads 8-bit, non-interlaced grayscale, gray+alpha, RGB, RGBA and palette
  images with any of the five filter types, always returning RGB;
* :func:`image_size` reads ``(width, height, depth)`` from a PNG or JPEG header, as Ground Truth
  reports an image's size in its output.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Mapping, Sequence

import numpy
import numpy.typing as npt

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

Pixels = npt.NDArray[numpy.uint8]

_GRAY, _RGB, _PALETTE, _GRAY_ALPHA, _RGBA = 0, 2, 3, 4, 6
_CHANNELS = {_GRAY: 1, _RGB: 3, _PALETTE: 1, _GRAY_ALPHA: 2, _RGBA: 4}
_DEPTHS = {_GRAY: 1, _RGB: 3, _PALETTE: 3, _GRAY_ALPHA: 2, _RGBA: 4}
_HEX_COLOR = re.compile(r"#?([0-9a-fA-F]{6})")
# JPEG start-of-frame markers: C0..CF except DHT (C4), JPG (C8) and DAC (CC).
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# JPEG markers that stand alone, with no length field: TEM, RST0..RST7, SOI.
_JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD9)})


# -- encoding -----------------------------------------------------------------------------------


def _chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data and the CRC of type and data."""
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def _text_chunk(keyword: str, text: str) -> bytes:
    """A ``tEXt`` chunk; the PNG spec wants a 1-79 character Latin-1 keyword."""
    if not 1 <= len(keyword) <= 79 or "\0" in keyword or "\0" in text:
        raise ValueError(f"PNG text keyword {keyword!r}: must be 1-79 characters, no NUL")
    try:
        return _chunk(b"tEXt", keyword.encode("latin-1") + b"\0" + text.encode("latin-1"))
    except UnicodeEncodeError as exc:
        raise ValueError(f"PNG text {keyword!r}: tEXt holds Latin-1 only ({exc})") from None


def encode_png(pixels: npt.NDArray[numpy.uint8], text: Mapping[str, str] | None = None) -> bytes:
    """The PNG bytes of an 8-bit image: ``(h, w, 3)`` RGB or ``(h, w)`` grayscale, uint8."""
    if pixels.dtype != numpy.uint8:
        raise ValueError(f"PNG pixels must be uint8, not {pixels.dtype}")
    if pixels.ndim == 2:
        color_type = _GRAY
    elif pixels.ndim == 3 and pixels.shape[2] == 3:
        color_type = _RGB
    else:
        raise ValueError(f"PNG pixels must have shape (h, w, 3) or (h, w), not {pixels.shape}")
    height, width = int(pixels.shape[0]), int(pixels.shape[1])
    if width < 1 or height < 1:
        raise ValueError(f"PNG image must be at least 1x1, not {width}x{height}")
    rows = numpy.ascontiguousarray(pixels).reshape(height, -1)
    filtered = numpy.hstack([numpy.zeros((height, 1), dtype=numpy.uint8), rows])
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    texts = b"".join(_text_chunk(key, value) for key, value in (text or {}).items())
    return b"".join(
        [
            PNG_SIGNATURE,
            _chunk(b"IHDR", header),
            texts,
            _chunk(b"IDAT", zlib.compress(filtered.tobytes(), 9)),
            _chunk(b"IEND", b""),
        ]
    )


# -- decoding -----------------------------------------------------------------------------------


def _read_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """The ``(type, data)`` of every chunk up to IEND, each CRC checked."""
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG: bad signature")
    chunks: list[tuple[bytes, bytes]] = []
    position = len(PNG_SIGNATURE)
    while True:
        if position + 8 > len(data):
            raise ValueError("truncated PNG: no IEND chunk")
        (length,) = struct.unpack_from(">I", data, position)
        kind = data[position + 4 : position + 8]
        end = position + 8 + length
        if end + 4 > len(data):
            raise ValueError(f"truncated PNG: chunk {kind!r} runs past the end of the data")
        body = data[position + 8 : end]
        (crc,) = struct.unpack_from(">I", data, end)
        if zlib.crc32(kind + body) & 0xFFFFFFFF != crc:
            raise ValueError(f"corrupt PNG: CRC mismatch in chunk {kind!r}")
        chunks.append((kind, body))
        if kind == b"IEND":
            return chunks
        position = end + 4


def _parse_header(body: bytes) -> tuple[int, int, int]:
    """``(width, height, color type)`` from an IHDR chunk, refusing what this codec cannot read."""
    if len(body) != 13:
        raise ValueError("corrupt PNG: IHDR is not 13 bytes")
    width, height, bit_depth, color_type, compression, filter_method, interlace = struct.unpack(
        ">IIBBBBB", body
    )
    if width < 1 or height < 1:
        raise ValueError(f"corrupt PNG: image size {width}x{height}")
    if color_type not in _CHANNELS:
        raise ValueError(f"unsupported PNG: color type {color_type}")
    if bit_depth != 8:
        raise ValueError(f"unsupported PNG: bit depth {bit_depth} (only 8-bit is read)")
    if compression != 0 or filter_method != 0:
        raise ValueError("unsupported PNG: unknown compression or filter method")
    if interlace != 0:
        raise ValueError("unsupported PNG: interlaced (Adam7) images are not read")
    return width, height, color_type


def _paeth(left: int, up: int, up_left: int) -> int:
    """The Paeth predictor: whichever neighbour is closest to ``left + up - up_left``."""
    estimate = left + up - up_left
    to_left, to_up, to_up_left = abs(estimate - left), abs(estimate - up), abs(estimate - up_left)
    if to_left <= to_up and to_left <= to_up_left:
        return left
    return up if to_up <= to_up_left else up_left


def _unfilter_row(kind: int, row: bytes, prior: bytes, bpp: int) -> bytes:
    """Undo one row's filter; ``prior`` is the previous reconstructed row (zeros for the first)."""
    if kind == 0:
        return row
    current = numpy.frombuffer(row, dtype=numpy.uint8)
    above = numpy.frombuffer(prior, dtype=numpy.uint8)
    if kind == 1:  # Sub: a running sum, per channel, modulo 256
        sums = numpy.cumsum(current.reshape(-1, bpp).astype(numpy.uint32), axis=0)
        return (sums & 0xFF).astype(numpy.uint8).tobytes()
    if kind == 2:  # Up
        return (current + above).astype(numpy.uint8).tobytes()
    if kind not in (3, 4):
        raise ValueError(f"corrupt PNG: unknown filter type {kind}")
    out = bytearray(row)
    for i in range(len(out)):
        left = out[i - bpp] if i >= bpp else 0
        if kind == 3:  # Average
            out[i] = (out[i] + ((left + prior[i]) >> 1)) & 0xFF
        else:  # Paeth
            up_left = prior[i - bpp] if i >= bpp else 0
            out[i] = (out[i] + _paeth(left, prior[i], up_left)) & 0xFF
    return bytes(out)


def _unfilter(raw: bytes, width: int, height: int, bpp: int) -> Pixels:
    """The ``(height, width * bpp)`` bytes of the image, every row's filter undone."""
    stride = width * bpp
    if len(raw) < height * (stride + 1):
        raise ValueError("truncated PNG: image data is shorter than the image")
    prior = bytes(stride)
    rows = []
    for y in range(height):
        start = y * (stride + 1)
        prior = _unfilter_row(raw[start], raw[start + 1 : start + 1 + stride], prior, bpp)
        rows.append(prior)
    return numpy.frombuffer(b"".join(rows), dtype=numpy.uint8).reshape(height, stride)


def _to_rgb(samples: Pixels, color_type: int, palette: bytes | None) -> Pixels:
    """``(h, w, 3)`` RGB from the samples of any supported colour type (alpha dropped)."""
    height = samples.shape[0]
    channels = samples.reshape(height, -1, _CHANNELS[color_type])
    if color_type in (_RGB, _RGBA):
        return numpy.ascontiguousarray(channels[:, :, :3])
    if color_type in (_GRAY, _GRAY_ALPHA):
        return numpy.repeat(channels[:, :, :1], 3, axis=2)
    if palette is None:
        raise ValueError("corrupt PNG: palette image without a PLTE chunk")
    table = numpy.frombuffer(palette, dtype=numpy.uint8).reshape(-1, 3)
    indexes = channels[:, :, 0]
    if int(indexes.max()) >= len(table):
        raise ValueError("corrupt PNG: palette index beyond the PLTE chunk")
    return table[indexes]


def decode_png(data: bytes) -> npt.NDArray[numpy.uint8]:
    """The ``(h, w, 3)`` uint8 RGB pixels of an 8-bit, non-interlaced PNG.

    Grayscale and palette images are expanded to RGB; alpha is dropped. Anything else (16-bit or
    sub-byte samples, interlacing) and any damage (signature, CRC, truncation) is a ValueError.
    """
    chunks = _read_chunks(bytes(data))
    if chunks[0][0] != b"IHDR":
        raise ValueError("corrupt PNG: the first chunk is not IHDR")
    width, height, color_type = _parse_header(chunks[0][1])
    palette: bytes | None = None
    compressed = []
    for kind, body in chunks[1:]:
        if kind == b"PLTE":
            if len(body) % 3 or not body:
                raise ValueError("corrupt PNG: PLTE length is not a multiple of 3")
            palette = body
        elif kind == b"IDAT":
            compressed.append(body)
    if not compressed:
        raise ValueError("corrupt PNG: no IDAT chunk")
    try:
        raw = zlib.decompress(b"".join(compressed))
    except zlib.error as exc:
        raise ValueError(f"corrupt PNG: image data does not decompress ({exc})") from None
    samples = _unfilter(raw, width, height, _CHANNELS[color_type])
    return _to_rgb(samples, color_type, palette)


# -- headers and colours ------------------------------------------------------------------------


def _png_size(data: bytes) -> tuple[int, int, int] | None:
    if len(data) < 33 or data[12:16] != b"IHDR":
        return None
    width, height, _bit_depth, color_type = struct.unpack_from(">IIBB", data, 16)
    depth = _DEPTHS.get(color_type)
    return (width, height, depth) if depth is not None else None


def _jpeg_size(data: bytes) -> tuple[int, int, int] | None:
    """Walk the JPEG markers up to the first start-of-frame and read its size."""
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte before a marker
            position += 1
            continue
        if marker in _JPEG_STANDALONE:
            position += 2
            continue
        if marker in (0xD9, 0xDA):  # end of image, or scan data before any frame
            return None
        (length,) = struct.unpack_from(">H", data, position + 2)
        if marker in _JPEG_SOF:
            if position + 10 > len(data):
                return None
            height, width, components = struct.unpack_from(">HHB", data, position + 5)
            return (width, height, components)
        position += 2 + length
    return None


def image_size(data: bytes) -> tuple[int, int, int] | None:
    """``(width, height, depth)`` from a PNG or JPEG header; None for anything else.

    Depth is the number of channels: 1 gray, 2 gray+alpha, 3 RGB or palette, 4 RGBA (PNG); the
    number of components of the frame (JPEG).
    """
    data = bytes(data)
    if data.startswith(PNG_SIGNATURE):
        return _png_size(data)
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    return None


def hex_color(rgb: Sequence[int]) -> str:
    """``"#rrggbb"`` for three 0-255 components."""
    components = [int(value) for value in rgb]
    if len(components) != 3 or not all(0 <= value <= 255 for value in components):
        raise ValueError(f"a colour is three integers 0-255, not {tuple(rgb)!r}")
    return "#{:02x}{:02x}{:02x}".format(*components)


def parse_hex_color(text: str) -> tuple[int, int, int]:
    """``(r, g, b)`` from ``"#rrggbb"`` (the ``#`` is optional, case does not matter)."""
    match = _HEX_COLOR.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"not a #rrggbb colour: {text!r}")
    value = int(match.group(1), 16)
    return (value >> 16, (value >> 8) & 0xFF, value & 0xFF)
