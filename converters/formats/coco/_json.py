"""COCO JSON loading: orjson with located errors (line, column), a stdlib fallback for NaN /
Infinity literals and for integers beyond 64 bits, a bounded ground-truth read (images and
categories only, annotations skipped), and a record list parsed a chunk at a time
(:func:`load_lazy`, :class:`RawRecords`) so that a file's annotations are never all dicts at once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import orjson

from ... import fast_paths, json_out
from ...errors import InputError
from ...input_files import read_regular

#: Records parsed into dicts at a time by :class:`RawRecords` (about 5 MB of dicts for boxes).
CHUNK_RECORDS = 8192


def load_json(path: Path) -> Any:
    """Parse a JSON file with orjson; errors become InputError with line and column.

    Files orjson refuses but Python's json accepts (NaN / Infinity literals) are read with json;
    integers beyond 64 bits are also re-read with json so that large ids stay exact.
    """
    try:
        raw = read_regular(path, "a COCO file")
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", str(path)) from None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if not raw.strip():
        raise InputError("the file is empty; expected COCO JSON", str(path))
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        where = f"{path}:{exc.lineno}:{exc.colno}"
        if "depth" in exc.msg or "recursion" in exc.msg:
            raise InputError("the JSON is nested more than 1024 levels deep; not a COCO file", where) from None
        if "memory" in exc.msg:
            raise MemoryError(f"not enough memory to parse {path}") from None
        try:  # NaN / Infinity literals, which orjson refuses and json reads
            return json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise InputError("the file is not UTF-8 text", str(path)) from None
        except (json.JSONDecodeError, RecursionError):
            raise InputError(f"malformed JSON: {exc.msg}", where) from None
    return data


class _GroundTruthParts(msgspec.Struct):
    """The parts of a dataset JSON that ``--images`` needs; msgspec skips the rest unbuilt."""

    images: list[Any] | None = None
    categories: list[Any] | None = None
    videos: list[Any] | None = None


def load_ground_truth(path: Path) -> Any:
    """``images``, ``categories`` and ``videos`` of a dataset JSON, without building its (unused)
    annotations: 1M annotations cost 0.15 s instead of 0.8 s and no memory.

    Anything unusual (malformed JSON, a top level that is not an object, a field of the wrong
    type, NaN literals, integers beyond 64 bits) falls back to :func:`load_json` on the whole file,
    so the messages are the same as for any other input.
    """
    try:
        raw = read_regular(path, "a COCO file")
        parts = msgspec.json.decode(raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw, type=_GroundTruthParts)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError):
        return big_int_reload(path, load_json(path))
    data = {k: v for k in ("images", "categories", "videos") if (v := getattr(parts, k)) is not None}
    return big_int_reload(path, data)


def big_int_reload(path: Path, data: Any) -> Any:
    """orjson turns integers beyond 64 bits into floats; re-read such files with json.

    Checked on the first 1000 image ids (dataset) or result image ids (results list).
    """
    if type(data) is dict:
        records, key = data.get("images"), "id"
    else:
        records, key = data, "image_id"
    if isinstance(records, (list, RawRecords)) and any(
        type(r) is dict and type(r.get(key)) is float for r in records[:1000]
    ):
        return json.loads(read_regular(path).decode("utf-8-sig"))
    return data


class RawRecords:
    """A JSON array kept as the raw text of its elements (``msgspec.Raw`` views into the file's
    bytes, about 56 bytes each) and parsed :data:`CHUNK_RECORDS` elements at a time: a 1M-annotation
    file never holds more than one chunk of annotation dicts (about 700 bytes each).

    :meth:`chunks` hands each chunk over once and drops its raw elements; iterating and slicing
    look without consuming. The text was already checked as JSON by msgspec; a chunk
    orjson refuses (a lone surrogate escape) is read with Python's json, as :func:`load_json` does.
    """

    __slots__ = ("_items", "path", "where")

    def __init__(self, items: list[Any], path: Path, where: str) -> None:
        self._items = items
        self.path = path
        self.where = where  # the JSON path of the array: "$" or "$.annotations"

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, which: slice) -> list[Any]:
        """Records of a slice, parsed (the records stay)."""
        return self.parse(self._items[which])

    def __iter__(self) -> Iterator[Any]:
        """Every record, parsed a chunk at a time (the records stay)."""
        items = self._items
        for start in range(0, len(items), CHUNK_RECORDS):
            yield from self.parse(items[start:start + CHUNK_RECORDS])

    def chunks(self) -> Iterator[tuple[int, list[Any]]]:
        """(index of the first record, the parsed records) per chunk, in order; each chunk's raw
        text is released as it is handed over, so the records can be read only once."""
        for start, part in self.raw_chunks():
            yield start, self.parse(part)

    def raw_chunks(self) -> Iterator[tuple[int, list[Any]]]:
        """:meth:`chunks` with each record still raw text (``msgspec.Raw``; :meth:`parse` or
        :meth:`text` make them values)."""
        items = self._items
        for start in range(0, len(items), CHUNK_RECORDS):
            stop = start + CHUNK_RECORDS
            part = items[start:stop]
            items[start:stop] = [None] * len(part)
            yield start, part
        self._items = []

    @staticmethod
    def text(part: list[Any]) -> bytes:
        """Raw records as the text of one JSON array."""
        return b"[" + b",".join(part) + b"]"

    def parse(self, part: list[Any]) -> list[Any]:
        """Raw records as values (orjson; Python's json for what orjson refuses)."""
        text = self.text(part)
        try:
            return orjson.loads(text)  # type: ignore[no-any-return]
        except orjson.JSONDecodeError as exc:
            try:
                return json.loads(text.decode("utf-8"))  # type: ignore[no-any-return]
            except UnicodeDecodeError:
                raise InputError("the file is not UTF-8 text", str(self.path)) from None
            except (json.JSONDecodeError, RecursionError):
                raise InputError(f"malformed JSON: {exc.msg}", f"{self.path}:{self.where}") from None


def load_lazy(path: Path) -> Any:
    """:func:`load_json`, except that the record list (a results list's top level, a dataset's
    ``annotations``) comes as :class:`RawRecords`; every other value is parsed as usual.

    msgspec checks the whole text and cuts it into values without building them. Anything it
    refuses (malformed JSON, NaN literals, a BOM-less non-UTF-8 file), any other top level, and
    runs inside ``fast_paths.reference_only()`` go to :func:`load_json`, so messages are unchanged.
    """
    if not fast_paths.enabled():
        return load_json(path)
    try:
        raw = read_regular(path, "a COCO file")
    except OSError:
        return load_json(path)  # its message names the failure
    if json_out.limited():  # msgspec, like orjson, crashes where an allocation fails
        json_out.probe(max(len(raw), json_out.MIN_PROBE))
    start = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
    top = raw[start:start + 4096].lstrip()[:1]
    try:
        if top == b"[":
            return RawRecords(msgspec.json.decode(memoryview(raw)[start:], type=list[msgspec.Raw]), path, "$")
        if top != b"{":
            return load_json(path)
        fields = msgspec.json.decode(memoryview(raw)[start:], type=dict[str, msgspec.Raw])
        data: dict[str, Any] = {}
        for key, value in fields.items():
            text = memoryview(value)
            if key == "annotations" and text[:1].tobytes() == b"[":
                data[key] = RawRecords(msgspec.json.decode(text, type=list[msgspec.Raw]), path, "$.annotations")
            else:
                data[key] = orjson.loads(text)
        return data
    except (msgspec.DecodeError, orjson.JSONDecodeError, RecursionError):
        return load_json(path)
