"""Pascal VOC reader (see :mod:`._reader` for the conventions)."""

from __future__ import annotations

from ._reader import READER, VocOptions, VocReader

__all__ = ["READER", "VocOptions", "VocReader"]
