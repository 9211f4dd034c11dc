"""Shared test fixtures: paths to the repo, fixtures and the real-world set."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"


def _find_real_world() -> Path:
    """$PRELABEL_REAL_WORLD, else ``shared/real-world`` beside the checkout or one of its parents
    (CI keeps the shared folder next to the project), else /work/shared/real-world."""
    if os.environ.get("PRELABEL_REAL_WORLD"):
        return Path(os.environ["PRELABEL_REAL_WORLD"])
    for parent in REPO.parents:
        candidate = parent / "shared" / "real-world"
        if candidate.is_dir():
            return candidate
    return Path("/work/shared/real-world")


REAL_WORLD = _find_real_world()


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture
def real_world() -> Path:
    if not REAL_WORLD.is_dir():
        pytest.skip(f"real-world set not found at {REAL_WORLD}")
    return REAL_WORLD
