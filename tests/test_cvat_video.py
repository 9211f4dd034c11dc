"""CVAT reader, "for video" flavour: frames, tracks, outside rows, skeleton tracks, project/job
exports, incremental parsing, zip and folder inputs."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest
from helpers import read_as, write

from converters.errors import InputError, Report
from converters.formats.cvat import READER
from converters.formats.cvat import _xml_stream as cvat_xml
from converters.model import Box, Keypoints, MultiPolygon, Polygon, Scene

LABELS = """<labels>
  <label><name>car</name><attributes>
    <attribute><name>moving</name><mutable>True</mutable><input_type>checkbox</input_type>
      <default_value>false</default_value><values>false
true</values></attribute></attributes></label>
  <label><name>person</name><type>skeleton</type><attributes/><svg></svg></label>
  <label><name>head</name><type>points</type><attributes/><parent>person</parent></label>
  <label><name>foot</name><type>points</type><attributes/><parent>person</parent></label>
</labels>"""

SIZE = "<original_size><width>200</width><height>100</height></original_size>"


def task(start: int = 10, stop: int = 19, step: str = "step=3", extra: str = SIZE, name: str = "clip") -> str:
    return f"""<task><id>3</id><name>{name}</name><size>4</size><mode>interpolation</mode>
      <start_frame>{start}</start_frame><stop_frame>{stop}</stop_frame><frame_filter>{step}</frame_filter>
      {LABELS}{extra}</task>"""


def doc(body: str, meta: str | None = None) -> str:
    meta = meta if meta is not None else f"<meta>{task()}<dumped>x</dumped><source>clip.mp4</source></meta>"
    head = '<?xml version="1.0" encoding="utf-8"?>\n<annotations>\n<version>1.1</version>\n'
    return f"{head}{meta}\n{body}\n</annotations>\n"


def read(tmp_path: Path, text: str, **options: Any) -> tuple[Scene, Report]:
    return read_as("cvat", write(tmp_path / "annotations.xml", text), **options)


def content(scene: Scene) -> list[tuple[object, ...]]:
    """Sequences, frames and objects without the source strings (which name the file)."""
    out: list[tuple[object, ...]] = []
    for s in scene.sequences:
        for f in s.frames:
            out.append((s.name, s.is_video, f.id, f.file_name, f.width, f.height, f.index))
            out += [(o.label, o.geometry, o.attributes, o.track_id, o.confidence) for o in f.objects]
    return out


def box(frame: int, outside: int = 0, keyframe: int = 1, x: float = 1, extra: str = "") -> str:
    return (
        f'<box frame="{frame}" keyframe="{keyframe}" outside="{outside}" occluded="0" xtl="{x}" ytl="2" '
        f'xbr="{x + 10}" ybr="12" z_order="0">{extra}</box>'
    )


CAR_TRACK = (
    '<track id="0" label="car" source="manual">'
    + box(10, extra='<attribute name="moving">false</attribute>')
    + box(13, keyframe=0, x=4, extra='<attribute name="moving">true</attribute>')  # interpolated row
    + box(16, outside=1, x=7)  # the car leaves: stale coordinates, no object
    + box(19, x=9)  # and comes back
    + "</track>"
)


def test_every_frame_of_the_task_in_order(tmp_path: Path) -> None:
    # start 10, stop 19, step 3 -> range(10, 20, 3) = 10, 13, 16, 19 (also frames without objects)
    scene, _ = read(tmp_path, doc(CAR_TRACK))
    (seq,) = scene.sequences
    assert (seq.name, seq.is_video) == ("clip", True)
    assert [f.id for f in seq.frames] == ["10", "13", "16", "19"]
    assert [f.file_name for f in seq.frames] == [
        "frame_000010",
        "frame_000013",
        "frame_000016",
        "frame_000019",
    ]
    assert [f.index for f in seq.frames] == [0, 1, 2, 3]
    assert {(f.width, f.height) for f in seq.frames} == {(200.0, 100.0)}


def test_track_with_outside_and_interpolated_rows(tmp_path: Path) -> None:
    scene, report = read(tmp_path, doc(CAR_TRACK))
    by_frame = {f.id: f.objects for f in scene.sequences[0].frames}
    assert [len(by_frame[k]) for k in ("10", "13", "16", "19")] == [1, 1, 0, 1]
    obj10, obj13, obj19 = by_frame["10"][0], by_frame["13"][0], by_frame["19"][0]
    assert {obj10.track_id, obj13.track_id, obj19.track_id} == {"0"}  # one tracker
    assert obj13.geometry == Box(4, 2, 14, 12)  # the interpolated row is a real position
    assert obj10.attributes == {"occluded": "No", "moving": "No"}
    assert obj13.attributes == {"occluded": "No", "moving": "Yes"}  # mutable attribute changes
    assert obj19.attributes == {"occluded": "No"}
    # the outside row is a marker, not a record: 3 records, 3 objects, nothing skipped
    assert (report.records_read, report.objects_read, report.records_skipped) == (3, 3, 0)


def test_frame_name_template(tmp_path: Path) -> None:
    scene, _ = read(tmp_path, doc(CAR_TRACK), frame_name="clip/{frame:04d}.jpg")
    assert scene.sequences[0].frames[0].file_name == "clip/0010.jpg"
    scene, _ = read(tmp_path, doc(CAR_TRACK), frame_name="{frame}.png")
    assert scene.sequences[0].frames[-1].file_name == "19.png"


def test_skeleton_track_with_nested_point_tracks(tmp_path: Path) -> None:
    body = """<track id="1" label="person" source="manual">
      <skeleton frame="10" keyframe="1" z_order="0">
        <points label="head" keyframe="1" outside="0" occluded="0" points="5.00,6.00"/>
        <points label="foot" keyframe="1" outside="0" occluded="1" points="7.00,8.00"/>
      </skeleton>
      <skeleton frame="13" keyframe="0" z_order="0">
        <points label="head" keyframe="0" outside="0" occluded="0" points="5.50,6.50"/>
        <points label="foot" keyframe="1" outside="1" occluded="0" points="7.00,8.00"/>
      </skeleton>
      <skeleton frame="16" keyframe="1" z_order="0">
        <points label="head" keyframe="1" outside="1" occluded="0" points="5.50,6.50"/>
        <points label="foot" keyframe="1" outside="1" occluded="0" points="7.00,8.00"/>
      </skeleton>
    </track>"""
    scene, report = read(tmp_path, doc(body))
    frames = scene.sequences[0].frames
    # frame 10: head visible (2), foot occluded (1); order = meta sub-labels head, foot
    assert frames[0].objects[0].geometry == Keypoints([(5, 6), (7, 8)], [2, 1], ("head", "foot"))
    # frame 13: foot outside -> 0
    assert frames[1].objects[0].geometry == Keypoints([(5.5, 6.5), (0, 0)], [2, 0], ("head", "foot"))
    # frame 16: every point outside -> the skeleton is absent (no object, not a record)
    assert frames[2].objects == []
    assert {o.track_id for f in frames for o in f.objects} == {"1"}
    assert (report.records_read, report.objects_read) == (2, 2)


def test_frames_off_the_grid_or_out_of_range_are_skipped(tmp_path: Path) -> None:
    # valid frames are 10, 13, 16, 19: 11 is off the step grid, 22 > stop_frame, 7 < start_frame
    body = f'<track id="0" label="car">{box(11)}{box(22)}{box(7)}{box(13)}</track>'
    scene, report = read(tmp_path, doc(body))
    assert report.skipped == {"frame_out_of_range": 3}
    assert [o.source.endswith('frame="13">') for o in scene.objects()] == [True]
    issue = report.issues[0]
    assert "frame 11" in issue.message and "step=3" in issue.message and 'frame="11"' in issue.location


def test_duplicate_frame_in_a_track_and_duplicate_track_ids(tmp_path: Path) -> None:
    body = f'<track id="0" label="car">{box(10)}{box(10, x=3)}</track><track id="0" label="car">{box(13)}</track>'
    scene, report = read(tmp_path, doc(body))
    assert report.skipped == {"duplicate_track_frame": 1}
    assert report.warnings["duplicate_track_id"] == 1
    assert [o.track_id for o in scene.objects()] == ["0", "0_2"]


def test_unknown_label_track_skips_every_row_but_not_outside_markers(tmp_path: Path) -> None:
    body = f'<track id="0" label="bus">{box(10)}{box(13)}{box(16, outside=1)}</track>'
    scene, report = read(tmp_path, doc(body))
    assert list(scene.objects()) == []
    assert report.records_read == 2 and report.skipped == {"unknown_label": 2}


def test_invalid_polygons_in_a_track_are_repaired_or_skipped(tmp_path: Path) -> None:
    def row(frame: int, points: str) -> str:
        return f'<polygon frame="{frame}" keyframe="1" outside="0" occluded="0" points="{points}" z_order="0"/>'

    body = (
        '<track id="0" label="car">'
        + row(10, "0,0;4,0;4,4")  # valid triangle
        + row(13, "0,0;2,2;2,0;0,2")  # bow-tie: repaired into 2 triangles (area 1 each)
        + row(16, "0,0;1,1;2,2")  # collinear: nothing left after repair -> skipped
        + row(19, "0,0;4,0;0,4")  # valid
        + "</track>"
    )
    scene, report = read(tmp_path, doc(body))
    frames = scene.sequences[0].frames
    assert frames[0].objects[0].geometry == Polygon([(0, 0), (4, 0), (4, 4)])
    bowtie = frames[1].objects[0].geometry
    assert isinstance(bowtie, MultiPolygon) and len(bowtie.parts) == 2
    assert frames[2].objects == []
    assert frames[3].objects[0].geometry == Polygon([(0, 0), (4, 0), (0, 4)])
    assert report.warnings["polygon_repaired"] == 1
    assert report.skipped == {"polygon_degenerate": 1}
    assert (report.records_read, report.objects_read) == (4, 3)
    assert 'frame="16"' in next(i.location for i in report.issues if i.code == "polygon_degenerate")


def test_group_id_on_tracks_is_counted_per_row(tmp_path: Path) -> None:
    body = f'<track id="0" label="car" group_id="2">{box(10)}{box(13)}</track>'
    _, report = read(tmp_path, doc(body))
    assert report.warnings["group_not_kept"] == 2


def test_export_without_tracks_is_a_video_of_empty_frames(tmp_path: Path) -> None:
    scene, report = read(tmp_path, doc(""))
    (seq,) = scene.sequences
    assert seq.is_video and [f.id for f in seq.frames] == ["10", "13", "16", "19"]
    assert report.records_read == 0


def test_video_without_original_size_is_an_input_error(tmp_path: Path) -> None:
    meta = f"<meta>{task(extra='')}</meta>"
    with pytest.raises(InputError, match="original_size") as info:
        read(tmp_path, doc(CAR_TRACK, meta))
    assert info.value.code == "missing_size" and 'track id="0"' in str(info.value.location)


def test_original_size_under_meta_in_a_job_export(tmp_path: Path) -> None:
    meta = f"""<meta><job><id>12</id><size>4</size><mode>interpolation</mode><start_frame>10</start_frame>
      <stop_frame>19</stop_frame><frame_filter>step=3</frame_filter>{LABELS}</job>{SIZE}</meta>"""
    scene, _ = read(tmp_path, doc(CAR_TRACK, meta))
    (seq,) = scene.sequences
    assert seq.name == "job_12" and seq.frames[0].width == 200.0


def test_project_video_export_one_sequence_per_task(tmp_path: Path) -> None:
    meta = f"""<meta><project><id>1</id><name>p</name><tasks>
      <task><id>5</id><name>morning</name><subset>Train</subset><start_frame>0</start_frame>
        <stop_frame>2</stop_frame><frame_filter></frame_filter>{SIZE}</task>
      <task><id>6</id><name>evening</name><subset>Test</subset><start_frame>0</start_frame>
        <stop_frame>1</stop_frame><frame_filter></frame_filter>
        <original_size><width>50</width><height>40</height></original_size></task>
    </tasks>{LABELS}</project></meta>"""
    body = (
        f'<track id="0" label="car" task_id="6" subset="Test">{box(1)}</track>'
        f'<track id="1" label="car" task_id="5" subset="Train">{box(0)}{box(2)}</track>'
    )
    scene, report = read(tmp_path, doc(body, meta))
    got = {
        s.name: ([f.id for f in s.frames], s.frames[0].width, sum(len(f.objects) for f in s.frames))
        for s in scene.sequences
    }
    assert got == {"evening": (["0", "1"], 50.0, 1), "morning": (["0", "1", "2"], 200.0, 2)}
    assert report.objects_read == 3


def test_track_naming_an_unknown_task_is_an_input_error(tmp_path: Path) -> None:
    body = f'<track id="0" label="car" task_id="99">{box(10)}</track>'
    with pytest.raises(InputError, match="task_id='99'"):
        read(tmp_path, doc(body))


def test_missing_frame_range_uses_the_frames_tracks_name(tmp_path: Path) -> None:
    meta = f"<meta><task><name>clip</name>{LABELS}{SIZE}</task></meta>"
    body = f'<track id="0" label="car">{box(30)}{box(5)}</track>'
    scene, report = read(tmp_path, doc(body, meta))
    assert [f.id for f in scene.sequences[0].frames] == ["5", "30"]  # sorted by frame number
    assert [f.index for f in scene.sequences[0].frames] == [0, 1]
    assert report.warnings["frame_range_unknown"] == 1


def test_mixing_images_and_tracks_is_an_input_error(tmp_path: Path) -> None:
    body = CAR_TRACK + '<image id="0" name="a.jpg" width="2" height="2"></image>'
    with pytest.raises(InputError, match="mixes <image> and <track>"):
        read(tmp_path, doc(body))


@pytest.mark.parametrize("chunk", [1, 7, 64, 1000])
def test_result_does_not_depend_on_where_chunks_split_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    body = CAR_TRACK + (
        '<track id="1" label="person"><skeleton frame="10" keyframe="1" z_order="0">'
        '<points label="head" keyframe="1" outside="0" occluded="0" points="5,6"/></skeleton></track>'
    )
    expected, expected_report = read(tmp_path, doc(body))
    monkeypatch.setattr(cvat_xml, "CHUNK", chunk)
    got, report = read(tmp_path, doc(body))
    assert got == expected
    assert (report.records_read, report.objects_read) == (expected_report.records_read, 4)


def test_zip_export_and_folder_input(tmp_path: Path) -> None:
    text = doc(CAR_TRACK)
    expected, _ = read(tmp_path, text)
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("annotations.xml", text)
        zf.writestr("images/frame_000010.png", b"")
    assert content(READER.read([archive], {}, Report()).expand_columns()) == content(expected)
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "b.xml").write_text(text, encoding="utf-8")
    (folder / "a.xml").write_text(doc("", meta=f"<meta>{task(name='empty')}</meta>"), encoding="utf-8")
    scene = READER.read([folder], {}, Report()).expand_columns()
    assert [s.name for s in scene.sequences] == ["empty", "clip"]  # a.xml, then b.xml
    assert content(Scene([scene.sequences[1]])) == content(expected)


def test_zip_without_annotations_is_an_input_error(tmp_path: Path) -> None:
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("readme.txt", "x")
    with pytest.raises(InputError, match=r"no annotations\.xml"):
        READER.read([archive], {}, Report())
