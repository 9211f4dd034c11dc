"""CVAT XML 1.1 reader (see :mod:`._reader` for the conventions)."""

from __future__ import annotations

from ._reader import READER, CvatOptions, CvatReader

__all__ = ["READER", "CvatOptions", "CvatReader"]
