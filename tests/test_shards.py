"""convert_shard / merge_shards (engine-neutral) and --engine ray: the same bytes and report as one
process. The Ray test starts a local Ray instance; it is skipped, with the reason, without Ray."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from converters import ConvertOptions, convert
from converters.cli import main
from converters.shards import convert_shard, merge_shards


def _coco(tmp_path: Path, images: int = 30) -> Path:
    imgs = [{"id": i, "file_name": f"img/{i:03d}.jpg", "width": 100, "height": 50} for i in range(images)]
    anns = [{"id": i, "image_id": i, "category_id": 1, "bbox": [i, 5, 10, 20]} for i in range(images)]
    anns += [{"id": 1000 + i, "image_id": i, "category_id": 1, "bbox": [300, 5, 10, 20]} for i in range(0, images, 7)]
    path = tmp_path / "in.json"
    path.write_text(json.dumps({"images": imgs, "annotations": anns, "categories": [{"id": 1, "name": "car"}]}))
    return path


@pytest.mark.parametrize("shards", [1, 2, 3, 7])
def test_shards_merge_into_the_same_bytes_and_report(tmp_path: Path, shards: int) -> None:
    src = _coco(tmp_path)
    opts = ConvertOptions()
    one = convert(src, "coco", tmp_path / "one.jsonl", options=opts)
    results = [convert_shard(src, "coco", shard=i, shards=shards, options=opts) for i in reversed(range(shards))]
    merged = merge_shards(results, tmp_path / "merged.jsonl", opts)
    assert (tmp_path / "merged.jsonl").read_bytes() == (tmp_path / "one.jsonl").read_bytes()
    assert merged.to_dict() == one.to_dict()
    assert one.skipped == {"rectangle_degenerate": 5}


def test_a_missing_shard_is_refused(tmp_path: Path) -> None:
    src = _coco(tmp_path)
    with pytest.raises(ValueError, match="every shard"):
        merge_shards([convert_shard(src, "coco", shard=0, shards=2)], tmp_path / "o.jsonl")
    assert not (tmp_path / "o.jsonl").exists()


def test_engine_ray_on_a_local_instance(tmp_path: Path) -> None:
    pytest.importorskip("ray", reason="Ray is not installed (pip install 'playment-prelabel[ray]')")
    src = _coco(tmp_path)
    err = io.StringIO()
    code = main(["convert", str(src), "--from", "coco", "--out", str(tmp_path / "ray.jsonl"), "--engine", "ray",
                 "--workers", "2"], stdout=io.StringIO(), stderr=err)
    assert code == 1, err.getvalue()  # the 5 boxes outside their image
    main(["convert", str(src), "--from", "coco", "--out", str(tmp_path / "local.jsonl"), "--workers", "1"],
         stdout=io.StringIO(), stderr=io.StringIO())
    assert (tmp_path / "ray.jsonl").read_bytes() == (tmp_path / "local.jsonl").read_bytes()
