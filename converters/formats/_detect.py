"""Which format an input is, from its content: ``--from auto``, and the hint after a wrong ``--from``.

Rules, first match wins, for each input (a folder: its files, in name order, at most
:data:`MAX_FILES` of them, at most :data:`MAX_DEPTH` levels down):

- ``*.json``: COCO when the top level is an object with ``images``, ``annotations`` or ``videos``,
  or a list of objects with ``image_id`` / ``video_id`` (a results list);
- ``*.xml``: the root element (after the prolog): ``<annotations>`` is CVAT XML, ``<annotation>``
  Pascal VOC;
- ``data.yaml`` / ``*.yaml`` with ``names``, ``nc`` or a split key, ``*.data``: YOLO; ``*.txt``
  whose first row is a class id and numbers: YOLO;
- ``*.zip``: the same rules on its member names (an ``.xml`` member is read for its root).

Only the first :data:`HEAD_BYTES` bytes of a file are read (a JSON file's keys are found by a byte
search when the file is too large to parse whole), so detection costs milliseconds.
"""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

import orjson

from ..input_files import is_regular_file
from ..option_names import opt

MAX_FILES = 2000
MAX_DEPTH = 4
HEAD_BYTES = 1 << 16
NAMES = {"coco": "COCO JSON", "yolo": "YOLO", "cvat": "CVAT XML", "voc": "Pascal VOC XML"}
#: What a reader looks for, for "no ... found in" messages.
LOOKS_FOR = {"coco": "COCO JSON files", "yolo": "YOLO label files", "cvat": "CVAT XML files",
             "voc": "Pascal VOC annotation files"}

_ROOT_TAG = re.compile(rb"<([A-Za-z_][\w.:-]*)")
_YOLO_ROW = re.compile(rb"^\s*\d+(\s+-?[\d.eE+-]+){4,}\s*$")
_COCO_KEYS = re.compile(rb'"(images|annotations|categories|videos)"\s*:')
_RESULT_KEYS = re.compile(rb'"(image_id|video_id)"\s*:')


def _head(path: Path) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(HEAD_BYTES)
    except OSError:
        return b""


def _xml_format(head: bytes) -> str | None:
    """``cvat`` / ``voc`` from the root element's name."""
    for m in _ROOT_TAG.finditer(head):
        tag = m.group(1)
        start = m.start()
        if head[start + 1 : start + 2] in (b"?", b"!"):
            continue
        return {b"annotations": "cvat", b"annotation": "voc"}.get(tag)
    return None


def _json_format(path: Path, head: bytes) -> str | None:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if len(head) < HEAD_BYTES:
        try:
            data = orjson.loads(head)
        except orjson.JSONDecodeError:
            data = None
        if isinstance(data, dict):
            return "coco" if {"images", "annotations", "videos"} & data.keys() else None
        if isinstance(data, list):
            first = next((x for x in data if isinstance(x, dict)), None)
            return "coco" if first is not None and {"image_id", "video_id"} & first.keys() else None
    if text.startswith(b"{"):
        return "coco" if _COCO_KEYS.search(head) else None
    if text.startswith(b"["):
        return "coco" if _RESULT_KEYS.search(head) else None
    return None


def _yaml_is_dataset(head: bytes) -> bool:
    return re.search(rb"^(names|nc|train|val|test|path)\s*:", head, re.M) is not None


def _file_format(path: Path) -> str | None:
    name = path.name.lower()
    ext = name.rpartition(".")[2] if "." in name else ""
    if ext == "json":
        return _json_format(path, _head(path))
    if ext == "xml":
        return _xml_format(_head(path))
    if ext == "data":
        return "yolo"
    if ext in ("yaml", "yml"):
        return "yolo" if _yaml_is_dataset(_head(path)) else None
    if ext == "txt":
        head = _head(path)
        first = next((line for line in head.splitlines() if line.strip()), b"")
        return "yolo" if _YOLO_ROW.match(first) else None
    if ext == "zip":
        return _zip_format(path)
    return None


def _zip_format(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()[:MAX_FILES]
            for info in sorted(infos, key=lambda i: i.filename):
                member = info.filename.lower()
                if member.endswith(".xml") and info.file_size > 0:
                    with zf.open(info) as fh:
                        found = _xml_format(fh.read(HEAD_BYTES))
                    if found:
                        return found
                elif member.endswith(".json") and info.file_size > 0:
                    with zf.open(info) as fh:
                        head = fh.read(HEAD_BYTES)
                    if _COCO_KEYS.search(head) or _RESULT_KEYS.search(head):
                        return "coco"
                elif member.endswith((".yaml", ".yml", ".data")) or member.rsplit("/", 1)[-1] == "obj.names":
                    return "yolo"
    except (OSError, zipfile.BadZipFile, RuntimeError, NotImplementedError):
        return None
    return None


def _folder_files(folder: Path) -> list[Path]:
    out: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        depth = Path(dirpath).relative_to(folder).parts
        if len(depth) >= MAX_DEPTH:
            dirnames[:] = []
        out.extend(Path(dirpath, f) for f in sorted(filenames))
        if len(out) >= MAX_FILES:
            break
    return out[:MAX_FILES]


def detect(paths: list[Path]) -> tuple[str, str] | None:
    """(format name, the file that showed it) for the first input whose content says, or None."""
    for path in paths:
        if path.is_dir():
            files = _folder_files(path)
            # a dataset file decides for its folder (data.yaml beside label .txt files, obj.data)
            for f in files:
                if f.suffix.lower() in (".data", ".yaml", ".yml") and _file_format(f) == "yolo":
                    return "yolo", str(f)
            for f in files:
                if is_regular_file(f):
                    found = _file_format(f)
                    if found is not None:
                        return found, str(f)
        elif is_regular_file(path):
            found = _file_format(path)
            if found is not None:
                return found, str(path)
    return None


def hint(fmt: str, paths: list[Path]) -> str:
    """`` (this looks like CVAT XML: use --from cvat)`` when the content says another format, else ""."""
    found = detect(paths)
    if found is None or found[0] == fmt:
        return ""
    return f" (this looks like {NAMES[found[0]]}: {found[1]}; use {opt('fmt', found[0])})"
