"""Drawing shapes over a frame with Pillow: one colour per label (stable across frames and runs,
from a hash of the label), outlines with a light fill for rectangles and polygons, lines, numbered
landmark dots, cuboids as front face, back face and the four edges between them, and a small tag
(label and the tracker id's first 6 characters) at each object."""

from __future__ import annotations

import colorsys
import hashlib

from PIL import Image, ImageDraw, ImageFont

from ._shapes import Shape

CANVAS = (1280, 720)
BACKGROUND = (96, 96, 96)
FILL_ALPHA = 56


def colour(label: str) -> tuple[int, int, int]:
    """A stable, saturated colour for a label."""
    d = hashlib.sha1(label.encode()).digest()
    h = int.from_bytes(d[:2], "big") / 65536
    r, g, b = colorsys.hsv_to_rgb(h, 0.55 + 0.45 * d[2] / 255, 0.7 + 0.3 * d[3] / 255)
    return int(r * 255), int(g * 255), int(b * 255)


def hex_colour(label: str) -> str:
    return "#{:02x}{:02x}{:02x}".format(*colour(label))


def blank(size: tuple[int, int] = CANVAS) -> Image.Image:
    return Image.new("RGB", size, BACKGROUND)


def draw_shapes(base: Image.Image, shapes: tuple[Shape, ...] | list[Shape]) -> Image.Image:
    """A copy of ``base`` (RGB) with ``shapes`` (normalized points) drawn over it."""
    w, h = base.size
    line = max(2, round(min(w, h) / 360))
    out = base.convert("RGB") if base.mode != "RGB" else base.copy()
    pen = ImageDraw.Draw(out, "RGBA")  # RGBA colours blend into the RGB image (the light fills)
    font = ImageFont.load_default()
    for s in shapes:
        if s.kind in ("rectangle", "polygon") and len(s.points) >= 3:
            pen.polygon([(x * w, y * h) for x, y in s.points], fill=(*colour(s.label), FILL_ALPHA))
    for s in shapes:
        c = colour(s.label)
        pts = [(x * w, y * h) for x, y in s.points]
        if not pts:
            continue
        if s.kind in ("rectangle", "polygon"):
            pen.line([*pts, pts[0]], fill=c, width=line, joint="curve")
        elif s.kind == "line":
            pen.line(pts, fill=c, width=line, joint="curve")
        elif s.kind == "cuboid" and len(pts) == 8:
            front, back = pts[:4], pts[4:]
            pen.line([*back, back[0]], fill=c, width=max(1, line - 1))
            pen.line([*front, front[0]], fill=c, width=line)
            for a, b in zip(front, back):
                pen.line([a, b], fill=c, width=max(1, line - 1))
        elif s.kind == "landmark":
            r = line + 2
            for (x, y), n in zip(pts, s.point_labels or range(1, len(pts) + 1)):
                pen.ellipse([x - r, y - r, x + r, y + r], fill=c, outline=(0, 0, 0))
                pen.text((x + r + 1, y + 1), str(n), fill=c, font=font)
        x0, y0 = min(p[0] for p in pts), min(p[1] for p in pts)
        tag = f"{s.label} {s.tracker[:6]}".strip()
        left, top, right, bottom = pen.textbbox((x0, y0), tag, font=font)
        ty = max(0, y0 - (bottom - top) - 3)
        pen.rectangle([x0, ty, x0 + (right - left) + 4, ty + (bottom - top) + 3], fill=c)
        pen.text((x0 + 2, ty + 1), tag, fill=(0, 0, 0), font=font)
    return out
