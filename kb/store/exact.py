"""Exact dense search from the embedding cache, for stores small enough to scan.

Up to EXACT_LIMIT passages, a query is one matrix product over every passage's vector, read from
the records' embedding cache (each passage knows its vector's cache key). That is exact, where
HNSW is approximate, and it needs no chromadb: opening chromadb and loading its index cost a
command-line question 1.5 s of CPU, the matrix product over 10k vectors of 384 floats ~2 ms.
The limit is set by what HNSW loses (bench/scale.py, USE vectors): beside 30k poem passages,
chromadb's index (32 neighbours, ef 500) gave DRCD dense Recall@1 0.46, where exact search beside
100k gives 0.58; and two stores holding the same vectors (embedded, server) built different graphs
and disagreed on 91 of 631 top-5 lists. At 100k vectors of 512 floats the product takes ~12 ms and
the matrix 200 MB.

The matrix is kept per process. When the records change (their generation) only the passage keys
are read again: vectors already held are kept, new ones read from the cache, removed ones dropped.
Past the limit, or when a passage's vector is missing from the cache, the store asks chromadb.
"""
from __future__ import annotations

import threading
from typing import Sequence

EXACT_LIMIT = 150_000


class ExactIndex:
    def __init__(self, records, model: str) -> None:
        self.records, self.model = records, model
        self._lock = threading.Lock()
        self._generation: int | None = None
        self._loaded = None  # (ids, article ids, row of each id, matrix), or None when not usable
        self._rows_of_key: dict[str, int] = {}  # vector key -> its row in the loaded matrix

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

        held = self._loaded[3] if self._loaded is not None else None
        rows_of_key = self._rows_of_key if held is not None else {}
        self._rows_of_key = {}
        # Counted first: a store past the limit is not worth reading every passage's key at each change.
        if not 0 < self.records.count()[1] <= EXACT_LIMIT:
            return None
        ids, article_ids, keys = self.records.passage_keys()
        if not ids or len(ids) > EXACT_LIMIT:
            return None
        missing = [key for key in dict.fromkeys(keys) if key not in rows_of_key]
        fresh = self.records.cached_vectors(self.model, missing) if missing else {}
        if len(fresh) != len(missing):
            return None  # vectors the cache does not hold (a store made before the cache had them)
        pool = held
        if missing:
            new = np.stack([np.asarray(fresh[key], dtype=np.float32) for key in missing])
            new /= np.maximum(np.linalg.norm(new, axis=1, keepdims=True), 1e-12)
            base = 0 if held is None else len(held)
            rows_of_key = {**rows_of_key, **{key: base + i for i, key in enumerate(missing)}}
            pool = new if held is None else np.concatenate([held, new])
        matrix = pool[np.fromiter((rows_of_key[key] for key in keys), dtype=np.int64, count=len(keys))]
        self._rows_of_key = {key: row for row, key in enumerate(keys)}
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
