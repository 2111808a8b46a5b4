"""Store stage: records (articles, passages, the keyword index, the embedding cache, the journal) in
SQLite, or in PostgreSQL with KB_DATABASE_URL; vectors in chromadb (HNSW, cosine), embedded or on a server.

    schema.py   the SQLite schema as numbered migrations        sqlite.py   the shared connection
    records.py  articles, passages, cache, journal (Records)    keyword.py  FTS5 candidates and counts
    vectors.py  chromadb, embedded or server, kept coherent     chroma.py   every chromadb call
    lock.py     the cross-process write lock                    postgres.py the records in PostgreSQL
    repair.py   older or damaged stores brought up to date (kb doctor --repair)

Consistency across the two: vectors are written to chromadb first, under a journal entry, and the
records transaction that inserts the article is the commit point. Every read goes through the
records, so an article is searchable only once it is wholly there; a crash leaves at most stray
vectors, which the journal names and `recover()` deletes on the next open.

Several processes on one store (the app and the command line): SQLite is shared through WAL and
the write lock lets one writer at a time; the embedded chromadb view is kept coherent through the
vectors generation (kb.store.vectors). With KB_CHROMA_URL the vectors live in one chromadb server.
Several machines on one library: the records in PostgreSQL (KB_DATABASE_URL), the vectors on a
chromadb server (KB_CHROMA_URL, required then), one writer at a time through a PostgreSQL advisory lock.
"""
from __future__ import annotations

import hashlib
import shlex
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import NamedTuple, Sequence, TYPE_CHECKING


from kb.records import Article, Passage
from kb.store.errors import StoreError, read_only, storage_faults
from kb.store.exact import ExactIndex
from kb.store.lock import LOCK_FILE, WriteLock
from kb.store.records import SqliteRecords
from kb.store.sqlite import Database
from kb.store.vectors import EmbeddedVectors, ServerVectors

if TYPE_CHECKING:
    import numpy as np

__all__ = ["ArticleWrite", "Store", "StoreError", "collection_name"]


class ArticleWrite(NamedTuple):
    """One article to store: its passages, their vectors (one row each) and the article it replaces."""

    article: Article
    passages: Sequence[Passage]
    vectors: np.ndarray
    replaces: str | None = None


def collection_name(model_name: str, library: str | None = None) -> str:
    """The chromadb collection of a model's vectors: two models never share vectors. A library in
    PostgreSQL names its own (`library`, recorded in its database): two databases on one chromadb
    server never share vectors either."""
    name = "passages-" + hashlib.sha1(model_name.encode()).hexdigest()[:12]
    return f"{name}-{library}" if library else name


class Store:
    def __init__(self, home: Path, model_name: str, dim: int | None, chroma_url: str | None = None,
                 database_url: str | None = None) -> None:
        """`dim` may be None for a store opened only to read its records (no model loaded yet).
        With `database_url` (KB_DATABASE_URL) the records are in PostgreSQL, and the vectors must be
        on a chromadb server (`chroma_url`): machines that share the records share the vectors."""
        self.home = Path(home)
        if self.home.exists() and not self.home.is_dir():
            raise StoreError(f"KB_HOME {self.home} is a file, not a folder: point KB_HOME at a folder")
        try:
            self.home.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the store folder {self.home} (KB_HOME): {exc.strerror}") from exc
        self.model_name = model_name
        self._dim = dim
        self.database_url = database_url
        if database_url:
            from kb.store.postgres import PostgresRecords, is_postgres_url

            if not is_postgres_url(database_url):
                raise StoreError(f"KB_DATABASE_URL must be a postgresql:// URL, not {database_url.split(':')[0]!r}")
            if not chroma_url:
                raise StoreError("KB_DATABASE_URL needs KB_CHROMA_URL: with the records in PostgreSQL the vectors "
                                 "must be on a chromadb server every machine reaches, not embedded in one KB_HOME")
            self.records = PostgresRecords(database_url)
            self._lock = self.records.lock
        else:
            self.records = SqliteRecords(Database(self.home / "kb.sqlite3"))
            self._lock = self.records.db.lock
        # A read-only store (a read-only mount, a folder without write permission) is read as it is.
        self.readonly = not database_url and self.records.db.readonly
        # Whether all of the store is in KB_HOME: only then is a full disk KB_HOME's (not a server's).
        self._local = not (database_url or chroma_url)
        self.keyword = self.records.keyword
        self.exact = ExactIndex(self.records, model_name)
        self._check_model(model_name, dim)
        library = None
        if database_url:
            import uuid

            self.records.set_meta_default("library", uuid.uuid4().hex[:12])
            library = self.records.meta("library")
        name = collection_name(model_name, library)
        if chroma_url:
            try:
                self.vectors_index = ServerVectors(chroma_url, name)
            except ConnectionError as exc:
                raise StoreError(f"cannot reach the chromadb server at {chroma_url} (KB_CHROMA_URL): {exc}") from exc
            # One writer at a time: through the database when it is shared, else through KB_HOME.
            process_lock = self.records.write_lock if database_url else self.home / LOCK_FILE
            self._write_lock = WriteLock(process_lock, self._lock, lambda: None)
        else:
            # Embedded: a per-process view, opened at first use (under the write lock).
            self._write_lock = WriteLock(self.home / LOCK_FILE, self._lock, lambda: self.vectors_index.sync(bump=True))
            self.vectors_index = EmbeddedVectors(
                self.home / "chroma", name, lambda: self.dim, thread_lock=self._lock, file_lock=self._write_lock.file_lock,
                generation=self.records.vectors_generation, bump=self.records.bump_vectors_generation,
                readonly=self.readonly)
        self.recover()

    def _check_model(self, model_name: str, dim: int) -> None:
        stored = self.records.meta("embed_model")
        if stored is None:
            self.records.set_meta_default("embed_model", model_name)
        if dim:
            self.records.set_meta_default("embed_dim", str(dim))
        if stored is not None and stored != model_name:
            from kb.embed import embedder_spec

            raise StoreError(
                f"the store at {self.home} was built with the embedding model {stored!r}, not "
                f"{model_name!r}: set KB_EMBED_MODEL={shlex.quote(embedder_spec(stored))}, or use another KB_HOME")

    @property
    def dim(self) -> int:
        """The vectors' dimension: given, or as recorded when the store was first written."""
        if self._dim is None:
            recorded = self.records.meta("embed_dim")
            if recorded is None:
                raise StoreError("the store's vector dimension is unknown until a model is loaded")
            self._dim = int(recorded)
        return self._dim

    def set_dim(self, dim: int) -> None:
        """The loaded model's dimension, recorded if the store has none yet."""
        self._dim = dim
        self.records.set_meta_default("embed_dim", str(dim))

    def recover(self) -> None:
        """Delete the vectors of ingestions that died before their commit (named in the journal)."""
        # Checked first without the file lock: the journal is almost always empty, and opening a
        # store should not wait for another process's ingestion. Read again under the lock. A
        # read-only store keeps its stray vectors: reads go through the records, which never name them.
        if self.readonly or not self.records.has_journal():
            return
        with self.writing():
            for entry, _op, ids in self.records.journal():
                live = self.records.live_passage_ids(ids)
                stale = [i for i in ids if i not in live]
                if stale:
                    self.vectors_index.delete(stale)
                self.records.journal_done(entry)

    def check_writable(self) -> None:
        """Raise StoreError when the store is read-only: before a write begins, not at its first row."""
        if self.readonly:
            raise read_only(self.home)

    def _storage_faults(self):
        return storage_faults(self.home) if self._local else nullcontext()

    @contextmanager
    def writing(self):
        """The write locks, with a write the storage refuses (a full disk, a read-only folder) said in one line."""
        self.check_writable()
        with self._storage_faults(), self._lock, self._write_lock:
            yield

    def check_vectors(self) -> None:
        """Once per store object, before its first ingestion: fewer vectors than passages is a lost or
        older chroma/ (re-ingesting would only say "unchanged"), so the missing ones are restored."""
        if getattr(self, "_vectors_checked", False):
            return
        self._vectors_checked = True
        with self._storage_faults():  # chromadb writes to its folder as it opens it
            if self.vectors_index.count() < self.records.count()[1]:
                from kb.store.repair import repair_vectors

                repair_vectors(self)

    # -- reads ------------------------------------------------------------------------------------
    def article(self, article_id: str, with_body: bool = True) -> Article | None:
        return self.records.article(article_id, with_body)

    def articles_by_id(self, ids: Sequence[str], with_body: bool = True) -> dict[str, Article]:
        """Many articles at once, e.g. the distinct articles of search hits."""
        return self.records.articles_where("id", ids, with_body)

    def articles_by_hash(self, hashes: Sequence[str]) -> dict[str, Article]:
        """Stored articles by content hash (without bodies): the batched "already ingested?" check."""
        return self.records.articles_where("content_hash", hashes, False)

    def articles_by_url(self, urls: Sequence[str]) -> dict[str, Article]:
        """Stored articles by canonical URL (without bodies): what a new version of the page replaces."""
        return self.records.articles_where("url", urls, False)

    def articles(self, *, source: str | None = None, date_from: str | None = None,
                 date_to: str | None = None) -> list[Article]:
        return self.records.articles(source=source, date_from=date_from, date_to=date_to)

    def article_ids(self, *, source: str | None = None, date_from: str | None = None,
                    date_to: str | None = None) -> list[str]:
        return self.records.article_ids(source=source, date_from=date_from, date_to=date_to)

    def sources(self) -> list[str]:
        return self.records.sources()

    def passages(self, article_id: str | None = None) -> list[Passage]:
        return self.records.passages(article_id)

    def next_passage(self, passage: Passage) -> Passage | None:
        """The passage after `passage` in its article, if any."""
        return self.records.passage_at(passage.article_id, passage.position + 1)

    def get_passages(self, ids: Sequence[str]) -> dict[str, Passage]:
        return self.records.passages_by_id(ids)

    def count(self) -> tuple[int, int]:
        return self.records.count()

    def vector_count(self) -> int:
        return self.vectors_index.count()

    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        return self.vectors_index.get(ids)

    # -- search -----------------------------------------------------------------------------------
    def keyword_candidates(self, tokens: Sequence[str], k: int,
                           article_ids: Sequence[str] | None = None) -> list[tuple[str, list[str]]]:
        """(passage id, its tokens) of the k passages the keyword index ranks first."""
        return self.keyword.candidates(tokens, k, article_ids)

    def document_frequencies(self, tokens: Sequence[str]) -> tuple[dict[str, int], int]:
        """How many passages hold each token, and how many passages there are: the IDF inputs."""
        return self.keyword.document_frequencies(tokens)

    def dense_search(self, vector: np.ndarray, k: int,
                     article_ids: Sequence[str] | None = None) -> list[tuple[str, float]]:
        """(passage id, cosine similarity) best first: exact from the cache in a small store, else from
        chromadb's approximate index."""
        if article_ids is not None and not article_ids:
            return []
        found = self.exact.query(vector, k, article_ids)
        return found if found is not None else self.vectors_index.query(vector, k, article_ids)

    def similarities(self, vector: np.ndarray, ids: Sequence[str]) -> list[tuple[str, float]]:
        """(passage id, cosine similarity) computed exactly from the stored vectors of the given
        passages: the approximate index can miss a passage, a look-up by id cannot."""
        exact = self.exact.similarities(vector, ids) if ids else []
        if exact is not None:
            return exact
        import numpy as np

        from kb.embed import normalise

        stored = self.vectors(ids) if ids else {}
        if not stored:
            return []
        found = list(stored)
        cosines = normalise(np.stack([stored[i] for i in found])) @ normalise(vector)
        return [(pid, float(c)) for pid, c in zip(found, cosines)]

    # -- embedding cache ---------------------------------------------------------------------------
    def cached_vectors(self, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        return self.records.cached_vectors(self.model_name, hashes)

    def cache_vectors(self, vectors: dict[str, np.ndarray]) -> None:
        self.records.cache_vectors(self.model_name, vectors)

    def import_embedding_cache(self, other_database: Path) -> int:
        """Copy another store's cached vectors of this store's model; returns how many were new."""
        return self.records.import_embedding_cache(other_database, self.model_name)

    # -- writes -----------------------------------------------------------------------------------
    def add_articles(self, batch: Sequence[ArticleWrite]) -> None:
        """Store many articles all or nothing: one journal entry, one chromadb upsert (cut only past
        chromadb's batch limit) and one records transaction, the commit point of the whole batch.
        The articles must not depend on each other (no article replaces another of the same batch)."""
        import numpy as np

        batch = list(batch)
        if not batch:
            return
        ids = [p.id for write in batch for p in write.passages]
        self.check_vectors()
        with self.writing():
            entry = self.records.journal_add("add", ids)
            if ids:
                vectors = np.concatenate([np.asarray(w.vectors, dtype=np.float32).reshape(len(w.passages), -1)
                                          for w in batch if w.passages])
                metadatas = [{"article_id": w.article.id, "position": p.position} for w in batch for p in w.passages]
                self.vectors_index.upsert(ids, vectors, metadatas)
            old_ids = self.records.commit_articles(batch, [w.replaces for w in batch if w.replaces], entry)
            if old_ids:
                self.recover()

    def remove_article(self, article_id: str) -> bool:
        with self.writing():
            ids = self.records.delete_article(article_id)
        if ids:
            self.recover()
        return ids is not None

    def close(self) -> None:
        self.records.close()
