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


def _boxes(rng: random.Random, n: int, w: int = 1920, h: int = 1080) -> list[tuple[float, float, float, float]]:
    out = []
    for _ in range(n):
        bw = rng.uniform(8, 400)
        bh = rng.uniform(8, 300)
        x = rng.uniform(0, w - bw)
        y = rng.uniform(0, h - bh)
        out.append((x, y, bw, bh))
    return out


def yolo_predictions(root: Path, files: int, per_file: int, seed: int = 2) -> tuple[Path, Path]:
    """Ultralytics-style prediction labels ``cls xc yc w h conf`` for ``files`` 1920x1080 images;
    returns (labels folder, --image-sizes JSON)."""
    rng = random.Random(seed)
    labels = root / "labels"
    labels.mkdir(parents=True, exist_ok=True)
    sizes = {}
    for i in range(files):
        name = f"img_{i:06d}"
        lines = []
        for x, y, bw, bh in _boxes(rng, per_file):
            lines.append(f"{rng.randrange(80)} {(x + bw / 2) / 1920:.6f} {(y + bh / 2) / 1080:.6f} "
                         f"{bw / 1920:.6f} {bh / 1080:.6f} {rng.random():.4f}")
        (labels / f"{name}.txt").write_text("\n".join(lines) + "\n")
        sizes[f"images/{name}.jpg"] = [1920, 1080]
    sizes_path = root / "sizes.json"
    sizes_path.write_bytes(orjson.dumps(sizes))
    return labels, sizes_path


def cvat_video(path: Path, tracks: int, frames: int, seed: int = 3) -> None:
    """A "CVAT for video 1.1" export: ``tracks`` box tracks over ``frames`` frames, each track
    present on every frame (shapes = tracks x frames), one mutable attribute."""
    rng = random.Random(seed)
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n<annotations>\n<version>1.1</version>\n<meta><task>'
        f"<id>1</id><name>bench</name><size>{frames}</size><mode>interpolation</mode>"
        f"<start_frame>0</start_frame><stop_frame>{frames - 1}</stop_frame><frame_filter></frame_filter>"
        "<labels><label><name>car</name><type>rectangle</type><attributes><attribute><name>moving</name>"
        "<mutable>True</mutable><input_type>checkbox</input_type><default_value>false</default_value>"
        "<values>false\ntrue</values></attribute></attributes></label></labels>"
        "<original_size><width>1920</width><height>1080</height></original_size></task></meta>\n"
    ]
    for t in range(tracks):
        parts.append(f'<track id="{t}" label="car" source="auto">\n')
        x, y, bw, bh = _boxes(rng, 1)[0]
        for f in range(frames):
            dx = rng.uniform(-2, 2)
            x = min(max(x + dx, 0), 1920 - bw)
            parts.append(
                f'<box frame="{f}" keyframe="{int(f == 0)}" outside="0" occluded="0" xtl="{x:.2f}" '
                f'ytl="{y:.2f}" xbr="{x + bw:.2f}" ybr="{y + bh:.2f}" z_order="0">'
                f'<attribute name="moving">{"true" if dx > 0 else "false"}</attribute></box>\n'
            )
        parts.append("</track>\n")
    parts.append("</annotations>\n")
    path.write_text("".join(parts))


def voc_folder(root: Path, files: int, per_file: int, seed: int = 4) -> Path:
    """``files`` Pascal VOC annotation XMLs (1920x1080) with ``per_file`` objects each."""
    rng = random.Random(seed)
    ann = root / "Annotations"
    ann.mkdir(parents=True, exist_ok=True)
    for i in range(files):
        objs = []
        for x, y, bw, bh in _boxes(rng, per_file):
            objs.append(
                f"<object><name>class_{rng.randrange(20)}</name><pose>Unspecified</pose><truncated>0</truncated>"
                f"<difficult>0</difficult><bndbox><xmin>{int(x) + 1}</xmin><ymin>{int(y) + 1}</ymin>"
                f"<xmax>{int(x + bw)}</xmax><ymax>{int(y + bh)}</ymax></bndbox></object>"
            )
        (ann / f"{i:06d}.xml").write_text(
            f"<annotation><folder>VOC</folder><filename>{i:06d}.jpg</filename><size><width>1920</width>"
            f"<height>1080</height><depth>3</depth></size><segmented>0</segmented>{''.join(objs)}</annotation>\n"
        )
    return ann
