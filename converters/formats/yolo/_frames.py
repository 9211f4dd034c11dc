"""YOLO frames: which sequence and frame each label file / image becomes, and its pixel size.

- Still image: sequence = file name (relative to the dataset root, or to the ``--images`` folder)
  without its image extension; ``Frame.id`` = the file stem.
- Ultralytics video predictions ``<video>_<n>.txt``: one video sequence per video when the video is
  in ``--images`` or keyed in ``--image-sizes`` and no image of the label's own name exists; frames
  in numeric order, ``Frame.id`` = n; frame numbers missing between 1 and the last one (Ultralytics
  writes no file for a frame without detections) are added as frames without objects.
- ``--sequence-pattern``: groups ``sequence`` and ``frame`` matched against the label path without
  ``.txt`` (then its file name); no gap filling (the numbering scheme is unknown).
- Size: an ``--image-sizes`` entry (full path, relative path, unique stem), else the image header
  (the paired image, or an image found where the label's image would be). A label without any of
  these (the ``save_txt`` output of a detector, a label export without its images) is a frame in
  normalized units: width = height = 1, so YOLO's normalized values pass through unchanged (clamping
  still works; nothing needs pixels); its file name is the label's path without ``.txt``
  (``Spec.imageless``; the reader counts these frames). With ``--images`` given, a label that matches
  no image stays an error.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...errors import InputError
from ...model import Frame, Sequence
from .._image_sizes_file import ImageSizes
from .._images import IMG_EXTS, read_image_size, strip_media_ext
from .._natural import natural_key
from ._discovery import Dataset, Item, MediaIndex, rel_to, virtual_images

VIDEO_FRAME = re.compile(r"(?P<sequence>.+)_(?P<frame>\d+)")


@dataclass(slots=True)
class Spec:
    """One frame to build: where it comes from and where it goes."""

    item: Item
    seq: str
    frame_id: str
    order: Any
    file_name: str
    width: float
    height: float
    video: bool
    imageless: bool = False  # no image and no size known: normalized units (width = height = 1)



class FramePlanner:
    """Decides the sequence, frame id, file name and size of every item."""

    def __init__(
        self,
        sizes: ImageSizes,
        images: MediaIndex,
        videos: MediaIndex,
        pattern: re.Pattern[str] | None,
        loc: Callable[[str], str],
        images_given: bool,
    ) -> None:
        self.sizes = sizes
        self.images = images
        self.videos = videos
        self.images_given = images_given
        self.pattern = pattern
        self.loc = loc
        self.video_sizes: dict[str, tuple[float, float]] = {}
        self.listings: dict[str, dict[str, str]] = {}

    def specs(self, datasets: list[Dataset], is_dataset: bool) -> list[Spec]:
        out: list[Spec] = []
        roots = {root for _, root in self.images.where.values()}
        images_root = roots.pop() if len(roots) == 1 else None
        for ds in datasets:
            root = images_root or ds.root
            for item in ds.items:
                spec = self._pattern_spec(item, root) if self.pattern is not None else None
                if spec is None:
                    spec = self._still_spec(item, root, allow_video=not is_dataset)
                out.append(spec)
        return out

    def _image_size(self, image: str) -> tuple[float, float]:
        hit = self.sizes.exact(image)
        return (hit[0], hit[1]) if hit is not None else read_image_size(image)

    def _still_spec(self, item: Item, root: str, allow_video: bool) -> Spec:
        if item.image is not None:
            w, h = self._image_size(item.image)
            return self._still(item, _file_name(item.image, root, item.image_rel), w, h)
        assert item.label is not None
        rel = item.label_rel
        virtual = [strip_media_ext(item.listed)] if item.listed is not None else []
        virtual += virtual_images(item.label)
        if not self.images_given:
            hit = self.sizes.find(virtual, [rel, _tail(rel)], rel.rsplit("/", 1)[-1])
            if hit is not None:
                entry = self.sizes.entry_path(hit)
                name = rel_to(entry, root) or hit[2].replace("\\", "/")
                return self._still(item, name, hit[0], hit[1])
            image = self._image_on_disk(virtual)
            if image is not None:
                w, h = self._image_size(image)
                return self._still(item, _file_name(image, root, os.path.basename(image)), w, h)
        if allow_video:
            spec = self._video_spec(item, rel)
            if spec is not None:
                return spec
        if self.images_given:
            raise InputError("no image in --images matches this label file (same relative path or file "
                             "name, any image extension)", self.loc(item.label), "no_image")
        spec = self._still(item, rel, 1.0, 1.0)
        spec.imageless = True
        return spec

    def _image_on_disk(self, candidates: list[str]) -> str | None:
        """An existing image at one of the places a label's image would be (any image extension;
        each folder is listed once)."""
        for cand in candidates:
            folder, _, stem = cand.rpartition(os.sep)
            listing = self.listings.get(folder)
            if listing is None:
                listing = self.listings[folder] = _image_listing(folder)
            name = listing.get(stem)
            if name is not None:
                return f"{folder}{os.sep}{name}"
        return None

    def _still(self, item: Item, file_name: str, w: float, h: float) -> Spec:
        """A still image: sequence = file name without its image extension (what
        ``model.still_sequence_name`` gives for these clean relative names, without the pathlib
        cost), ``Frame.id`` = its last component."""
        seq = strip_media_ext(file_name)
        return Spec(item, seq, seq.rpartition("/")[2], 0, file_name, w, h, False)

    def _video_size(self, seq_rel: str) -> tuple[float, float] | None:
        if seq_rel in self.video_sizes:
            return self.video_sizes[seq_rel]
        size: tuple[float, float] | None = None
        video = self.videos.find(seq_rel) if len(self.videos) else None
        if video is not None:
            rel, _ = self.videos.where[video]
            hit = self.sizes.exact(video) or self.sizes.find(
                [strip_media_ext(video)], [strip_media_ext(rel)], seq_rel.rsplit("/", 1)[-1])
            if hit is None:
                raise InputError("the size of this video is unknown: give it with --image-sizes (e.g. "
                                 f'{{"{os.path.basename(video)}": [1920, 1080]}})', video, "no_image_size")
            size = (hit[0], hit[1])
        elif not self.images_given:
            hit = self.sizes.find([], [seq_rel, _tail(seq_rel)], seq_rel.rsplit("/", 1)[-1])
            size = (hit[0], hit[1]) if hit is not None else None
        if size is not None:
            self.video_sizes[seq_rel] = size
        return size

    def _video_spec(self, item: Item, rel: str) -> Spec | None:
        head, _, base = rel.rpartition("/")
        m = VIDEO_FRAME.fullmatch(base)
        if m is None:
            return None
        seq = f"{head}/{m['sequence']}" if head else m["sequence"]
        size = self._video_size(seq)
        if size is None:
            return None
        number = int(m["frame"])
        return Spec(item, seq, str(number), number, rel, size[0], size[1], True)

    def _pattern_spec(self, item: Item, root: str) -> Spec | None:
        assert self.pattern is not None
        rel = item.label_rel if item.label is not None else strip_media_ext(item.image_rel)
        head, _, base = rel.rpartition("/")
        m = self.pattern.fullmatch(rel)
        seq_prefix = ""
        if m is None:
            m = self.pattern.fullmatch(base)
            seq_prefix = f"{head}/" if head else ""
        if m is None:
            return None
        seq = seq_prefix + m["sequence"]
        frame = m["frame"]
        order = (0, int(frame), "") if frame.isdigit() else (1, 0, frame)
        if item.image is not None:
            w, h = self._image_size(item.image)
            file_name = rel_to(item.image, root) or item.image_rel
        else:
            hit = None if self.images_given else self.sizes.find([], [rel], base)
            size = (hit[0], hit[1]) if hit is not None else self._video_size(seq)
            if size is None:
                if self.images_given:
                    raise InputError(f"the size of frame {frame!r} of sequence {seq!r} is unknown: no image in "
                                     "--images matches it; add the frame images, or --image-sizes keyed by frame "
                                     "image or video", self.loc(item.label or ""), "no_image_size")
                return Spec(item, seq, frame, order, rel, 1.0, 1.0, True, imageless=True)
            (w, h), file_name = size, rel
        return Spec(item, seq, frame, order, file_name, w, h, True)

    def sequences(self, frames: list[tuple[Spec, Frame]]) -> list[Sequence]:
        stills: list[Sequence] = []
        videos: dict[str, list[tuple[Spec, Frame]]] = {}
        for spec, frame in frames:
            if spec.video:
                videos.setdefault(spec.seq, []).append((spec, frame))
            else:
                stills.append(Sequence(spec.seq, [frame], False))
        seqs = stills + [self._video(name, members) for name, members in videos.items()]
        seqs.sort(key=lambda s: natural_key(s.name))
        return seqs

    def _video(self, name: str, members: list[tuple[Spec, Frame]]) -> Sequence:
        members.sort(key=lambda m: m[0].order)
        seen: dict[str, str] = {}
        for spec, frame in members:
            if spec.frame_id in seen:
                raise InputError(f"frame {spec.frame_id!r} of sequence {name!r} also comes from "
                                 f"{seen[spec.frame_id]}", frame.source, "duplicate_frame")
            seen[spec.frame_id] = frame.source
        frames = [f for _, f in members]
        if self.pattern is None and frames:
            frames = _fill_gaps(name, frames)
        for i, f in enumerate(frames):
            f.index = i
        return Sequence(name, frames, True)


def _fill_gaps(name: str, frames: list[Frame]) -> list[Frame]:
    """Ultralytics numbers processed video frames 1, 2, 3, ... and writes no file for a frame
    without detections: add those frames (up to the last one seen) without objects."""
    have = {int(f.id): f for f in frames}
    first = frames[0]
    out = []
    for n in range(1, max(have) + 1):
        f = have.get(n)
        if f is None:
            f = Frame(str(n), f"{name}_{n}", first.width, first.height, 0, [],
                      f"{name}_{n}: no label file (no detections)")
        out.append(f)
    return out


def _image_listing(folder: str) -> dict[str, str]:
    """Image files of a folder by stem (the first in name order when several extensions exist)."""
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return {}
    out: dict[str, str] = {}
    for name in names:
        stem, dot, ext = name.rpartition(".")
        if dot and ext.lower() in IMG_EXTS:
            out.setdefault(stem, name)
    return out


_COMMON: dict[tuple[str, str], str | None] = {}


def _file_name(image: str, root: str, fallback: str) -> str:
    """An image's file name: relative to the naming root, else to the folder it shares with it."""
    rel = rel_to(image, root)
    if rel is not None:
        return rel
    folder = os.path.dirname(image)
    key = (folder, root)
    if key not in _COMMON:
        if len(_COMMON) > 10_000:
            _COMMON.clear()
        try:
            _COMMON[key] = os.path.commonpath([folder, root])
        except ValueError:
            _COMMON[key] = None
    common = _COMMON[key]
    return (rel_to(image, common) if common else None) or fallback


def _tail(rel: str) -> str:
    parts = rel.split("/")
    for i in range(len(parts) - 2, -1, -1):
        if parts[i].lower() in ("labels", "annotations", "labeltxt", "images", "jpegimages"):
            return "/".join(parts[i + 1 :])
    return rel
