"""The select stage: label map, score thresholds, label set, attribute map, emit kinds, multipart.

It acts on the scene model, so every reader gets the same behaviour. For each frame it yields
:class:`Item` tuples ``(label, geometry, attributes, key, source)`` where ``geometry`` is a
single-part geometry the builder can emit and ``key`` groups items into trackers: :class:`Tracked`
(the object's track id, and its part number when a multi-part geometry is split) joins the frames of
one track; :class:`Untracked` (the object's index in its frame, and its part) is a one-frame
tracker. ``key.name(frame_id)`` is the key's text in the deterministic ids: ``t:<track id>`` or
``o:<frame id>:<index>``, with ``:p<part>`` for a part.

- ``emit auto``: the object's primary geometry. A list of kinds emits each kind the record carries
  as its own tracker; ``rectangle`` is derived from the bounds of the primary geometry when the
  record has no box. An object carrying none of the requested kinds is filtered
  (``no_requested_geometry``).
- ``multipart split`` (default): one item per part, keys ``<track>:p<i>``; ``largest`` keeps the
  part with the largest area and warns ``multipart_parts_dropped`` with the count.
- Objects dropped by the label map (``label_map_drop``) or a score threshold (``below_min_score``)
  are counted as filtered, not skipped; a label outside ``--label-set`` is skipped
  (``unknown_label``).
- Options that match nothing say so once the run is over (:meth:`Selector.finish`): label map keys
  that match no label (``label_map_unused``), attribute map keys that match no attribute
  (``attribute_map_unused``), a score threshold on objects that carry no score (``min_score_unused``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple, TypeAlias

from .errors import Report
from .geometry import polygon_area
from .model import PLAYMENT_TYPE, AttributeValue, Box, Frame, Geometry, MultiPolygon, SceneObject
from .options import ConvertOptions


def _part_suffix(part: int | None) -> str:
    return "" if part is None else f":p{part}"


class Tracked(NamedTuple):
    """The key of an object with a track id: every frame's object of the track joins one tracker."""

    track_id: str  # as text: tracks 5 and "5" are one track, as their ids are
    part: int | None = None

    def name(self, frame_id: str = "") -> str:
        """``t:<track id>[:p<part>]`` (the frame plays no part)."""
        return f"t:{self.track_id}{_part_suffix(self.part)}"


class Untracked(NamedTuple):
    """The key of an object without a track id: its index in its frame; a one-frame tracker."""

    object_index: int
    part: int | None = None

    def name(self, frame_id: str) -> str:
        """``o:<frame id>:<index>[:p<part>]``."""
        return f"{untracked_prefix(frame_id)}{self.object_index}{_part_suffix(self.part)}"


def untracked_prefix(frame_id: str) -> str:
    """The start of the name of every untracked key of a frame (the builder appends the index)."""
    return f"o:{frame_id}:"


Key = Tracked | Untracked


class Item(NamedTuple):
    """One single-part geometry to emit, with the tracker it belongs to."""

    label: str
    geometry: Geometry
    attributes: dict[str, AttributeValue] | None
    key: Key
    source: str


_CACHED_KEYS = 1024
#: Keys of the first untracked objects of a frame, made once (a key per object costs as much as
#: selecting it).
_UNTRACKED_KEYS = [Untracked(i) for i in range(_CACHED_KEYS)]
#: An :class:`Item` from a tuple without ``Item.__new__``'s keyword handling (about 2.5x faster,
#: and this runs once per object).
_item = tuple.__new__

_EMIT_TO_KIND = {"rectangle": "rectangle", "polygon": "polygon", "line": "line",
                 "landmark": "landmark", "cuboid": "cuboid"}


#: :meth:`Selector.usage`: labels mapped, attributes mapped, objects scored, objects without a score.
SelectorUsage: TypeAlias = "tuple[set[str], set[str], int, int]"


class Selector:
    """Applies :class:`ConvertOptions` selection to frames; counts into the report."""

    def __init__(self, options: ConvertOptions, report: Report) -> None:
        self.o = options
        self.report = report
        self.plain = (
            options.emit == ("auto",)
            and options.label_map is None
            and options.min_score is None
            and options.attribute_map is None
            and options.score_attribute is None
            and options.label_set is None
        )
        self.labels_mapped: set[str] = set()
        self.attributes_mapped: set[str] = set()
        self.scored = 0  # objects with a confidence that met a threshold check
        self.unscored = 0  # objects without a confidence where a threshold applied

    def usage(self) -> SelectorUsage:
        """What this selector saw (maps used, threshold checks), for the selector of another
        process to add with :meth:`add_usage` (workers, shards)."""
        return (self.labels_mapped, self.attributes_mapped, self.scored, self.unscored)

    def add_usage(self, usage: SelectorUsage) -> None:
        labels, attributes, scored, unscored = usage
        self.labels_mapped |= labels
        self.attributes_mapped |= attributes
        self.scored += scored
        self.unscored += unscored

    def items(self, frame: Frame) -> Iterator[Item]:
        keys = _UNTRACKED_KEYS
        for i, obj in enumerate(frame.objects):
            track_id = obj.track_id
            key: Key
            if track_id is not None:
                key = Tracked(track_id if type(track_id) is str else str(track_id))
            elif i < _CACHED_KEYS:
                key = keys[i]
            else:
                key = Untracked(i)
            geom = obj.geometry
            if self.plain and type(geom) is not MultiPolygon:
                yield _item(Item, (obj.label, geom, obj.attributes, key, obj.source))
                continue
            label = self._label(obj)
            if label is None:
                continue
            attrs = self._attributes(obj)
            for g in self._geometries(obj):
                if type(g) is MultiPolygon:
                    yield from self._parts(label, g, attrs, key, obj.source)
                else:
                    yield Item(label, g, attrs, key, obj.source)

    def _label(self, obj: SceneObject) -> str | None:
        o = self.o
        label: str | None = obj.label
        threshold = o.min_score
        if o.label_map is not None:
            rule = o.label_map.get(obj.label)
            if rule is not None:
                self.labels_mapped.add(obj.label)
                label = rule.target
                if rule.min_score is not None:
                    threshold = rule.min_score
            if label is None:
                self.report.filtered("label_map_drop")
                return None
        if threshold is not None:
            if obj.confidence is None:
                self.unscored += 1
            else:
                self.scored += 1
                if obj.confidence < threshold:
                    self.report.filtered("below_min_score")
                    return None
        assert label is not None
        if o.label_set is not None and label not in o.label_set:
            self.report.skip(
                "unknown_label",
                f"label {label!r} is not in the project's label set (map it with --label-map)",
                obj.source,
            )
            return None
        return label

    def _attributes(self, obj: SceneObject) -> dict[str, AttributeValue] | None:
        o = self.o
        attrs = obj.attributes
        if o.attribute_map is not None and attrs:
            mapped: dict[str, AttributeValue] = {}
            for name, value in attrs.items():
                rule = o.attribute_map.get(name)
                if rule is None:
                    mapped[name] = value
                    continue
                self.attributes_mapped.add(name)
                if rule.name is not None:
                    vm = rule.values
                    if isinstance(value, list):
                        mapped[rule.name] = [vm.get(v, v) for v in value]
                    else:
                        mapped[rule.name] = vm.get(value, value)
            attrs = mapped
        if o.score_attribute is not None and obj.confidence is not None:
            attrs = dict(attrs or {})
            attrs[o.score_attribute] = format(obj.confidence, "g")
        return attrs

    def finish(self) -> None:
        """Warn about options that matched nothing in the whole run (each once)."""
        o, report = self.o, self.report
        if o.label_map is not None:
            unused = sorted(set(o.label_map) - self.labels_mapped)
            if unused:
                report.warn("label_map_unused", f"{len(unused)} label map key(s) match no input label: "
                            f"{_listed(unused)}", "", len(unused))
        if o.attribute_map is not None:
            unused = sorted(set(o.attribute_map) - self.attributes_mapped)
            if unused:
                report.warn("attribute_map_unused", f"{len(unused)} attribute map key(s) match no input "
                            f"attribute: {_listed(unused)}", "", len(unused))
        if self.unscored and not self.scored:
            report.warn("min_score_unused", f"a score threshold is set, but none of the {self.unscored} object(s) "
                        "it applied to carries a score: nothing was filtered by score")

    def _geometries(self, obj: SceneObject) -> list[Geometry]:
        emit = self.o.emit
        if emit == ("auto",):
            return [obj.geometry]
        out: list[Geometry] = []
        for kind in emit:
            want = _EMIT_TO_KIND[kind]
            found = next((g for g in obj.geometries() if PLAYMENT_TYPE[g.kind] == want), None)
            if found is None and want == "rectangle":
                found = Box(*obj.geometry.bounds())
            if found is not None:
                out.append(found)
        if not out:
            self.report.filtered("no_requested_geometry")
        return out

    def _parts(
        self, label: str, g: MultiPolygon, attrs: dict[str, AttributeValue] | None, key: Key, source: str
    ) -> Iterator[Item]:
        if self.o.multipart == "largest":
            best = max(g.parts, key=lambda p: polygon_area(p.exterior))
            dropped = len(g.parts) - 1
            if dropped:
                self.report.warn(
                    "multipart_parts_dropped",
                    f"kept the largest of {len(g.parts)} polygon parts (--multipart largest)",
                    source,
                    dropped,
                )
            yield Item(label, best, attrs, key, source)
            return
        for j, part in enumerate(g.parts):
            yield Item(label, part, attrs, key._replace(part=j), source)


def _listed(names: list[str], limit: int = 10) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")
