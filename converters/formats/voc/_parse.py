"""Parsing VOC XML: the whole file, or its header only.

- :func:`parse_xml`: a fast, still hardened parse of one small VOC XML file. Files the rule of
  :func:`converters.formats._xml.fast_parser_is_safe` accepts (no DTD, an ASCII-compatible encoding)
  go to the C ElementTree parser (about 2.5x faster than the defusedxml path); anything else and
  every parse error go through :func:`converters.formats._xml.parse`, so the refusals and the
  "malformed XML ... (line L, column C)" messages are exactly the hardened parser's.
- :func:`read_header`: ``<filename>`` and ``<size>`` only, parsing no further than needed.
- :func:`element_positions`: where each ``<object>`` and its children start (line, column), for
  messages.

Measured on 20-object files (2.6 KB): C ElementTree parse about 3-4.5 us per object, defusedxml
about 12-14 us, pyexpat with Python handlers (even minimal ones) about 6-7 us, lxml about 2-2.7 us
to parse and 6-7 us with the values read.
"""

from __future__ import annotations

import contextlib
import pyexpat
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, cast

from ...errors import InputError
from .. import _xml as xmlsafe
from ._files import read_bytes
from ._values import parse_size, text


def parse_xml(path: str | Path, data: bytes) -> ET.Element:
    """Root element of ``data`` (the bytes of ``path``), parsed safely; errors as InputError."""
    if not xmlsafe.fast_parser_is_safe(data):
        return xmlsafe.parse(Path(path))
    parser = ET.XMLParser()
    try:
        parser.feed(data)
        return parser.close()
    except ET.ParseError:
        pass
    xmlsafe.parse(Path(path))  # raises the hardened parser's InputError with line and column
    raise InputError("malformed XML", str(path))  # the file changed between the two reads


def read_header(path: str | Path) -> tuple[str | None, tuple[float, float] | None]:
    """``<filename>`` text and ``<size>`` of an annotation file, parsing only as far as needed.

    Used for the image sizes of result files: the file is parsed incrementally (same safety rules
    as :func:`parse_xml`) and parsing stops once both top-level elements have been seen.
    """
    data = read_bytes(path)
    if not xmlsafe.fast_parser_is_safe(data):
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
