"""Incremental, hardened XML parsing for the CVAT reader (files, ``.zip`` exports).

Safety: entity declarations (billion laughs, quadratic blow-up) and external entities can only
come from a document type declaration, and XML allows one only in the prolog, before the root
element. When :func:`.._xml.fast_parser_is_safe` says so for the first 64 KiB (the prolog reaches
the root element with no ``<!DOCTYPE``, in an ASCII-compatible encoding), the file is parsed with
the C-accelerated pull parser (about 1.6x faster than the pure-Python parser defusedxml needs);
every other file goes through :func:`.._xml.iterparse`, which refuses entity declarations and
external references. Nothing is ever fetched from the network. Parse errors become
:class:`InputError` with line and column, worded as in :mod:`.._xml`.

Speed: the C parser builds the tree for a whole 64 KiB chunk without calling back into Python; the
reader then converts the complete elements and removes them (:func:`tree_batches`). Per-element
Python work (an ``iterparse`` loop) would cost about 1.5 us more per shape. Building the tree still
costs about 2.3 us per track row, so the plain box rows that make up most "for video" exports are
cut out of the bytes before the parser sees them and handed over as columns of text
(:class:`RowRun`, about 0.8 us per row); :class:`._row_cut.Feeder` says when that is exact.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from ...errors import InputError
from ...input_files import open_regular
from .. import _xml as xmlsafe
from .._zip import check_member
from ._row_cut import Feeder, RowRun

Batch = tuple[ET.Element, list[RowRun]]
Batches = Iterator[Batch]

CHUNK = 1 << 16
SAFE_BATCH = 4096
#: The longest XML token (tag, comment, attribute value...) accepted: bytes between two ``>``.
MAX_XML_TOKEN = 64 << 20


def _parse_error(exc: ET.ParseError, where: str, cut_lines: int = 0) -> InputError:
    line, col = getattr(exc, "position", (0, 0))
    line += cut_lines  # lines cut out before the parser got there (always before the error)
    msg = str(exc).split(":")[0]
    return InputError(f"malformed XML: {msg} (line {line}, column {col})", f"{where}:{line}:{col}")


class _TokenGuard:
    """A byte stream read for the XML parser with the size of one token bounded.

    expat (2.5, without reparse deferral) re-scans an unfinished token from its start on every
    feed, so a token spanning k chunks costs k times its size: a 20 MB comment fed in 64 KiB
    chunks takes seconds. While no ``>`` arrives the read size doubles, so a token costs a few
    times its size; a token longer than :data:`MAX_XML_TOKEN` is refused.
    """

    def __init__(self, stream: IO[bytes], where: str, pending: int = 0) -> None:
        self.stream = stream
        self.where = where
        self.pending = pending  # bytes since the last ">"
        self.size = CHUNK

    def read(self, n: int = CHUNK) -> bytes:
        data = self.stream.read(max(n, self.size))
        first = data.find(b">")
        longest = self.pending + (first if first >= 0 else len(data))
        if first >= 0:
            self.pending = len(data) - data.rfind(b">") - 1
            self.size = CHUNK
        else:
            self.pending = longest
            self.size = min(self.size * 2, MAX_XML_TOKEN)
        if longest > MAX_XML_TOKEN:
            raise InputError(
                f"an XML token (tag, comment or attribute value) is longer than {MAX_XML_TOKEN >> 20} MiB; "
                "this is not an annotation file", self.where, "xml_token_too_long",
            )
        return data


class _Chained:
    """``head`` then the rest of ``stream``, as one readable stream (for the safe parser)."""

    def __init__(self, head: bytes, stream: _TokenGuard) -> None:
        self.head = head
        self.stream = stream

    def read(self, n: int = CHUNK) -> bytes:
        if self.head:
            data, self.head = self.head, b""
            return data
        return self.stream.read(n)


def _pull(stream: _TokenGuard, head: bytes, where: str, root_at: int) -> Batches:
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start",))
    feeder = Feeder(parser, head, root_at)
    chunk, start = head, root_at + 1
    try:
        while chunk:
            feeder.take(chunk, start)
            start = 0
            if feeder.root is not None:
                yield feeder.root, feeder.runs
                feeder.runs = []
            chunk = stream.read(CHUNK)
        parser.close()
    except ET.ParseError as exc:
        raise _parse_error(exc, where, feeder.cut_lines) from None
    except (LookupError, UnicodeError) as exc:  # encoding="..." names an unknown or unfit codec
        raise InputError(f"malformed XML: cannot decode the file: {exc}", where) from None
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        raise InputError(f"cannot read file: {exc}", where) from None
    if feeder.root is not None:
        yield feeder.root, feeder.runs


def _safe(source: _Chained, where: str) -> Batches:
    root: ET.Element | None = None
    try:
        for n, (_, el) in enumerate(xmlsafe.iterparse(source, ("start",), where), 1):
            if root is None:
                root = el
            if n % SAFE_BATCH == 0:
                yield root, []
    except (LookupError, UnicodeError) as exc:
        raise InputError(f"malformed XML: cannot decode the file: {exc}", where) from None
    if root is not None:
        yield root, []


def _stream_batches(raw: IO[bytes], where: str) -> Batches:
    """Both parsers read the stream as it comes (a zip member is never extracted to disk)."""
    stream = _TokenGuard(raw, where)
    head = stream.read(CHUNK)
    if xmlsafe.fast_parser_is_safe(head):
        yield from _pull(stream, head, where, xmlsafe.root_offset(head))
        return
    yield from _safe(_Chained(head, stream), where)


def _zip_member(zf: zipfile.ZipFile, where: str) -> str:
    names = [n for n in zf.namelist() if n.lower().endswith(".xml") and not n.endswith("/")]
    if "annotations.xml" in names:
        return "annotations.xml"
    if len(names) == 1:
        return names[0]
    listed = ", ".join(names[:10]) or "none"
    raise InputError(f"zip holds no annotations.xml (xml members: {listed})", where, "no_annotations")


def tree_batches(path: Path, where: str) -> Batches:
    """Parse ``path`` incrementally; yield the root element and the rows cut since the last yield
    (:class:`RowRun`, in document order) after every batch of input.

    The tree below the root grows between yields. Every child except the last one at each level
    is complete (and so is every child of a track that a run comes after); the caller converts
    complete elements and the runs and removes the elements, so memory stays flat. After the last
    yield the document is complete (the generator returns).
    """
    if path.suffix.lower() == ".zip":
        try:
            zf = zipfile.ZipFile(path)
        except (OSError, zipfile.BadZipFile) as exc:
            raise InputError(f"cannot open zip: {exc}", where) from None
        with zf:
            member = _zip_member(zf, where)
            check_member(zf.getinfo(member), f"{where}!{member}")
            with zf.open(member) as stream:
                yield from _stream_batches(stream, f"{where}!{member}")
        return
    try:
        stream = open(open_regular(path, "the CVAT file"), "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", where) from None
    with stream:
        yield from _stream_batches(stream, where)
