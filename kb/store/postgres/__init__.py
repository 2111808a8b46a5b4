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
  frequencies are exact under concurrent writers. Candidates are the passages matching any token,
  ranked by the BM25 FTS5's `rank` computes (k1 1.2, b 0.75, FTS5's idf floor), so that both
  backends hand kb's own BM25 (kb.retrieve.scoring) the same candidates. The BM25 reads
  `keyword_postings` (term, passage, occurrences, length: the query terms' rows only, as FTS5 reads
  its doclists); a token of several terms is matched as a tsquery phrase (`<->`). `ts_rank` is kept as an
  option to measure what it would change.
"""
from kb.store.postgres.connection import (CONNECT_TIMEOUT, AdvisoryLock, Database, _reason, is_postgres_url,
                                          redact)
from kb.store.postgres.keyword import PostgresKeywordIndex, fts_terms
from kb.store.postgres.records import PostgresRecords
from kb.store.postgres.schema import SCHEMA_VERSION, migrate, schema_version

__all__ = ["CONNECT_TIMEOUT", "SCHEMA_VERSION", "AdvisoryLock", "Database", "PostgresKeywordIndex", "PostgresRecords",
           "fts_terms", "is_postgres_url", "migrate", "redact", "schema_version", "_reason"]
