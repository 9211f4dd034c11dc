"""``prelabel preview``: draw the pre-labels of payload files over their frames (PNGs and one page)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from ..errors import UsageError
from ._common import add_common


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT, e.g. 1280x720, got {text!r}") from None
    if not (0 < w <= 20000 and 0 < h <= 20000):
        raise argparse.ArgumentTypeError(f"canvas sides must be 1..20000 px, got {text!r}")
    return w, h


def add_parser(sub: Any) -> None:
    p = sub.add_parser("preview", help="draw payloads' pre-labels over their frames: PNGs and an offline index.html",
                       description="Draw every object of the payloads over its frame image.")
    p.add_argument("paths", nargs="+", metavar="PAYLOADS", help="payload files (.json, .jsonl) or folders")
    p.add_argument("--out", required=True, help="the preview folder (index.html and images)")
    p.add_argument("--images", nargs="+", metavar="ROOT",
                   help="where the frame images are (src as written, or by name)")
    p.add_argument("--jobs", nargs="+", metavar="ID", help="only these reference ids")
    p.add_argument("--max-frames", type=int, metavar="N", help="at most N frames per job")
    p.add_argument("--canvas", type=_size, default=(1280, 720), metavar="WxH",
                   help="size of the neutral canvas for frames without an image (default 1280x720)")
    p.add_argument("--overwrite", action="store_true", help="replace what an earlier preview wrote in --out")
    p.add_argument("--video-key", default="video2d")
    add_common(p)


def run(ns: argparse.Namespace, stderr: TextIO) -> int:
    from ..preview import write_preview

    if ns.max_frames is not None and ns.max_frames < 1:
        raise UsageError("--max-frames must be at least 1")
    summary = write_preview(ns.paths, ns.out, images=ns.images, jobs=ns.jobs, max_frames=ns.max_frames,
                            canvas=ns.canvas, overwrite=ns.overwrite, video_key=ns.video_key)
    if not ns.quiet:
        stderr.write(f"{summary.jobs} job(s), {summary.frames} frame(s), {summary.objects} object(s) drawn")
        if summary.without_image:
            stderr.write(f"; {summary.without_image} frame(s) without an image (drawn on a {ns.canvas[0]}x"
                         f"{ns.canvas[1]} canvas: pass --images ROOT)")
        stderr.write("\n")
        for line in summary.skipped_payloads[:10]:
            stderr.write(f"  skipped {line}\n")
        stderr.write(f"open {Path(ns.out) / 'index.html'}\n")
    return 0
