"""COCO JSON reader: datasets, results lists, polygons, RLE masks, keypoints, video layouts.

Coordinates: COCO writes pixel-edge floats ("bbox [0, 0, 1, 1] encloses the first pixel"), the
model's own convention, so values are used as they are: ``bbox`` [x, y, w, h] becomes
``Box(x, y, x + w, y + h)``; polygon points are kept; RLE masks (``size`` = [h, w], column-major
counts) are traced along pixel edges. Details of each geometry: :mod:`._records`.

Variants (told apart by shape, not by file name):

- dataset JSON (object with ``images``, ``annotations``, ``categories``): instances,
  person_keypoints and stuff files, Roboflow / mmdetection / Kaggle layouts, detections embedded
  as annotations with ``score``; category ids may be sparse or start at 0, image ids may be large
  integers or strings. ``info``, ``licenses``, ``type`` are ignored.
- results list (top-level list of ``{image_id, category_id, bbox | segmentation | keypoints,
  score}``): image sizes, file names and category names come from ``--images GT.json``; without
  it only results whose RLE carries its ``size`` can be read (file name and label are then the
  image and category ids).
- video: TAO, CocoVID, CVAT video exports and YouTube-VIS / OVIS (:mod:`._video`).

Scene: one still Sequence per image (named by ``model.still_sequence_name(file_name)``; images of
several input files with the same file name and size are merged into one frame), ``Frame.id`` =
``str(image id)``; video sequences as :mod:`._video` says. Labels are category names;
``Scene.labels`` lists them in category id order. ``score`` -> confidence (must be within [0, 1]);
``iscrowd=1`` regions are converted like any other with the attribute ``iscrowd: "Yes"``, or
dropped and counted as ``crowd_skipped`` with ``--skip-crowd``. Annotation ``attributes`` (CVAT,
Datumaro) become Playment attributes (bools -> "Yes"/"No", numbers -> str); ``track_id`` among
them becomes the track. TAO: an annotation whose ``category_id`` differs from its track's (in
``tracks``) is skipped as ``track_category_mismatch``.

Files that carry no objects (captions, panoptic, image_info, image-level labels) stop with an
InputError saying what they are; inside a directory input they are ignored with a warning.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from ... import fast_paths
from ...errors import InputError, NoObjects, RecordSkip, Report, UsageError
from ...model import Box, Frame, Scene, SceneObject, Sequence, still_sequence_name
from .._options import ReaderOptions, path_tuple
from ._categories import Categories
from ._images_list import read_images
from ._json import RawRecords, big_int_reload, load_ground_truth, load_lazy
from ._kind import annotation_list, file_kind, list_field
from ._plain_boxes import apply_plain, decoded_chunks, frame_boxes
from ._records import build_object, describe, parse_bbox, parse_score
from ._rle import RleError, is_rle, rle_size
from ._video import ImageMeta, group_sequences, read_ytvis, video_sequences


class _Context:
    """What one annotation list needs: frames, labels, report, options."""

    def __init__(
        self,
        frames: dict[Any, Frame],
        cats: Categories,
        report: Report,
        skip_crowd: bool,
        results: bool,
        track_categories: dict[Any, Any] | None = None,
    ) -> None:
        self.frames = frames
        self.cats = cats
        self.report = report
        self.skip_crowd = skip_crowd
        self.results = results
        self.track_categories = track_categories  # TAO: track id -> category_id of its ``tracks`` entry


def _lookup(table: Mapping[Any, Any], key: Any) -> Any:
    """Lookup tolerating "5" vs 5 between annotations and images/categories."""
    if type(key) is str:
        if key.lstrip("-").isdigit():
            return table.get(int(key))
        return None
    if type(key) is int:
        return table.get(str(key))
    return None


def read_annotations(anns: list[Any] | RawRecords, ctx: _Context, prefix: str) -> bool:
    """Every annotation -> one object on its frame, or one report.skip; True when any object
    carries a track id. ``anns`` is consumed (see :func:`_read_chunk`); :class:`RawRecords` are
    read a chunk at a time, plain box records first as columns (:mod:`._plain_boxes`)."""
    ctx.report.records_read += len(anns)
    columns = fast_paths.enabled()
    col_prefix = f"{prefix}["
    if isinstance(anns, RawRecords):
        tracks = False
        for start, part, plain in decoded_chunks(anns, ctx):
            done = apply_plain(plain, start, ctx, col_prefix)
            if done < len(part):
                rest = anns.parse(part[done:])
                tracks = _read_chunk(rest, start + done, ctx, prefix, col_prefix if columns else None) or tracks
        return tracks
    return _read_chunk(anns, 0, ctx, prefix, col_prefix if columns else None)


def _read_chunk(anns: list[Any], start: int, ctx: _Context, prefix: str, col_prefix: str | None) -> bool:
    """The hot loop over ``anns`` (records ``start``, ``start + 1``, ... of the list at ``prefix``).

    ``anns`` is consumed: each entry is set to None once read (the parsed JSON is dropped as the
    scene grows, so peak memory stays near the larger of the two instead of their sum).

    Plain bbox records (no segmentation, keypoints, attributes, crowd flag or track) take the
    inline fast path; with ``col_prefix`` (the fast paths on) a frame's plain boxes are kept as
    columns (:class:`~converters.model.FrameBoxes`, sources ``{col_prefix}{index}]``) until any
    other object comes to that frame, which then expands them first, keeping the order read.
    """
    frames, labels, report = ctx.frames, ctx.cats.labels, ctx.report
    frames_get, labels_get = frames.get, labels.get
    isfinite = math.isfinite
    objects = 0
    tracks = False
    for i, a in enumerate(anns, start):
        anns[i - start] = None  # release each parsed record once read: lower peak memory
        if type(a) is not dict:
            report.skip("annotation_invalid", f"an annotation must be an object, got {describe(a)}", f"{prefix}[{i}]")
            continue
        iid = a.get("image_id")
        cid = a.get("category_id")
        try:
            frame = frames_get(iid)
            label = labels_get(cid)
        except TypeError:  # an unhashable id (list, dict)
            frame = label = None
        if frame is None or label is None:
            frame, label = _resolve(frame, label, iid, cid, ctx, f"{prefix}[{i}]")
            if frame is None:
                continue
        seg = a.get("segmentation")
        if seg or "keypoints" in a or "attributes" in a or "track_id" in a or "instance_id" in a or a.get("iscrowd"):
            obj = _general(a, label, frame, ctx, f"{prefix}[{i}]")
            if obj is None:
                continue
            if obj.track_id is not None:
                tracks = True
        else:
            bb = a.get("bbox")
            score = a.get("score")
            if (
                type(bb) is list
                and len(bb) == 4
                and (score is None or ((type(score) is float or type(score) is int) and 0 <= score <= 1))
            ):
                x, y, w, h = bb
                if (
                    (type(x) is float or type(x) is int)
                    and (type(y) is float or type(y) is int)
                    and (type(w) is float or type(w) is int)
                    and (type(h) is float or type(h) is int)
                    and w > 0
                    and h > 0
                    and isfinite(x + y + w + h)
                ):
                    objects += 1
                    boxes = frame_boxes(frame, col_prefix) if col_prefix is not None else None
                    if boxes is not None:
                        boxes.add(label, x, y, x + w, y + h, i, score)
                        continue
                    if frame.boxes is not None:  # boxes of another file (results sharing --images frames)
                        frame.expand_boxes()
                    frame.objects.append(SceneObject(label, Box(x, y, x + w, y + h), score, None, None,
                                                     f"{prefix}[{i}]"))
                    continue
            obj = _slow_box(bb, score, label, report, f"{prefix}[{i}]")
            if obj is None:
                continue
        if frame.boxes is not None:  # an object after column-stored boxes: keep the order read
            frame.expand_boxes()
        frame.objects.append(obj)
        objects += 1
    report.objects_read += objects
    return tracks


def _resolve(
    frame: Frame | None, label: str | None, iid: Any, cid: Any, ctx: _Context, loc: str
) -> tuple[Frame | None, str]:
    """Slow path of the id lookups: "5" vs 5 tolerance, then a skip naming the missing id."""
    if frame is None:
        frame = _lookup(ctx.frames, iid)
        if frame is None:
            ctx.report.skip("unknown_image", f"image_id {describe(iid)} is not among the images", loc)
            return None, ""
    if label is None:
        label = _lookup(ctx.cats.labels, cid)
        if label is None:
            ctx.report.skip("unknown_category", f"category_id {describe(cid)} is not among the categories", loc)
            return None, ""
    return frame, label


def _slow_box(bb: Any, score: Any, label: str, report: Report, loc: str) -> SceneObject | None:
    """A bbox record that missed the fast path: the object, or None after exactly one report.skip."""
    try:
        if bb is None:
            raise RecordSkip("no_geometry", "annotation has no bbox, segmentation or keypoints")
        box = parse_bbox(bb)
        confidence = parse_score(score) if score is not None else None
    except RecordSkip as exc:
        report.skip(exc.code, exc.message, loc)
        return None
    return SceneObject(label, box, confidence, None, None, loc)


def _general(a: dict[str, Any], label: str, frame: Frame, ctx: _Context, loc: str) -> SceneObject | None:
    if ctx.skip_crowd and a.get("iscrowd") in (1, True):
        ctx.report.objects_read += 1
        ctx.report.filtered("crowd_skipped")
        return None
    if ctx.track_categories and "track_id" in a:
        track = a["track_id"]
        try:
            expected = ctx.track_categories.get(track)
        except TypeError:  # an unhashable track id: build_object reports it
            expected = None
        if expected is not None and expected != a.get("category_id"):
            ctx.report.skip(
                "track_category_mismatch",
                f"category_id {describe(a.get('category_id'))} differs from category_id {describe(expected)} of "
                f"track {describe(track)} in $.tracks (TAO: an annotation's category is its track's)",
                loc,
            )
            return None
    try:
        return build_object(a, label, frame, ctx.cats.keypoints.get(a.get("category_id")), loc, ctx.report, ctx.results)
    except RecordSkip as exc:
        ctx.report.skip(exc.code, exc.message, loc)
        return None


def _track_categories(data: Any) -> dict[Any, Any] | None:
    """TAO's ``tracks``: track id -> category_id (entries without both, or unhashable, are left out)."""
    tracks = data.get("tracks") if isinstance(data, dict) else None
    if not isinstance(tracks, list):
        return None
    out: dict[Any, Any] = {}
    for t in tracks:
        if isinstance(t, dict) and t.get("category_id") is not None:
            try:
                out[t["id"]] = t["category_id"]
            except (KeyError, TypeError):
                continue
    return out or None


def sequence_name(file_name: str) -> str:
    """``model.still_sequence_name`` without pathlib for plain names (50k images: 0.4 s -> 0.02 s)."""
    fn = file_name
    if "\\" in fn or "//" in fn or "/." in fn or fn[:1] == "." or fn[-1:] in ("/", "."):
        return still_sequence_name(fn)
    dot = fn.rfind(".")
    return fn[:dot] if dot > fn.rfind("/") + 1 else fn


class _SceneBuilder:
    """Collects sequences from several files; still frames with the same file name are merged."""

    def __init__(self) -> None:
        self.sequences: list[Sequence] = []
        self.labels: list[str] = []
        self._stills: dict[str, Frame] = {}

    def add_labels(self, names: list[str]) -> None:
        for n in names:
            if n not in self.labels:
                self.labels.append(n)

    def add_stills(self, frames: list[Frame], report: Report) -> None:
        stills = self._stills
        for f in frames:
            seen = stills.get(f.file_name)
            if seen is f:
                continue
            if seen is None:
                stills[f.file_name] = f
                self.sequences.append(Sequence(sequence_name(f.file_name), [f], is_video=False))
                continue
            if (seen.width, seen.height) != (f.width, f.height):
                raise InputError(
                    f"image {f.file_name!r} is {f.width:g}x{f.height:g} here but "
                    f"{seen.width:g}x{seen.height:g} at {seen.source}",
                    f.source,
                )
            if seen.source.split(":$", 1)[0] == f.source.split(":$", 1)[0]:
                report.warn("duplicate_image", f"file_name {f.file_name!r} listed twice; frames merged", f.source)
            seen.expand_boxes()
            f.expand_boxes()
            seen.objects.extend(f.objects)

    def scene(self) -> Scene:
        return Scene(self.sequences, self.labels)


@dataclass(frozen=True)
class CocoOptions(ReaderOptions):
    """Options of the COCO reader (CLI flags of the same names with dashes)."""

    reader: ClassVar[str] = "coco"
    #: ground-truth dataset JSON(s) giving a results list its image sizes, file names and categories
    images: tuple[str, ...] = ()
    #: drop iscrowd=1 regions (counted as crowd_skipped) instead of converting them
    skip_crowd: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "images", path_tuple(self.images, "images"))
        object.__setattr__(self, "skip_crowd", bool(self.skip_crowd))


class CocoReader:
    name = "coco"
    summary = "COCO JSON: datasets, results lists (+ --images GT.json), polygons, RLE, keypoints, video"
    variants = (
        "dataset JSON: instances / person_keypoints / stuff (images + annotations + categories)",
        "Roboflow (_annotations.coco.json), mmdetection and Kaggle layouts; a directory of COCO files",
        "results list [{image_id, category_id, bbox|segmentation|keypoints, score}] with --images GT.json",
        "detections embedded in a dataset (annotations with score, with or without id)",
        "bbox -> rectangle; polygons -> polygon (multi-part, repaired); RLE string/list -> traced polygon",
        "keypoints -> landmark (category keypoint order, v=0 omitted); iscrowd kept, --skip-crowd drops",
        "CVAT COCO export: attributes (occluded, custom), track_id, keyframe, rotation",
        "video: TAO / CocoVID (video_id + frame_index/frame_id, track_id/instance_id), YouTube-VIS / OVIS",
        "a .zip of an export (Roboflow, CVAT 'COCO 1.0'); sizes written as text; \"annotations\": [] -> empty frames",
    )

    def add_arguments(self, group: argparse._ArgumentGroup) -> None:
        group.add_argument(
            "--skip-crowd",
            action="store_true",
            help="COCO: drop iscrowd=1 regions (counted as crowd_skipped) instead of converting them",
        )

    options_type = CocoOptions

    def read(self, inputs: list[Path], options: CocoOptions | Mapping[str, Any] | None, report: Report) -> Scene:
        opts = CocoOptions.from_mapping(options)
        files = _discover([Path(p) for p in inputs])
        skip_crowd = opts.skip_crowd
        gt_paths = [Path(p) for p in opts.images]
        builder = _SceneBuilder()
        # The ground truth is read before any input so that its parsed annotations (unused) are
        # freed before a results list is parsed: peak memory is the larger of the two, not the sum.
        gt = _GroundTruth(gt_paths, report) if gt_paths else None
        used_results = False
        ignored: list[str] = []
        for path, explicit in files:
            data = load_lazy(path)
            try:
                kind = file_kind(data, path)
            except NoObjects as exc:
                if explicit:
                    raise
                report.warn("file_ignored", f"{exc.message}; file ignored", exc.location or str(path))
                ignored.append(f"{exc.location}: {exc.message}")
                continue
            if kind in ("results", "ytvis_results"):
                used_results = True
                _read_results(path, big_int_reload(path, data), kind, gt, builder, report, skip_crowd)
            else:
                _read_dataset(path, big_int_reload(path, data), kind, builder, report, skip_crowd)
            del data
        if gt is not None:
            stills, seqs = group_sequences(gt.paths[0], gt.metas, gt.videos, gt.tracks)
            builder.add_stills(stills, report)
            builder.sequences.extend(seqs)
            if gt.ytvis is not None:
                builder.sequences.extend(gt.ytvis.values())
        if gt_paths and not used_results:
            raise UsageError(
                "--images is only used with a COCO results list; the inputs are datasets with their own images"
            )
        if not builder.sequences and ignored:
            more = f" (and {len(ignored) - 1} more file(s) like it)" if len(ignored) > 1 else ""
            raise InputError(f"{ignored[0]}{more}", "no COCO file with objects among the inputs")
        return builder.scene()


def _discover(inputs: list[Path]) -> list[tuple[Path, bool]]:
    """Files to read: explicit files, or every *.json under a directory (sorted)."""
    files: list[tuple[Path, bool]] = []
    for p in inputs:
        if p.is_dir():
            found = sorted(q for q in p.rglob("*.json") if q.is_file())
            if not found:
                raise InputError(f"no COCO JSON files found in {p}", None, "no_input")
            files.extend((q, False) for q in found)
        elif p.is_file():
            files.append((p, True))
        else:
            raise UsageError(f"input {p} does not exist")
    return files


def _read_dataset(path: Path, data: Any, kind: str, builder: _SceneBuilder, report: Report, skip_crowd: bool) -> None:
    cats = Categories(data, path, report)
    builder.add_labels(cats.names)
    anns = annotation_list(data, path)
    if kind == "ytvis":
        seqs = read_ytvis(
            path,
            anns,
            None,
            cats.labels,
            report,
            results=False,
            skip_crowd=skip_crowd,
            videos_raw=data.get("videos"),
        )
        builder.sequences.extend(seqs)
        return
    frames, metas, videos = read_images(data, path, report)
    ctx = _Context(frames, cats, report, skip_crowd, results=False, track_categories=_track_categories(data))
    tracks = read_annotations(anns, ctx, f"{path}:$.annotations")
    stills, seqs = group_sequences(path, metas, videos, tracks)
    builder.add_stills(stills, report)
    builder.sequences.extend(seqs)


class _GroundTruth:
    """``--images`` files: their images (or YouTube-VIS videos) and categories, annotations unused."""

    def __init__(self, paths: list[Path], report: Report) -> None:
        self.frames: dict[Any, Frame] = {}
        self.metas: list[ImageMeta] = []
        self.videos: dict[Any, Any] = {}
        self.ytvis: dict[Any, Sequence] | None = None
        self.paths = paths
        merged: dict[str, Any] = {"categories": [], "images": [], "videos": []}
        for p in paths:
            if not p.is_file():
                raise UsageError(f"--images {p}: no such file (COCO results need the ground-truth JSON)")
            data = load_ground_truth(p)
            if type(data) is not dict or ("images" not in data and "videos" not in data):
                raise InputError("--images must be a COCO dataset JSON with 'images' (or 'videos')", f"{p}:$")
            for key in merged:
                merged[key].extend(list_field(data, key, p, required=False))
            del data
        anchor = paths[0]
        self.cats = Categories(merged, anchor, report)
        if merged["images"]:
            self.frames, self.metas, self.videos = read_images(merged, anchor, report)
        elif merged["videos"]:
            self.ytvis = video_sequences(anchor, merged["videos"])
        self.tracks = False


def _read_results(
    path: Path,
    data: list[Any] | RawRecords,
    kind: str,
    gt: _GroundTruth | None,
    builder: _SceneBuilder,
    report: Report,
    skip_crowd: bool,
) -> None:
    if not data:
        raise InputError("the results list is empty: no objects to convert", f"{path}:$")
    if kind == "ytvis_results":
        cats = gt.cats if gt is not None else _ids_as_labels(data)
        ytvis = gt.ytvis if gt is not None else None
        if gt is not None and ytvis is None:
            raise InputError("--images has no 'videos' to match the results' video_id", str(gt.paths[0]))
        seqs = read_ytvis(path, data, ytvis, cats.labels, report, results=True, skip_crowd=skip_crowd)
        builder.add_labels(cats.names)
        if gt is None:  # with ground truth its videos are added once, at the end
            builder.sequences.extend(seqs)
        return
    if gt is None:
        frames, metas = _frames_from_rle(path, data)
        cats = _ids_as_labels(data)
        videos: dict[Any, Any] = {}
    else:
        frames, metas, videos, cats = gt.frames, gt.metas, gt.videos, gt.cats
        if not frames:
            raise InputError("--images has no 'images' to match the results' image_id", str(gt.paths[0]))
    builder.add_labels(cats.names)
    ctx = _Context(frames, cats, report, skip_crowd, results=True)
    tracks = read_annotations(data, ctx, f"{path}:$")
    if gt is not None:  # the ground truth's sequences are added once, after every results file
        gt.tracks = gt.tracks or tracks
        return
    stills, seqs = group_sequences(path, metas, videos, tracks)
    builder.add_stills(stills, report)
    builder.sequences.extend(seqs)


def _frames_from_rle(path: Path, data: list[Any] | RawRecords) -> tuple[dict[Any, Frame], list[ImageMeta]]:
    """Results without --images: frames from the RLE sizes (file name = image id)."""
    frames: dict[Any, Frame] = {}
    metas: list[ImageMeta] = []
    for i, rec in enumerate(data):
        seg: Any = rec.get("segmentation") if type(rec) is dict else None
        if not is_rle(seg):
            raise UsageError(
                f"{path}: results record $[{i}] has no RLE segmentation, so the size of its image is "
                "unknown; pass --images GT.json (the COCO ground truth the results refer to)"
            )
        iid = rec.get("image_id")
        if type(iid) not in (int, str) or iid in frames:
            continue
        try:
            h, w = rle_size(seg)
        except RleError:
            continue  # no frame from this record; its image may get one from a later valid RLE
        frame = Frame(str(iid), str(iid), w, h, 0, [], f"{path}:$[{i}]")
        frames[iid] = frame
        metas.append((frame, None, None))
    return frames, metas


def _ids_as_labels(data: list[Any] | RawRecords) -> Categories:
    """Results without ground truth: labels are the category ids, as strings."""
    ids = {a.get("category_id") for a in data if type(a) is dict and type(a.get("category_id")) in (int, str)}
    return Categories.from_ids(ids)


READER = CocoReader()
