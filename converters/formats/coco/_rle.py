"""COCO run-length masks: validation, decoding and tracing into polygons.

An RLE is ``{"size": [h, w], "counts": ...}``; the counts are run lengths over the h x w mask
flattened **column-major**, starting with a run of zeros. ``counts`` is either a list of ints
("uncompressed", crowd annotations) or pycocotools' compressed ASCII string (6 bits per
character, offset 48, continuation bit 0x20, sign bit 0x10, each count from the third on stored
as the difference to the count two places before).

pycocotools' C decoder trusts its input: counts that add up to more than h x w write past the
mask buffer (and under numpy 2 every call warns). Every RLE is therefore checked here first
(characters, signs, total = h x w) and expanded with numpy; the tests check the result against
``pycocotools.mask.decode``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...errors import RleError as RleError
from ...mask_trace import DEFAULT_TOLERANCE, trace_mask
from ...model import MAX_MASK_PIXELS, Polygon, max_mask_pixels


def is_rle(seg: object) -> bool:
    """True for a dict that looks like an RLE (has ``counts``)."""
    return type(seg) is dict and "counts" in seg


def rle_size(seg: dict[str, Any]) -> tuple[int, int]:
    """The ``[h, w]`` of an RLE as ints; :class:`RleError` unless two positive integers."""
    size = seg.get("size")
    if type(size) is not list or len(size) != 2 or not all(type(v) is int and v > 0 for v in size):
        raise RleError("rle_invalid", f"RLE 'size' must be [height, width] (two positive integers), got {size!r}")
    return size[0], size[1]


def decode_counts_string(s: str) -> list[int]:
    """pycocotools' compressed counts string -> run lengths (the inverse of ``rleToString``)."""
    counts: list[int] = []
    x = 0
    k = 0
    for ch in s:
        c = ord(ch) - 48
        if not 0 <= c < 64:
            raise RleError("rle_invalid", f"RLE counts string has an invalid character {ch!r}")
        x |= (c & 0x1F) << (5 * k)
        k += 1
        if c & 0x20:
            continue
        if c & 0x10:
            x |= -1 << (5 * k)
        if len(counts) > 2:
            x += counts[-2]
        counts.append(x)
        x = 0
        k = 0
    if k:
        raise RleError("rle_invalid", "RLE counts string ends in the middle of a number")
    return counts


def _check_counts(counts: list[int], h: int, w: int) -> None:
    total = 0
    for c in counts:
        if type(c) is not int or c < 0:
            raise RleError("rle_invalid", f"RLE counts must be non-negative integers, got {c!r}")
        total += c
    if total != h * w:
        raise RleError(
            "rle_invalid",
            f"RLE counts add up to {total} pixels but size {h}x{w} has {h * w}",
        )


def rle_counts(seg: dict[str, Any]) -> tuple[int, int, list[int]]:
    """(h, w, run lengths) of an RLE of either kind, validated: RleError if anything is off."""
    h, w = rle_size(seg)
    counts = seg.get("counts")
    if type(counts) is list:
        runs = counts
    elif isinstance(counts, (str, bytes)):
        runs = decode_counts_string(counts.decode("ascii", "replace") if isinstance(counts, bytes) else counts)
    else:
        raise RleError("rle_invalid", f"RLE 'counts' must be a list of ints or a string, got {type(counts).__name__}")
    _check_counts(runs, h, w)
    return h, w, runs


def rle_to_mask(seg: dict[str, Any]) -> np.ndarray:
    """Decode a validated RLE (either kind) into an h x w uint8 mask.

    The runs are expanded with numpy (same result as ``pycocotools.mask.decode``, which the
    tests use as the reference): pycocotools 2.0.x warns under numpy 2 on every call and has
    no bounds checks.
    """
    h, w, runs = rle_counts(seg)
    values = np.arange(len(runs), dtype=np.int64) % 2
    flat = np.repeat(values.astype(np.uint8), np.asarray(runs, dtype=np.int64))
    return np.ascontiguousarray(flat.reshape(w, h).T)


DEFAULT_MAX_MASK_PIXELS = MAX_MASK_PIXELS


def rle_foreground_box(h: int, runs: list[int]) -> tuple[int, int, int, int] | None:
    """(r0, r1, c0, c1), the half-open row and column range holding every foreground pixel of a
    column-major RLE over ``h`` rows, from the runs alone (nothing decoded); None when empty."""
    lengths = np.asarray(runs, dtype=np.int64)
    ends = np.cumsum(lengths)
    ones = np.flatnonzero((np.arange(len(runs)) % 2 == 1) & (lengths > 0))
    if len(ones) == 0:
        return None
    last = ends[ones] - 1
    first = last - lengths[ones] + 1
    c_first, c_last = first // h, last // h
    c0, c1 = int(c_first.min()), int(c_last.max()) + 1
    if bool((c_first != c_last).any()):  # a run that wraps into the next column covers rows h-1 and 0
        return 0, h, c0, c1
    return int((first % h).min()), int((last % h).max()) + 1, c0, c1


def rle_crop(h: int, runs: list[int], box: tuple[int, int, int, int]) -> np.ndarray:
    """The foreground of a column-major RLE inside ``box`` (r0, r1, c0, c1) as a bool array of
    (r1 - r0) x (c1 - c0), built from per-column pieces of the runs: memory is the box, not h x w."""
    r0, r1, c0, c1 = box
    lengths = np.asarray(runs, dtype=np.int64)
    ends = np.cumsum(lengths)
    ones = np.flatnonzero((np.arange(len(runs)) % 2 == 1) & (lengths > 0))
    first = ends[ones] - lengths[ones]
    last = ends[ones] - 1
    c_first, c_last = first // h, last // h
    spans = c_last - c_first + 1
    # one piece per (run, column it touches): column, first row, end row (exclusive)
    run_of = np.repeat(np.arange(len(ones)), spans)
    col = c_first[run_of] + (np.arange(int(spans.sum())) - np.repeat(np.cumsum(spans) - spans, spans))
    top = np.where(col == c_first[run_of], first[run_of] % h, 0)
    bottom = np.where(col == c_last[run_of], last[run_of] % h + 1, h)
    width, height = c1 - c0, r1 - r0
    diff = np.zeros((width, height + 1), dtype=np.int8)
    np.add.at(diff, (col - c0, top - r0), 1)
    np.add.at(diff, (col - c0, bottom - r0), -1)
    crop: np.ndarray = np.cumsum(diff[:, :height], axis=1, dtype=np.int8).T.astype(bool)
    return crop


def rle_to_polygons(
    seg: dict[str, Any], tolerance: float = DEFAULT_TOLERANCE, max_pixels: int | None = None
) -> list[Polygon]:
    """Trace an RLE into hole-free polygons (largest first); [] for an empty mask.

    Only the foreground's bounding box is decoded (a small object in a 30000 x 30000 aerial image
    costs its box, not 900 M pixels); a box larger than ``max_pixels`` is :class:`RleError`
    ``mask_too_large``.
    """
    h, _, runs = rle_counts(seg)
    box = rle_foreground_box(h, runs)
    if box is None:
        return []
    r0, r1, c0, c1 = box
    if max_pixels is None:
        max_pixels = max_mask_pixels()
    if (r1 - r0) * (c1 - c0) > max_pixels:
        raise RleError(
            "mask_too_large",
            f"the mask's foreground spans {c1 - c0} x {r1 - r0} px, more than the {max_pixels} px allowed",
        )
    return trace_mask(rle_crop(h, runs, box), offset=(float(c0), float(r0)), tolerance=tolerance)
