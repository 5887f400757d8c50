#!/usr/bin/env python3
"""Writes favicon.ico next to this script: the brand blue (#1f5f8b) rounded square with a
white check mark, at 16x16 and 32x32, as 32-bit BMP images (read by every browser).

Run once by hand (python3 crates/api/assets/make_favicon.py); the output is committed and
embedded in the binary, so builds never need Python.
"""

import math
import struct
from pathlib import Path

BRAND = (0x1F, 0x5F, 0x8B)
WHITE = (0xFF, 0xFF, 0xFF)


def coverage(size, x, y, inside):
    """How much of pixel (x, y) lies inside the shape, from a 4x4 grid of samples."""
    hits = 0
    for sy in range(4):
        for sx in range(4):
            px = (x + (sx + 0.5) / 4) / size
            py = (y + (sy + 0.5) / 4) / size
            hits += inside(px, py)
    return hits / 16


def in_rounded_square(px, py, radius=0.22):
    cx = min(max(px, radius), 1 - radius)
    cy = min(max(py, radius), 1 - radius)
    return (px - cx) ** 2 + (py - cy) ** 2 <= radius**2


def distance_to_segment(px, py, ax, ay, bx, by):
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def in_check(px, py, half_width=0.085):
    # Two strokes in unit coordinates (y grows downwards, as on screen).
    short = distance_to_segment(px, py, 0.24, 0.52, 0.42, 0.70)
    long = distance_to_segment(px, py, 0.42, 0.70, 0.77, 0.30)
    return min(short, long) <= half_width


def pixels(size):
    """Rows top to bottom of (b, g, r, a)."""
    rows = []
    for y in range(size):
        row = []
        for x in range(size):
            alpha = coverage(size, x, y, in_rounded_square)
            mark = coverage(size, x, y, in_check)
            rgb = [round(b * (1 - mark) + w * mark) for b, w in zip(BRAND, WHITE)]
            row.append((rgb[2], rgb[1], rgb[0], round(alpha * 255)))
        rows.append(row)
    return rows


def bmp_entry(size):
    header = struct.pack("<IiiHHIIiiII", 40, size, size * 2, 1, 32, 0, 0, 0, 0, 0, 0)
    # A DIB stores rows bottom-up; the alpha channel carries transparency, so the AND mask
    # that follows (one bit a pixel, rows padded to 32 bits) is all zeros.
    body = b"".join(bytes(c for px in row for c in px) for row in reversed(pixels(size)))
    mask_row = ((size + 31) // 32) * 4
    return header + body + bytes(mask_row * size)


def ico(sizes):
    images = [bmp_entry(s) for s in sizes]
    out = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    for size, image in zip(sizes, images):
        out += struct.pack("<BBBBHHII", size, size, 0, 0, 1, 32, len(image), offset)
        offset += len(image)
    return out + b"".join(images)


if __name__ == "__main__":
    target = Path(__file__).with_name("favicon.ico")
    target.write_bytes(ico([16, 32]))
    print(f"wrote {target} ({target.stat().st_size} bytes)")
