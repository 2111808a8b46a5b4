"""Fit which chosen sentence leads the answer (kb/answer/leading.py) on DRCD dev.

Every question is asked as bench/drcd.py asks it (hybrid, top 5 passages) against a store of DRCD dev built by
`bench/drcd.py --home DIR`, and the sentences the extractive answer chooses are recorded in the order they were
scored. Where one of the others holds a gold answer and the first quoted sentence does not, the pair (first, other)
is a case for the other leading; where the first quoted sentence holds one and the other does not, a case against.
Questions given a short answer, abstained, or with a single chosen sentence are not fitted on.

A logistic model is fitted on the questions of the even-numbered articles and measured on those of the odd-numbered
ones; then the other way round. The model written is fitted on all of them. Its threshold is not tuned: it is 0.5, where the model finds the
other more likely than the first to be the one of the two that holds the answer.

With --typed, the seed article's typed question sets are fitted on beside DRCD dev (weighted; halved by file, a
file's questions ask about the same sentences in other words). Their store holds the seed article alone:
`KB_HOME=DIR kb add corpus/marsbit-2025-12-10-fed-qt-to-rmp.zh-Hant.txt`. The glob takes every set it matches: a
blind set it takes is no longer one nothing was fitted on.

    python bench/fit_leading.py --home DIR [--typed DIR=eval/typed*.jsonl --typed-weight 3]
                                [--out kb/answer/data/leading.json]
"""
from __future__ import annotations

import argparse
import glob
import json
import sys
from pathlib import Path
from unittest import mock

import numpy as np
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fit_abstention import cached_hits, logistic  # noqa: E402

from kb.answer import extractive, leading  # noqa: E402
from kb.config import Settings  # noqa: E402
from kb.evaluate import answer_measures, contains_answer, drcd_path, load_questions, load_squad  # noqa: E402
from kb.knowledge import KnowledgeBase  # noqa: E402

THRESHOLD = 0.5


def rows_for(kb: KnowledgeBase, questions: list[dict], cache: Path) -> list[dict]:
    """Each question's chosen sentences after the first: their features against the first, whether each holds a
    gold answer (itself, or the sentence it leans on, which may be quoted before it), and whether the first quoted
    sentence does."""
    hits_by = cached_hits(kb, questions, cache)
    recorder = _Recorder()
    rows = []
    # the chosen sentences, in the order they were scored: kb.answer.extractive asks kb.answer.leading to order them
    with mock.patch.object(extractive, "leading", recorder):
        for item in tqdm(questions, desc="answer", unit="q", file=sys.stderr):
            recorder.recorded.clear()
            question = kb.read(item["question"])
            answer = kb.compose(question, hits_by[item["question"]], script="hans", use_llm=False)
            # the model weighs Chinese questions only (kb.answer.leading.lead)
            if question.language != "zh" or answer.abstained or answer.short or not recorder.recorded \
                    or len(recorder.recorded[0]) < 2:
                continue
            chosen = recorder.recorded[0]
            golds = item["answers"]
            holds = [contains_answer(s.text, golds) or bool(s.leans_on) and contains_answer(
                s.hit.passage.text[s.leans_on[0]:s.leans_on[1]], golds) for s in chosen[1:]]
            rows.append({"half": item.get("half", 0), "first": answer_measures(answer, item)["at1"], "others": holds,
                         "movable": [leading.movable(chosen[0], other) for other in chosen[1:]],
                         "features": leading.pairs(question, chosen)})
    if recorder.calls == 0 and questions:
        raise RuntimeError("kb.answer.extractive no longer asks kb.answer.leading to order the chosen sentences")
    return rows


class _Recorder:
    """Stands in for kb.answer.leading in kb.answer.extractive: records what it is asked to order, and keeps the order."""

    def __init__(self) -> None:
        self.recorded: list[list] = []
        self.calls = 0

    def lead(self, question, chosen):
        self.calls += 1
        self.recorded.append(list(chosen))
        return chosen


def pairs(rows: list[dict], names: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pairs to fit on, whether the other holds the answer, and each pair's weight (its question's)."""
    x, y, weight = [], [], []
    for row in rows:
        for features, holds, movable in zip(row["features"], row["others"], row["movable"]):
            if movable and holds != row["first"]:  # only where the other leading changes what the user reads first
                x.append([features[n] for n in names])
                y.append(float(holds))
                weight.append(row.get("weight", 1.0))
    return np.array(x), np.array(y), np.array(weight)


def measure(rows: list[dict], names: list[str], w: np.ndarray, b: float, threshold: float = THRESHOLD) -> dict:
    """First quoted sentences gained and lost where the likeliest other sentence leads above `threshold`."""
    gained = lost = moved = 0
    for row in rows:
        p = 1 / (1 + np.exp(-(np.array([[f[n] for n in names] for f in row["features"]]) @ w + b))) * row["movable"]
        best = int(p.argmax())
        if p[best] > threshold:
            moved += 1
            gained += row["others"][best] and not row["first"]
            lost += row["first"] and not row["others"][best]
    return {"questions": len(rows), "moved": moved, "gained": gained, "lost": lost, "net": gained - lost}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", required=True, help="store of DRCD dev built by bench/drcd.py --home")
    parser.add_argument("--data", help="SQuAD-format file (default DRCD dev)")
    parser.add_argument("--typed", help="HOME=GLOB: a store of the seed article and its typed question sets "
                                        "(eval/typed*.jsonl), fitted on beside DRCD dev")
    parser.add_argument("--typed-weight", type=float, default=1.0)
    parser.add_argument("--l2", type=float, default=1e-3)
    parser.add_argument("--out")
    args = parser.parse_args()
    data = Path(args.data) if args.data else drcd_path()
    docs, questions = load_squad(data)
    # halves by article, as bench/drcd.py --half splits them: a paragraph's questions share its style
    titles = list(dict.fromkeys(d.title for d in docs))
    half_of = {d.origin: titles.index(d.title) % 2 for d in docs}
    for item in questions:
        item["half"] = half_of[item["gold"]]
    home = Path(args.home)
    rows = rows_for(KnowledgeBase(Settings(home=home)), questions, home / "fit-leading-hits.pickle")
    names = sorted(rows[0]["features"][0])
    halves = {"even": [r for r in rows if r["half"] == 0], "odd": [r for r in rows if r["half"] == 1]}
    typed = {"even": [], "odd": []}  # by file: a file's questions ask about the same sentences in other words
    if args.typed:
        typed_home, pattern = args.typed.split("=", 1)
        typed_kb = KnowledgeBase(Settings(home=Path(typed_home)))
        for number, path in enumerate(sorted(glob.glob(pattern))):
            items = [q for q in load_questions(path) if q.get("answerable", True) and q.get("answers")
                     and not q.get("all")]
            for row in rows_for(typed_kb, items, Path(typed_home) / f"fit-leading-{Path(path).stem}.pickle"):
                typed["odd" if number % 2 else "even"].append(row | {"weight": args.typed_weight})
    report = {}
    for fitted_on, measured_on in (("even", "odd"), ("odd", "even")):
        w, b = logistic(*pairs(halves[fitted_on] + typed[fitted_on], names), l2=args.l2)
        report[f"fitted on {fitted_on}, measured on {measured_on}"] = measure(halves[measured_on], names, w, b)
        if args.typed:
            report[f"fitted on {fitted_on}, measured on the typed sets {measured_on}"] = measure(
                typed[measured_on], names, w, b)
    every_typed = typed["even"] + typed["odd"]
    w, b = logistic(*pairs(rows + every_typed, names), l2=args.l2)
    report["fitted on all, measured on all"] = measure(rows, names, w, b)
    if args.typed:
        report["fitted on all, measured on the typed sets"] = measure(every_typed, names, w, b)
    for split, figures in report.items():
        print(f"{split}: {figures}")
    print(f"of {len(questions)} questions; {sum(r['first'] for r in rows)} of the {len(rows)} fitted on have a first "
          f"quoted sentence holding a gold answer")
    if args.out:
        Path(args.out).write_text(json.dumps({
            "fitted_on": f"{data.name}: a store of all its paragraphs (bench/drcd.py --home), hybrid, top 5 passages"
                         + (f"; and {args.typed} (weight {args.typed_weight})" if args.typed else "")
                         + f"; l2 {args.l2}",
            "features": names, "weights": [round(float(v), 5) for v in w], "bias": round(b, 5),
            "threshold": THRESHOLD, "measured": report}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"written: {args.out}")


if __name__ == "__main__":
    main()
