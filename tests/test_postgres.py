"""kb with its records in a real PostgreSQL (initdb in a temporary folder, on a free port) and its
vectors on a real `chroma run`: the store's behaviour, the same answers as SQLite, two machines at
once, a killed ingestion, a database that goes away."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Iterator

import pytest

from kb.config import Settings
from kb.store.repair import embed_sentences, tag_passages
from tests import test_store as store_tests
from tests.conftest import DRCD_SLICE, ROOT, SEED
from tests.servers import ChromaServer, PostgresCluster, free_port, postgres_bin
from tests.test_server import chroma_server  # noqa: F401  (a fixture)
from tests.test_store import _write_drcd_articles, run_cli


PG_BIN = postgres_bin()
pytestmark = pytest.mark.skipif(PG_BIN is None, reason="the PostgreSQL server binaries (initdb, pg_ctl) are not "
                                                       "installed: apt-get install postgresql")
Cluster = PostgresCluster


@pytest.fixture(scope="session")
def postgres() -> Iterator[Cluster]:
    cluster = Cluster()
    try:
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture
def database(postgres) -> str:
    return postgres.new_database()


@pytest.fixture
def pg_kb(tmp_path, database, chroma_server):
    from kb.knowledge import KnowledgeBase

    kb = KnowledgeBase(Settings(home=tmp_path / "kb", database_url=database, chroma_url=chroma_server))
    yield kb
    kb.store.close()


def pg_counts(url: str) -> tuple[int, int, int]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return tuple(conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                     for t in ("articles", "passages", "passage_keywords"))


def assert_complete(kb) -> int:
    """Every article whole: its passages, keyword rows and vectors; returns the passages."""
    from kb.store.doctor import incomplete_articles

    assert incomplete_articles(kb.store) == []
    total = kb.store.count()[1]
    assert total == kb.store.keyword.count() == kb.store.vector_count()
    return total


# -- the store's behaviour on PostgreSQL (the same tests as tests/test_store.py) ---------------------

def test_pg_same_article_twice_adds_nothing(pg_kb):
    store_tests.test_same_article_twice_adds_nothing(pg_kb)
    assert pg_kb.store.records.__class__.__name__ == "PostgresRecords"


def test_pg_replace_by_url_and_remove(pg_kb):
    store_tests.test_changed_version_of_same_url_replaces_and_remove_clears_everything(pg_kb)
    assert pg_counts(pg_kb.settings.database_url) == (0, 0, 0)
    assert postings(pg_kb.settings.database_url) == 0


def postings(url: str) -> int:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute("SELECT COUNT(*) FROM keyword_postings").fetchone()[0]


def test_schema_1_store_gets_its_postings(tmp_path, database, chroma_server):
    """A database written before the postings (schema 1) is brought to the current schema when opened,
    its postings filled from the stored terms: the same candidates as before, and the same answers."""
    import psycopg

    from kb.knowledge import KnowledgeBase
    from kb.store.postgres import SCHEMA_VERSION

    settings = Settings(home=tmp_path / "kb", database_url=database, chroma_url=chroma_server)
    kb = KnowledgeBase(settings)
    [result] = list(kb.ingest([SEED]))
    tokens = kb.read("美联储什么时候停止缩表?").expanded
    before = kb.store.keyword_candidates(tokens, 20)
    answered = kb.ask("美联储什么时候停止缩表?", use_llm=False).text
    assert embed_sentences(kb.store, lambda: kb.embedder) == 0  # ingestion embedded every sentence
    kb.store.close()
    with psycopg.connect(database, autocommit=True) as conn:
        # as before kb embedded sentences: the embedding cache holds the passages' vectors only
        sentences = conn.execute("DELETE FROM embed_cache WHERE text_hash NOT IN (SELECT vector_key FROM passages)"
                                 ).rowcount
        conn.execute("DROP TABLE keyword_postings")
        conn.execute("ALTER TABLE passages DROP COLUMN tags")
        conn.execute("UPDATE kb_schema SET version = 1")
    from kb.store.doctor import doctor_report

    assert doctor_report(settings)["records"]["untagged"] == result.passages  # no column yet: none tagged
    assert doctor_report(settings)["records"]["unembedded_sentences"] == sentences
    kb = KnowledgeBase(settings, embedder=kb.embedder)
    assert postings(database) > result.passages
    assert kb.store.keyword_candidates(tokens, 20) == before and len(before) > 3
    assert not any(p.tags for p in kb.passages())  # schema 3 adds the column; answering tags these live
    unrepaired = kb.ask("美联储什么时候停止缩表?", use_llm=False)  # weighing sentences without their cosines
    assert not unrepaired.abstained and "2025年12月1日" in unrepaired.text
    assert doctor_report(settings)["notes"] and doctor_report(settings)["records"]["untagged"] == result.passages
    assert tag_passages(kb.store) == result.passages  # what `kb doctor --repair` does
    assert all(p.tags for p in kb.passages()) and tag_passages(kb.store) == 0
    assert sentences > result.passages and embed_sentences(kb.store, lambda: kb.embedder) == sentences  # and this
    assert embed_sentences(kb.store, lambda: kb.embedder) == 0
    assert doctor_report(settings)["records"]["untagged"] == 0 and not doctor_report(settings)["notes"]
    assert kb.ask("美联储什么时候停止缩表?", use_llm=False).text == answered  # as ingested
    with psycopg.connect(database, autocommit=True) as conn:
        assert conn.execute("SELECT version FROM kb_schema").fetchone()[0] == SCHEMA_VERSION
    kb.store.close()


def test_pg_vectors_are_cached(pg_kb):
    store_tests.test_vectors_are_cached_and_not_recomputed(pg_kb)


def test_pg_search_and_ask(pg_kb):
    from tests.test_server import QUESTION

    [result] = list(pg_kb.ingest([SEED]))
    assert result.status == "added"
    assert assert_complete(pg_kb) == result.passages
    hits = pg_kb.search(QUESTION, k=3)
    assert hits and hits[0].article.id == result.article_id
    answer = pg_kb.ask(QUESTION, use_llm=False)
    assert not answer.abstained and answer.citations
    assert "12月1日" in answer.text
    assert pg_kb.store.exact.usable()  # dense search exact from the cache in PostgreSQL


def test_pg_command_line(tmp_path, database, chroma_server):
    from kb.store.postgres import SCHEMA_VERSION

    env = {"KB_DATABASE_URL": database, "KB_CHROMA_URL": chroma_server}
    home = tmp_path / "kb"
    added = run_cli(home, "ingest", str(SEED), "--json", env=env)
    assert added.returncode == 0, added.stderr
    record = json.loads(added.stdout.splitlines()[0])
    listed = json.loads(run_cli(home, "list", "--json", env=env).stdout)
    assert [a["id"] for a in listed] == [record["id"]]
    asked = json.loads(run_cli(home, "ask", "RMP是什么?", "--no-llm", "--json", env=env).stdout)
    assert not asked["abstained"] and asked["citations"]
    doctor = run_cli(home, "doctor", "--json", env=env)
    report = json.loads(doctor.stdout)
    assert doctor.returncode == 0 and report["ok"], report
    assert report["records"]["backend"] == "postgresql" and report["records"]["schema_version"] == SCHEMA_VERSION
    assert report["records"]["passages"] == report["records"]["keyword_rows"] == report["vectors"]["count"] \
        == record["passages"]
    assert not (home / "kb.sqlite3").exists() and not (home / "chroma").exists()  # nothing on this machine


def test_keyword_index_counts_and_matches_as_fts5(tmp_path, database, chroma_server):
    """Tokens with '.', '%', quotes, backslashes: the same document frequencies and candidates as FTS5."""
    from kb.knowledge import KnowledgeBase

    texts = ["利率下调了2.5%，市场预期O'Neil会在C++大会上讲话。", "通胀率为2.5，失业率为5%。路径是C:\\data。",
             "2 5 这两个数字，25%的人不同意。增长1.25%。", "没有数字的一段话，讲美联储和国库券。"]
    lite = KnowledgeBase(Settings(home=tmp_path / "lite"))
    pg = KnowledgeBase(Settings(home=tmp_path / "pg", database_url=database, chroma_url=chroma_server),
                       embedder=lite.embedder)
    for index, text in enumerate(texts):
        for kb in (lite, pg):
            kb.add_text(text * 3, title=f"第{index}篇", url=f"https://example.com/{index}")
    from kb.text.tokens import tokenize

    tokens = sorted({t for text in texts for t in tokenize(text)} | {"2.5%", "o'neil", "c++", "c:\\data", "_", "5%"})
    assert lite.store.document_frequencies(tokens) == pg.store.document_frequencies(tokens)
    for token in tokens:
        assert [p for p, _ in lite.store.keyword_candidates([token], 10)] == \
            [p for p, _ in pg.store.keyword_candidates([token], 10)], token
    assert lite.store.keyword_candidates(tokens, 10) == pg.store.keyword_candidates(tokens, 10)


def test_drcd_same_top10_on_both_backends(tmp_path, database, chroma_server):
    """Every DRCD-slice question: the same 50 keyword candidates, document frequencies, and hybrid and
    keyword top 10 on SQLite and on PostgreSQL. Also measured: what ts_rank would change."""
    from kb.evaluate import load_squad
    from kb.knowledge import KnowledgeBase

    docs, questions = load_squad(DRCD_SLICE)
    lite = KnowledgeBase(Settings(home=tmp_path / "lite"))
    for doc in docs:
        lite.add_document(doc)
    pg = KnowledgeBase(Settings(home=tmp_path / "pg", database_url=database, chroma_url=chroma_server),
                       embedder=lite.embedder)
    from kb.embed.cache import text_hash
    from kb.text import passage_sentences

    # every passage's vector and every sentence's
    keys = {p.vector_key for p in lite.passages()} | {text_hash(s) for s in passage_sentences(
        p.text for p in lite.passages())}
    assert pg.store.import_embedding_cache(tmp_path / "lite" / "kb.sqlite3") == len(keys) > lite.store.count()[1]
    for doc in docs:
        pg.add_document(doc)
    assert pg.store.count() == lite.store.count()
    differ = {"frequencies": 0, "candidates": 0, "hybrid": 0, "keyword": 0}
    ts_rank_same, ts_rank_overlap = 0, 0.0
    for item in questions:
        ql, qp = lite.read(item["question"]), pg.read(item["question"])
        differ["frequencies"] += ql.frequencies != qp.frequencies
        a = lite.store.keyword_candidates(ql.expanded, 50)
        b = pg.store.keyword_candidates(qp.expanded, 50)
        differ["candidates"] += a != b
        pg.store.keyword.ranking = "ts_rank"
        try:
            c = pg.store.keyword_candidates(qp.expanded, 50)
        finally:
            pg.store.keyword.ranking = "bm25"
        ts_rank_same += {p for p, _ in a} == {p for p, _ in c}
        ts_rank_overlap += len({p for p, _ in a} & {p for p, _ in c}) / max(len(a), 1)
        for mode in ("hybrid", "keyword"):
            differ[mode] += [h.passage.id for h in lite.search(ql, k=10, mode=mode)] != \
                [h.passage.id for h in pg.search(qp, k=10, mode=mode)]
    print(f"\nDRCD slice, {len(questions)} questions, {lite.store.count()[1]} passages: differing {differ}; "
          f"ts_rank candidates: same set {ts_rank_same}/{len(questions)}, "
          f"mean overlap {ts_rank_overlap / len(questions):.4f}")
    assert len(questions) >= 150
    assert differ == {"frequencies": 0, "candidates": 0, "hybrid": 0, "keyword": 0}


# -- errors -----------------------------------------------------------------------------------------

def test_unreachable_database_is_one_line_and_exit_2(tmp_path, chroma_server):
    url = f"postgresql://kb:secret@127.0.0.1:{free_port()}/kb"
    for command in (["list"], ["ask", "RMP是什么?", "--no-llm"], ["ingest", str(SEED)]):
        result = run_cli(tmp_path / "kb", *command, env={"KB_DATABASE_URL": url, "KB_CHROMA_URL": chroma_server})
        assert result.returncode == 2, result.stderr
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("kb: cannot reach the PostgreSQL database")
        assert "secret" not in result.stderr
    doctor = run_cli(tmp_path / "kb", "doctor", env={"KB_DATABASE_URL": url, "KB_CHROMA_URL": chroma_server})
    assert doctor.returncode == 2 and "UNREACHABLE" in doctor.stdout


def test_postgres_needs_a_chromadb_server(tmp_path, database):
    result = run_cli(tmp_path / "kb", "list", env={"KB_DATABASE_URL": database, "KB_CHROMA_URL": ""})
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "KB_DATABASE_URL needs KB_CHROMA_URL" in result.stderr


# -- several machines -------------------------------------------------------------------------------

MACHINE = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from kb.knowledge import KnowledgeBase

    kb = KnowledgeBase()
    report = {"added": [], "incomplete": [], "seen": 0}
    for path in sorted(Path(sys.argv[1]).iterdir()):
        [result] = list(kb.ingest([str(path)]))
        assert result.status == "added", (result.status, result.reason)
        report["added"].append(result.article_id)
        # a committed article is found at once, and every article this machine sees is whole
        hits = kb.search(result.title, k=1, article_id=result.article_id)
        assert hits and hits[0].article.id == result.article_id
        assert kb.ask(result.title, use_llm=False).citations
        articles = kb.articles()
        report["seen"] = max(report["seen"], len(articles))
        for article in articles:
            ids = [p.id for p in kb.passages(article.id)]
            if not (len(ids) == article.passage_count == len(kb.store.keyword.tokens(ids))
                    == len(kb.store.vectors(ids))):
                report["incomplete"].append(article.id)
    print(json.dumps(report))
""")


@pytest.mark.slow
def test_two_machines_ingest_and_ask_at_once(tmp_path, database, chroma_server):
    from kb.knowledge import KnowledgeBase

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _write_drcd_articles(corpus, 10)
    folders = [tmp_path / "a", tmp_path / "b"]
    files = sorted(corpus.iterdir())
    for index, folder in enumerate(folders):
        folder.mkdir()
        for path in files[index::2]:
            path.rename(folder / path.name)
    script = tmp_path / "machine.py"
    script.write_text(MACHINE, encoding="utf-8")
    processes = []
    for index, folder in enumerate(folders):
        env = {**os.environ, "KB_HOME": str(tmp_path / f"home-{index}"), "KB_DATABASE_URL": database,
               "KB_CHROMA_URL": chroma_server, "PYTHONPATH": str(ROOT)}
        processes.append(subprocess.Popen([sys.executable, str(script), str(folder)], cwd=ROOT, env=env,
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    reports = []
    for process in processes:
        out, err = process.communicate(timeout=600)
        assert process.returncode == 0, err
        reports.append(json.loads(out.strip().splitlines()[-1]))
    assert all(not r["incomplete"] for r in reports), reports
    assert sum(len(r["added"]) for r in reports) == 10
    for index in range(2):
        home = tmp_path / f"home-{index}"
        assert not (home / "kb.sqlite3").exists() and not (home / "chroma").exists() and \
            not (home / ".write.lock").exists()
        kb = KnowledgeBase(Settings(home=home, database_url=database, chroma_url=chroma_server))
        assert len(kb.articles()) == 10
        assert_complete(kb)
        for article in kb.articles():  # each machine finds every article, its own and the other's
            hits = kb.search(article.title, k=1, article_id=article.id)
            assert hits and hits[0].article.id == article.id
        kb.store.close()


def _ingest_process(home: Path, folder: Path, env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "kb", "ingest", str(folder), "--batch-size", "1", "--json"],
                            cwd=ROOT, env={**os.environ, "KB_HOME": str(home), **env}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def _wait_for_articles(process: subprocess.Popen, url: str, count: int) -> None:
    import psycopg

    deadline = time.time() + 240
    while time.time() < deadline and process.poll() is None:
        time.sleep(0.2)
        try:
            if pg_counts(url)[0] >= count:
                return
        except psycopg.Error:  # the schema may not be there yet
            continue
    assert process.poll() is None, "ingestion finished before it could be interrupted"
    pytest.fail("the ingestion committed nothing within 240 s")


@pytest.mark.slow
def test_killed_ingestion_on_postgres_leaves_store_consistent(tmp_path, database, chroma_server):
    from kb.knowledge import KnowledgeBase

    folder = tmp_path / "articles"
    folder.mkdir()
    _write_drcd_articles(folder, 12)
    env = {"KB_DATABASE_URL": database, "KB_CHROMA_URL": chroma_server}
    process = _ingest_process(tmp_path / "kb", folder, env)
    _wait_for_articles(process, database, 2)
    time.sleep(0.7)  # somewhere inside the next article's embedding or write
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()

    # Another machine opens the library: the killed writer's lock went with its connection, its
    # stray vectors go with the journal.
    kb = KnowledgeBase(Settings(home=tmp_path / "other", database_url=database, chroma_url=chroma_server))
    articles = kb.articles()
    assert 2 <= len(articles) < 12
    assert assert_complete(kb) == pg_counts(database)[1] == pg_counts(database)[2]
    statuses = [r.status for r in kb.ingest([folder])]
    assert statuses.count("unchanged") == len(articles) and statuses.count("added") == 12 - len(articles)
    assert_complete(kb)
    kb.store.close()


@pytest.mark.slow
def test_database_lost_mid_ingestion(tmp_path, chroma_server):
    from kb.knowledge import KnowledgeBase

    cluster = Cluster()  # its own server, to stop
    try:
        database = cluster.new_database()
        folder = tmp_path / "articles"
        folder.mkdir()
        _write_drcd_articles(folder, 12)
        process = _ingest_process(tmp_path / "kb", folder, {"KB_DATABASE_URL": database, "KB_CHROMA_URL": chroma_server})
        _wait_for_articles(process, database, 2)
        cluster.stop()
        _, err = process.communicate(timeout=120)
        assert process.returncode == 2, err
        assert err.count("\n") == 1 and err.startswith("kb: lost the PostgreSQL database"), err
        cluster.start()
        kb = KnowledgeBase(Settings(home=tmp_path / "kb", database_url=database, chroma_url=chroma_server))
        articles = kb.articles()
        assert 2 <= len(articles) < 12
        assert assert_complete(kb) == pg_counts(database)[2]  # no half-written article, no stray vector
        assert not kb.store.records.has_journal()
        kb.store.close()
    finally:
        cluster.remove()


def test_chromadb_server_lost_mid_ingestion(tmp_path, database):
    """The other server going away: the ingestion stops with one line and exit code 2; once the
    server is back, every stored article is whole and no vector of an uncommitted one is left."""
    from kb.knowledge import KnowledgeBase

    folder = tmp_path / "articles"
    folder.mkdir()
    _write_drcd_articles(folder, 12)
    server = ChromaServer(tmp_path / "chroma")  # its own server, to stop
    try:
        process = _ingest_process(tmp_path / "kb", folder, {"KB_DATABASE_URL": database, "KB_CHROMA_URL": server.url})
        _wait_for_articles(process, database, 2)
        server.stop()
        _, err = process.communicate(timeout=120)
    finally:
        server.stop()
    assert process.returncode == 2, err
    assert err.count("\n") == 1 and err.startswith("kb: ") and "chromadb" in err, err
    server = ChromaServer(tmp_path / "chroma")  # the same data, on a new port
    try:
        kb = KnowledgeBase(Settings(home=tmp_path / "kb", database_url=database, chroma_url=server.url))
        assert 2 <= len(kb.articles()) < 12
        assert assert_complete(kb) == pg_counts(database)[2]  # no half-written article, no stray vector
        assert not kb.store.records.has_journal()
        kb.store.close()
    finally:
        server.stop()


def test_migrate_an_embedded_store(tmp_path, database, chroma_server):
    home = tmp_path / "kb"
    assert run_cli(home, "ingest", str(SEED)).returncode == 0
    before = json.loads(run_cli(home, "ask", "RMP是什么?", "--no-llm", "--json").stdout)
    migrated = run_cli(home, "migrate", "--to", database, "--chroma", chroma_server, "--json")
    assert migrated.returncode == 0, migrated.stderr
    totals = json.loads(migrated.stdout)
    assert totals["articles"] == 1 and totals["from_cache"] == totals["passages"] > 10
    again = json.loads(run_cli(home, "migrate", "--to", database, "--chroma", chroma_server, "--json").stdout)
    assert again["articles"] == 0 and again["skipped"] == 1
    env = {"KB_DATABASE_URL": database, "KB_CHROMA_URL": chroma_server}
    report = json.loads(run_cli(tmp_path / "elsewhere", "doctor", "--json", env=env).stdout)
    assert report["ok"] and report["vectors"]["count"] == totals["passages"]
    after = json.loads(run_cli(tmp_path / "elsewhere", "ask", "RMP是什么?", "--no-llm", "--json", env=env).stdout)
    assert after["answer"] == before["answer"]
    assert [c["passage"] for c in after["citations"]] == [c["passage"] for c in before["citations"]]
