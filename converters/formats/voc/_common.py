"""Pascal VOC helpers shared by the annotation, result-file and mask readers.

- :func:`parse_xml`: a fast, still hardened parse of one small VOC XML file. Files without a
  DTD in an ASCII-compatible encoding go to the C ElementTree parser (about 2.5x faster than the
  defusedxml path: no DTD means no entity declarations, so no entity expansion and no external
  entity is possible); anything else (a ``<!DOCTYPE``, UTF-16/32, another declared encoding) and
  every parse error go through :func:`converters.formats._xml.parse`, so the refusals and the
  "malformed XML ... (line L, column C)" messages are exactly the hardened parser's.
- :func:`plain_split`: the fast path for plain annotation files: one regular expression checks
  and splits the objects, a second one (or, for unusual headers, the C parser) reads the header;
  it accepts only files whose full parse would give the same elements and texts, and returns None
  for anything else. :func:`read_ahead` reads the files of a run in batches.
- :func:`read_header`: ``<filename>`` and ``<size>`` only, parsing no further than needed.
- :func:`edge_box`: the devkit coordinate rule and the record-level box checks.
- :class:`ImageIndex` and :func:`image_header_size`: image sizes from image headers.

Measured on 20-object files (2.6 KB): C ElementTree parse about 3-4.5 us per object, defusedxml
about 12-14 us, pyexpat with Python handlers (even minimal ones) about 6-7 us, lxml about 2-2.7 us
to parse and 6-7 us with the values read; :func:`plain_split` about 1-1.3 us (the whole reader on
plain files: about 3 us per object, file read and objects included).
"""

from __future__ import annotations

import contextlib
import os
import pyexpat
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, cast

from ...errors import InputError, RecordSkip
from ...input_files import open_regular
from ...model import MAX_IMAGE_SIDE, Box
from .. import _xml as xmlsafe
from .._images import IMG_EXTS, ext_of, read_image_size
from .._numbers import parses_as_float

_SAFE_ENCODINGS = frozenset({"utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1"})
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_FLAG_TRUE = frozenset({"1", "true", "yes"})
#: os.read size: below malloc's mmap threshold (a 1 MiB buffer per small file costs an mmap/munmap)
_READ_CHUNK = 1 << 14  # most annotation files fit; a larger os.read buffer costs more to allocate than to refill
_AHEAD_FILES = 64
_AHEAD_BYTES = 1 << 20


#: A record-level problem: the record is reported with ``code`` and skipped (the library-wide type).
Skip = RecordSkip


# ---------------------------------------------------------------------------------------------
# XML
# ---------------------------------------------------------------------------------------------


def _needs_hardened_parser(data: bytes) -> bool:
    """True when the fast path cannot rule out a DTD (and so entities) by a byte search."""
    if b"<!DOCTYPE" in data or data[:2] in (b"\xfe\xff", b"\xff\xfe") or b"\x00" in data[:4]:
        return True
    head = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    if head.startswith(b"<?xml"):
        decl = head[: head.find(b"?>")]
        m = _ENCODING.search(decl)
        if m is not None and m.group(1).decode("ascii").lower() not in _SAFE_ENCODINGS:
            return True
    return False


def read_bytes(path: str | Path) -> bytes:
    """The file's bytes (os.open/os.read: half the cost of open().read() on small files)."""
    try:
        fd = open_regular(path, "the annotation file")
        try:
            chunks = []
            while True:
                chunk = os.read(fd, _READ_CHUNK)
                if not chunk:
                    break
                chunks.append(chunk)
        finally:
            os.close(fd)
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", str(path)) from None
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def read_ahead(paths: Sequence[str]) -> Iterator[bytes | InputError]:
    """The bytes of each file in order, or the InputError reading it raised (for the caller to
    raise when it comes to that file). Files are read in batches (up to :data:`_AHEAD_FILES` files
    or :data:`_AHEAD_BYTES` bytes): system calls in a row run faster than spread out between parses.
    """
    i = 0
    n = len(paths)
    while i < n:
        batch: list[bytes | InputError] = []
        size = 0
        while i < n and len(batch) < _AHEAD_FILES and size < _AHEAD_BYTES:
            try:
                data = read_bytes(paths[i])
            except InputError as exc:
                batch.append(exc)
            else:
                batch.append(data)
                size += len(data)
            i += 1
        yield from batch


def parse_xml(path: str | Path, data: bytes) -> ET.Element:
    """Root element of ``data`` (the bytes of ``path``), parsed safely; errors as InputError."""
    if _needs_hardened_parser(data):
        return xmlsafe.parse(Path(path))
    parser = ET.XMLParser()
    try:
        parser.feed(data)
        return parser.close()
    except ET.ParseError:
        pass
    xmlsafe.parse(Path(path))  # raises the hardened parser's InputError with line and column
    raise InputError("malformed XML", str(path))  # the file changed between the two reads


# ---------------------------------------------------------------------------------------------
# Plain annotation files (fast path)
# ---------------------------------------------------------------------------------------------

_S = "[ \t\r\n]*+"  # XML white space
#: element text: the characters expat accepts in character data (no C0 controls but tab and
#: newline, no U+FFFE/U+FFFF) minus markup (``<``, ``&``), ``>`` (so no ``]]>``) and ``\r`` (which
#: the parser would turn into ``\n``): texts with those go to the full parse
_X = "[^<&>\r\x00-\x08\x0b-\x1f\ufffe\uffff]*+"
_T = f"({_X})"
_ATTRS = (
    f"(?:<pose>{_T}</pose>{_S})?(?:<truncated>{_T}</truncated>{_S})?"
    f"(?:<occluded>{_T}</occluded>{_S})?(?:<difficult>{_T}</difficult>{_S})?"
)
#: one plain ``<object>`` and the white space after it. Groups: name, the flag elements before the
#: box (pose, truncated, occluded, difficult; each optional, in this order) as one text, xmin, ymin,
#: xmax, ymax, then after the box an optional ``<score>`` or ``<confidence>`` (detector output; two
#: groups) and an optional ``<difficult>`` (VOC2012 writes it there) as one text
_PLAIN_OBJECT = re.compile(
    f"<object>{_S}<name>{_T}</name>{_S}({_ATTRS.replace(_T, _X)})"
    f"<bndbox>{_S}<xmin>{_T}</xmin>{_S}<ymin>{_T}</ymin>{_S}<xmax>{_T}</xmax>{_S}<ymax>{_T}</ymax>{_S}"
    f"</bndbox>{_S}(?:</object>|(?:<score>{_T}</score>{_S}|<confidence>{_T}</confidence>{_S})?"
    f"((?:<difficult>{_X}</difficult>{_S})?)</object>){_S}"  # </object> first: the most common case
)
_PLAIN_ATTRS = re.compile(_ATTRS)
_PLAIN_DIFFICULT = re.compile(f"<difficult>{_T}</difficult>{_S}")
_NAME = "[A-Za-z_][A-Za-z0-9_.-]*+"  # an XML name (ASCII, no namespace prefix)
_EQ = f"{_S}={_S}"
_ENC = "[A-Za-z][A-Za-z0-9._-]*+"
#: a plain header: an optional XML declaration, ``<annotation>`` and its children before the first
#: object: elements without attributes holding text, or holding such elements (``<source>``,
#: ``<size>``...). ``<filename>`` and ``<size>`` occur only as children of the root (so their first
#: occurrence is the one ``findtext``/``find`` on the root give), and ``<filename>`` holds text only.
_PLAIN_HEAD = re.compile(
    "\ufeff?"
    f"(?:<\\?xml[ \t\r\n]++version{_EQ}(?:\"1\\.0\"|'1\\.0')"
    f"(?:[ \t\r\n]++encoding{_EQ}(?:\"{_ENC}\"|'{_ENC}'))?"
    f"(?:[ \t\r\n]++standalone{_EQ}(?:\"(?:yes|no)\"|'(?:yes|no)'))?{_S}\\?>)?"
    f"{_S}<annotation>{_S}"
    f"(?:<(?P<leaf>{_NAME})>{_X}</(?P=leaf)>{_S}"
    f"|<(?P<box>(?!filename>){_NAME})>{_S}"
    f"(?:<(?P<sub>(?!filename>|size>){_NAME})>{_X}</(?P=sub)>{_S})*+</(?P=box)>{_S})*+"
)
_HEAD_FILENAME = re.compile(f"<filename>({_X})</filename>")
_HEAD_SIZE = re.compile(f"<size>({_S}(?:<{_NAME}>{_X}</{_NAME}>{_S})*+)</size>")
_SIZE_WIDTH = re.compile(f"<width>({_X})</width>")
_SIZE_HEIGHT = re.compile(f"<height>({_X})</height>")
#: items per object in :func:`plain_split`'s list: the 9 groups and the text up to the next object
PLAIN_STRIDE = 10
_UTF8_BOM = b"\xef\xbb\xbf"


def _plain_codec(head: bytes) -> str | None:
    """The Python codec that decodes a file starting with ``head`` exactly as expat does, or None.

    No declaration: UTF-8. ``UTF-8`` and ``ISO-8859-1`` are expat's own; the other safe names
    (``utf8``, ``ascii``, ``latin1``...) go through pyexpat's single-byte codec table, which keeps
    ASCII only for ``utf8``/``ascii`` (any other byte is an error there) and all 256 bytes for latin-1.
    """
    if _needs_hardened_parser(head):
        return None
    bom = head.startswith(_UTF8_BOM)
    if bom:
        head = head[3:]
    if not head.startswith(b"<?xml"):
        return "utf-8"
    m = _ENCODING.search(head[: head.find(b"?>")])
    if m is None:
        return "utf-8"
    enc = m.group(1).decode("ascii").lower()
    if enc == "utf-8":
        return "utf-8"
    if bom:
        return None  # a BOM contradicting the declaration: left to the parser
    return "latin-1" if enc in ("iso-8859-1", "latin-1", "latin1") else "ascii"


#: a plain file's (``<filename>`` text stripped, ``<size>`` as :func:`parse_size` gives it, objects)
PlainFile = tuple[str, "tuple[float, float] | None", list[str]]


def plain_split(data: bytes) -> PlainFile | None:
    """A plain annotation file split for the fast path, or None when the file is anything else.

    Plain: no DTD and an ASCII-compatible encoding (as for :func:`parse_xml`'s fast parse); every
    ``<object>`` matches :data:`_PLAIN_OBJECT` (no attributes, comments, entities, ``<part>``...);
    nothing but white space between the objects and after them up to ``</annotation>``. The header
    (everything before the first object) is read by :func:`_plain_head`. Returns the filename,
    the size and ``_PLAIN_OBJECT.split`` of the objects:
    ``["", <9 groups>, "", <9 groups>, ..., "</annotation>"]`` (None for a group that did not take part).

    Why this equals the full parse: the header is well-formed up to the content of the root
    ``<annotation>`` (see :func:`_plain_head`) and the objects are balanced elements whose texts
    hold only characters that expat accepts and passes on unchanged; so the file is well-formed and
    its objects are the root's ``<object>`` children, in order, with exactly these texts.
    """
    start = data.find(b"<object")
    if start < 0:
        return None
    head = data[:start]  # a DTD can only come before the root element: in the header
    codec = _plain_codec(head)
    if codec is None:
        return None
    try:
        body = data[start:].decode(codec)
    except UnicodeDecodeError:
        return None
    parts: list[str] = _PLAIN_OBJECT.split(body)
    if parts[0] or any(parts[PLAIN_STRIDE:-1:PLAIN_STRIDE]) or parts[-1].rstrip(" \t\r\n") != "</annotation>":
        return None
    fields = _plain_head(head, codec)
    if fields is None:
        return None
    return fields[0], fields[1], parts


def _plain_head(head: bytes, codec: str) -> tuple[str, tuple[float, float] | None] | None:
    """``<filename>`` (stripped) and ``<size>`` of a header ending in the content of the root
    ``<annotation>``; None when the header is not that (malformed, another root, a namespace...).

    A header matching :data:`_PLAIN_HEAD` is read with string searches (the pattern makes the first
    ``<filename>`` and ``<size>`` the root's children); any other header is parsed by the C
    ElementTree parser with ``</annotation>`` appended, which fails unless the header ends in the
    root's content (a comment, PI, CDATA section or attribute value left open would swallow the
    appended end tag).
    """
    try:
        text = head.decode(codec)
    except UnicodeDecodeError:
        return None
    if _PLAIN_HEAD.fullmatch(text):
        m = _HEAD_FILENAME.search(text)
        filename = m.group(1).strip() if m else ""
        at = text.find("<size>")
        m = _HEAD_SIZE.match(text, at) if at >= 0 else None
        if m is None:  # no <size>, or one holding text only: find("width") gives None
            return filename, None
        w = _SIZE_WIDTH.search(m.group(1))
        h = _SIZE_HEIGHT.search(m.group(1))
        return filename, size_from_texts(w.group(1) if w else None, h.group(1) if h else None)
    parser = ET.XMLParser()
    try:
        parser.feed(head)
        parser.feed(b"</annotation>")
        root = parser.close()
    except ET.ParseError:
        return None
    if root.tag != "annotation":
        return None
    return (root.findtext("filename") or "").strip(), parse_size(root.find("size"))


def plain_flag_texts(before: str, after: str) -> tuple[str | None, str | None, str | None, str | None]:
    """Texts of pose, truncated, occluded, difficult (None: absent) from the two flag groups of a
    :data:`_PLAIN_OBJECT` match. A ``<difficult>`` after the box wins over one before it, as the
    later element does in the full parse (the attribute keeps its place: after the other flags)."""
    m = _PLAIN_ATTRS.fullmatch(before)
    pose, truncated, occluded, difficult = m.groups() if m else (None, None, None, None)
    d = _PLAIN_DIFFICULT.fullmatch(after) if after else None
    return pose, truncated, occluded, d.group(1) if d else difficult


def read_header(path: str | Path) -> tuple[str | None, tuple[float, float] | None]:
    """``<filename>`` text and ``<size>`` of an annotation file, parsing only as far as needed.

    Used for the image sizes of result files: the file is parsed incrementally (same safety rules
    as :func:`parse_xml`) and parsing stops once both top-level elements have been seen.
    """
    data = read_bytes(path)
    if _needs_hardened_parser(data):
        root = xmlsafe.parse(Path(path))
        return text(root.find("filename")), parse_size(root.find("size"))
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(("start", "end"))
    depth = 0
    filename: str | None = None
    size: ET.Element | None = None
    try:
        for i in range(0, len(data), 512):
            parser.feed(data[i : i + 512])
            for ev in parser.read_events():
                event, elem = cast("tuple[str, ET.Element]", ev)
                if event == "start":
                    depth += 1
                    continue
                if depth == 2 and elem.tag == "filename" and filename is None:
                    filename = text(elem)
                elif depth == 2 and elem.tag == "size" and size is None:
                    size = elem
                depth -= 1
                if filename is not None and size is not None:
                    return filename, parse_size(size)
        parser.close()
    except ET.ParseError:
        parse_xml(path, data)  # raises the hardened parser's message
        raise InputError("malformed XML", str(path)) from None
    return filename, parse_size(size)


def _refuse(*_args: Any) -> None:
    raise ValueError("DTD")


def element_positions(data: bytes) -> list[tuple[int, int, list[tuple[int, int]]]]:
    """(line, column) of every top-level ``<object>`` and of its ``<part>`` children, in order.

    Only called when a record is reported, so the fast parse does not pay for line numbers.
    """
    out: list[tuple[int, int, list[tuple[int, int]]]] = []
    depth = 0
    p = pyexpat.ParserCreate()

    def start(name: str, _attrs: Any) -> None:
        nonlocal depth
        depth += 1
        if depth == 2 and name == "object":
            out.append((p.CurrentLineNumber, p.CurrentColumnNumber, []))
        elif depth == 3 and name == "part" and out:
            out[-1][2].append((p.CurrentLineNumber, p.CurrentColumnNumber))

    def end(_name: str) -> None:
        nonlocal depth
        depth -= 1

    p.StartElementHandler = start
    p.EndElementHandler = end
    p.EntityDeclHandler = _refuse
    p.ExternalEntityRefHandler = _refuse  # type: ignore[assignment]
    with contextlib.suppress(pyexpat.ExpatError, ValueError):
        p.Parse(data, True)
    return out


def text(elem: ET.Element | None) -> str | None:
    """Stripped text of ``elem``; None when the element is absent."""
    if elem is None:
        return None
    t = elem.text
    return t.strip() if t else ""


def flag(value: str | None) -> str:
    """A VOC 0/1 flag as a Playment value (A10): ``1`` (also true/yes) -> Yes, anything else -> No."""
    return "Yes" if value is not None and value.strip().lower() in _FLAG_TRUE else "No"


# ---------------------------------------------------------------------------------------------
# Boxes
# ---------------------------------------------------------------------------------------------

_BOX_KEYS = ("xmin", "ymin", "xmax", "ymax")


def box_values(bndbox: ET.Element | None, what: str = "object") -> tuple[float, float, float, float]:
    """The four numbers of a ``<bndbox>`` (children in any order); Skip when missing or not numeric."""
    if bndbox is None:
        raise Skip("bbox_missing", f"{what} has no <bndbox>")
    xmin = bndbox.findtext("xmin")
    ymin = bndbox.findtext("ymin")
    xmax = bndbox.findtext("xmax")
    ymax = bndbox.findtext("ymax")
    try:
        return float(xmin), float(ymin), float(xmax), float(ymax)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        pass
    values = (xmin, ymin, xmax, ymax)
    for key, v in zip(_BOX_KEYS, values, strict=True):
        if v is None or not v.strip():
            raise Skip("bbox_missing_value", f"{what}'s <bndbox> has no <{key}> value")
    bad = [
        f"<{k}> {(v or '').strip()!r}" for k, v in zip(_BOX_KEYS, values, strict=True) if not parses_as_float(v)
    ]
    raise Skip("bad_number", f"{what}'s <bndbox> has a value that is not a number: {', '.join(bad)}")


def edge_box(
    xmin: float, ymin: float, xmax: float, ymax: float, offset: float, width: float, height: float
) -> Box:
    """Pixel-edge box from VOC values: (xmin - offset, ymin - offset, xmax, ymax).

    ``offset`` is 1 for the devkit's 1-based inclusive pixel indices and 0 for files written
    0-based. Skips: non-finite values, xmin > xmax or ymin > ymax (``bbox_inverted``), no area left
    (``bbox_non_positive``), and a box with no overlap with the W x H image (``bbox_outside_image``).
    A box partly outside is kept; the builder clamps it and counts the clamped points.
    """
    s = xmin + ymin + xmax + ymax
    if s - s != 0:
        raise Skip("bad_number", f"box ({xmin:g}, {ymin:g}, {xmax:g}, {ymax:g}) has a non-finite value")
    if xmin > xmax or ymin > ymax:
        raise Skip(
            "bbox_inverted",
            f"box has xmin > xmax or ymin > ymax (xmin {xmin:g} ymin {ymin:g} xmax {xmax:g} ymax {ymax:g})",
        )
    x1 = xmin - offset
    y1 = ymin - offset
    if xmax <= x1 or ymax <= y1:
        raise Skip(
            "bbox_non_positive",
            f"box ({xmin:g}, {ymin:g}, {xmax:g}, {ymax:g}) has no area (0-based coordinates, min == max)",
        )
    if xmax <= 0 or ymax <= 0 or x1 >= width or y1 >= height:
        raise Skip(
            "bbox_outside_image",
            f"box ({xmin:g}, {ymin:g}, {xmax:g}, {ymax:g}) lies entirely outside the "
            f"{width:g}x{height:g} image",
        )
    return Box(x1, y1, xmax, ymax)


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


def parse_size(size: ET.Element | None) -> tuple[float, float] | None:
    """(width, height) from ``<size>`` when both are positive finite numbers, else None."""
    if size is None:
        return None
    return size_from_texts(size.findtext("width"), size.findtext("height"))


def size_from_texts(width: str | None, height: str | None) -> tuple[float, float] | None:
    """:func:`parse_size` from the texts of ``<width>`` and ``<height>`` (None: absent)."""
    try:
        w = float(width or "")
        h = float(height or "")
    except ValueError:
        return None
    if 0 < w <= MAX_IMAGE_SIDE and 0 < h <= MAX_IMAGE_SIDE:
        return (w, h)
    return None
