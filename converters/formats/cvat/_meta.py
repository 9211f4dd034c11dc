"""The ``<meta>`` block of a CVAT XML 1.1 file: labels, attribute types, skeleton sub-labels, tasks.

Task exports put everything under ``<meta><task>``, job exports under ``<meta><job>``, project
exports under ``<meta><project>`` with ``<tasks><task>...`` and ``<labels>`` at project level.
Video data adds ``<original_size>`` (inside ``<task>``, or directly under ``<meta>`` in job exports
and old files). ``frame_filter`` is empty or ``step=N`` (CVAT's own regex; no match = step 1).

The block is small, so it is parsed from a complete element; the shapes after it are streamed.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from ...errors import InputError
from ...model import MAX_IMAGE_SIDE

_STEP = re.compile(r"step\s*=\s*([1-9]\d*)")


@dataclass(slots=True)
class LabelInfo:
    """One top-level label: its type, attribute input types and (skeletons) sub-labels in order."""

    name: str
    type: str = ""
    attr_types: dict[str, str] = field(default_factory=dict)
    sublabels: tuple[str, ...] = ()


@dataclass(slots=True)
class TaskInfo:
    """Frame range and frame size of one task (or job); ``None`` where the file does not say."""

    id: str
    name: str
    subset: str = ""
    start: int | None = None
    stop: int | None = None
    step: int = 1
    width: float | None = None
    height: float | None = None


@dataclass(slots=True)
class Meta:
    """What the reader needs from ``<meta>``."""

    scope: str = ""  # "task", "job", "project" or "" (no meta)
    labels: dict[str, LabelInfo] = field(default_factory=dict)
    tasks: list[TaskInfo] = field(default_factory=list)
    image_prefixes: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def has_labels(self) -> bool:
        """True when the meta lists labels, so shapes with other labels are unknown."""
        return bool(self.labels)

    def task(self, task_id: str | None) -> TaskInfo | None:
        """The task a track or image belongs to: by id, or the only task when there is one."""
        if task_id is not None:
            for t in self.tasks:
                if t.id == task_id:
                    return t
            return None
        return self.tasks[0] if len(self.tasks) == 1 else None

    def image_prefix(self, subset: str | None, task_id: str | None) -> str:
        """Sequence-name prefix of a project-export image: its subset, plus the task when several
        tasks share that subset (their image names may repeat); '' for task exports."""
        key = (subset or "", task_id or "")
        cached = self.image_prefixes.get(key)
        if cached is not None:
            return cached
        task = self.task(task_id) if task_id is not None else None
        if subset:
            sharing = [t for t in self.tasks if t.subset == subset]
            prefix = subset
            if len(sharing) > 1 and task is not None:
                prefix = f"{subset}/{task_label(task, self.tasks)}"
        elif task_id is not None:
            prefix = task_label(task, self.tasks) if task is not None else f"task_{task_id}"
        else:
            prefix = ""
        self.image_prefixes[key] = prefix
        return prefix


def task_label(task: TaskInfo, tasks: list[TaskInfo]) -> str:
    """A task's name, or name plus id when several tasks share the name."""
    if task.name and sum(1 for t in tasks if t.name == task.name) == 1:
        return task.name
    return f"{task.name}_{task.id}" if task.name else f"task_{task.id}"


def _text(elem: ET.Element | None, tag: str) -> str | None:
    child = elem.find(tag) if elem is not None else None
    if child is None:
        return None
    return (child.text or "").strip()


def _int(elem: ET.Element, tag: str, where: str) -> int | None:
    text = _text(elem, tag)
    if text is None or text == "":
        return None
    try:
        return int(text)
    except ValueError:
        raise InputError(f"<meta> <{tag}> is not an integer: {text!r}", where, "bad_meta") from None


def _size(elem: ET.Element | None, where: str) -> tuple[float | None, float | None]:
    size = elem.find("original_size") if elem is not None else None
    if size is None:
        return None, None
    w, h = _text(size, "width"), _text(size, "height")
    try:
        width, height = float(w or "nan"), float(h or "nan")
    except ValueError:
        raise InputError(f"<original_size> is not numeric: width={w!r} height={h!r}", where, "bad_meta") from None
    if not (0 < width <= MAX_IMAGE_SIDE and 0 < height <= MAX_IMAGE_SIDE):
        raise InputError(
            f"<original_size> must hold positive width and height of at most {MAX_IMAGE_SIDE} px, "
            f"got width={w!r} height={h!r}",
            where,
            "bad_meta",
        )
    return width, height


def _task_info(elem: ET.Element, fallback_size: tuple[float | None, float | None], where: str) -> TaskInfo:
    step = 1
    match = _STEP.search(_text(elem, "frame_filter") or "")
    if match:
        step = int(match.group(1))
    width, height = _size(elem, where)
    if width is None:
        width, height = fallback_size
    start, stop = _int(elem, "start_frame", where), _int(elem, "stop_frame", where)
    if start is not None and stop is not None and stop < start:
        raise InputError(f"<meta> stop_frame {stop} is before start_frame {start}", where, "bad_meta")
    return TaskInfo(
        id=_text(elem, "id") or "",
        name=_text(elem, "name") or "",
        subset=_text(elem, "subset") or "",
        start=start,
        stop=stop,
        step=step,
        width=width,
        height=height,
    )


def _labels(labels_elems: list[ET.Element]) -> dict[str, LabelInfo]:
    labels: dict[str, LabelInfo] = {}
    children: dict[str, list[str]] = {}
    for labels_elem in labels_elems:
        for lab in labels_elem.findall("label"):
            name = _text(lab, "name")
            if name is None:
                continue
            parent = _text(lab, "parent")
            if parent:
                children.setdefault(parent, []).append(name)
                continue
            attr_types = {}
            for attr in lab.iterfind("attributes/attribute"):
                aname = _text(attr, "name")
                if aname is not None:
                    attr_types[aname] = _text(attr, "input_type") or ""
            labels.setdefault(name, LabelInfo(name, _text(lab, "type") or "", attr_types))
    for parent, subs in children.items():
        info = labels.get(parent)
        if info is not None:
            info.sublabels = tuple(subs)
    return labels


def parse_meta(meta: ET.Element, where: str) -> Meta:
    """Read a complete ``<meta>`` element. ``where`` names the file for error messages."""
    top_size = _size(meta, where)
    for scope in ("task", "job", "project"):
        elem = meta.find(scope)
        if elem is not None:
            break
    else:
        return Meta(scope="", tasks=[TaskInfo("", "", width=top_size[0], height=top_size[1])])
    if scope == "project":
        task_elems = elem.findall("tasks/task")
        tasks = [_task_info(t, top_size, where) for t in task_elems]
        label_elems = elem.findall("labels") or [le for t in task_elems for le in t.findall("labels")]
    else:
        tasks = [_task_info(elem, top_size, where)]
        label_elems = elem.findall("labels")
    return Meta(scope=scope, labels=_labels(label_elems), tasks=tasks)
