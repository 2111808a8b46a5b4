"""The embedding cache: any embedder, wrapped so that a text embedded once (by this model) is never
embedded again. Vectors live in the store's records, keyed by the model and the text's hash, so a
re-ingestion, a changed passage budget or a resumed bulk run pays only for new text."""
from __future__ import annotations

import hashlib
from typing import Protocol, Sequence

import numpy as np

from kb.embed import Embedder


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class VectorCache(Protocol):
    def cached_vectors(self, hashes: Sequence[str]) -> dict[str, np.ndarray]: ...
    def cache_vectors(self, vectors: dict[str, np.ndarray]) -> None: ...


class CachedEmbedder:
    """An Embedder whose passage vectors come from `cache` when it has them; queries are not cached."""

    def __init__(self, embedder: Embedder, cache: VectorCache) -> None:
        self.embedder = embedder
        self.cache = cache
        self.name, self.dim = embedder.name, embedder.dim

    def embed_query(self, text: str) -> np.ndarray:
        return self.embedder.embed_query(text)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """One cache look-up, one embedder call for the texts never seen (a text repeated in the
        batch is embedded once), whose vectors are cached at once so an interrupted run keeps them."""
        hashes = [text_hash(t) for t in texts]
        cached = self.cache.cached_vectors(hashes)
        missing: dict[str, int] = {}  # hash -> first index
        for index, digest in enumerate(hashes):
            if digest not in cached:
                missing.setdefault(digest, index)
        if missing:
            fresh = self.embedder.embed_passages([texts[i] for i in missing.values()])
            new = {digest: fresh[row] for row, digest in enumerate(missing)}
            self.cache.cache_vectors(new)
            cached.update(new)
        return np.stack([cached[h] for h in hashes]) if hashes else np.empty((0, self.dim), np.float32)
