"""The pose keypoint shape (``kpt_shape`` [K, D] in the dataset YAML or ``--kpt-shape K,D``) and
the keypoint names (``kpt_names``)."""

from __future__ import annotations

from typing import Any

from ...errors import InputError, UsageError
from ...option_names import opt


def kpt_shape_value(value: Any, where: str) -> tuple[int, int]:
    if (
        isinstance(value, (list, tuple))
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        and value[0] > 0
        and value[1] in (2, 3)
    ):
        return int(value[0]), int(value[1])
    raise InputError(f"kpt_shape must be [K, 2] or [K, 3], got {value!r}", where)


def parse_kpt_shape(text: str) -> tuple[int, int]:
    """``--kpt-shape K,D``."""
    try:
        k, d = (int(p) for p in text.replace("x", ",").split(","))
    except ValueError:
        raise UsageError(f"{opt('kpt_shape')} must be K,D (e.g. 17,3), got {text!r}") from None
    if k <= 0 or d not in (2, 3):
        raise UsageError(f"{opt('kpt_shape')}: K must be > 0 and D 2 or 3, got {text!r}")
    return k, d


def kpt_names_value(value: Any, where: str) -> dict[int, tuple[str, ...]] | tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    if isinstance(value, dict):
        try:
            return {int(k): tuple(str(v) for v in vs) for k, vs in value.items()}
        except (TypeError, ValueError):
            pass
    raise InputError("kpt_names must be a list of names or a mapping class id -> list of names", where)
