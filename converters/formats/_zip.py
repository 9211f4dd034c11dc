"""Zip archives: the member checks every reader applies, and a bounded unpacking for the readers
that read a folder (a COCO, YOLO or Pascal VOC export downloaded as a ``.zip``, as Roboflow and CVAT
give them). CVAT XML is streamed from its zip by the CVAT reader and never unpacked.

Unpacking (:func:`unpacked`) writes into a private temporary folder (mode 0700, named
``.prelabel-zip-<pid>-*``) that is removed on every exit path, SIGTERM included (the CLI turns it
into an exception). Each member is checked before it is read (:func:`check_member`: at most
:data:`MAX_ZIP_MEMBER` bytes, at most :data:`MAX_ZIP_RATIO` times its compressed size), the whole
archive may unpack to at most :data:`MAX_UNPACKED` bytes, and members whose names leave the folder
(absolute, ``..``) are refused. Images are only read for their headers (the size), so of an image
member only its first :data:`IMAGE_HEAD_BYTES` bytes are written: a 5 GB image export costs a few
MB of disk. Segmentation masks (``SegmentationObject/``, ``SegmentationClass/``) are written whole.

Messages name the member inside the archive (``export.zip!train/labels/a.txt``):
:func:`archive_locations` maps the temporary paths back.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import IO

from ..errors import InputError, Report
from ..model import Scene
from ._images import IMG_EXTS, ext_of

MAX_ZIP_MEMBER = 16 << 30
MAX_ZIP_RATIO = 200
MAX_UNPACKED = 8 << 30
IMAGE_HEAD_BYTES = 1 << 20
_MASK_DIRS = ("segmentationobject", "segmentationclass")


def check_member(info: zipfile.ZipInfo, where: str) -> None:
    """Refuse a member that is too large or expands too much (a zip bomb), before reading it."""
    if info.file_size > MAX_ZIP_MEMBER:
        raise InputError(f"the zip member is {info.file_size} bytes, more than the {MAX_ZIP_MEMBER >> 30} GiB "
                         "accepted", where, "zip_member_too_large")
    if info.file_size > (1 << 20) and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1):
        raise InputError(
            f"the zip member expands {info.file_size // max(info.compress_size, 1)} times "
            f"({info.compress_size} -> {info.file_size} bytes), more than the {MAX_ZIP_RATIO} times accepted "
            "(a zip bomb?)", where, "zip_ratio_too_high",
        )


def _safe_parts(name: str) -> tuple[str, ...] | None:
    """The member's path parts, or None when it would leave the folder (absolute, ``..``, drive)."""
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or any(p in ("..", "") for p in path.parts) or ":" in path.parts[0]:
        return None
    return tuple(p for p in path.parts if p != ".")


def _is_image(parts: tuple[str, ...]) -> bool:
    return ext_of(parts[-1]) in IMG_EXTS and not any(p.lower() in _MASK_DIRS for p in parts[:-1])


def _copy(src: IO[bytes], dst: Path, limit: int | None) -> int:
    written = 0
    with open(dst, "wb") as out:
        while limit is None or written < limit:
            want = 1 << 20 if limit is None else min(1 << 20, limit - written)
            chunk = src.read(want)
            if not chunk:
                break
            out.write(chunk)
            written += len(chunk)
    return written


@contextmanager
def unpacked(archive: Path, report: Report) -> Iterator[Path]:
    """The archive's members in a private temporary folder (see the module docstring), removed
    when the block ends however it ends."""
    where = str(archive)
    try:
        zf = zipfile.ZipFile(archive)
    except (OSError, zipfile.BadZipFile) as exc:
        raise InputError(f"cannot open the zip file: {exc}", where, "bad_zip") from None
    tmp = Path(tempfile.mkdtemp(prefix=f".prelabel-zip-{os.getpid()}-"))
    try:
        total = 0
        with zf:
            for info in zf.infolist():
                if info.is_dir():
                    continue
                member = f"{where}!{info.filename}"
                parts = _safe_parts(info.filename)
                if parts is None or not parts:
                    report.warn("zip_member_refused", "the member's name leaves the archive's folder (absolute or "
                                "'..'): not unpacked", member)
                    continue
                check_member(info, member)
                image = _is_image(parts)
                total += min(info.file_size, IMAGE_HEAD_BYTES) if image else info.file_size
                if total > MAX_UNPACKED:
                    raise InputError(f"the archive unpacks to more than {MAX_UNPACKED >> 30} GiB of annotation "
                                     "files; unpack it yourself and convert the folder", where, "zip_too_large")
                target = tmp.joinpath(*parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                try:
                    with zf.open(info) as src:
                        _copy(src, target, IMAGE_HEAD_BYTES if image else None)
                except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError) as exc:
                    raise InputError(f"cannot read the zip member: {exc}", member, "bad_zip") from None
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def archive_locations(report: Report, scene: Scene, folder: Path, archive: Path, start: int = 0) -> None:
    """Name the files of ``folder`` inside ``archive`` in the report's issues (from ``start`` on) and in
    the scene's sources (which later messages quote)."""
    prefix = str(folder) + os.sep
    inside = f"{archive}!"
    report.issues[start:] = [replace(i, location=i.location.replace(prefix, inside)) if prefix in i.location else i
                             for i in report.issues[start:]]
    for seq in scene.sequences:
        for track in seq.box_tracks:
            track.source_prefix = track.source_prefix.replace(prefix, inside)
        for frame in seq.frames:
            frame.source = frame.source.replace(prefix, inside)
            if frame.boxes is not None:
                frame.boxes.source_prefix = frame.boxes.source_prefix.replace(prefix, inside)
            for obj in frame.objects:
                obj.source = obj.source.replace(prefix, inside)


def archive_message(exc: InputError, folder: Path, archive: Path) -> InputError:
    """``exc`` with paths inside ``folder`` named inside ``archive``."""
    prefix = str(folder) + os.sep
    if prefix not in exc.message and prefix not in (exc.location or ""):
        return exc
    err = type(exc).__new__(type(exc))
    InputError.__init__(err, exc.message.replace(prefix, f"{archive}!"),
                        (exc.location or "").replace(prefix, f"{archive}!") or None, exc.code)
    return err
