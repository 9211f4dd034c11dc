"""Image sizes for VOC files without ``<size>``: the dataset root, and image headers read once each."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ...errors import InputError
from .._images import IMG_EXTS, ext_of, read_image_size


def voc_root_of(xml_path: Path) -> Path | None:
    """The VOC root of an annotation file in ``<root>/Annotations/``, else None."""
    parent = xml_path.parent
    return parent.parent if parent.name == "Annotations" else None


def is_voc_root(path: Path) -> bool:
    return path.is_dir() and (path / "Annotations").is_dir()


def image_header_size(path: Path) -> tuple[int, int] | None:
    """(width, height) from an image header (:func:`converters.formats._images.read_image_size`,
    EXIF rotation applied); None when it cannot be read."""
    try:
        return read_image_size(path)
    except InputError:
        return None


class ImageIndex:
    """Image files by stem, built lazily per folder (one listing per folder, never per file)."""

    def __init__(self) -> None:
        self._folders: dict[Path, dict[str, Path]] = {}

    def _listing(self, folder: Path) -> dict[str, Path]:
        found = self._folders.get(folder)
        if found is None:
            found = {}
            if folder.is_dir():
                for p in sorted(folder.iterdir()):
                    if ext_of(p.name) in IMG_EXTS:
                        found.setdefault(p.stem, p)
                        found.setdefault(p.name, p)
            self._folders[folder] = found
        return found

    def find(self, folders: Iterable[Path], names: Iterable[str]) -> Path | None:
        """The first image in ``folders`` whose file name or stem is one of ``names``."""
        names = [n for n in names if n]
        for folder in folders:
            listing = self._listing(folder)
            for n in names:
                p = listing.get(n)
                if p is not None:
                    return p
        return None
