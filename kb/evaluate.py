"""Retrieval and answer metrics on question sets with known answers (used by `kb eval` and bench/)."""
from __future__ import annotations

import json
import os
import re
import time
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
                questions.append({"question": qa["question"], "answers": [a["text"] for a in qa["answers"]],
                                  "gold": paragraph["id"]})
    return docs, questions


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def evaluate(kb, questions: list[dict], *, k: int = 10, mode: str = "hybrid", answers: bool = True,
             progress: bool = False) -> dict:
    """Recall@1/5/10, MRR@10 and answer_hit over `questions` ({"question", "answers"})."""
    ranks: list[int | None] = []
    answer_hits = abstained = 0
    latencies: list[float] = []
    missed: list[str] = []
    for item in tqdm(questions, disable=not progress, unit="q"):
        started = time.perf_counter()
        question = kb.read(item["question"])
        hits = kb.search(question, k=max(k, 10), mode=mode)
        latencies.append((time.perf_counter() - started) * 1000)
        rank = next((i + 1 for i, h in enumerate(hits[:k]) if contains_answer(h.passage.text, item["answers"])), None)
        ranks.append(rank)
        if rank is None:
            missed.append(item["question"])
        if answers:
            result = kb.compose(question, hits[:5], script="hans", use_llm=False)
            abstained += result.abstained
            answer_hits += (not result.abstained) and contains_answer(result.text, item["answers"])
    n = max(len(questions), 1)

    def recall(at: int) -> float:
        return round(sum(1 for r in ranks if r is not None and r <= at) / n, 4)

    return {
        "questions": len(questions),
        "recall@1": recall(1),
        "recall@5": recall(5),
        "recall@10": recall(10),
        "mrr@10": round(sum(1 / r for r in ranks if r is not None and r <= 10) / n, 4),
        "answer_hit": round(answer_hits / n, 4) if answers else None,
        "abstained": round(abstained / n, 4) if answers else None,
        "latency_p50_ms": round(percentile(latencies, 0.5), 1),
        "latency_p95_ms": round(percentile(latencies, 0.95), 1),
        "missed": missed,
    }
