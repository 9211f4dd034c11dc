"""Conversion options shared by every reader, and the loaders of the mapping files.

Label map file (``--label-map``, JSON or YAML), one entry per source label::

    car: vehicle                               # rename
    background: null                           # drop (counted as filtered)
    person: {label: pedestrian, min_score: 0.5}  # rename + per-label score threshold
    dog: {min_score: 0.7}                      # keep the name, own threshold

Attribute map file (``--attribute-map``)::

    occluded: is_occluded                      # rename
    z_order: null                              # drop
    color: {name: colour, values: {"1": red}}  # rename and map values to option build names
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast, get_args

import orjson
import yaml

from . import safe_yaml
from .errors import InputError, UsageError
from .input_files import read_regular
from .option_names import opt

EmitKind = Literal["auto", "rectangle", "polygon", "line", "landmark", "cuboid"]
JobType = Literal["video", "image"]
JobPer = Literal["sequence", "image"]
LinkTracks = Literal["none", "iou", "bytetrack", "sort", "ocsort"]
Multipart = Literal["split", "largest"]
EMIT_KINDS: tuple[str, ...] = get_args(EmitKind)
JOB_TYPES: tuple[str, ...] = get_args(JobType)
JOB_PER: tuple[str, ...] = get_args(JobPer)
MULTIPART: tuple[str, ...] = get_args(Multipart)
LINK_TRACKS: tuple[str, ...] = get_args(LinkTracks)


@dataclass(frozen=True)
class LabelRule:
    """What the label map says about one source label."""

    target: str | None
    min_score: float | None = None


@dataclass(frozen=True)
class AttributeRule:
    """What the attribute map says about one attribute name."""

    name: str | None
    values: Mapping[str, str] = field(default_factory=dict)


@dataclass
class ConvertOptions:
    """Everything after reading: selection, grouping into jobs, payload shape. Defaults follow the
    conventions in docs/playment-conventions.md (video jobs, ``video2d``, ``work_flow_id``, deterministic ids)."""

    emit: tuple[EmitKind, ...] | str = ("auto",)  # a string is split on commas: "rectangle,landmark"
    multipart: Multipart = "split"
    label_map: Mapping[str, LabelRule] | None = None
    min_score: float | None = None
    score_attribute: str | None = None
    attribute_map: Mapping[str, AttributeRule] | None = None
    label_set: frozenset[str] | None = None
    job_type: JobType = "video"
    job_per: JobPer = "sequence"
    frames_per_job: int | None = None
    reference_id: str | None = None
    frame_url: str = "{file_name}"
    work_flow_id: str | None = None
    tag: str | None = None
    batch_id: str | None = None
    priority_weight: int | None = None
    video_key: str = "video2d"
    random_ids: bool = False
    drop_empty: bool = False
    strict: bool = False
    #: join untracked video detections into tracks (converters.linking): none, iou, bytetrack, sort, ocsort
    link_tracks: LinkTracks = "none"
    link_max_gap: int = 5
    link_min_iou: float = 0.3

    def __post_init__(self) -> None:
        self.emit = parse_emit(self.emit)
        _choice("multipart", self.multipart, MULTIPART)
        _choice("job_type", self.job_type, JOB_TYPES)
        _choice("job_per", self.job_per, JOB_PER)
        _choice("link_tracks", self.link_tracks, LINK_TRACKS)
        if self.link_max_gap < 0:
            raise UsageError(f"{opt('link_max_gap')} must be at least 0")
        if not 0 < self.link_min_iou <= 1:
            raise UsageError(f"{opt('link_min_iou')} must be within (0, 1]")
        if self.frames_per_job is not None and self.frames_per_job < 1:
            raise UsageError(f"{opt('frames_per_job')} must be at least 1")
        if self.frames_per_job is not None and self.job_per == "image":
            raise UsageError(f"{opt('frames_per_job')} groups frames into jobs and {opt('job_per', 'image')} makes "
                             "one job per frame: give one of them")
        if self.min_score is not None and not 0 <= self.min_score <= 1:
            raise UsageError(f"{opt('min_score')} must be within [0, 1]")
        if self.work_flow_id and self.tag:
            raise UsageError(f"give {opt('work_flow_id')} or the legacy {opt('tag')}, never both")
        if self.priority_weight is not None and not 1 <= self.priority_weight <= 9:
            raise UsageError(f"{opt('priority_weight')} must be within 1..9")
        if not self.video_key:
            raise UsageError(f"{opt('video_key')} must not be empty")


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise UsageError(f"{opt(name)} must be one of {', '.join(allowed)}; got {value!r}")


def parse_emit(value: str | tuple[str, ...] | list[str]) -> tuple[EmitKind, ...]:
    """``"rectangle,landmark"`` -> ("rectangle", "landmark"); ``auto`` stands alone."""
    parts = value.split(",") if isinstance(value, str) else list(value)
    kinds = tuple(dict.fromkeys(p.strip() for p in parts if p.strip()))
    if not kinds:
        raise UsageError(f"{opt('emit')} needs at least one kind")
    for k in kinds:
        _choice("emit", k, EMIT_KINDS)
    if "auto" in kinds and len(kinds) > 1:
        raise UsageError(f"{opt('emit', 'auto')} cannot be combined with other kinds")
    return cast("tuple[EmitKind, ...]", kinds)


def load_mapping_file(path: str | Path, what: str) -> dict[str, Any]:
    """Read a JSON or YAML mapping; structural problems are usage errors naming the file."""
    p = Path(path)
    try:
        text = read_regular(p, what)
    except InputError as exc:
        raise UsageError(f"{what} {p}: {exc.message}") from None
    except OSError as exc:
        raise UsageError(f"{what} {p}: cannot read: {exc.strerror or exc}") from None
    try:
        data = orjson.loads(text) if p.suffix.lower() == ".json" else safe_yaml.load(text)
    except (orjson.JSONDecodeError, yaml.YAMLError) as exc:
        raise UsageError(f"{what} {p}: not valid JSON/YAML: {exc}") from None
    if not isinstance(data, dict):
        raise UsageError(f"{what} {p}: expected a mapping at the top level, got {type(data).__name__}")
    return {str(k): v for k, v in data.items()}


def _score(value: Any, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise UsageError(f"{where}: min_score must be a number within [0, 1], got {value!r}")
    return float(value)


# load_label_map and load_attribute_map read the same file shape (a name, null, or a small mapping
# per key) into different rules with different keys and messages: kept as two plain loops.
def load_label_map(path: str | Path) -> dict[str, LabelRule]:
    rules: dict[str, LabelRule] = {}
    for src, v in load_mapping_file(path, "label map").items():
        where = f"label map {path}: {src!r}"
        if v is None or isinstance(v, str):
            rules[src] = LabelRule(v)
        elif isinstance(v, dict):
            unknown = set(v) - {"label", "min_score"}
            if unknown:
                raise UsageError(f"{where}: unknown keys {sorted(unknown)} (allowed: label, min_score)")
            target = v.get("label", src)
            if target is not None and not isinstance(target, str):
                raise UsageError(f"{where}: label must be a string or null")
            rules[src] = LabelRule(target, _score(v.get("min_score"), where))
        else:
            raise UsageError(f"{where}: expected a label, null or {{label, min_score}}, got {v!r}")
    return rules


def load_attribute_map(path: str | Path) -> dict[str, AttributeRule]:
    rules: dict[str, AttributeRule] = {}
    for src, v in load_mapping_file(path, "attribute map").items():
        where = f"attribute map {path}: {src!r}"
        if v is None or isinstance(v, str):
            rules[src] = AttributeRule(v)
        elif isinstance(v, dict):
            unknown = set(v) - {"name", "values"}
            if unknown:
                raise UsageError(f"{where}: unknown keys {sorted(unknown)} (allowed: name, values)")
            name = v.get("name", src)
            values = v.get("values") or {}
            if (name is not None and not isinstance(name, str)) or not isinstance(values, dict):
                raise UsageError(f"{where}: name must be a string or null and values a mapping")
            rules[src] = AttributeRule(name, {str(a): str(b) for a, b in values.items()})
        else:
            raise UsageError(f"{where}: expected a name, null or {{name, values}}, got {v!r}")
    return rules


def load_label_set(path: str | Path) -> frozenset[str]:
    """A project's label set: a text file with one label per line, or a JSON/YAML list."""
    p = Path(path)
    try:
        text = read_regular(p, "label set").decode("utf-8-sig")
    except InputError as exc:
        raise UsageError(f"label set {p}: {exc.message}") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"label set {p}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise UsageError(f"label set {p}: cannot read: {exc.strerror or exc}") from None
    if p.suffix.lower() in (".json", ".yaml", ".yml"):
        try:
            data = safe_yaml.load(text)
        except yaml.YAMLError as exc:
            raise UsageError(f"label set {p}: not valid JSON/YAML: {exc}") from None
        if not isinstance(data, list) or not all(isinstance(x, str) for x in data):
            raise UsageError(f"label set {p}: expected a list of label names")
        return frozenset(data)
    return frozenset(line.strip() for line in text.splitlines() if line.strip())
