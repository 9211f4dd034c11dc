"""The ``image_sizes`` map (``--image-sizes FILE``): JSON ``{image path: [width, height]}`` for
images that are not at hand (YOLO labels without their images, VOC files without ``<size>``)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import orjson

from ..errors import InputError, UsageError
from ..input_files import read_regular
from ..model import MAX_IMAGE_SIDE
from ..option_names import opt
from ._images import strip_media_ext


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
            data = orjson.loads(read_regular(path, "the image sizes file"))
        except InputError as exc:
            raise UsageError(f"{opt('image_sizes')} {path}: {exc.message}") from None
        except OSError as exc:
            raise UsageError(f"{opt('image_sizes')} {path}: cannot read: {exc.strerror or exc}") from None
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
