"""Build the wheel, install it (not editable) into a fresh venv and run the installed CLI from a
directory outside the checkout: the schemas must ship inside the wheel.

The fresh venv gets the package from the wheel only; its third-party dependencies are borrowed
from the test venv through a .pth path entry (no network, no second download). Path entries in a
.pth do not run the test venv's own .pth hooks, so the editable install of the checkout stays
invisible to the fresh venv.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import orjson
import pytest

REPO = Path(__file__).resolve().parents[1]


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    dist = tmp / "dist"
    # built from a copy: setuptools writes build/ and *.egg-info beside the sources it builds
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, src / name)
    for name in ("converters", "schemas"):
        shutil.copytree(REPO / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    r = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist),
              str(src)], tmp)
    assert r.returncode == 0, r.stderr
    [wheel] = dist.glob("playment_prelabel-*.whl")
    venv = tmp / "venv"
    assert _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], tmp).returncode == 0
    py = venv / "bin" / "python"
    r = _run([sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps", "--no-index",
              str(wheel)], tmp)
    assert r.returncode == 0, r.stderr
    site = _run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp).stdout.strip()
    Path(site, "_borrowed_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv


def test_wheel_contains_schemas_and_cli_runs_outside_checkout(installed: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    py = installed / "bin" / "python"
    where = _run([str(py), "-c", "import converters; print(converters.__file__)"], tmp_path, env)
    assert where.returncode == 0, where.stderr
    assert str(installed) in where.stdout, f"imported from the checkout, not the wheel: {where.stdout}"
    listing = ("import converters, pathlib; schemas = pathlib.Path(converters.__file__).parent / 'schemas'; "
               "print(sorted(p.name for p in schemas.glob('*.json')))")
    schemas = _run([str(py), "-c", listing], tmp_path, env)
    assert "payload.json" in schemas.stdout, schemas.stdout

    prelabel = installed / "bin" / "prelabel"
    out = tmp_path / "jobs"
    r = _run([str(prelabel), "convert", str(REPO / "fixtures/coco/demo/instances.json"), "--from", "coco",
              "--out", str(out)], tmp_path, env)
    assert r.returncode == 0, r.stderr
    assert len(list(out.glob("*.json"))) == 3
    r = _run([str(prelabel), "validate", str(out)], tmp_path, env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "3 payload(s) checked, 0 problem(s)" in r.stderr

    bad = tmp_path / "bad.json"
    bad.write_bytes(orjson.dumps({"reference_id": "", "data": {}}))
    r = _run([str(prelabel), "validate", str(bad)], tmp_path, env)
    assert r.returncode == 1 and "bad.json" in r.stdout

    r = _run([str(py), "-m", "converters", "formats"], tmp_path, env)
    assert r.returncode == 0 and "coco" in r.stdout
