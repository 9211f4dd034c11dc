"""The fast path of the CVAT reader: plain box rows of a "CVAT for video" track cut out of the
bytes before the XML parser sees them, handed over as columns of text (:class:`RowRun`).

Building the element tree costs about 2.3 us per track row; a cut row about 0.8 us. The rules that
keep the result identical to parsing everything are those of :class:`Feeder`; the switch is
:mod:`converters.fast_paths` (off: nothing is cut). The streaming parser that feeds it is
:mod:`._xml_stream`.
"""

from __future__ import annotations

import pyexpat
import re
import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from itertools import product
from operator import itemgetter

from ... import fast_paths
from .. import _xml as xmlsafe

#: Tracks (in one chunk) with fewer rows are parsed as usual: cutting them costs more than it saves;
#: after so many of them in a chunk, the rest of the chunk is parsed as usual.
MIN_RUN = 6
SHORT_TRACKS = 8
#: After so many chunks in a row without a plain row, the rest of the file is parsed as usual.
IDLE_CHUNKS = 16

@dataclass(slots=True)
class RowRun:
    """Plain ``<box>`` rows of ``track`` cut from the bytes before the parser saw them.

    They come after the first ``index`` children the track had when they were cut (so after
    ``track[:index]`` and before any later child). ``rows`` holds the groups of :data:`ROW` per row:
    whole text, frame, flag attributes, xtl, ytl, xbr, ybr, ``<attribute>`` children (all bytes,
    ASCII).
    """

    track: ET.Element
    index: int
    rows: list[tuple[bytes, ...]]


# What a row may hold to be cut: printable ASCII without the characters that XML would replace,
# expand or reject ("<", "&", controls; ">" in text, so no "]]>"), so the row's text IS its data.
_VALUE = rb'[^"<&\x00-\x1f\x7f-\xff]*'
_TEXT = rb"[^<&>\x00-\x1f\x7f-\xff]*"
#: One track row of a "CVAT for video 1.1" box track as CVAT writes it (attribute order of CVAT
#: >= 2.4, or of older CVAT and Datumaro), from the end of the previous line to the end of its own.
#: Groups: whole text, frame, flag attributes, xtl, ytl, xbr, ybr, z_order attribute, children.
_ROW_ALL = re.compile(
    rb'([ \t\n]*<box frame="(\d+)"'
    rb'( keyframe="[01]" outside="[01]" occluded="[01]"| outside="[01]" occluded="[01]" keyframe="[01]")'
    rb' xtl="(' + _VALUE + rb')" ytl="(' + _VALUE + rb')" xbr="(' + _VALUE + rb')" ybr="(' + _VALUE + rb')"'
    rb'( z_order="-?\d+")?'
    rb'(?:/>|>((?:[ \t\n]*<attribute name="' + _VALUE + rb'">' + _TEXT + rb"</attribute>)*)[ \t\n]*</box>)"
    rb"[ \t]*\n)"
)
#: The same without the z_order group (which only :func:`row_element` needs): what the feeder finds.
ROW = re.compile(_ROW_ALL.pattern.replace(rb'( z_order="-?\d+")?', rb'(?: z_order="-?\d+")?'))
_WHOLE = itemgetter(0)
#: Where the parser stands inside a track between two rows: after the track's start tag (no
#: attribute value holding ">", so the match is the whole tag) or after a row's end tag.
_ANCHOR = re.compile(rb'(</box>|<track(?: [A-Za-z_][-\w.]*="[^"<>&]*")*>)[ \t]*\n(?=[ \t\n]*<box )')
_MARKUP = re.compile(rb"<[!?]")  # a comment, CDATA section, DOCTYPE or processing instruction
_ATTRIBUTE = re.compile(rb'<attribute name="([^"]*)">([^<]*)</attribute>')
_FLAG = re.compile(rb'([a-z]+)="([01])"')
_DEFERS = pyexpat.version_info >= (2, 6, 0)


def _flag_values() -> dict[bytes, tuple[str, str]]:
    out: dict[bytes, tuple[str, str]] = {}
    for k, o, c in product("01", repeat=3):
        out[f' keyframe="{k}" outside="{o}" occluded="{c}"'.encode()] = (o, c)
        out[f' outside="{o}" occluded="{c}" keyframe="{k}"'.encode()] = (o, c)
    return out


#: ``outside`` and ``occluded`` of a row by its flag attributes (group 2 of :data:`ROW`: 16 texts).
OUTSIDE = {blob: v[0] for blob, v in _flag_values().items()}
OCCLUDED = {blob: v[1] for blob, v in _flag_values().items()}


def row_flags(blob: bytes) -> dict[str, str]:
    """The ``keyframe``/``outside``/``occluded`` attributes of a row (group 2 of :data:`ROW`)."""
    return {k.decode(): v.decode() for k, v in _FLAG.findall(blob)}


def row_children(blob: bytes) -> list[tuple[str, str]]:
    """``(name, text)`` of the ``<attribute>`` children of a row (group 7 of :data:`ROW`)."""
    return [(k.decode(), v.decode()) for k, v in _ATTRIBUTE.findall(blob)]


def row_element(row: tuple[bytes, ...]) -> ET.Element:
    """The element the parser would have built for a cut row (for rows that are not plain after all)."""
    m = _ROW_ALL.match(row[0])
    assert m is not None  # the text matched ROW, which is _ROW_ALL with one group less
    _, frame, flags, x1, y1, x2, y2, z_order, children = m.groups(b"")
    attrib = {"frame": frame.decode(), **row_flags(flags)}
    attrib.update(xtl=x1.decode(), ytl=y1.decode(), xbr=x2.decode(), ybr=y2.decode())
    if z_order:
        attrib["z_order"] = z_order.split(b'"')[1].decode()
    el = ET.Element("box", attrib)
    for name, text in row_children(children):
        child = ET.SubElement(el, "attribute", {"name": name})
        child.text = text or None
    return el


def drop_events(parser: ET.XMLPullParser[ET.Element]) -> None:
    """Consume queued events (only the first, the root, is needed); raises a queued ParseError."""
    deque(parser.read_events(), maxlen=0)


def _open_track(root: ET.Element | None, after_start_tag: bool) -> ET.Element | None:
    """The ``<track>`` the parser stands in, between rows, right after the anchor it was fed; or None.

    Tags are handled as soon as the parser is fed their ``>``, and the tree shows which: after a
    track's start tag that track is the newest element, so the last child of the root with no
    children; after ``</box>`` the box closed is the last child of the last child of the root when
    that box holds nothing but leaf ``<attribute>`` elements (a deeper ``<box>`` would show).
    """
    if root is None or not len(root):
        return None
    track = root[-1]
    if track.tag != "track":
        return None
    if after_start_tag:
        return track if not len(track) else None
    if not len(track):
        return None
    row = track[-1]
    if row.tag != "box" or any(c.tag != "attribute" or len(c) for c in row):
        return None
    return track


class Feeder:
    """Feeds the pull parser and cuts runs of plain box rows out of the bytes first.

    Most of a "for video" export is track rows, and the parser's tree costs about 2.3 us per row.
    Inside a track, between rows, a run of rows that :data:`ROW` matches from line start to line
    end is taken out of the bytes and handed over as :class:`RowRun` columns instead (about 0.8 us
    per row). The rules that keep the result identical to parsing everything:

    - Only where the markup is plain: no ``<!`` or ``<?`` after the root's start tag (so no comment,
      CDATA or processing instruction can hide or fake a tag, and every ``<`` starts a tag), and an
      encoding that reads ASCII as ASCII.
    - Only where the parser stands inside a ``<track>`` between rows: it has been fed an anchor
      (:data:`_ANCHOR`) and the tree confirms it (:func:`_open_track`), or the previous cut ended there.
    - A cut row is well-formed and means exactly its text (see :data:`ROW`), and removing whole
      well-formed elements from element content leaves a document that is well-formed exactly
      when the original is. Whole lines are cut, so the parser's columns stay right and its line
      numbers are corrected by the number of lines cut before (:attr:`cut_lines`).
    - The rows are converted in document order: a run records how many children of the track
      came before it (and the reader holds back the last cut row of the open track as it holds
      back the last child, so even a read that fails converts the same rows first).
    - Expat >= 2.6 may defer parsing a token it got in part ("reparse deferral"): the tree is
      only checked after ``flush()``; without it (older Python) such a parser is never cut.
    - Namespaces: the tree check wants the tag ``track`` exactly, so no default namespace is in
      force (one declared on the root or the track would show in the tag).

    Where cutting does not pay, the bytes are parsed as usual: a "for images" export (an
    ``<image>`` child), tracks with fewer than :data:`MIN_RUN` rows, the rest of a chunk after
    :data:`SHORT_TRACKS` such tracks, and the rest of the file after :data:`IDLE_CHUNKS` chunks in
    a row with nothing to cut.
    """

    def __init__(self, parser: ET.XMLPullParser[ET.Element], head: bytes, root_at: int) -> None:
        self.parser = parser
        self.root: ET.Element | None = None
        self.track: ET.Element | None = None  # set: the parser stands in this track, between rows
        self.runs: list[RowRun] = []
        self.cut_lines = 0
        encoding = xmlsafe.declared_encoding(head, root_at)
        plain = encoding is None or encoding in xmlsafe.SAFE_ENCODINGS
        # Expat >= 2.6 may defer a token it got in part until more bytes arrive ("reparse
        # deferral"); then the tree is checked only after flush() made it parse what it has.
        self.flush: Callable[[], None] | None = getattr(parser, "flush", None) if _DEFERS else None
        self.cutting = fast_paths.enabled() and plain and (self.flush is not None or not _DEFERS)
        self.tail = b""  # the last byte seen, to find "<!" split between two chunks
        self.idle = 0  # chunks in a row in which nothing was cut

    def feed(self, data: bytes, prolog: bool = False) -> None:
        """Give ``data`` to the parser; cutting stops for good at the first ``<!`` or ``<?`` after
        the prolog (a comment, CDATA section or processing instruction)."""
        if not data:
            return
        if self.cutting and not prolog:
            if _MARKUP.search(data) is not None or (self.tail == b"<" and data[:1] in (b"!", b"?")):
                self.cutting = False
            self.tail = data[-1:]
        parser = self.parser
        parser.feed(data)
        if self.root is None:
            for event in parser.read_events():
                first = event[1] if isinstance(event, tuple) and len(event) == 2 else None
                self.root = first if isinstance(first, ET.Element) else None
                break
        drop_events(parser)

    def take(self, buf: bytes, start: int) -> None:
        """Feed ``buf``, whose first ``start`` bytes are the prolog, cutting plain rows out of the rest."""
        self.feed(buf[:start], prolog=True)
        pos = look = start  # fed (or cut) up to pos; the next anchor is looked for from look on
        cut_before = len(self.runs)
        short = 0
        while self.cutting and pos < len(buf):
            if self.track is None:
                root = self.root
                if root is not None and len(root) and root[-1].tag == "image":
                    self.cutting = False  # a "for images" export: no tracks (or an error soon)
                    break
                if root is None or not len(root) or root[-1].tag != "track":
                    look = buf.find(b"<track", look)  # rows are cut in tracks only
                    if look < 0:
                        break
                anchor = _ANCHOR.search(buf, look)
                if anchor is None:
                    break
                stop = buf.find(b"</track>", anchor.end())
                if stop >= 0 and buf.count(b"<box ", anchor.end(), stop) < MIN_RUN:
                    short += 1  # a short track: cutting it would cost more than it saves
                    if short == SHORT_TRACKS:
                        break  # short tracks all along: parse the rest of buf as usual
                    look = stop
                    continue
                self.feed(buf[pos : anchor.end()])
                pos = look = anchor.end()
                if not self.cutting:
                    break
                if self.flush is not None:
                    self.flush()
                self.track = _open_track(self.root, anchor.group(1) != b"</box>")
                if self.track is None:
                    continue
            pos = look = self._cut(buf, pos)
        self.feed(buf[pos:])
        self.idle = 0 if cut_before != len(self.runs) else self.idle + 1
        if self.idle == IDLE_CHUNKS:
            self.cutting = False  # no plain rows for a while (short tracks, other shapes): stop looking

    def _cut(self, buf: bytes, pos: int) -> int:
        """Cut the rows at ``pos``; returns the position after what was cut or fed.

        The rows end at the track's end tag (or at the end of ``buf``); the lines up to there must
        be plain rows end to end (their lengths add up), else only the rows before the first other
        line are cut and the rest up to the end tag is parsed as usual. What follows the last whole
        line at the end of ``buf`` (most often the start of a row) is parsed as usual too (a cut
        must end a line: the parser would count the columns of a line cut in two wrong).
        """
        stop = buf.find(b"</track>", pos)
        if stop < 0:
            stop = len(buf)
        end = max(buf.rfind(b"\n", pos, stop) + 1, pos)
        rows = ROW.findall(buf, pos, end) if end > pos else []
        size = sum(map(len, map(_WHOLE, rows)))
        complete = size == end - pos
        if not complete:  # something in between is not a plain row: keep the rows before it
            rows, size = [], 0
            for m in ROW.finditer(buf, pos, end):
                if m.start() != pos + size:
                    break
                rows.append(m.groups(b""))
                size = m.end() - pos
        track = self.track
        assert track is not None
        if rows:
            self.runs.append(RowRun(track, len(track), rows))
            self.cut_lines += buf.count(b"\n", pos, pos + size)
        rest = pos + size
        if complete and rest == len(buf):
            return rest  # buf ends with a whole line: still between two rows of the track
        self.track = None
        if complete:
            return rest  # the rest (the track's end tag, a row cut by the end of buf) is parsed as usual
        self.feed(buf[rest:stop])
        return stop
