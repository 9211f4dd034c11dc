"""Pascal VOC detection result files (``<comp>_det_<set>_<class>.txt``) at the scene level."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import read_as, write
from PIL import Image

from converters import ConvertOptions, iter_payloads
from converters.errors import InputError, Report, UsageError
from converters.formats.voc._results import result_label
from converters.model import Box, Scene


def ann(image_id: str, width: int | None = 500, height: int | None = 375) -> str:
    size = f"<size><width>{width}</width><height>{height}</height></size>" if width else ""
    return f"<annotation><filename>{image_id}.jpg</filename>{size}</annotation>"


def voc_root(tmp_path: Path) -> Path:
    root = tmp_path / "VOC2012"
    write(root / "Annotations" / "2009_000026.xml", ann("2009_000026"))
    write(root / "Annotations" / "2009_000027.xml", ann("2009_000027", 200, 100))
    write(root / "Annotations" / "2009_000028.xml", ann("2009_000028", None))  # no <size>
    (root / "JPEGImages").mkdir()
    Image.new("RGB", (320, 240)).save(root / "JPEGImages" / "2009_000028.jpg")
    return root


def read(paths: list[Path], options: dict[str, object], report: Report | None = None) -> Scene:
    return read_as("voc", paths, report or Report(), **options)[0]


# --- file names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "image_set", "expected"),
    [
        ("comp4_det_test_car.txt", None, "car"),
        ("comp3_det_val_car.txt", "val", "car"),
        ("comp4_det_val_traffic_light.txt", None, "traffic_light"),
        ("comp4_det_my_set_car.txt", "my_set", "car"),
        ("comp4_det_my_set_car.txt", None, "set_car"),  # without --image-set the set ends at "_"
    ],
)
def test_class_from_the_file_name(name: str, image_set: str | None, expected: str) -> None:
    assert result_label(Path(name), image_set, None) == expected


@pytest.mark.parametrize(
    ("name", "image_set"),
    [("detections.txt", None), ("comp4_det_test.txt", None), ("comp4_det_test_car.txt", "val")],
)
def test_unparseable_file_name_needs_label(name: str, image_set: str | None) -> None:
    with pytest.raises(InputError, match="pass --label NAME"):
        result_label(Path(name), image_set, None)
    assert result_label(Path(name), image_set, "bus") == "bus"


def test_label_option_overrides_the_file_name(tmp_path: Path) -> None:
    root = voc_root(tmp_path)
    res = write(tmp_path / "comp4_det_test_car.txt", "2009_000026 0.5 1 1 10 10\n")
    scene = read([res], {"images": [str(root)], "label": "automobile"})
    assert [o.label for o in scene.objects()] == ["automobile"]


# --- lines -----------------------------------------------------------------------------------


def test_devkit_example_line(tmp_path: Path) -> None:
    # the devkit documentation's example; 1-based: (172-1, 233-1, 191, 248)
    root = voc_root(tmp_path)
    res = write(
        tmp_path / "comp4_det_test_car.txt",
        "2009_000026 0.949297 172.000000 233.000000 191.000000 248.000000\n",
    )
    report = Report()
    scene = read([res], {"images": [str(root)]}, report)
    (o,) = scene.objects()
    assert (o.label, o.confidence, o.geometry) == ("car", 0.949297, Box(171.0, 232.0, 191.0, 248.0))
    assert o.source == f"{res}:1" and o.attributes is None
    assert (report.records_read, report.objects_read) == (1, 1)
    zero = read([res], {"images": [str(root)], "voc_zero_based": True})
    assert next(iter(zero.objects())).geometry == Box(172.0, 233.0, 191.0, 248.0)


def test_scores_are_kept_as_written(tmp_path: Path) -> None:
    root = voc_root(tmp_path)
    res = write(tmp_path / "comp4_det_test_car.txt", "2009_000026 -1.5 1 1 5 5\n2009_000026 7 1 1 5 5\n")
    assert [o.confidence for o in read([res], {"images": [str(root)]}).objects()] == [-1.5, 7.0]


def test_class_files_share_frames_in_order_of_first_appearance(tmp_path: Path) -> None:
    root = voc_root(tmp_path)
    car = write(tmp_path / "res" / "comp4_det_test_car.txt", "2009_000027 0.9 1 1 10 10\n2009_000026 0.8 2 2 20 20\n")
    dog = write(tmp_path / "res" / "comp4_det_test_dog.txt", "2009_000026 0.7 3 3 30 30\n\n")
    scene = read([tmp_path / "res"], {"images": [str(root)]})
    assert [s.name for s in scene.sequences] == ["2009_000027", "2009_000026"]
    f27, f26 = (s.frames[0] for s in scene.sequences)
    assert (f27.id, f27.file_name, f27.width, f27.height) == ("2009_000027", "2009_000027.jpg", 200, 100)
    assert (f26.width, f26.height) == (500, 375)
    assert [(o.label, o.confidence) for o in f26.objects] == [("car", 0.8), ("dog", 0.7)]
    assert scene.labels == ["car", "dog"]
    assert car.exists() and dog.exists()


def test_size_from_image_header_when_the_xml_has_none(tmp_path: Path) -> None:
    root = voc_root(tmp_path)
    res = write(tmp_path / "comp4_det_test_car.txt", "2009_000028 0.9 1 1 10 10\n")
    frame = next(iter(read([res], {"images": [str(root)]}).frames()))
    assert (frame.width, frame.height) == (320, 240)


def test_images_as_an_image_folder_or_single_files(tmp_path: Path) -> None:
    imgs = tmp_path / "imgs"
    imgs.mkdir()
    Image.new("RGB", (64, 32)).save(imgs / "a.png")
    res = write(tmp_path / "comp4_det_test_car.txt", "a 0.9 1 1 10 10\nb 0.9 1 1 10 10\n")
    single = write(tmp_path / "b.xml", ann("b", 80, 60))
    report = Report()
    scene = read([res], {"images": [str(imgs), str(single)]}, report)
    assert [(f.id, f.file_name, f.width, f.height) for f in scene.frames()] == [
        ("a", "a.png", 64, 32),
        ("b", "b.jpg", 80, 60),
    ]
    assert report.ok


def test_known_image_of_unknown_size(tmp_path: Path) -> None:
    folder = tmp_path / "ann"
    write(folder / "x.xml", ann("x", None))
    res = write(tmp_path / "comp4_det_test_car.txt", "x 0.9 1 1 10 10\n")
    report = Report()
    assert read([res], {"images": [str(folder)]}, report).sequences == []
    assert [(i.code, i.location) for i in report.issues] == [("image_size_unknown", f"{res}:1")]


def test_results_need_images(tmp_path: Path) -> None:
    res = write(tmp_path / "comp4_det_test_car.txt", "x 0.9 1 1 10 10\n")
    with pytest.raises(UsageError, match="need --images"):
        read([res], {})
    with pytest.raises(UsageError, match="does not exist"):
        read([res], {"images": [str(tmp_path / "nope")]})


def test_label_set_skips_every_line_of_an_unknown_class(tmp_path: Path) -> None:
    root = voc_root(tmp_path)
    res = write(tmp_path / "comp4_det_test_tram.txt", "2009_000026 0.9 1 1 10 10\n2009_000027 0.9 1 1 5 5\n")
    report = Report()
    scene = read([res], {"images": [str(root)]}, report)
    assert report.skipped == {}
    list(iter_payloads(scene, ConvertOptions(label_set=frozenset({"car"})), report))
    assert report.skipped == {"unknown_label": 2}
    assert [i.location for i in report.issues] == [f"{res}:1", f"{res}:2"]


def test_annotations_and_results_of_one_image_share_a_frame(tmp_path: Path) -> None:
    root = voc_root(tmp_path)
    write(
        root / "Annotations" / "2009_000026.xml",
        "<annotation><filename>2009_000026.jpg</filename><size><width>500</width><height>375</height></size>"
        "<object><name>dog</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>9</xmax><ymax>9</ymax></bndbox>"
        "</object></annotation>",
    )
    res = write(tmp_path / "comp4_det_test_car.txt", "2009_000026 0.5 2 2 8 8\n")
    scene = read([root, res], {"images": [str(root)]})
    f = next(s.frames[0] for s in scene.sequences if s.name == "2009_000026")
    assert [(o.label, o.confidence) for o in f.objects] == [("dog", None), ("car", 0.5)]
    assert len(scene.sequences) == 3  # 26, 27, 28 from the root; no extra sequence for the result


def test_conservation(tmp_path: Path) -> None:
    root = voc_root(tmp_path)
    res = write(
        tmp_path / "comp4_det_test_car.txt",
        "2009_000026 0.9 1 1 10 10\nbad\n2009_000099 0.1 1 1 2 2\n2009_000026 0.9 9 9 1 1\n",
    )
    report = Report()
    read([res], {"images": [str(root)]}, report)
    assert (report.records_read, report.objects_read, report.records_skipped) == (4, 1, 3)


# --- reading sizes from annotation headers ---------------------------------------------------


def test_header_read_stops_once_filename_and_size_are_known(tmp_path: Path) -> None:
    from converters.formats.voc._parse import read_header

    body = "<object><name>x</name></object>" * 2000  # > 4 KB: parsing stops after the first chunk
    ok = write(tmp_path / "a.xml", f"<annotation><filename>a.png</filename>{ann('q')[12:-13]}{body}<broken")
    assert read_header(ok) == ("a.png", (500.0, 375.0))
    late = write(tmp_path / "b.xml", f"<annotation>{body}<size><width>8</width><height>6</height></size></annotation>")
    assert read_header(late) == (None, (8.0, 6.0))
    bad = write(tmp_path / "c.xml", "<annotation>\n<filename>c.jpg</file>\n")
    with pytest.raises(InputError, match=r"mismatched tag \(line 2, column 17\)"):
        read_header(bad)
    dtd = write(
        tmp_path / "d.xml",
        "<!DOCTYPE annotation>\n<annotation><size><width>3</width><height>2</height></size></annotation>",
    )
    assert read_header(dtd) == (None, (3.0, 2.0))
