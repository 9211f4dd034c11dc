"""COCO JSON reader (see :mod:`._reader` for the conventions)."""

from __future__ import annotations

from ._reader import READER, CocoReader, sequence_name

__all__ = ["READER", "CocoReader", "sequence_name"]
