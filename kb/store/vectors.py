"""The vectors side of the store: chromadb, embedded (a folder in KB_HOME) or a server (KB_CHROMA_URL).

Both give the same calls: upsert, delete, query, get, count. The embedded one also keeps its
process's view coherent with other processes' writes, through the records' vectors generation.

Measured with chromadb 1.5.9: a PersistentClient keeps its HNSW index in memory and never re-reads
it from disk. Another process's writes reach it only through chromadb's write-ahead log, and only
when it writes itself; the other process purges that log once it has persisted its own index
(every 1,000 writes). So (a) queries miss what other processes added, and return what they deleted,
until the process writes; (b) a process that writes on such a view and then persists its index
drops the other process's vectors for good: `get()` still has them, `query()` never finds them
again (1,000 of 1,200 lost in the measured app + command-line case). A freshly opened client loads
the persisted index and replays the log, which is always right. Hence: writers bump the generation
under the write lock, and a view whose generation is behind is replaced by a fresh client, loaded
under that lock, before it is used.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Sequence, TYPE_CHECKING


from kb.store import chroma
from kb.store.errors import StoreError

if TYPE_CHECKING:
    import numpy as np


class _View:
    """This process's embedded collection at one path and the vectors generation it reflects; one per
    (path, collection) per process, shared by every store of the process, as chromadb shares one
    System per path."""

    _instances: dict[tuple[str, str], "_View"] = {}
    _instances_lock = threading.Lock()

    def __init__(self, path: str, name: str) -> None:
        self.path, self.name = path, name
        self.collection = None
        self.generation: int | None = None  # None: not opened yet
        self.lock = threading.RLock()

    @classmethod
    def get(cls, path: str, name: str) -> "_View":
        with cls._instances_lock:
            return cls._instances.setdefault((path, name), cls(path, name))

    def open(self, dim: int) -> None:
        had_one = self.collection is not None
        self.collection = chroma.open_embedded(self.path, self.name, dim)
        if had_one:
            chroma.release_stale()


class _Vectors:
    """What both kinds do once they have the collection to use."""

    def collection(self):
        raise NotImplementedError

    def _reaching(self):
        """Around every call on the collection: what a lost connection to it becomes (nothing, embedded)."""
        return nullcontext()

    def sync(self, bump: bool) -> None:
        """Bring this process's view up to date; with `bump`, a write follows. Only the embedded kind has work."""

    def upsert(self, ids: list[str], vectors: np.ndarray, metadatas: list[dict]) -> None:
        with self._reaching():
            collection = self.collection()
            # chromadb refuses larger upserts; a batch of long articles can exceed that, so it is cut,
            # all under the caller's one journal entry.
            step = chroma.batch_limit(collection)
            for begin in range(0, len(ids), step):
                collection.upsert(ids=ids[begin:begin + step], embeddings=vectors[begin:begin + step],
                                  metadatas=metadatas[begin:begin + step])

    def delete(self, ids: Sequence[str]) -> None:
        with self._reaching():
            self.collection().delete(ids=list(ids))

    def count(self) -> int:
        with self._reaching():
            return self.collection().count()

    def ids(self) -> set[str]:
        """Every stored vector's id (for a repair: chunked, so a large collection is read in pieces)."""
        with self._reaching():
            collection, found, offset = self.collection(), set(), 0
            while True:
                got = collection.get(include=[], limit=5000, offset=offset)
                found.update(got["ids"])
                if len(got["ids"]) < 5000:
                    return found
                offset += 5000

    def get(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        import numpy as np

        with self._reaching():
            got = self.collection().get(ids=list(ids), include=["embeddings"])
        return {i: np.asarray(v, dtype=np.float32) for i, v in zip(got["ids"], got["embeddings"])}

    def query(self, vector: np.ndarray, k: int, article_ids: Sequence[str] | None = None) -> list[tuple[str, float]]:
        """(passage id, cosine similarity) best first, from the approximate (HNSW) index."""
        import numpy as np

        if article_ids is not None and not article_ids:
            return []
        collection = self.collection()  # one coherence check for the whole search
        where = {"article_id": {"$in": list(article_ids)}} if article_ids is not None else None
        # No count() first: chromadb 1.5 returns fewer than k (none from an empty collection) without
        # complaint, and on a server the count was one more HTTP round trip per search.
        with self._reaching():
            result = collection.query(query_embeddings=[np.asarray(vector, dtype=np.float32).tolist()],
                                      n_results=k, where=where, include=["distances"])
        return [(pid, 1.0 - float(d)) for pid, d in zip(result["ids"][0], result["distances"][0])]


class ServerVectors(_Vectors):
    """One collection on a chromadb server, kept coherent by the server."""

    def __init__(self, url: str, name: str) -> None:
        self._url = url
        self._collection = chroma.open_server(url, name)

    def collection(self):
        return self._collection

    @contextmanager
    def _reaching(self):
        # A server stopped or cut off mid-run: one line that names it, as for the database; the write
        # under way is undone by the journal when the store is next opened.
        try:
            yield
        except Exception as exc:
            if not chroma.lost_connection(exc):
                raise
            raise StoreError(f"lost the chromadb server at {self._url} (KB_CHROMA_URL): {exc}") from exc


class EmbeddedVectors(_Vectors):
    """The embedded collection, re-opened when another process (or view) has written since it was loaded.

    `thread_lock` and `file_lock` are the store's write locks (lock order everywhere: the thread lock,
    then the file lock, then the view's lock); `generation` reads the records' vectors generation and
    `bump` starts a new one; `dim` gives the vectors' dimension when it is needed."""

    def __init__(self, path: Path, name: str, dim, *, thread_lock, file_lock, generation, bump,
                 readonly: bool = False) -> None:
        self._view = _View.get(str(path), name)
        self._readonly = readonly
        self._dim = dim
        self._thread_lock, self._file_lock = thread_lock, file_lock
        self._generation, self._bump = generation, bump

    def collection(self):
        if self._readonly:
            # chromadb writes to its folder as it opens it (and kb locks it to load a coherent view).
            # A store of up to EXACT_LIMIT passages is searched from its records without it.
            raise StoreError(f"the store at {Path(self._view.path).parent} is read-only, and chromadb cannot open "
                             "its vectors without writing: a store this large is searched only where it can be written")
        view = self._view
        with self._thread_lock:
            current = view.generation == self._generation()
        if not current:
            with self._thread_lock, self._file_lock:
                self.sync(bump=False)
        return view.collection

    def sync(self, bump: bool) -> None:
        """Call with the write lock held."""
        view = self._view
        with self._thread_lock, view.lock:
            generation = self._generation()
            if view.generation != generation:
                view.open(self._dim())
            if bump:
                generation = self._bump()
            view.generation = generation
