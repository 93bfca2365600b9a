#!/usr/bin/env python3
"""Decodes an image the simulator made, with nothing but the standard library, and prints what
it holds as one JSON object.

Usage: image_check.py FILE [EXPECTED]

PNG: checks the signature, every chunk's CRC, IHDR, and inflates IDAT with `zlib`, undoing the
row filters (all five types), then reports width, height, channels, the number of distinct
colours, the pixel at the centre and at the top-left corner, and a SHA-256 of the pixels.
JPEG: walks the markers and reports the SOF0 frame's width, height and components.
With EXPECTED (a file of raw pixel rows, the PNG's channels per pixel), also reports whether
the decoded pixels are exactly those ("matches"). Exits 1 (with {"error": ...}) when the file is not a well-formed PNG or JPEG.
"""

import hashlib
import itertools
import json
import operator
import struct
import sys
import zlib


MASK = (255).__and__


def fail(message):
    print(json.dumps({"error": message}))
    sys.exit(1)


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def png(data, expected=None):
    offset, chunks, idat = 8, [], b""
    header = None
    while offset < len(data):
        if offset + 12 > len(data):
            fail("truncated chunk")
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        if zlib.crc32(kind + body) != crc:
            fail(f"bad CRC in {kind!r}")
        chunks.append(kind.decode("latin-1"))
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        offset += 12 + length
    if not chunks or chunks[0] != "IHDR" or chunks[-1] != "IEND" or header is None:
        fail(f"chunks {chunks}")
    width, height, depth, colour, _, _, interlace = header
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(colour)
    if depth != 8 or channels is None or interlace != 0:
        fail(f"depth {depth} colour type {colour} interlace {interlace}")
    raw = zlib.decompress(idat)
    stride = width * channels
    if len(raw) != height * (stride + 1):
        fail(f"IDAT inflates to {len(raw)} bytes, not {height} rows of {stride + 1}")
    pixels = bytearray(height * stride)
    previous = bytearray(stride)
    filters = set()
    for y in range(height):
        start = y * (stride + 1)
        kind = raw[start]
        filters.add(kind)
        line = bytearray(raw[start + 1 : start + 1 + stride])
        if kind == 1:
            # Sub, channel by channel: running sums modulo 256 (fast paths for the simulator's filter).
            for c in range(channels):
                line[c::channels] = bytes(map(MASK, itertools.accumulate(line[c::channels])))
        elif kind == 2:
            line = bytearray(map(MASK, map(operator.add, line, previous)))
        elif kind in (3, 4):
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                up = previous[i]
                upper_left = previous[i - channels] if i >= channels else 0
                guess = (left + up) // 2 if kind == 3 else paeth(left, up, upper_left)
                line[i] = (line[i] + guess) & 0xFF
        elif kind != 0:
            fail(f"filter type {kind} in row {y}")
        pixels[y * stride : (y + 1) * stride] = line
        previous = line

    def pixel(x, y):
        offset = (y * width + x) * channels
        return list(pixels[offset : offset + channels])

    colours = {bytes(pixels[i : i + channels]) for i in range(0, len(pixels), channels)}
    return {
        "format": "png",
        "width": width,
        "height": height,
        "channels": channels,
        "filters": sorted(filters),
        "colours": len(colours),
        "centre": pixel(width // 2, height // 2),
        "corner": pixel(0, 0),
        "bottom_right": pixel(width - 1, height - 1),
        "sha256": hashlib.sha256(pixels).hexdigest(),
        "matches": None if expected is None else bytes(pixels) == expected,
        "bytes": len(data),
    }


def jpeg(data):
    offset = 2
    while offset + 4 <= len(data):
        if data[offset] != 0xFF:
            fail(f"no marker at {offset}")
        marker = data[offset + 1]
        if marker == 0xFF:
            offset += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            offset += 2
            continue
        (length,) = struct.unpack(">H", data[offset + 2 : offset + 4])
        if marker == 0xC0:
            precision, height, width, components = struct.unpack(">BHHB", data[offset + 4 : offset + 10])
            if data[-2:] != b"\xff\xd9":
                fail("no EOI at the end")
            return {"format": "jpeg", "width": width, "height": height, "components": components, "precision": precision, "bytes": len(data)}
        if marker == 0xDA:
            break
        offset += 2 + length
    fail("no SOF0 frame header")


def main(path, expected_path=None):
    with open(path, "rb") as f:
        data = f.read()
    expected = None
    if expected_path:
        with open(expected_path, "rb") as f:
            expected = f.read()
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        result = png(data, expected)
    elif data[:3] == b"\xff\xd8\xff":
        result = jpeg(data)
    else:
        fail(f"neither PNG nor JPEG: {data[:12]!r}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        print(__doc__)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
