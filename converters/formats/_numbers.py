"""Whether a token of a text format reads as a number (YOLO rows, VOC values, results files).

Python's ``float()`` is the rule: it accepts what the formats' own tools write (``1``, ``0.5``,
``1e-3``, surrounding spaces) and ``nan``/``inf``, which later range checks reject with their own
reason. JSON values are checked by type instead (``coco._records.is_json_number``).
"""

from __future__ import annotations


def parses_as_float(token: str | bytes | None) -> bool:
    """True when ``float(token)`` succeeds; None (a missing value) is not a number."""
    if token is None:
        return False
    try:
        float(token)
    except ValueError:
        return False
    return True
