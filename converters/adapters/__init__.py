"""From a model's output in memory to frames: Ultralytics, supervision, torchvision, Hugging Face.

Each adapter returns one :class:`~converters.model.Frame` per image, ready for
:func:`~converters.scene_from_frames` / :func:`~converters.write_scene` or, one by one, for
:class:`~converters.JobWriter`. No ML package is imported here: the objects are read through their
documented attributes (tensors on any device are moved to numpy), so installing ``ultralytics``,
``supervision``, ``torch`` or ``transformers`` is the caller's business (extras of the same names).
"""

from __future__ import annotations

from ._supervision import from_supervision
from ._torchvision import from_torchvision
from ._ultralytics import from_ultralytics, iter_ultralytics, scene_from_ultralytics

__all__ = ["from_supervision", "from_torchvision", "from_ultralytics", "iter_ultralytics", "scene_from_ultralytics"]
