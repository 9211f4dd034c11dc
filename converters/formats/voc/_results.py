"""Pascal VOC detection result files, as the devkit writes them.

File name ``<comp>_det_<set>_<class>.txt`` (e.g. ``comp4_det_test_car.txt``): the class is known
only from the name. With ``--image-set SET`` the part after ``<comp>_det_SET_`` is the class (so
classes and sets may contain underscores); without it the set is taken to end at the first
underscore. ``--label NAME`` gives the class of a file whose name does not follow the pattern (and
overrides it when it does).

Lines ``<image id> <confidence> <xmin> <ymin> <xmax> <ymax>``, whitespace-separated, 1-based
inclusive pixel indices like the annotations (``--voc-zero-based`` for 0-based writers); floats
kept as floats; the confidence goes to ``SceneObject.confidence`` as written (VOC scores need not
lie in [0, 1]). Blank lines are ignored. Each other line is one record; skipped with a reason code
at ``file:line``: ``wrong_field_count``, ``bad_number``, ``unknown_image`` (the id is not in
``--images``), ``image_size_unknown``, the box codes of :func:`._values.edge_box`.

Image sizes come from ``--images``: a VOC root (``Annotations/*.xml`` ``<size>``, else the
``JPEGImages/`` header), a folder of annotation XMLs and/or images, or single files. Detections of
one image (from every class file) share one frame: one still sequence named by the image id;
when an annotation XML of the same id is among the inputs, its frame receives the detections.
Sizes are read from the annotation headers only (:func:`._parse.read_header`), once per image.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from ...errors import InputError, Report, UsageError
from ...model import Box, Frame, SceneObject, Sequence
from .._images import IMG_EXTS
from .._numbers import parses_as_float
from ._files import read_bytes
from ._image_sizes import image_header_size, is_voc_root
from ._parse import read_header
from ._values import Skip, edge_box

_INF = float("inf")
_NAN = float("nan")

#: an image id's (file name, width, height, the file it was read from)
ImageInfo = tuple[str, float, float, str]


def result_label(path: Path, image_set: str | None, label: str | None) -> str:
    """The class of a result file: ``--label``, else from ``<comp>_det_<set>_<class>.txt``."""
    if label:
        return label
    stem = path.name[:-4] if path.name.endswith(".txt") else path.name
    comp, sep, rest = stem.partition("_det_")
    if sep and comp and rest:
        if image_set:
            if rest.startswith(image_set + "_") and len(rest) > len(image_set) + 1:
                return rest[len(image_set) + 1 :]
        else:
            _set, sep2, cls = rest.partition("_")
            if sep2 and _set and cls:
                return cls
    want = f"<comp>_det_{image_set or '<set>'}_<class>.txt"
    raise InputError(
        f"cannot tell the class of this result file from its name (expected {want}); pass --label NAME",
        str(path),
    )


class ImageCatalog:
    """Image ids known from ``--images`` and their sizes, resolved lazily and cached."""

    def __init__(self, paths: Iterable[Path]) -> None:
        self.xmls: dict[str, str] = {}
        self.images: dict[str, str] = {}
        self._cache: dict[str, ImageInfo | None] = {}
        for p in paths:
            self._add(Path(p))

    def _add(self, p: Path) -> None:
        if is_voc_root(p):
            self._scan(p / "Annotations", recursive=False)
            self._scan(p / "JPEGImages", recursive=False)
        elif p.is_dir():
            self._scan(p, recursive=True)
        elif p.is_file():
            self._file(str(p), p.name)
        else:
            raise UsageError(f"--images {p} does not exist")

    def _scan(self, folder: Path, recursive: bool) -> None:
        if not folder.is_dir():
            return
        for dirpath, dirnames, filenames in os.walk(folder):
            if not recursive:
                dirnames.clear()
            dirnames.sort()
            for name in sorted(filenames):
                self._file(os.path.join(dirpath, name), name)

    def _file(self, path: str, name: str) -> None:
        stem, dot, ext = name.rpartition(".")
        if not dot:
            return
        if ext.lower() == "xml":
            self.xmls.setdefault(stem, path)
        elif ext.lower() in IMG_EXTS:
            self.images.setdefault(stem, path)

    def __contains__(self, image_id: str) -> bool:
        return image_id in self.xmls or image_id in self.images

    def info(self, image_id: str) -> ImageInfo | None:
        """(file name, width, height, source file) of a known id; None when its size cannot be found."""
        try:
            return self._cache[image_id]
        except KeyError:
            pass
        file_name = image_id + ".jpg"
        size: tuple[float, float] | None = None
        source = ""
        xml = self.xmls.get(image_id)
        if xml is not None:
            name, size = read_header(xml)
            file_name = name or file_name
            source = xml
        img = self.images.get(image_id)
        if img is not None:
            if xml is None:
                file_name = os.path.basename(img)
            if size is None:
                size = image_header_size(Path(img))
                source = img
        found = (file_name, float(size[0]), float(size[1]), source) if size is not None else None
        self._cache[image_id] = found
        return found


class ResultReader:
    """Reads result files into frames keyed by image id (shared with the annotation frames)."""

    def __init__(
        self,
        catalog: ImageCatalog,
        offset: float,
        report: Report,
        frames: dict[str, Frame],
        sequences: list[Sequence],
        labels: dict[str, None],
    ) -> None:
        self.catalog = catalog
        self.offset = offset
        self.report = report
        self.frames = frames
        self.sequences = sequences
        self.labels = labels

    def read(self, path: Path, label: str) -> None:
        data = read_bytes(path)
        try:
            content = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(f"not UTF-8 text (byte {exc.start}): not a VOC result file", str(path)) from None
        report = self.report
        where = str(path)
        frames = self.frames
        offset = self.offset
        records = objects = 0
        for lineno, line in enumerate(content.split("\n"), 1):
            fields = line.split()
            if not fields:
                continue
            records += 1
            source = f"{where}:{lineno}"
            frame = frames.get(fields[0])
            try:
                if frame is None or len(fields) != 6:
                    obj, frame = self._line(fields, label, source)
                else:  # the common case: a known frame; same checks as _line
                    try:
                        score = float(fields[1])
                        xmin, ymin = float(fields[2]), float(fields[3])
                        xmax, ymax = float(fields[4]), float(fields[5])
                    except ValueError:
                        xmin = ymin = xmax = ymax = score = _NAN
                    x1 = xmin - offset
                    y1 = ymin - offset
                    # edge_box's rules inlined for speed; anything unusual (NaN fails every
                    # comparison) goes through _line, which raises the precise skip
                    if (
                        -_INF < score < _INF and xmin <= xmax and ymin <= ymax
                        and -_INF < x1 < xmax < _INF and -_INF < y1 < ymax < _INF
                        and xmax > 0 and ymax > 0 and x1 < frame.width and y1 < frame.height
                    ):  # fmt: skip
                        obj = SceneObject(label, Box(x1, y1, xmax, ymax), score, None, None, source)
                    else:
                        obj, frame = self._line(fields, label, source)
            except Skip as s:
                report.skip(s.code, s.message, source)
                continue
            if frame.boxes is not None:  # the image's annotated boxes, kept as columns, come first
                frame.expand_boxes()
            frame.objects.append(obj)
            objects += 1
        report.records_read += records
        report.objects_read += objects
        if objects:
            self.labels.setdefault(label, None)

    def _line(self, fields: list[str], label: str, source: str) -> tuple[SceneObject, Frame]:
        """One result line, checked step by step; the frame is created for a new image id."""
        if len(fields) != 6:
            raise Skip(
                "wrong_field_count",
                f"expected 6 fields (image_id score xmin ymin xmax ymax), got {len(fields)}",
            )
        image_id = fields[0]
        try:
            score = float(fields[1])
            xmin, ymin, xmax, ymax = float(fields[2]), float(fields[3]), float(fields[4]), float(fields[5])
        except ValueError:
            bad = ", ".join(repr(f) for f in fields[1:] if not parses_as_float(f))
            raise Skip("bad_number", f"a value is not a number: {bad}") from None
        if score - score != 0:
            raise Skip("bad_number", f"score {fields[1]!r} is not finite")
        frame = self.frames.get(image_id)
        info: ImageInfo | None = None
        if frame is None:
            if image_id not in self.catalog:
                raise Skip("unknown_image", f"image {image_id!r} is not in --images")
            info = self.catalog.info(image_id)
            if info is None:
                raise Skip(
                    "image_size_unknown",
                    f"image {image_id!r}: size unknown (no <size> in its annotation and no readable image)",
                )
            width, height = info[1], info[2]
        else:
            width, height = frame.width, frame.height
        box = edge_box(xmin, ymin, xmax, ymax, self.offset, width, height)
        if frame is None:
            assert info is not None
            frame = Frame(image_id, info[0], info[1], info[2], 0, [], info[3])
            self.frames[image_id] = frame
            self.sequences.append(Sequence(image_id, [frame], is_video=False))
        return SceneObject(label, box, score, None, None, source), frame


