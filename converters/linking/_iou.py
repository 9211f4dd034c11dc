"""Our offline linker: untracked boxes of a video joined into tracks, per label, seeing the whole
sequence (an online tracker sees one frame at a time).

Pass 1, frame by frame: each open track predicts its box on the frame from its last box and its
velocity (the change of the box per frame, smoothed over its last links; zero for a track of one
box); tracks and detections are matched by scipy's ``linear_sum_assignment`` on 1 - IoU(predicted
box, detection), a pair needing an IoU of at least ``min_iou``. A track stays open for
``max_gap`` frames without a detection (an occlusion); an unmatched detection opens a new track.

Pass 2, tracklets: a track that ended is joined to one that starts later, beyond ``max_gap``
(up to ``LONG_GAP_FACTOR`` times it), only when both move (at least ``MIN_SPEED`` of their width
per frame: position alone says little over a long gap, since another object may stand where the
first was), their motions agree (direction within 25 degrees, speed within a factor 2), the first
one's motion carries it onto the second (IoU >= ``min_iou``) and their sizes agree (within a
factor 1.5). Ties are broken by frame order, then by detection order, so the result is
deterministic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

Box4 = tuple[float, float, float, float]

LONG_GAP_FACTOR = 3
MIN_SPEED = 0.02
_NO = 1e6


def iou(a: Box4, b: Box4) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


@dataclass
class Track:
    """Detections (frame index, detection key) of one track, its last box and velocity."""

    members: list[tuple[int, int]] = field(default_factory=list)
    last_t: int = 0
    last: Box4 = (0.0, 0.0, 0.0, 0.0)
    vel: Box4 = (0.0, 0.0, 0.0, 0.0)
    first_vel: Box4 | None = None

    def predict(self, t: int) -> Box4:
        dt = t - self.last_t
        return tuple(b + v * dt for b, v in zip(self.last, self.vel))  # type: ignore[return-value]

    def add(self, t: int, key: int, box: Box4) -> None:
        if self.members:
            dt = t - self.last_t
            new = tuple((b - a) / dt for a, b in zip(self.last, box))
            self.vel = new if len(self.members) == 1 else tuple(  # type: ignore[assignment]
                0.5 * v + 0.5 * n for v, n in zip(self.vel, new))
            if len(self.members) == 2:
                self.first_vel = self.vel
        self.members.append((t, key))
        self.last_t, self.last = t, box


def _speed(vel: Box4, box: Box4) -> tuple[float, float, float]:
    """(dx, dy, speed relative to the box width) of the centre."""
    dx, dy = (vel[0] + vel[2]) / 2, (vel[1] + vel[3]) / 2
    width = max(box[2] - box[0], 1e-9)
    return dx, dy, math.hypot(dx, dy) / width


@dataclass
class LinkStats:
    links: int = 0
    gaps_bridged: int = 0
    long_gaps_joined: int = 0


def link(frames: list[list[tuple[int, Box4]]], max_gap: int, min_iou: float, stats: LinkStats) -> list[Track]:
    """``frames[t]`` = [(detection key, box)] of one label; returns the tracks (members by key)."""
    from scipy.optimize import linear_sum_assignment  # imported when linking: scipy is slow to import

    tracks: list[Track] = []
    open_: list[Track] = []
    for t, dets in enumerate(frames):
        open_ = [tr for tr in open_ if t - tr.last_t - 1 <= max_gap]
        matched: set[int] = set()
        if open_ and dets:
            cost = np.full((len(open_), len(dets)), _NO)
            for i, tr in enumerate(open_):
                pred = tr.predict(t)
                for j, (_, box) in enumerate(dets):
                    overlap = iou(pred, box)
                    if overlap >= min_iou:
                        cost[i, j] = 1.0 - overlap + 1e-6 * (t - tr.last_t)
            rows, cols = linear_sum_assignment(cost)
            for i, j in zip(rows.tolist(), cols.tolist()):
                if cost[i, j] < _NO:
                    tr = open_[i]
                    if t - tr.last_t > 1:
                        stats.gaps_bridged += 1
                    tr.add(t, dets[j][0], dets[j][1])
                    stats.links += 1
                    matched.add(j)
        for j, (key, box) in enumerate(dets):
            if j not in matched:
                tr = Track()
                tr.add(t, key, box)
                tracks.append(tr)
                open_.append(tr)
    return _join_long_gaps(tracks, frames, max_gap, min_iou, stats)


def _join_long_gaps(
    tracks: list[Track], frames: list[list[tuple[int, Box4]]], max_gap: int, min_iou: float, stats: LinkStats
) -> list[Track]:
    boxes = {key: box for dets in frames for key, box in dets}
    candidates = []
    for a in tracks:
        if len(a.members) < 3:
            continue
        ax, ay, aspeed = _speed(a.vel, a.last)
        if aspeed < MIN_SPEED:
            continue
        for b in tracks:
            if b is a or len(b.members) < 3 or b.first_vel is None:
                continue
            tb, first_key = b.members[0]
            gap = tb - a.last_t - 1
            if not max_gap < gap <= LONG_GAP_FACTOR * max(max_gap, 1):
                continue
            bx, by, bspeed = _speed(b.first_vel, boxes[first_key])
            if bspeed < MIN_SPEED or not 0.5 <= aspeed / bspeed <= 2:
                continue
            cos = (ax * bx + ay * by) / (math.hypot(ax, ay) * math.hypot(bx, by))
            if cos < math.cos(math.radians(25)):
                continue
            first = boxes[first_key]
            area_a = (a.last[2] - a.last[0]) * (a.last[3] - a.last[1])
            area_b = (first[2] - first[0]) * (first[3] - first[1])
            if not 1 / 1.5 <= area_a / max(area_b, 1e-12) <= 1.5:
                continue
            overlap = iou(a.predict(tb), first)
            if overlap >= min_iou:
                candidates.append((-overlap, a.last_t, tb, id(a), a, b))
    candidates.sort(key=lambda c: (c[0], c[1], c[2]))
    merged_into: dict[int, Track] = {}
    ended: set[int] = set()
    started: set[int] = set()
    for _, _, _, _, a, b in candidates:
        while id(a) in merged_into:
            a = merged_into[id(a)]
        if id(a) in ended or id(b) in started or a is b or b.members[0][0] <= a.last_t:
            continue
        ended.add(id(a))
        started.add(id(b))
        a.members.extend(b.members)
        a.last_t, a.last, a.vel = b.last_t, b.last, b.vel
        merged_into[id(b)] = a
        ended.discard(id(a))  # a now ends where b ended: that end is free
        stats.long_gaps_joined += 1
        stats.links += 1
    return [tr for tr in tracks if id(tr) not in merged_into]
