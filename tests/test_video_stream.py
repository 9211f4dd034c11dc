"""The streamed video writer (``playment/video_stream.py``) against the whole-payload path.

Streaming is a serialization strategy, so its output must be the same bytes as ``orjson.dumps``
of the payload dict, and any payload the streamed checks reject must fail with the issues the
whole-payload check lists. Here every video job is streamed (threshold 0) in tiny chunks, so
batches, parts of long trackers and their separators are all exercised.
"""

from __future__ import annotations

import io
import random
from pathlib import Path

import orjson
import pytest

from converters import ConvertOptions, pipeline
from converters.cli import main
from converters.errors import Report, SchemaValidationError
from converters.model import Box, Frame, Keypoints, Polygon, Polyline, SceneObject, frame_from_arrays, scene_from_frames
from converters.pipeline import iter_payloads, write_scene
from converters.playment import video_stream
from converters.playment.validate import PayloadValidator, VideoStreamCheck
from converters.writer import OutputWriter

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CASES = sorted(p.parent for p in FIXTURES.glob("*/*/case.json"))


@pytest.fixture
def always_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "STREAM_OBJECTS", 0)
    monkeypatch.setattr(video_stream, "CHUNK", 2)


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.name}" for c in CASES])
def test_streamed_goldens_are_byte_identical(case: Path, tmp_path: Path, always_stream: None) -> None:
    spec = orjson.loads((case / "case.json").read_bytes())
    out = tmp_path / "out.jsonl"
    args = [a.replace("{case}", str(case)) for a in spec["args"]] + ["--out", str(out), "--quiet"]
    assert main(args, stdout=io.StringIO(), stderr=io.StringIO()) == spec.get("exit", 0)
    produced = out.read_bytes() if out.exists() else b""
    assert produced == (case / "expected.jsonl").read_bytes()


def _mixed_scene(seed: int) -> tuple[list[Frame], int]:
    """Frames with long and short tracks of every kind, untracked objects and boxes to clamp."""
    rng = random.Random(seed)
    frames = []
    expected = 0
    for f in range(12):
        objects = []
        for t in range(rng.randrange(0, 6)):
            x, y = rng.uniform(-5, 90), rng.uniform(-5, 50)
            kind = t % 4
            geom: Box | Polygon | Polyline | Keypoints
            if kind == 0:
                geom = Box(x, y, x + rng.uniform(1, 30), y + rng.uniform(1, 30))
            elif kind == 1:
                geom = Polygon([(x, y), (x + 8, y), (x + 4, y + 6)])
            elif kind == 2:
                geom = Polyline([(x, y), (x + 3, y + 9), (x + 7, y + 1)])
            else:
                geom = Keypoints([(x, y), (x + 2, y + 2)], [2, 1])
            track = None if rng.random() < 0.3 else t
            attrs = {"moving": rng.choice(["Yes", "No"])} if rng.random() < 0.7 else None
            objects.append(SceneObject("car" if kind else "person", geom, attributes=attrs, track_id=track,
                                       source=f"frame {f} object {t}"))
            expected += 1
        frames.append(Frame(str(f), f"f{f}.jpg", 100.0, 60.0, f, objects))
    return frames, expected


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("chunk", [1, 2, 5, 1000])
def test_streamed_equals_dumped_dicts(seed: int, chunk: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    frames, count = _mixed_scene(seed)
    scene = scene_from_frames(frames, sequence="clip")
    monkeypatch.setattr(pipeline, "STREAM_OBJECTS", 0)
    monkeypatch.setattr(video_stream, "CHUNK", chunk)
    report = write_scene(scene, tmp_path / "out.jsonl")
    dicts = list(iter_payloads(scene_from_frames(_mixed_scene(seed)[0], sequence="clip")))
    assert (tmp_path / "out.jsonl").read_bytes() == b"".join(orjson.dumps(d) + b"\n" for d in dicts)
    assert report.objects_emitted == count  # nothing in this scene is skipped
    assert report.jobs == 1 and report.frames == 12


def test_streamed_directory_output(tmp_path: Path, always_stream: None) -> None:
    frames, _ = _mixed_scene(3)
    write_scene(scene_from_frames(frames, sequence="clip"), tmp_path / "jobs")
    (payload,) = iter_payloads(scene_from_frames(_mixed_scene(3)[0], sequence="clip"))
    assert (tmp_path / "jobs" / "clip.json").read_bytes() == orjson.dumps(payload)


def _bad_attribute_scene() -> list[Frame]:
    """Frame 2's object carries an attribute value JSON Schema rejects (an int, not a string)."""
    return [frame_from_arrays(f, 100, 100, boxes=[[1, 1, 10, 10]], track_ids=[7],
                              attributes=[{"n": 5} if f == 2 else {"n": "a"}]) for f in range(4)]


@pytest.mark.parametrize("chunk", [1, 3, 1000])
def test_a_rejected_piece_fails_with_the_whole_payload_issues(
    chunk: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(video_stream, "CHUNK", chunk)
    monkeypatch.setattr(pipeline, "STREAM_OBJECTS", 10**9)
    with pytest.raises(SchemaValidationError) as whole:
        write_scene(scene_from_frames(_bad_attribute_scene(), sequence="v"), tmp_path / "a.jsonl")
    monkeypatch.setattr(pipeline, "STREAM_OBJECTS", 0)
    with pytest.raises(SchemaValidationError) as streamed:
        write_scene(scene_from_frames(_bad_attribute_scene(), sequence="v"), tmp_path / "b.jsonl")
    assert streamed.value.issues == whole.value.issues
    (issue,) = streamed.value.issues
    assert issue.code == "wrong_type"
    assert issue.location.endswith("$.data.maker_response.video2d.data.annotations[0].frames['2'].attributes.n.value")
    assert list(tmp_path.iterdir()) == []  # nothing written, not even a temporary file


def test_an_earlier_job_survives_a_later_fallback(tmp_path: Path, always_stream: None) -> None:
    """A job whose stream fails its check and then passes the whole check (equal id hashes) is
    rewritten whole; the lines before it stay."""
    good = scene_from_frames([frame_from_arrays(0, 10, 10, boxes=[[1, 1, 2, 2]])], sequence="a")
    other = scene_from_frames([frame_from_arrays(0, 10, 10, boxes=[[1, 1, 2, 2]])], sequence="b")
    scene = good
    scene.sequences += other.sequences
    calls = {"n": 0}
    real_finish = VideoStreamCheck.finish

    def finish_fails_once(self: VideoStreamCheck) -> bool:
        calls["n"] += 1
        return False if calls["n"] == 2 else real_finish(self)

    with pytest.MonkeyPatch.context() as m:
        m.setattr(VideoStreamCheck, "finish", finish_fails_once)
        write_scene(scene, tmp_path / "out.jsonl")
    expected = b"".join(orjson.dumps(p) + b"\n" for p in iter_payloads(scene))
    assert (tmp_path / "out.jsonl").read_bytes() == expected


def _uuid(name: str) -> str:
    """A fixed uuid-shaped id per short name (the schema wants uuids)."""
    return f"00000000-0000-4000-8000-{name.encode().hex():0>12}"


def _tracker(tid: str, frames: dict[str, str], label: str = "car") -> dict[str, object]:
    box = [{"x": 0.1, "y": 0.1}, {"x": 0.2, "y": 0.1}, {"x": 0.2, "y": 0.2}, {"x": 0.1, "y": 0.2}]
    return {"_id": _uuid(tid), "type": "rectangle", "label": label, "frames": {
        fid: {"_id": _uuid(oid), "type": "rectangle", "label": label, "attributes": {}, "coordinates": box}
        for fid, oid in frames.items()}}


def _check(label_set: set[str] | None = None) -> VideoStreamCheck:
    check = VideoStreamCheck(PayloadValidator(label_set=label_set))
    envelope = {"reference_id": "r", "work_flow_id": "w", "data": {
        "video_data": {"frames": [{"frame_id": "0", "src": "a"}, {"frame_id": "1", "src": "b"}]},
        "maker_response": {"video2d": {"data": {"annotations": []}}}}}
    assert check.envelope_ok(envelope)
    return check


def test_stream_check_counts_a_continued_tracker_id_once() -> None:
    check = _check()
    assert check.trackers_ok([_tracker("t1", {"0": "o1"})])
    assert check.trackers_ok([_tracker("t1", {"1": "o2"}), _tracker("t2", {"0": "o3"})], continued=True)
    assert check.finish()


def test_stream_check_finds_a_repeated_id_across_batches() -> None:
    check = _check()
    assert check.trackers_ok([_tracker("t1", {"0": "o1"})])
    assert check.trackers_ok([_tracker("t2", {"0": "o1"})])
    assert not check.finish()


def test_stream_check_rejects_unknown_frames_labels_and_duplicate_frame_ids() -> None:
    assert not _check().trackers_ok([_tracker("t1", {"9": "o1"})])
    assert not _check({"bus"}).trackers_ok([_tracker("t1", {"0": "o1"})])
    assert _check({"car"}).trackers_ok([_tracker("t1", {"0": "o1"})])
    check = VideoStreamCheck(PayloadValidator())
    twice = {"reference_id": "r", "work_flow_id": "w", "data": {
        "video_data": {"frames": [{"frame_id": "0", "src": "a"}, {"frame_id": "0", "src": "b"}]},
        "maker_response": {"video2d": {"data": {"annotations": []}}}}}
    assert not check.envelope_ok(twice)


def test_writer_removes_a_failed_streamed_job(tmp_path: Path) -> None:
    def pieces() -> object:
        yield b'{"reference_id":"b"'
        raise RuntimeError("stop")

    for out in (tmp_path / "out.jsonl", tmp_path / "dir"):
        with OutputWriter(out) as writer:
            writer.write({"reference_id": "a"})
            with pytest.raises(RuntimeError):
                writer.write_pieces("b", pieces())  # type: ignore[arg-type]
            writer.write_pieces("c", [b'{"reference_id":', b'"c"}'])
            writer.commit()
    assert (tmp_path / "out.jsonl").read_bytes() == b'{"reference_id":"a"}\n{"reference_id":"c"}\n'
    assert sorted(p.name for p in (tmp_path / "dir").glob("*.json")) == ["a.json", "c.json"]


def test_report_is_the_same_streamed_or_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    frames, _ = _mixed_scene(5)
    frames[3].objects.append(SceneObject("car", Box(500, 500, 600, 600), track_id=0))  # outside: skipped
    reports = []
    for threshold in (10**9, 0):
        monkeypatch.setattr(pipeline, "STREAM_OBJECTS", threshold)
        fresh, _ = _mixed_scene(5)
        fresh[3].objects.append(SceneObject("car", Box(500, 500, 600, 600), track_id=0))
        report = Report()
        write_scene(scene_from_frames(fresh, sequence="clip"), tmp_path / f"{threshold}.jsonl", ConvertOptions(),
                    report)
        reports.append(report.to_dict())
    assert reports[0] == reports[1]
    assert (tmp_path / "0.jsonl").read_bytes() == (tmp_path / f"{10**9}.jsonl").read_bytes()
