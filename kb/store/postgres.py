"""The records side in PostgreSQL (KB_DATABASE_URL=postgresql://…): articles, passages, the keyword
index, the embedding cache, the journal and the store's own facts, for a team whose machines share
one library. The same calls as the SQLite records (kb.store.records.Records) and keyword index.

- Connections come from a psycopg 3 pool; every statement runs in autocommit except the writes
  that must commit together, which run in one transaction on one connection (`Database.transaction`).
- The schema is versioned in `kb_schema` and migrated at open, under a transaction-level advisory
  lock so that two machines opening a new database at once do not both create it.
- One writer at a time across machines: `AdvisoryLock`, a session-level `pg_advisory_lock` held by a
  pooled connection for the whole write (journal entry, chromadb upsert, records transaction: several
  transactions, so a transaction-level lock cannot span them). The server releases it when the
  holder's connection ends, a killed process included.
- Keyword search: the same jieba tokens as the SQLite index, matched and counted as FTS5 does. FTS5
  (unicode61) cuts the space-joined tokens into terms at every character that is not a letter or a
  digit ("2.5%" -> 2, 5) and finds a token as the phrase of its terms. `to_tsvector('simple', …)`
  would cut differently (its parser keeps "2.5" whole, drops "%"), so kb cuts the terms itself
  (`fts_terms`) and stores, per passage, the tokens (for kb's BM25), the terms and a tsvector of the
  terms with their positions, written as a literal (no parser, no dictionary) under a GIN index; a
  token is a tsquery phrase (`<->`). `keyword_terms` (term, passages holding it) and `keyword_stats`
  (passages, terms) are kept in the transaction that adds or removes passages, so document
  frequencies are exact under concurrent writers. Candidates are the passages matching any token
  (`@@`), ranked by the BM25 FTS5's `rank` computes (k1 1.2, b 0.75, FTS5's idf floor), so that both
  backends hand kb's own BM25 (kb.retrieve.scoring) the same candidates; `ts_rank` is kept as an
  option to measure what it would change.
"""
from __future__ import annotations

import json
import logging
import math
import re
import sqlite3
import threading
import unicodedata
from collections import Counter
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator, Sequence, TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from kb.records import Article, Passage
from kb.store.errors import StoreError
from kb.store.records import ARTICLE_COLUMNS, LIST_COLUMNS, PASSAGE_COLUMNS, _article

if TYPE_CHECKING:
    import numpy as np

# The pool reports each failed reconnection as a warning; with no logging configured Python would
# print them all on stderr, where a lost database must be one line (the StoreError's).
logging.getLogger("psycopg.pool").addHandler(logging.NullHandler())

CONNECT_TIMEOUT = 5  # seconds to reach the server before a command gives up
POOL_TIMEOUT = 15  # seconds to wait for a pooled connection (the pool retries a lost server meanwhile)
WRITE_LOCK_KEY = 0x6B62_5752  # "kbWR": the advisory lock of the one writer
MIGRATE_LOCK_KEY = 0x6B62_4D49  # "kbMI"
# tsvector lexemes are limited to 2,047 bytes: a longer term is left out of the index (the token stays
# in the tokens array, and so in kb's BM25 re-score).
MAX_LEXEME_BYTES = 2046

_TEXT = 'TEXT COLLATE "C"'  # byte order, as SQLite compares and sorts (dates are text, compared as text)
MIGRATIONS: list[str] = [
    # 1: articles, passages, the keyword index (tokens and tsvector, term counts), the embedding cache,
    # the journal, the store's facts.
    f"""
    CREATE TABLE meta (key {_TEXT} PRIMARY KEY, value {_TEXT} NOT NULL);
    CREATE TABLE articles (
        id {_TEXT} PRIMARY KEY, url {_TEXT}, content_hash {_TEXT} NOT NULL, title {_TEXT} NOT NULL,
        title_original {_TEXT}, source {_TEXT}, author {_TEXT}, published {_TEXT}, summary {_TEXT},
        summary_original {_TEXT}, origin {_TEXT}, script {_TEXT}, conversion {_TEXT}, body {_TEXT} NOT NULL,
        body_original {_TEXT} NOT NULL, added_at {_TEXT} NOT NULL, passage_count INTEGER NOT NULL
    );
    CREATE INDEX articles_url ON articles(url);
    CREATE INDEX articles_hash ON articles(content_hash);
    CREATE TABLE passages (
        id {_TEXT} PRIMARY KEY, article_id {_TEXT} NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        position INTEGER NOT NULL, section {_TEXT}, text {_TEXT} NOT NULL, text_original {_TEXT} NOT NULL,
        start INTEGER NOT NULL, "end" INTEGER NOT NULL, page INTEGER, vector_key {_TEXT}
    );
    CREATE INDEX passages_article ON passages(article_id, position);
    CREATE TABLE passage_keywords (
        seq BIGSERIAL UNIQUE, passage_id {_TEXT} PRIMARY KEY REFERENCES passages(id) ON DELETE CASCADE,
        article_id {_TEXT} NOT NULL, tokens TEXT[] NOT NULL, terms TEXT[] NOT NULL, tsv TSVECTOR NOT NULL
    );
    CREATE INDEX passage_keywords_tsv ON passage_keywords USING GIN (tsv);
    CREATE INDEX passage_keywords_article ON passage_keywords(article_id);
    CREATE TABLE keyword_terms (term TEXT COLLATE "C" PRIMARY KEY, doc INTEGER NOT NULL);
    CREATE TABLE keyword_stats (id INTEGER PRIMARY KEY CHECK (id = 1), passages BIGINT NOT NULL,
                                terms BIGINT NOT NULL);
    INSERT INTO keyword_stats VALUES (1, 0, 0);
    CREATE FUNCTION kb_phrase_count(terms TEXT[], phrase TEXT[]) RETURNS INTEGER LANGUAGE sql IMMUTABLE AS $$
        SELECT CASE WHEN cardinality(phrase) = 1 THEN cardinality(array_positions(terms, phrase[1]))
               ELSE (SELECT COUNT(*)::integer FROM unnest(array_positions(terms, phrase[1])) AS i
                     WHERE terms[i:i + cardinality(phrase) - 1] = phrase) END
    $$;
    CREATE TABLE embed_cache (model {_TEXT} NOT NULL, text_hash {_TEXT} NOT NULL, vector BYTEA NOT NULL,
                              PRIMARY KEY (model, text_hash));
    CREATE TABLE journal (id BIGSERIAL PRIMARY KEY, op {_TEXT} NOT NULL, ids {_TEXT} NOT NULL);
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(":" + parts.password + "@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def is_postgres_url(url: str) -> bool:
    return urlsplit(url).scheme in ("postgresql", "postgres")


def _reason(exc: BaseException) -> str:
    """The first line of a driver error: one clear line for the command line."""
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def fts_terms(token: str) -> list[str]:
    """The terms SQLite's FTS5 (unicode61) indexes for one kb token: runs of letters, digits and
    private-use characters, lower-cased ("2.5%" -> ["2", "5"]). Both backends count and match these."""
    terms, current = [], []
    for char in token:
        category = unicodedata.category(char)
        if category[0] in "LN" or category == "Co":
            current.append(char)
        elif current:
            terms.append("".join(current).lower())
            current = []
    if current:
        terms.append("".join(current).lower())
    return [t for t in terms if len(t.encode()) <= MAX_LEXEME_BYTES]


def _lexeme(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector(terms: Sequence[str]) -> str:
    """A tsvector literal of a passage's terms with their positions (for phrase matching)."""
    positions: dict[str, list[int]] = {}
    for index, term in enumerate(terms, 1):
        positions.setdefault(term, []).append(min(index, 16383))  # PostgreSQL's largest position
    return " ".join(f"{_lexeme(t)}:{','.join(map(str, p[:256]))}" for t, p in positions.items())


def phrases(tokens: Iterable[str]) -> list[tuple[str, ...]]:
    """The FTS5 query kb.store.keyword.fts_query makes, as phrases of terms: one per distinct token."""
    found = [tuple(fts_terms(t)) for t in dict.fromkeys(t for t in tokens if t)]
    return [p for p in found if p]


def tsquery(phrase_list: Iterable[Sequence[str]]) -> str:
    """A tsquery matching any of the phrases (terms quoted: no parsing, no folding)."""
    return " | ".join("(" + " <-> ".join(_lexeme(t) for t in phrase) + ")" for phrase in phrase_list)


class Database:
    """A connection pool on one PostgreSQL database, and the transaction of the current thread."""

    def __init__(self, url: str) -> None:
        import psycopg
        from psycopg_pool import ConnectionPool

        self.url = url
        self.lock = threading.RLock()  # the store's thread lock (writes), as with SQLite
        self._local = threading.local()
        try:
            with psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT) as conn:
                migrate(conn)
        except psycopg.Error as exc:
            raise StoreError(f"cannot reach the PostgreSQL database at {redact(url)} (KB_DATABASE_URL): "
                             f"{_reason(exc)}") from exc
        self.pool = ConnectionPool(url, min_size=1, max_size=8, timeout=POOL_TIMEOUT, open=False,
                                   kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT},
                                   check=ConnectionPool.check_connection, name="kb")
        self.pool.open()

    def lost(self, exc: BaseException) -> StoreError:
        return StoreError(f"lost the PostgreSQL database at {redact(self.url)} (KB_DATABASE_URL): {_reason(exc)}")

    @contextmanager
    def connection(self) -> Iterator:
        """The current transaction's connection, or a pooled one; driver failures become StoreError."""
        import psycopg
        from psycopg_pool import PoolTimeout

        current = getattr(self._local, "conn", None)
        if current is not None:
            yield current
            return
        try:
            with self.pool.connection() as conn:
                yield conn
        except (psycopg.OperationalError, psycopg.InterfaceError, PoolTimeout) as exc:
            raise self.lost(exc) from exc

    @contextmanager
    def transaction(self) -> Iterator:
        """One transaction on one connection for this thread; everything inside uses it."""
        if getattr(self._local, "conn", None) is not None:
            yield self._local.conn
            return
        with self.connection() as conn:
            try:
                with conn.transaction():
                    self._local.conn = conn
                    try:
                        yield conn
                    finally:
                        self._local.conn = None
            except Exception as exc:
                import psycopg

                if isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError)):
                    raise self.lost(exc) from exc
                raise

    def rows(self, sql: str, args=(), *, dicts: bool = False) -> list:
        from psycopg.rows import dict_row, tuple_row

        with self.connection() as conn:
            with conn.cursor(row_factory=dict_row if dicts else tuple_row) as cursor:
                cursor.execute(sql, args)
                return cursor.fetchall() if cursor.description else []

    def one(self, sql: str, args=()):
        found = self.rows(sql, args)
        return found[0] if found else None

    def execute(self, sql: str, args=()) -> None:
        with self.connection() as conn:
            conn.execute(sql, args)

    def executemany(self, sql: str, rows: list) -> None:
        if not rows:
            return
        with self.connection() as conn:
            with conn.cursor() as cursor:
                cursor.executemany(sql, rows)

    def close(self) -> None:
        self.pool.close()


def schema_version(conn) -> int | None:
    """The schema version recorded in the database; None when kb has never written it."""
    exists = conn.execute("SELECT to_regclass('kb_schema') IS NOT NULL").fetchone()[0]
    if not exists:
        return None
    row = conn.execute("SELECT version FROM kb_schema").fetchone()
    return row[0] if row else 0


def migrate(conn) -> int:
    """Bring the database (autocommit connection) to SCHEMA_VERSION; returns the version it was at."""
    found = schema_version(conn) or 0
    if found > SCHEMA_VERSION:
        raise StoreError(f"the PostgreSQL store was written by a newer kb (schema {found}; this kb knows up "
                         f"to {SCHEMA_VERSION}): upgrade kb")
    if found == SCHEMA_VERSION:
        return found
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATE_LOCK_KEY,))
        conn.execute("CREATE TABLE IF NOT EXISTS kb_schema (version INTEGER NOT NULL)")
        current = conn.execute("SELECT version FROM kb_schema").fetchone()
        if current is None:
            conn.execute("INSERT INTO kb_schema VALUES (0)")
            current = (0,)
        # Read again under the lock: another machine may have migrated meanwhile.
        for number in range(current[0] + 1, SCHEMA_VERSION + 1):
            for statement in (s.strip() for s in MIGRATIONS[number - 1].split(";")):
                if statement:
                    conn.execute(statement)
            conn.execute("UPDATE kb_schema SET version=%s", (number,))
    return found


class AdvisoryLock:
    """The one writer across machines: a session-level advisory lock held by a pooled connection.

    Re-entrant; always taken under the store's thread lock (kb.store.lock.WriteLock), so one thread
    at a time gets here. A holder that dies loses its connection and so the lock."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._conn = None
        self._depth = 0

    def acquire(self) -> None:
        if self._depth == 0:
            import psycopg
            from psycopg_pool import PoolTimeout

            try:
                conn = self.db.pool.getconn()
            except PoolTimeout as exc:
                raise self.db.lost(exc) from exc
            try:
                conn.execute("SELECT pg_advisory_lock(%s)", (WRITE_LOCK_KEY,))
            except psycopg.Error as exc:
                self.db.pool.putconn(conn)
                raise self.db.lost(exc) from exc
            self._conn = conn
        self._depth += 1

    def release(self) -> None:
        self._depth -= 1
        if self._depth == 0:
            import psycopg

            conn, self._conn = self._conn, None
            try:
                conn.execute("SELECT pg_advisory_unlock(%s)", (WRITE_LOCK_KEY,))
            except psycopg.Error:
                conn.close()  # a connection that failed has lost its session, and the lock with it
            finally:
                self.db.pool.putconn(conn)

    @property
    def is_locked(self) -> bool:
        return self._depth > 0


class PostgresKeywordIndex:
    """The keyword index's calls (kb.store.keyword.KeywordIndex) over PostgreSQL, matching and
    counting what FTS5 matches and counts: the terms of `fts_terms`, a token as the phrase of its terms."""

    # "bm25": FTS5's rank, computed in SQL (the default: the same candidates as SQLite);
    # "ts_rank": PostgreSQL's own ranking of the same matches (measured in tests/test_postgres.py).
    ranking = "bm25"

    def __init__(self, db: Database) -> None:
        self.db = db

    def candidates(self, tokens: Sequence[str], k: int,
                   article_ids: Sequence[str] | None = None) -> list[tuple[str, list[str]]]:
        """(passage id, its tokens) of the k passages that hold any of `tokens`, best first."""
        wanted = phrases(tokens)
        if not wanted or article_ids is not None and not article_ids:
            return []
        query = tsquery(wanted)
        where = "k.tsv @@ %(query)s::tsquery"
        args: dict = {"query": query, "k": k, "articles": list(article_ids or [])}
        if article_ids is not None:
            where += " AND k.article_id = ANY(%(articles)s)"
        if self.ranking == "ts_rank":
            sql = (f"SELECT k.passage_id, k.tokens FROM passage_keywords k WHERE {where} "
                   "ORDER BY ts_rank(k.tsv, %(query)s::tsquery) DESC, k.seq LIMIT %(k)s")
        else:
            # FTS5's bm25(): idf = ln((N - n + 0.5) / (n + 0.5)) floored at 1e-6, n the passages matching
            # the phrase; tf the phrase's occurrences; length in terms; k1 1.2, b 0.75.
            counts, total = self._phrase_counts(wanted)
            weights = [{"terms": list(p), "idf": max(math.log((total - counts[p] + 0.5) / (counts[p] + 0.5)), 1e-6)}
                       for p in wanted]
            args["weights"] = json.dumps(weights, ensure_ascii=False)
            sql = f"""
            WITH stats AS (SELECT GREATEST(terms::float8 / GREATEST(passages, 1), 1e-9) AS avgdl FROM keyword_stats),
                 w AS (SELECT (e->>'idf')::float8 AS idf, ARRAY(SELECT jsonb_array_elements_text(e->'terms')) AS phrase
                       FROM jsonb_array_elements(%(weights)s::jsonb) AS e),
                 m AS (SELECT k.seq, k.passage_id, k.tokens, k.terms FROM passage_keywords k WHERE {where})
            SELECT m.passage_id, m.tokens FROM m CROSS JOIN stats s CROSS JOIN LATERAL (
                SELECT SUM(w.idf * f.tf * 2.2 / (f.tf + 1.2 * (0.25 + 0.75 * cardinality(m.terms) / s.avgdl))) AS score
                FROM w CROSS JOIN LATERAL (SELECT kb_phrase_count(m.terms, w.phrase)::float8 AS tf) f
                WHERE f.tf > 0) r
            ORDER BY r.score DESC NULLS LAST, m.seq LIMIT %(k)s"""
        return [(r[0], list(r[1])) for r in self.db.rows(sql, args)]

    def _phrase_counts(self, wanted: Sequence[tuple[str, ...]]) -> tuple[dict[tuple[str, ...], int], int]:
        """How many passages match each phrase (a one-term phrase from the term counts), and the total."""
        with self.db.connection() as conn:
            total = int(conn.execute("SELECT passages FROM keyword_stats").fetchone()[0])
            singles = sorted({p[0] for p in wanted if len(p) == 1})
            found = dict(conn.execute("SELECT term, doc FROM keyword_terms WHERE term = ANY(%s)", (singles,)).fetchall())
            counts = {p: int(found.get(p[0], 0)) for p in wanted if len(p) == 1}
            for phrase in wanted:
                if len(phrase) > 1 and phrase not in counts:
                    counts[phrase] = conn.execute("SELECT COUNT(*) FROM passage_keywords WHERE tsv @@ %s::tsquery",
                                                  (tsquery([phrase]),)).fetchone()[0]
        return counts, total

    def document_frequencies(self, tokens: Sequence[str]) -> tuple[dict[str, int], int]:
        """How many passages hold each token (as FTS5 counts: the passages matching its phrase), and
        how many passages there are: the IDF inputs."""
        unique = list(dict.fromkeys(tokens))
        of = {t: tuple(fts_terms(t)) for t in unique if t}
        counts, total = self._phrase_counts([p for p in dict.fromkeys(of.values()) if p])
        return {t: counts.get(of.get(t, ()), 0) for t in unique}, total

    def tokens(self, passage_ids: Sequence[str]) -> dict[str, list[str]]:
        rows = self.db.rows("SELECT passage_id, tokens FROM passage_keywords WHERE passage_id = ANY(%s)",
                            (list(passage_ids),))
        return {r[0]: list(r[1]) for r in rows}

    # Writes: inside the records' transaction, so that passages, their index rows and the counts commit together.
    def add(self, passages: Iterable[Passage]) -> None:
        rows, docs, total = [], Counter(), 0
        for p in passages:
            terms = [t for token in p.tokens for t in fts_terms(token)]
            rows.append((p.id, p.article_id, list(p.tokens), terms, tsvector(terms)))
            docs.update(set(terms))
            total += len(terms)
        if not rows:
            return
        self.db.executemany("INSERT INTO passage_keywords (passage_id, article_id, tokens, terms, tsv) "
                            "VALUES (%s, %s, %s, %s, %s::tsvector)", rows)
        # Sorted: concurrent writers lock the term rows in one order and cannot deadlock.
        self.db.executemany("INSERT INTO keyword_terms VALUES (%s, %s) ON CONFLICT (term) "
                            "DO UPDATE SET doc = keyword_terms.doc + EXCLUDED.doc", sorted(docs.items()))
        self.db.execute("UPDATE keyword_stats SET passages = passages + %s, terms = terms + %s", (len(rows), total))

    def remove_article(self, article_id: str) -> None:
        with self.db.connection() as conn:
            rows = conn.execute("SELECT terms FROM passage_keywords WHERE article_id=%s", (article_id,)).fetchall()
            if not rows:
                return
            docs = Counter(t for (terms,) in rows for t in set(terms))
            with conn.cursor() as cursor:
                cursor.executemany("UPDATE keyword_terms SET doc = doc - %s WHERE term = %s",
                                   [(n, t) for t, n in sorted(docs.items())])
            conn.execute("DELETE FROM keyword_terms WHERE term = ANY(%s) AND doc <= 0", (sorted(docs),))
            conn.execute("UPDATE keyword_stats SET passages = passages - %s, terms = terms - %s",
                         (len(rows), sum(len(terms) for (terms,) in rows)))
            conn.execute("DELETE FROM passage_keywords WHERE article_id=%s", (article_id,))

    def count(self) -> int:
        return self.db.one("SELECT COUNT(*) FROM passage_keywords")[0]


def _filter(source: str | None, date_from: str | None, date_to: str | None) -> tuple[str, list]:
    clauses, args = ["TRUE"], []
    if source:
        clauses.append("source=%s")
        args.append(source)
    if date_from:
        clauses.append("published>=%s")
        args.append(date_from)
    if date_to:
        clauses.append("published<=%s")
        args.append(date_to + ("" if len(date_to) > 10 else " 99:99"))
    return " AND ".join(clauses), args


_PASSAGE_SELECT = "SELECT " + ",".join(f'"{c}"' for c in PASSAGE_COLUMNS) + " FROM passages"
_IDENTIFIER = re.compile(r"^[a-z_]+$")


class PostgresRecords:
    """kb.store.records.Records over PostgreSQL."""

    def __init__(self, url: str) -> None:
        self.db = Database(url)
        self.lock = self.db.lock
        self.keyword = PostgresKeywordIndex(self.db)
        self.write_lock = AdvisoryLock(self.db)

    # -- the store's own facts -------------------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        row = self.db.one("SELECT value FROM meta WHERE key=%s", (key,))
        return row[0] if row else None

    def set_meta_default(self, key: str, value: str) -> None:
        self.db.execute("INSERT INTO meta VALUES (%s, %s) ON CONFLICT (key) DO NOTHING", (key, value))

    def _bump(self, key: str) -> int:
        return int(self.db.one("INSERT INTO meta VALUES (%s, '1') ON CONFLICT (key) DO UPDATE "
                               "SET value = (meta.value::bigint + 1)::text RETURNING value", (key,))[0])

    def vectors_generation(self) -> int:
        value = self.meta("vectors_generation")
        return int(value) if value else 0

    def bump_vectors_generation(self) -> int:
        return self._bump("vectors_generation")

    def records_generation(self) -> int:
        value = self.meta("records_generation")
        return int(value) if value else 0

    # -- reads ---------------------------------------------------------------------------------------
    def article(self, article_id: str, with_body: bool = True) -> Article | None:
        columns = ARTICLE_COLUMNS if with_body else LIST_COLUMNS
        rows = self.db.rows(f"SELECT {','.join(columns)} FROM articles WHERE id=%s", (article_id,), dicts=True)
        return _article(rows[0]) if rows else None

    def articles_where(self, column: str, values: Sequence[str], with_body: bool) -> dict[str, Article]:
        if not _IDENTIFIER.match(column):
            raise ValueError(column)
        columns = ARTICLE_COLUMNS if with_body else LIST_COLUMNS
        wanted = list(dict.fromkeys(v for v in values if v))
        if not wanted:
            return {}
        rows = self.db.rows(f"SELECT {','.join(columns)} FROM articles WHERE {column} = ANY(%s)", (wanted,), dicts=True)
        return {r[column]: _article(r) for r in rows}

    def articles(self, *, source=None, date_from=None, date_to=None) -> list[Article]:
        sql, args = _filter(source, date_from, date_to)
        rows = self.db.rows(f"SELECT {','.join(LIST_COLUMNS)} FROM articles WHERE {sql} "
                            "ORDER BY COALESCE(published, added_at) DESC", args, dicts=True)
        return [_article(r) for r in rows]

    def article_ids(self, *, source=None, date_from=None, date_to=None) -> list[str]:
        sql, args = _filter(source, date_from, date_to)
        return [r[0] for r in self.db.rows(f"SELECT id FROM articles WHERE {sql}", args)]

    def sources(self) -> list[str]:
        return [r[0] for r in self.db.rows("SELECT DISTINCT source FROM articles WHERE source IS NOT NULL ORDER BY source")]

    def passages(self, article_id: str | None = None) -> list[Passage]:
        if article_id:
            rows = self.db.rows(_PASSAGE_SELECT + " WHERE article_id=%s ORDER BY position", (article_id,), dicts=True)
        else:
            rows = self.db.rows(_PASSAGE_SELECT + " ORDER BY article_id, position", dicts=True)
        return [Passage(**r) for r in rows]

    def passage_at(self, article_id: str, position: int) -> Passage | None:
        rows = self.db.rows(_PASSAGE_SELECT + " WHERE article_id = %s AND position = %s", (article_id, position),
                            dicts=True)
        return Passage(**rows[0]) if rows else None

    def passages_by_id(self, ids: Sequence[str]) -> dict[str, Passage]:
        rows = self.db.rows(_PASSAGE_SELECT + " WHERE id = ANY(%s)", (list(ids),), dicts=True)
        return {r["id"]: Passage(**r) for r in rows}

    def live_passage_ids(self, ids: Sequence[str]) -> set[str]:
        return {r[0] for r in self.db.rows("SELECT id FROM passages WHERE id = ANY(%s)", (list(ids),))}

    def count(self) -> tuple[int, int]:
        row = self.db.one("SELECT (SELECT COUNT(*) FROM articles), (SELECT COUNT(*) FROM passages)")
        return int(row[0]), int(row[1])

    def passage_vectors(self, model: str) -> tuple[list[str], list[str], list[bytes]]:
        """(passage ids, article ids, cached vectors as float32 bytes) of every passage the cache covers."""
        rows = self.db.rows("SELECT p.id, p.article_id, e.vector FROM passages p JOIN embed_cache e "
                            "ON e.model=%s AND e.text_hash=p.vector_key", (model,))
        return [r[0] for r in rows], [r[1] for r in rows], [bytes(r[2]) for r in rows]

    # -- embedding cache -----------------------------------------------------------------------------
    def cached_vectors(self, model: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        import numpy as np

        rows = self.db.rows("SELECT text_hash, vector FROM embed_cache WHERE model=%s AND text_hash = ANY(%s)",
                            (model, list(hashes)))
        return {r[0]: np.frombuffer(bytes(r[1]), dtype=np.float32) for r in rows}

    def cache_vectors(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        import numpy as np

        if not vectors:
            return
        with self.db.transaction():
            self.db.executemany("INSERT INTO embed_cache VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                                [(model, h, np.asarray(v, dtype=np.float32).tobytes()) for h, v in sorted(vectors.items())])

    def import_embedding_cache(self, other: Path, model: str) -> int:
        """Copy a SQLite store's cached vectors of `model`; returns how many were new."""
        source = sqlite3.connect(f"file:{other}?mode=ro", uri=True)
        try:
            rows = source.execute("SELECT model, text_hash, vector FROM embed_cache WHERE model=?", (model,)).fetchall()
        finally:
            source.close()
        before = self.db.one("SELECT COUNT(*) FROM embed_cache")[0]
        with self.db.transaction():
            self.db.executemany("INSERT INTO embed_cache VALUES (%s, %s, %s) ON CONFLICT DO NOTHING", rows)
        return self.db.one("SELECT COUNT(*) FROM embed_cache")[0] - before

    # -- journal -------------------------------------------------------------------------------------
    def journal_add(self, op: str, ids: Sequence[str]) -> int:
        return self.db.one("INSERT INTO journal (op, ids) VALUES (%s, %s) RETURNING id", (op, json.dumps(list(ids))))[0]

    def journal(self) -> list[tuple[int, str, list[str]]]:
        return [(r[0], r[1], json.loads(r[2])) for r in self.db.rows("SELECT id, op, ids FROM journal ORDER BY id")]

    def journal_done(self, entry: int) -> None:
        self.db.execute("DELETE FROM journal WHERE id=%s", (entry,))

    def has_journal(self) -> bool:
        return self.db.one("SELECT 1 FROM journal LIMIT 1") is not None

    # -- writes --------------------------------------------------------------------------------------
    def commit_articles(self, writes: Sequence, replaced: Sequence[str], journal_entry: int) -> list[str]:
        """One transaction, the commit point of an ingestion (see SqliteRecords.commit_articles)."""
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        for write in writes:
            write.article.added_at = write.article.added_at or now
            write.article.passage_count = len(write.passages)
        old_ids: list[str] = []
        with self.db.transaction():
            for article_id in replaced:
                old_ids += self._delete_rows(article_id)
            if old_ids:
                self.db.execute("INSERT INTO journal (op, ids) VALUES ('remove', %s)", (json.dumps(old_ids),))
            self.db.executemany(f"INSERT INTO articles ({','.join(ARTICLE_COLUMNS)}) "
                                f"VALUES ({','.join(['%s'] * len(ARTICLE_COLUMNS))})",
                                [[getattr(w.article, c) for c in ARTICLE_COLUMNS] for w in writes])
            self.db.executemany(
                f"INSERT INTO passages ({','.join(chr(34) + c + chr(34) for c in PASSAGE_COLUMNS)}) "
                f"VALUES ({','.join(['%s'] * len(PASSAGE_COLUMNS))})",
                [[getattr(p, c) for c in PASSAGE_COLUMNS] for w in writes for p in w.passages])
            self.keyword.add(p for w in writes for p in w.passages)
            self._bump("records_generation")
            self.db.execute("DELETE FROM journal WHERE id=%s", (journal_entry,))
        return old_ids

    def _delete_rows(self, article_id: str) -> list[str]:
        ids = [r[0] for r in self.db.rows("SELECT id FROM passages WHERE article_id=%s ORDER BY position", (article_id,))]
        self.keyword.remove_article(article_id)
        self.db.execute("DELETE FROM passages WHERE article_id=%s", (article_id,))
        self.db.execute("DELETE FROM articles WHERE id=%s", (article_id,))
        return ids

    def delete_article(self, article_id: str) -> list[str] | None:
        with self.db.transaction():
            if self.db.one("SELECT 1 FROM articles WHERE id=%s FOR UPDATE", (article_id,)) is None:
                return None
            ids = self._delete_rows(article_id)
            self._bump("records_generation")
            if ids:
                self.db.execute("INSERT INTO journal (op, ids) VALUES ('remove', %s)", (json.dumps(ids),))
        return ids

    def close(self) -> None:
        self.db.close()
