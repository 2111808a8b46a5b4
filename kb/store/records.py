"""The records side of the store: articles, passages, the embedding cache, the journal and the
store's own facts (embedding model, vectors generation), in SQLite, beside the keyword index.

`Records` is the interface the store uses; `SqliteRecords` is the embedded implementation. A
server database (several machines on one library) implements the same interface."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol, Sequence, TYPE_CHECKING


from kb.records import Article, Passage
from kb.store.keyword import KeywordIndex
from kb.store.sqlite import Database

if TYPE_CHECKING:
    import numpy as np

ARTICLE_COLUMNS = ("id", "url", "content_hash", "title", "title_original", "source", "author", "published",
                   "summary", "summary_original", "origin", "script", "conversion", "body", "body_original",
                   "added_at", "passage_count")
LIST_COLUMNS = tuple(c for c in ARTICLE_COLUMNS if c not in ("body", "body_original"))
PASSAGE_COLUMNS = ("id", "article_id", "position", "section", "text", "text_original", "start", "end", "page",
                   "vector_key", "tags")
_PASSAGE_SELECT = "SELECT " + ",".join(f'"{c}"' for c in PASSAGE_COLUMNS) + " FROM passages"


class Records(Protocol):
    keyword: KeywordIndex

    def meta(self, key: str) -> str | None: ...
    def set_meta_default(self, key: str, value: str) -> None: ...
    def vectors_generation(self) -> int: ...
    def bump_vectors_generation(self) -> int: ...
    def article(self, article_id: str, with_body: bool = True) -> Article | None: ...
    def articles_where(self, column: str, values: Sequence[str], with_body: bool) -> dict[str, Article]: ...
    def articles(self, *, source: str | None, date_from: str | None, date_to: str | None) -> list[Article]: ...
    def article_ids(self, *, source: str | None, date_from: str | None, date_to: str | None) -> list[str]: ...
    def sources(self) -> list[str]: ...
    def passages(self, article_id: str | None = None) -> list[Passage]: ...
    def passages_by_id(self, ids: Sequence[str]) -> dict[str, Passage]: ...
    def passage_at(self, article_id: str, position: int) -> Passage | None: ...
    def live_passage_ids(self, ids: Sequence[str]) -> set[str]: ...
    def count(self) -> tuple[int, int]: ...
    def records_generation(self) -> int: ...
    def passage_keys(self) -> tuple[list[str], list[str], list[str]]: ...
    def untagged_passages(self) -> list[tuple[str, str]]: ...
    def set_tags(self, rows: Sequence[tuple[str, str]]) -> None: ...
    def cached_vectors(self, model: str, hashes: Sequence[str]) -> dict[str, np.ndarray]: ...
    def cache_vectors(self, model: str, vectors: dict[str, np.ndarray]) -> None: ...
    def journal_add(self, op: str, ids: Sequence[str]) -> int: ...
    def journal(self) -> list[tuple[int, str, list[str]]]: ...
    def journal_done(self, entry: int) -> None: ...
    def has_journal(self) -> bool: ...
    def commit_articles(self, writes: Sequence, replaced: Sequence[str], journal_entry: int) -> list[str]: ...
    def delete_article(self, article_id: str) -> list[str] | None: ...
    def close(self) -> None: ...


def _article(row) -> Article:
    data = dict(row)
    data.setdefault("body", "")
    data.setdefault("body_original", "")
    return Article(**data)


def filter_sql(source: str | None, date_from: str | None, date_to: str | None,
               placeholder: str = "?") -> tuple[str, list]:
    """The WHERE clause of the article filters and its values; `placeholder` is the driver's ("%s" for psycopg)."""
    clauses, args = ["1=1"], []
    if source:
        clauses.append(f"source={placeholder}")
        args.append(source)
    if date_from:
        clauses.append(f"published>={placeholder}")
        args.append(date_from)
    if date_to:
        clauses.append(f"published<={placeholder}")
        args.append(date_to + ("" if len(date_to) > 10 else " 99:99"))
    return " AND ".join(clauses), args


class SqliteRecords:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.keyword = KeywordIndex(db)

    # -- the store's own facts -------------------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        with self.db.lock:
            row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta_default(self, key: str, value: str) -> None:
        # Read first: opening a store that has its facts writes nothing (a read-only store can be opened).
        with self.db.lock:
            if self.meta(key) is None:
                self.db.execute("INSERT OR IGNORE INTO meta VALUES (?, ?)", (key, value))

    def vectors_generation(self) -> int:
        value = self.meta("vectors_generation")
        return int(value) if value else 0

    def bump_vectors_generation(self) -> int:
        with self.db.lock:
            self.db.execute("INSERT INTO meta VALUES ('vectors_generation', '1') ON CONFLICT(key) "
                            "DO UPDATE SET value = CAST(value AS INTEGER) + 1")
        return self.vectors_generation()

    # -- reads ---------------------------------------------------------------------------------------
    def article(self, article_id: str, with_body: bool = True) -> Article | None:
        columns = ARTICLE_COLUMNS if with_body else LIST_COLUMNS
        with self.db.lock:
            row = self.db.execute(f"SELECT {','.join(columns)} FROM articles WHERE id=?", (article_id,)).fetchone()
        return _article(row) if row else None

    def articles_where(self, column: str, values: Sequence[str], with_body: bool) -> dict[str, Article]:
        """Articles whose `column` is one of `values`, keyed by it, in a few queries."""
        columns = ARTICLE_COLUMNS if with_body else LIST_COLUMNS
        with self.db.lock:
            rows = self.db.query_in(f"SELECT {','.join(columns)} FROM articles WHERE {column} IN ({{}})",
                                    list(dict.fromkeys(v for v in values if v)))
        return {r[column]: _article(r) for r in rows}

    def articles(self, *, source=None, date_from=None, date_to=None) -> list[Article]:
        sql, args = filter_sql(source, date_from, date_to)
        with self.db.lock:
            rows = self.db.execute(f"SELECT {','.join(LIST_COLUMNS)} FROM articles WHERE {sql} "
                                   "ORDER BY COALESCE(published, added_at) DESC", args).fetchall()
        return [_article(r) for r in rows]

    def article_ids(self, *, source=None, date_from=None, date_to=None) -> list[str]:
        sql, args = filter_sql(source, date_from, date_to)
        with self.db.lock:
            return [r[0] for r in self.db.execute(f"SELECT id FROM articles WHERE {sql}", args)]

    def sources(self) -> list[str]:
        with self.db.lock:
            return [r[0] for r in self.db.execute(
                "SELECT DISTINCT source FROM articles WHERE source IS NOT NULL ORDER BY source")]

    def passages(self, article_id: str | None = None) -> list[Passage]:
        with self.db.lock:
            if article_id:
                rows = self.db.execute(_PASSAGE_SELECT + " WHERE article_id=? ORDER BY position", (article_id,)).fetchall()
            else:
                rows = self.db.execute(_PASSAGE_SELECT + " ORDER BY article_id, position").fetchall()
        return [Passage(**dict(r)) for r in rows]

    def passage_at(self, article_id: str, position: int) -> Passage | None:
        with self.db.lock:
            row = self.db.execute(_PASSAGE_SELECT + " WHERE article_id=? AND position=?", (article_id, position)).fetchone()
        return Passage(**dict(row)) if row else None

    def passages_by_id(self, ids: Sequence[str]) -> dict[str, Passage]:
        with self.db.lock:
            rows = self.db.query_in(_PASSAGE_SELECT + " WHERE id IN ({})", list(ids))
        return {r["id"]: Passage(**dict(r)) for r in rows}

    def live_passage_ids(self, ids: Sequence[str]) -> set[str]:
        with self.db.lock:
            return {r[0] for r in self.db.query_in("SELECT id FROM passages WHERE id IN ({})", list(ids))}

    def count(self) -> tuple[int, int]:
        with self.db.lock:
            return (self.db.execute("SELECT COUNT(*) FROM articles").fetchone()[0],
                    self.db.execute("SELECT COUNT(*) FROM passages").fetchone()[0])

    def records_generation(self) -> int:
        """A number that changes whenever passages are added or removed (by any process)."""
        value = self.meta("records_generation")
        return int(value) if value else 0

    def _bump_records_generation(self) -> None:
        self.db.execute("INSERT INTO meta VALUES ('records_generation', '1') ON CONFLICT(key) "
                        "DO UPDATE SET value = CAST(value AS INTEGER) + 1")

    def passage_keys(self) -> tuple[list[str], list[str], list[str]]:
        """(passage ids, their article ids, their vectors' cache keys), with one read of the database."""
        with self.db.lock:
            rows = self.db.execute("SELECT id, article_id, vector_key FROM passages").fetchall()
        return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]

    def untagged_passages(self) -> list[tuple[str, str]]:
        """(id, text) of the passages stored without their part-of-speech tags (before schema 6)."""
        with self.db.lock:
            return [(r[0], r[1]) for r in self.db.execute("SELECT id, text FROM passages WHERE tags IS NULL")]

    def set_tags(self, rows: Sequence[tuple[str, str]]) -> None:
        """(tags, passage id) rows, in one transaction."""
        with self.db.lock, self.db.transaction():
            self.db.executemany("UPDATE passages SET tags=? WHERE id=?", list(rows))

    # -- embedding cache -----------------------------------------------------------------------------
    def cached_vectors(self, model: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        import numpy as np

        with self.db.lock:
            rows = self.db.query_in("SELECT text_hash, vector FROM embed_cache WHERE text_hash IN ({}) AND model=?",
                                    list(hashes), (model,))
        return {r[0]: np.frombuffer(r[1], dtype=np.float32) for r in rows}

    def cache_vectors(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        import numpy as np

        if not vectors:
            return
        # One transaction: in autocommit mode every row would be its own commit (and WAL sync).
        with self.db.lock, self.db.transaction():
            self.db.executemany("INSERT OR IGNORE INTO embed_cache VALUES (?, ?, ?)",
                                [(model, h, np.asarray(v, dtype=np.float32).tobytes()) for h, v in vectors.items()])

    # -- journal -------------------------------------------------------------------------------------
    def journal_add(self, op: str, ids: Sequence[str]) -> int:
        with self.db.lock:
            return self.db.execute("INSERT INTO journal (op, ids) VALUES (?, ?)", (op, json.dumps(list(ids)))).lastrowid

    def journal(self) -> list[tuple[int, str, list[str]]]:
        with self.db.lock:
            return [(r["id"], r["op"], json.loads(r["ids"])) for r in self.db.execute("SELECT id, op, ids FROM journal")]

    def journal_done(self, entry: int) -> None:
        with self.db.lock:
            self.db.execute("DELETE FROM journal WHERE id=?", (entry,))

    def has_journal(self) -> bool:
        with self.db.lock:
            return self.db.execute("SELECT 1 FROM journal LIMIT 1").fetchone() is not None

    # -- writes --------------------------------------------------------------------------------------
    def commit_articles(self, writes: Sequence, replaced: Sequence[str], journal_entry: int) -> list[str]:
        """One transaction, the commit point of an ingestion: the `replaced` articles go (their passage
        ids, returned, are journaled for the vectors' removal), the new ones come in with their passages
        and keyword rows, and the ingestion's journal entry is closed."""
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        for write in writes:
            write.article.added_at = write.article.added_at or now
            write.article.passage_count = len(write.passages)
        old_ids: list[str] = []
        with self.db.lock, self.db.transaction():
            for article_id in replaced:
                old_ids += self._delete_rows(article_id)
            if old_ids:
                self.db.execute("INSERT INTO journal (op, ids) VALUES ('remove', ?)", (json.dumps(old_ids),))
            self.db.executemany(f"INSERT INTO articles ({','.join(ARTICLE_COLUMNS)}) "
                                f"VALUES ({','.join('?' * len(ARTICLE_COLUMNS))})",
                                [[getattr(w.article, c) for c in ARTICLE_COLUMNS] for w in writes])
            self.db.executemany(
                f"INSERT INTO passages ({','.join(chr(34) + c + chr(34) for c in PASSAGE_COLUMNS)}) "
                f"VALUES ({','.join('?' * len(PASSAGE_COLUMNS))})",
                [[getattr(p, c) for c in PASSAGE_COLUMNS] for w in writes for p in w.passages])
            self.keyword.add(p for w in writes for p in w.passages)
            self._bump_records_generation()
            self.db.execute("DELETE FROM journal WHERE id=?", (journal_entry,))
        return old_ids

    def _delete_rows(self, article_id: str) -> list[str]:
        ids = [r[0] for r in self.db.execute("SELECT id FROM passages WHERE article_id=?", (article_id,))]
        self.keyword.remove_article(article_id)
        self.db.execute("DELETE FROM passages WHERE article_id=?", (article_id,))
        self.db.execute("DELETE FROM articles WHERE id=?", (article_id,))
        return ids

    def delete_article(self, article_id: str) -> list[str] | None:
        """Remove an article in one transaction, journaling its passage ids for the vectors' removal;
        None if there is no such article."""
        with self.db.lock, self.db.transaction():
            if not self.db.execute("SELECT 1 FROM articles WHERE id=?", (article_id,)).fetchone():
                return None
            ids = self._delete_rows(article_id)
            self._bump_records_generation()
            if ids:
                self.db.execute("INSERT INTO journal (op, ids) VALUES ('remove', ?)", (json.dumps(ids),))
        return ids

    # -- feed subscriptions ---------------------------------------------------------------------------
    def feeds(self) -> list[dict]:
        with self.db.lock:
            return [dict(r) for r in self.db.execute(
                "SELECT url, title, etag, last_modified, added_at, checked_at, last_error FROM feeds ORDER BY added_at, url")]

    def add_feed(self, url: str, title: str | None) -> bool:
        """Subscribe; False if the feed is already there."""
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self.db.lock:
            cursor = self.db.execute("INSERT OR IGNORE INTO feeds (url, title, added_at) VALUES (?, ?, ?)",
                                     (url, title, now))
            return cursor.rowcount > 0

    def remove_feed(self, url: str) -> bool:
        with self.db.lock:
            return self.db.execute("DELETE FROM feeds WHERE url=?", (url,)).rowcount > 0

    def feed_checked(self, url: str, *, title: str | None = None, etag: str | None = None,
                     last_modified: str | None = None, error: str | None = None, keep_validators: bool = False) -> None:
        """Record a fetch of a feed: its validators (unless kept as they were) and the error, if any."""
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self.db.lock:
            if keep_validators:
                self.db.execute("UPDATE feeds SET checked_at=?, last_error=?, title=COALESCE(?, title) WHERE url=?",
                                (now, error, title, url))
            else:
                self.db.execute("UPDATE feeds SET checked_at=?, last_error=?, title=COALESCE(?, title), etag=?, "
                                "last_modified=? WHERE url=?", (now, error, title, etag, last_modified, url))

    def close(self) -> None:
        self.db.close()

    def import_embedding_cache(self, other: Path, model: str) -> int:
        """Copy another store's cached vectors of `model` (rows are keyed by model and text hash)."""
        with self.db.lock:
            before = self.db.execute("SELECT COUNT(*) FROM embed_cache").fetchone()[0]
            self.db.execute("ATTACH DATABASE ? AS other", (str(other),))
            try:
                self.db.execute("INSERT OR IGNORE INTO embed_cache SELECT * FROM other.embed_cache WHERE model=?",
                                (model,))
            finally:
                self.db.execute("DETACH DATABASE other")
            return self.db.execute("SELECT COUNT(*) FROM embed_cache").fetchone()[0] - before
