"""JobWriter: jobs written as their frames arrive, the same bytes as write_scene on the same frames."""

from __future__ import annotations

from pathlib import Path

import pytest

from converters import ConvertOptions, JobWriter, Report, UsageError, frame_from_arrays, write_scene
from converters.model import Frame, Scene, Sequence, still_sequence_name


def _frame(i: int, name: str) -> Frame:
    boxes = [[10 + i, 10, 40 + i, 30], [50, 5, 90, 45]]
    return frame_from_arrays(i, 100, 50, file_name=name, boxes=boxes, labels=["car", "person"],
                             track_ids=[1, 2], scores=[0.9, 0.8])


def _stream() -> list[tuple[Frame, str | None]]:
    """Two videos and still images between them, in the order a pipeline would add them."""
    out: list[tuple[Frame, str | None]] = []
    out += [(_frame(i, f"a/{i:03d}.jpg"), "a") for i in range(5)]
    out += [(_frame(10, "s1.jpg"), None), (_frame(11, "s2.png"), None)]  # distinct ids: chunked together
    out += [(_frame(i, f"b/{i:03d}.jpg"), "b") for i in range(3)]
    out += [(_frame(12, "s3.jpg"), None)]
    return out


def _scene(stream: list[tuple[Frame, str | None]]) -> Scene:
    """The scene write_scene gets for the same frames: sequences in the order they start."""
    seqs: list[Sequence] = []
    for frame, seq in stream:
        if seq is None:
            seqs.append(Sequence(still_sequence_name(frame.file_name), [frame]))
        elif seqs and seqs[-1].name == seq and seqs[-1].is_video:
            frame.index = len(seqs[-1].frames)
            seqs[-1].frames.append(frame)
        else:
            frame.index = 0
            seqs.append(Sequence(seq, [frame], is_video=True))
    return Scene(seqs)


@pytest.mark.parametrize("options", [
    ConvertOptions(),
    ConvertOptions(frames_per_job=2),
    ConvertOptions(frames_per_job=2, reference_id="{sequence}_{chunk}_{job}"),
    ConvertOptions(job_per="image"),
    ConvertOptions(job_per="image", reference_id="{sequence}_{chunk}_{frame_index}"),
    ConvertOptions(job_type="image", job_per="image", frame_url="https://h/{file_name}"),
], ids=["default", "chunks", "chunk-names", "per-image", "per-image-names", "image-jobs"])
@pytest.mark.parametrize("out_name", ["jobs.jsonl", "jobs"])
def test_the_bytes_equal_write_scene(tmp_path: Path, options: ConvertOptions, out_name: str) -> None:
    (tmp_path / "scene").mkdir()
    (tmp_path / "stream").mkdir()
    expected = write_scene(_scene(_stream()), tmp_path / "scene" / out_name, options)
    with JobWriter(tmp_path / "stream" / out_name, options) as jobs:
        for frame, seq in _stream():
            jobs.add(frame, sequence=seq)
    got = jobs.report
    a, b = tmp_path / "scene" / out_name, tmp_path / "stream" / out_name
    if a.is_dir():
        names = sorted(p.name for p in a.iterdir())
        assert names == sorted(p.name for p in b.iterdir())
        assert all((a / n).read_bytes() == (b / n).read_bytes() for n in names)
    else:
        assert a.read_bytes() == b.read_bytes()
    assert (got.records_read, got.objects_emitted, got.jobs, got.frames) == (
        expected.records_read, expected.objects_emitted, expected.jobs, expected.frames)
    assert got.records_read == 2 * 11  # every object added is a record


def test_a_job_is_written_when_its_sequence_ends(tmp_path: Path) -> None:
    """Memory holds one job: the video's job is in the temporary output before the writer closes."""
    out = tmp_path / "jobs"
    jobs = JobWriter(out)
    for i in range(3):
        jobs.add(_frame(i, f"a/{i}.jpg"), sequence="a")
    assert jobs._writer.count == 0  # the sequence is still open
    jobs.add(_frame(0, "still.jpg"))  # another sequence: "a" is complete
    assert jobs._writer.count == 2  # a, and the still image at once
    report = jobs.close()
    assert report.jobs == 2 and sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "a.json", "still.json"]


def test_errors_leave_nothing_and_a_sequence_cannot_come_back(tmp_path: Path) -> None:
    out = tmp_path / "jobs.jsonl"
    with pytest.raises(UsageError, match="sequence 'a' already ended"), JobWriter(out) as jobs:
        jobs.add(_frame(0, "a/0.jpg"), sequence="a")
        jobs.add(_frame(0, "b/0.jpg"), sequence="b")
        jobs.add(_frame(1, "a/1.jpg"), sequence="a")
    assert not out.exists() and list(tmp_path.iterdir()) == []
    with pytest.raises(UsageError, match="reference id 'x' occurs more than once"), \
            JobWriter(out, ConvertOptions(reference_id="x")) as jobs:
        jobs.add(_frame(0, "s1.jpg"))
        jobs.add(_frame(0, "s2.jpg"))
    assert not out.exists()


def test_skips_are_in_the_report(tmp_path: Path) -> None:
    report = Report()
    with JobWriter(tmp_path / "j.jsonl", report=report) as jobs:
        jobs.add(frame_from_arrays(0, 10, 10, boxes=[[1, 1, 5, 5], [20, 20, 30, 30]], labels=["a", "a"]))
    assert (report.records_read, report.records_skipped, report.objects_emitted) == (2, 1, 1)
