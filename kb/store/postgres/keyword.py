"""Keyword search in PostgreSQL over kb's jieba tokens, matched and counted as FTS5 does (see the package docstring)."""
from __future__ import annotations

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
        args: dict = {"k": k, "articles": list(article_ids or [])}
        if self.ranking == "ts_rank":
            args["query"] = tsquery(wanted)
            where = " AND k.article_id = ANY(%(articles)s)" if article_ids is not None else ""
            sql = (f"SELECT k.passage_id, k.tokens FROM passage_keywords k WHERE k.tsv @@ %(query)s::tsquery{where} "
                   "ORDER BY ts_rank(k.tsv, %(query)s::tsquery) DESC, k.seq LIMIT %(k)s")
        else:
            sql = self._bm25_sql(wanted, args, article_ids is not None)
        return [(r[0], list(r[1])) for r in self.db.rows(sql, args)]

    def _bm25_sql(self, wanted: Sequence[tuple[str, ...]], args: dict, restricted: bool) -> str:
        """FTS5's bm25(): idf = ln((N - n + 0.5) / (n + 0.5)) floored at 1e-6, n the passages matching the
        phrase; tf the phrase's occurrences; length in terms; k1 1.2, b 0.75; summed in phrase order, as
        FTS5 sums (the same floats, so ties fall the same way). A one-term phrase (nearly every token)
        reads its postings; a longer one ("2.5%" -> 2, 5) the passages its tsquery matches."""
        counts, total = self._phrase_counts(wanted)
        idf = [max(math.log((total - counts[p] + 0.5) / (counts[p] + 0.5)), 1e-6) for p in wanted]
        singles = [i for i, p in enumerate(wanted) if len(p) == 1]
        args.update(terms=[wanted[i][0] for i in singles], idfs=[idf[i] for i in singles], orders=singles)
        parts = ["""SELECT p.seq, q.i, q.idf * p.tf::float8 * 2.2 / (p.tf::float8 + 1.2 * (0.25 + 0.75 * p.len / s.avgdl)) AS part
                    FROM unnest(%(terms)s::text[], %(idfs)s::float8[], %(orders)s::int[]) AS q(term, idf, i)
                    JOIN keyword_postings p ON p.term = q.term CROSS JOIN stats s"""]
        for i, phrase in enumerate(wanted):
            if len(phrase) > 1:
                args.update({f"phrase{i}": list(phrase), f"query{i}": tsquery([phrase]), f"idf{i}": idf[i]})
                parts.append(f"""SELECT k.seq, {i}, %(idf{i})s::float8 * f.tf * 2.2 / (f.tf + 1.2 * (0.25 + 0.75 * cardinality(k.terms) / s.avgdl))
                    FROM passage_keywords k CROSS JOIN stats s
                    CROSS JOIN LATERAL (SELECT kb_phrase_count(k.terms, %(phrase{i})s::text[])::float8 AS tf) f
                    WHERE k.tsv @@ %(query{i})s::tsquery AND f.tf > 0""")
        where = "WHERE seq IN (SELECT seq FROM passage_keywords WHERE article_id = ANY(%(articles)s))" if restricted else ""
        return f"""
            WITH stats AS (SELECT GREATEST(terms::float8 / GREATEST(passages, 1), 1e-9) AS avgdl FROM keyword_stats),
                 parts AS ({" UNION ALL ".join(parts)}),
                 top AS (SELECT seq, SUM(part ORDER BY i) AS score FROM parts {where}
                         GROUP BY seq ORDER BY score DESC, seq LIMIT %(k)s)
            SELECT k.passage_id, k.tokens FROM top JOIN passage_keywords k USING (seq) ORDER BY top.score DESC, top.seq"""

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
        rows, postings, docs, total = [], [], Counter(), 0
        for p in passages:
            terms = [t for token in p.tokens for t in fts_terms(token)]
            rows.append((p.id, p.article_id, list(p.tokens), terms, tsvector(terms)))
            postings.append(Counter(terms))
            docs.update(set(terms))
            total += len(terms)
        if not rows:
            return
        with self.db.connection() as conn:
            # seq is the passages' order (FTS5's rowid: the tie-break), known before the insert so the
            # postings can name it; one writer at a time, so these are the next numbers in order.
            seqs = sorted(r[0] for r in conn.execute(
                "SELECT nextval(pg_get_serial_sequence('passage_keywords', 'seq')) FROM generate_series(1, %s)",
                (len(rows),)).fetchall())
            with conn.cursor() as cursor:
                cursor.executemany("INSERT INTO passage_keywords (seq, passage_id, article_id, tokens, terms, tsv) "
                                   "VALUES (%s, %s, %s, %s, %s, %s::tsvector)",
                                   [(seq, *row) for seq, row in zip(seqs, rows)])
                with cursor.copy("COPY keyword_postings (term, seq, tf, len) FROM STDIN") as copy:
                    for seq, row, counts in zip(seqs, rows, postings):
                        for term, tf in counts.items():
                            copy.write_row((term, seq, tf, len(row[3])))
                # Sorted: concurrent writers lock the term rows in one order and cannot deadlock.
                cursor.executemany("INSERT INTO keyword_terms VALUES (%s, %s) ON CONFLICT (term) "
                                   "DO UPDATE SET doc = keyword_terms.doc + EXCLUDED.doc", sorted(docs.items()))
            conn.execute("UPDATE keyword_stats SET passages = passages + %s, terms = terms + %s", (len(rows), total))

    def remove_article(self, article_id: str) -> None:
        with self.db.connection() as conn:
            rows = conn.execute("SELECT seq, terms FROM passage_keywords WHERE article_id=%s", (article_id,)).fetchall()
            if not rows:
                return
            docs = Counter(t for _, terms in rows for t in set(terms))
            pairs = sorted({(t, seq) for seq, terms in rows for t in terms})
            conn.execute("DELETE FROM keyword_postings p USING unnest(%s::text[], %s::bigint[]) AS d(term, seq) "
                         "WHERE p.term = d.term AND p.seq = d.seq", ([t for t, _ in pairs], [q for _, q in pairs]))
            with conn.cursor() as cursor:
                cursor.executemany("UPDATE keyword_terms SET doc = doc - %s WHERE term = %s",
                                   [(n, t) for t, n in sorted(docs.items())])
            conn.execute("DELETE FROM keyword_terms WHERE term = ANY(%s) AND doc <= 0", (sorted(docs),))
            conn.execute("UPDATE keyword_stats SET passages = passages - %s, terms = terms - %s",
                         (len(rows), sum(len(terms) for _, terms in rows)))
            conn.execute("DELETE FROM passage_keywords WHERE article_id=%s", (article_id,))

    def count(self) -> int:
        return self.db.one("SELECT COUNT(*) FROM passage_keywords")[0]


