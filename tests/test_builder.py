"""Hand-worked payloads for all five shapes in both job types (frame 200 x 100 px)."""

from __future__ import annotations

import uuid

from converters.errors import Report
from converters.model import Box, Cuboid, Frame, Keypoints, Polygon, Polyline, Scene, SceneObject, Sequence
from converters.options import ConvertOptions
from converters.pipeline import iter_payloads
from converters.playment.ids import NAMESPACE


def _frame() -> Frame:
    objs = [
        SceneObject("car", Box(20, 10, 60, 50), confidence=0.9, attributes={"color": "red"}),
        SceneObject("road", Polygon([(0, 0), (100, 0), (100, 50), (0, 0)])),
        SceneObject("lane", Polyline([(20, 10), (40, 20), (60, 10)])),
        SceneObject("person", Keypoints([(10, 10), (0, 0), (50, 25)], [2, 0, 1])),
        SceneObject(
            "truck",
            Cuboid([(20, 80), (60, 80), (60, 40), (20, 40), (40, 70), (80, 70), (80, 30), (40, 30)]),
        ),
    ]
    return Frame("f1", "img/a.jpg", 200, 100, 0, objs)


# Worked by hand: x / 200, y / 100.
RECT = {"coordinates": [{"x": 0.1, "y": 0.1}, {"x": 0.3, "y": 0.1}, {"x": 0.3, "y": 0.5}, {"x": 0.1, "y": 0.5}]}
POLY = {
    # (0,0) (100,0) (100,50); the repeated closing (0,0) is dropped
    "points": {"p1": {"x": 0.0, "y": 0.0}, "p2": {"x": 0.5, "y": 0.0}, "p3": {"x": 0.5, "y": 0.5}},
    "edges": {"e1": ["p1", "p2"], "e2": ["p2", "p3"], "e3": ["p3", "p1"]},
}
LINE = {
    "points": {"p1": {"x": 0.1, "y": 0.1}, "p2": {"x": 0.2, "y": 0.2}, "p3": {"x": 0.3, "y": 0.1}},
    "edges": {"e1": ["p1", "p2"], "e2": ["p2", "p3"]},
}
# keypoint 2 has v=0 and is omitted; keypoint 3 keeps its skeleton label 3
LANDMARK = {"points": {"p1": {"x": 0.05, "y": 0.1, "label": 1}, "p2": {"x": 0.25, "y": 0.25, "label": 3}}}
CUBOID = {
    "points": {
        "p1": {"x": 0.1, "y": 0.8}, "p2": {"x": 0.3, "y": 0.8}, "p3": {"x": 0.3, "y": 0.4}, "p4": {"x": 0.1, "y": 0.4},
        "p5": {"x": 0.2, "y": 0.7}, "p6": {"x": 0.4, "y": 0.7}, "p7": {"x": 0.4, "y": 0.3}, "p8": {"x": 0.2, "y": 0.3},
    },
    "front": {"coordinates": ["p1", "p2", "p3", "p4"]},
    "side": {"coordinates": ["p2", "p6", "p7", "p3"]},
    "back": {"coordinates": ["p5", "p6", "p7", "p8"]},
}


def _uid(name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, name))


def test_video_job_all_shapes() -> None:
    scene = Scene([Sequence("a", [_frame()])])
    report = Report()
    [job] = list(iter_payloads(scene, ConvertOptions(work_flow_id="wf-1"), report))
    assert list(job) == ["reference_id", "work_flow_id", "data"]
    assert job["reference_id"] == "a"
    assert job["data"]["video_data"] == {"frames": [{"frame_id": "f1", "src": "img/a.jpg"}]}
    trackers = job["data"]["maker_response"]["video2d"]["data"]["annotations"]
    expected = [
        ("rectangle", "car", RECT, {"color": {"value": "red", "state": "editable"}}, "o:f1:0"),
        ("polygon", "road", POLY, {}, "o:f1:1"),
        ("line", "lane", LINE, {}, "o:f1:2"),
        ("landmark", "person", LANDMARK, {}, "o:f1:3"),
        ("cuboid", "truck", CUBOID, {}, "o:f1:4"),
    ]
    assert len(trackers) == 5
    for tracker, (ptype, label, geometry, attrs, key) in zip(trackers, expected):
        base = f"a/{key}/{ptype}/{label}"
        obj = {"_id": _uid(f"{base}/f1"), "type": ptype, "label": label, "attributes": attrs, **geometry}
        assert tracker == {"_id": _uid(base), "type": ptype, "label": label, "frames": {"f1": obj}}
    assert report.objects_emitted == 5
    assert report.clamped_points == 0


def test_image_job_all_shapes() -> None:
    scene = Scene([Sequence("a", [_frame()])])
    [job] = list(iter_payloads(scene, ConvertOptions(job_type="image", frame_url="https://x/{file_name}")))
    data = job["data"]
    assert data["image_url"] == "https://x/img/a.jpg"
    mr = data["maker_response"]
    assert list(mr) == ["rectangles", "polygons", "lines", "landmarks", "cuboids"]
    for key, geometry, label in [
        ("rectangles", RECT, "car"), ("polygons", POLY, "road"), ("lines", LINE, "lane"),
        ("landmarks", LANDMARK, "person"), ("cuboids", CUBOID, "truck"),
    ]:
        [item] = mr[key]["data"]
        assert "type" not in item
        assert item["label"] == label and item["state"] == "editable"
        assert {k: item[k] for k in geometry} == geometry
    assert mr["rectangles"]["data"][0]["attributes"] == {"color": {"value": "red"}}


def test_track_groups_frames_into_one_tracker() -> None:
    frames = [
        Frame(str(i), f"v/{i}.jpg", 100, 100, i, [SceneObject("car", Box(10 * i, 0, 10 * i + 10, 10), track_id=7)])
        for i in range(3)
    ]
    frames[1].objects.append(SceneObject("car", Box(0, 0, 5, 5)))  # no track: its own tracker
    scene = Scene([Sequence("v", frames, is_video=True)])
    [job] = list(iter_payloads(scene))
    trackers = job["data"]["maker_response"]["video2d"]["data"]["annotations"]
    assert [sorted(t["frames"]) for t in trackers] == [["0", "1", "2"], ["1"]]
    assert trackers[0]["frames"]["2"]["coordinates"][0] == {"x": 0.2, "y": 0.0}
    ids = [t["_id"] for t in trackers] + [o["_id"] for t in trackers for o in t["frames"].values()]
    assert len(set(ids)) == len(ids) == 6


def test_clamping_counts_corners() -> None:
    # x1 = -20 -> -0.1 -> 0; x2 = 220 -> 1.1 -> 1: all four corners use a clamped x
    frame = Frame("f", "f.jpg", 200, 100, 0, [SceneObject("car", Box(-20, 10, 220, 50))])
    report = Report()
    [job] = list(iter_payloads(Scene([Sequence("s", [frame])]), report=report))
    obj = job["data"]["maker_response"]["video2d"]["data"]["annotations"][0]["frames"]["f"]
    assert obj["coordinates"] == [
        {"x": 0.0, "y": 0.1}, {"x": 1.0, "y": 0.1}, {"x": 1.0, "y": 0.5}, {"x": 0.0, "y": 0.5}
    ]
    assert report.clamped_points == 4


def test_box_outside_frame_is_skipped_and_reported() -> None:
    frame = Frame("f", "f.jpg", 200, 100, 0, [SceneObject("car", Box(300, 10, 400, 50), source="x.json:$[0]")])
    report = Report()
    [job] = list(iter_payloads(Scene([Sequence("s", [frame])]), report=report))
    assert job["data"]["maker_response"]["video2d"]["data"]["annotations"] == []
    assert report.skipped == {"rectangle_degenerate": 1}
    assert report.issues[0].location == "x.json:$[0]"
    assert report.clamped_points == 0  # clamps are counted for emitted objects only


def test_line_clamped_onto_one_point_is_skipped_without_counting_clamps() -> None:
    # (250, 120) and (300, 150) both clamp to the corner (1, 1) of a 200 x 100 frame: one distinct point
    frame = Frame("f", "f.jpg", 200, 100, 0, [SceneObject("lane", Polyline([(250, 120), (300, 150)]))])
    report = Report()
    [job] = list(iter_payloads(Scene([Sequence("s", [frame])]), report=report))
    assert job["data"]["maker_response"]["video2d"]["data"]["annotations"] == []
    assert report.skipped == {"line_degenerate": 1}
    assert report.clamped_points == 0


def test_polygon_geos_cannot_make_valid_is_still_repaired() -> None:
    """GEOS's make_valid raises "Overlay input is mixed-dimension" on this ring (a spike along the
    diagonal and points 1e-45 from a corner; found by hypothesis); the repair falls back to buffer(0)."""
    ring = [(1.0, 0.0), (0.0, 0.0), (1.0, 1.0), (0.0, 1.401298464324817e-45), (1.0, 0.5), (0.0, 1.0), (0.0, 0.0),
            (1.147674651586622e-163, 2.9887111554792584e-117)]
    frame = Frame("f", "f.jpg", 1, 1, 0, [SceneObject("lake", Polygon(ring))])
    report = Report()
    [job] = list(iter_payloads(Scene([Sequence("s", [frame])]), report=report))  # validated on the way
    [tracker] = job["data"]["maker_response"]["video2d"]["data"]["annotations"]
    points = tracker["frames"]["f"]["points"]
    xy = [(pt["x"], pt["y"]) for pt in points.values()]
    area = abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(xy, xy[1:] + xy[:1]))) / 2
    assert area > 0.25  # the repaired ring keeps the bulk of the shape, not a sliver
    assert [i.code for i in report.issues] == ["polygon_repaired"]


def test_legacy_tag_and_batch_and_video_key() -> None:
    frame = Frame("f", "f.jpg", 10, 10, 0, [])
    opts = ConvertOptions(tag="legacy", batch_id="b1", video_key="video_2d", priority_weight=3)
    [job] = list(iter_payloads(Scene([Sequence("s", [frame])]), opts))
    assert job["tag"] == "legacy" and "work_flow_id" not in job
    assert job["batch_id"] == "b1" and job["priority_weight"] == 3
    assert job["data"]["maker_response"] == {"video_2d": {"data": {"annotations": []}}}


def test_random_ids_are_uuid4() -> None:
    frame = Frame("f", "f.jpg", 10, 10, 0, [SceneObject("a", Box(1, 1, 2, 2))])
    [job] = list(iter_payloads(Scene([Sequence("s", [frame])]), ConvertOptions(random_ids=True)))
    tid = job["data"]["maker_response"]["video2d"]["data"]["annotations"][0]["_id"]
    assert uuid.UUID(tid).version == 4
