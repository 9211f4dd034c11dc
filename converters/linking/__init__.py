"""Trackers from untracked detections (``link_tracks``): the objects of a video sequence that carry
no track id are joined into tracks, so a detector without a tracker still gives Playment trackers
instead of one tracker per box per frame. Objects with a track id keep it; still images are left
alone. ``iou`` is our offline linker (:mod:`._iou`); ``bytetrack``, ``sort`` and ``ocsort`` are the
``trackers`` library's (:mod:`._trackers_lib`). A linked object's track id is ``link<n>`` (numbered
per sequence in the order tracks start). The report counts trackers made, links made and gaps
bridged (``Report.linking``).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Literal

from ..errors import Report, UsageError
from ..model import Scene, SceneObject
from ._iou import Box4, LinkStats, link
from ._trackers_lib import link_online

Method = Literal["none", "iou", "bytetrack", "sort", "ocsort"]
METHODS: tuple[str, ...] = ("none", "iou", "bytetrack", "sort", "ocsort")


def link_scene(scene: Scene, method: str, report: Report, *, max_gap: int = 5, min_iou: float = 0.3) -> None:
    """Give the untracked objects of every video sequence of ``scene`` track ids (in place)."""
    if method == "none":
        return
    if method not in METHODS:
        raise UsageError(f"link_tracks must be one of {', '.join(METHODS)}; got {method!r}")
    stats = LinkStats()
    made = 0
    for seq in scene.sequences:
        if not seq.is_video:
            continue
        if seq.box_tracks:
            seq.expand_tracks()
        by_label: dict[str, list[list[tuple[int, Box4, float]]]] = {}
        objects: list[SceneObject] = []
        for t, frame in enumerate(seq.frames):
            frame.expand_boxes()
            for obj in frame.objects:
                if obj.track_id is None:
                    per_frame = by_label.setdefault(obj.label, [[] for _ in seq.frames])
                    per_frame[t].append((len(objects), obj.geometry.bounds(),
                                         obj.confidence if obj.confidence is not None else 1.0))
                    objects.append(obj)
        taken = {str(o.track_id) for f in seq.frames for o in f.objects if o.track_id is not None}
        number = 0
        for label in sorted(by_label):
            frames = by_label[label]
            if method == "iou":
                groups = [[key for _, key in tr.members]
                          for tr in link([[(k, b) for k, b, _ in dets] for dets in frames], max_gap, min_iou, stats)]
            else:
                ids = link_online(method, frames)
                grouped: dict[int, list[int]] = defaultdict(list)
                for key, tid in sorted(ids.items()):
                    grouped[tid].append(key)
                groups = [grouped[tid] for tid in sorted(grouped, key=lambda t: min(grouped[t]))]
                stats.links += sum(len(g) - 1 for g in groups)
            for keys in sorted(groups, key=min):
                number += 1
                while f"link{number}" in taken:
                    number += 1
                for key in keys:
                    objects[key].track_id = f"link{number}"
                made += 1
    report.linking = {"method": method, "trackers_made": made, "links_made": stats.links,
                      "gaps_bridged": stats.gaps_bridged + stats.long_gaps_joined}


__all__ = ["METHODS", "Method", "link_scene"]
