"""The answer without a language model: sentences of the top passages scored against the question
(IDF-weighted term overlap plus the passage's retrieval score), the best quoted, each with its
`[n]`. Nothing is written that is not in a passage. When the question's distinctive terms are
missing from the evidence, it abstains and the nearest passages are shown instead."""
from __future__ import annotations

from dataclasses import dataclass

from kb.answer.render import citation_for, in_script, no_answer_text
from kb.records import Answer, Citation, Hit
from kb.retrieve.question import Question
from kb.retrieve.scoring import coverage as term_coverage, sentence_spans
from kb.text import convert, synonyms, tokenize

ABSTAIN_COVERAGE = 0.05  # the best passage must hold at least this share of the question's IDF mass
# Sentence selection, tuned on DRCD dev and the seed questions (bench/drcd.py, README):
# a sentence scores COVERAGE_WEIGHT * its IDF-weighted term coverage + the rest * its passage's score,
# and every sentence within KEEP_RATIO of the best is quoted, up to MAX_SENTENCES.
MAX_SENTENCES = 3
COVERAGE_WEIGHT = 0.65
KEEP_RATIO = 0.6


@dataclass
class ScoredSentence:
    hit: Hit
    start: int  # offset in the passage text
    end: int
    score: float
    coverage: float


def score_sentences(question: Question, hits: list[Hit]) -> tuple[list[ScoredSentence], float]:
    """Every sentence of the hits scored against the question, best first, and the evidence coverage."""
    weights = question.weights
    scored: list[ScoredSentence] = []
    best_coverage = 0.0
    for hit in hits:
        best_coverage = max(best_coverage, term_coverage(weights, set(tokenize(hit.passage.text))))
        previous_tokens: set[str] = set()
        previous_end = -2
        for start, end in sentence_spans(hit.passage.text):
            sentence = hit.passage.text[start:end]
            tokens = set(tokenize(sentence))
            # A sentence often leans on the one before it in its line (他们预测… after 「回补派」…):
            # half its coverage comes from the pair.
            context = previous_tokens if "\n" not in hit.passage.text[previous_end:start] else set()
            coverage = 0.5 * term_coverage(weights, tokens) + 0.5 * term_coverage(weights, tokens | context)
            previous_tokens, previous_end = tokens, end
            scored.append(ScoredSentence(hit, start, end, COVERAGE_WEIGHT * coverage + (1 - COVERAGE_WEIGHT) * hit.score,
                                         coverage))
    scored.sort(key=lambda s: -s.score)
    return scored, best_coverage


def missing_terms(question: Question, hits: list[Hit]) -> list[str]:
    """Names and domain terms of the question that the knowledge base does not hold.

    A question about 欧洲央行 or CPI answered from passages that never name them would quote
    something unrelated; such a question is better answered with "not in the knowledge base".
    A term counts as held when the retrieved passages (or their titles) mention it or a synonym,
    or when any stored passage does (the question's document frequencies): jieba tags ordinary
    words such as 东西 or 海港 as place names, and a word the store knows is a retrieval miss,
    not a gap in knowledge.
    """
    evidence = convert.fold_width("\n".join(f"{h.article.title}\n{h.passage.text}" for h in hits).lower())
    return [term for term in question.named
            if not any(word in evidence for word in synonyms(term)) and not question.stored(term)]


def extractive_answer(question: Question, hits: list[Hit], script: str) -> Answer:
    if not hits:
        return Answer(question.asked, no_answer_text(script), True, [], hits, script)
    scored, coverage = score_sentences(question, hits)
    missing = missing_terms(question, hits)
    if coverage < ABSTAIN_COVERAGE or not scored or missing:
        warnings = [f"未在资料中找到: {'、'.join(missing)}"] if missing else []
        return Answer(question.asked, no_answer_text(script), True, [], hits, script, warnings=warnings)
    best = scored[0].score
    chosen: list[ScoredSentence] = []
    quoted: set[str] = set()  # overlapping passages repeat a sentence: quote it once
    for candidate in scored:
        if len(chosen) == MAX_SENTENCES or candidate.score < KEEP_RATIO * best:
            break
        sentence = candidate.hit.passage.text[candidate.start:candidate.end]
        if sentence not in quoted and sum(1 for c in chosen if c.hit is candidate.hit) < 2:
            chosen.append(candidate)
            quoted.add(sentence)
    citations: list[Citation] = []
    numbers: dict[tuple[str, int], int] = {}
    parts = []
    for item in chosen:
        key = (item.hit.passage.id, item.start)
        if key not in numbers:
            numbers[key] = len(citations) + 1
            citations.append(citation_for(numbers[key], item.hit, item.start, item.end))
        cite = citations[numbers[key] - 1]
        parts.append(in_script(cite.sentence, cite.sentence_original, item.hit.article.script, script)
                     + f"[{numbers[key]}]")
    return Answer(question.asked, "".join(parts), False, citations, hits, script)
