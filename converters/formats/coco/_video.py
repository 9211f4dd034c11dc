"""COCO video layouts: grouping per-frame images into sequences, and the YouTube-VIS / OVIS reader.

- TAO / mmtracking CocoVID: ``images[*]`` carry ``video_id`` and a frame number (``frame_index``
  in TAO, 0-based ``frame_id`` in CocoVID); annotations carry ``track_id`` (TAO) or
  ``instance_id`` (CocoVID). Each video becomes one video Sequence, frames sorted by that number
  (ties keep the ``images`` order); the name is the ``videos`` entry's ``name``, else the common
  folder of its frames' file names, else ``video_<id>``.
- CVAT's COCO export of a video task has no ``video_id`` but ``attributes.track_id`` on
  annotations: a file whose images carry no video id while its annotations carry track ids is
  read as one video named after the file (its stem), frames in ``images`` order.
- YouTube-VIS / OVIS: ``videos[{id, width, height, file_names}]`` and one annotation per instance
  with per-frame ``segmentations`` / ``bboxes`` lists (``null`` = absent). Each non-null
  per-frame entry is one record; the annotation ``id`` (or its index in a results list) is the
  track id. Frame ids are the 0-based positions in ``file_names``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from ...errors import InputError, RecordSkip, Report
from ...model import Frame, Sequence
from ._json import RawRecords
from ._records import build_object, describe
from ._rle import RleError, is_rle, rle_size

#: One entry per image: (frame, video id or None, frame number or None).
ImageMeta = tuple[Frame, Any, Any]


def _common_folder(frames: list[Frame]) -> str | None:
    parents = {str(PurePosixPath(f.file_name.replace("\\", "/")).parent) for f in frames}
    if len(parents) == 1:
        folder = parents.pop()
        if folder not in (".", "", "/"):
            return folder
    return None


def video_name(vid: Any, entry: Mapping[str, Any] | None, frames: list[Frame]) -> str:
    """Sequence name of a video: its ``name``, else its frames' common folder, else video_<id>."""
    if entry is not None:
        for key in ("name", "file_name"):
            name = entry.get(key)
            if type(name) is str and name:
                return name
    return _common_folder(frames) or f"video_{vid}"


def _ordered(metas: list[ImageMeta]) -> list[Frame]:
    keyed = [((num if type(num) in (int, float) else pos), pos, frame) for pos, (frame, _v, num) in enumerate(metas)]
    keyed.sort(key=lambda k: (k[0], k[1]))
    frames = [k[2] for k in keyed]
    for i, f in enumerate(frames):
        f.index = i
    return frames


def group_sequences(
    path: Path, metas: list[ImageMeta], videos: Mapping[Any, Mapping[str, Any]], has_tracks: bool
) -> tuple[list[Frame], list[Sequence]]:
    """Split a file's images into still frames and video sequences.

    Returns (still frames in input order, video sequences in order of first appearance).
    """
    if has_tracks and all(v is None for _f, v, _n in metas):
        frames = [m[0] for m in metas]
        for i, f in enumerate(frames):
            f.index = i
        return [], [Sequence(path.stem, frames, is_video=True)]
    stills: list[Frame] = []
    groups: dict[Any, list[ImageMeta]] = {}
    for meta in metas:
        if meta[1] is None:
            stills.append(meta[0])
        else:
            groups.setdefault(meta[1], []).append(meta)
    seqs = []
    for vid, group in groups.items():
        frames = _ordered(group)
        seqs.append(Sequence(video_name(vid, videos.get(vid), frames), frames, is_video=True))
    return stills, seqs


def video_sequences(path: Path, videos: object) -> dict[Any, Sequence]:
    """YouTube-VIS ``videos`` -> video id -> Sequence with one Frame per file name."""
    if type(videos) is not list:
        raise InputError(f"'videos' must be a list, got {describe(videos)}", f"{path}:$.videos")
    out: dict[Any, Sequence] = {}
    for j, v in enumerate(videos):
        loc = f"{path}:$.videos[{j}]"
        if type(v) is not dict:
            raise InputError(f"a video must be an object, got {describe(v)}", loc)
        vid, names = v.get("id"), v.get("file_names")
        w: Any = v.get("width")
        h: Any = v.get("height")
        if type(vid) not in (int, str) or vid in out:
            raise InputError(f"video id must be a unique integer or string, got {describe(vid)}", f"{loc}.id")
        if type(names) is not list or not all(type(n) is str for n in names):
            raise InputError("'file_names' must be a list of strings", f"{loc}.file_names")
        if type(w) not in (int, float) or type(h) not in (int, float) or not (w > 0 and h > 0):
            raise InputError(f"video width/height must be positive numbers, got {w!r}x{h!r}", loc)
        frames = [Frame(str(t), n, w, h, t, [], f"{loc}.file_names[{t}]") for t, n in enumerate(names)]
        out[vid] = Sequence(video_name(vid, v, frames), frames, is_video=True)
    return out


def _sequences_from_rle(path: Path, anns: list[Any] | RawRecords) -> dict[Any, Sequence]:
    """Results without ground truth: one sequence per video id, size from its first RLE."""
    out: dict[Any, Sequence] = {}
    for a in anns:
        if type(a) is not dict or type(a.get("segmentations")) is not list:
            continue
        vid, segs = a.get("video_id"), a["segmentations"]
        if vid in out or type(vid) not in (int, str):
            continue
        first = next((s for s in segs if is_rle(s)), None)
        if first is None:
            continue
        try:
            h, w = rle_size(first)
        except RleError:
            continue
        frames = [Frame(str(t), str(t), w, h, t, [], str(path)) for t in range(len(segs))]
        out[vid] = Sequence(f"video_{vid}", frames, is_video=True)
    return out


def read_ytvis(
    path: Path,
    anns: list[Any] | RawRecords,
    videos: dict[Any, Sequence] | None,
    labels: Mapping[Any, str],
    report: Report,
    *,
    results: bool,
    skip_crowd: bool,
    videos_raw: object = None,
) -> list[Sequence]:
    """YouTube-VIS / OVIS annotations (dataset or results list) -> video sequences."""
    if videos is None:
        videos = video_sequences(path, videos_raw) if videos_raw is not None else _sequences_from_rle(path, anns)
    prefix = f"{path}:$.annotations" if not results else f"{path}:$"
    for i, a in enumerate(anns):
        loc = f"{prefix}[{i}]"
        try:
            seq, label, segs, bbs = _instance(a, videos, labels)
        except RecordSkip as exc:
            report.records_read += 1
            report.skip(exc.code, exc.message, loc)
            continue
        track = a.get("id", i) if not results else i
        for t, frame in enumerate(seq.frames):
            seg = segs[t] if segs is not None else None
            bb = bbs[t] if bbs is not None else None
            if seg is None and bb is None:
                continue
            report.records_read += 1
            floc = f"{loc}.{'segmentations' if segs is not None else 'bboxes'}[{t}]"
            rec = {
                "segmentation": seg,
                "bbox": bb,
                "score": a.get("score"),
                "iscrowd": a.get("iscrowd"),
                "attributes": a.get("attributes"),
                "track_id": track,
            }
            if skip_crowd and rec["iscrowd"] in (1, True):
                report.objects_read += 1
                report.filtered("crowd_skipped")
                continue
            try:
                obj = build_object(rec, label, frame, None, floc, report, results)
            except RecordSkip as exc:
                report.skip(exc.code, exc.message, floc)
                continue
            frame.objects.append(obj)
            report.objects_read += 1
    return list(videos.values())


def _instance(
    a: object, videos: Mapping[Any, Sequence], labels: Mapping[Any, str]
) -> tuple[Sequence, str, list[Any] | None, list[Any] | None]:
    if type(a) is not dict:
        raise RecordSkip("annotation_invalid", f"an annotation must be an object, got {describe(a)}")
    vid = a.get("video_id")
    seq = videos.get(vid) if type(vid) in (int, str) else None
    if seq is None:
        raise RecordSkip("unknown_video", f"video_id {describe(vid)} is not among the videos")
    cat = a.get("category_id")
    label = labels.get(cat) if type(cat) in (int, str) else None
    if label is None:
        raise RecordSkip("unknown_category", f"category_id {describe(cat)} is not among the categories")
    n = len(seq.frames)
    lists = []
    for key in ("segmentations", "bboxes"):
        v = a.get(key)
        if v is not None and (type(v) is not list or len(v) != n):
            got = len(v) if type(v) is list else describe(v)
            raise RecordSkip("frames_mismatch", f"'{key}' must list one entry per frame ({n}), got {got}")
        lists.append(v)
    if lists[0] is None and lists[1] is None:
        raise RecordSkip("no_geometry", "instance has neither 'segmentations' nor 'bboxes'")
    return seq, label, lists[0], lists[1]
