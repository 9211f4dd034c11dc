"""Natural sort order: ``img2`` before ``img10`` (frame files, label files, sequence names)."""

from __future__ import annotations

import re

_NATURAL = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that orders ``img2`` before ``img10``."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in _NATURAL.split(text) if p)
