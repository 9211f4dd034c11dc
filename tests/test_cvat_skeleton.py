"""CVAT for video 1.1 skeleton tracks whose points come as nested tracks, one per sub-label: one
landmark tracker per skeleton track, points in the sub-label order of <meta>, a point outside (or
without a row) on a frame omitted on that frame.

Frames here: start 10, step 3 -> 10, 13, 16, 19; the frame is 200 x 100 px, so a point (x, y)
is (x / 200, y / 100) in the payload."""

from __future__ import annotations

import io
from pathlib import Path

import orjson
from helpers import write
from test_cvat_video import doc, read

from converters.cli import main
from converters.model import Keypoints

# the nested tracks come foot first: the meta order (head, foot) must win
NESTED = """<track id="4" label="person" source="manual">
  <skeleton frame="10" keyframe="1" outside="0" occluded="0" z_order="0"></skeleton>
  <skeleton frame="13" keyframe="0" outside="0" occluded="0" z_order="0"></skeleton>
  <skeleton frame="16" keyframe="1" outside="0" occluded="0" z_order="0"></skeleton>
  <skeleton frame="19" keyframe="1" outside="1" occluded="0" z_order="0"></skeleton>
  <track id="5" label="foot" source="manual">
    <points frame="10" keyframe="1" outside="0" occluded="1" points="20.00,80.00" z_order="0"/>
    <points frame="13" keyframe="0" outside="1" occluded="0" points="30.00,80.00" z_order="0"/>
    <points frame="16" keyframe="1" outside="0" occluded="0" points="40.00,90.00" z_order="0"/>
  </track>
  <track id="6" label="head" source="manual">
    <points frame="10" keyframe="1" outside="0" occluded="0" points="20.00,10.00" z_order="0"/>
    <points frame="13" keyframe="0" outside="0" occluded="0" points="25.00,12.50" z_order="0"/>
  </track>
</track>"""


def test_nested_point_tracks_become_one_keypoint_track(tmp_path: Path) -> None:
    scene, report = read(tmp_path, doc(NESTED))
    frames = {f.id: f for f in scene.sequences[0].frames}
    # 10: head visible (2), foot occluded (1), in meta order head, foot
    assert frames["10"].objects[0].geometry == Keypoints([(20, 10), (20, 80)], [2, 1], ("head", "foot"))
    # 13: the foot is outside -> visibility 0 (omitted in the landmark)
    assert frames["13"].objects[0].geometry == Keypoints([(25, 12.5), (0, 0)], [2, 0], ("head", "foot"))
    # 16: the head track has no row -> absent; the foot is visible
    assert frames["16"].objects[0].geometry == Keypoints([(0, 0), (40, 90)], [0, 2], ("head", "foot"))
    assert frames["19"].objects == []  # the skeleton row is outside
    assert {o.track_id for f in frames.values() for o in f.objects} == {"4"}
    assert (report.records_read, report.records_skipped, report.objects_read) == (3, 0, 3)
    assert report.issues == []  # neither unsupported_shape nor a degenerate skeleton


def test_the_payload_has_one_landmark_tracker_with_points_omitted_where_outside(tmp_path: Path) -> None:
    src = write(tmp_path / "annotations.xml", doc(NESTED))
    out = tmp_path / "jobs.jsonl"
    code = main(["convert", str(src), "--from", "cvat", "--out", str(out), "--quiet"],
                stdout=io.StringIO(), stderr=io.StringIO())
    assert code == 0
    [job] = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    [tracker] = job["data"]["maker_response"]["video2d"]["data"]["annotations"]
    assert (tracker["type"], tracker["label"], sorted(tracker["frames"])) == ("landmark", "person", ["10", "13", "16"])
    points = {fid: obj["points"] for fid, obj in tracker["frames"].items()}
    # label = 1-based index in the meta's sub-label order: head 1, foot 2
    assert points["10"] == {"p1": {"x": 0.1, "y": 0.1, "label": 1}, "p2": {"x": 0.1, "y": 0.8, "label": 2}}
    assert points["13"] == {"p1": {"x": 0.125, "y": 0.125, "label": 1}}
    assert points["16"] == {"p1": {"x": 0.2, "y": 0.9, "label": 2}}


def test_points_on_frames_without_a_skeleton_row_are_dropped_with_a_warning(tmp_path: Path) -> None:
    body = """<track id="1" label="person">
      <skeleton frame="10" keyframe="1" outside="0" occluded="0"></skeleton>
      <track id="2" label="head">
        <points frame="10" keyframe="1" outside="0" occluded="0" points="20.00,10.00"/>
        <points frame="13" keyframe="1" outside="0" occluded="0" points="22.00,10.00"/>
      </track>
    </track>"""
    scene, report = read(tmp_path, doc(body))
    [obj] = list(scene.objects())
    assert obj.geometry == Keypoints([(20, 10), (0, 0)], [2, 0], ("head", "foot"))
    assert report.warnings == {"skeleton_element_dropped": 1}
    assert "1 point(s) of nested tracks on frames without a <skeleton> row" in report.issues[0].message
