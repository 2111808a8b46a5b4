"""Relevance maths, in one place: BM25 over keyword candidates, the IDF weights of a question's
terms, how much of that weight a sentence covers, and the fusion of keyword and dense scores.

Two IDFs, on purpose: BM25 uses FTS5's (a term in more than half of the passages weighs almost
nothing, as in the index it re-scores); coverage uses the smoothed log(1 + ...) form, which keeps
every question term positive, so that "which share of the question does this sentence hold" never
ignores a term because the store is small (one article: most terms are in half its passages).
"""
from __future__ import annotations

import math
from collections import Counter
from typing import Sequence

from kb.text import sentence_spans, synonyms, token_set

# Jieba tokens of a full passage (300 characters; DRCD prose runs ~0.47 tokens a character): the
# length BM25 calls normal, fixed so that scores do not depend on what else the store holds.
LENGTH_PIVOT = 150.0
BM25_K1, BM25_B = 1.2, 0.75  # FTS5's


def bm25_idf(document_frequency: int, total: int) -> float:
    """FTS5's: a term in more than half of the passages weighs (almost) nothing."""
    return max(math.log((total - document_frequency + 0.5) / (document_frequency + 0.5)), 1e-6)


def coverage_idf(document_frequency: int, total: int) -> float:
    """Smoothed, always positive: the weight of a question term in `coverage`."""
    return math.log(1 + (total - document_frequency + 0.5) / (document_frequency + 0.5))


def bm25(candidates: Sequence[tuple[str, Sequence[str]]], weights: dict[str, float],
         length_pivot: float = LENGTH_PIVOT) -> list[tuple[str, float]]:
    """(id, Okapi BM25 score) best first for (id, tokens) candidates; `weights` are the query terms' IDFs."""
    scored = []
    for pid, tokens in candidates:
        counts = Counter(t for t in tokens if t in weights)
        norm = BM25_K1 * (1 - BM25_B + BM25_B * len(tokens) / length_pivot)
        scored.append((pid, sum(weights[t] * c * (BM25_K1 + 1) / (c + norm) for t, c in counts.items())))
    return sorted(scored, key=lambda item: (-item[1], item[0]))


def coverage(weights: dict[str, float], tokens: set[str]) -> float:
    """Share of the question's IDF mass found among `tokens`; a synonym counts as the word itself."""
    mass = sum(weights.values())
    return sum(w for t, w in weights.items() if not synonyms(t).isdisjoint(tokens)) / mass if mass else 0.0


def best_sentence_coverage(weights: dict[str, float], text: str) -> float:
    return max((coverage(weights, token_set(text[a:b])) for a, b in sentence_spans(text)), default=0.0)


def minmax(scored: Sequence[tuple[str, float]]) -> dict[str, float]:
    if not scored:
        return {}
    values = [s for _, s in scored]
    low, high = min(values), max(values)
    if high - low < 1e-9:
        return {pid: 1.0 for pid, _ in scored}
    return {pid: (s - low) / (high - low) for pid, s in scored}


def fuse(keyword: Sequence[tuple[str, float]], dense: Sequence[tuple[str, float]],
         keyword_weight: float) -> list[tuple[str, float]]:
    """Convex mix of min-max normalised scores; a passage missing from one list scores 0 there."""
    kw, dn = minmax(keyword), minmax(dense)
    fused = {pid: keyword_weight * kw.get(pid, 0.0) + (1 - keyword_weight) * dn.get(pid, 0.0)
             for pid in set(kw) | set(dn)}
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))
