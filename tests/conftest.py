"""Shared test fixtures: paths to the repo, fixtures and the real-world set."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
REAL_WORLD = Path(os.environ.get("PRELABEL_REAL_WORLD", REPO.parent / "shared" / "real-world"))


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture
def real_world() -> Path:
    if not REAL_WORLD.is_dir():
        pytest.skip(f"real-world set not found at {REAL_WORLD}")
    return REAL_WORLD
