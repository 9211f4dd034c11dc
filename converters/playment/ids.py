"""Annotation ``_id``s (A11): deterministic uuid5 by default, random uuid4 on request.

The deterministic id of a name is exactly ``str(uuid.uuid5(NAMESPACE, name))``, computed with
one SHA-1 call instead of building a UUID object (the builder needs two per object).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable

#: Namespace of every deterministic id this library makes.
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/playment-prelabel/ids")
_NS_BYTES = NAMESPACE.bytes
_VARIANT = "89ab89ab89ab89ab"  # hex digit -> digit with the RFC 4122 variant bits (10xx) set


def deterministic_id(name: str) -> str:
    """``str(uuid.uuid5(NAMESPACE, name))``, fast."""
    h = hashlib.sha1(_NS_BYTES + name.encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{_VARIANT[int(h[16], 16)]}{h[17:20]}-{h[20:32]}"


def random_id(name: str) -> str:
    """A random uuid4 (the name is ignored)."""
    return str(uuid.uuid4())


def id_factory(random: bool = False) -> Callable[[str], str]:
    return random_id if random else deterministic_id
