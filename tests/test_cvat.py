"""CVAT reader, "for images" flavour and every shape kind, at the scene level.

Expected geometry is worked by hand in the comments; nothing is pasted from the reader's output.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from helpers import read_as, write

from converters.errors import Report, UsageError
from converters.formats.cvat import READER
from converters.model import Box, Cuboid, Keypoints, MultiPolygon, Polygon, Polyline, Scene, SceneObject

LABELS = """
<labels>
  <label><name>car</name><type>any</type><attributes>
    <attribute><name>parked</name><mutable>False</mutable><input_type>checkbox</input_type>
      <default_value>false</default_value><values>false
true</values></attribute>
    <attribute><name>speed</name><mutable>True</mutable><input_type>number</input_type>
      <default_value>0</default_value><values>0
100
1</values></attribute>
    <attribute><name>color</name><mutable>False</mutable><input_type>select</input_type>
      <default_value>red</default_value><values>red
blue</values></attribute>
  </attributes></label>
  <label><name>person</name><type>skeleton</type><attributes/>
    <svg>&lt;line x1="1" y1="1" x2="2" y2="2" data-node-from="1" data-node-to="2"/&gt;</svg></label>
  <label><name>nose</name><type>points</type><attributes/><parent>person</parent></label>
  <label><name>left eye</name><type>points</type><attributes/><parent>person</parent></label>
  <label><name>right eye</name><type>points</type><attributes/><parent>person</parent></label>
  <label><name>road</name><type>any</type><attributes/></label>
</labels>
"""

META = f"""<meta><task><id>7</id><name>demo</name><size>2</size><mode>annotation</mode>
<start_frame>0</start_frame><stop_frame>1</stop_frame><frame_filter></frame_filter>{LABELS}</task>
<dumped>2024-01-01</dumped></meta>"""


def doc(body: str, meta: str = META) -> str:
    head = '<?xml version="1.0" encoding="utf-8"?>\n<annotations>\n<version>1.1</version>\n'
    return f"{head}{meta}\n{body}\n</annotations>\n"


def read(tmp_path: Path, text: str, name: str = "annotations.xml", **options: Any) -> tuple[Scene, Report]:
    return read_as("cvat", write(tmp_path / name, text), **options)


def image(shapes: str, width: int = 640, height: int = 480, attrs: str = 'id="0" name="a.jpg"') -> str:
    return f'<image {attrs} width="{width}" height="{height}">\n{shapes}\n</image>'


def only_object(scene: Scene) -> SceneObject:
    objects = list(scene.objects())
    assert len(objects) == 1, objects
    return objects[0]


def close(points: list[tuple[float, float]], expected: list[tuple[float, float]]) -> bool:
    return len(points) == len(expected) and all(
        math.isclose(x, ex, abs_tol=1e-9) and math.isclose(y, ey, abs_tol=1e-9)
        for (x, y), (ex, ey) in zip(points, expected, strict=True)
    )


# ---------------------------------------------------------------------------------------------
# frames, sequences, attributes
# ---------------------------------------------------------------------------------------------


def test_box_with_attributes_and_occluded(tmp_path: Path) -> None:
    body = image(
        """<box label="car" source="manual" occluded="1" xtl="10.50" ytl="20.00" xbr="110.25" ybr="70.00"
               z_order="3">
             <attribute name="parked">true</attribute>
             <attribute name="speed">42.5</attribute>
             <attribute name="color">blue</attribute>
           </box>""",
        attrs='id="5" name="dir/a.b.jpg"',
    )
    scene, report = read(tmp_path, doc(body))
    assert [(s.name, s.is_video) for s in scene.sequences] == [("dir/a.b", False)]  # last extension dropped
    frame = scene.sequences[0].frames[0]
    assert (frame.id, frame.file_name, frame.width, frame.height) == ("5", "dir/a.b.jpg", 640.0, 480.0)
    obj = only_object(scene)
    assert obj.label == "car"
    assert obj.geometry == Box(10.5, 20.0, 110.25, 70.0)
    # checkbox true -> "Yes"; number and select values stay the text; occluded="1" -> "Yes";
    # z_order and source are not attributes.
    assert obj.attributes == {"occluded": "Yes", "parked": "Yes", "speed": "42.5", "color": "blue"}
    assert obj.confidence is None and obj.track_id is None
    assert "a.b.jpg" in obj.source and "box" in obj.source
    assert (report.records_read, report.objects_read, report.records_skipped) == (1, 1, 0)
    assert scene.labels == ["car", "person", "road"]  # top-level labels, sub-labels excluded


def test_attribute_types_without_meta_typing(tmp_path: Path) -> None:
    # no <labels> in meta: any label is accepted; the literal true/false become Yes/No, other text stays
    body = image(
        """<box label="thing" occluded="0" xtl="0" ytl="0" xbr="1" ybr="1">
             <attribute name="flag">false</attribute><attribute name="note">True story</attribute>
             <attribute name="empty"></attribute>
           </box>"""
    )
    scene, _ = read(tmp_path, doc(body, meta="<meta><task><name>x</name></task></meta>"))
    obj = only_object(scene)
    assert obj.attributes == {"occluded": "No", "flag": "No", "note": "True story", "empty": ""}
    assert scene.labels == ["thing"]


def test_no_occluded_attribute_means_no_attributes(tmp_path: Path) -> None:
    scene, _ = read(tmp_path, doc(image('<polyline label="road" points="1,2;3,4"/>')))
    assert only_object(scene).attributes is None


def test_project_export_prefixes_subset_and_shared_subset_adds_task(tmp_path: Path) -> None:
    meta = f"""<meta><project><id>1</id><name>p</name><tasks>
      <task><id>11</id><name>north</name><subset>Train</subset><start_frame>0</start_frame><stop_frame>0</stop_frame></task>
      <task><id>12</id><name>south</name><subset>Train</subset><start_frame>0</start_frame><stop_frame>0</stop_frame></task>
      <task><id>13</id><name>east</name><subset>Test</subset><start_frame>0</start_frame><stop_frame>0</stop_frame></task>
    </tasks><subsets>Train
Test</subsets>{LABELS}</project></meta>"""
    box = '<box label="car" occluded="0" xtl="1" ytl="1" xbr="2" ybr="2"/>'
    body = "\n".join(
        [
            image(box, attrs='id="0" name="img0.png" subset="Train" task_id="11"'),
            image(box, attrs='id="0" name="img0.png" subset="Train" task_id="12"'),
            image(box, attrs='id="0" name="img0.png" subset="Test" task_id="13"'),
        ]
    )
    scene, report = read(tmp_path, doc(body, meta))
    # "Train" is shared by two tasks, whose image names repeat: the task name joins the prefix.
    assert [s.name for s in scene.sequences] == ["Train/north/img0", "Train/south/img0", "Test/img0"]
    assert report.objects_read == 3


def test_image_without_name_uses_frame_name_template(tmp_path: Path) -> None:
    body = '<image id="12" width="10" height="10"><box label="car" xtl="1" ytl="1" xbr="2" ybr="2"/></image>'
    scene, _ = read(tmp_path, doc(body), frame_name="f{frame:03d}.jpg")
    frame = scene.sequences[0].frames[0]
    assert (frame.id, frame.file_name, scene.sequences[0].name) == ("12", "f012.jpg", "f012")


def test_group_id_keeps_shapes_separate_and_is_counted(tmp_path: Path) -> None:
    body = image(
        """<box label="car" occluded="0" xtl="1" ytl="1" xbr="2" ybr="2" group_id="4"/>
           <polygon label="road" occluded="0" points="0,0;4,0;4,4" group_id="4"/>
           <box label="car" occluded="0" xtl="5" ytl="5" xbr="6" ybr="6" group_id="0"/>"""
    )
    scene, report = read(tmp_path, doc(body))
    assert len(list(scene.objects())) == 3
    assert report.warnings["group_not_kept"] == 2  # group_id 0 means "no group"


def test_image_level_tags_are_one_counted_warning(tmp_path: Path) -> None:
    """A tag has no geometry and Playment no image-level tag: not a record, not an error; the tags
    of a file are one warning with their count, located at the first."""
    tags = '<tag label="road" source="manual"><attribute name="x">1</attribute></tag>\n<tag label="car"/>'
    body = image(tags + '\n<box label="car" occluded="0" xtl="1" ytl="1" xbr="5" ybr="5"/>')
    scene, report = read(tmp_path, doc(body))
    assert [o.label for o in scene.objects()] == ["car"]
    assert (report.records_read, report.records_skipped) == (1, 0)  # the box; tags are not records
    assert report.warnings == {"tag_ignored": 2}
    [issue] = report.issues
    assert issue.severity == "warning" and "2 image-level <tag>(s) ignored" in issue.message
    assert issue.location.endswith('<image id="0" name="a.jpg"> shape 1 <tag>')
    # an image holding only tags is still a frame (an image job without pre-labels)
    scene, report = read(tmp_path, doc(image('<tag label="road"/>')))
    assert len(scene.sequences) == 1 and report.records_read == 0 and report.ok


def test_top_level_tags_of_a_video_export_are_counted(tmp_path: Path) -> None:
    """CVAT for video 1.1 writes a frame's tags as <tag frame=...> children of <annotations>."""
    meta = ("<meta><task><size>2</size><mode>interpolation</mode><start_frame>0</start_frame><stop_frame>1</stop_frame>"
            "<labels><label><name>road</name></label></labels><original_size><width>10</width><height>10</height>"
            "</original_size></task></meta>")
    text = f'<annotations><version>1.1</version>{meta}<tag frame="1" label="road" source="manual"/></annotations>'
    scene, report = read(tmp_path, text)
    assert report.warnings == {"tag_ignored": 1} and report.records_read == 0
    assert report.issues[0].location.endswith('<tag frame="1" label="road">')
    assert [f.id for f in scene.frames()] == ["0", "1"]


def test_empty_label_and_unknown_label_are_skipped(tmp_path: Path) -> None:
    body = image(
        """<polyline label="" points="1,2;3,4"/>
           <box label="bicycle" occluded="0" xtl="1" ytl="1" xbr="2" ybr="2"/>
           <box label="car" occluded="0" xtl="1" ytl="1" xbr="2" ybr="2"/>"""
    )
    scene, report = read(tmp_path, doc(body))
    assert [o.label for o in scene.objects()] == ["car"]
    assert report.skipped == {"missing_label": 1, "unknown_label": 1}
    assert report.records_read == 3 and report.objects_read == 1
    unknown = next(i for i in report.issues if i.code == "unknown_label")
    assert "'bicycle'" in unknown.message and "shape 2 <box>" in unknown.location


# ---------------------------------------------------------------------------------------------
# geometry, worked by hand
# ---------------------------------------------------------------------------------------------


def test_rotated_box_becomes_polygon_of_turned_corners(tmp_path: Path) -> None:
    # Box (0,0)-(4,2), centre (2,1); corner offsets (dx,dy): (-2,-1) (2,-1) (2,1) (-2,1).
    # rotation=90: cos=0, sin=1 -> x' = cx - dy, y' = cy + dx:
    #   (-2,-1) -> (3,-1); (2,-1) -> (3,3); (2,1) -> (1,3); (-2,1) -> (1,-1)  (clockwise on screen)
    body = image('<box label="car" occluded="0" xtl="0" ytl="0" xbr="4" ybr="2" rotation="90.00"/>')
    geom = only_object(read(tmp_path, doc(body))[0]).geometry
    assert isinstance(geom, Polygon)
    assert close(geom.exterior, [(3, -1), (3, 3), (1, 3), (1, -1)])


def test_rotated_box_30_degrees(tmp_path: Path) -> None:
    # Box (0,0)-(2,2), centre (1,1), rotation 30: cos=sqrt(3)/2=c, sin=1/2=s.
    # TL offset (-1,-1): x' = 1 + c*(-1) - s*(-1) = 1.5 - c ; y' = 1 + s*(-1) + c*(-1) = 0.5 - c
    c = math.sqrt(3) / 2
    body = image('<box label="car" occluded="0" xtl="0" ytl="0" xbr="2" ybr="2" rotation="30"/>')
    geom = only_object(read(tmp_path, doc(body))[0]).geometry
    assert isinstance(geom, Polygon)
    assert close(geom.exterior[:1], [(1.5 - c, 0.5 - c)])
    # TR offset (1,-1): x' = 1 + c + 0.5, y' = 1 + 0.5 - c
    assert close(geom.exterior[1:2], [(1.5 + c, 1.5 - c)])


def test_rotation_360_is_an_axis_aligned_box(tmp_path: Path) -> None:
    body = image('<box label="car" occluded="0" xtl="0" ytl="0" xbr="4" ybr="2" rotation="360"/>')
    assert only_object(read(tmp_path, doc(body))[0]).geometry == Box(0, 0, 4, 2)


def test_polygon_closing_point_dropped(tmp_path: Path) -> None:
    body = image('<polygon label="road" occluded="0" points="0,0;4,0;4,3;0,0"/>')
    scene, report = read(tmp_path, doc(body))
    assert only_object(scene).geometry == Polygon([(0, 0), (4, 0), (4, 3)])
    assert not report.warnings


def test_self_intersecting_polygon_is_repaired_with_warning(tmp_path: Path) -> None:
    # The bow-tie (0,0) (2,2) (2,0) (0,2) crosses itself at (1,1): two triangles of area 1 each.
    body = image('<polygon label="road" occluded="0" points="0,0;2,2;2,0;0,2"/>')
    scene, report = read(tmp_path, doc(body))
    geom = only_object(scene).geometry
    assert isinstance(geom, MultiPolygon) and len(geom.parts) == 2
    for part in geom.parts:
        xs, ys = zip(*part.exterior, strict=True)
        area = 0.5 * abs(sum(xs[i] * ys[i - 1] - xs[i - 1] * ys[i] for i in range(len(xs))))
        assert math.isclose(area, 1.0)
    assert report.warnings["polygon_repaired"] == 1 and report.records_skipped == 0


def test_polyline_and_points(tmp_path: Path) -> None:
    body = image(
        """<polyline label="road" occluded="0" points="1.5,2;3,4;5,6.25"/>
           <points label="road" occluded="0" points="1,2;3,4;5,6"/>
           <points label="road" occluded="1" points="7,8"/>"""
    )
    objs = list(read(tmp_path, doc(body))[0].objects())
    assert objs[0].geometry == Polyline([(1.5, 2), (3, 4), (5, 6.25)])
    # points: every point kept in order (landmark labels 1..3), visible (2)
    assert objs[1].geometry == Keypoints([(1, 2), (3, 4), (5, 6)], [2, 2, 2])
    # occluded points are "labelled but not visible" (1), as CVAT's own importer reads them
    assert objs[2].geometry == Keypoints([(7, 8)], [1])


def test_cuboid_worked_by_hand(tmp_path: Path) -> None:
    # A cuboid drawn in CVAT "from rectangle": front face x 10..30, y 20..40; the back face is the
    # front face moved by (+8, -6). CVAT's canvas (cuboid.ts setupCuboidPoints) orders the points
    # 0 front-left top, 1 front-left bottom, 2 front-right top, 3 front-right bottom,
    # 4 = 2 + (8,-6), 5 = 3 + (8,-6), 6 = 0 + (8,-6), 7 = 1 + (8,-6), and the XML names them
    # tl1 bl1 tr1 br1 tl2 bl2 tr2 br2 (so "tl2" is the back corner behind the front-RIGHT top).
    #   tl1 (10,20) bl1 (10,40) tr1 (30,20) br1 (30,40)
    #   tl2 (38,14) bl2 (38,34) tr2 (18,14) br2 (18,34)
    # Model order (front BL, BR, TR, TL, back BL, BR, TR, TL):
    #   front: BL (10,40) BR (30,40) TR (30,20) TL (10,20)
    #   back:  BL (behind front BL) = (18,34) = br2; BR = (38,34) = bl2;
    #          TR = (38,14) = tl2; TL = (18,14) = tr2
    body = image(
        '<cuboid label="car" occluded="0" xtl1="10" ytl1="20" xbl1="10" ybl1="40" xtr1="30" ytr1="20" '
        'xbr1="30" ybr1="40" xtl2="38" ytl2="14" xbl2="38" ybl2="34" xtr2="18" ytr2="14" xbr2="18" '
        'ybr2="34" z_order="0"/>'
    )
    geom = only_object(read(tmp_path, doc(body))[0]).geometry
    assert isinstance(geom, Cuboid)
    assert geom.points == [(10, 40), (30, 40), (30, 20), (10, 20), (18, 34), (38, 34), (38, 14), (18, 14)]
    # Playment's side face [p2, p6, p7, p3] (A9) is then a real face: p6 - p2 == p7 - p3 == (8, -6)
    p = geom.points
    assert (p[5][0] - p[1][0], p[5][1] - p[1][1]) == (8, -6) == (p[6][0] - p[2][0], p[6][1] - p[2][1])


def test_ellipse_polygon_honours_rotation(tmp_path: Path) -> None:
    # cx=10 cy=20 rx=4 ry=2; 32 vertices at parametric angles u = 2*pi*k/32.
    # No rotation: k=0 -> (cx+rx, cy) = (14,20); k=8 (u=pi/2) -> (cx, cy+ry) = (10,22).
    # rotation=90 (x' = cx - dy, y' = cy + dx): k=0 (dx,dy)=(4,0) -> (10,24); k=8 (0,2) -> (8,20).
    body = image(
        """<ellipse label="road" occluded="0" cx="10" cy="20" rx="4" ry="2"/>
           <ellipse label="road" occluded="0" cx="10" cy="20" rx="4" ry="2" rotation="90"/>"""
    )
    plain, turned = (o.geometry for o in read(tmp_path, doc(body))[0].objects())
    assert isinstance(plain, Polygon) and isinstance(turned, Polygon)
    assert len(plain.exterior) == 32 == len(turned.exterior)
    assert close([plain.exterior[0], plain.exterior[8]], [(14, 20), (10, 22)])
    assert close([turned.exterior[0], turned.exterior[8]], [(10, 24), (8, 20)])


def test_mask_rle_is_row_major_over_the_tight_box(tmp_path: Path) -> None:
    # left=2 top=3 width=3 height=2; rle "1, 2, 1, 2": bg 1, fg 2, bg 1, fg 2 over 6 pixels, row by row:
    #   row 0: 0 1 1    row 1: 0 1 1   -> columns 1..2 of both rows are foreground.
    # Pixel (r, c) covers x in [left+c, left+c+1], y in [top+r, top+r+1]: the region is x 3..5, y 3..5.
    body = image('<mask label="road" occluded="0" rle="1, 2, 1, 2" left="2" top="3" width="3" height="2"/>')
    geom = only_object(read(tmp_path, doc(body))[0]).geometry
    assert isinstance(geom, Polygon)
    assert sorted(geom.exterior) == [(3, 3), (3, 5), (5, 3), (5, 5)]


def test_mask_first_row_only(tmp_path: Path) -> None:
    # rle "0, 3, 3": no leading background, 3 fg (the whole first row), 3 bg.
    # Row-major: row 0 is foreground -> x 2..5, y 3..4. (Column-major would give a 2-px-wide shape.)
    body = image('<mask label="road" occluded="0" rle="0, 3, 3" left="2" top="3" width="3" height="2"/>')
    geom = only_object(read(tmp_path, doc(body))[0]).geometry
    assert isinstance(geom, Polygon)
    assert geom.bounds() == (2, 3, 5, 4)


def test_mask_with_two_regions_is_multipolygon(tmp_path: Path) -> None:
    # width 5, height 1, rle "0, 1, 3, 1" (0 bg, 1 fg, 3 bg, 1 fg = 5 pixels): foreground at
    # columns 0 and 4 -> two separate unit squares [0,1]x[0,1] and [4,5]x[0,1].
    body = image('<mask label="road" occluded="0" rle="0, 1, 3, 1" left="0" top="0" width="5" height="1"/>')
    geom = only_object(read(tmp_path, doc(body))[0]).geometry
    assert isinstance(geom, MultiPolygon)
    assert sorted(p.bounds() for p in geom.parts) == [(0, 0, 1, 1), (4, 0, 5, 1)]


def test_skeleton_worked_by_hand(tmp_path: Path) -> None:
    # Meta sub-label order of "person": nose, left eye, right eye (landmark labels 1, 2, 3).
    # The XML lists right eye first (occluded -> visibility 1), then nose (visible -> 2);
    # left eye is outside (-> 0, its stale coordinates not used).
    body = image(
        """<skeleton label="person" source="manual" z_order="0">
             <points label="right eye" source="manual" outside="0" occluded="1" points="30.00,10.00"/>
             <points label="nose" source="manual" outside="0" occluded="0" points="20.00,20.00"/>
             <points label="left eye" source="manual" outside="1" occluded="0" points="99.00,99.00"/>
             <attribute name="pose">standing</attribute>
           </skeleton>"""
    )
    scene, report = read(tmp_path, doc(body))
    obj = only_object(scene)
    assert obj.label == "person"
    assert obj.geometry == Keypoints(
        [(20.0, 20.0), (0.0, 0.0), (30.0, 10.0)], [2, 0, 1], ("nose", "left eye", "right eye")
    )
    assert obj.attributes == {"pose": "standing"}  # a skeleton has no occluded flag of its own
    assert report.objects_read == 1 and not report.warnings


def test_skeleton_absent_point_and_foreign_element(tmp_path: Path) -> None:
    # right eye absent -> visibility 0; a point labelled "tail" (not a sub-label) is dropped with a warning
    body = image(
        """<skeleton label="person" z_order="0">
             <points label="nose" outside="0" occluded="0" points="1,2"/>
             <points label="left eye" outside="0" occluded="0" points="3,4"/>
             <points label="tail" outside="0" occluded="0" points="5,6"/>
           </skeleton>"""
    )
    scene, report = read(tmp_path, doc(body))
    geom = only_object(scene).geometry
    assert isinstance(geom, Keypoints)
    assert (geom.points, geom.visibility) == ([(1, 2), (3, 4), (0, 0)], [2, 2, 0])
    assert report.warnings["skeleton_element_dropped"] == 1


def test_skeleton_with_every_point_outside_is_skipped(tmp_path: Path) -> None:
    body = image(
        """<skeleton label="person" z_order="0">
             <points label="nose" outside="1" occluded="0" points="1,2"/>
           </skeleton>"""
    )
    scene, report = read(tmp_path, doc(body))
    assert list(scene.objects()) == []
    assert report.skipped == {"skeleton_no_visible_points": 1}


def test_bad_frame_name_template_is_a_usage_error(tmp_path: Path) -> None:
    # the library names the option (the CLI says --frame-name)
    with pytest.raises(UsageError, match=r"^frame_name 'frame_{index}'"):
        read(tmp_path, doc(image("")), frame_name="frame_{index}")
    with pytest.raises(UsageError, match=r"^frame_name 'frame_{frame:q}'"):
        read(tmp_path, doc(image("")), frame_name="frame_{frame:q}")
    with pytest.raises(UsageError, match=r"^frame_name 'frame_{frame\[0\]}'"):
        read(tmp_path, doc(image("")), frame_name="frame_{frame[0]}")


def test_reader_protocol_fields() -> None:
    assert READER.name == "cvat"
    assert READER.variants and all(isinstance(v, str) for v in READER.variants)
