"""COCO ``categories``: id -> label (a numeric name becomes its text) and keypoint names, in id order."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ...errors import InputError, Report
from ._kind import list_field
from ._records import describe


class Categories:
    """id -> label and keypoint names; ``names`` in id order."""

    def __init__(self, data: dict[str, Any], path: Path, report: Report) -> None:
        self.labels: dict[Any, str] = {}
        self.keypoints: dict[Any, tuple[str, ...]] = {}
        self.names: list[str] = []
        if "categories" not in data:
            self.labels = IdLabels()
            report.warn("categories_missing", "no 'categories': labels are the category ids", str(path))
            return
        for j, c in enumerate(list_field(data, "categories", path)):
            loc = f"{path}:$.categories[{j}]"
            if type(c) is not dict:
                raise InputError(f"a category must be an object, got {describe(c)}", loc)
            cid, name = c.get("id"), c.get("name")
            if type(cid) not in (int, str):
                raise InputError(f"category id must be an integer or a string, got {describe(cid)}", f"{loc}.id")
            if cid in self.labels:
                raise InputError(f"duplicate category id {cid!r}", f"{loc}.id")
            if isinstance(name, (int, float)) and not isinstance(name, bool) and math.isfinite(name):
                name = format(name, "g") if isinstance(name, float) else str(name)  # a number as name: 0 -> "0"
            if type(name) is not str or not name:
                raise InputError(f"category name must be a non-empty string, got {describe(name)}", f"{loc}.name")
            self.labels[cid] = name
            kp = c.get("keypoints")
            if type(kp) is list and kp and all(type(k) is str for k in kp):
                self.keypoints[cid] = tuple(kp)
        self.names = list(dict.fromkeys(self.labels[k] for k in id_order(self.labels)))

    @classmethod
    def from_ids(cls, ids: set[Any]) -> Categories:
        """No categories known: every id is its own label."""
        self = cls.__new__(cls)
        self.labels = IdLabels()
        self.keypoints = {}
        self.names = [str(k) for k in id_order(ids)]
        return self


def id_order(ids: Any) -> list[Any]:
    """Ids sorted: integers numerically first, then strings."""
    return sorted(ids, key=lambda k: (type(k) is str, k if type(k) is str else 0, k if type(k) is int else 0))


class IdLabels(dict[Any, str]):
    """Label lookup when a file has no categories: the id itself, as a string."""

    def get(self, key: Any, default: Any = None) -> Any:
        return str(key) if type(key) in (int, str) else default
