"""Validate Playment job payloads: JSON Schemas first, then the checks a schema cannot express.

Two stages per payload (:meth:`PayloadValidator.check`):

1. Schema (``schemas/*.json``, draft 2020-12). A compiled ``jsonschema_rs`` validator answers
   valid / invalid fast; only for an invalid payload does ``jsonschema`` walk it again to list every
   error with its JSON path. The per-frame object ``type`` must equal its tracker's ``type``
   (checked by the schema: the tracker dispatches its ``frames`` on ``type``).
2. Semantics, on a schema-valid payload only:

   - ``duplicate_frame_id``: ``frame_id`` unique within ``video_data.frames``;
   - ``unknown_frame``: every tracker ``frames`` key is a ``frame_id`` of the job (C13);
   - ``duplicate_id``: ``_id`` unique across the job (trackers and objects, C11);
   - polygons (C6): ``unknown_point`` (an edge names a point that does not exist),
     ``degenerate_edge`` (an edge joins a point to itself), ``edges_not_ring`` (the edges are not
     the closed ring p1-p2-...-pN-p1 in natural point-name order, the order GT Studio's own
     exporter uses), ``invalid_polygon`` (shapely's ``explain_validity``, or zero area);
   - lines with ``edges`` (C7): ``unknown_point``, ``degenerate_edge``, ``edges_not_chain``;
   - ``unknown_label``: a label outside the project's label set, when one is given (C14).
   - ``empty_label`` (a warning, not an error): a per-frame object with ``"label": ""``, as in the
     create-a-job page's own example; the tracker's label names the class. ``convert`` never
     writes one. A tracker or image item without a label is a schema error (``empty_string``).

Cuboid faces can only name p1..p8 (schema ``enum``), so they need no semantic check.

Every :class:`~converters.errors.Issue` but ``empty_label`` has severity ``error``, a short code, the location
``"<location> $.json.path"`` and that JSON path as parts in ``Issue.path``. Schema codes:
``missing_field``, ``unexpected_field``, ``wrong_type``, ``out_of_range``, ``empty_string``,
``bad_format``, ``bad_value``, ``type_mismatch``, ``wrong_count``, ``duplicate_item``,
``conflicting_fields``, ``schema``, and ``not_json`` (NaN, infinities, numpy scalars, non-string
keys: values JSON cannot carry).
File codes (:func:`validate_paths`): ``invalid_json``, ``unreadable_file``, ``duplicate_reference_id``.
"""

from __future__ import annotations

import ast
import difflib
import itertools
import json
import math
import re
from array import array
from collections.abc import Collection, Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema_rs
import numpy as np
import shapely
from shapely.validation import explain_validity

from ..errors import Issue
from . import schemas
from .payload_files import iter_payload_files

if TYPE_CHECKING:
    import jsonschema  # type: ignore[import-untyped, unused-ignore]

PathParts = tuple[str | int, ...]

#: At most this many schema issues are listed per payload (one more says how many were left out).
MAX_SCHEMA_ISSUES = 100
IMAGE_LISTS = ("rectangles", "polygons", "lines", "landmarks", "cuboids")

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_RANGE = {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}
_COUNT = {"minItems", "maxItems", "minProperties", "maxProperties"}
_JSON_TYPES = ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"), (list, "array"),
               (dict, "object"), (type(None), "null"))


# --------------------------------------------------------------------------- paths and issues


def json_path(parts: Iterable[str | int]) -> str:
    """``("data", "frames", 0, "frame-1")`` -> ``$.data.frames[0]['frame-1']``."""
    out = ["$"]
    for p in parts:
        if isinstance(p, int):
            out.append(f"[{p}]")
        elif _IDENT.fullmatch(p):
            out.append("." + p)
        else:
            out.append("['" + p.replace("\\", "\\\\").replace("'", "\\'") + "']")
    return "".join(out)


def _issue(code: str, message: str, where: str, parts: Iterable[str | int]) -> Issue:
    """An error at the JSON path ``parts`` (kept as ``Issue.path``, and as text in the location)."""
    path = tuple(parts)
    text = json_path(path)
    return Issue("error", code, message, f"{where} {text}" if where else text, path)


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _clip(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _non_json(value: Any, parts: PathParts) -> tuple[PathParts, str] | None:
    """The path and a description of the first value JSON cannot represent, or None."""
    kind = type(value)
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str:
                return parts, f"the key {_short(key)} ({type(key).__name__})"
            found = _non_json(item, (*parts, key))
            if found is not None:
                return found
        return None
    if kind is list or kind is tuple:
        for k, item in enumerate(value):
            found = _non_json(item, (*parts, k))
            if found is not None:
                return found
        return None
    if kind is float:
        return None if math.isfinite(value) else (parts, repr(value))
    if kind in (str, int, bool) or value is None:
        return None
    return parts, f"{_short(value, 40)} of type {kind.__name__}"


def _json_type(value: Any) -> str:
    for cls, name in _JSON_TYPES:
        if isinstance(value, cls):
            return name
    return type(value).__name__


# --------------------------------------------------------------------------- validators


def _compiled(root: dict[str, Any], found: dict[str, dict[str, Any]]) -> Any:
    """A ``jsonschema_rs`` validator of ``root`` whose ``$ref``s resolve among ``found`` (by ``$id``)."""
    if hasattr(jsonschema_rs, "Registry"):
        return jsonschema_rs.validator_for(root, registry=jsonschema_rs.Registry(list(found.items())))

    def retrieve(uri: str) -> Any:  # pragma: no cover - jsonschema_rs without Registry
        return found[uri]

    return jsonschema_rs.validator_for(root, retriever=retrieve)  # pragma: no cover


@cache
def _fast_validator(video_key: str) -> Any:
    """The compiled ``jsonschema_rs`` validator of the payload schema (one per key and process)."""
    found = schemas.schemas_for_video_key(video_key)
    return _compiled(found[schemas.PAYLOAD_ID], found)


@cache
def _fast_trackers_validator() -> Any:
    """A compiled validator of a list of video trackers (``tracker.json`` items)."""
    root = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "array",
            "items": {"$ref": schemas.BASE_URI + "tracker.json"}}
    return _compiled(root, schemas.load_schemas())


@cache
def _detail_validator(video_key: str) -> jsonschema.Draft202012Validator:
    """The ``jsonschema`` validator that explains why a payload is invalid (imported here: about
    40 ms that a run with only valid payloads does not spend)."""
    import jsonschema  # type: ignore[import-untyped, unused-ignore]

    root = schemas.schemas_for_video_key(video_key)[schemas.PAYLOAD_ID]
    return jsonschema.Draft202012Validator(root, registry=schemas.registry(video_key))


def _describe(error: jsonschema.ValidationError) -> list[tuple[str, str, PathParts]]:
    """One jsonschema error -> (code, message, JSON path parts) records."""
    kw = error.validator
    inst = error.instance
    path: PathParts = tuple(error.absolute_path)
    sch = error.schema if isinstance(error.schema, dict) else {}
    value: Any = error.validator_value
    hint = f" ({sch['description']})" if "description" in sch and "$id" not in sch else ""
    if kw == "required":
        missing = _missing_property(error.message)
        return [("missing_field", f"missing required property {missing!r}{hint}", path)]
    if kw == "additionalProperties" and isinstance(inst, dict):
        allowed = sch.get("properties", {})
        extra = [k for k in inst if k not in allowed] or ["?"]
        known = ", ".join(sorted(allowed)) or "none"
        return [("unexpected_field", f"unexpected property {k!r} (allowed: {known})", (*path, k))
                for k in extra]
    if kw == "type":
        return [("wrong_type", f"expected {' or '.join(value) if isinstance(value, list) else value}, "
                 f"got {_json_type(inst)} {_short(inst, 40)}", path)]
    if kw in _RANGE:
        return [("out_of_range", f"{_short(inst)} is out of range: {kw} {value}{hint}", path)]
    if "propertyNames" in error.absolute_schema_path and isinstance(inst, str):
        path = (*path, inst)  # the failing name is the instance: point the path at it
    if kw == "minLength" and value == 1:
        return [("empty_string", "must be a non-empty string", path)]
    if kw in ("pattern", "minLength", "maxLength"):
        what = f"does not match {value}" if kw == "pattern" else f"violates {kw} {value}"
        return [("bad_format", f"{_short(inst)} {what}{hint}", path)]
    if kw == "const" and path and path[-1] == "type":
        text = f"object type {_short(inst)} differs from its tracker's type {value!r}"
        return [("type_mismatch", text, path)]
    if kw in ("const", "enum"):
        allowed_values = [value] if kw == "const" else value
        return [("bad_value", f"{_short(inst)} is not one of {allowed_values}{hint}", path)]
    if kw in _COUNT:
        size = len(inst) if isinstance(inst, (list, dict)) else "?"
        unit = "items" if kw.endswith("Items") else "properties"
        bound = "at least" if kw.startswith("min") else "at most"
        return [("wrong_count", f"has {size} {unit}, expected {bound} {value}{hint}", path)]
    if kw == "uniqueItems":
        return [("duplicate_item", f"items must be distinct: {_short(inst)}", path)]
    if kw == "not":
        why = value.get("description") if isinstance(value, dict) else None
        return [("conflicting_fields", str(why or error.message), path)]
    return [("schema", _clip(str(error.message)), path)]


def _missing_property(message: str) -> str:
    """The name in jsonschema's ``"'name' is a required property"``."""
    head = message.rsplit(" is a required property", 1)[0]
    try:
        name = ast.literal_eval(head)
    except (ValueError, SyntaxError):
        return head
    return name if isinstance(name, str) else head


class PayloadValidator:
    """Checks job payloads against the schemas and the semantic rules; build once, reuse.

    ``label_set``: the project's class Build Names (``unknown_label`` for any other label), or
    None to accept every label. ``video_key``: the video maker_response key (C1, ``video2d``).
    """

    __slots__ = ("_detail", "_fast", "label_set", "video_key")

    def __init__(self, *, label_set: Collection[str] | None = None, video_key: str = "video2d") -> None:
        self.label_set = frozenset(label_set) if label_set is not None else None
        self.video_key = video_key
        self._fast = _fast_validator(video_key)
        self._detail: jsonschema.Draft202012Validator | None = None

    def is_schema_valid(self, payload: Any) -> bool:
        """The compiled validator's yes / no (no semantic checks)."""
        try:
            return bool(self._fast.is_valid(payload))
        except (ValueError, TypeError, OverflowError):  # not JSON-compatible Python values
            return False

    def check(self, payload: Any, location: str = "") -> list[Issue]:
        """Every problem of ``payload`` ([] when it is valid); locations are ``"<location> $.path"``."""
        if not self.is_schema_valid(payload):
            return self.schema_issues(payload, location)
        data = payload["data"]
        maker = data.get("maker_response")
        if "video_data" in data:
            return self._video(data, maker, location)
        return self._image(maker, location) if maker is not None else []

    # ------------------------------------------------------------------ schema stage

    def schema_issues(self, payload: Any, location: str = "") -> list[Issue]:
        """The schema errors of ``payload`` in detail (``jsonschema``), at most MAX_SCHEMA_ISSUES."""
        if self._detail is None:
            self._detail = _detail_validator(self.video_key)
        issues: list[Issue] = []
        try:
            errors = list(itertools.islice(self._detail.iter_errors(payload), MAX_SCHEMA_ISSUES + 1))
        except (TypeError, ValueError, AttributeError):  # e.g. a non-string dict key
            errors = []
        for error in errors[:MAX_SCHEMA_ISSUES]:
            issues.extend(_issue(code, msg, location, parts) for code, msg, parts in _describe(error))
        if len(errors) > MAX_SCHEMA_ISSUES:
            issues.append(_issue("schema", f"more than {MAX_SCHEMA_ISSUES} schema errors; the rest are "
                                 "not listed", location, ()))
        if not issues:
            issues = self._other_errors(payload, location)
        return issues

    def _other_errors(self, payload: Any, location: str) -> list[Issue]:
        """What ``jsonschema`` lets through but JSON cannot carry (NaN, numpy scalars, int keys)."""
        found = _non_json(payload, ())
        if found is not None:
            parts, what = found
            return [_issue("not_json", f"{what} is not a JSON value", location, parts)]
        try:
            rs_errors = list(itertools.islice(self._fast.iter_errors(payload), MAX_SCHEMA_ISSUES))
        except (ValueError, TypeError, OverflowError) as exc:
            return [_issue("not_json", f"the payload is not JSON-compatible: {exc}", location, ())]
        issues = [_issue("schema", _clip(e.message), location, tuple(e.instance_path)) for e in rs_errors]
        return issues or [_issue("schema", "the payload does not match the schema", location, ())]

    # ------------------------------------------------------------------ semantic stage

    def _video(self, data: dict[str, Any], maker: dict[str, Any] | None, where: str) -> list[Issue]:
        issues: list[Issue] = []
        frames = data["video_data"]["frames"]
        known = {f["frame_id"] for f in frames}
        if len(known) != len(frames):
            issues += _duplicate_frames(frames, where)
        if maker is None:
            return issues
        base: PathParts = ("data", "maker_response", self.video_key, "data", "annotations")
        trackers = maker[self.video_key]["data"]["annotations"]
        per_frames = [tracker["frames"] for tracker in trackers]
        objects = [obj for per_frame in per_frames for obj in per_frame.values()]
        if not known.issuperset(set().union(*per_frames)):
            for i, per_frame in enumerate(per_frames):
                if not known.issuperset(per_frame):
                    issues += _unknown_frames(per_frame, known, where, (*base, i, "frames"))
        if any(obj["label"] == "" for obj in objects):
            issues += _empty_labels(trackers, base, where)
        ids = [tracker["_id"] for tracker in trackers]
        ids += [obj["_id"] for obj in objects]
        if len(set(ids)) != len(ids):
            issues += _duplicate_ids(_video_field(trackers, base, "_id"), where)
        if self.label_set is not None and not _labels_within(trackers, self.label_set):
            issues += self._labels(_video_field(trackers, base, "label"), where)
        shaped = _shaped(trackers, base)
        if shaped:
            issues += _shape_issues(shaped, where)
        return issues

    def _image(self, maker: dict[str, Any], where: str) -> list[Issue]:
        ids: list[str] = []
        shaped: list[tuple[str, dict[str, Any], PathParts]] = []
        for key in IMAGE_LISTS:
            group = maker.get(key)
            if group is None:
                continue
            items = group["data"]
            ids.extend([item["_id"] for item in items])
            if key == "polygons" or key == "lines":
                kind = key[:-1]
                shaped.extend((kind, item, ("data", "maker_response", key, "data", j))
                              for j, item in enumerate(items))
        issues: list[Issue] = []
        if len(set(ids)) != len(ids):
            issues += _duplicate_ids(_image_field(maker, "_id"), where)
        if self.label_set is not None:
            issues += self._labels(_image_field(maker, "label"), where)
        issues += _shape_issues(shaped, where)
        return issues

    def _labels(self, labels: Iterable[tuple[str, PathParts]], where: str) -> list[Issue]:
        allowed = self.label_set
        assert allowed is not None
        issues = []
        for label, parts in labels:
            if label and label not in allowed:
                close = difflib.get_close_matches(label, sorted(allowed), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                issues.append(_issue("unknown_label", f"label {label!r} is not in the project's label set "
                                     f"({len(allowed)} labels){hint}", where, parts))
        return issues


class VideoStreamCheck:
    """Checks a video payload that is written in pieces and never held whole.

    First the envelope (the payload with an empty ``annotations`` list), then the trackers batch
    by batch, where a long tracker may come in several parts that each carry some of its frames
    (every part of a valid tracker is a valid tracker). Each step only answers yes or no, with
    the same rules as :meth:`PayloadValidator.check`: the schemas (the compiled validator), frame
    keys among the job's frames, labels in the label set, polygon and line shapes, and ``_id``s
    unique across the job (their hashes are kept, 8 bytes per id, and compared at
    :meth:`finish`). After a no, the caller builds the whole payload and calls ``check`` for the
    located issues.
    """

    __slots__ = ("_hashes", "_known", "_label_set", "_trackers", "_validator")

    def __init__(self, validator: PayloadValidator) -> None:
        self._validator = validator
        self._trackers = _fast_trackers_validator()
        self._label_set = validator.label_set
        self._known: set[str] = set()
        self._hashes = array("q")

    def envelope_ok(self, envelope: dict[str, Any]) -> bool:
        """The payload without trackers: schema and unique frame ids."""
        if self._validator.check(envelope):
            return False
        self._known = {f["frame_id"] for f in envelope["data"]["video_data"]["frames"]}
        return True

    def trackers_ok(self, trackers: list[dict[str, Any]], continued: bool = False) -> bool:
        """Trackers (or parts of trackers) of the payload, in order; ``continued``: the first one
        is a further part of the last tracker of the previous call (its ``_id`` is counted once)."""
        try:
            if not self._trackers.is_valid(trackers):
                return False
        except (ValueError, TypeError, OverflowError):
            return False
        if self._label_set is not None and not _labels_within(trackers, self._label_set):
            return False
        known = self._known
        hashes = self._hashes
        for tracker in trackers:
            per_frame = tracker["frames"]
            if not known.issuperset(per_frame):
                return False
            if continued:
                continued = False
            else:
                hashes.append(hash(tracker["_id"]))
            hashes.extend([hash(obj["_id"]) for obj in per_frame.values()])
        shaped = _shaped(trackers, ())
        return not (shaped and _shape_issues(shaped, ""))

    def finish(self) -> bool:
        """True when no two ``_id``s of the payload are equal (equal hashes, almost surely a real
        duplicate, also answer no: the full check is exact)."""
        hashes = np.frombuffer(self._hashes, dtype=np.int64)
        return bool(np.unique(hashes).size == hashes.size)


# --------------------------------------------------------------------------- semantic helpers


def _duplicate_frames(frames: list[dict[str, Any]], where: str) -> list[Issue]:
    seen: dict[str, int] = {}
    issues = []
    for j, frame in enumerate(frames):
        fid = frame["frame_id"]
        if fid in seen:
            issues.append(_issue("duplicate_frame_id", f"frame_id {fid!r} is also frame {seen[fid]} of "
                                 "video_data.frames (frame ids must be unique within a job)", where,
                                 ("data", "video_data", "frames", j, "frame_id")))
        else:
            seen[fid] = j
    return issues


def _unknown_frames(per_frame: dict[str, Any], known: set[str], where: str, parts: PathParts) -> list[Issue]:
    return [_issue("unknown_frame", f"tracker frame {fid!r} is not a frame_id of data.video_data.frames",
                   where, (*parts, fid)) for fid in per_frame if fid not in known]


def _labels_within(trackers: list[dict[str, Any]], allowed: frozenset[str]) -> bool:
    """Every tracker and per-frame label is in ``allowed`` (an empty per-frame label is not checked)."""
    labels = {obj["label"] for tracker in trackers for obj in tracker["frames"].values()}
    labels.update([tracker["label"] for tracker in trackers])
    labels.discard("")
    return labels <= allowed


def _shaped(trackers: list[dict[str, Any]], base: PathParts) -> list[tuple[str, dict[str, Any], PathParts]]:
    """The polygon and line objects of the trackers, for :func:`_shape_issues`."""
    if not any(t["type"] == "polygon" or t["type"] == "line" for t in trackers):
        return []
    return [(kind, obj, (*base, i, "frames", fid)) for i, tracker in enumerate(trackers)
            if (kind := tracker["type"]) == "polygon" or kind == "line"
            for fid, obj in tracker["frames"].items()]


def _empty_labels(trackers: list[dict[str, Any]], base: PathParts, where: str) -> list[Issue]:
    out = []
    for i, tracker in enumerate(trackers):
        for fid, obj in tracker["frames"].items():
            if obj["label"] == "":
                path = (*base, i, "frames", fid, "label")
                text = json_path(path)
                out.append(Issue("warning", "empty_label", f"the object on frame {fid!r} has an empty label; "
                                 f"Playment shows the tracker's label {tracker['label']!r}",
                                 f"{where} {text}" if where else text, path))
    return out


def _video_field(trackers: list[dict[str, Any]], base: PathParts, key: str) -> Iterator[tuple[str, PathParts]]:
    """``key`` (``_id`` or ``label``) of every tracker and per-frame object, with its path."""
    for i, tracker in enumerate(trackers):
        yield tracker[key], (*base, i, key)
        for fid, obj in tracker["frames"].items():
            yield obj[key], (*base, i, "frames", fid, key)


def _image_field(maker: dict[str, Any], key: str) -> Iterator[tuple[str, PathParts]]:
    """``key`` (``_id`` or ``label``) of every image maker_response item, with its path."""
    for group in IMAGE_LISTS:
        if group in maker:
            for j, item in enumerate(maker[group]["data"]):
                yield item[key], ("data", "maker_response", group, "data", j, key)


def _duplicate_ids(found: Iterable[tuple[str, PathParts]], where: str) -> list[Issue]:
    first: dict[str, PathParts] = {}
    issues = []
    for oid, parts in found:
        if oid in first:
            issues.append(_issue("duplicate_id", f"_id {oid!r} is also used at {json_path(first[oid])} "
                                 "(_ids must be unique within a job)", where, parts))
        else:
            first[oid] = parts
    return issues


def _point_number(name: str) -> int:
    return int(name[1:])


@cache
def _names(n: int) -> tuple[list[str], frozenset[str]]:
    """p1..pN in order, and as a set."""
    names = [f"p{k}" for k in range(1, n + 1)]
    return names, frozenset(names)


@cache
def _canonical_edges(kind: str, n: int) -> dict[str, list[str]]:
    """The edges the builder writes: e_k = [p_k, p_k+1], closed for a polygon (C6), open for a line (C7)."""
    names = _names(n)[0]
    count = n if kind == "polygon" else n - 1
    return {f"e{k + 1}": [names[k], names[(k + 1) % n]] for k in range(count)}


def _edge_issues(points: dict[str, Any], edges: dict[str, Any], parts: PathParts, where: str) -> list[Issue]:
    """Edges naming missing points, or joining a point to itself."""
    issues = []
    for name, (a, b) in edges.items():
        missing = [p for p in (a, b) if p not in points]
        if missing:
            issues.append(_issue("unknown_point", f"edge {name} names {', '.join(missing)}, which "
                                 "is not in points", where, (*parts, "edges", name)))
        elif a == b:
            issues.append(_issue("degenerate_edge", f"edge {name} joins {a} to itself", where,
                                 (*parts, "edges", name)))
    return issues


def _edge_shape_issue(
    kind: str, names: list[str], edges: dict[str, Any], parts: PathParts, where: str
) -> Issue | None:
    """The edges must be the closed ring (polygon) or open chain (line) of the points in name order."""
    n = len(names)
    pairs = range(n) if kind == "polygon" else range(n - 1)
    expected = {frozenset((names[k], names[(k + 1) % n])) for k in pairs}
    got = [frozenset(edge) for edge in edges.values()]
    if len(got) == len(expected) and set(got) == expected:
        return None
    if kind == "polygon":
        ring = "-".join(names[:3]) + ("-...-" + names[-1] if n > 3 else "") + "-" + names[0]
        return _issue("edges_not_ring", f"the edges are not the closed ring {ring} (points in name order, "
                      f"{n} edges)", where, (*parts, "edges"))
    chain = "-".join(names[:3]) + ("-...-" + names[-1] if n > 3 else "")
    return _issue("edges_not_chain", f"the edges are not the open chain {chain} (points in name order, "
                  f"{n - 1} edges)", where, (*parts, "edges"))


def _check_edges(kind: str, points: dict[str, Any], edges: dict[str, Any], names: list[str],
                 canonical: bool, parts: PathParts, where: str) -> list[Issue]:
    if canonical and edges == _canonical_edges(kind, len(names)):
        return []  # exactly what the builder writes: nothing more to check
    problems = _edge_issues(points, edges, parts, where)
    if problems:
        return problems
    ring_issue = _edge_shape_issue(kind, names, edges, parts, where)
    return [ring_issue] if ring_issue is not None else []


def _shape_issues(shaped: list[tuple[str, dict[str, Any], PathParts]], where: str) -> list[Issue]:
    """Edge checks of polygons and lines, then polygon validity (one vectorised shapely call)."""
    issues: list[Issue] = []
    rings: list[list[tuple[float, float]]] = []
    ring_parts: list[PathParts] = []
    for kind, obj, parts in shaped:
        points = obj["points"]
        in_order, name_set = _names(len(points))
        canonical = points.keys() == name_set  # named p1..pN: the natural order is known
        names = in_order if canonical else sorted(points, key=_point_number)
        edges = obj.get("edges")
        if edges is not None:
            issues += _check_edges(kind, points, edges, names, canonical, parts, where)
        if kind == "polygon":
            rings.append([(points[n]["x"], points[n]["y"]) for n in names])
            ring_parts.append((*parts, "points"))
    if rings:
        issues += _polygon_validity(rings, ring_parts, where)
    return issues


def _polygon_validity(
    rings: list[list[tuple[float, float]]], parts: list[PathParts], where: str
) -> list[Issue]:
    try:
        coords = np.array([xy for ring in rings for xy in ring], dtype=float)
        index = np.repeat(np.arange(len(rings)), [len(ring) for ring in rings])
        polygons = shapely.polygons(shapely.linearrings(coords, indices=index))
    except (ValueError, shapely.errors.GEOSException):
        return _polygon_validity_one_by_one(rings, parts, where)
    bad = np.flatnonzero(~shapely.is_valid(polygons) | (shapely.area(polygons) <= 0.0))
    return [_invalid_polygon(polygons[k], parts[k], where) for k in bad.tolist()]


def _polygon_validity_one_by_one(
    rings: list[list[tuple[float, float]]], parts: list[PathParts], where: str
) -> list[Issue]:
    issues = []
    for ring, at in zip(rings, parts, strict=True):
        try:
            polygon = shapely.Polygon(ring)
        except (ValueError, shapely.errors.GEOSException) as exc:
            issues.append(_issue("invalid_polygon", f"the points do not make a polygon: {exc}", where, at))
            continue
        if not polygon.is_valid or polygon.area <= 0.0:
            issues.append(_invalid_polygon(polygon, at, where))
    return issues


def _invalid_polygon(polygon: Any, parts: PathParts, where: str) -> Issue:
    reason = str(explain_validity(polygon)) if not polygon.is_valid else "the polygon has zero area"
    return _issue("invalid_polygon", f"invalid polygon (points in name order): {reason}", where, parts)


# --------------------------------------------------------------------------- convenience and files


def validate_payload(
    payload: Any, *, label_set: Collection[str] | None = None, video_key: str = "video2d"
) -> list[Issue]:
    """The problems of one payload dict ([] when valid). Build a :class:`PayloadValidator` for many."""
    return PayloadValidator(label_set=label_set, video_key=video_key).check(payload)


def _with_reference(where: str, payload: Any) -> str:
    ref = payload.get("reference_id") if isinstance(payload, dict) else None
    if not isinstance(ref, str) or not ref:
        return where
    shown = ref if ref.isprintable() and not any(c.isspace() for c in ref) else json.dumps(ref)
    return f"{where} reference_id={shown}"


def validate_paths(
    paths: Path | str | Iterable[Path | str], *, label_set: Collection[str] | None = None, video_key: str = "video2d"
) -> tuple[int, list[Issue]]:
    """Validate every payload in ``paths`` (files, directories, ``.jsonl``).

    Returns (payloads examined, including unparseable ones; every issue). Each location names
    the file (and line), the job's reference_id and the JSON path. A reference_id used by two
    payloads is a ``duplicate_reference_id`` (Playment rejects the second with FS_0001).
    """
    validator = PayloadValidator(label_set=label_set, video_key=video_key)
    count = 0
    issues: list[Issue] = []
    seen_refs: dict[str, str] = {}
    for where, payload in iter_payload_files(paths):
        count += 1
        if isinstance(payload, Issue):
            issues.append(payload)
            continue
        located = _with_reference(where, payload)
        issues += validator.check(payload, located)
        ref = payload.get("reference_id") if isinstance(payload, dict) else None
        if isinstance(ref, str) and ref:
            if ref in seen_refs:
                issues.append(_issue("duplicate_reference_id", f"reference_id {ref!r} is also used by "
                                     f"{seen_refs[ref]}", located, ("reference_id",)))
            else:
                seen_refs[ref] = where
    return count, issues
