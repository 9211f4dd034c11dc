"""Hostile and broken input ends fast with a located message or a counted skip, never a hang,
a blow-up of memory or time, or a traceback (the CLI side is in test_cli_safety.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import orjson
import pytest
from PIL import Image

from converters import InputError, Report, UsageError, convert, load_label_map, read_scene
from converters.formats.cvat import _xml_stream

CVAT_HEAD = ('<?xml version="1.0" encoding="utf-8"?>\n<annotations><version>1.1</version><meta><task><name>t</name>'
             "<size>1</size><mode>annotation</mode><labels><label><name>car</name></label></labels></task></meta>")
CVAT_TAIL = ('<image id="0" name="a.jpg" width="10" height="10"><box label="car" xtl="1" ytl="1" xbr="2" ybr="2" '
             'occluded="0"/></image></annotations>')
VOC = ("<annotation><filename>{name}.jpg</filename><size><width>100</width><height>50</height></size>"
       "<object><name>dog</name><bndbox><xmin>11</xmin><ymin>6</ymin><xmax>30</xmax><ymax>15</ymax></bndbox>"
       "</object></annotation>")


def _coco(tmp_path: Path, annotations: list[dict[str, object]], width: object = 100, height: object = 50) -> Path:
    path = tmp_path / "in.json"
    path.write_bytes(orjson.dumps({
        "images": [{"id": 1, "file_name": "a.jpg", "width": width, "height": height}],
        "annotations": annotations, "categories": [{"id": 1, "name": "car"}],
    }))
    return path


def test_an_rle_on_a_30000_px_image_decodes_only_its_object(tmp_path: Path) -> None:
    # column-major runs: 15000 full columns of 0, then rows 100..149 of column 15000 set
    h = w = 30000
    counts = [15000 * h + 100, 50, h * w - 15000 * h - 150]
    ann = {"id": 1, "image_id": 1, "category_id": 1, "segmentation": {"size": [h, w], "counts": counts}}
    report = Report()
    scene = read_scene([_coco(tmp_path, [ann], w, h)], "coco", report)
    (obj,) = scene.sequences[0].frames[0].objects
    xs = [p[0] for p in obj.geometry.exterior]  # type: ignore[union-attr]
    ys = [p[1] for p in obj.geometry.exterior]  # type: ignore[union-attr]
    assert (min(xs), max(xs), min(ys), max(ys)) == (15000.0, 15001.0, 100.0, 150.0)


def test_an_rle_whose_object_is_too_large_is_skipped_with_a_reason(tmp_path: Path) -> None:
    h = w = 100000
    ann = {"id": 1, "image_id": 1, "category_id": 1, "segmentation": {"size": [h, w], "counts": [0, h * w]}}
    report = Report()
    read_scene([_coco(tmp_path, [ann], 100000, 100000)], "coco", report)
    assert [i.code for i in report.issues] == ["mask_too_large"]


def test_image_sides_above_a_million_pixels_are_a_located_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="at most 1000000 px") as exc:
        box = {"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4]}
        read_scene([_coco(tmp_path, [box], 2_000_000, 10)], "coco", Report())
    assert "images[0]" in str(exc.value)


def test_json_nested_100000_deep_is_a_located_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100000 + "]" * 100000)
    with pytest.raises(InputError, match="nested more than 1024 levels") as exc:
        read_scene([path], "coco", Report())
    assert exc.value.location == f"{path}:1:1026"


BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b]\n"


def test_yaml_aliases_are_refused_in_a_label_map_and_a_dataset_yaml(tmp_path: Path) -> None:
    label_map = tmp_path / "map.yaml"
    label_map.write_text(BOMB)
    with pytest.raises(UsageError, match="aliases"):
        load_label_map(label_map)
    (tmp_path / "labels").mkdir()
    (tmp_path / "labels" / "a.txt").write_text("0 0.5 0.5 0.1 0.1\n")
    Image.new("RGB", (10, 10)).save(tmp_path / "a.png")
    (tmp_path / "data.yaml").write_text(f"path: .\ntrain: .\nnames:\n  {BOMB.replace(chr(10), chr(10) + '  ')}")
    with pytest.raises((InputError, UsageError), match="aliases"):
        read_scene([tmp_path / "data.yaml"], "yolo", Report())


def test_a_device_named_as_input_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="is a device"):
        read_scene(["/dev/zero"], "coco", Report())


_FIFO_RUN = """
import sys
from converters import Report, read_scene
report = Report()
scene = read_scene([sys.argv[1]], sys.argv[2], report, {opts})
print(sum(len(f.objects) for s in scene.sequences for f in s.frames), [i.code for i in report.issues])
"""


def _run_isolated(folder: Path, fmt: str, opts: str = "None") -> str:
    """Read in a child process (a hang fails the test after 60 s instead of blocking the suite)."""
    proc = subprocess.run([sys.executable, "-c", _FIFO_RUN.format(opts=opts), str(folder), fmt],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifos_and_device_links_among_yolo_labels_are_skipped_with_a_warning(tmp_path: Path) -> None:
    labels = tmp_path / "labels"
    labels.mkdir()
    (labels / "a.txt").write_text("0 0.5 0.5 0.1 0.1\n")
    os.mkfifo(labels / "b.txt")
    (labels / "c.txt").symlink_to("/dev/zero")
    Image.new("RGB", (10, 10)).save(tmp_path / "a.png")
    (tmp_path / "classes.txt").write_text("car\n")
    opts = f"{{'names': {str(tmp_path / 'classes.txt')!r}, 'images': [{str(tmp_path)!r}]}}"
    assert _run_isolated(labels, "yolo", opts) == "1 ['not_regular_file', 'not_regular_file']"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_among_voc_files_is_skipped_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "a.xml").write_text(VOC.format(name="a"))
    os.mkfifo(tmp_path / "b.xml")
    assert _run_isolated(tmp_path, "voc") == "1 ['not_regular_file']"


def _cvat(tmp_path: Path, middle: str, name: str = "c.xml") -> Path:
    path = tmp_path / name
    path.write_text(CVAT_HEAD + middle + CVAT_TAIL)
    return path


def test_a_20_mb_xml_comment_converts(tmp_path: Path) -> None:
    scene = read_scene([_cvat(tmp_path, "<!--" + "x" * (20 << 20) + "-->")], "cvat", Report())
    assert len(scene.sequences[0].frames[0].objects) == 1


def test_an_xml_token_beyond_the_bound_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_xml_stream, "MAX_XML_TOKEN", 1 << 20)
    for token in ("<!--" + "x" * (2 << 20) + "-->", '<x a="' + "y" * (2 << 20) + '"/>'):
        with pytest.raises(InputError, match="longer than 1 MiB") as exc:
            read_scene([_cvat(tmp_path, token)], "cvat", Report())
        assert exc.value.code == "xml_token_too_long"


def test_a_zip_bomb_is_refused_before_reading_and_nothing_is_extracted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("annotations.xml", CVAT_HEAD + "<!--" + "x" * (50 << 20) + "-->" + CVAT_TAIL)
    with pytest.raises(InputError, match="expands") as exc:
        read_scene([bomb], "cvat", Report())
    assert exc.value.code == "zip_ratio_too_high"
    # a member that needs the hardened parser (it has a DOCTYPE) is parsed from the zip stream
    doc = tmp_path / "doc.zip"
    with zipfile.ZipFile(doc, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("annotations.xml", CVAT_HEAD.replace("\n", "\n<!DOCTYPE annotations>\n", 1) + CVAT_TAIL)
    scene = read_scene([doc], "cvat", Report())
    assert len(scene.sequences[0].frames[0].objects) == 1
    assert list(tmp.iterdir()) == []


def test_convert_takes_one_path_as_well_as_a_list(tmp_path: Path) -> None:
    src = _coco(tmp_path, [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4]}])
    report = convert(str(src), "coco", tmp_path / "a.jsonl")
    assert report.jobs == 1


def test_a_cvat_mask_with_a_huge_box_is_skipped_not_allocated(tmp_path: Path) -> None:
    mask = ('<image id="1" name="b.jpg" width="10" height="10"><mask label="car" source="manual" occluded="0" '
            'rle="0, 1000000000000" left="0" top="0" width="1000000" height="1000000" z_order="0"/></image>')
    report = Report()
    read_scene([_cvat(tmp_path, mask)], "cvat", report)
    assert [i.code for i in report.issues] == ["mask_too_large"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_among_cvat_files_is_skipped_with_a_warning(tmp_path: Path) -> None:
    _cvat(tmp_path, "", "a.xml")
    os.mkfifo(tmp_path / "b.xml")
    assert _run_isolated(tmp_path, "cvat") == "1 ['not_regular_file']"


def test_a_label_set_that_is_a_fifo_or_not_utf8_is_a_usage_error(tmp_path: Path) -> None:
    from converters import UsageError, load_label_set

    fifo = tmp_path / "labels.txt"
    os.mkfifo(fifo)
    with pytest.raises(UsageError, match=r"label set .*labels\.txt"):
        load_label_set(fifo)  # refused at once, never blocks waiting for a writer
    latin = tmp_path / "latin.txt"
    latin.write_bytes(b"caf\xe9\n")
    with pytest.raises(UsageError, match=r"not UTF-8 text .* at byte 3"):
        load_label_set(latin)
    good = tmp_path / "good.txt"
    good.write_bytes(b"\xef\xbb\xbfcar\n\n person \n")
    assert load_label_set(good) == frozenset({"car", "person"})


def test_the_mask_area_limit_is_an_option(tmp_path: Path) -> None:
    """max_mask_pixels (--max-mask-pixels): a 10 x 10 foreground passes the default and is skipped
    as mask_too_large under a limit of 50 px; the limit must be positive."""
    import io
    import json

    from converters.cli import main

    mask_rle = {"size": [20, 20], "counts": [5 * 20 + 5] + [10, 10] * 9 + [10, 20 * 20 - (5 * 20 + 5) - 190]}
    assert sum(mask_rle["counts"]) == 400  # type: ignore[arg-type]
    src = tmp_path / "in.json"
    src.write_text(json.dumps({"images": [{"id": 1, "file_name": "a.jpg", "width": 20, "height": 20}],
                               "categories": [{"id": 1, "name": "blob"}],
                               "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "iscrowd": 1,
                                                "segmentation": mask_rle}]}))
    report = Report()
    assert len(list(read_scene(src, "coco", report).objects())) == 1 and report.skipped == {}
    report = Report()
    assert list(read_scene(src, "coco", report, {"max_mask_pixels": 50}).objects()) == []
    assert report.skipped == {"mask_too_large": 1}
    with pytest.raises(UsageError, match="max_mask_pixels must be a positive number"):
        read_scene(src, "coco", Report(), {"max_mask_pixels": 0})
    err = io.StringIO()
    assert main(["convert", str(src), "--from", "coco", "--out", str(tmp_path / "o.jsonl"), "--max-mask-pixels", "50"],
                stdout=io.StringIO(), stderr=err) == 1
    assert "mask_too_large" in err.getvalue()
