"""The preview page in a real browser: headless Chromium (Debian's ``chromium``). The set-up installs
it with apt-get where it is missing and this machine allows it (root, apt); otherwise the tests are
skipped and say why. ``.ci/run`` installs it before the suite."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from converters.preview import write_preview

_NAMES = ("chromium", "chromium-browser", "google-chrome")


def _find() -> str | None:
    return next((p for p in map(shutil.which, _NAMES) if p), None)


@pytest.fixture(scope="module")
def chromium() -> str:
    found = _find()
    if found is None and shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "-q", "chromium"], capture_output=True, timeout=900,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}, check=False)
        found = _find()
    if found is None:
        pytest.skip("no headless Chromium: install Debian's chromium package (apt-get install chromium); "
                    "apt-get is not available to this user here")
    return found


def _run(browser: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           "--virtual-time-budget=5000", *args], capture_output=True, text=True, timeout=120)


def _preview(tmp_path: Path) -> Path:
    frames = ["f1", "f2", "f3"]
    rect = {"coordinates": [{"x": 0.1, "y": 0.1}, {"x": 0.4, "y": 0.1}, {"x": 0.4, "y": 0.5}, {"x": 0.1, "y": 0.5}]}
    line = {"points": {"p1": {"x": 0, "y": 0.9}, "p2": {"x": 1, "y": 0.8}}}
    cars = {f: {"label": "car", **rect} for f in frames}
    trackers = [{"_id": "t1", "type": "rectangle", "label": "car", "frames": cars},
                {"_id": "t2", "type": "line", "label": "lane", "frames": {"f2": {"label": "lane", **line}}}]
    video_data = {"frames": [{"frame_id": f, "src": "img.png"} for f in frames]}
    job = {"reference_id": "clip", "data": {"video_data": video_data,
                                            "maker_response": {"video2d": {"data": {"annotations": trackers}}}}}
    src = tmp_path / "jobs.jsonl"
    src.write_text(json.dumps(job) + "\n")
    Image.new("RGB", (320, 180), (250, 250, 250)).save(tmp_path / "img.png")
    out = tmp_path / "preview"
    write_preview(src, out, images=tmp_path)
    return out / "index.html"


def test_the_page_loads_and_steps_through_frames(chromium: str, tmp_path: Path) -> None:
    page = _preview(tmp_path)
    r = _run(chromium, "--dump-dom", page.as_uri() + "#selftest")
    assert r.returncode == 0, r.stderr[-2000:]
    report = json.loads(r.stdout.split('<pre id="selftest">')[1].split("</pre>")[0])
    assert report["errors"] == []  # no script error on the page
    # frame f1: the car; f2: the car and the lane; f3: the car again
    assert report["seen"] == [{"frame": "f1", "shapes": 1}, {"frame": "f2", "shapes": 2}, {"frame": "f3", "shapes": 1}]


def test_the_screenshot_is_not_blank(chromium: str, tmp_path: Path) -> None:
    page = _preview(tmp_path)
    shot = tmp_path / "shot.png"
    r = _run(chromium, "--window-size=1000,700", f"--screenshot={shot}", page.as_uri())
    assert shot.exists(), r.stderr[-2000:]
    with Image.open(shot) as im:
        colours = im.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 20  # text, the frame image, the coloured shapes
