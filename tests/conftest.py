"""Shared fixtures: the real seed article, real model, real stores in temporary folders."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from kb.config import Settings

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "corpus" / "marsbit-2025-12-10-fed-qt-to-rmp.zh-Hant.txt"
# The first 15 articles of DRCD dev (CC BY-SA 3.0, see tests/data/README.md): the tests need nothing beside the clone.
DRCD_SLICE = ROOT / "tests" / "data" / "drcd_dev_slice.json"
DRCD_YEARS = ROOT / "tests" / "data" / "drcd_dev_years.json"  # paragraphs with a "which year" question

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def seed_kb(tmp_path_factory):
    """A store holding the seed article, shared by the read-only tests."""
    from kb.knowledge import KnowledgeBase

    kb = KnowledgeBase(Settings(home=tmp_path_factory.mktemp("seed-kb")))
    results = list(kb.ingest([SEED]))
    assert [r.status for r in results] == ["added"]
    return kb


@pytest.fixture
def fresh_kb(tmp_path):
    from kb.knowledge import KnowledgeBase

    return KnowledgeBase(Settings(home=tmp_path / "kb"))
