"""YOLO reader: Darknet and Ultralytics label files (datasets and ``save_txt`` predictions).

Coordinates
    Every YOLO value is normalized: pixel-edge x / image width, y / image height, no half-pixel
    shift. The reader multiplies by the image size (x * W, y * H) to get the scene model's
    pixel-edge floats; a box ``cls xc yc w h`` becomes x1 = (xc - w/2) * W ... y2 = (yc + h/2) * H.
    Values outside [0, 1] are kept (the Playment builder clamps and counts them); a file in which
    every row has a value above 1.5 is rejected as "looks like pixel coordinates".

Image sizes
    Label files never hold the image size. It comes from ``--image-sizes FILE`` (JSON
    ``{image path: [w, h]}``, paths relative to the JSON file's folder or absolute; matched by full
    path, then relative path, then a unique file stem; an entry wins over reading the image) or from
    the image header (PNG and JPEG parsed directly, other formats through Pillow; pixels are never
    decoded; JPEG EXIF orientations 5-8 swap width and height, as the model saw the image). Images
    come from the layout, from ``--images``, or from where the label's image would be (``labels``
    -> ``images``). No size -> InputError naming the label file. Video sizes come from
    ``--image-sizes`` (key the video file, e.g. ``clip.mp4``).

Rows (``--yolo-task``, ``--yolo-columns``; trailing columns in the order Ultralytics writes them)
    detect  ``cls xc yc w h [conf] [track]``                    -> Box
    segment ``cls x1 y1 ... xn yn [conf] [track]``              -> Polygon (self-intersections
            repaired with shapely ``make_valid``, warned ``polygon_repaired``)
    pose    ``cls xc yc w h`` + K x ``x y [v]`` ``[conf] [track]`` -> Keypoints (labels 1..K, names
            from ``kpt_names``), the box as an alternate geometry (``--emit rectangle,landmark``)
    obb     ``cls x1 y1 ... x4 y4 [conf] [track]``              -> Polygon of the 4 corners (put in
            ring order if needed, warned ``obb_reordered``), or Box with ``--obb-as rectangle``
    Confidence -> ``SceneObject.confidence``; track id -> ``SceneObject.track_id``.

Column inference
    Without ``--yolo-task``/``--yolo-columns`` the layout is inferred only when the value counts
    leave one reading for the whole file set (a 6-value row is detect + conf or detect + track:
    never guessed). Dataset layouts (``data.yaml``, ``obj.data``) have no trailing columns unless
    ``--yolo-columns`` says so; ``kpt_shape`` (YAML) or ``--kpt-shape`` means pose. Otherwise the
    reader stops and shows the ambiguous row (file:line) and the flags to pass.

Pose keypoint third value
    In a dataset layout with no trailing columns it is the COCO visibility (0 not labelled,
    1 occluded, 2 visible; values are rounded). In prediction output (a plain folder, or rows with
    conf/track columns) it is a keypoint confidence: >= 0.25 (Ultralytics' own drawing threshold)
    -> visible 2, below -> 0 (not emitted). With D=2 a negative coordinate means not labelled.

Frames and sequences
    A still image is one sequence named after its file name (relative to the dataset root, or to the
    ``--images`` folder) without extension, ``Frame.id`` = file stem. Ultralytics video predictions
    ``<video>_<frame>.txt`` (recognised when the video is in ``--images`` or keyed in
    ``--image-sizes``, and no image of that name exists) are one video sequence per video, frames
    in numeric order, ``Frame.id`` = the frame number; frame numbers missing between 1 and the last
    one (frames without detections, for which Ultralytics writes no file) are added as empty frames;
    a video frame's file name is its label path without ``.txt`` (``clip_7``) unless a frame image
    was paired.
    ``--sequence-pattern REGEX`` with groups ``(?P<sequence>...)`` and ``(?P<frame>...)`` (matched
    against the label path without ``.txt``, then its file name) groups other naming schemes.
    Images without a label file and empty label files are frames without objects.

DOTA ``labelTxt`` (Roboflow's "YOLO OBB" export)
    Read, not rejected: ``x1 y1 ... x4 y4 class_name [difficult]`` in absolute pixels, recognised
    by a ``labelTxt`` folder or by the class name in the 9th column; the class name is the label,
    ``difficult`` 0/1 becomes the attribute ``difficult`` = ``No``/``Yes``.

Bad input: a wrong value count for the (declared or inferred) layout is an InputError at
file:line; a non-numeric token, NaN, a class id outside the names, a non-positive box, a polygon
with fewer than 3 points are skipped records (``report.skip``) naming file:line.

Modules: ``_discovery`` (dataset files, folders, lists; label/image pairing), ``_class_names``,
``_keypoints`` (pose shape and names), ``_text_files``, ``_frames`` (sequences, frames, sizes),
``_row_layout`` (row layouts and their inference), ``_rows`` (row parsers); shared with the other
readers: ``formats/_images.py`` (image headers), ``formats/_image_sizes_file.py`` (``image_sizes``).
This module ties them together and is the reader.
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from ...errors import InputError, Report, UsageError
from ...input_files import open_regular
from ...model import Frame, Scene
from .._image_sizes_file import ImageSizes
from .._options import ReaderOptions, choice, path_tuple
from ._class_names import load_names_file
from ._discovery import (
    Dataset,
    Discovery,
    looks_like_list,
    media_index,
    pair,
    rel_to,
)
from ._frames import FramePlanner, Spec
from ._keypoints import parse_kpt_shape
from ._row_layout import (
    COLUMNS,
    TASKS,
    Layout,
    candidate_layouts,
    is_dota_header,
    looks_like_dota,
    show,
    split_lines,
)
from ._rows import LineParser


@dataclass(frozen=True)
class YoloOptions(ReaderOptions):
    """Options of the YOLO reader (CLI flags of the same names with dashes)."""

    reader: ClassVar[str] = "yolo"
    #: image folders or files (sizes from their headers)
    images: tuple[str, ...] = ()
    #: what the rows hold: detect, segment, pose, obb (None: inferred when only one reading fits)
    yolo_task: str | None = None
    #: trailing prediction columns (see ``COLUMNS``; None: none for datasets, inferred for predictions)
    yolo_columns: str | None = None
    #: class names file (text, YAML or JSON)
    names: str | None = None
    #: regex with (?P<sequence>...) and (?P<frame>...) grouping label files into videos
    sequence_pattern: str | None = None
    #: JSON {image path: [width, height]}
    image_sizes: str | None = None
    #: oriented boxes as "polygon" (4 corners) or "rectangle" (enclosing box)
    obb_as: str = "polygon"
    #: "K,D" keypoints per row and values per keypoint, without a data.yaml
    kpt_shape: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "images", path_tuple(self.images, "images"))
        choice(self.yolo_task, (None, *TASKS), "yolo_task")
        choice(self.yolo_columns, (None, *COLUMNS), "yolo_columns")
        choice(self.obb_as, ("polygon", "rectangle"), "obb_as")
        for name in ("names", "image_sizes", "kpt_shape", "sequence_pattern"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, str(value))


class _Run:
    """One ``read`` call."""

    def __init__(self, options: YoloOptions, report: Report) -> None:
        self.report = report
        self.task: str | None = options.yolo_task
        self.columns: str | None = options.yolo_columns
        self.obb_rect = options.obb_as == "rectangle"
        self.names_file: str | None = options.names
        self.kpt_flag = parse_kpt_shape(options.kpt_shape) if options.kpt_shape else None
        self.pattern = _pattern(options.sequence_pattern)
        sizes = options.image_sizes
        self.sizes = ImageSizes(Path(sizes)) if sizes else ImageSizes()
        raw_images = options.images
        self.images_given = bool(raw_images)
        self.images, videos = media_index(list(raw_images) if raw_images else None)
        self.cwd = os.getcwd()
        self.planner = FramePlanner(self.sizes, self.images, videos, self.pattern, self.loc, self.images_given)

    # -- discovery ---------------------------------------------------------------------------

    def discover(self, inputs: list[Path]) -> list[Dataset]:
        disc = Discovery(self.report)
        datasets: list[Dataset] = []
        files: list[Path] = []
        for p in inputs:
            name = p.name.lower()
            if p.is_dir():
                datasets.append(disc.from_folder(p))
            elif not p.is_file():
                raise UsageError(f"input {p} does not exist")
            elif name.endswith((".yaml", ".yml")):
                datasets.append(disc.from_yaml(p))
            elif name.endswith(".data"):
                datasets.append(disc.from_obj_data(p))
            elif name.endswith(".txt"):
                if looks_like_list(str(p)):
                    datasets.append(disc.from_list(p))
                else:
                    files.append(p)
            else:
                raise UsageError(f"{p}: not a YOLO input (a folder, a data.yaml, an obj.data or .txt files)")
        if files:
            datasets.append(disc.from_files(files))
        if self.images_given:
            labels = [(it.label, it.label_rel + ".txt", it.label_root)
                      for ds in datasets for it in ds.items if it.label is not None]
            datasets[0].items = pair(labels, self.images)
            for ds in datasets[1:]:
                ds.items = []
        return datasets

    def names(self, datasets: list[Dataset]) -> tuple[dict[int, str] | None, str]:
        if self.names_file:
            path = Path(self.names_file)
            if not path.is_file():
                raise UsageError(f"--names {path}: no such file")
            return load_names_file(path), str(path)
        names: dict[int, str] | None = None
        where = ""
        for ds in datasets:
            if ds.names is None:
                continue
            if names is None:
                names, where = ds.names, ds.names_where
            elif ds.names != names:
                raise InputError(f"class names differ from those of {where}; convert them separately "
                                 "or give one list with --names", ds.names_where)
        if names is None:
            declared = next((ds.source for ds in datasets if ds.source), None)
            if declared is not None:  # a dataset file without names: never invent "0", "1", ...
                raise UsageError(f"{declared} gives no class names (no 'names', no names file): pass them "
                                 "with --names FILE (one name per line, line n = class n)")
        return names, where

    def loc(self, path: str) -> str:
        """A path for messages: relative to the working directory when under it."""
        return rel_to(path, self.cwd) or path

    # -- layout ------------------------------------------------------------------------------

    def layout(
        self, labels: list[str], kpt: tuple[int, int] | None, is_dataset: bool, dota_dir: bool,
        cache: dict[str, bytes],
    ) -> tuple[Layout | None, str, bool]:
        """(layout, where it was inferred from, DOTA)."""
        task = self.task or ("pose" if kpt is not None else None)
        columns = self.columns or ("none" if is_dataset else None)
        if task == "pose" and kpt is None:
            raise UsageError("pose rows need the keypoint shape: kpt_shape in data.yaml or --kpt-shape K,D")
        first = self._first_row(labels, cache)
        if first is None:
            return (Layout(task or "detect", *COLUMNS[columns or "none"], kpt), "", False)
        path, ln, raw, tokens = first
        where = f"{self.loc(path)}:{ln}"
        if dota_dir or looks_like_dota(tokens):
            if task not in (None, "obb"):
                raise InputError(
                    f"{show(raw)!r} is a DOTA labelTxt row (x1 y1 ... x4 y4 class_name difficult, pixels), "
                    f"not YOLO {task}; read it without --yolo-task (or with --yolo-task obb)", where)
            return None, where, True
        if task is not None and self.columns is not None:
            return Layout(task, *COLUMNS[self.columns], kpt if task == "pose" else None), "", False
        cands = [c for c in candidate_layouts(task, columns, kpt) if c.fits(len(tokens), inference=True)]
        if len(cands) == 1:
            return cands[0], where, False
        if not cands:
            raise InputError(
                f"{show(raw)!r} has {len(tokens)} values, which fits no YOLO row layout"
                f"{_constraints(task, columns)}; declare it with --yolo-task and --yolo-columns",
                where, "bad_columns")
        counts = self._count_values(labels, cache)
        final = [c for c in cands if all(c.fits(n, inference=True) for n in counts)]
        if len(final) == 1:
            return final[0], "the value counts of all rows", False
        if len(final) > 1:
            final = self._plausible(final, labels, cache)
            if len(final) == 1:
                return final[0], "the values of the trailing columns of all rows", False
        if not final:
            seen = "; ".join(f"{loc} has {n} values" for n, loc in sorted(counts.items())[:4])
            raise InputError(f"no single YOLO row layout fits every row ({seen}); declare it with "
                             "--yolo-task and --yolo-columns", where, "bad_columns")
        raise InputError(
            f"ambiguous YOLO columns: {show(raw)!r} has {len(tokens)} values, which reads as "
            + " or as ".join(c.describe() for c in final)
            + "; say which with " + " or ".join(repr(c.flags()) for c in final),
            where, "ambiguous_columns")

    def read_label(self, path: str) -> bytes:
        try:
            with open(open_regular(path, "the label file"), "rb", buffering=0) as fh:  # one read() of it all
                return fh.readall()
        except OSError as exc:
            raise InputError(f"cannot read the label file: {exc.strerror or exc}", self.loc(path),
                             "missing_file") from None

    def _first_row(
        self, labels: list[str], cache: dict[str, bytes]
    ) -> tuple[str, int, bytes, list[bytes]] | None:
        for path in labels:
            data = cache[path] = self.read_label(path)
            for ln, raw in enumerate(split_lines(data, self.loc(path)), 1):
                tokens = raw.split()
                if tokens and not (ln <= 2 and is_dota_header(tokens)):
                    return path, ln, raw, tokens
        return None

    def _plausible(self, layouts: list[Layout], labels: list[str], cache: dict[str, bytes]) -> list[Layout]:
        """The layouts whose trailing columns hold what they must in every row: a track id is a
        whole number, a confidence lies in [0, 1] (Ultralytics writes ``conf`` then the track id).
        A 6-value detect row with a fractional 6th value is a confidence; one above 1 a track id."""
        rows = [raw.split() for path in labels for raw in split_lines(cache[path], self.loc(path))]
        rows = [t for t in rows if t]
        return [c for c in layouts if all(_trailing_fit(c, t) for t in rows)]

    def _count_values(self, labels: list[str], cache: dict[str, bytes]) -> dict[int, str]:
        """Every distinct value count of the rows of all files -> the first place it occurs."""
        counts: dict[int, str] = {}
        for path in labels:
            data = cache.get(path)
            if data is None:
                data = cache[path] = self.read_label(path)
            for ln, raw in enumerate(split_lines(data, self.loc(path)), 1):
                n = len(raw.split())
                if n and n not in counts:
                    counts[n] = f"{self.loc(path)}:{ln}"
        return counts

    # -- everything --------------------------------------------------------------------------

    def read(self, inputs: list[Path]) -> Scene:
        datasets = self.discover(inputs)
        is_dataset = all(ds.is_dataset for ds in datasets)
        kpt = self.kpt_flag or next((ds.kpt_shape for ds in datasets if ds.kpt_shape), None)
        names, names_where = self.names(datasets)
        specs = self.planner.specs(datasets, is_dataset)
        cache: dict[str, bytes] = {}
        labels = [s.item.label for s in specs if s.item.label is not None]
        layout, where, dota = self.layout(labels, kpt, is_dataset, any(ds.dota for ds in datasets), cache)
        kpt_names = next((ds.kpt_names for ds in datasets if ds.kpt_names is not None), None)
        parser = LineParser(
            layout or Layout("obb"), self.report, names=names, names_where=names_where, layout_where=where,
            kpt_names=kpt_names, kpt_is_visibility=is_dataset and layout is not None and layout.extra == 0,
            obb_as_rectangle=self.obb_rect,
        )
        frames = self.frames(specs, parser, cache, dota)
        imageless = [spec for spec in specs if spec.imageless]
        if imageless:
            first = imageless[0].item.label or ""
            self.report.warn(
                "no_image",
                f"{len(imageless)} frame(s) have no image and no size (e.g. a detector's save_txt output): "
                "their normalized coordinates are kept as they are, and each frame is named after its label "
                "file; give the frame URLs with --frame-url, e.g. 'https://host/images/{file_name}.jpg'",
                self.loc(first), len(imageless))
        scene = Scene(self.planner.sequences(frames), _labels(names, parser), _scene_name(datasets))
        return scene

    def frames(self, specs: list[Spec], parser: LineParser, cache: dict[str, bytes], dota: bool
               ) -> list[tuple[Spec, Frame]]:
        out = []
        loc = self.loc
        for spec in specs:
            label = spec.item.label
            source = loc(label if label is not None else spec.item.image or "")
            frame = Frame(spec.frame_id, spec.file_name, spec.width, spec.height, 0, [], source)
            if label is not None:
                data = cache.pop(label, None)
                if data is None:
                    data = self.read_label(label)
                if dota and spec.imageless and data.strip():
                    raise InputError("DOTA labelTxt rows are in pixels, so the image size is needed and no image "
                                     "was found: pass --images FOLDER or --image-sizes FILE", source, "no_image_size")
                if dota:
                    parser.parse_dota(data, source, frame.objects)
                else:
                    parser.parse(data, source, spec.width, spec.height, frame)
            out.append((spec, frame))
        return out



def _pattern(value: Any) -> re.Pattern[str] | None:
    if not value:
        return None
    try:
        pattern = re.compile(str(value))
    except re.error as exc:
        raise UsageError(f"--sequence-pattern: not a valid regular expression: {exc}") from None
    if not {"sequence", "frame"} <= set(pattern.groupindex):
        raise UsageError("--sequence-pattern needs the named groups (?P<sequence>...) and (?P<frame>...)")
    return pattern


def _constraints(task: str | None, columns: str | None) -> str:
    parts = [f"task {task}" if task else "", f"columns {columns}" if columns else ""]
    said = " and ".join(p for p in parts if p)
    return f" with {said}" if said else ""


def _labels(names: dict[int, str] | None, parser: LineParser) -> list[str]:
    ids = sorted(names) if names is not None else sorted(parser.class_ids)
    labels = [names[k] for k in ids] if names is not None else [str(c) for c in ids]
    labels += [n for n in parser.dota_labels if n not in labels]
    return labels


def _scene_name(datasets: list[Dataset]) -> str:
    return os.path.basename(datasets[0].root) if datasets else "scene"


class YoloReader:
    name = "yolo"
    summary = "YOLO label files: Darknet and Ultralytics datasets and predictions (detect/segment/pose/obb)"
    variants = (
        "Ultralytics dataset: data.yaml (names list or dict, path, train/val/test folders or lists, "
        "kpt_shape, kpt_names) with images/ + labels/",
        "Darknet: obj.data + obj.names + train.txt image list (CVAT 'YOLO 1.1')",
        "plain folder of label .txt files (labels/ beside images/, or next to each image) with "
        "classes.txt / obj.names / --names",
        "Ultralytics predictions (save_txt, save_conf, tracking): trailing conf and track id columns; "
        "video frames <video>_<frame>.txt -> one video sequence per video",
        "rows: detect (box), segment (polygon), pose (keypoints + box), obb (4-corner polygon or box)",
        "DOTA labelTxt (Roboflow 'YOLO OBB' export): pixel corners + class name + difficult",
        "labels without images (a detector's save_txt output): kept in normalized units, frames named "
        "after their label files",
        "a .zip of any of these (as Roboflow and CVAT download them)",
    )

    def add_arguments(self, group: argparse._ArgumentGroup) -> None:
        group.add_argument("--yolo-task", choices=TASKS,
                           help="what the rows hold (default: inferred when only one reading fits)")
        group.add_argument("--yolo-columns", choices=list(COLUMNS),
                           help="trailing prediction columns after the coordinates (default: none for "
                                "datasets, inferred when unambiguous for prediction folders)")
        group.add_argument("--names", metavar="FILE",
                           help="class names: text (one per line, line = class id) or YAML/JSON list/mapping")
        group.add_argument("--sequence-pattern", metavar="REGEX",
                           help="group label files into videos: (?P<sequence>...) and (?P<frame>...) "
                                "matched on the label path without .txt (default: Ultralytics <video>_<n>)")
        group.add_argument("--obb-as", choices=["polygon", "rectangle"], default="polygon",
                           help="oriented boxes as 4-corner polygons (default) or enclosing rectangles")
        group.add_argument("--kpt-shape", metavar="K,D",
                           help="pose keypoints per row and values per keypoint (2 or 3) without a data.yaml")

    options_type = YoloOptions

    def read(self, inputs: list[Path], options: YoloOptions | Mapping[str, Any] | None, report: Report) -> Scene:
        return _Run(YoloOptions.from_mapping(options), report).read([Path(p) for p in inputs])


READER = YoloReader()

__all__ = ["READER", "YoloOptions", "YoloReader"]


def _trailing_fit(layout: Layout, tokens: list[bytes]) -> bool:
    """Can ``tokens`` end with ``layout``'s trailing columns? (Unreadable values are the parser's
    to report, not a reason to drop a layout.)"""
    try:
        if layout.track and not float(tokens[-1]).is_integer():
            return False
        if layout.conf:
            conf = float(tokens[-1 - int(layout.track)])
            return 0.0 <= conf <= 1.0
    except (ValueError, IndexError):
        return True
    return True
