"""The keyword index: SQLite FTS5 over the passages' jieba tokens (space-joined, so FTS5's own
tokenizer only splits at the spaces kb put there). It finds and counts; the BM25 that ranks its
candidates is kb's own (kb.retrieve.scoring), because FTS5's bm25() normalises length by the
store's average passage and so moves when unrelated passages arrive."""
from __future__ import annotations

from typing import Iterable, Sequence

from kb.records import Passage
from kb.store.sqlite import Database


def fts_query(tokens: Iterable[str]) -> str:
    """An FTS5 MATCH expression: any of the tokens, each quoted as a phrase."""
    unique = dict.fromkeys(t for t in tokens if t)
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in unique)


class KeywordIndex:
    def __init__(self, db: Database) -> None:
        self.db = db

    def candidates(self, tokens: Sequence[str], k: int,
                   article_ids: Sequence[str] | None = None) -> list[tuple[str, list[str]]]:
        """(passage id, its tokens) of the k passages FTS5 ranks first for any of `tokens`."""
        query = fts_query(tokens)
        if not query or article_ids is not None and not article_ids:
            return []
        sql = "SELECT passage_id, tokens FROM passage_fts WHERE passage_fts MATCH ?"
        args: list = [query]
        if article_ids is not None:
            sql += f" AND article_id IN ({','.join('?' * len(article_ids))})"
            args += list(article_ids)
        sql += " ORDER BY rank LIMIT ?"
        with self.db.lock:
            return [(r[0], r[1].split()) for r in self.db.execute(sql, (*args, k))]

    def document_frequencies(self, tokens: Sequence[str]) -> tuple[dict[str, int], int]:
        """How many passages hold each token, and how many passages there are: the IDF inputs."""
        unique = list(dict.fromkeys(tokens))
        with self.db.lock:
            total = self.db.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
            found = {r[0]: r[1] for r in self.db.query_in("SELECT term, doc FROM passage_vocab WHERE term IN ({})",
                                                          unique)}
            # FTS5 indexes "2.5%" as the two terms 2 and 5: such a token is counted as the phrase it is.
            for token in unique:
                if token not in found:
                    found[token] = self.db.execute("SELECT COUNT(*) FROM passage_fts WHERE passage_fts MATCH ?",
                                                   (fts_query([token]),)).fetchone()[0] if token else 0
        return found, total

    def tokens(self, passage_ids: Sequence[str]) -> dict[str, list[str]]:
        """The indexed tokens of the given passages."""
        with self.db.lock:
            rows = self.db.query_in("SELECT passage_id, tokens FROM passage_fts WHERE passage_id IN ({})",
                                    list(passage_ids))
        return {r[0]: r[1].split() for r in rows}

    # Writes: called inside the records' transaction, so that passages and their index rows commit together.
    def add(self, passages: Iterable[Passage]) -> None:
        self.db.executemany("INSERT INTO passage_fts (passage_id, article_id, tokens) VALUES (?, ?, ?)",
                            [(p.id, p.article_id, " ".join(p.tokens)) for p in passages])

    def remove_article(self, article_id: str) -> None:
        self.db.execute("DELETE FROM passage_fts WHERE article_id=?", (article_id,))

    def count(self) -> int:
        with self.db.lock:
            return self.db.execute("SELECT COUNT(*) FROM passage_fts").fetchone()[0]
