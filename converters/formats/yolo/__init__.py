"""YOLO reader (see :mod:`._reader` for the conventions)."""

from __future__ import annotations

from ._reader import READER, YoloOptions, YoloReader

__all__ = ["READER", "YoloOptions", "YoloReader"]
