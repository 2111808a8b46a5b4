"""`kb doctor`: which backends the settings choose, whether they answer, the schema version and the
counts that must agree (articles, passages, keyword rows, vectors), and the passages stored without
their part-of-speech tags and the sentences without their vectors (answers from them are slower or
weigh less, not wrong). Read-only: it opens no Store
(opening one migrates and recovers), only connections of its own."""
from __future__ import annotations

import sqlite3

from kb.config import Settings


def _records_sqlite(settings: Settings) -> dict:
    from kb.store import schema
    from kb.store.sqlite import read_uri

    path = settings.home / "kb.sqlite3"
    report = {"backend": "sqlite", "location": str(path), "schema_known": schema.SCHEMA_VERSION}
    if not path.exists():
        return {**report, "reachable": True, "exists": False, "schema_version": None, "articles": 0, "passages": 0,
                "keyword_rows": 0, "journal": 0, "embed_model": None, "untagged": 0}
    try:
        db = sqlite3.connect(read_uri(path), uri=True, timeout=30)
        try:
            def count(table: str) -> int:
                return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]

            model = db.execute("SELECT value FROM meta WHERE key='embed_model'").fetchone()
            try:
                untagged = count("passages WHERE tags IS NULL")
            except sqlite3.OperationalError:  # a store older than the column: none of its passages has tags
                untagged = count("passages")
            texts = [row[0] for row in db.execute("SELECT text FROM passages")]
            cached = {row[0] for row in db.execute("SELECT text_hash FROM embed_cache WHERE model=?",
                                                   (model[0] if model else "",))}
            return {**report, "reachable": True, "exists": True, "schema_version": schema.version(db),
                    "articles": count("articles"), "passages": count("passages"), "keyword_rows": count("passage_fts"),
                    "journal": count("journal"), "embed_model": model[0] if model else None,
                    "untagged": untagged, "unembedded_sentences": _unembedded(texts, cached)}
        finally:
            db.close()
    except sqlite3.Error as exc:
        return {**report, "reachable": False, "error": str(exc)}


def _records_postgres(settings: Settings) -> dict:
    from kb.store import postgres

    url = settings.database_url
    report = {"backend": "postgresql", "location": postgres.redact(url), "schema_known": postgres.SCHEMA_VERSION}
    try:
        import psycopg

        with psycopg.connect(url, autocommit=True, connect_timeout=postgres.CONNECT_TIMEOUT) as conn:
            version = postgres.schema_version(conn)
            if version is None:
                return {**report, "reachable": True, "exists": False, "schema_version": None, "articles": 0,
                        "passages": 0, "keyword_rows": 0, "journal": 0, "embed_model": None, "untagged": 0}

            def count(table: str) -> int:
                return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]

            try:
                untagged = count("passages WHERE tags IS NULL")
            except psycopg.errors.UndefinedColumn:  # a database older than the column
                untagged = count("passages")
            model = conn.execute("SELECT value FROM meta WHERE key='embed_model'").fetchone()
            library = conn.execute("SELECT value FROM meta WHERE key='library'").fetchone()
            texts = [row[0] for row in conn.execute("SELECT text FROM passages")]
            cached = {row[0] for row in conn.execute("SELECT text_hash FROM embed_cache WHERE model=%s",
                                                     (model[0] if model else "",))}
            return {**report, "reachable": True, "exists": True, "schema_version": version,
                    "library": library[0] if library else None,
                    "articles": count("articles"), "passages": count("passages"),
                    "keyword_rows": count("passage_keywords"), "journal": count("journal"),
                    "embed_model": model[0] if model else None,
                    "untagged": untagged, "unembedded_sentences": _unembedded(texts, cached)}
    except ImportError as exc:
        return {**report, "reachable": False, "error": f"psycopg is not installed ({exc}): pip install 'kb[postgres]'"}
    except Exception as exc:  # the driver's errors: one line is what the report needs
        return {**report, "reachable": False, "error": postgres._reason(exc)}


def _unembedded(passage_texts: list[str], cached: set[str]) -> int:
    """How many distinct sentences of the passages have no vector in the embedding cache."""
    from kb.embed.cache import text_hash
    from kb.text import passage_sentences

    return sum(1 for sentence in passage_sentences(passage_texts) if text_hash(sentence) not in cached)


def _vectors(settings: Settings, model: str, library: str | None) -> dict:
    from kb.store import chroma, collection_name

    name = collection_name(model, library)
    if settings.chroma_url:
        report = {"backend": "chromadb-server", "location": settings.chroma_url, "collection": name}
        try:
            return {**report, "reachable": True, "count": chroma.open_server(settings.chroma_url, name).count()}
        except ConnectionError as exc:
            return {**report, "reachable": False, "error": str(exc).splitlines()[0] if str(exc) else "unreachable"}
    path = settings.home / "chroma"
    report = {"backend": "chromadb-embedded", "location": str(path), "collection": name}
    if not path.exists():
        return {**report, "reachable": True, "count": 0}
    try:
        import chromadb

        client = chromadb.PersistentClient(path=str(path), settings=chroma._settings())
        names = [c if isinstance(c, str) else c.name for c in client.list_collections()]
        count = client.get_collection(name).count() if name in names else 0
        return {**report, "reachable": True, "count": count}
    except Exception as exc:
        return {**report, "reachable": False, "error": str(exc).splitlines()[0]}


def doctor_report(settings: Settings) -> dict:
    """What `kb doctor` prints: {"records": {...}, "vectors": {...}, "ok": bool, "problems": [...], "notes": [...]}."""
    from kb.embed import embedder_name

    records = _records_postgres(settings) if settings.database_url else _records_sqlite(settings)
    model = records.get("embed_model") or embedder_name(settings.embed_model)
    if settings.database_url and not settings.chroma_url:
        vectors = {"backend": "chromadb-server", "location": None, "reachable": False,
                   "error": "KB_DATABASE_URL needs KB_CHROMA_URL"}
    else:
        vectors = _vectors(settings, model, records.get("library"))
    problems = [f"{side} unreachable: {part['error']}" for side, part in (("records", records), ("vectors", vectors))
                if not part["reachable"]]
    if records["reachable"] and vectors["reachable"]:
        if records.get("schema_version") is not None and records["schema_version"] > records["schema_known"]:
            problems.append(f"schema {records['schema_version']} is newer than this kb's {records['schema_known']}")
        if not records["passages"] == records["keyword_rows"] == vectors["count"]:
            problems.append(f"counts differ: {records['passages']} passages, {records['keyword_rows']} keyword rows, "
                            f"{vectors['count']} vectors")
        if records.get("journal"):
            problems.append(f"{records['journal']} journal entries open (an ingestion in progress, or one "
                            "that died: the next write recovers it)")
    notes = []
    if records.get("untagged"):
        notes.append(f"{records['untagged']} passages stored without their part-of-speech tags: answers tag them "
                     "as they go (slower, not wrong); `kb doctor --repair` stores them")
    if records.get("unembedded_sentences"):
        notes.append(f"{records['unembedded_sentences']} sentences stored before kb embedded them: answers weigh "
                     "sentences without their meaning until `kb doctor --repair` embeds them")
    return {"records": records, "vectors": vectors, "ok": not problems, "problems": problems, "notes": notes}


def incomplete_articles(store) -> list[str]:
    """The ids of articles that are not wholly there: fewer or more passages than the article says, or
    passages without their keyword row or vector. Unlike `doctor_report` it opens the store (a Store),
    and reads every passage id: a check after a run (bench/load.py, the tests), not a quick look."""
    from collections import defaultdict

    owned: dict[str, list[str]] = defaultdict(list)
    for passage in store.passages():
        owned[passage.article_id].append(passage.id)
    ids = [pid for pids in owned.values() for pid in pids]
    keyword = set(store.keyword.tokens(ids)) if ids else set()
    vectors = store.vectors_index.ids()
    return [a.id for a in store.articles()
            if not (len(owned.get(a.id, [])) == a.passage_count > 0
                    and all(pid in keyword and pid in vectors for pid in owned[a.id]))]
