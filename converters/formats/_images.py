"""Image files: extensions, and the pixel size from an image header (never decoding pixels).

One rule for every reader: a JPEG whose EXIF orientation is 5-8 (rotated by 90 degrees) has its
width and height swapped, since that is the image as viewers, annotation tools and models see it
(OpenCV ``imread``, Ultralytics ``exif_size``, CVAT). PNG and JPEG headers are parsed here (a few
microseconds); any other format, or a header this parser does not understand, goes through Pillow.
Sizes above ``MAX_IMAGE_SIDE`` px a side are refused as corrupt or hostile.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Literal

from PIL import Image

from ..errors import InputError
from ..input_files import open_regular
from ..model import MAX_IMAGE_SIDE
from ..option_names import opt

IMG_EXTS = frozenset({"bmp", "dng", "jpeg", "jpg", "mpo", "png", "tif", "tiff", "webp", "pfm", "heic"})
VID_EXTS = frozenset({"asf", "avi", "gif", "m4v", "mkv", "mov", "mp4", "mpeg", "mpg", "ts", "wmv", "webm"})
MEDIA_EXTS = IMG_EXTS | VID_EXTS


def ext_of(name: str) -> str:
    """Lower-case extension without the dot ("" when there is none)."""
    base = name.rsplit("/", 1)[-1]
    return base.rpartition(".")[2].lower() if "." in base else ""


def strip_media_ext(path: str) -> str:
    """Drop the last extension when it is an image or video extension."""
    head, dot, ext = path.rpartition(".")
    if dot and "/" not in ext and ext.lower() in MEDIA_EXTS:
        return head
    return path


_JPEG_SWAP = frozenset({5, 6, 7, 8})
_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
_PNG = b"\x89PNG\r\n\x1a\n"
_HEAD = 1 << 16


def read_image_size(path: Path | str) -> tuple[int, int]:
    """(width, height) from the image header (:func:`_header_size`), refused above
    ``MAX_IMAGE_SIDE`` px as a corrupt or hostile header."""
    w, h = _header_size(path)
    if w > MAX_IMAGE_SIDE or h > MAX_IMAGE_SIDE:
        raise InputError(f"the image header says {w} x {h} px, more than {MAX_IMAGE_SIDE} px a side", str(path),
                         "bad_image")
    return w, h


def _header_size(path: Path | str) -> tuple[int, int]:
    """(width, height) from the image header; the pixels are never decoded. JPEG EXIF orientations
    5-8 swap width and height: the model (OpenCV ``imread``, Ultralytics ``exif_size``) saw the
    image rotated. PNG and JPEG headers are parsed here (a few microseconds); anything else, or a
    header this parser does not understand, goes through Pillow."""
    try:
        with open(open_regular(path, "the image"), "rb", buffering=0) as fh:
            head = fh.read(_HEAD)
    except OSError as exc:
        raise InputError(f"cannot read the image: {exc.strerror or exc}", str(path), "bad_image") from None
    if head[:8] == _PNG and head[12:16] == b"IHDR":
        w, h = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
        if w > 0 and h > 0:
            return w, h
    if head[:2] == b"\xff\xd8":
        size = jpeg_size(head)
        if size is not None:
            return size
    return _pillow_size(path)


def jpeg_size(head: bytes) -> tuple[int, int] | None:
    """(width, height) of a JPEG from its first bytes, EXIF orientation applied; None when the
    frame header is not within ``head`` or a segment looks wrong (the caller falls back)."""
    pos, n, orientation = 2, len(head), 1
    while pos + 4 <= n:
        if head[pos] != 0xFF:
            return None
        marker = head[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # markers without a length
            pos += 2
            continue
        length = int.from_bytes(head[pos + 2 : pos + 4], "big")
        if length < 2:
            return None
        if marker == 0xE1 and head[pos + 4 : pos + 10] == b"Exif\x00\x00":
            orientation = _exif_orientation(head[pos + 10 : pos + 2 + length]) or orientation
        elif marker in _SOF:
            if pos + 9 > n:
                return None
            h = int.from_bytes(head[pos + 5 : pos + 7], "big")
            w = int.from_bytes(head[pos + 7 : pos + 9], "big")
            if w <= 0 or h <= 0:
                return None
            return (h, w) if orientation in _JPEG_SWAP else (w, h)
        elif marker == 0xDA:  # start of scan before any frame header
            return None
        pos += 2 + length
    return None


def _exif_orientation(tiff: bytes) -> int | None:
    """Tag 0x0112 of IFD0 in a TIFF-structured EXIF block."""
    order = tiff[:2]
    if order == b"II":
        endian: Literal["little", "big"] = "little"
    elif order == b"MM":
        endian = "big"
    else:
        return None
    ifd = int.from_bytes(tiff[4:8], endian)
    if ifd + 2 > len(tiff):
        return None
    count = int.from_bytes(tiff[ifd : ifd + 2], endian)
    for i in range(count):
        entry = ifd + 2 + 12 * i
        if entry + 12 > len(tiff):
            return None
        if int.from_bytes(tiff[entry : entry + 2], endian) == 0x0112:
            return int.from_bytes(tiff[entry + 8 : entry + 10], endian)
    return None


def _pillow_size(path: Path | str) -> tuple[int, int]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                w, h = im.size
                if im.format == "JPEG":
                    try:
                        orientation = im.getexif().get(274)
                    except (OSError, ValueError, SyntaxError, TypeError, KeyError):
                        orientation = None
                    if orientation in _JPEG_SWAP:
                        w, h = h, w
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise InputError(f"cannot read the image size ({exc}); give it with {opt('image_sizes')}",
                         str(path), "bad_image") from None
    return int(w), int(h)


