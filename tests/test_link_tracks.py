"""--link-tracks: untracked video detections joined into trackers. Hand-made sequences (boxes in
pixels on a 400 x 200 frame, 40 x 40 px unless said); expected groupings follow from the rules of
converters/linking/_iou.py worked by hand in the comments."""

from __future__ import annotations

import io
from pathlib import Path

import orjson
import pytest

from converters import ConvertOptions, Report, frame_from_arrays, iter_payloads, scene_from_frames
from converters.cli import main
from converters.linking import link_scene
from converters.model import Scene


def _scene(per_frame: list[list[tuple[str, float, float]]], size: float = 40) -> Scene:
    """Frames of (label, x, y) top-left corners, untracked."""
    frames = [frame_from_arrays(t, 400, 200, boxes=[[x, y, x + size, y + size] for _, x, y in dets] or None,
                                labels=[label for label, _, _ in dets] or None)
              if dets else frame_from_arrays(t, 400, 200) for t, dets in enumerate(per_frame)]
    return scene_from_frames(frames, sequence="clip")


def _tracks(scene: Scene) -> dict[str, list[tuple[int, float]]]:
    """track id -> [(frame, x)] of its boxes."""
    out: dict[str, list[tuple[int, float]]] = {}
    for t, f in enumerate(scene.sequences[0].frames):
        for o in f.objects:
            out.setdefault(str(o.track_id), []).append((t, o.geometry.bounds()[0]))
    return out


def _groups(scene: Scene) -> list[list[tuple[int, float]]]:
    return sorted(_tracks(scene).values())


def test_two_objects_crossing_keep_their_tracks() -> None:
    # a moves right 20 px/frame at y 10, b moves left 20 px/frame at y 30; they cross at frame 5
    frames = [[("p", 20 + 20 * t, 10), ("p", 220 - 20 * t, 30)] for t in range(11)]
    scene = _scene(frames)
    link_scene(scene, "iou", report := Report())
    assert _groups(scene) == [[(t, 20 + 20 * t) for t in range(11)], [(t, 220 - 20 * t) for t in range(11)]]
    assert report.linking == {"method": "iou", "trackers_made": 2, "links_made": 20, "gaps_bridged": 0}


def test_an_occlusion_of_3_frames_is_bridged_and_one_of_8_is_not() -> None:
    # a still object, missing on frames 3-5 (gap 3 <= max_gap 5): one track
    gap3 = [[("car", 100, 50)] if t not in (3, 4, 5) else [] for t in range(10)]
    scene = _scene(gap3)
    link_scene(scene, "iou", report := Report())
    assert len(_tracks(scene)) == 1 and report.linking["gaps_bridged"] == 1  # type: ignore[index]
    # missing on frames 3-10 (gap 8 > 5): two tracks (a still object says nothing about identity
    # after a long gap, so the long-gap pass does not join it)
    gap8 = [[("car", 100, 50)] if not 3 <= t <= 10 else [] for t in range(14)]
    scene = _scene(gap8)
    link_scene(scene, "iou", Report())
    assert _groups(scene) == [[(0, 100), (1, 100), (2, 100)], [(11, 100), (12, 100), (13, 100)]]


def test_a_moving_object_whose_motion_carries_it_over_a_long_gap_is_joined() -> None:
    # moving 10 px/frame, hidden on frames 4-11 (gap 8): its motion predicts x = 30 + 10 * 12 at 12
    frames = [[("car", 30 + 10 * t, 50)] if not 4 <= t <= 11 else [] for t in range(16)]
    scene = _scene(frames)
    link_scene(scene, "iou", report := Report())
    assert len(_tracks(scene)) == 1 and report.linking["gaps_bridged"] == 1  # type: ignore[index]


def test_a_label_change_never_links() -> None:
    frames = [[("car", 100, 50)], [("car", 100, 50)], [("truck", 100, 50)], [("truck", 100, 50)]]
    scene = _scene(frames)
    link_scene(scene, "iou", Report())
    tracks = _tracks(scene)
    assert len(tracks) == 2
    labels = {str(o.track_id): o.label for f in scene.sequences[0].frames for o in f.objects}
    assert sorted(labels.values()) == ["car", "truck"]


def test_an_object_entering_mid_sequence_gets_its_own_track() -> None:
    frames = [[("p", 20, 20)] + ([("p", 300, 100)] if t >= 4 else []) for t in range(8)]
    scene = _scene(frames)
    link_scene(scene, "iou", Report())
    assert _groups(scene) == [[(t, 20) for t in range(8)], [(t, 300) for t in range(4, 8)]]


def test_an_object_leaving_and_another_entering_at_its_place_are_not_linked() -> None:
    # 80 px boxes. a drives right at 30 px/frame (x 150, 180, 210, 240 on frames 0-3; consecutive
    # boxes overlap with IoU 50/110 = 0.45 >= 0.3) and is gone from frame 4 on; one frame after it
    # left, on frame 5, b enters at a's last place (x 240) and drives left. a's motion puts it at
    # x 240 + 2 * 30 = 300 on frame 5: IoU(300..380, 240..320) = 20/140 = 0.14 < 0.3 -> b is new.
    frames = [[("car", 150 + 30 * t, 50)] if t <= 3 else [] for t in range(5)]
    frames += [[("car", 240 - 30 * (t - 5), 50)] for t in range(5, 9)]
    scene = _scene(frames, size=80)
    link_scene(scene, "iou", Report())
    assert _groups(scene) == [[(t, 150 + 30 * t) for t in range(4)], [(t, 240 - 30 * (t - 5)) for t in range(5, 9)]]


def test_ids_given_are_kept_and_the_result_is_deterministic() -> None:
    frames = [frame_from_arrays(t, 400, 200, boxes=[[10, 10, 50, 50], [100, 10, 140, 50]], labels=["a", "a"],
                                track_ids=[7, None]) for t in range(4)]
    scene = scene_from_frames(frames, sequence="clip")
    link_scene(scene, "iou", Report())
    assert [[o.track_id for o in f.objects] for f in scene.sequences[0].frames] == [[7, "link1"]] * 4
    a = list(iter_payloads(_scene([[("p", 10, 10), ("p", 200, 10)]] * 5), ConvertOptions(link_tracks="iou")))
    b = list(iter_payloads(_scene([[("p", 10, 10), ("p", 200, 10)]] * 5), ConvertOptions(link_tracks="iou")))
    assert a == b and len(a[0]["data"]["maker_response"]["video2d"]["data"]["annotations"]) == 2


def test_still_images_are_left_alone() -> None:
    scene = scene_from_frames([frame_from_arrays(0, 10, 10, boxes=[[1, 1, 5, 5]], labels=["a"])])
    link_scene(scene, "iou", Report())
    assert next(scene.objects()).track_id is None


def test_the_cli_flag_turns_boxes_into_trackers(tmp_path: Path) -> None:
    """A YOLO video prediction folder without track ids: 4 frames of one car -> 1 tracker, not 4."""
    labels = tmp_path / "labels"
    labels.mkdir()
    for n in range(1, 5):
        (labels / f"clip_{n}.txt").write_text(f"0 {0.2 + 0.01 * n} 0.5 0.1 0.2\n")
    (tmp_path / "sizes.json").write_text('{"clip.mp4": [640, 480]}')
    (tmp_path / "names.txt").write_text("car\n")
    counts = {}
    for method in ("none", "iou"):
        out = tmp_path / f"{method}.jsonl"
        err = io.StringIO()
        code = main(["convert", str(labels), "--from", "yolo", "--names", str(tmp_path / "names.txt"),
                     "--image-sizes", str(tmp_path / "sizes.json"), "--link-tracks", method, "--out", str(out)],
                    stdout=io.StringIO(), stderr=err)
        assert code == 0, err.getvalue()
        [job] = [orjson.loads(x) for x in out.read_bytes().splitlines()]
        counts[method] = len(job["data"]["maker_response"]["video2d"]["data"]["annotations"])
    assert counts == {"none": 4, "iou": 1}


@pytest.mark.parametrize("method", ["bytetrack", "sort", "ocsort"])
def test_the_trackers_library_methods(method: str) -> None:
    pytest.importorskip("trackers", reason="the trackers library is not installed (pip install "
                                           "'playment-prelabel[trackers]')")
    frames = [[("p", 20 + 10 * t, 10), ("p", 300 - 10 * t, 120)] for t in range(12)]
    scene = _scene(frames)
    link_scene(scene, method, report := Report())
    tracks = _tracks(scene)
    linked = [v for k, v in tracks.items() if k.startswith("link")]
    assert len(linked) == 2 and all(len(v) >= 8 for v in linked)  # online trackers confirm after a few frames
    assert report.linking["method"] == method  # type: ignore[index]
