"""Arrays from any ML library: numpy arrays, torch tensors (on any device), lists; no ML package is
imported here (a tensor is recognised by its ``detach`` / ``cpu`` / ``numpy`` methods)."""

from __future__ import annotations

from typing import Any

import numpy as np


def to_numpy(value: Any) -> np.ndarray | None:
    """``value`` as a numpy array (a torch tensor is detached and moved to the CPU); None stays None."""
    if value is None:
        return None
    if isinstance(value, np.ndarray):
        return value
    for step in ("detach", "cpu"):
        method = getattr(value, step, None)
        if callable(method):
            value = method()
    numpy = getattr(value, "numpy", None)
    if callable(numpy):
        return np.asarray(numpy())
    return np.asarray(value)


def names_list(names: Any) -> dict[int, str] | None:
    """Class names as {id: name} from a dict (Ultralytics ``result.names``, Hugging Face
    ``id2label``) or a list; None stays None."""
    if names is None:
        return None
    if isinstance(names, dict):
        return {int(k): str(v) for k, v in names.items()}
    return dict(enumerate(str(n) for n in names))
