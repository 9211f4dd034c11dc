"""YOLO class names: YAML ``names`` (a list, or a mapping id -> name), ``obj.names`` /
``classes.txt`` (line n = class n), a names file given with ``names`` / ``--names``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ... import safe_yaml
from ...errors import InputError
from .._images import ext_of
from ._text_files import decode_text, read_file


def names_from_value(value: Any, where: str) -> dict[int, str]:
    """YAML ``names`` (list or {id: name}) -> {id: name}."""
    if isinstance(value, list):
        pairs = list(enumerate(value))
    elif isinstance(value, dict):
        pairs = list(value.items())
    else:
        raise InputError(f"names must be a list or a mapping, got {type(value).__name__}", where)
    out: dict[int, str] = {}
    for k, v in pairs:
        if isinstance(k, bool) or not isinstance(k, int) or k < 0:
            try:
                k = int(str(k))
            except ValueError:
                raise InputError(f"class id {k!r} in names is not an integer", where) from None
        if v is None or str(v).strip() == "":
            raise InputError(f"class {k} has an empty name", where)
        out[k] = str(v)
    return out


def load_names_file(path: Path, location: str | None = None) -> dict[int, str]:
    """``obj.names`` / ``classes.txt`` (one name per line) or a YAML/JSON list, mapping or file with
    a ``names`` key."""
    data = read_file(path, "names file", location)
    where = str(path)
    if ext_of(path.name) in ("yaml", "yml", "json"):
        try:
            value = safe_yaml.load(decode_text(data, where))
        except yaml.YAMLError as exc:
            raise InputError(f"not valid YAML/JSON: {exc}", where) from None
        if isinstance(value, dict) and "names" in value:
            value = value["names"]
        return names_from_value(value, where)
    lines = [line.strip() for line in decode_text(data, where).splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    for i, line in enumerate(lines, 1):
        if not line:
            raise InputError("empty class name (line numbers are class ids, so a blank line is ambiguous)",
                             f"{where}:{i}")
    return dict(enumerate(lines))
