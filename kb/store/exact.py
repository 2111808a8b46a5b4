"""Exact dense search from the embedding cache, for stores small enough to scan.

Up to EXACT_LIMIT passages, a query is one matrix product over every passage's vector, read from
the records' embedding cache (each passage knows its vector's cache key). That is exact, where
HNSW is approximate, and it needs no chromadb: opening chromadb and loading its index cost a
command-line question 1.5 s of CPU, the matrix product over 10k vectors of 384 floats ~2 ms. The
matrix is kept per process and re-read only when the records change (their generation). Past the
limit, or when a passage's vector is missing from the cache, the store asks chromadb's index.
"""
from __future__ import annotations

import threading
from typing import Sequence

EXACT_LIMIT = 20_000


class ExactIndex:
    def __init__(self, records, model: str) -> None:
        self.records, self.model = records, model
        self._lock = threading.Lock()
        self._generation: int | None = None
        self._loaded = None  # (ids, article ids, row of each id, matrix), or None when not usable

    def _matrix(self):
        """The loaded vectors, or None when the store is too big or the cache incomplete."""
        generation = self.records.records_generation()
        with self._lock:
            if generation != self._generation:
                self._loaded = self._load()
                self._generation = generation
            return self._loaded

    def _load(self):
        import numpy as np

        passages = self.records.count()[1]
        if passages == 0 or passages > EXACT_LIMIT:
            return None
        ids, article_ids, blobs = self.records.passage_vectors(self.model)
        if len(ids) != passages:
            return None  # vectors the cache does not hold (a store made before the cache had them)
        matrix = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(ids), -1)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        matrix = matrix / np.maximum(norms, 1e-12)
        return ids, np.array(article_ids), {pid: row for row, pid in enumerate(ids)}, matrix

    def usable(self) -> bool:
        return self._matrix() is not None

    def query(self, vector, k: int, article_ids: Sequence[str] | None = None) -> list[tuple[str, float]] | None:
        """(passage id, cosine similarity) of the k nearest, best first; None when not usable."""
        import numpy as np

        loaded = self._matrix()
        if loaded is None:
            return None
        ids, owners, _, matrix = loaded
        scores = matrix @ _unit(vector)
        if article_ids is not None:
            scores = np.where(np.isin(owners, list(article_ids)), scores, -np.inf)
        k = min(k, int(np.isfinite(scores).sum()))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.lexsort((top, -scores[top]))]
        return [(ids[i], float(scores[i])) for i in top]

    def similarities(self, vector, ids: Sequence[str]) -> list[tuple[str, float]] | None:
        loaded = self._matrix()
        if loaded is None:
            return None
        _, _, rows, matrix = loaded
        found = [pid for pid in ids if pid in rows]
        if not found:
            return []
        scores = matrix[[rows[pid] for pid in found]] @ _unit(vector)
        return [(pid, float(s)) for pid, s in zip(found, scores)]


def _unit(vector):
    import numpy as np

    vector = np.asarray(vector, dtype=np.float32).reshape(-1)
    return vector / max(float(np.linalg.norm(vector)), 1e-12)
