"""The README's library example runs as written (with small arrays standing in for a detector)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import orjson
import pytest

REPO = Path(__file__).resolve().parents[1]


def test_readme_library_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("## Library"):readme.index("## Formats")]
    code = re.findall(r"```python\n(.*?)```", section, re.S)[0]
    shutil.copy(REPO / "fixtures/coco/demo/instances.json", tmp_path / "instances_val.json")
    monkeypatch.chdir(tmp_path)
    env = {
        "boxes_xyxy": [np.array([[10, 20, 110, 220]]), np.array([[12, 20, 112, 220], [0, 0, 5, 5]])],
        "scores": [np.array([0.9]), np.array([0.8, 0.4])],
        "classes": [np.array([0]), np.array([0, 1])],
        "tracks": [np.array([1]), np.array([1, -1])],
    }
    exec(compile(code, "README.md", "exec"), env)
    assert (tmp_path / "jobs.jsonl").exists()
    [job] = [orjson.loads(p.read_bytes()) for p in (tmp_path / "jobs").glob("*.json")]
    trackers = job["data"]["maker_response"]["video2d"]["data"]["annotations"]
    # track 1 spans both frames; the untracked car is its own tracker
    assert [sorted(t["frames"]) for t in trackers] == [["0", "1"], ["1"]]
    assert job["data"]["video_data"]["frames"][1]["src"] == "s3://bucket/clip/00001.jpg"
    assert len(env["payloads"]) == 1


def test_every_cited_convention_is_on_the_conventions_page() -> None:
    """Code, schemas and the README cite docs/playment-conventions.md (C1..C19), a page users have;
    never the team's internal notes."""

    root = Path(__file__).resolve().parents[1]
    page = (root / "docs" / "playment-conventions.md").read_text()
    defined = set(re.findall(r"\*\*(C\d+)\b", page))
    files = [*root.joinpath("converters").rglob("*.py"), *root.joinpath("schemas").glob("*.json"), root / "README.md"]
    cited = {c for f in files for c in re.findall(r"\b(C1[0-9]|C[1-9])\b", f.read_text())}
    assert cited and cited <= defined, sorted(cited - defined)
    assert not [f for f in files if "playment-format.md" in f.read_text()]


def test_readme_supervision_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The "From a model to Playment jobs" supervision example runs on real sv.Detections."""
    import warnings
    from types import SimpleNamespace

    with warnings.catch_warnings():  # supervision warns at import when OpenCV is absent
        warnings.simplefilter("ignore")
        sv = pytest.importorskip("supervision", reason="supervision is not installed")
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("### From a model to Playment jobs"):readme.index("## Formats")]
    [code] = [c for c in re.findall(r"```python\n(.*?)```", section, re.S) if "from_supervision" in c]
    monkeypatch.chdir(tmp_path)
    dets = [sv.Detections(xyxy=np.array([[10.0, 20, 110, 220]]), class_id=np.array([0]), tracker_id=np.array([5]))
            for _ in range(3)]
    env = {"per_frame_detections": dets, "model": SimpleNamespace(names={0: "person"})}
    exec(compile(code, "README.md", "exec"), env)
    [job] = [orjson.loads(p.read_bytes()) for p in (tmp_path / "jobs").glob("*.json")]
    [tracker] = job["data"]["maker_response"]["video2d"]["data"]["annotations"]
    assert (tracker["label"], sorted(tracker["frames"])) == ("person", ["0", "1", "2"])
