"""YOLO metadata: class names (YAML ``names``, ``obj.names``, ``classes.txt``, ``--names``), the pose
keypoint shape, and the ``--image-sizes`` map (image headers: :mod:`converters.formats._images`)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson
import yaml

from ... import safe_yaml
from ...errors import InputError, UsageError
from ...input_files import read_regular
from ...model import MAX_IMAGE_SIDE
from .._images import IMG_EXTS as IMG_EXTS
from .._images import MEDIA_EXTS as MEDIA_EXTS
from .._images import VID_EXTS as VID_EXTS
from .._images import ext_of as ext_of
from .._images import jpeg_size as jpeg_size
from .._images import read_image_size as read_image_size
from .._images import strip_media_ext as strip_media_ext


def decode_text(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError("not UTF-8 text", f"{where}:{line}") from None


def read_file(path: Path, what: str, location: str | None = None) -> bytes:
    try:
        return read_regular(path, f"the {what}")
    except OSError as exc:
        raise InputError(f"cannot read the {what} {path}: {exc.strerror or exc}",
                         location or str(path), "missing_file") from None


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
        raise UsageError(f"--kpt-shape must be K,D (e.g. 17,3), got {text!r}") from None
    if k <= 0 or d not in (2, 3):
        raise UsageError(f"--kpt-shape: K must be > 0 and D 2 or 3, got {text!r}")
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


# ---------------------------------------------------------------------------------------------
# Image sizes
# ---------------------------------------------------------------------------------------------

class ImageSizes:
    """``--image-sizes`` JSON ``{image path: [width, height]}``; paths relative to the JSON file's
    folder or absolute. Keys starting with ``_`` whose value is not a pair are comments."""

    def __init__(self, path: Path | None = None) -> None:
        self.abs: dict[str, tuple[float, float, str]] = {}
        self.rel: dict[str, tuple[float, float, str]] = {}
        self.stem: dict[str, list[tuple[float, float, str]]] = {}
        self.path = path
        if path is not None:
            self._load(path)

    def __bool__(self) -> bool:
        return bool(self.abs)

    def _load(self, path: Path) -> None:
        try:
            data = orjson.loads(read_regular(path, "--image-sizes"))
        except InputError as exc:
            raise UsageError(f"--image-sizes {path}: {exc.message}") from None
        except OSError as exc:
            raise UsageError(f"--image-sizes {path}: cannot read: {exc.strerror or exc}") from None
        except orjson.JSONDecodeError as exc:
            raise InputError(f"not valid JSON: {exc}", str(path)) from None
        if not isinstance(data, dict):
            raise InputError("expected an object {image path: [width, height]}", str(path))
        base = os.path.abspath(path.parent)
        for key, value in data.items():
            if key.startswith("_") and not isinstance(value, list):
                continue
            if not (
                isinstance(value, list)
                and len(value) == 2
                and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
                and all(0 < v <= MAX_IMAGE_SIDE for v in value)
            ):
                raise InputError(f"{key!r}: expected [width, height], positive numbers of at most {MAX_IMAGE_SIDE} "
                                 f"px, got {value!r}",
                                 f"{path}:$[{key!r}]")
            entry = (float(value[0]), float(value[1]), key)
            clean = key.replace("\\", "/")
            if clean.startswith("/") or "./" in clean or "//" in clean or os.sep != "/":
                full = os.path.normpath(os.path.join(base, key))
            else:
                full = f"{base}/{clean}"
            self.abs.setdefault(full, entry)
            rel = strip_media_ext(clean)
            if rel != clean:
                self.abs.setdefault(full[: len(rel) - len(clean)], entry)
            self.rel.setdefault(rel, entry)
            self.stem.setdefault(rel.rsplit("/", 1)[-1], []).append(entry)

    def entry_path(self, entry: tuple[float, float, str]) -> str:
        """Absolute path of an entry's image."""
        assert self.path is not None
        return os.path.normpath(os.path.join(os.path.abspath(self.path.parent), entry[2]))

    def exact(self, abs_path: str) -> tuple[float, float, str] | None:
        """The entry of an image given by its absolute, normalized path (with or without extension)."""
        return self.abs.get(abs_path) if self.abs else None

    def find(self, abs_noext: Iterable[str], rel_noext: Iterable[str], stem: str
             ) -> tuple[float, float, str] | None:
        if not self.abs:
            return None
        for a in abs_noext:
            hit = self.abs.get(a)
            if hit is not None:
                return hit
        for r in rel_noext:
            hit = self.rel.get(r)
            if hit is not None:
                return hit
        hits = self.stem.get(stem)
        return hits[0] if hits and len(hits) == 1 else None




_NATURAL = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that orders ``img2`` before ``img10``."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in _NATURAL.split(text) if p)
