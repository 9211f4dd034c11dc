"""Pascal VOC reader: annotation XML, detection result files, segmentation masks.

Inputs (``prelabel convert PATH... --from voc``), in any mix:

- a VOC root (a folder with ``Annotations/``): every ``Annotations/*.xml`` in name order, or with
  ``--image-set NAME`` the ids of ``ImageSets/Main/NAME.txt`` (else ``Segmentation/``, ``Layout/``,
  ``Action/``; first token per line, blank and ``#`` lines ignored; ids without an XML are counted
  in one ``missing_annotation`` warning). Masks come from ``SegmentationObject/`` (see
  :mod:`.voc_masks`); image headers from ``JPEGImages/``.
- any other folder: every ``*.xml`` below it (Roboflow and Kaggle layouts with the XML next to the
  image, split sub-folders) and every ``*_det_*.txt`` result file; or single ``.xml`` / ``.txt`` files.
- detection result files ``<comp>_det_<set>_<class>.txt`` need ``--images`` (see :mod:`.voc_results`).

Coordinates: VOC box values are 1-based inclusive pixel indices ("the top-left pixel is (1, 1)").
The devkit rule gives the pixel-edge box ``(xmin - 1, ymin - 1, xmax, ymax)``, so a box
``xmin=1, xmax=3`` covers pixels 1..3, i.e. edges 0..3, 3 px wide (the devkit's ``xmax - xmin + 1``).
``--voc-zero-based`` (files written 0-based by tools that forget the +1) gives ``(xmin, ymin, xmax,
ymax)``. Floats are kept as floats, never truncated. ``<bndbox>`` children may come in any order.
Nothing in a file tells the two apart, but a value below 1 cannot occur in a 1-based file: such
boxes are converted as read (the builder clamps them) and counted in one
``voc_coordinate_below_one`` warning suggesting ``--voc-zero-based``.

Frames: one still sequence per annotation file, named after the XML's path relative to the input
folder (or ``Annotations/``) without ``.xml``; ``Frame.id`` = the XML's stem (the VOC image id);
``Frame.file_name`` = ``<filename>`` (else ``<id>.jpg``). Image size: ``<size>`` when both values
are positive numbers; else the header of the image (``JPEGImages/``, the XML's folder, ``--images``
folders; found by ``<filename>`` or id; Pillow reads the header only), else the size of the
SegmentationObject/Class PNG; else every object of the file is skipped as ``image_size_unknown``,
and a file without objects is left out with an ``image_size_unknown`` warning (a frame needs a size).

Records: every ``<object>`` and every ``<part>`` is one record.

- label ``<name>`` (stripped); none -> ``missing_label``. A label outside ``--label-set`` is the
  select stage's ``unknown_label``, as for every reader.
- ``truncated``, ``occluded``, ``difficult``: present -> "Yes" (``1``, also ``true``/``yes``) or "No"
  (anything else, as the devkit reads them); absent -> not emitted (the file says nothing, and an
  invented "No" would pre-fill the annotator's answer).
- ``pose``: its text, except ``Unspecified`` and empty (the devkit's "no view"), which are omitted.
- ``<actions><jumping>1</jumping>...`` -> one attribute per action, "Yes"/"No".
- ``<attributes><attribute><name>N</name><value>V</value>`` (CVAT's VOC export) -> attribute N = V,
  with ``true``/``false`` as "Yes"/"No" (C10).
- ``<score>`` or ``<confidence>`` (written by some detectors) -> ``SceneObject.confidence``.
- ``<part>`` (person layout: head, hand, foot): its own box, labelled by the part's name, attribute
  ``parent`` = the parent's label and 1-based object number, e.g. ``"person #2"``; parsed with the
  object rules and kept even when its parent object is skipped.
- skips: ``bbox_missing``, ``bbox_missing_value``, ``bad_number``, ``bbox_inverted`` (xmin > xmax or
  ymin > ymax), ``bbox_non_positive``, ``bbox_outside_image`` (no overlap with the image; a box
  partly outside is kept and clamped by the builder), located ``file:line:col <object k>``.

Masks (VOC root only): instance k of ``SegmentationObject/<id>.png`` becomes the geometry of the
k-th ``<object>``, its box kept as an alternate; see :mod:`.voc_masks`.

Parsing: plain files (no DTD, UTF-8/ASCII/Latin-1, objects made of name, pose, truncated, occluded,
difficult, bndbox and score/confidence only, no attributes, comments or entities in them) take a
fast path: :func:`._plain.plain_split` checks and splits them with one regular expression and
the boxes are read in one loop, with no element tree, into columns (:class:`~converters.model.FrameBoxes`,
no object per box; boxes with a score become objects); a file the fast path cannot read exactly
(anything unusual, or any record that would be skipped) is read as every other file is, by
:func:`._parse.parse_xml` (C ElementTree for files without a DTD, the hardened defusedxml parser
otherwise; same refusals and messages), so results, messages and locations are the same either way.
Skip locations get their line and column from a second, light pass over the file, made only when a
file has a skipped record. Plain objects with the same flag texts share one attribute dict.

Structural errors stop the run: unreadable or malformed XML (line and column), a DTD declaring
entities or external references (hardened parsing), a root element other than ``<annotation>``.
"""

from __future__ import annotations

import argparse
import os
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from ... import fast_paths
from ...errors import InputError, Report, UsageError
from ...input_files import is_special_file
from ...model import Box, Frame, FrameBoxes, Scene, SceneObject, Sequence
from ...option_names import opt
from .._image_sizes_file import ImageSizes
from .._images import strip_media_ext
from .._options import ReaderOptions, path_tuple
from ._files import read_ahead, read_bytes
from ._image_sizes import ImageIndex, image_header_size, is_voc_root, voc_root_of
from ._masks import MaskReader
from ._parse import element_positions, parse_xml
from ._plain import PlainFile, plain_flag_texts, plain_split
from ._results import ImageCatalog, ResultReader, result_label
from ._values import Skip, box_values, edge_box, flag, parse_size

_FLAGS = frozenset({"truncated", "occluded", "difficult"})
_FLAG_VALUES = {"0": "No", "1": "Yes"}
_INF = float("inf")
_IMAGE_SET_DIRS = ("Main", "Segmentation", "Layout", "Action")
_ATTR_CACHE_SIZE = 4096

#: one annotation file to read: (path, sequence name, VOC root or None)
XmlItem = tuple[str, str, "Path | None"]


# ---------------------------------------------------------------------------------------------
# Discovery
# ---------------------------------------------------------------------------------------------


def _walk(folder: Path, suffix: str, report: Report) -> list[str]:
    """Regular files below ``folder`` ending with ``suffix``, in sorted (path) order; anything else
    of that name (a FIFO, socket, device, or a link to one) is warned ``not_regular_file``."""
    out: list[str] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for n in sorted(filenames):
            if n.lower().endswith(suffix):
                path = os.path.join(dirpath, n)
                if not is_special_file(path):
                    out.append(path)
                else:
                    report.warn("not_regular_file", "not a regular file (a FIFO, socket or device): skipped", path)
    return out


def _image_set_ids(root: Path, name: str) -> list[str]:
    for sub in _IMAGE_SET_DIRS:
        path = root / "ImageSets" / sub / f"{name}.txt"
        if path.is_file():
            ids = []
            for line in path.read_text(encoding="utf-8-sig", errors="replace").splitlines():
                fields = line.split()
                if fields and not fields[0].startswith("#"):
                    ids.append(fields[0])
            return ids
    known = sorted({p.stem for sub in _IMAGE_SET_DIRS for p in (root / "ImageSets" / sub).glob("*.txt")})
    raise UsageError(
        f"--image-set {name}: no ImageSets/{{Main,Segmentation,Layout,Action}}/{name}.txt in {root}"
        + (f"; known sets: {', '.join(known[:20])}" if known else "")
    )


def _root_items(root: Path, image_set: str | None, report: Report) -> list[XmlItem]:
    ann = root / "Annotations"
    if image_set is None:
        names = sorted(n for n in os.listdir(ann) if n.lower().endswith(".xml"))
        return [(os.path.join(ann, n), n[:-4], root) for n in names]
    items: list[XmlItem] = []
    missing: list[str] = []
    for image_id in _image_set_ids(root, image_set):
        path = ann / f"{image_id}.xml"
        if path.is_file():
            items.append((str(path), image_id, root))
        else:
            missing.append(image_id)
    if missing:
        report.warn(
            "missing_annotation",
            f"{len(missing)} id(s) of image set {image_set!r} have no annotation XML "
            f"(e.g. {', '.join(missing[:5])}); nothing to convert for them",
            str(root / "ImageSets"),
            len(missing),
        )
    return items


def _folder_items(folder: Path, found: list[str]) -> list[XmlItem]:
    """Items for XML files found below a folder: named by their path relative to it."""
    prefix = os.path.join(str(folder), "")
    items: list[XmlItem] = []
    roots: dict[str, Path | None] = {}  # one Path per folder, not per file
    for f in found:
        rel = f[len(prefix) :] if f.startswith(prefix) else os.path.relpath(f, folder)
        parent = os.path.dirname(f)
        if parent not in roots:
            roots[parent] = Path(parent).parent if os.path.basename(parent) == "Annotations" else None
        items.append((f, rel[:-4].replace(os.sep, "/"), roots[parent]))
    return items


def discover(inputs: list[Path], image_set: str | None, report: Report) -> tuple[list[XmlItem], list[Path]]:
    """Annotation files and result files named by ``inputs``, in input order."""
    xmls: list[XmlItem] = []
    results: list[Path] = []
    for p in inputs:
        if not p.exists():
            raise UsageError(f"input {p} does not exist")
        if is_voc_root(p):
            xmls += _root_items(p, image_set, report)
            continue
        if p.is_dir():
            found = _walk(p, ".xml", report)
            if found and image_set is not None:
                raise UsageError(f"--image-set selects ids of a VOC root (with Annotations/); {p} is not one")
            xmls += _folder_items(p, found)
            det = [Path(f) for f in _walk(p, ".txt", report) if "_det_" in os.path.basename(f)]
            results += det
            if not found and not det:
                raise InputError(
                    "no VOC annotation (*.xml) or detection result (*_det_*.txt) files in this folder", str(p)
                )
        elif p.suffix.lower() == ".xml":
            if image_set is not None:
                raise UsageError(f"--image-set selects ids of a VOC root (with Annotations/); {p} is a file")
            xmls.append((str(p), p.stem, voc_root_of(p)))
        elif p.suffix.lower() == ".txt":
            results.append(p)
        else:
            raise UsageError(
                f"{p}: not a VOC input (expected a folder, .xml annotations or *_det_*.txt results)"
            )
    return xmls, results


# ---------------------------------------------------------------------------------------------
# Annotation files
# ---------------------------------------------------------------------------------------------


class _AnnotationReader:
    def __init__(self, options: VocOptions, report: Report, labels: dict[str, None]) -> None:
        self.offset = 0.0 if options.voc_zero_based else 1.0
        self.report = report
        self.labels = labels
        self.image_index = ImageIndex()
        self.sizes = ImageSizes(Path(options.image_sizes)) if options.image_sizes else ImageSizes()
        self.image_dirs = [
            Path(p) / "JPEGImages" if is_voc_root(Path(p)) else Path(p)
            for p in options.images
            if Path(p).is_dir()
        ]
        self.masks: dict[Path, MaskReader | None] = {}
        self.below_one = 0
        self.below_one_first = ""
        self._plain_flags = _PlainFlags()
        self.fast = fast_paths.enabled()  # plain files split by one regular expression (fast_paths)

    # -- one file ------------------------------------------------------------------------------

    def read(
        self, path: str, name: str, root: Path | None, data: bytes | InputError | None = None
    ) -> Frame | None:
        """The frame of one annotation file (None: left out); ``data``: its bytes if already read."""
        if data is None:
            data = read_bytes(path)
        elif isinstance(data, InputError):
            raise data
        plain = plain_split(data) if self.fast else None
        if plain is not None:
            frame = self._read_plain(path, name, root, plain)
            if frame is not None:
                return frame
        return self._read_parsed(path, name, root, data)

    def _read_parsed(self, path: str, name: str, root: Path | None, data: bytes) -> Frame | None:
        """Any annotation file: parsed into elements; every record rule and skip applies."""
        ann = parse_xml(path, data)
        if ann.tag != "annotation":
            raise InputError(
                f"not a Pascal VOC annotation: the root element is <{ann.tag}>, expected <annotation>", path
            )
        stem = name.rpartition("/")[2]
        filename = (ann.findtext("filename") or "").strip()
        size = parse_size(ann.find("size")) or self._size_from_files(Path(path), root, filename, stem)
        objs = ann.findall("object")
        if size is None:
            self._no_size(path, data, objs)
            return None
        width, height = size
        objects: list[SceneObject] = []
        by_index: list[SceneObject | None] = []
        records = len(objs)
        positions: list[tuple[int, int, list[tuple[int, int]]]] | None = None
        parts: list[ET.Element] = []
        make = self._object
        for k, obj in enumerate(objs, 1):
            try:
                so = make(obj, k, path, width, height, parts)
                objects.append(so)
                by_index.append(so)
            except Skip as s:
                positions = positions if positions is not None else element_positions(data)
                self.report.skip(s.code, s.message, _where(path, positions, k))
                by_index.append(None)
            if parts:
                records += len(parts)
                parent = _parent_name(obj, k)
                for j, part in enumerate(parts, 1):
                    try:
                        objects.append(self._part(part, k, j, parent, path, width, height))
                    except Skip as s:
                        positions = positions if positions is not None else element_positions(data)
                        self.report.skip(s.code, s.message, _where(path, positions, k, j))
                parts.clear()
        self.report.records_read += records
        self.report.objects_read += len(objects)
        return self._frame(stem, filename, width, height, objects, by_index, path, root)

    def _frame(
        self,
        stem: str,
        filename: str,
        width: float,
        height: float,
        objects: list[SceneObject],
        by_index: list[SceneObject | None] | None,
        path: str,
        root: Path | None,
        boxes: FrameBoxes | None = None,
    ) -> Frame:
        """The frame of one file's objects, or of its column-stored ``boxes`` (records already
        counted); masks applied; labels noted.

        ``by_index``: the object of each ``<object>`` (None when skipped); None means ``objects``.
        """
        frame = Frame(stem, filename or f"{stem}.jpg", width, height, 0, objects, path, boxes)
        if root is not None:
            masks = self._masks(root)
            if masks is not None and masks.has_masks(stem):
                frame.expand_boxes()  # masks are matched to objects by their index
                index: list[SceneObject | None] = list(frame.objects) if by_index is None else by_index
                masks.apply(stem, frame, index, self.labels)  # counts the instances it adds
        labels = self.labels
        if frame.boxes is not None:
            for label in frame.boxes.labels:
                if label not in labels:
                    labels[label] = None
        for o in frame.objects:
            if o.label not in labels:
                labels[o.label] = None
        return frame

    # -- plain files (fast path) ---------------------------------------------------------------

    def _read_plain(self, path: str, name: str, root: Path | None, plain: PlainFile) -> Frame | None:
        """A file :func:`plain_split` accepted; None (and nothing done) when any record or the
        size needs the full rules, so that :meth:`_read_parsed` reports it exactly as always.
        Boxes without a score are kept as columns (:class:`~converters.model.FrameBoxes`)."""
        filename, size, parts = plain
        if size is None:
            return None
        width, height = size
        columns = self._plain_columns(parts, path, width, height)
        if columns is None:
            return None
        boxes, confidences = columns
        n = len(boxes)
        self.report.records_read += n
        self.report.objects_read += n
        stem = name.rpartition("/")[2]
        if confidences is None:
            return self._frame(stem, filename, width, height, [], None, path, root, boxes)
        objects = [SceneObject(label, boxes.box(k), conf, attrs, None, boxes.source(k))
                   for k, (label, attrs, conf) in enumerate(zip(boxes.labels, boxes.attributes, confidences))]
        return self._frame(stem, filename, width, height, objects, None, path, root)

    def _plain_columns(
        self, parts: list[str], path: str, width: float, height: float
    ) -> tuple[FrameBoxes, list[float | None] | None] | None:
        """The boxes of :func:`plain_split`'s list under :meth:`_object`'s rules, and their
        confidences (None when no box has one); None, with nothing reported, when any record would
        be skipped (the full parse then reports it)."""
        offset = self.offset
        flags = self._plain_flags
        boxes = FrameBoxes(f"{path} <object ", ">")
        labels: list[str] = boxes.labels
        add_label = labels.append
        add_coords = boxes.coords.extend
        add_attrs = boxes.attributes.append
        confidences: list[float | None] | None = None
        low: list[int] = []
        it = iter(parts)
        next(it)
        # 10 items per object: the 9 groups and the text before the next object (checked empty)
        rows = zip(it, it, it, it, it, it, it, it, it, it)
        for k, (name, before, sx1, sy1, sx2, sy2, score, conf, after, _) in enumerate(rows):
            label = name.strip()
            if not label:
                return None
            try:
                xmin, ymin, xmax, ymax = float(sx1), float(sy1), float(sx2), float(sy2)
            except ValueError:
                return None
            x1 = xmin - offset
            y1 = ymin - offset
            # _object's fast test (NaN fails every comparison)
            if not (
                xmin <= xmax
                and ymin <= ymax
                and -_INF < x1 < xmax < _INF
                and -_INF < y1 < ymax < _INF
                and (xmax > 0 and ymax > 0 and x1 < width and y1 < height)
            ):
                return None
            if offset and (xmin < 1 or ymin < 1):
                low.append(k)
            if score is not None or conf is not None:
                try:
                    confidence = float(score if score is not None else conf)
                except ValueError:
                    return None
                if confidence - confidence != 0:  # _confidence's non-finite skip
                    return None
                if confidences is None:
                    confidences = [None] * k
                confidences.append(confidence)
            elif confidences is not None:
                confidences.append(None)
            add_label(label)
            add_coords((x1, y1, xmax, ymax))
            add_attrs(flags[before] if not after else flags[(before, after)])
        for k in low:
            self._below_one(boxes.source(k))
        return boxes, confidences

    def _object(
        self, obj: ET.Element, k: int, path: str, width: float, height: float, parts: list[ET.Element]
    ) -> SceneObject:
        label = None
        attrs: dict[str, str | list[str]] = {}
        bndbox = None
        confidence = None
        for c in obj:
            t = c.tag
            if t == "bndbox":
                bndbox = c
            elif t == "name":
                label = c.text
            elif t == "pose":
                pose = (c.text or "").strip()
                if pose and pose != "Unspecified":
                    attrs["pose"] = pose
            elif t in _FLAGS:
                v = c.text
                attrs[t] = _FLAG_VALUES.get(v) or flag(v)  # type: ignore[arg-type]
            elif t == "part":
                parts.append(c)
            elif t == "actions":
                for a in c:
                    attrs[a.tag] = flag(a.text)
            elif t == "attributes":
                self._cvat_attributes(c, attrs, path)
            elif t == "score" or t == "confidence":
                confidence = _confidence(c)
        label = label.strip() if label else None
        if not label:
            raise Skip("missing_label", f"object {k} has no <name>")
        if bndbox is None:
            raise Skip("bbox_missing", f"object {k} has no <bndbox>")
        f = bndbox.findtext
        try:
            xmin, ymin, xmax, ymax = float(f("xmin")), float(f("ymin")), float(f("xmax")), float(f("ymax"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            xmin, ymin, xmax, ymax = box_values(bndbox, f"object {k}")  # raises the precise Skip
        offset = self.offset
        x1 = xmin - offset
        y1 = ymin - offset
        # fast path of edge_box (same rules; NaN fails every comparison and goes to edge_box)
        if (
            xmin <= xmax
            and ymin <= ymax
            and -_INF < x1 < xmax < _INF
            and -_INF < y1 < ymax < _INF
            and (xmax > 0 and ymax > 0 and x1 < width and y1 < height)
        ):
            box = Box(x1, y1, xmax, ymax)
        else:
            box = edge_box(xmin, ymin, xmax, ymax, offset, width, height)
        if offset and (xmin < 1 or ymin < 1):
            self._below_one(f"{path} <object {k}>")
        return SceneObject(label, box, confidence, attrs or None, None, f"{path} <object {k}>")

    def _part(
        self, part: ET.Element, k: int, j: int, parent: str, path: str, width: float, height: float
    ) -> SceneObject:
        label = (part.findtext("name") or "").strip()
        what = f"part {j} of object {k}"
        if not label:
            raise Skip("missing_label", f"{what} has no <name>")
        xmin, ymin, xmax, ymax = box_values(part.find("bndbox"), what)
        box = edge_box(xmin, ymin, xmax, ymax, self.offset, width, height)
        if (xmin < 1 or ymin < 1) and self.offset:
            self._below_one(f"{path} <object {k}> <part {j}>")
        return SceneObject(label, box, None, {"parent": parent}, None, f"{path} <object {k}> <part {j}>")

    def _cvat_attributes(self, elem: ET.Element, attrs: dict[str, str | list[str]], path: str) -> None:
        for a in elem:
            name = (a.findtext("name") or "").strip()
            if not name:
                self.report.warn("attribute_without_name", "an <attribute> without <name> was ignored", path)
                continue
            value = (a.findtext("value") or "").strip()
            low = value.lower()
            attrs[name] = "Yes" if low == "true" else "No" if low == "false" else value

    def _below_one(self, where: str) -> None:
        """Counts boxes with xmin or ymin < 1: impossible under the 1-based rule (hint for 0-based files)."""
        if not self.below_one:
            self.below_one_first = where
        self.below_one += 1

    def finish(self) -> None:
        if self.below_one:
            self.report.warn(
                "voc_coordinate_below_one",
                f"{self.below_one} box(es) have xmin or ymin below 1, impossible under the devkit's 1-based "
                "rule (the first is here): if the files were written 0-based, convert with --voc-zero-based",
                self.below_one_first,
                self.below_one,
            )

    # -- sizes ---------------------------------------------------------------------------------

    def _size_from_files(
        self, p: Path, root: Path | None, filename: str, stem: str
    ) -> tuple[float, float] | None:
        listed = self.sizes.find([], [strip_media_ext(filename)], stem)
        if listed is not None:  # image_sizes: after the annotation's own <size>, before any image header
            return listed[0], listed[1]
        folders = ([root / "JPEGImages"] if root is not None else []) + [p.parent, *self.image_dirs]
        img = self.image_index.find(folders, (filename, stem))
        size = image_header_size(img) if img is not None else None
        if size is None and root is not None:
            for sub in ("SegmentationObject", "SegmentationClass"):
                png = root / sub / f"{stem}.png"
                size = image_header_size(png) if png.is_file() else None
                if size is not None:
                    break
        return (float(size[0]), float(size[1])) if size is not None else None

    def _no_size(self, path: str, data: bytes, objs: list[ET.Element]) -> None:
        why = ("image size unknown: no usable <size> in the annotation, no image found to read it from and no "
               f"{opt('image_sizes')} entry")
        if not objs:
            self.report.warn("image_size_unknown", f"{why}; the image has no objects and is left out", path)
            return
        positions = element_positions(data)
        for k, obj in enumerate(objs, 1):
            self.report.records_read += 1
            self.report.skip("image_size_unknown", why, _where(path, positions, k))
            for j, _part in enumerate(obj.findall("part"), 1):
                self.report.records_read += 1
                self.report.skip("image_size_unknown", why, _where(path, positions, k, j))

    def _masks(self, root: Path) -> MaskReader | None:
        if root not in self.masks:
            reader = MaskReader(root, self.report)
            self.masks[root] = reader if (reader.objects or reader.classes) else None
        return self.masks[root]


def _confidence(elem: ET.Element) -> float:
    raw = (elem.text or "").strip()
    try:
        v = float(raw)
    except ValueError:
        raise Skip("bad_number", f"<{elem.tag}> {raw!r} is not a number") from None
    if v - v != 0:
        raise Skip("bad_number", f"<{elem.tag}> {raw!r} is not finite")
    return v


class _PlainFlags(dict[Any, "dict[str, str | list[str]] | None"]):
    """Attributes of plain objects by their flag texts (:func:`plain_split`'s groups before the box,
    or (before, after) when a ``<difficult>`` follows the box), as :meth:`_AnnotationReader._object`
    makes them.

    One dict is shared by all the objects with the same texts: the stages after the reader never
    mutate attributes. At most :data:`_ATTR_CACHE_SIZE` entries are kept.
    """

    def __missing__(self, key: str | tuple[str, str]) -> dict[str, str | list[str]] | None:
        before, after = (key, "") if isinstance(key, str) else key
        pose, truncated, occluded, difficult = plain_flag_texts(before, after)
        attrs: dict[str, str | list[str]] = {}
        if pose is not None:
            pose = pose.strip()
            if pose and pose != "Unspecified":
                attrs["pose"] = pose
        for name, v in (("truncated", truncated), ("occluded", occluded), ("difficult", difficult)):
            if v is not None:
                attrs[name] = _FLAG_VALUES.get(v) or flag(v)
        value = attrs or None
        if len(self) < _ATTR_CACHE_SIZE:
            self[key] = value
        return value


def _parent_name(obj: ET.Element, k: int) -> str:
    label = (obj.findtext("name") or "").strip() or "object"
    return f"{label} #{k}"


def _where(path: str, positions: list[tuple[int, int, list[tuple[int, int]]]], k: int, j: int = 0) -> str:
    """``file:line:col <object k>`` (or ``<part j>`` of it) for a skipped record."""
    if k <= len(positions):
        line, col, parts = positions[k - 1]
        if j and j <= len(parts):
            pl, pc = parts[j - 1]
            return f"{path}:{pl}:{pc} <object {k}> <part {j}>"
        if not j:
            return f"{path}:{line}:{col} <object {k}>"
    return f"{path} <object {k}>" + (f" <part {j}>" if j else "")


# ---------------------------------------------------------------------------------------------
# The reader
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VocOptions(ReaderOptions):
    """Options of the Pascal VOC reader (CLI flags of the same names with dashes)."""

    reader: ClassVar[str] = "voc"
    #: VOC root, annotation folder or image folder: image sizes for result files, image headers
    images: tuple[str, ...] = ()
    #: boxes written 0-based (edges xmin, ymin, xmax, ymax) instead of the devkit's 1-based rule
    voc_zero_based: bool = False
    #: VOC root: only the ids of ImageSets/Main/NAME.txt; result files: the <set> in their names
    image_set: str | None = None
    #: result files: the class of files not named <comp>_det_<set>_<class>.txt
    label: str | None = None
    #: JSON {image path: [width, height]} for files without <size> whose image is not at hand
    image_sizes: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "images", path_tuple(self.images, "images"))
        object.__setattr__(self, "voc_zero_based", bool(self.voc_zero_based))


class VocReader:
    name = "voc"
    summary = "Pascal VOC: annotation XML (devkit 1-based boxes), detection result files, segmentation PNGs"
    variants = (
        "VOC root: Annotations/*.xml, or with --image-set NAME the ids of ImageSets/Main/NAME.txt",
        "folder of *.xml, XML next to the images (Roboflow, Kaggle, LabelImg), split sub-folders",
        "boxes 1-based inclusive (devkit: edges xmin-1, ymin-1, xmax, ymax); --voc-zero-based: 0-based files",
        "<size> or the image header (JPEGImages/, XML folder, --images); floats kept",
        "truncated/occluded/difficult/pose, <actions>, CVAT <attributes> -> attributes; <part> -> own box",
        "SegmentationObject/<id>.png (+ SegmentationClass): instance k -> polygon of the k-th <object>",
        "detection results <comp>_det_<set>_<class>.txt (1-based, with scores); sizes from --images",
        "a .zip of an export; sizes from <size>, then --image-sizes, then the image header",
    )

    def add_arguments(self, group: argparse._ArgumentGroup) -> None:
        group.add_argument(
            "--voc-zero-based",
            action="store_true",
            help="VOC boxes are 0-based (edges xmin, ymin, xmax, ymax) instead of the devkit's 1-based rule",
        )
        group.add_argument(
            "--image-set",
            metavar="NAME",
            help="VOC root: only the ids of ImageSets/Main/NAME.txt; result files: the <set> in the name",
        )
        group.add_argument(
            "--label",
            metavar="NAME",
            help="VOC result files: the class, for files not named <comp>_det_<set>_<class>.txt",
        )

    options_type = VocOptions

    def read(self, inputs: list[Path], options: VocOptions | Mapping[str, Any] | None, report: Report) -> Scene:
        options = VocOptions.from_mapping(options)
        image_set = options.image_set
        xmls, results = discover([Path(p) for p in inputs], image_set, report)
        labels: dict[str, None] = {}
        sequences: list[Sequence] = []
        frames: dict[str, Frame] = {}
        ann = _AnnotationReader(options, report, labels)
        for (path, name, root), data in zip(xmls, read_ahead([x[0] for x in xmls]), strict=True):
            frame = ann.read(path, name, root, data)
            if frame is not None:
                sequences.append(Sequence(name, [frame], is_video=False))
                frames.setdefault(frame.id, frame)
        ann.finish()
        if results:
            self._results(results, options, report, ann, frames, sequences, labels)
        return Scene(sequences, list(labels), "voc")

    def _results(
        self,
        files: list[Path],
        options: VocOptions,
        report: Report,
        ann: _AnnotationReader,
        frames: dict[str, Frame],
        sequences: list[Sequence],
        labels: dict[str, None],
    ) -> None:
        images = options.images
        if not images:
            raise UsageError(
                "VOC detection result files need --images (a VOC root, an annotation folder or an image "
                "folder) for the image sizes"
            )
        catalog = ImageCatalog(Path(p) for p in images)
        reader = ResultReader(catalog, ann.offset, report, frames, sequences, labels)
        for path in files:
            reader.read(path, result_label(path, options.image_set, options.label))


READER = VocReader()
