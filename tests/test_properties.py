"""Property tests: normalization round-trips, every emitted payload passes the schemas and the
semantic checks, and random geometry (also far outside the frame) never escapes as an exception."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from converters import Box, Cuboid, Frame, Keypoints, Polygon, Polyline, Report, Scene, SceneObject, Sequence
from converters.pipeline import iter_payloads
from converters.playment.validate import validate_payload

coord = st.floats(min_value=-500, max_value=1500, allow_nan=False, allow_infinity=False)
point = st.tuples(coord, coord)
size = st.integers(min_value=1, max_value=4000)


@st.composite
def boxes(draw: st.DrawFn) -> Box:
    x1, x2 = sorted((draw(coord), draw(coord)))
    y1, y2 = sorted((draw(coord), draw(coord)))
    return Box(x1, y1, x2, y2)


geometries = st.one_of(
    boxes(),
    st.lists(point, min_size=3, max_size=12).map(lambda pts: Polygon(pts)),
    st.lists(point, min_size=2, max_size=12).map(lambda pts: Polyline(pts)),
    st.lists(st.tuples(point, st.sampled_from([0, 1, 2])), min_size=1, max_size=17).map(
        lambda kv: Keypoints([p for p, _ in kv], [v for _, v in kv])
    ),
    st.lists(point, min_size=8, max_size=8).map(lambda pts: Cuboid(pts)),
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    w=size,
    h=size,
    objs=st.lists(st.tuples(geometries, st.one_of(st.none(), st.integers(0, 3))), max_size=8),
    job_type=st.sampled_from(["video", "image"]),
)
def test_every_payload_is_valid(w: int, h: int, objs: list[tuple[object, int | None]], job_type: str) -> None:
    frame = Frame("f", "f.jpg", w, h, 0, [SceneObject("thing", g, track_id=t) for g, t in objs])  # type: ignore[arg-type]
    report = Report()
    from converters import ConvertOptions

    [payload] = list(iter_payloads(Scene([Sequence("s", [frame])]), ConvertOptions(job_type=job_type), report))
    assert validate_payload(payload) == []
    # conservation inside the builder: each object is emitted or skipped (tracks may repeat a frame)
    assert report.objects_emitted + report.records_skipped == len(objs)


@given(w=size, h=size, x=st.floats(0, 1), y=st.floats(0, 1))
def test_normalization_round_trips(w: int, h: int, x: float, y: float) -> None:
    px, py = x * w, y * h
    frame = Frame("f", "f.jpg", w, h, 0, [SceneObject("k", Keypoints([(px, py)], [2]))])
    [payload] = list(iter_payloads(Scene([Sequence("s", [frame])])))
    p = payload["data"]["maker_response"]["video2d"]["data"]["annotations"][0]["frames"]["f"]["points"]["p1"]
    assert abs(p["x"] * w - px) <= 1e-9 * max(1.0, px) and abs(p["y"] * h - py) <= 1e-9 * max(1.0, py)
    assert 0.0 <= p["x"] <= 1.0 and 0.0 <= p["y"] <= 1.0
