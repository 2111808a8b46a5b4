"""Answer stage: compose a cited answer from retrieved passages.

Without a language model (the default) the answer is extractive: sentences of the top passages are
scored against the question (IDF-weighted term overlap plus the passage's retrieval score) and the
best are quoted, each with its `[n]`. Nothing is written that is not in a passage. When the question's
distinctive terms are missing from the evidence, it abstains and shows the nearest passages.
With `KB_LLM_BASE_URL` set, an OpenAI-compatible model writes the answer from the same passages
(`kb.answer.llm`); its markers are checked, and any failure falls back to the extractive answer.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from kb.config import Settings
from kb.records import Answer, Citation, Hit
from kb.retrieve import coverage as _coverage, idf_weights as _idf_weights, normalize_query, sentence_spans
from kb.store import Store
from kb.text import convert, named_terms, synonyms, tokenize, tokenize_query

ABSTAIN_COVERAGE = 0.05  # the best passage must hold at least this share of the question's IDF mass
# Sentence selection, tuned on DRCD dev and the seed questions (bench/drcd.py, README):
# a sentence scores COVERAGE_WEIGHT * its IDF-weighted term coverage + the rest * its passage's score,
# and every sentence within KEEP_RATIO of the best is quoted, up to MAX_SENTENCES.
MAX_SENTENCES = 3
COVERAGE_WEIGHT = 0.65
KEEP_RATIO = 0.6
NO_ANSWER = "知识库中没有找到这个问题的答案。以下是最接近的段落。"


@dataclass
class ScoredSentence:
    hit: Hit
    start: int  # offset in the passage text
    end: int
    score: float
    coverage: float


passage_sentences = sentence_spans


def score_sentences(question: str, hits: list[Hit], store: Store) -> tuple[list[ScoredSentence], float]:
    """Every sentence of the hits scored against the question, best first, and the evidence coverage."""
    weights = _idf_weights(store, tokenize_query(normalize_query(question)))
    scored: list[ScoredSentence] = []
    best_coverage = 0.0
    for hit in hits:
        best_coverage = max(best_coverage, _coverage(weights, set(tokenize(hit.passage.text))))
        previous_tokens: set[str] = set()
        previous_end = -2
        for start, end in passage_sentences(hit.passage.text):
            sentence = hit.passage.text[start:end]
            tokens = set(tokenize(sentence))
            # A sentence often leans on the one before it in its line (他们预测… after 「回补派」…):
            # half its coverage comes from the pair.
            context = previous_tokens if "\n" not in hit.passage.text[previous_end:start] else set()
            coverage = 0.5 * _coverage(weights, tokens) + 0.5 * _coverage(weights, tokens | context)
            previous_tokens, previous_end = tokens, end
            scored.append(ScoredSentence(hit, start, end, COVERAGE_WEIGHT * coverage + (1 - COVERAGE_WEIGHT) * hit.score, coverage))
    scored.sort(key=lambda s: -s.score)
    return scored, best_coverage


def missing_terms(question: str, hits: list[Hit], store: Store | None = None) -> list[str]:
    """Names and domain terms of the question that the knowledge base does not hold.

    A question about 欧洲央行 or CPI answered from passages that never name them would quote
    something unrelated; such a question is better answered with "not in the knowledge base".
    A term counts as held when the retrieved passages (or their titles) mention it or a synonym,
    or, given `store`, when any stored passage does: jieba tags ordinary words such as 东西 or
    海港 as place names, and a word the store knows is a retrieval miss, not a gap in knowledge.
    """
    evidence = "\n".join(f"{h.article.title}\n{h.passage.text}" for h in hits).lower()
    evidence = convert.fold_width(evidence)
    missing = [term for term in named_terms(normalize_query(question))
               if not any(word in evidence for word in synonyms(term))]
    if store is None or not missing:
        return missing
    frequencies, _ = store.document_frequencies([w for term in missing for w in synonyms(term)])
    return [term for term in missing if not any(frequencies[w] for w in synonyms(term))]


def question_script(question: str) -> str:
    return convert.detect_script(question)


def _render(text: str, original: str, article_script: str, script: str) -> str:
    """Text in the asked script: the original words when the article was written in that script."""
    if script == "hans":
        return text
    if article_script == script and len(original) == len(text):
        return original
    return convert.to_script(text, script)


def citation_for(n: int, hit: Hit, start: int, end: int) -> Citation:
    passage = hit.passage
    same_length = len(passage.text) == len(passage.text_original)
    sentence_original = passage.text_original[start:end] if same_length else passage.text_original
    return Citation(
        n=n, article_id=hit.article.id, title=hit.article.title, source=hit.article.source,
        author=hit.article.author, published=hit.article.published, url=hit.article.url,
        passage=passage.text, passage_original=passage.text_original, sentence=passage.text[start:end],
        sentence_original=sentence_original, sentence_start=start, position=passage.position,
        score=round(hit.score, 4),
    )


def extractive_answer(question: str, hits: list[Hit], store: Store, script: str) -> Answer:
    if not hits:
        return Answer(question, _render(NO_ANSWER, NO_ANSWER, "hans", script), True, [], hits, script)
    scored, coverage = score_sentences(question, hits, store)
    missing = missing_terms(question, hits, store)
    if coverage < ABSTAIN_COVERAGE or not scored or missing:
        warnings = [f"未在资料中找到: {'、'.join(missing)}"] if missing else []
        return Answer(question, _render(NO_ANSWER, NO_ANSWER, "hans", script), True, [], hits, script,
                      warnings=warnings)
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
        parts.append(_render(cite.sentence, cite.sentence_original, item.hit.article.script, script)
                     + f"[{numbers[key]}]")
    return Answer(question, "".join(parts), False, citations, hits, script)


def answer(question: str, hits: list[Hit], store: Store, *, script: str | None = None,
           settings: Settings | None = None, use_llm: bool | None = None,
           on_token: Callable[[str], None] | None = None) -> Answer:
    """The answer to `question` from `hits`, in `script` (default: the question's own script)."""
    script = script or question_script(question)
    extractive = extractive_answer(question, hits, store, script)
    settings = settings or Settings.from_env()
    wants_llm = use_llm if use_llm is not None else bool(settings.llm_base_url)
    if not wants_llm or extractive.abstained or not settings.llm_base_url:
        return extractive
    from kb.answer import llm

    return llm.generate_answer(question, hits, extractive, settings, script=script, on_token=on_token)
