"""prelabel preview: pixels drawn where the objects are and nowhere else, the canvas for frames
without an image, the folder's files and its safety rules. (The page in a real browser:
tests/test_preview_browser.py.)"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from converters.cli import main
from converters.preview import render_frame, write_preview
from converters.preview._draw import BACKGROUND, colour

W, H = 200, 100


def _video(trackers: list[dict[str, Any]], frames: tuple[str, ...] = ("f1",), src: str = "img.png") -> dict[str, Any]:
    return {"reference_id": "job-1", "data": {"video_data": {"frames": [{"frame_id": f, "src": src} for f in frames]},
                                              "maker_response": {"video2d": {"data": {"annotations": trackers}}}}}


def _rect(x1: float, y1: float, x2: float, y2: float) -> dict[str, Any]:
    return {"coordinates": [{"x": x1, "y": y1}, {"x": x2, "y": y1}, {"x": x2, "y": y2}, {"x": x1, "y": y2}]}


def _pts(*xy: tuple[float, float], labels: bool = False) -> dict[str, Any]:
    return {"points": {f"p{i}": {"x": x, "y": y, **({"label": i} if labels else {})} for i, (x, y) in enumerate(xy, 1)}}


def _tracker(kind: str, label: str, body: dict[str, Any], frame: str = "f1") -> dict[str, Any]:
    return {"_id": f"{label}-0000-id", "type": kind, "label": label, "frames": {frame: {"label": label, **body}}}


WHITE = Image.new("RGB", (W, H), (255, 255, 255))


def _near(p: tuple[int, ...], c: tuple[int, int, int], tol: int = 40) -> bool:
    return all(abs(a - b) <= tol for a, b in zip(p[:3], c))


def test_a_rectangle_is_drawn_on_its_edges_and_nothing_else_changes() -> None:
    # x 0.25..0.75 of 200 = 50..150 px, y 0.4..0.8 of 100 = 40..80 px
    img = render_frame(_video([_tracker("rectangle", "car", _rect(0.25, 0.4, 0.75, 0.8))]), "f1", WHITE)
    assert img.size == (W, H)
    car = colour("car")
    assert _near(img.getpixel((100, 80)), car) and _near(img.getpixel((50, 60)), car)  # bottom and left edges
    assert _near(img.getpixel((150, 60)), car)  # right edge
    inside = img.getpixel((100, 60))
    assert inside != (255, 255, 255) and not _near(inside, car, 10)  # the light fill: tinted, not the outline
    for far in ((5, 95), (195, 5), (190, 90), (10, 20)):
        assert img.getpixel(far) == (255, 255, 255), far


def test_polygon_cuboid_and_numbered_landmarks() -> None:
    poly = _pts((0.1, 0.1), (0.4, 0.1), (0.25, 0.5))  # (20,10) (80,10) (50,50)
    cuboid = _pts((0.55, 0.9), (0.75, 0.9), (0.75, 0.5), (0.55, 0.5), (0.6, 0.8), (0.8, 0.8), (0.8, 0.4), (0.6, 0.4))
    marks = _pts((0.95, 0.9), (0.9, 0.9), labels=True)  # (190, 90) and (180, 90)
    payload = _video([_tracker("polygon", "road", poly), _tracker("cuboid", "box3d", cuboid),
                      _tracker("landmark", "person", marks)])
    img = render_frame(payload, "f1", WHITE)
    assert _near(img.getpixel((35, 30)), colour("road"))  # the edge (20,10)-(50,50), halfway
    assert _near(img.getpixel((130, 90)), colour("box3d"))  # front face, bottom edge (110..150 at y 90)
    assert _near(img.getpixel((160, 60)), colour("box3d"))  # back face, right edge x 160 (y 40..80)
    assert _near(img.getpixel((190, 90)), colour("person")) and _near(img.getpixel((180, 90)), colour("person"))
    assert img.getpixel((5, 95)) == (255, 255, 255)


def test_a_frame_without_an_image_gets_the_canvas() -> None:
    img = render_frame(_video([_tracker("rectangle", "car", _rect(0.5, 0.5, 0.6, 0.6))]), "f1", canvas=(320, 180))
    assert img.size == (320, 180) and img.getpixel((5, 5)) == BACKGROUND
    assert _near(img.getpixel((160, 100)), colour("car"))  # left edge x = 0.5 * 320 at y 90..108


def test_colours_are_stable_per_label() -> None:
    assert colour("car") == colour("car") != colour("person")


def _write_jobs(tmp_path: Path) -> Path:
    frames = ("f1", "f2", "f3")
    car = {f: {"label": "car", **_rect(0.1 * i, 0.1, 0.1 * i + 0.2, 0.5)} for i, f in enumerate(frames, 1)}
    lane = {"f2": {"label": "lane", **_pts((0, 1), (1, 0.8))}}
    trackers = [{"_id": "t-car", "type": "rectangle", "label": "car", "frames": car},
                {"_id": "t-lane", "type": "line", "label": "lane", "frames": lane}]
    video = _video(trackers, frames, src="clip/img.png")
    sign = {"_id": "r1", "label": "sign", "attributes": {"kind": {"value": "stop"}}, **_rect(0.1, 0.1, 0.3, 0.3)}
    image = {"reference_id": "still", "data": {"image_url": "https://bucket/x/still.png",
                                               "maker_response": {"rectangles": {"data": [sign]}}}}
    src = tmp_path / "jobs.jsonl"
    src.write_text(json.dumps(video) + "\n" + json.dumps(image) + "\n")
    (tmp_path / "imgs").mkdir()
    Image.new("RGB", (W, H), (255, 255, 255)).save(tmp_path / "imgs" / "img.png")
    return src


def test_the_preview_folder(tmp_path: Path) -> None:
    src = _write_jobs(tmp_path)
    out = tmp_path / "preview"
    summary = write_preview(src, out, images=tmp_path / "imgs")
    assert (summary.jobs, summary.frames, summary.objects, summary.without_image) == (2, 4, 5, 1)
    names = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert names == ["index.html", "job-1__f1.jpg", "job-1__f1.png", "job-1__f2.jpg", "job-1__f2.png",
                     "job-1__f3.jpg", "job-1__f3.png", "still__still.png"]
    with Image.open(out / "job-1__f2.png") as im:
        assert im.size == (W, H)  # the image found by name under --images gives the size
    with Image.open(out / "still__still.png") as im:
        assert im.size == (1280, 720)  # no image found: the canvas
    page = (out / "index.html").read_text()
    data = json.loads(page.split('id="data">')[1].split("</script>")[0].replace("<\\/", "</"))
    assert [j["ref"] for j in data["jobs"]] == ["job-1", "still"]
    assert data["jobs"][0]["counts"] == {"car": {"rectangle": 3}, "lane": {"line": 1}}
    assert data["jobs"][1]["frames"][0]["shapes"][0]["attrs"] == {"kind": "stop"}
    assert "http" not in page.split("<body>")[0] and "<script src" not in page  # offline: nothing fetched


def test_the_folder_is_never_destroyed(tmp_path: Path) -> None:
    src = _write_jobs(tmp_path)
    out = tmp_path / "preview"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    err = io.StringIO()
    assert main(["preview", str(src), "--out", str(out)], stdout=io.StringIO(), stderr=err) == 2
    assert "--overwrite" in err.getvalue()
    assert main(["preview", str(src), "--out", str(out), "--overwrite", "--jobs", "still"],
                stdout=io.StringIO(), stderr=err) == 0
    assert (out / "notes.txt").read_text() == "mine" and (out / "index.html").exists()
    assert main(["preview", str(src), "--out", str(tmp_path / "p.jsonl")], stdout=io.StringIO(),
                stderr=io.StringIO()) == 2


@pytest.mark.parametrize("args", [["--canvas", "0x10"], ["--canvas", "wide"], ["--max-frames", "0"]])
def test_bad_options_are_usage_errors(tmp_path: Path, args: list[str]) -> None:
    src = _write_jobs(tmp_path)
    err = io.StringIO()
    assert main(["preview", str(src), "--out", str(tmp_path / "o"), *args], stdout=io.StringIO(), stderr=err) == 2
    assert not (tmp_path / "o").exists()
