"""Pascal VOC segmentation masks: ``SegmentationObject/<id>.png`` (+ ``SegmentationClass/<id>.png``).

Both PNGs hold one index per pixel: 0 background, 255 void (border band and "ignore" regions,
never an object), and in ``SegmentationObject`` k = the k-th ``<object>`` of the annotation XML
(1-based, document order, parts not counted). Palette ('P') images are read as their palette
**indices**, never their colours; greyscale images as values; RGB images (Datumaro and some other
exporters write the colours, not a palette) are mapped back to indices through the VOC colour map
(``VOClabelcolormap``; class masks through ``labelmap.txt`` colours when the root has one).

How masks relate to the XML objects:

- instance k with a k-th ``<object>`` that was converted: the traced outline (one polygon, or a
  multi-polygon when the instance has several pieces; holes kept) becomes the object's geometry and
  its box moves to ``alternates`` (``--emit rectangle`` still gets the box). Label and attributes
  stay the XML object's.
- instance k whose ``<object>`` was skipped: nothing more (the record is already reported).
- instance k beyond the XML objects: its own record; label = the most frequent class index of its
  pixels in ``SegmentationClass`` (names from ``labelmap.txt``, else the 20 VOC classes); skipped
  as ``mask_instance_unlabelled`` when that cannot be told.
- a mask whose size differs from the image: masks of that image ignored, warning ``mask_size_mismatch``.
- ``SegmentationClass`` alone (no ``SegmentationObject``): class masks carry no instances; warning
  ``segmentation_class_only``, nothing converted from it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from ...errors import MaskError as MaskError
from ...errors import Report
from ...geometry import mask_to_polygons, polygons_to_geometry
from ...model import Frame, SceneObject, max_mask_pixels

VOC_CLASSES = (
    "background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair",
    "cow", "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa",
    "train", "tvmonitor",
)  # fmt: skip
VOID = 255


@lru_cache(maxsize=1)
def voc_colormap() -> dict[int, int]:
    """Packed RGB (r << 16 | g << 8 | b) -> index for the 256 colours of ``VOClabelcolormap``.

    Index bits are spread over the channels: bit 0 -> R, bit 1 -> G, bit 2 -> B, starting at the
    channel's top bit (index 1 = (128, 0, 0), 2 = (0, 128, 0), 255 = (224, 224, 192)).
    """
    out: dict[int, int] = {}
    for i in range(256):
        r = g = b = 0
        c = i
        for j in range(8):
            r |= (c & 1) << (7 - j)
            g |= ((c >> 1) & 1) << (7 - j)
            b |= ((c >> 2) & 1) << (7 - j)
            c >>= 3
        out[(r << 16) | (g << 8) | b] = i
    return out


def read_labelmap(root: Path) -> tuple[list[str], dict[int, int]] | None:
    """Datumaro's ``labelmap.txt`` (``name:r,g,b:parts:actions``): class names by index and colours."""
    path = root / "labelmap.txt"
    if not path.is_file():
        return None
    names: list[str] = []
    colors: dict[int, int] = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        fields = line.split(":")
        rgb = fields[1].split(",") if len(fields) > 1 else []
        if len(rgb) == 3 and all(v.strip().isdigit() for v in rgb):
            r, g, b = (int(v) for v in rgb)
            colors[(r << 16) | (g << 8) | b] = len(names)
        names.append(fields[0].strip())
    return names, colors


def read_index_png(path: Path, colors: dict[int, int] | None = None) -> np.ndarray:
    """(H, W) int array of indices. Palette images give their indices; RGB(A) ones are mapped
    through ``colors`` (packed RGB -> index; default the VOC colour map)."""
    try:
        with Image.open(path) as im:
            limit = max_mask_pixels()
            if im.width * im.height > limit:
                raise MaskError(f"the mask is {im.width} x {im.height} px, more than {limit} px")
            mode = im.mode
            if mode in ("P", "L", "I", "I;16", "1"):
                return np.asarray(im, dtype=np.int64)
            if mode not in ("RGB", "RGBA"):
                raise MaskError(f"unsupported PNG mode {mode!r} (expected palette, greyscale or RGB)")
            rgb = np.asarray(im.convert("RGB"), dtype=np.int64)
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise MaskError(f"cannot read the mask: {exc}") from None
    packed = (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]
    table = colors if colors is not None else voc_colormap()
    uniq, inverse = np.unique(packed, return_inverse=True)
    idx = np.empty(len(uniq), dtype=np.int64)
    for i, c in enumerate(uniq.tolist()):
        v = table.get(c)
        if v is None:
            rgb_t = ((c >> 16) & 255, (c >> 8) & 255, c & 255)
            raise MaskError(f"colour {rgb_t} is not in the colour map, so its index is unknown")
        idx[i] = v
    return idx[inverse].reshape(packed.shape)


class MaskReader:
    """Attaches the masks of one VOC root to the objects of its frames."""

    def __init__(self, root: Path, report: Report) -> None:
        self.root = root
        self.report = report
        self.objects = _stems(root / "SegmentationObject")
        self.classes = _stems(root / "SegmentationClass")
        lm = read_labelmap(root)
        self.class_names: tuple[str, ...] = tuple(lm[0]) if lm else VOC_CLASSES
        self.class_colors = lm[1] if lm and lm[1] else None

    def has_masks(self, stem: str) -> bool:
        return stem in self.objects or stem in self.classes

    def apply(
        self, stem: str, frame: Frame, by_index: list[SceneObject | None], labels: dict[str, None]
    ) -> None:
        """Give the k-th converted object its mask outline; add instances beyond the XML objects."""
        report = self.report
        obj_path = self.root / "SegmentationObject" / f"{stem}.png"
        if stem not in self.objects:
            report.warn(
                "segmentation_class_only",
                f"SegmentationClass/{stem}.png has no SegmentationObject/{stem}.png: class masks carry "
                "no object instances and are not converted",
                str(self.root / "SegmentationClass" / f"{stem}.png"),
            )
            return
        try:
            inst = read_index_png(obj_path)
        except MaskError as exc:
            report.warn("mask_unreadable", f"{exc}; the objects keep their boxes", str(obj_path))
            return
        h, w = inst.shape
        if (w, h) != (round(frame.width), round(frame.height)):
            report.warn(
                "mask_size_mismatch",
                f"mask is {w}x{h} but the image is {frame.width:g}x{frame.height:g}; masks ignored, "
                "the objects keep their boxes",
                str(obj_path),
            )
            return
        cls: np.ndarray | None = None
        for k in np.unique(inst).tolist():
            if k == 0 or k == VOID:
                continue
            region = inst == k
            geom = polygons_to_geometry(mask_to_polygons(region))
            if geom is None:
                continue
            if k <= len(by_index):
                obj = by_index[k - 1]
                if obj is not None:
                    obj.alternates = (obj.geometry, *obj.alternates)
                    obj.geometry = geom
                continue
            if cls is None:
                cls = self._class_mask(stem, (h, w))
            report.records_read += 1
            where = f"{obj_path} <instance {k}>"
            label = self._instance_label(cls, region)
            if label is None:
                report.skip(
                    "mask_instance_unlabelled",
                    f"mask instance {k} has no <object> in the annotation (it has {len(by_index)}) and "
                    "its class cannot be read from SegmentationClass",
                    where,
                )
                continue
            frame.objects.append(SceneObject(label, geom, None, None, None, where))
            labels.setdefault(label, None)
            report.objects_read += 1

    def _class_mask(self, stem: str, shape: tuple[int, int]) -> np.ndarray | None:
        path = self.root / "SegmentationClass" / f"{stem}.png"
        if stem not in self.classes:
            return None
        try:
            cls = read_index_png(path, self.class_colors)
        except MaskError as exc:
            self.report.warn("mask_unreadable", str(exc), str(path))
            return None
        return cls if cls.shape == shape else None

    def _instance_label(self, cls: np.ndarray | None, region: np.ndarray) -> str | None:
        if cls is None:
            return None
        values = cls[region]
        values = values[(values != 0) & (values != VOID)]
        if values.size == 0:
            return None
        c = int(np.bincount(values).argmax())
        return self.class_names[c] if c < len(self.class_names) else None


def _stems(folder: Path) -> frozenset[str]:
    if not folder.is_dir():
        return frozenset()
    return frozenset(p.stem for p in folder.iterdir() if p.suffix.lower() == ".png")
