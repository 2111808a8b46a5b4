"""Answer stage: compose a cited answer from retrieved passages.

    sentences.py   every sentence of the hits scored against the question
    outlines.py    where each line of a passage stands: its heading, the item it is indented under
    extractive.py  the default: the best sentences quoted, or an abstention
    leading.py     which of the chosen sentences comes first: a fitted model (data/leading.json)
    refusals.py    when the evidence does not hold the answer: names, years, amounts it lacks; weak evidence
    kinds.py       what an answer of each kind looks like in a sentence (amounts, dates, names…)
    lists.py       the items after a lead-in that ends in a colon, an item's sub-items
    extremes.py    the list item a superlative asks for (the most likely scenario, the smallest amount)
    evidence.py    whether the evidence holds the answer: a fitted model (data/abstention.json)
    facts.py       article facts (author, date, source…) answered from the record
    overview.py    what the article says (its summary, its conclusion), whom it names
    render.py      text in the asked script, citations
    llm/           with KB_LLM_BASE_URL: an OpenAI-compatible model writes the answer from the same
                   passages; its markers are checked, and any failure falls back to the extractive answer
"""
from __future__ import annotations

from typing import Callable

from kb.answer import evidence, overview
from kb.answer.extractive import SOURCES_NOTE, extractive_answer
from kb.answer.refusals import missing_terms
from kb.answer.facts import fact_answer, the_article
from kb.answer.overview import overview_answer
from kb.answer.render import NO_ANSWER, citation_for
from kb.config import Settings
from kb.records import Answer, Article, Hit, Passage
from kb.retrieve.question import Question

__all__ = ["NO_ANSWER", "answer", "citation_for", "extractive_answer", "missing_terms"]


def answer(question: Question, hits: list[Hit], *, script: str | None = None,
           settings: Settings | None = None, use_llm: bool | None = None,
           on_token: Callable[[str], None] | None = None,
           following: Callable[[Passage], Passage | None] | None = None, only_article: Article | None = None,
           similarity: Callable[[list[str]], list[float]] | None = None, model: str | None = None,
           article_passages: Callable[[str], list[Passage]] | None = None) -> Answer:
    """The answer to `question` from `hits`, in `script` (default: the question's own script).

    An article-fact question is answered from the article's record (`only_article` when the store
    holds one article, else the first hit's); `following` lets a quoted list run into the next passage;
    `similarity` (question against sentences, by embedding) chooses sentences for a question in another language;
    `model` names the embedder whose cosines the hits carry (its measured floor for weak evidence);
    `article_passages` gives an article's passages, for a question about the article as a whole (kb.answer.overview)."""
    script = script or question.script
    about = overview.asked(question)
    if about and article_passages is not None:
        whole = overview_answer(question, about, the_article(hits, only_article), article_passages, hits, script,
                                [SOURCES_NOTE] if question.language != "zh" else [])
        if whole is not None:
            return whole
    if question.kind == "article_fact":
        facts = fact_answer(question, the_article(hits, only_article), hits, script)
        if facts is not None:
            return facts
    # Hits of a keyword-only search carry no cosines: judge their evidence without them.
    scored_by = model if any(h.dense_score is not None for h in hits) else None
    extractive = extractive_answer(question, hits, script, following, similarity,
                                   evidence.model_for(scored_by, question.total))
    settings = settings or Settings.from_env()
    wants_llm = use_llm if use_llm is not None else bool(settings.llm_base_url)
    if not wants_llm or extractive.abstained or not settings.llm_base_url:
        return extractive
    from kb.answer import llm

    return llm.generate_answer(question.asked, hits, extractive, settings, script=script, on_token=on_token,
                               language=question.language)
