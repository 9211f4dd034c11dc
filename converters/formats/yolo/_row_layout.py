"""YOLO row layouts: what the values of a row mean, and how a layout is inferred.

A row is whitespace-separated numbers (``cls`` then normalized coordinates, then the optional
trailing ``conf`` and ``track_id`` columns Ultralytics appends, in that order).

=========  ==============================================  ===============================
task       row                                             values
=========  ==============================================  ===============================
detect     ``cls xc yc w h``                               ``n = 5 + e``
segment    ``cls x1 y1 ... xk yk``                         ``n = 1 + 2k + e`` (k >= 3 when
                                                           inferring)
pose       ``cls xc yc w h`` + K x (``x y`` or ``x y v``)  ``n = 5 + K*D + e``
obb        ``cls x1 y1 x2 y2 x3 y3 x4 y4``                 ``n = 9 + e``
=========  ==============================================  ===============================

(``e`` = 0, 1 or 2 trailing columns.) DOTA ``labelTxt`` rows (``x1 y1 ... x4 y4 class_name
[difficult]``, absolute pixels) are recognised by :func:`looks_like_dota`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...errors import InputError
from .._numbers import parses_as_float

TASKS = ("detect", "segment", "pose", "obb")
COLUMNS: dict[str, tuple[bool, bool]] = {
    "none": (False, False),
    "conf": (True, False),
    "track": (False, True),
    "conf+track": (True, True),
}
UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Layout:
    """What one row holds: the task, the trailing columns and (pose) the keypoint shape."""

    task: str
    conf: bool = False
    track: bool = False
    kpt: tuple[int, int] | None = None

    @property
    def extra(self) -> int:
        return int(self.conf) + int(self.track)

    @property
    def columns(self) -> str:
        return {(False, False): "none", (True, False): "conf", (False, True): "track"}.get(
            (self.conf, self.track), "conf+track"
        )

    def fits(self, n: int, inference: bool = False) -> bool:
        """Does a row of ``n`` values fit this layout? ``inference`` asks for >= 3 polygon points."""
        m = n - 1 - self.extra
        if self.task == "detect":
            return m == 4
        if self.task == "obb":
            return m == 8
        if self.task == "pose":
            k, d = self.kpt or (0, 0)
            return m == 4 + k * d
        return m >= (6 if inference else 2) and m % 2 == 0

    def expected(self) -> str:
        e = self.extra
        if self.task == "detect":
            return str(5 + e)
        if self.task == "obb":
            return str(9 + e)
        if self.task == "pose":
            k, d = self.kpt or (0, 0)
            return str(5 + k * d + e)
        return f"an {'even' if e == 1 else 'odd'} number >= {7 + e}"

    def describe(self) -> str:
        what = {
            "detect": "detect (cls xc yc w h)",
            "segment": "segment (cls x1 y1 ... xn yn)",
            "obb": "obb (cls x1 y1 ... x4 y4)",
            "pose": "pose (cls xc yc w h + {} keypoints x {} values)".format(*(self.kpt or (0, 0))),
        }[self.task]
        extra = {"none": "", "conf": " + conf", "track": " + track_id", "conf+track": " + conf track_id"}
        return what + extra[self.columns]

    def flags(self) -> str:
        return f"--yolo-task {self.task} --yolo-columns {self.columns}"


def candidate_layouts(
    task: str | None, columns: str | None, kpt: tuple[int, int] | None
) -> list[Layout]:
    """Every layout allowed by the declared task / columns (None = not declared)."""
    tasks = [task] if task else [t for t in TASKS if t != "pose" or kpt is not None]
    cols = [columns] if columns else list(COLUMNS)
    return [Layout(t, *COLUMNS[c], kpt if t == "pose" else None) for t in tasks for c in cols]


def split_lines(data: bytes, loc: str) -> list[bytes]:
    """File bytes -> lines (CRLF, CR and LF endings; a UTF-8 BOM is dropped)."""
    if data[:3] == UTF8_BOM:
        data = data[3:]
    elif data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise InputError("the file is UTF-16 encoded; YOLO label files are ASCII/UTF-8 text", loc)
    return data.splitlines()


def show(raw: bytes, limit: int = 120) -> str:
    """A row as printable text for messages (shortened when long)."""
    text = raw.decode("utf-8", "replace").strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."


def looks_like_dota(tokens: list[bytes]) -> bool:
    """``x1 y1 ... x4 y4 class_name [difficult]``: 8 numbers, then a name that is not a number."""
    return (
        len(tokens) in (9, 10)
        and not parses_as_float(tokens[8])
        and all(parses_as_float(t) for t in tokens[:8])
    )


def is_dota_header(tokens: list[bytes]) -> bool:
    """DOTA v1 files may start with ``imagesource:...`` and ``gsd:...`` lines."""
    return len(tokens) == 1 and b":" in tokens[0]
