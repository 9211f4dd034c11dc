"""The fast path for plain VOC annotation files (most files written by labelImg, CVAT, the devkit).

:func:`plain_split`: one regular expression checks and splits the objects, a second one (or, for
unusual headers, the C parser) reads the header; it accepts only files whose full parse would give
the same elements and texts, and returns None for anything else (the reader then parses the file).
About 1-1.3 us per object (the whole reader on plain files: about 3 us per object, file read and
objects included).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from .. import _xml as xmlsafe
from ._values import parse_size, size_from_texts

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
    if not xmlsafe.fast_parser_is_safe(head):
        return None
    bom = head.startswith(_UTF8_BOM)
    if bom:
        head = head[3:]
    if not head.startswith(b"<?xml"):
        return "utf-8"
    enc = xmlsafe.declared_encoding(head, head.find(b"?>"))
    if enc is None:
        return "utf-8"
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
