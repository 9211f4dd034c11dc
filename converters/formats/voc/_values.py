"""Values of VOC elements: texts, flags, ``<size>``, and the devkit's box rule.

:func:`edge_box` applies the devkit coordinate rule (1-based pixel indices: ``xmin - 1`` .. ``xmax``
as pixel edges, or ``voc_zero_based``) and the record-level box checks (:data:`Skip` with a reason).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ...errors import RecordSkip
from ...model import MAX_IMAGE_SIDE, Box
from .._numbers import parses_as_float

_FLAG_TRUE = frozenset({"1", "true", "yes"})


#: A record-level problem: the record is reported with ``code`` and skipped (the library-wide type).
Skip = RecordSkip


def text(elem: ET.Element | None) -> str | None:
    """Stripped text of ``elem``; None when the element is absent."""
    if elem is None:
        return None
    t = elem.text
    return t.strip() if t else ""


def flag(value: str | None) -> str:
    """A VOC 0/1 flag as a Playment value (C10): ``1`` (also true/yes) -> Yes, anything else -> No."""
    return "Yes" if value is not None and value.strip().lower() in _FLAG_TRUE else "No"


_BOX_KEYS = ("xmin", "ymin", "xmax", "ymax")


def box_values(bndbox: ET.Element | None, what: str = "object") -> tuple[float, float, float, float]:
    """The four numbers of a ``<bndbox>`` (children in any order); Skip when missing or not numeric."""
    if bndbox is None:
        raise Skip("bbox_missing", f"{what} has no <bndbox>")
    xmin = bndbox.findtext("xmin")
    ymin = bndbox.findtext("ymin")
    xmax = bndbox.findtext("xmax")
    ymax = bndbox.findtext("ymax")
    try:
        return float(xmin), float(ymin), float(xmax), float(ymax)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        pass
    values = (xmin, ymin, xmax, ymax)
    for key, v in zip(_BOX_KEYS, values, strict=True):
        if v is None or not v.strip():
            raise Skip("bbox_missing_value", f"{what}'s <bndbox> has no <{key}> value")
    bad = [
        f"<{k}> {(v or '').strip()!r}" for k, v in zip(_BOX_KEYS, values, strict=True) if not parses_as_float(v)
    ]
    raise Skip("bad_number", f"{what}'s <bndbox> has a value that is not a number: {', '.join(bad)}")


def edge_box(
    xmin: float, ymin: float, xmax: float, ymax: float, offset: float, width: float, height: float
) -> Box:
    """Pixel-edge box from VOC values: (xmin - offset, ymin - offset, xmax, ymax).

    ``offset`` is 1 for the devkit's 1-based inclusive pixel indices and 0 for files written
    0-based. Skips: non-finite values, xmin > xmax or ymin > ymax (``bbox_inverted``), no area left
    (``bbox_non_positive``), and a box with no overlap with the W x H image (``bbox_outside_image``).
    A box partly outside is kept; the builder clamps it and counts the clamped points.
    """
    s = xmin + ymin + xmax + ymax
    if s - s != 0:
        raise Skip("bad_number", f"box ({xmin:g}, {ymin:g}, {xmax:g}, {ymax:g}) has a non-finite value")
    if xmin > xmax or ymin > ymax:
        raise Skip(
            "bbox_inverted",
            f"box has xmin > xmax or ymin > ymax (xmin {xmin:g} ymin {ymin:g} xmax {xmax:g} ymax {ymax:g})",
        )
    x1 = xmin - offset
    y1 = ymin - offset
    if xmax <= x1 or ymax <= y1:
        raise Skip(
            "bbox_non_positive",
            f"box ({xmin:g}, {ymin:g}, {xmax:g}, {ymax:g}) has no area (0-based coordinates, min == max)",
        )
    if xmax <= 0 or ymax <= 0 or x1 >= width or y1 >= height:
        raise Skip(
            "bbox_outside_image",
            f"box ({xmin:g}, {ymin:g}, {xmax:g}, {ymax:g}) lies entirely outside the "
            f"{width:g}x{height:g} image",
        )
    return Box(x1, y1, xmax, ymax)


def parse_size(size: ET.Element | None) -> tuple[float, float] | None:
    """(width, height) from ``<size>`` when both are positive finite numbers, else None."""
    if size is None:
        return None
    return size_from_texts(size.findtext("width"), size.findtext("height"))


def size_from_texts(width: str | None, height: str | None) -> tuple[float, float] | None:
    """:func:`parse_size` from the texts of ``<width>`` and ``<height>`` (None: absent)."""
    try:
        w = float(width or "")
        h = float(height or "")
    except ValueError:
        return None
    if 0 < w <= MAX_IMAGE_SIDE and 0 < h <= MAX_IMAGE_SIDE:
        return (w, h)
    return None
