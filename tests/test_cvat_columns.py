"""Column-stored box tracks (model.BoxTrack) against the same tracks expanded into SceneObjects.

``convert`` reads CVAT with ``compact=True``: plain box rows stay in columns and the builder plans
them without an object per box (``PayloadBuilder.plan_box_tracks``). Reading the same file with
``read_scene`` (expanded) and writing it with ``write_scene`` takes the object path. Both must give
the same bytes and the same report (every issue, in order) for any file: tracks out of frame
order, boxes partly or wholly outside the frame, outside rows, attributes, and files that mix in
rows that are not plain (which switch the reader back to objects).
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from test_cvat_cut import meta, row, track, video

from converters import ConvertOptions, convert
from converters.errors import Report
from converters.model import Box
from converters.pipeline import read_scene, write_scene


def _random_video(seed: int, mixed: bool, head: str | None = None) -> str:
    rng = random.Random(seed)
    frames = list(range(20))
    tracks = []
    for tid in range(rng.randrange(1, 7)):
        chosen = rng.sample(frames, rng.randrange(1, 20))
        if rng.random() < 0.7:
            chosen.sort()  # CVAT writes rows in frame order; some files do not
        rows = []
        for f in chosen:
            x: float | str = rng.choice([5, 20.5, 60, 95, 98, -4, 120])  # 95+: partly outside; 120: wholly outside
            outside = 1 if rng.random() < 0.1 else 0
            rows.append(row(f, x, outside=outside, occluded=rng.randrange(2), moving=rng.choice(["true", "false"])))
        if mixed and rng.random() < 0.3:
            at = rng.randrange(len(rows) + 1)  # a rotated box: not plain, converted as an object
            rows.insert(at, row(rng.choice(frames), 10, extra=' rotation="30"'))
        tracks.append(track(tid, "".join(rows), rng.choice(["car", "bike"])))
    return video("".join(tracks), meta(0, 19) if head is None else head)


def _both(path: Path, out: Path, options: ConvertOptions | None = None) -> tuple[bytes, dict, bytes, dict]:
    compact_report = Report()
    convert([path], "cvat", out / "compact.jsonl", options=options, report=compact_report)
    expanded_report = Report()
    scene = read_scene([path], "cvat", expanded_report)
    assert not any(seq.box_tracks for seq in scene.sequences)
    write_scene(scene, out / "expanded.jsonl", options, expanded_report)
    return ((out / "compact.jsonl").read_bytes(), compact_report.to_dict(),
            (out / "expanded.jsonl").read_bytes(), expanded_report.to_dict())


@pytest.mark.parametrize("mixed", [False, True])
@pytest.mark.parametrize("seed", range(40))
def test_columns_convert_like_objects(seed: int, mixed: bool, tmp_path: Path) -> None:
    path = tmp_path / "video.xml"
    path.write_text(_random_video(seed, mixed))
    compact, compact_report, expanded, expanded_report = _both(path, tmp_path)
    assert compact == expanded
    assert compact_report == expanded_report


@pytest.mark.parametrize("head", ["no range", "step 2"])
@pytest.mark.parametrize("seed", range(10))
def test_columns_convert_like_objects_in_other_frame_ranges(seed: int, head: str, tmp_path: Path) -> None:
    """No start_frame/stop_frame (the video holds the frames rows name, sorted after reading), or a
    frame filter of step 2 (rows on odd frames are skipped as frame_out_of_range)."""
    path = tmp_path / "video.xml"
    path.write_text(_random_video(seed, seed % 2 == 1, meta(start=None) if head == "no range" else meta(0, 19, 2)))
    compact, compact_report, expanded, expanded_report = _both(path, tmp_path)
    assert compact == expanded
    assert compact_report == expanded_report


def test_most_random_videos_keep_columns(tmp_path: Path) -> None:
    """The comparison above is worth something only if the column path is taken."""
    kept = 0
    for seed in range(40):
        path = tmp_path / f"{seed}.xml"
        path.write_text(_random_video(seed, False))
        kept += any(seq.box_tracks for seq in read_scene([path], "cvat", Report(), compact=True).sequences)
    assert kept >= 30


def _rows(x: float, frames: range) -> str:
    """Plain rows on ``frames`` (at least 4: shorter runs are read row by row)."""
    return "".join(row(f, x) for f in frames)


def test_plain_tracks_stay_in_columns(tmp_path: Path) -> None:
    path = tmp_path / "video.xml"
    path.write_text(video(track(0, _rows(5, range(0, 5))) + track(1, _rows(40, range(1, 6)))))
    scene = read_scene([path], "cvat", Report(), compact=True)
    (seq,) = scene.sequences
    assert [len(t) for t in seq.box_tracks] == [5, 5]
    assert not any(f.objects for f in seq.frames)
    assert scene.object_count == 10
    # row() writes xtl=x, ytl=2, xbr=x+10, ybr=12 (see test_cvat_cut)
    first = next(scene.objects())
    assert (first.label, first.geometry, first.track_id) == ("car", Box(5.0, 2.0, 15.0, 12.0), "0")
    assert first.source.endswith('<track id="0"> <box frame="0">')
    scene.expand_columns()
    assert [[o.track_id for o in f.objects] for f in seq.frames[:3]] == [["0"], ["0", "1"], ["0", "1"]]


def test_a_row_that_is_not_plain_expands_the_tracks_read_before_it(tmp_path: Path) -> None:
    """Object order in a frame is read order: track 0 (columns), track 1's rotated box (an object),
    then track 2 (columns again)."""
    path = tmp_path / "video.xml"
    rotated = row(0, 30, extra=' rotation="30"')
    path.write_text(video(track(0, _rows(5, range(5))) + track(1, rotated) + track(2, _rows(60, range(5)))))
    scene = read_scene([path], "cvat", Report(), compact=True)
    (seq,) = scene.sequences
    assert [len(t) for t in seq.box_tracks] == [5]  # track 2, still pending
    assert [o.track_id for o in seq.frames[0].objects] == ["0", "1"]
    scene.expand_columns()
    assert [o.track_id for o in seq.frames[0].objects] == ["0", "1", "2"]


@pytest.mark.parametrize("options", [
    ConvertOptions(frames_per_job=4),
    ConvertOptions(min_score=0.5),
    ConvertOptions(job_type="image"),
])
def test_options_that_need_objects_expand_the_columns(options: ConvertOptions, tmp_path: Path) -> None:
    path = tmp_path / "video.xml"
    path.write_text(_random_video(3, False))
    compact, compact_report, expanded, expanded_report = _both(path, tmp_path, options)
    assert compact == expanded
    assert compact_report == expanded_report
