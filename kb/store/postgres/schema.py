"""The PostgreSQL schema as numbered migrations, recorded in kb_schema and applied under an advisory lock."""
from __future__ import annotations


from kb.store.postgres.connection import MIGRATE_LOCK_KEY
from kb.store.errors import StoreError


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
    # 2: postings (term, passage, occurrences, passage length in terms), so that BM25 reads only the
    # query terms' rows: scoring every passage the GIN index matched, from its terms array, cost
    # 180 ms a question at 6.5k passages (0.3 ms a matched row) where this takes 1.5 ms.
    """
    CREATE TABLE keyword_postings (term TEXT COLLATE "C" NOT NULL, seq BIGINT NOT NULL, tf INTEGER NOT NULL,
                                   len INTEGER NOT NULL, PRIMARY KEY (term, seq) INCLUDE (tf, len));
    INSERT INTO keyword_postings SELECT t, k.seq, COUNT(*), cardinality(k.terms)
        FROM passage_keywords k, unnest(k.terms) AS t GROUP BY t, k.seq, cardinality(k.terms)
    """,
    # 3: a passage's part-of-speech tags (kb.text.tag_string); NULL in passages stored before.
    f"""
    ALTER TABLE passages ADD COLUMN tags {_TEXT}
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)

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


