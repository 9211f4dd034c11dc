"""Look before you upload: draw the pre-labels of job payloads over their frames.

- :func:`render_frame`: one frame of a payload as a ``PIL.Image.Image`` with every object drawn.
- :func:`write_preview`: for every frame of the selected jobs, ``<job>__<frame>.png`` (the frame
  with its objects drawn), ``<job>__<frame>.jpg`` (the frame image the page shows, when one was
  found) and one offline ``index.html`` (SVG objects over the images, frame slider, legend).

Playment payloads carry no pixel size, so the image gives it: a frame's ``src`` / ``image_url`` is
looked up under ``images`` (the path as written, then its file name; a URL's path); no image found
means a neutral canvas (``canvas``, default 1280 x 720), counted in the summary. The output folder
follows the rules of :mod:`converters.output_paths` (an existing non-empty folder needs
``overwrite``, which replaces only what an earlier run wrote) and appears atomically.
"""

from __future__ import annotations

import io
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from PIL import Image

from ..errors import InputError, UsageError
from ..playment.payload_files import iter_payload_files
from ..writer import OutputWriter, safe_file_stem
from ._draw import CANVAS, blank, draw_shapes, hex_colour
from ._shapes import FrameShapes, frames_of, is_video

#: PNG compression level: 1 is about 3x faster than the default 6 and about 1.5x larger.
PNG_LEVEL = 1


@dataclass
class PreviewSummary:
    jobs: int = 0
    frames: int = 0
    objects: int = 0
    without_image: int = 0
    skipped_payloads: list[str] = field(default_factory=list)


def _frame(payload: dict[str, Any], frame_id: str | None, video_key: str) -> FrameShapes:
    frames = frames_of(payload, video_key)
    if not frames:
        raise UsageError(f"job {payload.get('reference_id')!r} has no frames")
    if frame_id is None or not is_video(payload):
        return frames[0]
    for f in frames:
        if f.frame_id == str(frame_id):
            return f
    raise UsageError(f"job {payload.get('reference_id')!r} has no frame {frame_id!r}")


def render_frame(
    payload: dict[str, Any], frame_id: str | None = None, image: Image.Image | None = None, *,
    canvas: tuple[int, int] = CANVAS, video_key: str = "video2d",
) -> Image.Image:
    """Frame ``frame_id`` of ``payload`` (the first, or the image of an image job, when None) drawn
    over ``image`` (or a neutral canvas of ``canvas`` pixels)."""
    frame = _frame(payload, frame_id, video_key)
    return draw_shapes(image.convert("RGB") if image is not None else blank(canvas), frame.shapes)


def find_image(src: str, roots: list[Path]) -> Path | None:
    """The image a frame's ``src`` names: the path itself, or under a root as written or by name."""
    path = urlparse(src).path if "://" in src else src
    if not path:
        return None
    cands = [Path(path)] if not roots else []
    for root in roots:
        cands += [root / path.lstrip("/"), root / os.path.basename(path)]
    return next((c for c in cands if c.is_file()), None)


def write_preview(
    paths: str | Path | list[str | Path], out: str | Path, *, images: str | Path | list[str | Path] | None = None,
    jobs: list[str] | None = None, max_frames: int | None = None, canvas: tuple[int, int] = CANVAS,
    overwrite: bool = False, video_key: str = "video2d",
) -> PreviewSummary:
    """The preview folder ``out`` for the payloads in ``paths`` (files, ``.jsonl``, folders)."""
    roots = [Path(p) for p in ([images] if isinstance(images, (str, Path)) else images or [])]
    wanted = set(jobs) if jobs else None
    summary = PreviewSummary()
    page_jobs: list[dict[str, Any]] = []
    labels: set[str] = set()
    with OutputWriter(out, overwrite=overwrite) as writer:
        if writer.jsonl:
            raise UsageError(f"out {out}: a preview is a folder (index.html and images), not a .jsonl file")
        for where, payload in iter_payload_files(paths):
            if not isinstance(payload, dict) or not isinstance(payload.get("data"), dict):
                summary.skipped_payloads.append(f"{where}: not a job payload" if isinstance(payload, dict)
                                                else str(payload))
                continue
            ref = str(payload.get("reference_id", where))
            if wanted is not None and ref not in wanted:
                continue
            summary.jobs += 1
            frames = frames_of(payload, video_key)[:max_frames] if max_frames else frames_of(payload, video_key)
            entry: dict[str, Any] = {"ref": ref, "frames": [], "counts": {}}
            counts: dict[str, Counter[str]] = {}
            for f in frames:
                name = safe_file_stem(f"{ref}__{f.frame_id}")
                src = find_image(f.src, roots)
                img: Image.Image | None = None
                if src is not None:
                    try:
                        with Image.open(src) as im:
                            img = im.convert("RGB")
                    except OSError:
                        img = None
                if img is None:
                    summary.without_image += 1
                base = img if img is not None else blank(canvas)
                drawn = draw_shapes(base, f.shapes)
                buf = io.BytesIO()
                drawn.save(buf, "PNG", compress_level=PNG_LEVEL)
                writer.write_file(f"{name}.png", buf.getvalue())
                rel = None
                if img is not None:
                    buf = io.BytesIO()
                    img.save(buf, "JPEG", quality=85)
                    writer.write_file(f"{name}.jpg", buf.getvalue())
                    rel = f"{name}.jpg"
                summary.frames += 1
                summary.objects += len(f.shapes)
                for s in f.shapes:
                    labels.add(s.label)
                    counts.setdefault(s.label, Counter())[s.kind] += 1
                entry["frames"].append({
                    "id": f.frame_id, "img": rel, "png": f"{name}.png", "w": base.width, "h": base.height,
                    "shapes": [{"kind": s.kind, "label": s.label, "tracker": s.tracker, "attrs": s.attributes,
                                "p": [list(p) for p in s.points], "n": list(s.point_labels)} for s in f.shapes],
                })
            entry["counts"] = {k: dict(sorted(v.items())) for k, v in sorted(counts.items())}
            page_jobs.append(entry)
        if wanted is not None and not page_jobs:
            raise InputError(f"none of the jobs {sorted(wanted)} is in the payloads", None, "no_such_job")
        from ._html import page

        writer.write_file("index.html", page(page_jobs, {label: hex_colour(label) for label in sorted(labels)})
                          .encode())
        writer.commit()
    return summary


__all__ = ["PreviewSummary", "find_image", "render_frame", "write_preview"]
