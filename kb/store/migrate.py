"""`kb migrate --to postgresql://… [--chroma URL]`: copy the store at KB_HOME (SQLite records, vectors in
the embedded chromadb or a server) into PostgreSQL and a chromadb server, without re-embedding.

Each passage's vector comes from the embedding cache (its vector key), else from the source's
chromadb. Articles go over in batches through Store.add_articles, so each batch is all or nothing
(journal, then vectors, then the records transaction) and a copy that stops can be run again: the
articles already there are skipped."""
from __future__ import annotations

from typing import Callable

from kb.config import Settings
from kb.store.errors import StoreError

BATCH = 64


def copy_store(settings: Settings, to: str, chroma_url: str | None,
               progress: Callable[[int, int], None] | None = None) -> dict:
    """Copy the embedded store of `settings` into the database `to` and the chromadb server
    `chroma_url`; returns {"articles", "passages", "skipped", "from_cache", "from_chromadb"}."""
    import numpy as np

    from kb.embed.cache import text_hash
    from kb.store import ArticleWrite, Store
    from kb.text import passage_sentences

    if settings.database_url:
        raise StoreError("kb migrate copies the SQLite store of KB_HOME: unset KB_DATABASE_URL")
    if not (settings.home / "kb.sqlite3").exists():
        raise StoreError(f"no store at {settings.home} (KB_HOME) to copy")
    if not chroma_url:
        raise StoreError("kb migrate needs the chromadb server the vectors go to: --chroma URL (or KB_CHROMA_URL)")
    source = Store(settings.home, _stored_model(settings), None, settings.chroma_url)
    model = source.model_name
    target = Store(settings.home, model, None, chroma_url, to)
    try:
        embed_dim = source.records.meta("embed_dim")
        if embed_dim:
            target.records.set_meta_default("embed_dim", embed_dim)
        ids = [a.id for a in reversed(source.articles())]  # oldest first
        done = target.articles_by_id(ids, with_body=False)
        todo = [i for i in ids if i not in done]
        totals = {"articles": 0, "passages": 0, "skipped": len(ids) - len(todo), "from_cache": 0, "from_chromadb": 0}
        for begin in range(0, len(todo), BATCH):
            chunk = todo[begin:begin + BATCH]
            articles = source.articles_by_id(chunk)
            writes = []
            for article_id in chunk:
                article = articles[article_id]
                passages = source.passages(article_id)
                pids = [p.id for p in passages]
                tokens = source.keyword.tokens(pids)
                cached = source.cached_vectors([p.vector_key for p in passages if p.vector_key])
                missing = [p.id for p in passages if p.vector_key not in cached]
                stored = source.vectors(missing) if missing else {}
                if len(stored) != len(missing):
                    raise StoreError(f"article {article_id}: {len(missing) - len(stored)} passages have no vector "
                                     "in the cache or in chromadb: run `kb ingest` on it again before migrating")
                rows = []
                for p in passages:
                    p.tokens = tokens.get(p.id, [])
                    rows.append(cached[p.vector_key] if p.vector_key in cached else stored[p.id])
                totals["from_cache"] += len(passages) - len(missing)
                totals["from_chromadb"] += len(missing)
                vectors = np.stack(rows) if rows else np.zeros((0, 1), dtype=np.float32)
                writes.append(ArticleWrite(article, passages, vectors))
            # the cache rows of these passages, so that the target can search exactly and re-ingest cheaply,
            # and of their sentences, which answering weighs by their cosines with the question
            target.cache_vectors({p.vector_key: v for w in writes for p, v in zip(w.passages, w.vectors)
                                  if p.vector_key})
            target.cache_vectors(source.cached_vectors([text_hash(s) for s in passage_sentences(
                p.text for w in writes for p in w.passages)]))
            target.add_articles(writes)
            totals["articles"] += len(writes)
            totals["passages"] += sum(len(w.passages) for w in writes)
            if progress:
                progress(totals["articles"], len(todo))
        return totals
    finally:
        source.close()
        target.close()


def _stored_model(settings: Settings) -> str:
    """The embedding model the store was built with (as recorded), else the configured one."""
    import sqlite3

    from kb.embed import embedder_name

    db = sqlite3.connect(f"file:{settings.home / 'kb.sqlite3'}?mode=ro", uri=True)
    try:
        row = db.execute("SELECT value FROM meta WHERE key='embed_model'").fetchone()
    except sqlite3.Error:
        row = None
    finally:
        db.close()
    return row[0] if row else embedder_name(settings.embed_model)
