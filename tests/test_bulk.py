"""Bulk ingestion: batches, statuses in input order, resume after SIGKILL without re-embedding,
the command line's summary. Real USE embedder (the fast one), real chromadb and SQLite."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from kb.config import Settings
from kb.text import passage_sentences
from tests.conftest import ROOT

TOPICS = ["美联储", "比特币", "国债收益率", "通胀", "非农就业", "黄金", "原油", "人民币", "日元", "欧元"]


def article_text(i: int) -> str:
    """A small article, different for every i; every third one is long enough for two passages."""
    topic = TOPICS[i % len(TOPICS)]
    sentences = [f"第{i}号观察讨论{topic}的走势。", f"分析师预计{topic}在{2020 + i % 7}年第{i % 4 + 1}季度变化{i * 3 + 7}个基点。",
                 f"编号{i}的报告认为市场低估了{topic}的波动。"]
    if i % 3 == 0:
        sentences += [f"第{i}号观察的附录列出了{topic}过去{k}个月的{i + k}项数据，并与去年同期比较。" for k in range(1, 9)]
    return f"{topic}观察第{i}号\n\n" + "".join(sentences) + "\n"


def make_folder(folder: Path, count: int, *, bad_after: int, duplicate_of: int | None = None,
                replace_after: int | None = None) -> None:
    """`count` articles NN.txt, a binary NNz.txt after `bad_after`, optionally a copy of one article
    (NNy.txt) and two versions of one page (NNw.md then NNx.md, same URL, other text)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (folder / f"{i:02d}.txt").write_text(article_text(i), encoding="utf-8")
    (folder / f"{bad_after:02d}z.txt").write_bytes(bytes(range(256)) * 32)
    if duplicate_of is not None:
        (folder / f"{duplicate_of:02d}y.txt").write_text(article_text(duplicate_of).replace("\n", "\r\n"),
                                                        encoding="utf-8")
    if replace_after is not None:
        for name, version in (("w", "第一版"), ("x", "第二版")):
            (folder / f"{replace_after:02d}{name}.md").write_text(
                f"---\ntitle: 会议纪要\nurl: https://example.com/minutes\n---\n\n"
                f"会议纪要{version}记录了委员们对利率路径的讨论。{version}的措辞与另一版不同。\n", encoding="utf-8")


def split_embedded(texts: list[str]) -> tuple[list[str], list[str]]:
    """The passages' texts (title, newline, text) and the sentences' (one line each) among embedded texts."""
    return [t for t in texts if "\n" in t], [t for t in texts if "\n" not in t]


class CountingEmbedder:
    """The real embedder, recording every passage text it is asked to embed."""

    def __init__(self, embedder) -> None:
        self._embedder = embedder
        self.name, self.dim = embedder.name, embedder.dim
        self.calls: list[list[str]] = []

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return self._embedder.embed_passages(texts)

    def embed_query(self, text: str) -> np.ndarray:
        return self._embedder.embed_query(text)

    @property
    def embedded(self) -> list[str]:
        return [t for call in self.calls for t in call]


@pytest.fixture(scope="module")
def use_embedder():
    from kb.embed import load_embedder

    return load_embedder("use")


def open_kb(home: Path, embedder):
    from kb.knowledge import KnowledgeBase

    return KnowledgeBase(Settings(home=home, embed_model="use"), embedder=CountingEmbedder(embedder))


def assert_consistent(kb) -> int:
    """Per article: passage_count == passages == keyword rows == vectors; no vector without a passage."""
    db = sqlite3.connect(kb.settings.home / "kb.sqlite3")
    try:
        fts = dict(db.execute("SELECT article_id, COUNT(*) FROM passage_fts GROUP BY article_id").fetchall())
        journal = db.execute("SELECT COUNT(*) FROM journal").fetchone()[0]
    finally:
        db.close()
    total = 0
    for article in kb.articles():
        ids = [p.id for p in kb.passages(article.id)]
        assert article.passage_count == len(ids) == fts.get(article.id) == len(kb.store.vectors(ids)) > 0
        total += len(ids)
    assert sum(fts.values()) == total == kb.store.count()[1] == kb.store.vector_count()
    assert journal == 0
    return total


def test_folder_ingests_in_batches_with_statuses_in_order(tmp_path, use_embedder):
    folder = tmp_path / "articles"
    make_folder(folder, 30, bad_after=12, duplicate_of=5, replace_after=20)
    kb = open_kb(tmp_path / "kb", use_embedder)
    targets = kb.targets([folder])
    seen: list[tuple[int, int]] = []
    results = list(kb.ingest([folder], batch_size=10, progress=lambda done, total, r: seen.append((done, total))))

    assert [r.origin for r in results] == targets and len(targets) == 34
    assert seen == [(i + 1, 34) for i in range(34)]
    status = {Path(r.origin).name: r for r in results}
    assert status["12z.txt"].status == "rejected" and "binary" in status["12z.txt"].reason
    assert status["05y.txt"].status == "unchanged" and status["05y.txt"].article_id == status["05.txt"].article_id
    # the second version of a page replaces the first, both inside one batch
    assert (status["20w.md"].status, status["20x.md"].status) == ("added", "replaced")
    assert kb.article(status["20w.md"].article_id) is None and kb.article(status["20x.md"].article_id)
    others = [r.status for name, r in status.items() if name not in ("12z.txt", "05y.txt", "20x.md")]
    assert others == ["added"] * 31
    # one embedder call per batch (34 inputs in batches of 10), each passage and each sentence embedded once
    assert len(kb.embedder.calls) == 4
    passages, sentences = split_embedded(kb.embedder.embedded)
    assert len(passages) == sum(r.passages for r in results if r.status in ("added", "replaced"))
    assert len(sentences) == len(set(sentences)) and set(sentences) >= set(passage_sentences(
        p.text for p in kb.passages()))
    assert assert_consistent(kb) == sum(a.passage_count for a in kb.articles())
    assert len(kb.articles()) == 31
    assert all(r.seconds > 0 for r in results)

    hits = kb.search("第17号观察讨论", k=3, mode="keyword")
    assert hits and hits[0].article.id == status["17.txt"].article_id
    found = kb.store.articles_by_id([status["17.txt"].article_id, "no-such-id", status["17.txt"].article_id])
    assert list(found) == [status["17.txt"].article_id] and "第17号" in found[status["17.txt"].article_id].body

    # everything again: unchanged, nothing embedded; the two versions of the page take turns again
    # (as one at a time would), their vectors from the cache
    calls = len(kb.embedder.calls)
    again = {Path(r.origin).name: r.status for r in kb.ingest([folder], batch_size=10)}
    assert again == {name: {"12z.txt": "rejected", "20w.md": "replaced", "20x.md": "replaced"}.get(name, "unchanged")
                     for name in status}
    assert len(kb.embedder.calls) == calls
    assert_consistent(kb)


CHILD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    sys.path.insert(0, {root!r})
    from kb.config import Settings
    from kb.embed import load_embedder
    from kb.knowledge import KnowledgeBase

    home, folder, marks = sys.argv[1:4]
    from chromadb.api.models.Collection import Collection

    real_upsert = Collection.upsert

    def upsert(self, *args, **kwargs):
        # The real upsert; then note the batch and wait, so that the parent's SIGKILL lands between
        # the vectors and the SQLite commit of that batch.
        real_upsert(self, *args, **kwargs)
        with open(marks, "a") as out:
            out.write("upsert\\n")
        time.sleep(0.5)

    Collection.upsert = upsert
    kb = KnowledgeBase(Settings(home=Path(home), embed_model="use"), embedder=load_embedder("use"))
    for result in kb.ingest([folder], batch_size=8):
        pass
""")


def test_killed_bulk_ingestion_resumes_without_re_embedding(tmp_path, use_embedder):
    folder = tmp_path / "articles"
    make_folder(folder, 30, bad_after=20)
    home, marks = tmp_path / "kb", tmp_path / "marks.txt"
    script = tmp_path / "child.py"
    script.write_text(CHILD.format(root=str(ROOT)), encoding="utf-8")
    process = subprocess.Popen([sys.executable, str(script), str(home), str(folder), str(marks)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and process.poll() is None:
        if marks.exists() and len(marks.read_text().splitlines()) >= 2:
            break
        time.sleep(0.05)
    assert process.poll() is None, process.stderr.read().decode()
    # batch 1 is committed; batch 2's vectors are in chromadb but its transaction has not run
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    db = sqlite3.connect(home / "kb.sqlite3")
    try:
        assert db.execute("SELECT COUNT(*) FROM journal").fetchone()[0] == 1
        assert db.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 8
        cached_before = db.execute("SELECT COUNT(*) FROM embed_cache").fetchone()[0]
    finally:
        db.close()

    kb = open_kb(home, use_embedder)  # opening deletes batch 2's stray vectors
    finished = {a.id for a in kb.articles()}
    assert len(finished) == 8
    assert assert_consistent(kb) == kb.store.count()[1]

    results = list(kb.ingest([folder], batch_size=8))
    names = [Path(r.origin).name for r in results]
    assert [r.status for r in results[:8]] == ["unchanged"] * 8
    assert {r.article_id for r in results[:8]} == finished
    assert [r.status for r in results[8:]] == ["rejected" if n == "20z.txt" else "added" for n in names[8:]]
    # nothing of batch 1 (stored) nor of batch 2 (its vectors were cached before the kill) is embedded again
    resumed = {t for call in kb.embedder.calls for t in call}
    first_two = {f"{a.title}\n{p.text}" for r in results[:16] if r.article_id
                 for a in [kb.article(r.article_id)] for p in kb.passages(r.article_id)}
    first_sentences = set(passage_sentences(p.text for r in results[:16] if r.article_id
                                            for p in kb.passages(r.article_id)))
    assert cached_before == len(first_two | first_sentences) and not resumed & (first_two | first_sentences)
    assert len(split_embedded(kb.embedder.embedded)[0]) == sum(r.passages for r in results[16:])
    assert assert_consistent(kb) == sum(r.passages for r in results)


def test_cli_bulk_summary_and_json(tmp_path):
    folder = tmp_path / "articles"
    make_folder(folder, 6, bad_after=2)
    env = {**os.environ, "KB_HOME": str(tmp_path / "kb"), "KB_EMBED_MODEL": "use"}
    run = lambda *args: subprocess.run([sys.executable, "-m", "kb", "ingest", str(folder), *args],  # noqa: E731
                                       capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    first = run("--batch-size", "4")
    assert first.returncode == 1, first.stderr
    summary = first.stdout.splitlines()[-3:]
    assert "7 inputs" in summary[0] and "added 6, unchanged 0, replaced 0, rejected 1" in summary[0]
    assert summary[1] == "not ingested (1):" and "02z.txt: " in summary[2] and "binary" in summary[2]
    again = run("--json")
    records = [json.loads(line) for line in again.stdout.splitlines()]
    assert [r["status"] for r in records] == ["unchanged"] * 3 + ["rejected"] + ["unchanged"] * 3
    assert "added 0, unchanged 6, replaced 0, rejected 1" in again.stderr
