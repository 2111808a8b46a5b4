"""Every call into chromadb, and the only place that touches its internals.

Two internals are used, each because the public API has no equivalent (chromadb 1.5.9):
- `SharedSystemClient._identifier_to_system`: chromadb caches one System (one in-memory HNSW index)
  per path in a process; a view that must be re-loaded from disk has to leave that cache first
  (see kb.store.vectors).
- `Collection._client.get_max_batch_size()`: the largest upsert the backend accepts.
`check_internals()` fails loudly when an upgrade removes them (tests/test_store_layout.py runs it).
"""
from __future__ import annotations

import gc
from urllib.parse import urlsplit

# chromadb's HNSW defaults (16 neighbours, ef 100) lose passages that sit apart from a big cluster:
# with 10k poems (USE vectors) beside 324 DRCD passages, 63 DRCD passages were not their own
# nearest neighbour, and dense DRCD Recall@1 was 0.31 where exact search gives 0.66. With 32
# neighbours and construction ef 200: 0.56 at search ef 200, 0.63 at search ef 500 (the top hit
# is the exact one for 96% of the questions), for ~1.5x the index build time and a few ms a query
# (bench/scale.py, README "Scale"). chromadb keeps an existing collection's settings: new stores only.
COLLECTION_CONFIGURATION = {"hnsw": {"space": "cosine", "max_neighbors": 32, "ef_construction": 200,
                                     "ef_search": 500}}
DEFAULT_BATCH_LIMIT = 5000


def _settings():
    from chromadb.config import Settings

    return Settings(anonymized_telemetry=False)


def _system_cache() -> dict:
    from chromadb.api.shared_system_client import SharedSystemClient

    return SharedSystemClient._identifier_to_system


def check_internals() -> None:
    """Raise if this chromadb lacks an internal kb relies on."""
    import chromadb

    if not isinstance(_system_cache(), dict):
        raise RuntimeError("chromadb's SharedSystemClient._identifier_to_system is gone: kb.store.chroma "
                           "cannot re-open a stale embedded view")
    client = chromadb.EphemeralClient(settings=_settings())
    collection = client.get_or_create_collection("kb-internals-check", embedding_function=None)
    try:
        limit = collection._client.get_max_batch_size()
    finally:
        client.delete_collection("kb-internals-check")
    if not isinstance(limit, int) or limit <= 0:
        raise RuntimeError(f"chromadb's get_max_batch_size() gave {limit!r}")


def open_embedded(path: str, name: str, dim: int):
    """A fresh client on `path`: it loads the index from disk and replays chromadb's log. Call it
    under the write lock, so that no other process is persisting the index files while they are read."""
    import chromadb
    import numpy as np

    # Without this the new client would get the cached, stale System back. The old System is not
    # stopped: a thread may still be querying its collection; it is garbage once nobody holds it.
    _system_cache().pop(path, None)
    client = chromadb.PersistentClient(path=path, settings=_settings())
    # embedding_function=None: chromadb's default would download a model; kb always passes vectors.
    collection = client.get_or_create_collection(name, embedding_function=None, configuration=COLLECTION_CONFIGURATION)
    if collection.count():
        # The index loads lazily at the first query: make that happen now, under the lock.
        probe = np.zeros(dim, dtype=np.float32)
        probe[0] = 1.0
        collection.query(query_embeddings=[probe.tolist()], n_results=1, include=[])
    return collection


def release_stale() -> None:
    # A replaced System and its client form reference cycles holding the index and open files
    # (measured: 60 re-opens without this kept 130 file descriptors and +350 MB).
    gc.collect()


def open_server(url: str, name: str):
    """The collection on a chromadb server (http or https); raises ConnectionError with the reason."""
    import chromadb

    parts = urlsplit(url)
    try:
        client = chromadb.HttpClient(host=parts.hostname, port=parts.port or (443 if parts.scheme == "https" else 8000),
                                     ssl=parts.scheme == "https", settings=_settings())
        client.heartbeat()
        return client.get_or_create_collection(name, embedding_function=None, configuration=COLLECTION_CONFIGURATION)
    except Exception as exc:  # the client raises several transport errors
        raise ConnectionError(str(exc)) from exc


def lost_connection(exc: BaseException) -> bool:
    """Whether an error of the server client is the connection failing (refused, reset, timed out):
    chromadb's HttpClient lets httpx's transport errors through."""
    import httpx

    return isinstance(exc, (httpx.TransportError, ConnectionError))


def batch_limit(collection) -> int:
    """The largest upsert the collection's backend takes (5,461 rows with chromadb's SQLite)."""
    try:
        return int(collection._client.get_max_batch_size())
    except Exception:  # an older or remote client without the call
        return DEFAULT_BATCH_LIMIT
