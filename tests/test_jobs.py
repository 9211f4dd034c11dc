"""Grouping frames into jobs, templates, duplicate reference ids, atomic output, determinism."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from converters import Box, ConvertOptions, Frame, Scene, SceneObject, Sequence, UsageError, iter_payloads, write_scene
from converters.errors import InputError
from converters.jobs import plan_jobs
from converters.model import BoxTrack, scene_from_frames
from converters.output_paths import MANIFEST
from converters.writer import safe_file_stem


def _scene() -> Scene:
    video = Sequence("clip", [Frame(str(i), f"clip/{i:03d}.jpg", 100, 50, i) for i in range(5)], is_video=True)
    stills = [Sequence(f"img/{n}", [Frame(n, f"img/{n}.png", 10, 10)]) for n in ("a", "b", "c")]
    scene = Scene([video, *stills], name="ds")
    video.frames[0].objects.append(SceneObject("car", Box(0, 0, 10, 10), track_id=1))
    return scene


def test_default_one_job_per_sequence() -> None:
    jobs = plan_jobs(_scene(), ConvertOptions())
    assert [j.reference_id for j in jobs] == ["clip", "img/a", "img/b", "img/c"]
    assert [len(j.frames) for j in jobs] == [5, 1, 1, 1]
    assert jobs[0].srcs[2] == "clip/002.jpg"


def test_job_per_image() -> None:
    jobs = plan_jobs(_scene(), ConvertOptions(job_per="image"))
    assert [j.reference_id for j in jobs] == ["clip_0", "clip_1", "clip_2", "clip_3", "clip_4",
                                              "img/a", "img/b", "img/c"]


def test_frames_per_job_chunks_video_alone_and_stills_together() -> None:
    jobs = plan_jobs(_scene(), ConvertOptions(frames_per_job=2))
    assert [(j.reference_id, [f.id for f in j.frames]) for j in jobs] == [
        ("clip_0000", ["0", "1"]), ("clip_0001", ["2", "3"]), ("clip_0002", ["4"]),
        ("ds_0000", ["a", "b"]), ("ds_0001", ["c"]),
    ]


def test_templates() -> None:
    opts = ConvertOptions(job_per="image", reference_id="{stem}-{frame_index}-{job}",
                          frame_url="s3://bucket/{sequence}/{frame_id}/{file_name}")
    jobs = plan_jobs(_scene(), opts)
    assert jobs[1].reference_id == "001-1-1"
    assert jobs[1].srcs == ["s3://bucket/clip/1/clip/001.jpg"]
    with pytest.raises(UsageError, match="unknown placeholder 'nope'"):
        plan_jobs(_scene(), ConvertOptions(reference_id="{nope}"))


def test_duplicate_reference_ids_fail_before_output(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with pytest.raises(UsageError, match="more than once"):
        write_scene(_scene(), out, ConvertOptions(reference_id="same"))
    assert list(tmp_path.iterdir()) == []


def test_image_job_type_is_one_frame_per_job() -> None:
    jobs = plan_jobs(_scene(), ConvertOptions(job_type="image"))
    assert len(jobs) == 8
    with pytest.raises(UsageError, match="one frame per job"):
        plan_jobs(_scene(), ConvertOptions(job_type="image", frames_per_job=2))


def test_directory_output_is_deterministic_and_overwrite_touches_only_its_own_files(tmp_path: Path) -> None:
    out = tmp_path / "jobs"
    write_scene(_scene(), out)
    jobs = sorted(["clip.json", f"{safe_file_stem('img/a')}.json", f"{safe_file_stem('img/b')}.json",
                   f"{safe_file_stem('img/c')}.json"])
    assert sorted(p.name for p in out.glob("*.json")) == jobs
    assert orjson.loads((out / MANIFEST).read_bytes())["files"] == jobs
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    (out / "notes.txt").write_text("mine")
    with pytest.raises(UsageError, match="not empty"):
        write_scene(_scene(), out)
    write_scene(_scene(), out, overwrite=True)
    second = {p.name: p.read_bytes() for p in out.iterdir() if p.name != "notes.txt"}
    assert first == second  # same bytes
    assert (out / "notes.txt").read_text() == "mine"
    # a job the new run no longer writes is removed; the user's file stays
    scene = _scene()
    fewer = Scene([s for s in scene.sequences if s.name != "clip"], name="ds")
    write_scene(fewer, out, overwrite=True)
    kept = [j for j in jobs if j != "clip.json"]
    assert sorted(p.name for p in out.iterdir()) == sorted([*kept, "notes.txt", MANIFEST])
    assert [p.name for p in tmp_path.iterdir()] == ["jobs"]  # no temp leftovers
    assert orjson.loads(first["clip.json"])["reference_id"] == "clip"


def test_jsonl_output_one_job_per_line(tmp_path: Path) -> None:
    out = tmp_path / "jobs.jsonl"
    write_scene(_scene(), out)
    lines = out.read_bytes().splitlines()
    assert [orjson.loads(x)["reference_id"] for x in lines] == ["clip", "img/a", "img/b", "img/c"]


def test_safe_file_stem_never_collides() -> None:
    assert safe_file_stem("job-1.a") == "job-1.a"
    a, b = safe_file_stem("a/b"), safe_file_stem("a_b")
    assert a != b and a.startswith("a_b-") and b == "a_b"
    assert safe_file_stem("CON").startswith("CON-")


def test_failed_run_leaves_nothing(tmp_path: Path) -> None:
    scene = _scene()
    scene.sequences[1].frames[0].objects.append(SceneObject("x", Box(20, 20, 30, 30), source="s:1"))
    out = tmp_path / "o.jsonl"
    from converters import InputError

    with pytest.raises(InputError, match="strict"):
        write_scene(scene, out, ConvertOptions(strict=True))
    assert list(tmp_path.iterdir()) == []


def test_names_that_are_not_utf8_stop_with_a_message() -> None:
    """A file name in another encoding reaches Python with a lone surrogate (os.fsdecode of b"a\\xff")."""
    name = b"a\xff.jpg".decode("utf-8", "surrogateescape")
    scene = scene_from_frames([Frame(name, name, 10, 10, source="labels/a\udcff.txt")])
    with pytest.raises(InputError) as err:
        plan_jobs(scene, ConvertOptions())
    assert err.value.code == "not_utf8" and "reference id" in str(err.value)
    with pytest.raises(InputError) as err:
        plan_jobs(scene, ConvertOptions(reference_id="job_{job}"))
    assert err.value.code == "not_utf8" and err.value.location == "labels/a\udcff.txt"


def _tracked_clip() -> Scene:
    """A 3-frame clip whose two box tracks are stored as columns (as the CVAT reader keeps them)."""
    frames = [Frame(str(i), f"clip/{i}.jpg", 100, 50, i) for i in range(3)]
    seq = Sequence("clip", frames, is_video=True)
    for tid, x in ((7, 0.0), (9, 50.0)):
        track = BoxTrack("car", tid, f'clip.xml <track id="{tid}"> <box frame="')
        track.extend(frames, [x] * 3, [0.0] * 3, [x + 10] * 3, [10.0] * 3, [None] * 3)
        seq.box_tracks.append(track)
    return Scene([seq])


def test_a_whole_sequence_job_carries_its_box_tracks() -> None:
    scene = _tracked_clip()
    tracks = scene.sequences[0].box_tracks
    [job] = plan_jobs(scene, ConvertOptions())
    assert job.box_tracks is tracks and all(not f.objects for f in job.frames)


@pytest.mark.parametrize("opts", [ConvertOptions(job_per="image"), ConvertOptions(frames_per_job=2),
                                  ConvertOptions(job_type="image", job_per="image")])
def test_box_tracks_of_a_cut_sequence_become_objects(opts: ConvertOptions) -> None:
    scene = _tracked_clip()
    jobs = plan_jobs(scene, opts)
    assert all(j.box_tracks is None for j in jobs) and not scene.sequences[0].box_tracks
    # every frame now holds one box of each track, in track order
    assert [[o.track_id for o in f.objects] for f in scene.sequences[0].frames] == [[7, 9]] * 3


@pytest.mark.parametrize("opts", [ConvertOptions(), ConvertOptions(job_per="image")])
def test_iter_payloads_and_write_scene_give_the_same_jobs(tmp_path: Path, opts: ConvertOptions) -> None:
    """The one job loop: payload dicts in memory are the bytes the writer writes, with box tracks
    built from their columns (write_scene) or from objects (iter_payloads on a fresh scene)."""
    write_scene(_tracked_clip(), tmp_path / "jobs.jsonl", opts)
    written = (tmp_path / "jobs.jsonl").read_bytes()
    in_memory = b"".join(orjson.dumps(p) + b"\n" for p in iter_payloads(_tracked_clip(), opts))
    expanded = _tracked_clip().expand_columns()
    from_objects = b"".join(orjson.dumps(p) + b"\n" for p in iter_payloads(expanded, opts))
    assert written == in_memory == from_objects
    first = orjson.loads(written.splitlines()[0])
    trackers = first["data"]["maker_response"]["video2d"]["data"]["annotations"]
    if opts.job_per == "sequence":  # one tracker per track, each on the three frames
        assert [sorted(t["frames"]) for t in trackers] == [["0", "1", "2"]] * 2
        # frame 1 of track 9: x 50..60 of 100, y 0..10 of 50
        box = trackers[1]["frames"]["1"]
        assert box["coordinates"] == [{"x": 0.5, "y": 0.0}, {"x": 0.6, "y": 0.0}, {"x": 0.6, "y": 0.2},
                                      {"x": 0.5, "y": 0.2}]  # TL, TR, BR, BL
    else:
        assert len(trackers) == 2 and all(list(t["frames"]) == ["0"] for t in trackers)
