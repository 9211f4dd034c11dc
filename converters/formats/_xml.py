"""Hardened, incremental XML parsing shared by the CVAT and VOC readers.

defusedxml's iterparse refuses entity declarations (billion laughs), external entities and
external DTDs before any expansion happens, and never touches the network. Parse errors become
:class:`~converters.errors.InputError` with the file, line and column.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import defusedxml
import defusedxml.ElementTree as DET

from ..errors import InputError


def iterparse(
    source: Path | IO[bytes] | Any, events: tuple[str, ...] = ("start", "end"), where: str | None = None
) -> Iterator[tuple[str, ET.Element]]:
    """Yield (event, element) pairs like ``ElementTree.iterparse``, safely.

    ``source`` is a path or a readable binary stream (then ``where`` names it in messages).
    Callers clear elements they have finished with (``elem.clear()``) so memory stays flat.
    """
    path = where if where is not None else str(source)
    try:
        yield from DET.iterparse(
            str(source) if isinstance(source, Path) else source,
            events=events, forbid_dtd=False, forbid_entities=True, forbid_external=True,
        )
    except ET.ParseError as exc:
        line, col = getattr(exc, "position", (0, 0))
        msg = str(exc).split(":")[0]
        raise InputError(f"malformed XML: {msg} (line {line}, column {col})", f"{path}:{line}:{col}") from None
    except defusedxml.EntitiesForbidden as exc:
        raise InputError(
            f"refused: the XML declares entity {exc.name!r} (entity expansion is disabled for safety)",
            str(path),
        ) from None
    except defusedxml.ExternalReferenceForbidden as exc:
        raise InputError(
            f"refused: the XML references an external resource ({exc.sysid or exc.pubid}); "
            "external entities are disabled for safety",
            str(path),
        ) from None
    except defusedxml.DTDForbidden:
        raise InputError("refused: the XML has a DTD", str(path)) from None
    except (LookupError, UnicodeError) as exc:
        raise InputError(f"malformed XML: cannot decode the file: {exc}", str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", str(path)) from None


def parse(path: Path) -> ET.Element:
    """Parse a small XML file fully (VOC annotations) with the same protections; returns the root."""
    root: ET.Element | None = None
    for event, elem in iterparse(path, ("end",)):
        if event == "end":
            root = elem
    if root is None:
        raise InputError("empty XML document", str(path))
    return root
