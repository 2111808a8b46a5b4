"""A question, read once: what retrieval and answering use, computed a single time per question."""
from __future__ import annotations

from dataclasses import dataclass, field

from kb.retrieve.scoring import bm25_idf, coverage_idf
from kb.text import convert, expand_query, named_terms, synonyms, tokenize_query


def normalize_query(query: str) -> str:
    """Width-folded Simplified text: what both sides of the search compare against."""
    folded = convert.fold_width(query.strip())
    return convert.to_simplified(folded)


@dataclass
class Question:
    asked: str  # as the user wrote it
    text: str  # width-folded Simplified: what is embedded and segmented
    script: str  # the script it was asked in: answers come back in it
    tokens: list[str]  # index-time segmentation of `text`, stopwords out
    expanded: list[str]  # tokens, then their synonyms: what the keyword index is asked for
    named: list[str]  # names and domain terms (kb.text.named_terms)
    frequencies: dict[str, int] = field(default_factory=dict, repr=False)  # document frequency of every word above
    total: int = 0  # passages in the store when it was read

    @property
    def weights(self) -> dict[str, float]:
        """Coverage IDF of the question's own tokens (not their synonyms)."""
        own = set(self.tokens)
        return {t: coverage_idf(df, self.total) for t, df in self.frequencies.items() if t in own}

    @property
    def keyword_weights(self) -> dict[str, float]:
        """BM25 IDF of the expanded tokens the store holds."""
        asked = set(self.expanded)
        return {t: bm25_idf(df, self.total) for t, df in self.frequencies.items() if df and t in asked}

    def stored(self, term: str) -> bool:
        """Whether any stored passage holds `term` or one of its synonyms."""
        return any(self.frequencies.get(word) for word in synonyms(term))


def read_question(asked: str, store=None) -> Question:
    """Normalise, segment, expand and name a question; with `store`, one look-up of the document
    frequencies of every word any later step weighs."""
    text = normalize_query(asked)
    tokens = tokenize_query(text) if text else []
    expanded = expand_query(tokens)
    named = named_terms(text) if text else []
    question = Question(asked, text, convert.detect_script(asked), tokens, expanded, named)
    if store is not None and text:
        words = expanded + [w for term in named for w in sorted(synonyms(term))]
        question.frequencies, question.total = store.document_frequencies(words)
    return question
