"""Keyword search in PostgreSQL over kb's jieba tokens, matched and counted as FTS5 does (see the package docstring)."""
from __future__ import annotations

import json
import math
import unicodedata
from collections import Counter
from typing import Iterable, Sequence

from kb.records import Passage
from kb.store.postgres.connection import MAX_LEXEME_BYTES, Database


def fts_terms(token: str) -> list[str]:
    """The terms SQLite's FTS5 (unicode61) indexes for one kb token: runs of letters, digits and
    private-use characters, lower-cased ("2.5%" -> ["2", "5"]). Both backends count and match these."""
    terms, current = [], []
    for char in token:
        category = unicodedata.category(char)
        if category[0] in "LN" or category == "Co":
            current.append(char)
        elif current:
            terms.append("".join(current).lower())
            current = []
    if current:
        terms.append("".join(current).lower())
    return [t for t in terms if len(t.encode()) <= MAX_LEXEME_BYTES]


def _lexeme(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector(terms: Sequence[str]) -> str:
    """A tsvector literal of a passage's terms with their positions (for phrase matching)."""
    positions: dict[str, list[int]] = {}
    for index, term in enumerate(terms, 1):
        positions.setdefault(term, []).append(min(index, 16383))  # PostgreSQL's largest position
    return " ".join(f"{_lexeme(t)}:{','.join(map(str, p[:256]))}" for t, p in positions.items())


def phrases(tokens: Iterable[str]) -> list[tuple[str, ...]]:
    """The FTS5 query kb.store.keyword.fts_query makes, as phrases of terms: one per distinct token."""
    found = [tuple(fts_terms(t)) for t in dict.fromkeys(t for t in tokens if t)]
    return [p for p in found if p]


def tsquery(phrase_list: Iterable[Sequence[str]]) -> str:
    """A tsquery matching any of the phrases (terms quoted: no parsing, no folding)."""
    return " | ".join("(" + " <-> ".join(_lexeme(t) for t in phrase) + ")" for phrase in phrase_list)


class PostgresKeywordIndex:
    """The keyword index's calls (kb.store.keyword.KeywordIndex) over PostgreSQL, matching and
    counting what FTS5 matches and counts: the terms of `fts_terms`, a token as the phrase of its terms."""

    # "bm25": FTS5's rank, computed in SQL (the default: the same candidates as SQLite);
    # "ts_rank": PostgreSQL's own ranking of the same matches (measured in tests/test_postgres.py).
    ranking = "bm25"

    def __init__(self, db: Database) -> None:
        self.db = db

    def candidates(self, tokens: Sequence[str], k: int,
                   article_ids: Sequence[str] | None = None) -> list[tuple[str, list[str]]]:
        """(passage id, its tokens) of the k passages that hold any of `tokens`, best first."""
        wanted = phrases(tokens)
        if not wanted or article_ids is not None and not article_ids:
            return []
        query = tsquery(wanted)
        where = "k.tsv @@ %(query)s::tsquery"
        args: dict = {"query": query, "k": k, "articles": list(article_ids or [])}
        if article_ids is not None:
            where += " AND k.article_id = ANY(%(articles)s)"
        if self.ranking == "ts_rank":
            sql = (f"SELECT k.passage_id, k.tokens FROM passage_keywords k WHERE {where} "
                   "ORDER BY ts_rank(k.tsv, %(query)s::tsquery) DESC, k.seq LIMIT %(k)s")
        else:
            # FTS5's bm25(): idf = ln((N - n + 0.5) / (n + 0.5)) floored at 1e-6, n the passages matching
            # the phrase; tf the phrase's occurrences; length in terms; k1 1.2, b 0.75.
            counts, total = self._phrase_counts(wanted)
            weights = [{"terms": list(p), "idf": max(math.log((total - counts[p] + 0.5) / (counts[p] + 0.5)), 1e-6)}
                       for p in wanted]
            args["weights"] = json.dumps(weights, ensure_ascii=False)
            sql = f"""
            WITH stats AS (SELECT GREATEST(terms::float8 / GREATEST(passages, 1), 1e-9) AS avgdl FROM keyword_stats),
                 w AS (SELECT (e->>'idf')::float8 AS idf, ARRAY(SELECT jsonb_array_elements_text(e->'terms')) AS phrase
                       FROM jsonb_array_elements(%(weights)s::jsonb) AS e),
                 m AS (SELECT k.seq, k.passage_id, k.tokens, k.terms FROM passage_keywords k WHERE {where})
            SELECT m.passage_id, m.tokens FROM m CROSS JOIN stats s CROSS JOIN LATERAL (
                SELECT SUM(w.idf * f.tf * 2.2 / (f.tf + 1.2 * (0.25 + 0.75 * cardinality(m.terms) / s.avgdl))) AS score
                FROM w CROSS JOIN LATERAL (SELECT kb_phrase_count(m.terms, w.phrase)::float8 AS tf) f
                WHERE f.tf > 0) r
            ORDER BY r.score DESC NULLS LAST, m.seq LIMIT %(k)s"""
        return [(r[0], list(r[1])) for r in self.db.rows(sql, args)]

    def _phrase_counts(self, wanted: Sequence[tuple[str, ...]]) -> tuple[dict[tuple[str, ...], int], int]:
        """How many passages match each phrase (a one-term phrase from the term counts), and the total."""
        with self.db.connection() as conn:
            total = int(conn.execute("SELECT passages FROM keyword_stats").fetchone()[0])
            singles = sorted({p[0] for p in wanted if len(p) == 1})
            found = dict(conn.execute("SELECT term, doc FROM keyword_terms WHERE term = ANY(%s)", (singles,)).fetchall())
            counts = {p: int(found.get(p[0], 0)) for p in wanted if len(p) == 1}
            for phrase in wanted:
                if len(phrase) > 1 and phrase not in counts:
                    counts[phrase] = conn.execute("SELECT COUNT(*) FROM passage_keywords WHERE tsv @@ %s::tsquery",
                                                  (tsquery([phrase]),)).fetchone()[0]
        return counts, total

    def document_frequencies(self, tokens: Sequence[str]) -> tuple[dict[str, int], int]:
        """How many passages hold each token (as FTS5 counts: the passages matching its phrase), and
        how many passages there are: the IDF inputs."""
        unique = list(dict.fromkeys(tokens))
        of = {t: tuple(fts_terms(t)) for t in unique if t}
        counts, total = self._phrase_counts([p for p in dict.fromkeys(of.values()) if p])
        return {t: counts.get(of.get(t, ()), 0) for t in unique}, total

    def tokens(self, passage_ids: Sequence[str]) -> dict[str, list[str]]:
        rows = self.db.rows("SELECT passage_id, tokens FROM passage_keywords WHERE passage_id = ANY(%s)",
                            (list(passage_ids),))
        return {r[0]: list(r[1]) for r in rows}

    # Writes: inside the records' transaction, so that passages, their index rows and the counts commit together.
    def add(self, passages: Iterable[Passage]) -> None:
        rows, docs, total = [], Counter(), 0
        for p in passages:
            terms = [t for token in p.tokens for t in fts_terms(token)]
            rows.append((p.id, p.article_id, list(p.tokens), terms, tsvector(terms)))
            docs.update(set(terms))
            total += len(terms)
        if not rows:
            return
        self.db.executemany("INSERT INTO passage_keywords (passage_id, article_id, tokens, terms, tsv) "
                            "VALUES (%s, %s, %s, %s, %s::tsvector)", rows)
        # Sorted: concurrent writers lock the term rows in one order and cannot deadlock.
        self.db.executemany("INSERT INTO keyword_terms VALUES (%s, %s) ON CONFLICT (term) "
                            "DO UPDATE SET doc = keyword_terms.doc + EXCLUDED.doc", sorted(docs.items()))
        self.db.execute("UPDATE keyword_stats SET passages = passages + %s, terms = terms + %s", (len(rows), total))

    def remove_article(self, article_id: str) -> None:
        with self.db.connection() as conn:
            rows = conn.execute("SELECT terms FROM passage_keywords WHERE article_id=%s", (article_id,)).fetchall()
            if not rows:
                return
            docs = Counter(t for (terms,) in rows for t in set(terms))
            with conn.cursor() as cursor:
                cursor.executemany("UPDATE keyword_terms SET doc = doc - %s WHERE term = %s",
                                   [(n, t) for t, n in sorted(docs.items())])
            conn.execute("DELETE FROM keyword_terms WHERE term = ANY(%s) AND doc <= 0", (sorted(docs),))
            conn.execute("UPDATE keyword_stats SET passages = passages - %s, terms = terms - %s",
                         (len(rows), sum(len(terms) for (terms,) in rows)))
            conn.execute("DELETE FROM passage_keywords WHERE article_id=%s", (article_id,))

    def count(self) -> int:
        return self.db.one("SELECT COUNT(*) FROM passage_keywords")[0]


