"""Test helpers shared by the reader tests: write an input file, read inputs with a reader."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from converters.errors import Report
from converters.formats import get_reader
from converters.model import Scene


def write(path: Path, data: str | bytes | dict[str, Any] | list[Any], encoding: str = "utf-8") -> Path:
    """Write ``data`` to ``path`` (parent folders made): text in ``encoding``, bytes as they are,
    a dict or list as JSON. Returns ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, (dict, list)):
        data = json.dumps(data)
    path.write_bytes(data.encode(encoding) if isinstance(data, str) else data)
    return path


def read_as(
    fmt: str, inputs: Path | Sequence[Path], report: Report | None = None, **options: Any
) -> tuple[Scene, Report]:
    """Read ``inputs`` with the ``fmt`` reader and its options given as keywords (``strict=True``
    makes a strict report); every column-stored box is made an object. Returns (scene, report)."""
    if report is None:
        report = Report(strict=bool(options.pop("strict", False)))
    reader = get_reader(fmt)
    paths = [inputs] if isinstance(inputs, Path) else list(inputs)
    scene = reader.read(paths, reader.options_type.from_mapping(options), report)
    return scene.expand_columns(), report
