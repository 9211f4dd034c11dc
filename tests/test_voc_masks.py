"""Pascal VOC segmentation PNGs: instance k -> polygon of the k-th <object>; extra ones via the class mask.

The test image is 8 x 6 px; instance mask (255 = void border row, 0 = background):

    y\\x 0   1   2   3   4   5   6   7
    0   255 255 255 255 255 255 255 255
    1   0   1   1   1   0   3   3   0
    2   0   1   1   1   0   3   3   0
    3   0   0   0   0   0   0   0   0
    4   2   0   0   0   0   2   2   0
    5   0   0   0   0   0   2   2   0

Pixel (col c, row r) covers [c, c+1] x [r, r+1], so by hand:
- instance 1 = cols 1..3, rows 1..2 -> rectangle x 1..4, y 1..3 (area 6);
- instance 2 = block cols 5..6 rows 4..5 -> x 5..7, y 4..6 (area 4), plus pixel (0, 4) -> x 0..1, y 4..5
  (area 1): a multi-polygon, largest part first;
- instance 3 = cols 5..6, rows 1..2 -> x 5..7, y 1..3; the XML has only 2 objects, so its label comes
  from the class mask (index 15 = person in the VOC class list).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers import read_as
from PIL import Image

from converters import ConvertOptions, iter_payloads
from converters.errors import Report
from converters.formats.voc import READER
from converters.formats.voc._masks import VOC_CLASSES, voc_colormap
from converters.model import Box, MultiPolygon, Polygon, Scene

INSTANCES = np.array(
    [
        [255] * 8,
        [0, 1, 1, 1, 0, 3, 3, 0],
        [0, 1, 1, 1, 0, 3, 3, 0],
        [0] * 8,
        [2, 0, 0, 0, 0, 2, 2, 0],
        [0, 0, 0, 0, 0, 2, 2, 0],
    ],
    dtype=np.uint8,
)
CAT, DOG, PERSON = 8, 12, 15  # VOC class indices
CLASSES = np.where(
    INSTANCES == 1, CAT, np.where(INSTANCES == 2, DOG, np.where(INSTANCES == 3, PERSON, INSTANCES))
)
SIZE = "<size><width>8</width><height>6</height><depth>3</depth></size>"


def palette() -> list[int]:
    rgb = {v: k for k, v in voc_colormap().items()}
    return [c for i in range(256) for c in ((rgb[i] >> 16) & 255, (rgb[i] >> 8) & 255, rgb[i] & 255)]


def save_png(path: Path, arr: np.ndarray, mode: str = "P") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    im = Image.fromarray(arr.astype(np.uint8), mode="L")
    if mode == "P":
        im.putpalette(palette())
        assert im.mode == "P"
    elif mode == "RGB":
        im.putpalette(palette())
        im = im.convert("RGB")
    im.save(path)


def obj(name: str, box: tuple[int, int, int, int]) -> str:
    a, b, c, d = box
    coords = f"<xmin>{a}</xmin><ymin>{b}</ymin><xmax>{c}</xmax><ymax>{d}</ymax>"
    return f"<object><name>{name}</name><bndbox>{coords}</bndbox></object>"


def make_root(
    tmp_path: Path, mode: str = "P", objects: str | None = None, size: str = SIZE, classes: bool = True
) -> Path:
    root = tmp_path / "VOC"
    (root / "Annotations").mkdir(parents=True)
    objects = objects if objects is not None else obj("cat", (2, 2, 4, 3)) + obj("dog", (1, 5, 7, 6))
    (root / "Annotations" / "img.xml").write_text(
        f"<annotation><filename>img.jpg</filename>{size}{objects}</annotation>"
    )
    save_png(root / "SegmentationObject" / "img.png", INSTANCES, mode)
    if classes:
        save_png(root / "SegmentationClass" / "img.png", CLASSES, mode)
    return root


def read(root: Path, report: Report, options: dict[str, object] | None = None) -> Scene:
    return read_as("voc", root, report, **(options or {}))[0]


def corners(p: Polygon) -> set[tuple[float, float]]:
    return set(p.exterior)


def test_colormap_by_hand() -> None:
    # index bits spread over R, G, B from each channel's top bit: 1 = 0b001 -> R 128;
    # 15 = 0b001_111 -> R 128+64, G 128, B 128; 255 = 0b11_111_111 -> R 128+64+32, G 224, B 128+64
    inv = {v: k for k, v in voc_colormap().items()}
    assert inv[1] == (128 << 16)
    assert inv[PERSON] == (192 << 16) | (128 << 8) | 128
    assert inv[255] == (224 << 16) | (224 << 8) | 192
    assert len(voc_colormap()) == 256 and VOC_CLASSES[PERSON] == "person"


@pytest.mark.parametrize("mode", ["P", "RGB", "L"])
def test_instances_become_polygons_of_their_objects(tmp_path: Path, mode: str) -> None:
    report = Report()
    frame = next(read(make_root(tmp_path, mode), report).frames())
    cat, dog, person = frame.objects
    assert isinstance(cat.geometry, Polygon) and cat.geometry.holes == []
    assert corners(cat.geometry) == {(1, 1), (4, 1), (4, 3), (1, 3)}
    assert cat.alternates == (Box(1, 1, 4, 3),)  # the XML box (2,2,4,3) by the devkit rule
    assert isinstance(dog.geometry, MultiPolygon) and len(dog.geometry.parts) == 2
    big, small = dog.geometry.parts
    assert corners(big) == {(5, 4), (7, 4), (7, 6), (5, 6)}
    assert corners(small) == {(0, 4), (1, 4), (1, 5), (0, 5)}
    assert dog.alternates == (Box(0, 4, 7, 6),)
    assert (person.label, corners(person.geometry)) == ("person", {(5, 1), (7, 1), (7, 3), (5, 3)})  # type: ignore[arg-type]
    assert person.source.endswith("SegmentationObject/img.png <instance 3>")
    assert (report.records_read, report.objects_read, report.ok) == (3, 3, True)


def test_labelmap_names_and_colours_for_class_masks(tmp_path: Path) -> None:
    root = make_root(tmp_path, "RGB", classes=False)
    # a custom label map: index 1 = tree with colour (10, 20, 30)
    (root / "labelmap.txt").write_text(
        "# label:color_rgb:parts:actions\nbackground:0,0,0::\ntree:10,20,30::\n"
    )
    cls = np.zeros((6, 8, 3), dtype=np.uint8)
    cls[1:3, 5:7] = (10, 20, 30)
    (root / "SegmentationClass").mkdir()
    Image.fromarray(cls, mode="RGB").save(root / "SegmentationClass" / "img.png")
    report = Report()
    labels = [o.label for o in read(root, report).objects()]
    assert labels == ["cat", "dog", "tree"]


def test_extra_instance_without_class_mask_is_skipped(tmp_path: Path) -> None:
    report = Report()
    objs = list(read(make_root(tmp_path, classes=False), report).objects())
    assert [o.label for o in objs] == ["cat", "dog"]
    (issue,) = report.issues
    assert issue.code == "mask_instance_unlabelled" and issue.location.endswith("img.png <instance 3>")
    assert "it has 2" in issue.message
    assert report.records_read == report.objects_read + report.records_skipped == 3


def test_extra_instance_outside_label_set(tmp_path: Path) -> None:
    report = Report()
    scene = read(make_root(tmp_path), report)
    list(iter_payloads(scene, ConvertOptions(label_set=frozenset({"cat", "dog"})), report))
    assert report.skipped == {"unknown_label": 1}


def test_skipped_object_gets_no_mask(tmp_path: Path) -> None:
    objects = obj("cat", (4, 3, 2, 2)) + obj("dog", (1, 5, 7, 6))  # cat inverted: skipped
    report = Report()
    objs = list(read(make_root(tmp_path, objects=objects), report).objects())
    assert [o.label for o in objs] == ["dog", "person"]
    assert report.skipped == {"bbox_inverted": 1}


def test_mask_of_another_size_is_ignored(tmp_path: Path) -> None:
    size = "<size><width>16</width><height>12</height></size>"
    report = Report()
    objs = list(read(make_root(tmp_path, size=size), report).objects())
    assert [type(o.geometry) for o in objs] == [Box, Box]
    assert report.warnings == {"mask_size_mismatch": 1}


def test_mask_gives_the_size_when_nothing_else_does(tmp_path: Path) -> None:
    report = Report()
    frame = next(read(make_root(tmp_path, size=""), report).frames())
    assert (frame.width, frame.height) == (8, 6) and len(frame.objects) == 3


def test_unknown_colour_in_rgb_mask(tmp_path: Path) -> None:
    root = make_root(tmp_path, classes=False)
    rgb = np.zeros((6, 8, 3), dtype=np.uint8)
    rgb[2, 2] = (1, 2, 3)
    Image.fromarray(rgb, mode="RGB").save(root / "SegmentationObject" / "img.png")
    report = Report()
    objs = list(read(root, report).objects())
    assert [type(o.geometry) for o in objs] == [Box, Box]
    assert report.warnings == {"mask_unreadable": 1} and "(1, 2, 3)" in report.issues[0].message


def test_class_mask_alone_is_warned(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    (root / "SegmentationObject" / "img.png").unlink()
    (root / "Annotations" / "other.xml").write_text(f"<annotation>{SIZE}</annotation>")
    report = Report()
    objs = list(read(root, report).objects())
    assert [type(o.geometry) for o in objs] == [Box, Box]
    assert report.warnings == {"segmentation_class_only": 1}


def test_masks_only_in_a_voc_root(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    # the same XML read as a single file still finds its root (it sits in Annotations/)
    objs = list(READER.read([root / "Annotations" / "img.xml"], {}, Report()).expand_columns().objects())
    assert isinstance(objs[0].geometry, Polygon)
