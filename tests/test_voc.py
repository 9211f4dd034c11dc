"""Pascal VOC reader: annotation XML at the scene level (coordinates, attributes, parts, sizes, layout).

Expected coordinates are worked by hand from the devkit rule: a 1-based inclusive box
xmin..xmax covers the pixel-edge interval [xmin - 1, xmax].
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from helpers import read_as, write
from PIL import Image

from converters import ConvertOptions, iter_payloads
from converters.errors import InputError, Report, UsageError
from converters.formats import get_reader
from converters.model import Box, Frame, Scene, SceneObject


def xml_doc(
    objects: str,
    size: str | None = "<size><width>100</width><height>50</height><depth>3</depth></size>",
    filename: str | None = "img.jpg",
) -> str:
    fn = f"<filename>{filename}</filename>" if filename is not None else ""
    return f"<annotation><folder>VOC</folder>{fn}{size or ''}<segmented>0</segmented>{objects}</annotation>"


def obj(name: str = "car", box: tuple[object, object, object, object] = (1, 2, 3, 4), extra: str = "") -> str:
    xmin, ymin, xmax, ymax = box
    return (
        f"<object><name>{name}</name>{extra}<bndbox><xmin>{xmin}</xmin><ymin>{ymin}</ymin>"
        f"<xmax>{xmax}</xmax><ymax>{ymax}</ymax></bndbox></object>"
    )


def read(paths: list[Path], options: Mapping[str, Any] | None = None, report: Report | None = None) -> Scene:
    return read_as("voc", paths, report or Report(), **(options or {}))[0]


def only_frame(scene: Scene) -> Frame:
    frames = list(scene.frames())
    assert len(frames) == 1
    return frames[0]


def conserved(report: Report) -> bool:
    return report.records_read == report.objects_read + report.records_skipped


# --- registry and flags ----------------------------------------------------------------------


def test_registered_with_variants_and_flags() -> None:
    import argparse

    reader = get_reader("voc")
    assert reader.name == "voc" and len(reader.variants) >= 5
    parser = argparse.ArgumentParser()
    reader.add_arguments(parser.add_argument_group("voc"))
    ns = parser.parse_args(["--voc-zero-based", "--image-set", "val", "--label", "car"])
    assert (ns.voc_zero_based, ns.image_set, ns.label) == (True, "val", "car")
    assert parser.parse_args([]).voc_zero_based is False


# --- coordinates -----------------------------------------------------------------------------


def test_devkit_rule_shifts_min_edges_by_one(tmp_path: Path) -> None:
    # xmin=1 ymin=2 xmax=3 ymax=4 (1-based inclusive): pixels 1..3 x 2..4
    # -> edges x 1-1=0 .. 3, y 2-1=1 .. 4: Box(0, 1, 3, 4), 3 px wide like the devkit's xmax-xmin+1.
    f = write(tmp_path / "a.xml", xml_doc(obj(box=(1, 2, 3, 4))))
    o = only_frame(read([f])).objects[0]
    assert o.geometry == Box(0.0, 1.0, 3.0, 4.0)
    assert o.geometry.x2 - o.geometry.x1 == 3 - 1 + 1


def test_zero_based_option_keeps_values(tmp_path: Path) -> None:
    # --voc-zero-based: edges are the values themselves: Box(1, 2, 3, 4)
    f = write(tmp_path / "a.xml", xml_doc(obj(box=(1, 2, 3, 4))))
    assert only_frame(read([f], {"voc_zero_based": True})).objects[0].geometry == Box(1.0, 2.0, 3.0, 4.0)


def test_floats_are_kept_not_truncated(tmp_path: Path) -> None:
    # 5.5 - 1 = 4.5, 6.25 - 1 = 5.25; xmax/ymax unchanged
    f = write(tmp_path / "a.xml", xml_doc(obj(box=("5.5", "6.25", "7.5", " 8.75 "))))
    assert only_frame(read([f])).objects[0].geometry == Box(4.5, 5.25, 7.5, 8.75)


def test_bndbox_children_in_any_order(tmp_path: Path) -> None:
    # Roboflow writes xmin, xmax, ymin, ymax: xmin=2 xmax=5 ymin=1 ymax=2 -> Box(1, 0, 5, 2)
    o = (
        "<object><name>a</name><bndbox><xmin>2</xmin><xmax>5</xmax><ymin>1</ymin><ymax>2</ymax>"
        "</bndbox></object>"
    )
    f = write(tmp_path / "a.xml", xml_doc(o))
    assert only_frame(read([f])).objects[0].geometry == Box(1.0, 0.0, 5.0, 2.0)


def test_one_pixel_box_is_valid_under_devkit_rule(tmp_path: Path) -> None:
    # xmin == xmax == 7 is the single pixel 7 -> edges 6..7
    f = write(tmp_path / "a.xml", xml_doc(obj(box=(7, 7, 7, 7))))
    assert only_frame(read([f])).objects[0].geometry == Box(6.0, 6.0, 7.0, 7.0)


def test_partly_outside_box_is_kept_for_the_builder_to_clamp(tmp_path: Path) -> None:
    # image 100x50; xmax=120 reaches past the right edge but overlaps the image -> kept unchanged
    f = write(tmp_path / "a.xml", xml_doc(obj(box=(90, 10, 120, 20))))
    assert only_frame(read([f])).objects[0].geometry == Box(89.0, 9.0, 120.0, 20.0)


def test_value_below_one_hints_at_zero_based_files(tmp_path: Path) -> None:
    # xmin=0 cannot happen in a 1-based file: converted (-1 .. 5) but one warning says so
    f = write(tmp_path / "a.xml", xml_doc(obj(box=(0, 0, 5, 5)) + obj(box=(0, 3, 5, 5))))
    report = Report()
    frame = only_frame(read([f], report=report))
    assert frame.objects[0].geometry == Box(-1.0, -1.0, 5.0, 5.0)
    assert report.warnings["voc_coordinate_below_one"] == 2
    assert [i.location for i in report.issues] == [f"{f} <object 1>"]
    quiet = Report()
    read([f], {"voc_zero_based": True}, quiet)
    assert not quiet.warnings


# --- frames and sequences --------------------------------------------------------------------


def test_frame_and_sequence_naming(tmp_path: Path) -> None:
    f = write(tmp_path / "2008_000123.xml", xml_doc(obj(), filename="photo one.jpg"))
    scene = read([f])
    seq = scene.sequences[0]
    assert (seq.name, seq.is_video, len(seq.frames)) == ("2008_000123", False, 1)
    frame = seq.frames[0]
    assert (frame.id, frame.file_name, frame.width, frame.height) == ("2008_000123", "photo one.jpg", 100, 50)
    assert frame.source == str(f)


def test_missing_filename_defaults_to_id_jpg(tmp_path: Path) -> None:
    f = write(tmp_path / "x.y.xml", xml_doc(obj(), filename=None))
    frame = only_frame(read([f]))
    assert (frame.id, frame.file_name) == ("x.y", "x.y.jpg")


def test_folder_recursion_names_sequences_by_relative_path(tmp_path: Path) -> None:
    write(tmp_path / "train" / "a.xml", xml_doc(obj()))
    write(tmp_path / "val" / "a.xml", xml_doc(obj()))
    write(tmp_path / "val" / "b.XML", xml_doc(obj()))
    write(tmp_path / "notes.txt", "not a result file")
    scene = read([tmp_path])
    assert [s.name for s in scene.sequences] == ["train/a", "val/a", "val/b"]
    assert [f.id for f in scene.frames()] == ["a", "a", "b"]


def test_file_without_objects_gives_an_empty_frame(tmp_path: Path) -> None:
    f = write(tmp_path / "empty.xml", xml_doc(""))
    report = Report()
    frame = only_frame(read([f], report=report))
    assert frame.objects == [] and report.records_read == 0 and report.ok


def test_scene_labels_in_order_of_first_appearance(tmp_path: Path) -> None:
    f = write(tmp_path / "a.xml", xml_doc(obj("dog") + obj("cat") + obj("dog")))
    assert read([f]).labels == ["dog", "cat"]


# --- VOC root and image sets -----------------------------------------------------------------


def make_root(root: Path) -> Path:
    for i in ("000001", "000002", "000003"):
        write(root / "Annotations" / f"{i}.xml", xml_doc(obj(), filename=f"{i}.jpg"))
    write(root / "ImageSets" / "Main" / "train.txt", "\n# a comment\n000003\n000001\n")
    write(root / "ImageSets" / "Main" / "test.txt", "000002\n000009\n")
    write(root / "ImageSets" / "Main" / "car_train.txt", "000001  1\n000003 -1\n")
    write(root / "ImageSets" / "Segmentation" / "seg.txt", "000002\n")
    return root


def test_root_reads_all_annotations_in_name_order(tmp_path: Path) -> None:
    root = make_root(tmp_path / "VOC2012")
    assert [s.name for s in read([root]).sequences] == ["000001", "000002", "000003"]


def test_image_set_selects_ids_in_list_order(tmp_path: Path) -> None:
    root = make_root(tmp_path / "VOC2012")
    assert [s.name for s in read([root], {"image_set": "train"}).sequences] == ["000003", "000001"]
    # class lists "<id> <flag>": the first token is the id
    assert [s.name for s in read([root], {"image_set": "car_train"}).sequences] == ["000001", "000003"]
    # not in Main/: Segmentation/
    assert [s.name for s in read([root], {"image_set": "seg"}).sequences] == ["000002"]


def test_image_set_id_without_xml_is_one_warning(tmp_path: Path) -> None:
    root = make_root(tmp_path / "VOC2012")
    report = Report()
    scene = read([root], {"image_set": "test"}, report)
    assert [s.name for s in scene.sequences] == ["000002"]
    assert report.warnings["missing_annotation"] == 1
    assert "000009" in report.issues[0].message


def test_unknown_image_set_is_a_usage_error_listing_known_sets(tmp_path: Path) -> None:
    root = make_root(tmp_path / "VOC2012")
    with pytest.raises(UsageError, match="known sets: car_train, seg, test, train"):
        read([root], {"image_set": "nope"})


def test_image_set_needs_a_root(tmp_path: Path) -> None:
    f = write(tmp_path / "a.xml", xml_doc(obj()))
    with pytest.raises(UsageError, match="--image-set"):
        read([f], {"image_set": "train"})
    with pytest.raises(UsageError, match="--image-set"):
        read([tmp_path], {"image_set": "train"})


def test_inputs_that_are_not_voc(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not a VOC input"):
        read([write(tmp_path / "a.json", "{}")])
    with pytest.raises(UsageError, match="does not exist"):
        read([tmp_path / "missing.xml"])
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="no VOC annotation"):
        read([empty])


def test_root_element_must_be_annotation(tmp_path: Path) -> None:
    f = write(tmp_path / "cvat.xml", "<annotations><version>1.1</version></annotations>")
    with pytest.raises(InputError, match="root element is <annotations>") as exc:
        read([f])
    assert exc.value.location == str(f)


# --- attributes ------------------------------------------------------------------------------


def attrs_of(tmp_path: Path, extra: str) -> dict[str, Any] | None:
    f = write(tmp_path / "a.xml", xml_doc(obj(extra=extra)))
    return only_frame(read([f])).objects[0].attributes


def test_flags_yes_no_and_absent_flags_omitted(tmp_path: Path) -> None:
    a = attrs_of(tmp_path, "<pose>Left</pose><truncated>1</truncated><difficult>0</difficult>")
    assert a == {"pose": "Left", "truncated": "Yes", "difficult": "No"}
    assert attrs_of(tmp_path, "") is None  # nothing stated: nothing invented


def test_flag_values_follow_the_devkit(tmp_path: Path) -> None:
    # '1' (also true/yes) is true; anything else, even empty, is false
    a = attrs_of(tmp_path, "<occluded> true </occluded><truncated>2</truncated><difficult/>")
    assert a == {"occluded": "Yes", "truncated": "No", "difficult": "No"}


def test_unspecified_or_empty_pose_is_omitted(tmp_path: Path) -> None:
    assert attrs_of(tmp_path, "<pose>Unspecified</pose>") is None
    assert attrs_of(tmp_path, "<pose> </pose>") is None
    assert attrs_of(tmp_path, "<pose> Frontal </pose>") == {"pose": "Frontal"}


def test_actions_become_yes_no_attributes(tmp_path: Path) -> None:
    a = attrs_of(tmp_path, "<actions><jumping>1</jumping><phoning>0</phoning><reading/></actions>")
    assert a == {"jumping": "Yes", "phoning": "No", "reading": "No"}


def test_cvat_attributes(tmp_path: Path) -> None:
    extra = (
        "<attributes><attribute><name>color</name><value>red</value></attribute>"
        "<attribute><name>parked</name><value>true</value></attribute>"
        "<attribute><name>moving</name><value>false</value></attribute>"
        "<attribute><name>doors</name><value>4</value></attribute></attributes>"
    )
    assert attrs_of(tmp_path, extra) == {"color": "red", "parked": "Yes", "moving": "No", "doors": "4"}


def test_cvat_attribute_without_name_is_warned(tmp_path: Path) -> None:
    f = write(
        tmp_path / "a.xml",
        xml_doc(obj(extra="<attributes><attribute><value>x</value></attribute></attributes>")),
    )
    report = Report()
    assert only_frame(read([f], report=report)).objects[0].attributes is None
    assert report.warnings["attribute_without_name"] == 1


def test_score_element_is_the_confidence(tmp_path: Path) -> None:
    f = write(
        tmp_path / "a.xml",
        xml_doc(obj(extra="<score>0.75</score>") + obj(extra="<confidence>0.5</confidence>")),
    )
    objs = only_frame(read([f])).objects
    assert [o.confidence for o in objs] == [0.75, 0.5]
    assert objs[0].attributes is None


def test_name_is_stripped_and_may_contain_spaces(tmp_path: Path) -> None:
    f = write(tmp_path / "a.xml", xml_doc(obj(name="  bicycle with space \n")))
    assert only_frame(read([f])).objects[0].label == "bicycle with space"


# --- parts -----------------------------------------------------------------------------------


PERSON_WITH_PARTS = (
    obj("dog")
    + "<object><name>person</name><bndbox><xmin>4</xmin><ymin>5</ymin><xmax>16</xmax><ymax>27</ymax></bndbox>"
    "<part><name>head</name><bndbox><xmin>5.5</xmin><ymin>6</ymin><xmax>7.5</xmax><ymax>8</ymax></bndbox></part>"
    "<part><name>hand</name><bndbox><xmin>10</xmin><ymin>12</ymin><xmax>11</xmax><ymax>13</ymax></bndbox></part>"
    "</object>"
)


def test_parts_are_own_boxes_with_parent_attribute(tmp_path: Path) -> None:
    f = write(tmp_path / "a.xml", xml_doc(PERSON_WITH_PARTS))
    report = Report()
    objs = only_frame(read([f], report=report)).objects
    assert [o.label for o in objs] == ["dog", "person", "head", "hand"]
    # person 4..16 x 5..27 -> (3, 4, 16, 27); head 5.5..7.5 x 6..8 -> (4.5, 5, 7.5, 8);
    # hand 10..11 x 12..13 -> (9, 11, 11, 13)
    assert [o.geometry for o in objs[1:]] == [Box(3, 4, 16, 27), Box(4.5, 5, 7.5, 8), Box(9, 11, 11, 13)]
    assert objs[2].attributes == {"parent": "person #2"} and objs[3].attributes == {"parent": "person #2"}
    assert objs[1].attributes is None  # the parts are not attributes of the person
    assert (report.records_read, report.objects_read) == (4, 4)


def test_part_kept_when_parent_is_skipped(tmp_path: Path) -> None:
    bad_parent = (
        "<object><name>person</name>"
        "<part><name>head</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>2</xmax><ymax>2</ymax>"
        "</bndbox></part></object>"
    )
    f = write(tmp_path / "a.xml", xml_doc(bad_parent))
    report = Report()
    objs = only_frame(read([f], report=report)).objects
    assert [(o.label, o.attributes) for o in objs] == [("head", {"parent": "person #1"})]
    assert report.skipped == {"bbox_missing": 1} and conserved(report)


def test_part_problems_are_located_at_the_part(tmp_path: Path) -> None:
    doc = (
        "<annotation>\n<size><width>10</width><height>10</height></size>\n<object><name>person</name>\n"
        "<bndbox><xmin>1</xmin><ymin>1</ymin><xmax>5</xmax><ymax>5</ymax></bndbox>\n"
        "  <part><name>head</name><bndbox><xmin>x</xmin><ymin>1</ymin><xmax>2</xmax><ymax>2</ymax>"
        "</bndbox></part>\n</object>\n</annotation>\n"
    )
    f = write(tmp_path / "a.xml", doc)
    report = Report()
    read([f], report=report)
    (issue,) = report.issues
    # the <part> starts on line 5, column 2 (expat columns count from 0)
    assert (issue.code, issue.location) == ("bad_number", f"{f}:5:2 <object 1> <part 1>")
    assert "part 1 of object 1" in issue.message and "'x'" in issue.message


# --- image sizes -----------------------------------------------------------------------------


def test_size_from_jpegimages_header_when_size_missing(tmp_path: Path) -> None:
    root = tmp_path / "VOC"
    write(root / "Annotations" / "a.xml", xml_doc(obj(), size=None, filename="a.jpg"))
    (root / "JPEGImages").mkdir()
    Image.new("RGB", (64, 48)).save(root / "JPEGImages" / "a.jpg")
    frame = only_frame(read([root]))
    assert (frame.width, frame.height) == (64, 48)


def test_zero_size_falls_back_to_image_next_to_xml(tmp_path: Path) -> None:
    zero = "<size><width>0</width><height>0</height><depth>3</depth></size>"
    f = write(tmp_path / "b.xml", xml_doc(obj(), size=zero, filename="b.png"))
    Image.new("L", (33, 21)).save(tmp_path / "b.png")
    frame = only_frame(read([f]))
    assert (frame.width, frame.height) == (33, 21)


def test_size_from_images_option_folder(tmp_path: Path) -> None:
    f = write(tmp_path / "ann" / "c.xml", xml_doc(obj(), size=None, filename="c.jpg"))
    (tmp_path / "imgs").mkdir()
    Image.new("RGB", (40, 30)).save(tmp_path / "imgs" / "c.jpg")
    frame = only_frame(read([f], {"images": [str(tmp_path / "imgs")]}))
    assert (frame.width, frame.height) == (40, 30)


def test_unknown_size_skips_every_object_and_part(tmp_path: Path) -> None:
    f = write(tmp_path / "a.xml", xml_doc(PERSON_WITH_PARTS, size=None))
    report = Report()
    scene = read([f], report=report)
    assert scene.sequences == []
    # dog, person, head, hand: four records, four skips
    assert report.records_read == 4 and report.skipped == {"image_size_unknown": 4} and conserved(report)
    assert report.issues[0].location.startswith(f"{f}:1:")


def test_unknown_size_without_objects_is_a_warning(tmp_path: Path) -> None:
    f = write(tmp_path / "@.xml", xml_doc("", size=None))
    report = Report()
    assert read([f], report=report).sequences == []
    assert report.warnings == {"image_size_unknown": 1} and report.records_read == 0 and report.ok


# --- label set -------------------------------------------------------------------------------


def test_label_set_is_the_select_stages_and_the_reader_keeps_every_label(tmp_path: Path) -> None:
    f = write(tmp_path / "a.xml", xml_doc(obj("car") + obj("tram") + PERSON_WITH_PARTS))
    report = Report()
    scene = read([f], {}, report)
    assert {"car", "tram", "person"} <= {o.label for o in only_frame(scene).objects}
    assert report.skipped == {}
    (payload,) = iter_payloads(scene, ConvertOptions(label_set=frozenset({"car", "person", "head"})), report)
    labels = sorted(t["label"] for t in payload["data"]["maker_response"]["video2d"]["data"]["annotations"])
    assert labels == ["car", "head", "person"]
    assert report.skipped == {"unknown_label": 3}  # tram, hand, dog


def test_reader_options_refuse_the_label_set(tmp_path: Path) -> None:
    f = write(tmp_path / "a.xml", xml_doc(obj("car")))
    with pytest.raises(UsageError, match=r"unknown voc reader option.*'label_set'"):
        read([f], {"label_set": frozenset({"vehicle"})}, Report())


# --- conservation and strict -----------------------------------------------------------------


def test_conservation_over_mixed_records(tmp_path: Path) -> None:
    doc = xml_doc(obj() + obj(box=(5, 5, 1, 1)) + "<object><name>x</name></object>" + PERSON_WITH_PARTS)
    f = write(tmp_path / "a.xml", doc)
    report = Report()
    read([f], report=report)
    # 3 objects + dog + person + 2 parts = 7 records; 2 skipped (inverted, no bndbox)
    assert (report.records_read, report.objects_read, report.records_skipped) == (7, 5, 2)


def test_strict_turns_a_skip_into_an_error(tmp_path: Path) -> None:
    f = write(tmp_path / "a.xml", xml_doc(obj(box=(5, 5, 1, 1))))
    with pytest.raises(InputError, match="bbox_inverted"):
        read([f], report=Report(strict=True))


def test_objects_are_plain_scene_objects(tmp_path: Path) -> None:
    f = write(tmp_path / "a.xml", xml_doc(obj()))
    o = only_frame(read([f])).objects[0]
    assert isinstance(o, SceneObject)
    assert (o.confidence, o.track_id, o.alternates, o.source) == (None, None, (), f"{f} <object 1>")


# --- CLI -------------------------------------------------------------------------------------


def test_cli_flags_reach_the_reader(tmp_path: Path) -> None:
    import io

    from converters.cli import main

    root = make_root(tmp_path / "VOC2012")
    out = tmp_path / "out.jsonl"
    args = ["convert", str(root), "--from", "voc", "--image-set", "train", "--voc-zero-based", "--out", str(out)]
    assert main(args, stdout=io.StringIO(), stderr=io.StringIO()) == 0
    assert [line.count(b'"reference_id":"0000') for line in out.read_bytes().splitlines()] == [1, 1]
    assert b'"reference_id":"000003"' in out.read_bytes().splitlines()[0]
