"""The select stage: label map, thresholds, label set, attribute map, emit kinds, multipart."""

from __future__ import annotations

from pathlib import Path

import pytest

from converters import (
    Box,
    ConvertOptions,
    Frame,
    InputError,
    Keypoints,
    MultiPolygon,
    Polygon,
    Report,
    SceneObject,
    UsageError,
    load_attribute_map,
    load_label_map,
)
from converters.select import Item, Selector, Tracked, Untracked

SQUARE = Polygon([(0, 0), (10, 0), (10, 10), (0, 10)])  # area 100
SMALL = Polygon([(20, 20), (22, 20), (22, 22)])  # area 2


def _items(objs: list[SceneObject], **kw: object) -> tuple[list[Item], Report]:
    report = Report(strict=bool(kw.pop("strict", False)))
    sel = Selector(ConvertOptions(**kw), report)  # type: ignore[arg-type]
    return list(sel.items(Frame("f", "f.jpg", 100, 100, 0, objs))), report


def test_plain_passthrough_keys() -> None:
    items, _ = _items([SceneObject("a", Box(0, 0, 1, 1)), SceneObject("b", Box(0, 0, 1, 1), track_id=4)])
    assert [(i.label, i.key) for i in items] == [("a", Untracked(0)), ("b", Tracked("4"))]  # index in the frame
    assert [i.key.name("f") for i in items] == ["o:f:0", "t:4"]  # the names in the deterministic ids


def test_untracked_keys_beyond_the_cached_ones() -> None:
    items, _ = _items([SceneObject("a", Box(0, 0, 1, 1))] * 1500)
    assert [i.key for i in items] == [Untracked(n) for n in range(1500)]
    assert items[1499].key.name("f") == "o:f:1499"


def test_track_ids_as_int_and_text_are_one_track() -> None:
    items, _ = _items([SceneObject("a", Box(0, 0, 1, 1), track_id=7), SceneObject("a", Box(0, 0, 1, 1), track_id="7")])
    assert items[0].key == items[1].key == Tracked("7")


def test_label_map_rename_drop_and_per_label_threshold(tmp_path: Path) -> None:
    f = tmp_path / "labels.yaml"
    f.write_text("car: vehicle\nbackground: null\nperson: {label: pedestrian, min_score: 0.5}\n")
    objs = [
        SceneObject("car", Box(0, 0, 1, 1), confidence=0.2),  # kept: global threshold 0.1
        SceneObject("background", Box(0, 0, 1, 1)),  # dropped by the map
        SceneObject("person", Box(0, 0, 1, 1), confidence=0.4),  # below its own 0.5
        SceneObject("person", Box(0, 0, 1, 1), confidence=0.6),  # kept, renamed
        SceneObject("dog", Box(0, 0, 1, 1), confidence=0.05),  # not in map, below 0.1
        SceneObject("cat", Box(0, 0, 1, 1)),  # no confidence: never filtered by score
    ]
    items, report = _items(objs, label_map=load_label_map(f), min_score=0.1)
    assert [i[0] for i in items] == ["vehicle", "pedestrian", "cat"]
    assert report.filtered_by == {"label_map_drop": 1, "below_min_score": 2}
    assert report.records_skipped == 0


def test_label_map_errors_name_the_file(tmp_path: Path) -> None:
    f = tmp_path / "m.json"
    f.write_text('{"a": {"label": "b", "score": 1}}')
    with pytest.raises(UsageError, match=r"m\.json.*unknown keys \['score'\]"):
        load_label_map(f)
    f.write_text("[1, 2]")
    with pytest.raises(UsageError, match="expected a mapping"):
        load_label_map(f)


def test_label_set_skips_unknown_and_strict_raises() -> None:
    objs = [SceneObject("car", Box(0, 0, 1, 1)), SceneObject("ufo", Box(0, 0, 1, 1), source="x:3")]
    items, report = _items(objs, label_set=frozenset({"car"}))
    assert [i[0] for i in items] == ["car"]
    assert report.skipped == {"unknown_label": 1} and report.issues[0].location == "x:3"
    with pytest.raises(InputError, match="ufo"):
        _items(objs, label_set=frozenset({"car"}), strict=True)


def test_attribute_map_and_score_attribute(tmp_path: Path) -> None:
    f = tmp_path / "attrs.yaml"
    f.write_text("occluded: is_occluded\nz_order: null\ncolor: {name: colour, values: {'1': red}}\n")
    obj = SceneObject("car", Box(0, 0, 1, 1), confidence=0.875,
                      attributes={"occluded": "Yes", "z_order": "3", "color": "1", "kind": ["a", "1"]})
    items, _ = _items([obj], attribute_map=load_attribute_map(f), score_attribute="score")
    assert items[0][2] == {"is_occluded": "Yes", "colour": "red", "kind": ["a", "1"], "score": "0.875"}


def test_emit_list_picks_alternates_and_derives_rectangle() -> None:
    kp = Keypoints([(1, 2), (5, 6)], [2, 2])
    person = SceneObject("person", kp, alternates=(Box(0, 0, 8, 9),))
    road = SceneObject("road", Polygon([(1, 1), (9, 1), (5, 7)]))
    items, report = _items([person, road], emit="rectangle,landmark")
    kinds = [(i[0], type(i[1]).__name__) for i in items]
    assert kinds == [("person", "Box"), ("person", "Keypoints"), ("road", "Box")]
    assert items[2][1] == Box(1, 1, 9, 7)  # bounds of the polygon
    items, report = _items([person], emit="polygon")
    assert items == [] and report.filtered_by == {"no_requested_geometry": 1}


def test_multipart_split_and_largest() -> None:
    obj = SceneObject("a", MultiPolygon([SMALL, SQUARE]), track_id=2, source="s")
    items, _ = _items([obj])
    assert [(i.geometry, i.key) for i in items] == [(SMALL, Tracked("2", 0)), (SQUARE, Tracked("2", 1))]
    assert [i.key.name("f") for i in items] == ["t:2:p0", "t:2:p1"]
    items, _ = _items([SceneObject("a", Box(0, 0, 1, 1)), SceneObject("a", MultiPolygon([SMALL, SQUARE]))])
    assert [i.key.name("f") for i in items] == ["o:f:0", "o:f:1:p0", "o:f:1:p1"]
    items, report = _items([obj], multipart="largest")
    assert [i[1] for i in items] == [SQUARE]
    assert report.warnings == {"multipart_parts_dropped": 1}


def test_option_validation() -> None:
    with pytest.raises(UsageError, match="auto cannot be combined"):
        ConvertOptions(emit="auto,polygon")
    with pytest.raises(UsageError, match="emit"):
        ConvertOptions(emit="mask")
    with pytest.raises(UsageError, match="never both"):
        ConvertOptions(work_flow_id="a", tag="b")
    with pytest.raises(UsageError, match=r"1\.\.9"):
        ConvertOptions(priority_weight=10)


# --- options that match nothing (issue 13) ------------------------------------------------------


def test_label_and_attribute_map_keys_that_match_nothing_are_one_warning_each(tmp_path: Path) -> None:
    lm = tmp_path / "labels.yaml"
    lm.write_text("car: vehicle\nbus: vehicle\nbike: null\n")
    am = tmp_path / "attributes.yaml"
    am.write_text("occluded: is_occluded\ncolour: null\n")
    objs = [SceneObject("car", Box(0, 0, 1, 1), attributes={"occluded": "Yes"}),
            SceneObject("person", Box(0, 0, 1, 1))]
    report = Report()
    sel = Selector(ConvertOptions(label_map=load_label_map(lm), attribute_map=load_attribute_map(am)), report)
    items = list(sel.items(Frame("f", "f.jpg", 10, 10, 0, objs)))
    sel.finish()
    assert [(i.label, i.attributes) for i in items] == [("vehicle", {"is_occluded": "Yes"}), ("person", None)]
    assert report.warnings == {"label_map_unused": 2, "attribute_map_unused": 1}
    messages = [i.message for i in report.issues]
    assert "2 label map key(s) match no input label: 'bike', 'bus'" in messages
    assert "1 attribute map key(s) match no input attribute: 'colour'" in messages


def test_min_score_on_objects_without_scores_is_a_warning() -> None:
    objs = [SceneObject("car", Box(0, 0, 1, 1)), SceneObject("car", Box(0, 0, 1, 1))]
    report = Report()
    sel = Selector(ConvertOptions(min_score=0.5), report)
    assert len(list(sel.items(Frame("f", "f.jpg", 10, 10, 0, objs)))) == 2
    sel.finish()
    assert report.warnings == {"min_score_unused": 1}
    assert "none of the 2 object(s)" in report.issues[0].message
    # one scored object is enough for the threshold to mean something: no warning
    report = Report()
    sel = Selector(ConvertOptions(min_score=0.5), report)
    list(sel.items(Frame("f", "f.jpg", 10, 10, 0, [*objs, SceneObject("car", Box(0, 0, 1, 1), confidence=0.9)])))
    sel.finish()
    assert report.warnings == {}


def test_frames_per_job_with_one_job_per_image_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match=r"frames_per_job groups frames into jobs and job_per=image"):
        ConvertOptions(frames_per_job=10, job_per="image")
