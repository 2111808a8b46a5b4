"""PostgresRecords: the records interface (kb.store.records.Records) on PostgreSQL."""
from __future__ import annotations

import json
import re
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from kb.records import Article, Passage
from kb.store.postgres.connection import AdvisoryLock, Database
from kb.store.postgres.keyword import PostgresKeywordIndex
from kb.store.records import ARTICLE_COLUMNS, LIST_COLUMNS, PASSAGE_COLUMNS, _article, filter_sql

if TYPE_CHECKING:
    import numpy as np


def _filter(source: str | None, date_from: str | None, date_to: str | None) -> tuple[str, list]:
    return filter_sql(source, date_from, date_to, placeholder="%s")


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

    def passage_keys(self) -> tuple[list[str], list[str], list[str]]:
        """(passage ids, their article ids, their vectors' cache keys)."""
        rows = self.db.rows("SELECT id, article_id, vector_key FROM passages")
        return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]

    def untagged_passages(self) -> list[tuple[str, str]]:
        return [(r[0], r[1]) for r in self.db.rows("SELECT id, text FROM passages WHERE tags IS NULL")]

    def set_tags(self, rows: Sequence[tuple[str, str]]) -> None:
        with self.db.transaction():
            self.db.executemany("UPDATE passages SET tags = %s WHERE id = %s", list(rows))

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

