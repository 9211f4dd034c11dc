"""COCO JSON reader (see :mod:`._reader` for the conventions)."""

from __future__ import annotations

from ._reader import READER, CocoOptions, CocoReader, sequence_name

__all__ = ["READER", "CocoOptions", "CocoReader", "sequence_name"]
