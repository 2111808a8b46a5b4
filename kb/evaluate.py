"""Retrieval and answer metrics on question sets with known answers (used by `kb eval` and bench/)."""
from __future__ import annotations

import json
import os
import re
import time
from collections import Counter
from pathlib import Path

from tqdm import tqdm

from kb.records import Document
from kb.text import convert

_SPACE = re.compile(r"\s+")


def load_questions(path: str | Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def normalise(text: str) -> str:
    """Both sides of an answer match: Simplified, width-folded, no white space."""
    return _SPACE.sub("", convert.to_simplified(convert.fold_width(text), "t2s"))


def contains_answer(text: str, answers: list[str]) -> bool:
    target = normalise(text)
    return any(normalise(a) and normalise(a) in target for a in answers)


def drcd_path() -> Path:
    """The full DRCD dev file: KB_DRCD, else ../shared/eval/drcd/DRCD_dev.json beside the checkout."""
    found = Path(os.environ.get("KB_DRCD") or Path(__file__).resolve().parents[2] / "shared" / "eval" / "drcd" / "DRCD_dev.json")
    if not found.is_file():
        raise SystemExit(f"DRCD dev not found at {found}: set KB_DRCD to the DRCD_dev.json file "
                         "(the tests use the slice in tests/data/ instead)")
    return found


def load_squad(path: str | Path, limit: int | None = None, source: str = "DRCD") -> tuple[list[Document], list[dict]]:
    """A SQuAD-format file (DRCD, CMRC 2018): one Document per paragraph and its questions
    ({"question", "answers", "gold": paragraph id}), the first `limit` paragraphs only if given."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
    docs, questions = [], []
    for article in data:
        for paragraph in article["paragraphs"]:
            if limit and len(docs) >= limit:
                return docs, questions
            docs.append(Document(title=article["title"], body=paragraph["context"], source=source,
                                 url=f"https://{source.lower()}.local/{paragraph['id']}", origin=paragraph["id"]))
            for qa in paragraph["qas"]:
                if not qa["question"].strip():
                    continue  # CMRC 2018's trial split has two empty questions: nothing to ask
                questions.append({"question": qa["question"], "answers": [a["text"] for a in qa["answers"]],
                                  "gold": paragraph["id"]})
    return docs, questions


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def answer_measures(answer, item: dict) -> dict:
    """How one composed answer fares against a question's gold answers:
    hit (the answer text holds a gold answer; with "all", every one), at1 (the short answer, or else the
    first quoted sentence, holds one), and the short answer's exact match and F1 (character level)."""
    golds = item.get("answers") or []
    if item.get("all"):
        hit = all(contains_answer(answer.text, [g]) for g in golds)
    else:
        hit = contains_answer(answer.text, golds)
    first = answer.short or (answer.citations[0].sentence if answer.citations else "")
    measures = {"hit": (not answer.abstained) and hit,
                "at1": (not answer.abstained) and contains_answer(first, golds), "short": answer.short}
    if answer.short:
        short = normalise(answer.short)
        measures["em"] = any(short == normalise(g) for g in golds)
        measures["f1"] = max((_f1(short, normalise(g)) for g in golds), default=0.0)
    return measures


def _f1(predicted: str, gold: str) -> float:
    common = sum((Counter(predicted) & Counter(gold)).values())
    if not common:
        return 0.0
    precision, recall = common / len(predicted), common / len(gold)
    return 2 * precision * recall / (precision + recall)


def evaluate(kb, questions: list[dict], *, k: int = 10, mode: str = "hybrid", answers: bool = True,
             progress: bool = False) -> dict:
    """Retrieval (Recall@1/5/10, MRR@10 over the answerable questions) and answer measures over `questions`
    ({"question", "answers", optional "answerable": false for questions the store cannot answer, "all"})."""
    ranks: list[int | None] = []
    latencies: list[float] = []
    missed: list[str] = []
    rows: list[dict] = []
    for item in tqdm(questions, disable=not progress, unit="q"):
        answerable = item.get("answerable", True) and bool(item.get("answers"))
        started = time.perf_counter()
        question = kb.read(item["question"])
        hits = kb.search(question, k=max(k, 10), mode=mode)
        latencies.append((time.perf_counter() - started) * 1000)
        if answerable and item.get("type") != "article_fact":  # an article fact is in no passage
            rank = next((i + 1 for i, h in enumerate(hits[:k]) if contains_answer(h.passage.text, item["answers"])), None)
            ranks.append(rank)
            if rank is None:
                missed.append(item["question"])
        if answers:
            result = kb.compose(question, hits[:5], script="hans", use_llm=False)
            rows.append({"answerable": answerable, "abstained": result.abstained, "kind": question.kind,
                         **answer_measures(result, item)})
    report = {"questions": len(questions), **retrieval_measures(ranks),
              "latency_p50_ms": round(percentile(latencies, 0.5), 1),
              "latency_p95_ms": round(percentile(latencies, 0.95), 1)}
    if answers:
        report.update(summarise_answers(rows))
    report["missed"] = missed
    return report


def retrieval_measures(ranks: list[int | None]) -> dict:
    n = max(len(ranks), 1)

    def recall(at: int) -> float:
        return round(sum(1 for r in ranks if r is not None and r <= at) / n, 4)

    return {"recall@1": recall(1), "recall@5": recall(5), "recall@10": recall(10),
            "mrr@10": round(sum(1 / r for r in ranks if r is not None and r <= 10) / n, 4)}


def summarise_answers(rows: list[dict]) -> dict:
    """answer_hit, answer@1 and the false-abstention share over the answerable questions; the share of
    unanswerable ones abstained; short answers: the share that get one, their exact match and F1."""
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    shorts = [r for r in answerable if r["short"]]
    share = lambda part, whole: round(len(part) / len(whole), 4) if whole else None  # noqa: E731
    return {
        "answer_hit": share([r for r in answerable if r["hit"]], answerable),
        "answer@1": share([r for r in answerable if r["at1"]], answerable),
        "abstained": share([r for r in answerable if r["abstained"]], answerable),
        "unanswerable": len(unanswerable),
        "unanswerable_abstained": share([r for r in unanswerable if r["abstained"]], unanswerable),
        "short_share": share(shorts, answerable),
        "short_em": round(sum(r["em"] for r in shorts) / len(shorts), 4) if shorts else None,
        "short_f1": round(sum(r["f1"] for r in shorts) / len(shorts), 4) if shorts else None,
        "by_kind": {kind: share([r for r in answerable if r["kind"] == kind and r["hit"]],
                                [r for r in answerable if r["kind"] == kind])
                    for kind in sorted({r["kind"] for r in answerable})},
    }
