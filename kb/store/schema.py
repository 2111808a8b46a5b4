"""The SQLite schema as numbered migrations, applied in order and recorded in the database.

A store records the version it is at (`PRAGMA user_version`); opening it applies the migrations it
lacks, each in one transaction. A store made before versions were recorded (version 0 with the
tables already there) is version 1: the first migration only creates what is missing.
"""
from __future__ import annotations

import hashlib
import sqlite3
from typing import Callable, Union

from kb.store.errors import StoreError


def _vector_keys(db: sqlite3.Connection) -> None:
    """Fill passages.vector_key for passages stored before it existed: the hash of the text their
    vector was computed from (kb.ingest.pipeline.embedding_text: the article title, a line break,
    the passage text), the key of the embedding cache."""
    rows = db.execute("SELECT p.id, a.title, p.text FROM passages p JOIN articles a ON a.id = p.article_id").fetchall()
    db.executemany("UPDATE passages SET vector_key=? WHERE id=?",
                   [(hashlib.sha1(f"{title}\n{text}".encode("utf-8")).hexdigest(), pid) for pid, title, text in rows])


Migration = Union[str, Callable[[sqlite3.Connection], None]]
MIGRATIONS: list[Migration] = [
    # 1: articles, passages, the keyword index (FTS5 over jieba tokens), the embedding cache, the journal.
    """
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
    """,
    # 2: the page a passage comes from, for sources that have pages (PDF); NULL for the others.
    """
    ALTER TABLE passages ADD COLUMN page INTEGER;
    """,
    # 3: the embedding-cache key of a passage's vector, so that a small store is searched exactly from
    # the cache without opening chromadb (kb.store.exact).
    """
    ALTER TABLE passages ADD COLUMN vector_key TEXT;
    """,
    _vector_keys,
    # 5: feed subscriptions (kb feeds): the validators of the last fetch for conditional requests.
    """
    CREATE TABLE IF NOT EXISTS feeds (
        url TEXT PRIMARY KEY, title TEXT, etag TEXT, last_modified TEXT, added_at TEXT NOT NULL,
        checked_at TEXT, last_error TEXT
    );
    """,
    # 6: a passage's part-of-speech tags, read by answering instead of tagging sentences per question
    # (NULL in passages stored before: those are tagged when answered, as before).
    """
    ALTER TABLE passages ADD COLUMN tags TEXT;
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


def version(db: sqlite3.Connection) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def migrate(db: sqlite3.Connection, writable: bool = True) -> int:
    """Bring the database (autocommit connection) to SCHEMA_VERSION; returns the version it was at."""
    found = version(db)
    if found > SCHEMA_VERSION:
        raise StoreError(f"the store was written by a newer kb (schema {found}; this kb knows up to "
                          f"{SCHEMA_VERSION}): upgrade kb")
    if found < SCHEMA_VERSION and not writable:
        raise StoreError(f"the store was written by an older kb (schema {found}) and is read-only, so it cannot "
                         "be upgraded: open it once where it can be written")
    for number in range(found + 1, SCHEMA_VERSION + 1):
        db.execute("BEGIN IMMEDIATE")
        try:
            # Read again under the write lock: another process may have migrated meanwhile.
            if version(db) >= number:
                db.execute("COMMIT")
                continue
            step = MIGRATIONS[number - 1]
            if callable(step):
                step(db)
            else:
                for statement in _statements(step):
                    db.execute(statement)
            db.execute(f"PRAGMA user_version = {number}")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
    return found


def _statements(script: str) -> list[str]:
    """A migration's statements one by one (executescript would commit the transaction)."""
    statements, current = [], ""
    for line in script.strip().splitlines():
        current += line + "\n"
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    return statements
