"""Seeded generators of synthetic inputs for the benchmark (same seed, same bytes)."""

from __future__ import annotations

import random
from pathlib import Path

import orjson

CATEGORIES = [{"id": i + 1, "name": f"class_{i}", "supercategory": "thing"} for i in range(80)]


def coco_dataset(path: Path, images: int, per_image: int, seed: int = 0) -> None:
    """A COCO detection dataset: ``images`` images of 1920x1080 with ``per_image`` boxes each."""
    rng = random.Random(seed)
    imgs = [{"id": i + 1, "file_name": f"frames/{i + 1:07d}.jpg", "width": 1920, "height": 1080}
            for i in range(images)]
    anns = []
    aid = 1
    for img in imgs:
        for _ in range(per_image):
            w = round(rng.uniform(8, 400), 2)
            h = round(rng.uniform(8, 300), 2)
            x = round(rng.uniform(0, 1920 - w), 2)
            y = round(rng.uniform(0, 1080 - h), 2)
            anns.append({"id": aid, "image_id": img["id"], "category_id": rng.randint(1, 80),
                         "bbox": [x, y, w, h], "area": round(w * h, 2), "iscrowd": 0, "segmentation": []})
            aid += 1
    path.write_bytes(orjson.dumps({"images": imgs, "annotations": anns, "categories": CATEGORIES}))


def coco_results(path: Path, gt_path: Path, seed: int = 1) -> None:
    """A results list (detector output) with one scored box per ground-truth annotation."""
    rng = random.Random(seed)
    gt = orjson.loads(gt_path.read_bytes())
    res = [{"image_id": a["image_id"], "category_id": a["category_id"], "bbox": a["bbox"],
            "score": round(rng.random(), 4)} for a in gt["annotations"]]
    path.write_bytes(orjson.dumps(res))
