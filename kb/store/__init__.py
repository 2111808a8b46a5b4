"""Store stage: SQLite holds articles, passages, the keyword index (FTS5 over jieba tokens) and the
embedding cache; chromadb holds the vectors (HNSW, cosine).

Consistency across the two: vectors are written to chromadb first, under a journal row, and the
SQLite transaction that inserts the article is the commit point. Every read goes through SQLite,
so an article is searchable only once it is wholly there; a crash leaves at most stray vectors,
which the journal names and `recover()` deletes on the next open.

Several processes on one store (the app and the command line): SQLite is shared through WAL and
a FileLock lets one writer at a time. chromadb's embedded PersistentClient is not coherent across
processes (measured, see `_LocalVectors`), so every writer bumps a "vectors generation" in SQLite
and a process whose chromadb view is older re-opens it before reading or writing vectors. With
KB_CHROMA_URL the vectors live in one chromadb server process and need none of that.
"""
from __future__ import annotations

import hashlib
import json
import math
import sqlite3
import threading
from collections import Counter
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator, NamedTuple, Sequence

import numpy as np
from filelock import FileLock

from kb.embed import normalise
from kb.records import Article, Passage

SCHEMA = """
PRAGMA journal_mode=WAL;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY, url TEXT, content_hash TEXT NOT NULL, title TEXT NOT NULL, title_original TEXT,
    source TEXT, author TEXT, published TEXT, summary TEXT, summary_original TEXT, origin TEXT,
    script TEXT, conversion TEXT, body TEXT NOT NULL, body_original TEXT NOT NULL,
    added_at TEXT NOT NULL, passage_count INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_url ON articles(url);
CREATE INDEX IF NOT EXISTS articles_hash ON articles(content_hash);
CREATE TABLE IF NOT EXISTS passages (
    id TEXT PRIMARY KEY, article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    position INTEGER NOT NULL, section TEXT, text TEXT NOT NULL, text_original TEXT NOT NULL,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS passages_article ON passages(article_id, position);
CREATE VIRTUAL TABLE IF NOT EXISTS passage_fts USING fts5(
    passage_id UNINDEXED, article_id UNINDEXED, tokens, tokenize='unicode61 remove_diacritics 0'
);
CREATE VIRTUAL TABLE IF NOT EXISTS passage_vocab USING fts5vocab(passage_fts, 'row');
CREATE TABLE IF NOT EXISTS embed_cache (
    model TEXT NOT NULL, text_hash TEXT NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (model, text_hash)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS journal (id INTEGER PRIMARY KEY, op TEXT NOT NULL, ids TEXT NOT NULL);
"""

_ARTICLE_COLUMNS = ("id", "url", "content_hash", "title", "title_original", "source", "author", "published",
                    "summary", "summary_original", "origin", "script", "conversion", "body", "body_original",
                    "added_at", "passage_count")
_LIST_COLUMNS = tuple(c for c in _ARTICLE_COLUMNS if c not in ("body", "body_original"))


class ArticleWrite(NamedTuple):
    """One article to store: its passages, their vectors (one row each) and the article it replaces."""

    article: Article
    passages: Sequence[Passage]
    vectors: np.ndarray
    replaces: str | None = None


class StoreError(RuntimeError):
    """The store cannot be used as asked (wrong embedding model, unreachable server…)."""


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _fts_query(tokens: Iterable[str]) -> str:
    unique = dict.fromkeys(t for t in tokens if t)
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in unique)


# Jieba tokens of a full passage (300 characters; DRCD prose runs ~0.47 tokens a character): the
# length BM25 calls normal, fixed so that scores do not depend on what else the store holds.
LENGTH_PIVOT = 150.0
BM25_K1, BM25_B = 1.2, 0.75  # FTS5's


def bm25_idf(document_frequency: int, total: int) -> float:
    """FTS5's: a term in more than half of the passages weighs (almost) nothing."""
    return max(math.log((total - document_frequency + 0.5) / (document_frequency + 0.5)), 1e-6)


def bm25(candidates: Sequence[tuple[str, Sequence[str]]], weights: dict[str, float],
         length_pivot: float) -> list[tuple[str, float]]:
    """(id, Okapi BM25 score) best first for (id, tokens) candidates; `weights` are the query terms' IDFs."""
    scored = []
    for pid, tokens in candidates:
        counts = Counter(t for t in tokens if t in weights)
        norm = BM25_K1 * (1 - BM25_B + BM25_B * len(tokens) / length_pivot)
        scored.append((pid, sum(weights[t] * c * (BM25_K1 + 1) / (c + norm) for t, c in counts.items())))
    return sorted(scored, key=lambda item: (-item[1], item[0]))


# chromadb's HNSW defaults (16 neighbours, ef 100) lose passages that sit apart from a big cluster:
# with 10k poems (USE vectors) beside 324 DRCD passages, 63 DRCD passages were not their own
# nearest neighbour, and dense DRCD Recall@1 was 0.31 where exact search gives 0.66. With 32
# neighbours and construction ef 200: 0.56 at search ef 200, 0.63 at search ef 500 (the top hit
# is the exact one for 96% of the questions), for ~1.5x the index build time and a few ms a query
# (bench/scale.py, README "Scale"). chromadb keeps an existing collection's settings: new stores only.
_COLLECTION_CONFIGURATION = {"hnsw": {"space": "cosine", "max_neighbors": 32, "ef_construction": 200,
                                      "ef_search": 500}}


class _LocalVectors:
    """This process's embedded chromadb collection at one path, and the vectors generation it reflects.

    Measured with chromadb 1.5.9: a PersistentClient keeps its HNSW index in memory and never
    re-reads it from disk. Another process's writes reach it only through chromadb's write-ahead
    log, and only when it writes itself; the other process purges that log once it has persisted
    its own index (every 1,000 writes). So (a) queries miss what other processes added, and return
    what they deleted, until the process writes; (b) a process that writes on such a view and then
    persists its index drops the other process's vectors for good: `get()` still has them,
    `query()` never finds them again (1,000 of 1,200 lost in the measured app + command-line case).
    A freshly opened client loads the persisted index and replays the log, which is always right.
    Hence: writers bump the generation under the write lock, and a view whose generation is behind
    is replaced by a fresh client, loaded under that lock, before it is used (`Store._collection`).

    One instance per (path, collection) per process, shared by every Store of the process on that
    path, as chromadb itself shares one System per path.
    """

    _instances: dict[tuple[str, str], "_LocalVectors"] = {}
    _instances_lock = threading.Lock()

    def __init__(self, path: str, name: str) -> None:
        self.path = path
        self.name = name
        self.collection = None
        self.generation: int | None = None  # None: not opened yet
        self.lock = threading.RLock()

    @classmethod
    def get(cls, path: Path, name: str) -> "_LocalVectors":
        key = (str(path), name)
        with cls._instances_lock:
            if key not in cls._instances:
                cls._instances[key] = cls(*key)
            return cls._instances[key]

    def open(self, dim: int) -> None:
        """A fresh client: loads the index from disk and replays chromadb's log. Call under the write
        lock, so that no other process is persisting the index files while they are read."""
        import gc

        import chromadb
        from chromadb.api.shared_system_client import SharedSystemClient
        from chromadb.config import Settings as ChromaSettings

        # chromadb caches one System (one in-memory index) per path in a process; without this the
        # new client would get the same stale System back. The old System is not stopped, because a
        # thread may still be querying its collection; it is garbage once nobody holds it.
        SharedSystemClient._identifier_to_system.pop(self.path, None)
        client = chromadb.PersistentClient(path=self.path, settings=ChromaSettings(anonymized_telemetry=False))
        # embedding_function=None: chromadb's default would download a model; we always pass vectors.
        collection = client.get_or_create_collection(self.name, embedding_function=None,
                                                     configuration=_COLLECTION_CONFIGURATION)
        if collection.count():
            # The index loads lazily at the first query: make that happen now, under the lock.
            probe = np.zeros(dim, dtype=np.float32)
            probe[0] = 1.0
            collection.query(query_embeddings=[probe.tolist()], n_results=1, include=[])
        had_one = self.collection is not None
        self.collection = collection
        if had_one:
            # The old System and the client form reference cycles holding the index and open files
            # (measured: 60 re-opens without this kept 130 file descriptors and +350 MB).
            gc.collect()


class _WriteLock:
    """The cross-process writer lock (a FileLock at KB_HOME/.write.lock), re-entrant in a thread.

    Entering it from outside first brings this process's chromadb view up to date, so that no write
    is ever made on a stale view, then starts a new vectors generation, so that every other process
    re-opens its view before using it again. Bumping before the write, not at the commit, also covers
    a writer that dies between its chromadb write and its commit."""

    def __init__(self, store: "Store", path: Path) -> None:
        self.file_lock = FileLock(str(path))
        self._store = store
        self._depth = threading.local()

    def __enter__(self) -> "_WriteLock":
        # The store's thread lock first, always: the same order as every other path, so two threads
        # of one process can never hold one lock each and wait for the other.
        self._store._lock.acquire()
        try:
            self.file_lock.acquire()
        except BaseException:
            self._store._lock.release()
            raise
        depth = getattr(self._depth, "value", 0)
        self._depth.value = depth + 1
        if depth == 0:
            try:
                self._store._sync_vectors(bump=True)
            except BaseException:
                self.__exit__()
                raise
        return self

    def __exit__(self, *exc_info) -> None:
        self._depth.value -= 1
        self.file_lock.release()
        self._store._lock.release()


class Store:
    def __init__(self, home: Path, model_name: str, dim: int, chroma_url: str | None = None) -> None:
        self.home = Path(home)
        self.home.mkdir(parents=True, exist_ok=True)
        self.model_name = model_name
        self.dim = dim
        self._lock = threading.RLock()
        # One writer at a time across processes (the app and the command line on one store); entering
        # it also keeps the embedded chromadb view coherent (see _WriteLock).
        self._write_lock = _WriteLock(self, self.home / ".write.lock")
        self._db = sqlite3.connect(self.home / "kb.sqlite3", check_same_thread=False, timeout=60,
                                   isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA busy_timeout=60000")
        self._db.executescript(SCHEMA)
        self._db.execute("PRAGMA foreign_keys=ON")
        self._check_model(model_name, dim)
        # The collection name carries a hash of the model so two models never share vectors.
        name = "passages-" + hashlib.sha1(self.model_name.encode()).hexdigest()[:12]
        # Embedded chromadb: a per-process view, opened at first use (under the write lock);
        # chromadb server: one collection, kept coherent by the server.
        self._local: _LocalVectors | None = None if chroma_url else _LocalVectors.get(self.home / "chroma", name)
        self._remote = self._open_chroma(chroma_url, name) if chroma_url else None
        self.recover()

    # -- set-up ---------------------------------------------------------------------------------
    def _check_model(self, model_name: str, dim: int) -> None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key='embed_model'").fetchone()
            if row is None:
                self._db.execute("INSERT OR IGNORE INTO meta VALUES ('embed_model', ?), ('embed_dim', ?)",
                                 (model_name, str(dim)))
            elif row["value"] != model_name:
                raise StoreError(
                    f"the store at {self.home} was built with the embedding model {row['value']!r}, not "
                    f"{model_name!r}: set KB_EMBED_MODEL to that model, or use another KB_HOME")

    def _open_chroma(self, chroma_url: str, name: str):
        """The collection on a chromadb server (any URL, http or https)."""
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from urllib.parse import urlsplit

        parts = urlsplit(chroma_url)
        try:
            client = chromadb.HttpClient(host=parts.hostname, port=parts.port or (443 if parts.scheme == "https" else 8000),
                                         ssl=parts.scheme == "https",
                                         settings=ChromaSettings(anonymized_telemetry=False))
            client.heartbeat()
            # embedding_function=None: chromadb's default would download a model; we always pass vectors.
            return client.get_or_create_collection(name, embedding_function=None,
                                                   configuration=_COLLECTION_CONFIGURATION)
        except Exception as exc:  # the client raises several transport errors
            raise StoreError(f"cannot reach the chromadb server at {chroma_url} (KB_CHROMA_URL): {exc}") from exc

    @property
    def _collection(self):
        """The chromadb collection to read or write, never a stale view of it.

        The embedded view is re-opened when another process (or another view in this one) has
        written since it was loaded; the check is one SQLite read."""
        local = self._local
        if local is None:
            return self._remote
        with self._lock:
            current = local.generation == self._vectors_generation()
        if not current:
            # Lock order everywhere: self._lock, then the file lock, then the view's lock.
            with self._lock, self._write_lock.file_lock:
                self._sync_vectors(bump=False)
        return local.collection

    def _vectors_generation(self) -> int:
        row = self._db.execute("SELECT value FROM meta WHERE key='vectors_generation'").fetchone()
        return int(row[0]) if row else 0

    def _sync_vectors(self, bump: bool) -> None:
        """Re-open this process's chromadb view if it is behind the store's vectors generation; with
        `bump`, start a new generation because a write follows. Call with the write lock held."""
        local = self._local
        if local is None:
            return
        with self._lock, local.lock:
            generation = self._vectors_generation()
            if local.generation != generation:
                local.open(self.dim)
            if bump:
                self._db.execute("INSERT INTO meta VALUES ('vectors_generation', '1') ON CONFLICT(key) "
                                 "DO UPDATE SET value = CAST(value AS INTEGER) + 1")
                generation = self._vectors_generation()
            local.generation = generation

    def recover(self) -> None:
        """Delete the vectors of ingestions that died before their commit (named in the journal)."""
        with self._lock:
            # Checked first without the file lock: the journal is almost always empty, and opening a
            # store should not wait for another process's ingestion. Read again under the lock.
            if self._db.execute("SELECT 1 FROM journal LIMIT 1").fetchone() is None:
                return
            with self._write_lock:
                for row in self._db.execute("SELECT id, op, ids FROM journal").fetchall():
                    ids = json.loads(row["ids"])
                    live = {r[0] for r in self._query_in("SELECT id FROM passages WHERE id IN ({})", ids)}
                    stale = [i for i in ids if i not in live]
                    if stale:
                        self._collection.delete(ids=stale)
                    self._db.execute("DELETE FROM journal WHERE id=?", (row["id"],))

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """A write transaction taken at once (BEGIN IMMEDIATE), rolled back on any error."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _query_in(self, sql: str, values: Sequence, extra: Sequence = ()) -> list[sqlite3.Row]:
        rows: list[sqlite3.Row] = []
        for begin in range(0, len(values), 500):
            chunk = list(values[begin:begin + 500])
            rows += self._db.execute(sql.format(",".join("?" * len(chunk))), (*chunk, *extra)).fetchall()
        return rows

    # -- reads ------------------------------------------------------------------------------------
    @staticmethod
    def _article(row: sqlite3.Row) -> Article:
        data = dict(row)
        data.setdefault("body", "")
        data.setdefault("body_original", "")
        return Article(**data)

    def article(self, article_id: str, with_body: bool = True) -> Article | None:
        columns = _ARTICLE_COLUMNS if with_body else _LIST_COLUMNS
        with self._lock:
            row = self._db.execute(f"SELECT {','.join(columns)} FROM articles WHERE id=?", (article_id,)).fetchone()
        return self._article(row) if row else None

    def _articles_where(self, column: str, values: Sequence[str], columns: Sequence[str]) -> dict[str, Article]:
        """Articles whose `column` is one of `values`, keyed by it, in a few queries (500 values each)."""
        with self._lock:
            rows = self._query_in(f"SELECT {','.join(columns)} FROM articles WHERE {column} IN ({{}})",
                                  list(dict.fromkeys(v for v in values if v)))
        return {r[column]: self._article(r) for r in rows}

    def articles_by_id(self, ids: Sequence[str], with_body: bool = True) -> dict[str, Article]:
        """Many articles at once, e.g. the distinct articles of search hits."""
        return self._articles_where("id", ids, _ARTICLE_COLUMNS if with_body else _LIST_COLUMNS)

    def articles_by_hash(self, hashes: Sequence[str]) -> dict[str, Article]:
        """Stored articles by content hash (without bodies): the batched "already ingested?" check."""
        return self._articles_where("content_hash", hashes, _LIST_COLUMNS)

    def articles_by_url(self, urls: Sequence[str]) -> dict[str, Article]:
        """Stored articles by canonical URL (without bodies): what a new version of the page replaces."""
        return self._articles_where("url", urls, _LIST_COLUMNS)

    def articles(self, *, source: str | None = None, date_from: str | None = None,
                 date_to: str | None = None) -> list[Article]:
        sql, args = self._filter_sql(source, date_from, date_to)
        with self._lock:
            rows = self._db.execute(f"SELECT {','.join(_LIST_COLUMNS)} FROM articles WHERE {sql} "
                                    "ORDER BY COALESCE(published, added_at) DESC", args).fetchall()
        return [self._article(r) for r in rows]

    @staticmethod
    def _filter_sql(source, date_from, date_to) -> tuple[str, list]:
        clauses, args = ["1=1"], []
        if source:
            clauses.append("source=?")
            args.append(source)
        if date_from:
            clauses.append("published>=?")
            args.append(date_from)
        if date_to:
            clauses.append("published<=?")
            args.append(date_to + ("" if len(date_to) > 10 else " 99:99"))
        return " AND ".join(clauses), args

    def article_ids(self, *, source=None, date_from=None, date_to=None) -> list[str]:
        sql, args = self._filter_sql(source, date_from, date_to)
        with self._lock:
            return [r[0] for r in self._db.execute(f"SELECT id FROM articles WHERE {sql}", args)]

    def sources(self) -> list[str]:
        with self._lock:
            return [r[0] for r in self._db.execute(
                "SELECT DISTINCT source FROM articles WHERE source IS NOT NULL ORDER BY source")]

    def passages(self, article_id: str | None = None) -> list[Passage]:
        sql = 'SELECT id, article_id, position, section, text, text_original, start, "end" FROM passages'
        with self._lock:
            if article_id:
                rows = self._db.execute(sql + " WHERE article_id=? ORDER BY position", (article_id,)).fetchall()
            else:
                rows = self._db.execute(sql + " ORDER BY article_id, position").fetchall()
        return [Passage(**dict(r)) for r in rows]

    def get_passages(self, ids: Sequence[str]) -> dict[str, Passage]:
        with self._lock:
            rows = self._query_in('SELECT id, article_id, position, section, text, text_original, start, "end" '
                                  "FROM passages WHERE id IN ({})", list(ids))
        return {r["id"]: Passage(**dict(r)) for r in rows}

    def count(self) -> tuple[int, int]:
        with self._lock:
            return (self._db.execute("SELECT COUNT(*) FROM articles").fetchone()[0],
                    self._db.execute("SELECT COUNT(*) FROM passages").fetchone()[0])

    def vector_count(self) -> int:
        return self._collection.count()

    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        got = self._collection.get(ids=list(ids), include=["embeddings"])
        return {i: np.asarray(v, dtype=np.float32) for i, v in zip(got["ids"], got["embeddings"])}

    # -- search -----------------------------------------------------------------------------------
    def keyword_search(self, tokens: Sequence[str], k: int, article_ids: Sequence[str] | None = None,
                       *, length_pivot: float = LENGTH_PIVOT) -> list[tuple[str, float]]:
        """(passage id, BM25 score) best first, among the k passages FTS5 ranks first.

        FTS5's bm25() normalises length by the store's average passage, so a passage's score moves
        when unrelated passages arrive: beside 100k four-line poems (34 tokens against DRCD's 104)
        every DRCD passage counted as three times too long and the poems won on one shared word
        (keyword Recall@1 0.927 -> 0.872). FTS5 still finds and orders the candidates; their
        scores are then computed again with length normalised against a fixed `length_pivot`."""
        query = _fts_query(tokens)
        if not query or article_ids is not None and not article_ids:
            return []
        sql = "SELECT passage_id, tokens FROM passage_fts WHERE passage_fts MATCH ?"
        args: list = [query]
        if article_ids is not None:
            sql += f" AND article_id IN ({','.join('?' * len(article_ids))})"
            args += list(article_ids)
        sql += " ORDER BY rank LIMIT ?"
        with self._lock:
            candidates = [(r[0], r[1].split()) for r in self._db.execute(sql, (*args, k))]
        if not candidates:
            return []
        frequencies, total = self.document_frequencies(tokens)
        return bm25(candidates, {t: bm25_idf(df, total) for t, df in frequencies.items() if df}, length_pivot)

    def dense_search(self, vector: np.ndarray, k: int,
                     article_ids: Sequence[str] | None = None) -> list[tuple[str, float]]:
        """(passage id, cosine similarity) best first."""
        if article_ids is not None and not article_ids:
            return []
        collection = self._collection  # one coherence check for the whole search
        total = collection.count()
        if total == 0:
            return []
        where = {"article_id": {"$in": list(article_ids)}} if article_ids is not None else None
        result = collection.query(query_embeddings=[np.asarray(vector, dtype=np.float32).tolist()],
                                  n_results=min(k, total), where=where, include=["distances"])
        return [(pid, 1.0 - float(d)) for pid, d in zip(result["ids"][0], result["distances"][0])]

    def similarities(self, vector: np.ndarray, ids: Sequence[str]) -> list[tuple[str, float]]:
        """(passage id, cosine similarity) computed exactly from the stored vectors of the given
        passages: the approximate index can miss a passage, a look-up by id cannot."""
        stored = self.vectors(ids) if ids else {}
        if not stored:
            return []
        found = list(stored)
        cosines = normalise(np.stack([stored[i] for i in found])) @ normalise(vector)
        return [(pid, float(c)) for pid, c in zip(found, cosines)]

    def document_frequencies(self, tokens: Sequence[str]) -> tuple[dict[str, int], int]:
        """How many passages hold each token, and how many passages there are: the IDF inputs."""
        unique = list(dict.fromkeys(tokens))
        with self._lock:
            total = self._db.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
            found = {r[0]: r[1] for r in self._query_in("SELECT term, doc FROM passage_vocab WHERE term IN ({})", unique)}
            # FTS5 indexes "2.5%" as the two terms 2 and 5: such a token is counted as the phrase it is.
            for token in unique:
                if token not in found:
                    found[token] = self._db.execute("SELECT COUNT(*) FROM passage_fts WHERE passage_fts MATCH ?",
                                                    (_fts_query([token]),)).fetchone()[0] if token else 0
        return found, total

    # -- embedding cache ---------------------------------------------------------------------------
    def cached_vectors(self, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        with self._lock:
            rows = self._cached(hashes)
        return {r[0]: np.frombuffer(r[1], dtype=np.float32) for r in rows}

    def _cached(self, hashes: Sequence[str]) -> list:
        return self._query_in("SELECT text_hash, vector FROM embed_cache WHERE text_hash IN ({}) AND model=?",
                              list(hashes), (self.model_name,))

    def cache_vectors(self, vectors: dict[str, np.ndarray]) -> None:
        if not vectors:
            return
        with self._lock:
            # One transaction: in autocommit mode every row would be its own commit (and WAL sync).
            with self._transaction():
                self._db.executemany("INSERT OR IGNORE INTO embed_cache VALUES (?, ?, ?)",
                                     [(self.model_name, h, np.asarray(v, dtype=np.float32).tobytes())
                                      for h, v in vectors.items()])

    # -- writes -----------------------------------------------------------------------------------
    def add_article(self, article: Article, passages: Sequence[Passage], vectors: np.ndarray,
                    replaces: str | None = None) -> None:
        """Store an article with its passages and vectors, all or nothing; `replaces` is removed in the same commit."""
        self.add_articles([ArticleWrite(article, passages, vectors, replaces)])

    def _upsert_limit(self) -> int:
        # chromadb refuses larger upserts (5,461 rows with its SQLite backend); a batch of long
        # articles can exceed that, so it is cut, all under the same journal row.
        try:
            return int(self._collection._client.get_max_batch_size())
        except Exception:  # an older or remote client without the call
            return 5000

    def add_articles(self, batch: Sequence[ArticleWrite]) -> None:
        """Store many articles all or nothing: one journal row, one chromadb upsert (cut only past
        chromadb's batch limit) and one SQLite transaction, the commit point of the whole batch.
        The articles must not depend on each other (no article replaces another of the same batch)."""
        batch = list(batch)
        if not batch:
            return
        ids = [p.id for write in batch for p in write.passages]
        with self._lock, self._write_lock:
            cursor = self._db.execute("INSERT INTO journal (op, ids) VALUES ('add', ?)", (json.dumps(ids),))
            journal_id = cursor.lastrowid
            if ids:
                vectors = np.concatenate([np.asarray(w.vectors, dtype=np.float32).reshape(len(w.passages), -1)
                                          for w in batch if w.passages])
                metadatas = [{"article_id": w.article.id, "position": p.position} for w in batch for p in w.passages]
                step = self._upsert_limit()
                for begin in range(0, len(ids), step):
                    self._collection.upsert(ids=ids[begin:begin + step], embeddings=vectors[begin:begin + step],
                                            metadatas=metadatas[begin:begin + step])
            now = datetime.now(timezone.utc).isoformat(timespec="seconds")
            for write in batch:
                write.article.added_at = write.article.added_at or now
                write.article.passage_count = len(write.passages)
            old_ids: list[str] = []
            with self._transaction():
                for write in batch:
                    if write.replaces:
                        old_ids += self._delete_rows(write.replaces)
                if old_ids:
                    self._db.execute("INSERT INTO journal (op, ids) VALUES ('remove', ?)", (json.dumps(old_ids),))
                self._db.executemany(f"INSERT INTO articles ({','.join(_ARTICLE_COLUMNS)}) "
                                     f"VALUES ({','.join('?' * len(_ARTICLE_COLUMNS))})",
                                     [[getattr(w.article, c) for c in _ARTICLE_COLUMNS] for w in batch])
                self._db.executemany(
                    'INSERT INTO passages (id, article_id, position, section, text, text_original, start, "end") '
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [(p.id, p.article_id, p.position, p.section, p.text, p.text_original, p.start, p.end)
                     for w in batch for p in w.passages])
                self._db.executemany("INSERT INTO passage_fts (passage_id, article_id, tokens) VALUES (?, ?, ?)",
                                     [(p.id, p.article_id, " ".join(p.tokens)) for w in batch for p in w.passages])
                self._db.execute("DELETE FROM journal WHERE id=?", (journal_id,))
            if old_ids:
                self.recover()

    def _delete_rows(self, article_id: str) -> list[str]:
        ids = [r[0] for r in self._db.execute("SELECT id FROM passages WHERE article_id=?", (article_id,))]
        self._db.execute("DELETE FROM passage_fts WHERE article_id=?", (article_id,))
        self._db.execute("DELETE FROM passages WHERE article_id=?", (article_id,))
        self._db.execute("DELETE FROM articles WHERE id=?", (article_id,))
        return ids

    def remove_article(self, article_id: str) -> bool:
        with self._lock, self._write_lock:
            with self._transaction():
                exists = self._db.execute("SELECT 1 FROM articles WHERE id=?", (article_id,)).fetchone()
                ids = self._delete_rows(article_id) if exists else []
                if ids:
                    self._db.execute("INSERT INTO journal (op, ids) VALUES ('remove', ?)", (json.dumps(ids),))
        if ids:
            self.recover()
        return bool(exists)

    def close(self) -> None:
        with self._lock:
            self._db.close()
