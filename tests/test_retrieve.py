"""Search among many unrelated passages: keyword scores that do not move with other passages' lengths,
and exact similarities for the keyword candidates the approximate index did not return (real store, USE)."""
from __future__ import annotations

import numpy as np
import pytest

from kb.config import Settings
from kb.embed import load_embedder
from kb.records import Document
from kb.retrieve import keyword_search
from kb.text import tokenize_query

LONG = ("美联储的通胀目标是百分之二。当通胀高于目标时，美联储通常上调利率，以抑制需求、压低通胀预期。"
        "二零二二年起，为了应对四十年来最高的通胀，美联储连续加息，联邦基金利率从接近零升到百分之五以上。"
        "高利率抬高了企业和家庭的借贷成本，房地产和科技股首当其冲，而银行则因持有的长期债券贬值承受压力。"
        "市场参与者因此密切关注每一次议息会议后的声明，从措辞的细微变化中推测政策路径的下一步。")
SHORT = "美联储宣布上调利率。"
QUERY = "美联储为什么因为通胀而上调利率"
# Short lines without any query word: the kind of text (poems, captions, chat) that, in bulk, pulls
# the store's average passage length far below a prose passage's.
NOISE = ["白日依山尽，黄河入海流。", "床前明月光，疑是地上霜。", "春眠不觉晓，处处闻啼鸟。",
         "红豆生南国，春来发几枝。", "独在异乡为异客，每逢佳节倍思亲。", "孤帆远影碧空尽，唯见长江天际流。"]


@pytest.fixture(scope="module")
def noisy_kb(tmp_path_factory):
    from kb.knowledge import KnowledgeBase

    kb = KnowledgeBase(Settings(home=tmp_path_factory.mktemp("noisy"), embed_model="use"), embedder=load_embedder("use"))
    docs = [Document(title="美联储与通胀", body=LONG, source="test"), Document(title="央行", body=SHORT, source="test")]
    assert [r.status for r in kb.add_documents(docs)] == ["added", "added"]
    return kb


def _ids(kb) -> tuple[str, str]:
    by_title = {a.title: a.id for a in kb.store.articles(source="test")}
    return kb.store.passages(by_title["美联储与通胀"])[0].id, kb.store.passages(by_title["央行"])[0].id


def _fts5_order(kb, terms) -> list[str]:
    from kb.store.keyword import fts_query

    rows = kb.store.records.db.execute("SELECT passage_id FROM passage_fts WHERE passage_fts MATCH ? ORDER BY rank",
                                       (fts_query(terms),))
    return [r[0] for r in rows]


def test_keyword_ranking_does_not_move_when_short_unrelated_passages_arrive(noisy_kb):
    kb = noisy_kb
    long_id, short_id = _ids(kb)
    terms = tokenize_query(QUERY)
    before = [pid for pid, _ in keyword_search(kb.store, terms, 10)]
    assert before == [long_id, short_id] == _fts5_order(kb, terms)

    noise = [Document(title=f"短诗 {i}", body=f"{NOISE[i % len(NOISE)]}（其{i}）", source="noise") for i in range(600)]
    assert sum(r.status == "added" for r in kb.add_documents(noise)) == 600
    # FTS5's bm25() now measures the prose passage against an average of a few tokens and ranks the
    # one-word line first: the scenario is real ...
    assert _fts5_order(kb, terms)[0] == short_id
    # ... and kb's scores, with length normalised against a fixed passage, keep the prose first.
    after = keyword_search(kb.store, terms, 10)
    assert [pid for pid, _ in after] == [long_id, short_id]
    hits = kb.search(QUERY, k=3)
    assert hits[0].passage.id == long_id


def test_hybrid_scores_keyword_candidates_the_vector_index_missed(noisy_kb, monkeypatch):
    kb = noisy_kb
    long_id, short_id = _ids(kb)
    # The approximate index misses the passage, as HNSW missed DRCD passages beside 100k poems.
    monkeypatch.setattr(kb.store, "dense_search", lambda vector, k, allowed=None: [(short_id, 0.5)])
    hits = kb.search(QUERY, k=3)
    assert hits[0].passage.id == long_id
    vector = kb.embedder.embed_query(QUERY)
    stored = kb.store.vectors([long_id])[long_id]
    exact = float(stored @ vector / (np.linalg.norm(stored) * np.linalg.norm(vector)))
    assert hits[0].dense_score == pytest.approx(exact, abs=1e-5)


def test_document_frequency_of_tokens_fts5_splits(seed_kb):
    # FTS5 indexes "2.4" or "35%" as separate terms, so its vocabulary has no row for them; their
    # frequency (an IDF input of the BM25 and of the abstention check) is counted as a phrase.
    rows = seed_kb.store.records.db.execute("SELECT tokens FROM passage_fts").fetchall()
    tokens = sorted({t for (text,) in rows for t in text.split() if any(c in t for c in ".%")})
    assert tokens, "the seed article has numbers such as 2.4 and 35%"
    frequencies, total = seed_kb.store.document_frequencies(tokens + [""])
    assert total == len(rows)
    for token in tokens:
        # At least the passages holding the token itself; more where the phrase occurs inside
        # another token ("35" of "35%" in "35亿"), as FTS5's MATCH finds them.
        assert frequencies[token] >= sum(token in text.split() for (text,) in rows) > 0
    assert frequencies[""] == 0


def test_a_how_much_question_prefers_the_passage_holding_a_figure(seed_kb):
    # "美联储资产负债表缩小了多少?": two passages hold every word of it, their cosines 0.0008 apart (an order that
    # differs from one machine to another); the one holding 2.4万亿美元 answers, the one with QT's dates does not
    from kb.evaluate import contains_answer
    from kb.retrieve import FIGURE

    assert FIGURE.search("缩减到大约6.6万亿美元") and FIGURE.search("机率35%") and FIGURE.search("约3,000人")
    assert not FIGURE.search("2025年12月1日,QT计划终止") and not FIGURE.search("近三年")
    hits = seed_kb.search("美联储资产负债表缩小了多少?", k=5)
    assert contains_answer(hits[0].passage.text, ["2.4万亿美元"]), hits[0].passage.text[:80]
