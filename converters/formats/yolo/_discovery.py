"""YOLO dataset discovery: which label files there are and which image each belongs to.

Layouts (the user-facing summary is in :mod:`converters.formats.yolo._reader`):

- Ultralytics ``data.yaml``: ``path`` (relative to the YAML's folder, else to the working
  directory; absent = the YAML's folder), ``train``/``val``/``validation``/``test`` as folders,
  image list files or lists of those (a value starting ``../`` that does not exist is retried
  without it, as Ultralytics does for Roboflow exports). Labels: the last ``images`` folder of an
  image path becomes ``labels`` (``labelTxt`` for DOTA exports), extension ``.txt``; without an
  ``images`` folder the label sits next to the image. A declared split that is missing is reported
  as a warning (``split_not_found``) and the dataset folder is scanned for the files no split
  covered.
- Darknet ``obj.data`` (``names``, ``train``/``valid``/``test`` lists; paths relative to the
  ``obj.data`` folder, retried without a leading ``data/``) with ``obj.names``.
- A plain folder: every ``.txt`` under a ``labels``/``Annotations``/``labelTxt`` folder or, when
  there is none, every ``.txt`` except names files, README/LICENSE and image lists. Images are
  paired with labels by relative path without extension, where the last ``images``-like and
  ``labels``-like folders count as the same place; failing that by a unique path tail or file stem.
- Label files given one by one (the image, if any, next to each).

Paths are plain strings on the hot path (``pathlib`` costs microseconds per call, 50k files).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ... import safe_yaml
from ...errors import InputError, Report, UsageError
from ...input_files import is_special_file, open_regular, read_regular
from .._images import IMG_EXTS, VID_EXTS, ext_of, strip_media_ext
from ._class_names import load_names_file, names_from_value
from ._keypoints import kpt_names_value, kpt_shape_value
from ._text_files import decode_text, read_file

IMAGE_DIRS = frozenset({"images", "jpegimages", "imgs", "img"})
LABEL_DIRS = frozenset({"labels", "annotations", "labeltxt"})
LABEL_DIR_NAMES = ("labels", "Labels", "labelTxt", "Annotations", "annotations")
IMAGE_DIR_NAMES = ("images", "Images", "JPEGImages")
NOT_LABEL_STEMS = frozenset({"classes", "readme", "license", "licence", "notes"})
LIST_STEMS = frozenset({"train", "val", "valid", "test", "trainval"})
YAML_SPLITS = ("train", "val", "validation", "test")


def _keys(rel: str, roles: frozenset[str]) -> tuple[str, str]:
    """(full key, tail key) of a relative path without extension: the last folder whose name is
    in ``roles`` becomes a placeholder in the full key; the tail is what follows it."""
    parts = rel.split("/")
    for i in range(len(parts) - 2, -1, -1):
        if parts[i].lower() in roles:
            return "/".join([*parts[:i], "\0", *parts[i + 1 :]]), "/".join(parts[i + 1 :])
    return rel, rel


def rel_to(path: str, root: str) -> str | None:
    """``path`` relative to ``root`` (both absolute and normalized), posix; None if not under it."""
    if path.startswith(root) and path[len(root) : len(root) + 1] in (os.sep, ""):
        return path[len(root) + 1 :].replace(os.sep, "/")
    return None


@dataclass(slots=True)
class Item:
    """One frame candidate: a label file, an image, or both. Paths are absolute strings; ``*_rel``
    are posix paths relative to ``*_root`` (``label_rel`` without ``.txt``)."""

    label: str | None
    label_rel: str
    label_root: str
    image: str | None = None
    image_rel: str = ""
    image_root: str = ""
    listed: str | None = None  # the image path an image list names (it may not exist)


@dataclass
class Dataset:
    """What discovery found. ``root``: file names are given relative to it."""

    items: list[Item]
    root: str
    names: dict[int, str] | None = None
    names_where: str = ""
    kpt_shape: tuple[int, int] | None = None
    kpt_names: dict[int, tuple[str, ...]] | tuple[str, ...] | None = None
    is_dataset: bool = False
    dota: bool = False
    source: str = ""  # the dataset file (data.yaml, obj.data) it was read from, if any


@dataclass
class Walk:
    """Files under a folder as (absolute path, posix path relative to the folder)."""

    labels: list[tuple[str, str]] = field(default_factory=list)
    images: list[tuple[str, str]] = field(default_factory=list)
    videos: list[tuple[str, str]] = field(default_factory=list)


def walk(folder: str, report: Report | None = None) -> Walk:
    """Every .txt, image and video file under ``folder`` (hidden folders skipped), sorted. Entries
    that are not regular files (a FIFO, socket, device, or a link to one) are left out, with a
    ``not_regular_file`` warning when a report is given."""
    out = Walk()
    cut = len(folder) + 1
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        rel_dir = dirpath[cut:].replace(os.sep, "/")
        prefix = rel_dir + "/" if rel_dir else ""
        for name in sorted(filenames):
            ext = ext_of(name)
            if ext == "txt":
                target = out.labels
            elif ext in IMG_EXTS:
                target = out.images
            elif ext in VID_EXTS:
                target = out.videos
            else:
                continue
            path = os.path.join(dirpath, name)
            if is_special_file(path):
                if report is not None:
                    report.warn("not_regular_file", "not a regular file (a FIFO, socket or device): skipped", path)
                continue
            target.append((path, prefix + name))
    return out


class MediaIndex:
    """Images (or videos) under one or more roots: found by full key, else by a unique tail key,
    else by a unique file stem."""

    def __init__(self) -> None:
        self.full: dict[str, str] = {}
        self.tail: dict[str, list[str]] = {}
        self.stem: dict[str, list[str]] = {}
        self.where: dict[str, tuple[str, str]] = {}  # path -> (rel, root)

    def add(self, path: str, rel: str, root: str) -> None:
        key = strip_media_ext(rel)
        full, tail = _keys(key, IMAGE_DIRS)
        self.full.setdefault(full, path)
        self.tail.setdefault(tail, []).append(path)
        self.stem.setdefault(key.rsplit("/", 1)[-1], []).append(path)
        self.where[path] = (rel, root)

    def find(self, rel_noext: str) -> str | None:
        full, tail = _keys(rel_noext, LABEL_DIRS)
        hit = self.full.get(full)
        if hit is not None:
            return hit
        for table, key in ((self.tail, tail), (self.stem, rel_noext.rsplit("/", 1)[-1])):
            hits = table.get(key)
            if hits:
                return hits[0] if len(hits) == 1 else None
        return None

    def __len__(self) -> int:
        return len(self.where)


def pair(labels: Iterable[tuple[str, str, str]], images: MediaIndex) -> list[Item]:
    """Items for (label path, label rel, label root) and the images in ``images``; images without a
    label file become items without one (frames with no objects)."""
    items: list[Item] = []
    used: set[str] = set()
    where = images.where
    for label, rel, root in labels:
        key = rel[:-4]
        image = images.find(key) if where else None
        if image is not None and image not in used:
            used.add(image)
            irel, iroot = where[image]
            items.append(Item(label, key, root, image, irel, iroot))
        else:
            items.append(Item(label, key, root))
    for image, (irel, iroot) in where.items():
        if image not in used:
            items.append(Item(None, "", "", image, irel, iroot))
    return items


def looks_like_list(path: str) -> bool:
    """Is this .txt an image list (its first line names an image file)?"""
    try:
        with open(open_regular(path), "rb") as fh:
            head = fh.read(4096)
    except (OSError, InputError):
        return False
    for raw in head.splitlines():
        line = raw.strip()
        if line:
            return ext_of(line.decode("utf-8", "replace")) in IMG_EXTS
    return False


def _label_files(found: Walk, images: MediaIndex) -> list[tuple[str, str]]:
    """The .txt files of a folder scan that are label files."""
    in_label_dir = [
        (p, rel) for p, rel in found.labels if any(d.lower() in LABEL_DIRS for d in rel.split("/")[:-1])
    ]
    if in_label_dir:
        return in_label_dir
    out = []
    for p, rel in found.labels:
        stem = rel.rsplit("/", 1)[-1][:-4].lower()
        meta = stem in NOT_LABEL_STEMS or (stem in LIST_STEMS and looks_like_list(p))
        if meta and images.find(rel[:-4]) is None:
            continue
        out.append((p, rel))
    return out


def _resolve(root: Path, entry: str) -> Path:
    p = Path(entry)
    if p.is_absolute():
        return p
    cand = root / p
    for prefix in ("../", "data/"):
        if not cand.exists() and entry.startswith(prefix) and (root / entry[len(prefix) :]).exists():
            return root / entry[len(prefix) :]
    return cand


#: Split folder names that exports write for one another (Roboflow writes ``valid``, most tools ``val``).
_SPLIT_ALIASES = {"valid": ("val", "validation"), "val": ("valid", "validation"), "validation": ("val", "valid")}
#: How many folders above a Darknet ``.data`` file its relative paths may start from.
_DATA_FILE_PARENTS = 3


def _split_alias(root: Path, entry: str) -> Path | None:
    """An existing folder for a split path that does not exist, when one component is another
    name of the same split (``../valid/images`` written, ``val/images`` on disk)."""
    parts = Path(entry).parts
    for i, part in enumerate(parts):
        for alias in _SPLIT_ALIASES.get(part.lower(), ()):
            cand = Path(*parts[:i], alias, *parts[i + 1 :]).as_posix()
            found = _resolve(root, cand)
            if found.exists():
                return found
    return None


def resolve_upwards(start: Path, value: str) -> tuple[Path, Path]:
    """(path, base folder) for a relative path of a Darknet ``.data`` file: against the file's
    folder, then each parent up to :data:`_DATA_FILE_PARENTS` levels or a folder holding ``.git``
    (PyTorch-YOLOv3's ``config/custom.data`` names ``data/custom/classes.names``, relative to the
    repository root). Nothing found: the path against ``start`` itself."""
    if Path(value).is_absolute():
        return Path(value), start
    base = start
    for _ in range(_DATA_FILE_PARENTS + 1):
        cand = _resolve(base, value)
        if cand.exists():
            return cand, base
        if (base / ".git").exists() or base.parent == base:
            break
        base = base.parent
    return _resolve(start, value), start


def label_dir_for(image_dir: Path) -> Path:
    """The label folder of an image folder: its last ``images``-like component replaced by the
    first existing ``labels``-like sibling (``labels`` when none exists); the folder itself when
    the path has no ``images`` component (labels next to images)."""
    parts = image_dir.parts
    for i in range(len(parts) - 1, -1, -1):
        if parts[i].lower() in IMAGE_DIRS:
            for name in LABEL_DIR_NAMES:
                cand = Path(*parts[:i], name, *parts[i + 1 :])
                if cand.is_dir():
                    return cand
            return Path(*parts[:i], "labels", *parts[i + 1 :])
    return image_dir


def label_for_image(image: Path) -> Path | None:
    """The existing label file of an image (Ultralytics ``img2label_paths``, then next to it)."""
    cand = label_dir_for(image.parent) / (image.stem + ".txt")
    if cand.is_file():
        return cand
    same = image.with_suffix(".txt")
    return same if same.is_file() else None


_VIRTUAL_DIRS: dict[str, list[str]] = {}


def virtual_images(label: str) -> list[str]:
    """Where the image of a label file (absolute path) would be, without extension: the last
    ``labels``-like folder replaced by an ``images``-like one, then next to the label."""
    folder, _, name = label.rpartition(os.sep)
    dirs = _VIRTUAL_DIRS.get(folder)
    if dirs is None:
        parts = folder.split(os.sep)
        dirs = []
        for i in range(len(parts) - 1, -1, -1):
            if parts[i].lower() in LABEL_DIRS:
                dirs = [os.sep.join([*parts[:i], d, *parts[i + 1 :]]) for d in IMAGE_DIR_NAMES]
                break
        dirs.append(folder)
        if len(_VIRTUAL_DIRS) > 100_000:
            _VIRTUAL_DIRS.clear()
        _VIRTUAL_DIRS[folder] = dirs
    stem = name[:-4]
    return [f"{d}{os.sep}{stem}" for d in dirs]


def _abs(path: Path | str) -> str:
    return os.path.abspath(path)


class Discovery:
    """Turns input paths into :class:`Dataset` objects (absolute string paths inside)."""

    def __init__(self, report: Report) -> None:
        self.report = report

    def scan(self, folder: str, skip: set[str] | None = None) -> tuple[list[Item], bool, str | None]:
        """Folder scan -> (items, any labelTxt folder, names file or None)."""
        found = walk(folder, self.report)
        images = MediaIndex()
        # Ultralytics predict folders: labels/ beside crops/<class>/<image> (save_crop), not frames
        crops = os.path.isdir(os.path.join(folder, "labels")) and os.path.isdir(os.path.join(folder, "crops"))
        for p, rel in found.images:
            if (skip is None or p not in skip) and not (crops and rel.startswith("crops/")):
                images.add(p, rel, folder)
        labels = [(p, rel) for p, rel in _label_files(found, images) if skip is None or p not in skip]
        dota = any(d.lower() == "labeltxt" for _, rel in labels for d in rel.split("/")[:-1])
        items = pair(((p, rel, folder) for p, rel in labels), images)
        names = None
        for cand in ("obj.names", "classes.txt"):
            if os.path.isfile(os.path.join(folder, cand)):
                names = os.path.join(folder, cand)
                break
        else:
            other = sorted(str(p) for p in Path(folder).glob("*.names"))
            names = other[0] if other else None
        return items, dota, names

    def split_dir(self, image_dir: Path) -> tuple[list[Item], bool]:
        label_dir = label_dir_for(image_dir)
        images = MediaIndex()
        idir = _abs(image_dir)
        if image_dir.is_dir():
            for p, rel in walk(idir, self.report).images:
                images.add(p, rel, idir)
        ldir = _abs(label_dir)
        labels: list[tuple[str, str]] = []
        if label_dir.is_dir():
            found = walk(ldir, self.report)
            labels = found.labels if ldir != idir else _label_files(found, images)
        dota = label_dir.name.lower() == "labeltxt"
        return pair(((p, rel, ldir) for p, rel in labels), images), dota

    def split_list(self, list_file: Path, root: Path) -> list[Item]:
        text = decode_text(read_file(list_file, "image list"), str(list_file))
        return self.split_list_lines(text.splitlines(), root, str(list_file), list_file.parent)

    def split_list_lines(self, lines: list[str], root: Path, where: str, beside: Path | None = None) -> list[Item]:
        """Items of image paths (an image list's lines, or a YAML split naming image files)."""
        items = []
        for ln, raw in enumerate(lines, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("./") and beside is not None:
                image = beside / line[2:]
            else:
                image = _resolve(root, line)
                if not image.exists() and beside is not None and (beside / line).exists():
                    image = beside / line
            label = label_for_image(image)
            if not image.exists() and label is None:
                self.report.warn("image_not_found", f"listed image {line!r} and its label file do not exist",
                                 f"{where}:{ln}" if beside is not None else where)
                continue
            ipath = _abs(image)
            if label is not None:
                lpath = _abs(label)
                item = Item(lpath, os.path.basename(lpath)[:-4], os.path.dirname(lpath))
            else:
                item = Item(None, "", "")
            if image.exists():
                item.image, item.image_rel = ipath, os.path.basename(ipath)
                item.image_root = os.path.dirname(ipath)
            item.listed = ipath
            items.append(item)
        return items

    def from_yaml(self, path: Path) -> Dataset:
        where = str(path)
        try:
            data = safe_yaml.load(decode_text(read_file(path, "dataset YAML"), where))
        except yaml.YAMLError as exc:
            raise InputError(f"not valid YAML: {exc}", where) from None
        if not isinstance(data, dict):
            raise InputError("a dataset YAML must be a mapping (path, train, val, names, ...)", where)
        root = path.parent
        if data.get("path"):
            p = Path(str(data["path"]))
            if p.is_absolute():
                root = p
            elif (path.parent / p).exists() or not (Path.cwd() / p).exists():
                root = path.parent / p
            else:
                root = Path.cwd() / p
        ds = Dataset([], _abs(root), is_dataset=True, source=where)
        self._yaml_meta(ds, data, where)
        entries = []
        for key in YAML_SPLITS:
            value = data.get(key)
            for entry in value if isinstance(value, list) else [value] if value else []:
                entries.append((key, str(entry)))
        if not entries:  # no split at all: the YAML describes the folder it sits in
            ds.items, ds.dota, _ = self.scan(ds.root)
            return ds
        for key, entry in entries:
            target = _resolve(root, entry)
            if not (target.exists() or label_dir_for(target).is_dir()):
                alias = _split_alias(root, entry)
                if alias is None:
                    raise InputError(f"split {key!r}: {entry!r} not found (looked for {target})",
                                     f"{where}:$.{key}", "missing_split")
                self.report.warn("split_renamed", f"split {key!r}: {entry!r} not found; read {alias}, the same "
                                 "split under another name", f"{where}:$.{key}")
                target = alias
            if target.is_file() and ext_of(target.name) in IMG_EXTS:
                ds.items += self.split_list_lines([str(target)], root, f"{where}:$.{key}")
            elif target.is_file():
                ds.items += self.split_list(target, root)
            else:
                items, dota = self.split_dir(target)
                ds.items += items
                ds.dota = ds.dota or dota
        ds.items = self._once(ds.items, where)
        return ds

    def _once(self, items: list[Item], where: str) -> list[Item]:
        """Each label / image once, though two splits name it (val = test, Darknet's train = valid)."""
        seen: set[tuple[str | None, str | None]] = set()
        out = []
        for it in items:
            key = (it.label and os.path.realpath(it.label), it.image and os.path.realpath(it.image))
            if key not in seen:
                seen.add(key)
                out.append(it)
        if len(out) < len(items):
            self.report.warn("split_duplicate", f"{len(items) - len(out)} image(s) are in more than one split; "
                             "each is read once", where, len(items) - len(out))
        return out

    def _yaml_meta(self, ds: Dataset, data: dict[str, object], where: str) -> None:
        if data.get("names") is not None:
            ds.names = names_from_value(data["names"], f"{where}:$.names")
            ds.names_where = where
        nc = data.get("nc")
        if isinstance(nc, int) and not isinstance(nc, bool) and ds.names is not None and len(ds.names) != nc:
            self.report.warn("names_count", f"nc is {nc} but names has {len(ds.names)} entries", f"{where}:$.nc")
        if data.get("kpt_shape") is not None:
            ds.kpt_shape = kpt_shape_value(data["kpt_shape"], f"{where}:$.kpt_shape")
        ds.kpt_names = kpt_names_value(data.get("kpt_names"), f"{where}:$.kpt_names")

    def from_obj_data(self, path: Path) -> Dataset:
        where = str(path)
        root = path.parent
        ds = Dataset([], _abs(root), is_dataset=True, source=where)
        values: dict[str, tuple[str, int]] = {}
        for ln, raw in enumerate(decode_text(read_file(path, "obj.data file"), where).splitlines(), 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            key, eq, value = line.partition("=")
            if not eq:
                raise InputError(f"expected 'key = value', got {raw.strip()!r}", f"{where}:{ln}")
            values[key.strip()] = (value.strip(), ln)
        if "names" in values:
            value, ln = values["names"]
            names_path, _ = resolve_upwards(root, value)
            ds.names = load_names_file(names_path, f"{where}:{ln}")
            ds.names_where = str(names_path)
        lists = [(v, ln) for k, (v, ln) in values.items() if k in ("train", "valid", "test")]
        for value, ln in lists:
            target, base = resolve_upwards(root, value)
            if not target.is_file():
                raise InputError(f"image list {value!r} not found (looked for {_resolve(root, value)} and in the "
                                 "folders above)", f"{where}:{ln}", "missing_file")
            ds.items += self.split_list(target, base)
        if not lists:
            ds.items, ds.dota, _ = self.scan(ds.root)
        ds.items = self._once(ds.items, where)
        return ds

    def from_folder(self, folder: Path) -> Dataset:
        if (folder / "obj.data").is_file():
            return self.from_obj_data(folder / "obj.data")
        with os.scandir(folder) as entries:
            yamls = sorted(folder / e.name for e in entries
                           if ext_of(e.name) in ("yaml", "yml") and e.is_file())
        datasets = [p for p in yamls if _is_dataset_yaml(p)]
        if len(datasets) > 1:
            preferred = [p for p in datasets if p.name in ("data.yaml", "dataset.yaml")]
            if len(preferred) != 1:
                raise InputError(f"several dataset YAML files ({', '.join(p.name for p in datasets)}); "
                                 "pass the one to use as the input", str(folder))
            datasets = preferred
        if datasets:
            return self.from_yaml(datasets[0])
        root = _abs(folder)
        items, dota, names = self.scan(root)
        ds = Dataset(items, root, dota=dota)
        if names is not None:
            ds.names = load_names_file(Path(names))
            ds.names_where = names
        return ds

    def from_list(self, list_file: Path) -> Dataset:
        return Dataset(self.split_list(list_file, list_file.parent), _abs(list_file.parent))

    def from_files(self, files: list[Path]) -> Dataset:
        items = []
        for f in files:
            label = _abs(f)
            item = Item(label, os.path.basename(label)[:-4], os.path.dirname(label))
            for ext in ("jpg", "jpeg", "png", "bmp", "webp", "tif", "tiff", "JPG", "JPEG", "PNG"):
                cand = f"{label[:-4]}.{ext}"
                if os.path.isfile(cand):
                    item.image, item.image_rel = cand, os.path.basename(cand)
                    item.image_root = item.label_root
                    break
            items.append(item)
        root = os.path.commonpath([it.label_root for it in items]) if items else _abs(".")
        return Dataset(items, root)


def _is_dataset_yaml(path: Path) -> bool:
    try:
        data = safe_yaml.load(read_regular(path))
    except (OSError, InputError, yaml.YAMLError):
        return False
    return isinstance(data, dict) and any(k in data for k in ("names", "nc", *YAML_SPLITS))


def media_index(paths: list[str] | None) -> tuple[MediaIndex, MediaIndex]:
    """(images, videos) from ``--images`` (folders are searched recursively)."""
    images, videos = MediaIndex(), MediaIndex()
    for raw in paths or []:
        p = _abs(raw)
        if os.path.isdir(p):
            found = walk(p)
            for f, rel in found.images:
                images.add(f, rel, p)
            for f, rel in found.videos:
                videos.add(f, rel, p)
        elif os.path.isfile(p):
            ext = ext_of(p)
            target = images if ext in IMG_EXTS else videos if ext in VID_EXTS else None
            if target is None:
                raise UsageError(f"--images {raw}: not an image or video file")
            target.add(p, os.path.basename(p), os.path.dirname(p))
        else:
            raise UsageError(f"--images {raw}: no such file or folder")
    return images, videos
