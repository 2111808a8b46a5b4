"""Which of the chosen sentences leads the answer: the one a user reads first.

The sentences quoted are those scored best (kb.answer.sentences), and the best-scored one comes first. Often
that one restates the question (it shares the most words with it, and the embedder finds it nearest), while the
answer stands in another chosen sentence, often the one after it. A pairwise logistic model weighs the first
chosen sentence against each other one: how their scores, coverages, passages and cosines differ, what each
holds of the kind asked, how much of each is new to the question, how long each is, where the other stands (the
same passage, just after), and the kind of question. Where it finds another more likely to hold the answer (above
its threshold), the likeliest one leads, and the rest keep their order.

Fitted by bench/fit_leading.py on DRCD dev and the seed article's typed question sets, on the questions of half
of DRCD dev's articles (and half of the typed files) and measured on the other half, then on all of them;
kb/answer/data/leading.json keeps the weights, the threshold and the figures. Chinese questions only: the model was
fitted on them. The same sentences are chosen; what the leader brings comes with it (the sentence after it that says
why, or spells out what it announces), as it would for the best-scored sentence. It was fitted on hybrid search's
scores (the default); a keyword-only or dense-only search scales passage scores otherwise.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from kb.answer import evidence, lists
from kb.answer.sentences import ScoredSentence
from kb.retrieve.question import KINDS, Question
from kb.text import token_set

# What each sentence shows; the pair's features are the other's value less the first's.
SENTENCE_VALUES = ("coverage", "own", "passage", "meaning", "numbers", "holds", "leans", "leans_back", "new", "new_words",
                   "words", "length", "characters")
# The first sentence's own values: a first sentence mostly of the question's words yields more readily.
FIRST_VALUES = ("new", "holds", "coverage", "own", "length")


@dataclass(frozen=True)
class LeadingModel:
    features: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float  # another sentence leads where its probability of holding the answer, not the first, is above

    def probability(self, values: dict[str, float]) -> float:
        z = self.bias + sum(w * values[f] for f, w in zip(self.features, self.weights))
        return 1 / (1 + math.exp(-z))


@lru_cache(maxsize=1)
def fitted() -> LeadingModel | None:
    path = resources.files("kb.answer").joinpath("data", "leading.json")
    try:
        spec = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return LeadingModel(tuple(spec["features"]), tuple(spec["weights"]), spec["bias"], spec["threshold"])


def sentence_values(sentence: ScoredSentence, asked: set[str], grams: set[str]) -> dict[str, float]:
    """What one chosen sentence shows; `asked` are the question's words and their synonyms, `grams` its content
    words' character bigrams."""
    text = sentence.text
    tokens = token_set(text)
    new = tokens - asked
    return {"coverage": sentence.coverage, "own": sentence.own, "passage": sentence.hit.score,
            "meaning": sentence.lift, "numbers": sentence.numbers, "holds": float(bool(sentence.holds)),
            "leans": float(sentence.leans_on is not None), "leans_back": float(sentence.leans_back),
            "new": len(new) / max(len(tokens), 1), "new_words": float(len(new)), "words": float(len(tokens)),
            "length": math.log1p(len(text.strip())),
            "characters": sum(1 for g in grams if g in text) / len(grams) if grams else 0.0}


def pair_features(kind: str, first: ScoredSentence, other: ScoredSentence, position: int,
                  first_values: dict[str, float], other_values: dict[str, float]) -> dict[str, float]:
    """The model's features for `other`, chosen `position`th, against the `first` chosen sentence."""
    features = {"score": other.score / first.score if first.score else 0.0, "position": float(position)}
    features |= {f"more_{name}": other_values[name] - first_values[name] for name in SENTENCE_VALUES}
    features |= {f"first_{name}": first_values[name] for name in FIRST_VALUES}
    same = other.hit is first.hit
    features |= {"same_passage": float(same), "after": float(same and other.start >= first.end),
                 "next": float(same and other.previous == (first.start, first.end)),
                 "before": float(same and first.previous == (other.start, other.end))}
    features |= {f"kind_{name}": float(kind == name) for name in KINDS}
    return features


def pairs(question: Question, chosen: list[ScoredSentence]) -> list[dict[str, float]]:
    """The features of each chosen sentence after the first, against the first."""
    asked = set(question.tokens) | set(question.expanded)
    grams = evidence.character_bigrams(question.content)
    values = [sentence_values(s, asked, grams) for s in chosen]
    return [pair_features(question.kind, chosen[0], other, position, values[0], values[position])
            for position, other in enumerate(chosen[1:], start=1)]


def lead(question: Question, chosen: list[ScoredSentence],
         model: LeadingModel | None = None) -> list[ScoredSentence]:
    """The chosen sentences with the one likeliest to hold the answer first (by `model`, default the fitted one)."""
    model = model or fitted()
    if model is None or question.language != "zh" or len(chosen) < 2:
        return chosen
    probabilities = [model.probability(features) if movable(chosen[0], other) else 0.0
                     for features, other in zip(pairs(question, chosen), chosen[1:])]
    best = max(range(len(probabilities)), key=probabilities.__getitem__)
    if probabilities[best] <= model.threshold:
        return chosen
    leader = chosen[best + 1]
    return [leader] + [s for s in chosen if s is not leader]


def movable(first: ScoredSentence, other: ScoredSentence) -> bool:
    """Whether the model may put `other` before `first`. Both must be sentences of a paragraph, not a heading, a
    sentence that asks, a list's item, sub-item or lead-in: DRCD's paragraphs have none of these, so the model could
    not learn them, and the scoring's own rules order them (kb.answer.sentences, kb.answer.lists). And `other` must
    hold what `first` holds of what is asked: the kind of answer (an amount, a date…) and the numbers the question
    names. Those rules each have a measure and a test; the model weighs what they leave open."""
    return all(not s.introduces and s.parent is None and not s.siblings and not lists.is_lead_in(s.text)
               for s in (first, other)) \
        and (bool(other.holds) or not first.holds) and other.numbers >= first.numbers
