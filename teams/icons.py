"""Draw the Teams app icons (color.png 192×192, outline.png 32×32) without an image library.

Run `python teams/icons.py` to regenerate them next to this file. The shapes are a speech
bubble with lines of text (the assistant answers questions) over the app's accent colour;
the outline icon is the same bubble in white on a transparent background, as Teams requires.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from pathlib import Path

ACCENT = (0x1F, 0x5C, 0x99)  # keep in step with accentColor in manifest.json
WHITE = (0xFF, 0xFF, 0xFF)
SAMPLES = 4  # per axis; 16 samples per pixel smooth the edges

Shape = Callable[[float, float], bool]


def rounded_rect(x0: float, y0: float, x1: float, y1: float, r: float) -> Shape:
    """Inside test for a rectangle with rounded corners (unit coordinates)."""

    def inside(x: float, y: float) -> bool:
        if not (x0 <= x <= x1 and y0 <= y <= y1):
            return False
        cx = min(max(x, x0 + r), x1 - r)
        cy = min(max(y, y0 + r), y1 - r)
        return (x - cx) ** 2 + (y - cy) ** 2 <= r * r

    return inside


def triangle(a: tuple[float, float], b: tuple[float, float], c: tuple[float, float]) -> Shape:
    """Inside test for a triangle."""

    def side(p: tuple[float, float], q: tuple[float, float], x: float, y: float) -> float:
        return (q[0] - p[0]) * (y - p[1]) - (q[1] - p[1]) * (x - p[0])

    def inside(x: float, y: float) -> bool:
        d1, d2, d3 = side(a, b, x, y), side(b, c, x, y), side(c, a, x, y)
        return (d1 >= 0 and d2 >= 0 and d3 >= 0) or (d1 <= 0 and d2 <= 0 and d3 <= 0)

    return inside


def union(*shapes: Shape) -> Shape:
    """Inside any of the shapes."""
    return lambda x, y: any(s(x, y) for s in shapes)


def minus(shape: Shape, hole: Shape) -> Shape:
    """Inside the shape but not the hole."""
    return lambda x, y: shape(x, y) and not hole(x, y)


BUBBLE = union(
    rounded_rect(0.16, 0.20, 0.84, 0.70, 0.10),
    triangle((0.28, 0.66), (0.46, 0.66), (0.26, 0.84)),
)
LINES = union(
    rounded_rect(0.27, 0.32, 0.73, 0.38, 0.03),
    rounded_rect(0.27, 0.43, 0.73, 0.49, 0.03),
    rounded_rect(0.27, 0.54, 0.58, 0.60, 0.03),
)


def coverage(shape: Shape, size: int, px: int, py: int) -> float:
    """Share of a pixel's sample points inside the shape."""
    hits = 0
    for sy in range(SAMPLES):
        for sx in range(SAMPLES):
            x = (px + (sx + 0.5) / SAMPLES) / size
            y = (py + (sy + 0.5) / SAMPLES) / size
            hits += shape(x, y)
    return hits / (SAMPLES * SAMPLES)


def color_pixels(size: int) -> list[bytes]:
    """Rows of RGBA: accent square with rounded corners, white bubble, accent text lines."""
    square = rounded_rect(0.0, 0.0, 1.0, 1.0, 0.18)
    text = minus(BUBBLE, LINES)
    rows = []
    for py in range(size):
        row = bytearray()
        for px in range(size):
            alpha = coverage(square, size, px, py)
            white = coverage(text, size, px, py)
            rgb = [round(a * (1 - white) + w * white) for a, w in zip(ACCENT, WHITE, strict=True)]
            row += bytes([*rgb, round(255 * alpha)])
        rows.append(bytes(row))
    return rows


def outline_pixels(size: int) -> list[bytes]:
    """Rows of RGBA: the bubble, with its text lines cut out, in white on transparency."""
    shape = minus(BUBBLE, LINES)
    rows = []
    for py in range(size):
        row = bytearray()
        for px in range(size):
            row += bytes([*WHITE, round(255 * coverage(shape, size, px, py))])
        rows.append(bytes(row))
    return rows


def png(rows: list[bytes]) -> bytes:
    """An 8-bit RGBA PNG from rows of pixels."""
    height, width = len(rows), len(rows[0]) // 4

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    raw = b"".join(b"\x00" + row for row in rows)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def main() -> None:
    """Write color.png and outline.png next to this file."""
    here = Path(__file__).resolve().parent
    (here / "color.png").write_bytes(png(color_pixels(192)))
    (here / "outline.png").write_bytes(png(outline_pixels(32)))


if __name__ == "__main__":
    main()
