"""Evaluate --link-tracks: IDF1 (motmetrics) on public MOTChallenge-format sequences.

    python benchmarks/bench_link.py

The sequences are the ones motmetrics ships (TUD-Campus, TUD-Stadtmitte: ground truth with ids, and
a tracker's output). For each: our ``iou`` linker on the ground-truth boxes with their ids removed
(target IDF1 >= 0.99), and on the tracker's output boxes with their ids removed, next to each method
of the ``trackers`` library on the same boxes (target: ours >= every one of them). motmetrics and
trackers are installed into this environment when missing (pip); the table is printed.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import warnings
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _need(module: str, package: str) -> None:
    try:
        importlib.import_module(module)
    except ImportError:
        print(f"installing {package} (pip) ...", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", package], check=True)


_need("motmetrics", "motmetrics")
_need("trackers", "trackers")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import motmetrics as mm
    import numpy as np

from converters import Report, frame_from_arrays, scene_from_frames  # noqa: E402
from converters.linking import link_scene  # noqa: E402

Rows = dict[int, list[tuple[int, float, float, float, float]]]  # frame -> [(id, x, y, w, h)]


def _read(path: Path) -> Rows:
    rows: Rows = defaultdict(list)
    for line in path.read_text().splitlines():
        parts = line.replace(" ", "").split(",")
        if len(parts) < 6:
            continue
        frame, tid, x, y, w, h = int(float(parts[0])), int(float(parts[1])), *map(float, parts[2:6])
        rows[frame].append((tid, x, y, w, h))
    return rows


def _linked(rows: Rows, method: str) -> tuple[Rows, dict[str, object]]:
    frames_n = max(rows)
    frames = []
    for f in range(1, frames_n + 1):
        dets = rows.get(f, [])
        boxes = [[x, y, x + w, y + h] for _, x, y, w, h in dets]
        frames.append(frame_from_arrays(f, 10_000, 10_000, boxes=boxes or None, labels=["person"] * len(dets) or None)
                      if dets else frame_from_arrays(f, 10_000, 10_000))
    scene = scene_from_frames(frames, sequence="seq")
    report = Report()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        link_scene(scene, method, report)
    out: Rows = defaultdict(list)
    fresh = 10**6
    for f, frame in enumerate(scene.sequences[0].frames, 1):
        for obj in frame.objects:
            x1, y1, x2, y2 = obj.geometry.bounds()
            if obj.track_id is None:  # left untracked by an online tracker: a track of its own
                fresh += 1
                tid = fresh
            else:
                tid = int(str(obj.track_id)[4:])
            out[f].append((tid, x1, y1, x2 - x1, y2 - y1))
    return out, report.linking or {}


def _iou_distances(a: np.ndarray, b: np.ndarray, max_dist: float = 0.5) -> np.ndarray:
    """1 - IoU of x, y, w, h boxes, NaN where the IoU is below 1 - max_dist (motmetrics' iou_matrix
    rule, written here: motmetrics 1.4 still calls numpy's removed asfarray)."""
    if len(a) == 0 or len(b) == 0:
        return np.empty((len(a), len(b)))
    ax2, ay2 = a[:, 0] + a[:, 2], a[:, 1] + a[:, 3]
    bx2, by2 = b[:, 0] + b[:, 2], b[:, 1] + b[:, 3]
    w = np.clip(np.minimum(ax2[:, None], bx2[None]) - np.maximum(a[:, 0][:, None], b[:, 0][None]), 0, None)
    h = np.clip(np.minimum(ay2[:, None], by2[None]) - np.maximum(a[:, 1][:, None], b[:, 1][None]), 0, None)
    inter = w * h
    union = (a[:, 2] * a[:, 3])[:, None] + (b[:, 2] * b[:, 3])[None] - inter
    dist = 1 - inter / np.maximum(union, 1e-12)
    dist[dist > max_dist] = np.nan
    return dist


def _idf1(gt: Rows, hyp: Rows) -> float:
    acc = mm.MOTAccumulator(auto_id=True)
    for f in sorted(set(gt) | set(hyp)):
        g, h = gt.get(f, []), hyp.get(f, [])
        dist = _iou_distances(np.array([r[1:] for r in g]).reshape(-1, 4), np.array([r[1:] for r in h]).reshape(-1, 4))
        acc.update([r[0] for r in g], [r[0] for r in h], dist)
    summary = mm.metrics.create().compute(acc, metrics=["idf1"], name="x")
    return float(summary["idf1"].iloc[0])


def main() -> None:
    data = Path(mm.__file__).parent / "data"
    methods = ["iou", "bytetrack", "sort", "ocsort"]
    print("== link-tracks: IDF1 against the ground truth (motmetrics), ids removed before linking")
    print(f"   {'sequence':<16} {'boxes':<22} " + " ".join(f"{m:>10}" for m in methods))
    for name in ("TUD-Campus", "TUD-Stadtmitte"):
        gt = _read(data / name / "gt.txt")
        tracker_out = _read(data / name / "test.txt")
        ours_gt, stats = _linked(gt, "iou")
        print(f"   {name:<16} {'ground truth':<22} {_idf1(gt, ours_gt):>10.3f}"
              f"   (trackers made {stats.get('trackers_made')}, gaps bridged {stats.get('gaps_bridged')}; "
              f"ground truth has {len({r[0] for rows in gt.values() for r in rows})} ids; target >= 0.99)")
        scores = [_idf1(gt, _linked(tracker_out, m)[0]) for m in methods]
        print(f"   {name:<16} {'a tracker output':<22} " + " ".join(f"{s:>10.3f}" for s in scores)
              + f"   (target: iou >= every other: {'yes' if scores[0] >= max(scores[1:]) else 'NO'})")
        original = _idf1(gt, tracker_out)
        print(f"   {'':<16} {'(its own ids)':<22} {original:>10.3f}")


if __name__ == "__main__":
    main()
