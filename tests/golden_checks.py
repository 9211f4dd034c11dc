"""The hand-worked facts of a golden case (``"checks"`` in its case.json), checked on the output the
conversion produced, so that a golden checks correctness and not only change.

Each check is a dict; a check naming a ``job`` (a reference id) looks at that job's objects:

- ``{"jobs": N}``: the number of jobs written; ``{"report": {"skipped_by_code": {...},
  "warnings_by_code": {...}, ...}}``: those report entries, exactly;
- ``{"job": R, "srcs": [...]}``: the job's frame URLs in order (video) or its ``image_url``;
- ``{"job": R, "trackers": N}`` / ``{"job": R, "objects": N}``: trackers (video) / objects;
- ``{"job": R, "label": L, "type": T, "frame": F, ...}``: some object of the job with that label,
  Playment type and (video) frame id has every listed property: ``box`` [x1, y1, x2, y2] (a
  rectangle's corners), ``points`` [[x, y], ...] or [[x, y, label], ...] (p1..pN in order),
  ``bounds`` [x1, y1, x2, y2] (of the points; for traced masks whose ring order is not the point),
  ``attributes`` {name: value} (a subset of the object's attributes); ``"absent": true`` says no
  such object exists (an outside frame, a skipped record).

Coordinates compare within 1e-9 (the values are worked by hand in decimal).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

TOL = 1e-9
_TYPES = {"rectangles": "rectangle", "polygons": "polygon", "lines": "line", "landmarks": "landmark",
          "cuboids": "cuboid"}


def _objects(job: dict[str, Any]) -> Iterator[dict[str, Any]]:
    maker = job["data"].get("maker_response", {})
    if "video_data" in job["data"]:
        for value in maker.values():
            for tracker in value["data"]["annotations"]:
                for fid, obj in tracker["frames"].items():
                    yield {"label": tracker["label"], "type": tracker["type"], "frame": fid, "obj": obj}
    else:
        for key, value in maker.items():
            for obj in value["data"]:
                yield {"label": obj["label"], "type": _TYPES[key], "frame": None, "obj": obj}


def _points(obj: dict[str, Any]) -> list[list[float]]:
    pts = obj["points"]
    names = sorted(pts, key=lambda n: int(n[1:]))
    return [[pts[n]["x"], pts[n]["y"], *([pts[n]["label"]] if "label" in pts[n] else [])] for n in names]


def _close(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all(abs(x - y) <= TOL for x, y in zip(a, b))


def _matches(found: dict[str, Any], check: dict[str, Any]) -> bool:
    obj = found["obj"]
    if "box" in check:
        xs = [c["x"] for c in obj["coordinates"]]
        ys = [c["y"] for c in obj["coordinates"]]
        if not _close([min(xs), min(ys), max(xs), max(ys)], check["box"]):
            return False
    if "points" in check:
        got = _points(obj)
        if len(got) != len(check["points"]) or not all(_close(g, w) for g, w in zip(got, check["points"])):
            return False
    if "bounds" in check:
        got = _points(obj)
        xs, ys = [q[0] for q in got], [q[1] for q in got]
        if not _close([min(xs), min(ys), max(xs), max(ys)], check["bounds"]):
            return False
    if "attributes" in check:
        attrs = {k: v["value"] for k, v in obj.get("attributes", {}).items()}
        if any(attrs.get(k) != v for k, v in check["attributes"].items()):
            return False
    return True


def run_checks(case: str, jobs: list[dict[str, Any]], report: dict[str, Any], checks: list[dict[str, Any]]) -> None:
    by_ref = {j["reference_id"]: j for j in jobs}
    for check in checks:
        where = f"{case}: {check}"
        if "jobs" in check:
            assert len(jobs) == check["jobs"], f"{where}: {len(jobs)} jobs"
            continue
        if "report" in check:
            for key, want in check["report"].items():
                assert report.get(key) == want, f"{where}: report {key} is {report.get(key)}"
            continue
        assert check["job"] in by_ref, f"{where}: no job {check['job']!r} (jobs: {sorted(by_ref)})"
        job = by_ref[check["job"]]
        if "srcs" in check:
            data = job["data"]
            srcs = [f["src"] for f in data["video_data"]["frames"]] if "video_data" in data else [data["image_url"]]
            assert srcs == check["srcs"], f"{where}: srcs {srcs}"
            continue
        if "trackers" in check:
            n = len(job["data"]["maker_response"]["video2d"]["data"]["annotations"])
            assert n == check["trackers"], f"{where}: {n} trackers"
            continue
        if "objects" in check:
            n = sum(1 for _ in _objects(job))
            assert n == check["objects"], f"{where}: {n} objects"
            continue
        candidates = [o for o in _objects(job) if o["label"] == check["label"]
                      and ("type" not in check or o["type"] == check["type"])
                      and ("frame" not in check or o["frame"] == check["frame"])]
        hits = [o for o in candidates if _matches(o, check)]
        if check.get("absent"):
            assert not candidates, f"{where}: found {[o['obj'] for o in candidates]}"
        else:
            assert hits, f"{where}: no such object among {[o['obj'] for o in candidates]}"
