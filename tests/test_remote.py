"""Inputs and out as fsspec URLs: memory:// always (when fsspec is installed), and a local S3
server (moto's server mode, started here) for s3://. Skipped, with the reason, without them."""

from __future__ import annotations

import io
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from converters import UsageError, convert
from converters.cli import main

fsspec = pytest.importorskip("fsspec", reason="fsspec is not installed (pip install 'playment-prelabel[cloud]')")

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
COCO = FIXTURES / "coco/bbox_dataset/input.json"


def test_memory_urls_in_and_out_give_the_local_bytes(tmp_path: Path) -> None:
    mem = fsspec.filesystem("memory")
    mem.pipe("/in/instances.json", COCO.read_bytes())
    local = convert(COCO, "coco", tmp_path / "local.jsonl")
    remote = convert("memory://in/instances.json", "coco", "memory://out/jobs.jsonl")
    assert mem.cat("/out/jobs.jsonl") == (tmp_path / "local.jsonl").read_bytes()
    assert remote.to_dict() == local.to_dict()
    # a remote folder as input, a remote folder as out (job files and the manifest)
    convert("memory://in", "coco", "memory://outdir")
    names = sorted(p.rsplit("/", 1)[-1] for p in mem.ls("/outdir", detail=False))
    assert ".prelabel-manifest" in names and len(names) == 1 + local.jobs
    # an existing object is refused unless overwrite; with it, replaced
    with pytest.raises(UsageError, match="the object exists"):
        convert("memory://in/instances.json", "coco", "memory://out/jobs.jsonl")
    convert("memory://in/instances.json", "coco", "memory://out/jobs.jsonl", overwrite=True)
    mem.pipe("/mine/notes.txt", b"mine")
    with pytest.raises(UsageError, match="not empty"):
        convert("memory://in", "coco", "memory://mine")
    convert("memory://in", "coco", "memory://mine", overwrite=True)
    assert mem.cat("/mine/notes.txt") == b"mine"  # not ours: left alone
    with pytest.raises(UsageError, match="does not exist"):
        convert("memory://nowhere.json", "coco", tmp_path / "x.jsonl")


def test_messages_name_the_url(tmp_path: Path) -> None:
    mem = fsspec.filesystem("memory")
    mem.pipe("/bad/in.json", b'{"images": [{"id": 1, "file_name": "a.jpg", "width": 0, "height": 5}], '
                            b'"annotations": [], "categories": []}')
    err = io.StringIO()
    assert main(["convert", "memory://bad", "--from", "coco", "--out", str(tmp_path / "o.jsonl")],
                stdout=io.StringIO(), stderr=err) == 1
    assert "memory://bad/in.json:$.images[0]" in err.getvalue() and ".prelabel-remote" not in err.getvalue()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    pytest.importorskip("moto.server", reason="moto[server] is not installed (pip install 'moto[server]')")
    pytest.importorskip("s3fs", reason="s3fs is not installed (pip install 'playment-prelabel[cloud]')")
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-p", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_a_local_s3_server(s3: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "SECRET-never-printed-4242"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3)
    import s3fs

    fs = s3fs.S3FileSystem(client_kwargs={"endpoint_url": s3})
    fs.mkdir("bucket")
    fs.pipe("bucket/in/instances.json", COCO.read_bytes())
    fsspec.config.conf["s3"] = {"client_kwargs": {"endpoint_url": s3}}
    try:
        convert("s3://bucket/in/instances.json", "coco", "s3://bucket/out/jobs.jsonl")
        convert(COCO, "coco", tmp_path / "local.jsonl")
        fs.invalidate_cache()
        assert fs.cat("bucket/out/jobs.jsonl") == (tmp_path / "local.jsonl").read_bytes()
        assert not [k for k in fs.ls("bucket/out") if "prelabel" in k]  # no temporary key left
        err = io.StringIO()
        assert main(["convert", "s3://bucket/in/instances.json", "--from", "coco", "--out",
                     "s3://bucket/out/jobs.jsonl"], stdout=io.StringIO(), stderr=err) == 2
        assert "exists" in err.getvalue() and secret not in err.getvalue()
    finally:
        fsspec.config.conf.pop("s3", None)
