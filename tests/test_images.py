"""Image header sizes: one EXIF rule for every reader, PNG and JPEG headers parsed by hand."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from PIL import Image

from converters import Report, read_scene
from converters.errors import InputError
from converters.formats._images import jpeg_size, read_image_size


def rotated_jpeg(path: Path, orientation: int = 6) -> Path:
    """A JPEG stored 40 x 20 px with EXIF orientation ``orientation`` (6: shown rotated 90 degrees)."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    Image.new("RGB", (40, 20), "white").save(path, exif=exif.tobytes())
    return path


def test_an_exif_rotated_jpeg_has_the_same_size_for_the_yolo_and_the_voc_reader(tmp_path: Path) -> None:
    # YOLO: a label beside the image; the box covers the whole image
    yolo = tmp_path / "yolo"
    yolo.mkdir()
    rotated_jpeg(yolo / "a.jpg")
    (yolo / "a.txt").write_text("0 0.5 0.5 1 1\n")
    (yolo / "classes.txt").write_text("car\n")
    y = read_scene([yolo], "yolo", Report(), {"names": str(yolo / "classes.txt")}).sequences[0].frames[0]
    # VOC: an annotation without <size> next to the JPEG; the size comes from the header
    voc = tmp_path / "voc"
    voc.mkdir()
    rotated_jpeg(voc / "a.jpg")
    (voc / "a.xml").write_text("<annotation><filename>a.jpg</filename><object><name>car</name><bndbox>"
                               "<xmin>1</xmin><ymin>1</ymin><xmax>5</xmax><ymax>5</ymax></bndbox></object>"
                               "</annotation>")
    v = read_scene([voc], "voc", Report()).sequences[0].frames[0]
    assert (y.width, y.height) == (v.width, v.height) == (20, 40)


@pytest.mark.parametrize(("orientation", "size"), [(1, (40, 20)), (3, (40, 20)), (5, (20, 40)), (8, (20, 40))])
def test_orientations_5_to_8_swap(tmp_path: Path, orientation: int, size: tuple[int, int]) -> None:
    assert read_image_size(rotated_jpeg(tmp_path / "a.jpg", orientation)) == size


def test_a_hand_made_png_header(tmp_path: Path) -> None:
    ihdr = struct.pack(">IIBBBBB", 300, 7, 8, 2, 0, 0, 0)
    path = tmp_path / "a.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr + b"\0\0\0\0")
    assert read_image_size(path) == (300, 7)
    huge = tmp_path / "huge.png"
    huge.write_bytes(b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">II", 2_000_000, 5)
                     + b"\x08\x02\0\0\0\0\0\0\0")
    with pytest.raises(InputError, match="more than 1000000 px"):
        read_image_size(huge)


def test_a_hand_made_jpeg_header() -> None:
    # SOI, then a baseline frame header SOF0: length 17, precision 8, height 120, width 160
    sof0 = b"\xff\xc0" + struct.pack(">HBHH", 17, 8, 120, 160) + b"\x03" + b"\x00" * 9
    assert jpeg_size(b"\xff\xd8" + sof0) == (160, 120)
    assert jpeg_size(b"\xff\xd8\xff\xda\x00\x02") is None  # scan before any frame header
