"""The answer without a language model: sentences of the top passages scored against the question,
the best quoted, each with its `[n]`. Nothing is written that is not in a passage.

A sentence scores by the share of the question's content (IDF-weighted, synonyms counting as the
word; the sentence before it in its line and its section's heading count as context), by the share of
the question's character pairs it holds (whatever jieba's cut), by its passage's retrieval score, by its
cosine with the question (sentence vectors are embedded at ingestion, into the embedding cache), and
by whether it holds what the question asks for (an amount, a date, a name, a definition…:
kb.answer.kinds). A lead-in that ends with a colon brings the list items after it. Where the question
asks which year and the first sentence names one year the question does not, the answer leads with
it (`Answer.short`): the one short answer measured reliable enough to show.

It abstains, showing the nearest passages instead, when the evidence does not hold the answer: a
name or domain term of the question is in no retrieved and no stored passage, the content words
are barely covered, no well-covered sentence holds anything of the expected kind, or the evidence
as a whole is too weak by a fitted, measured model (kb.answer.evidence).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, NamedTuple

from kb.answer import evidence, kinds, lists
from kb.answer.render import citation_for, in_script, no_answer_text
from kb.records import Answer, Citation, Hit, Passage
from kb.retrieve.question import Question
from kb.retrieve.scoring import coverage as term_coverage, minmax
from kb.text import convert, outline, sentence_spans, synonyms, tags_within, token_set

ABSTAIN_COVERAGE = 0.05  # the best passage must hold at least this share of the question's IDF mass
# Sentence selection, tuned on DRCD dev and the seed questions (bench/drcd.py, README):
# a sentence scores COVERAGE_WEIGHT * its IDF-weighted term coverage + the rest * its passage's score,
# plus KIND_WEIGHT when it holds what the question asks for; every sentence within KEEP_RATIO of the
# best is quoted, up to MAX_SENTENCES.
MAX_SENTENCES = 3
COVERAGE_WEIGHT = 0.65
KIND_WEIGHT = 0.15
# The share of the question's character bigrams a sentence holds adds this much: jieba may cut a phrase
# one way in the question and another in the sentence (first quoted sentence holds the answer: DRCD dev
# 0.810 -> 0.814, CMRC trial 0.653 -> 0.666; the typed set 0.813 -> 0.794, README "Answers").
CHARACTER_WEIGHT = 0.2
# An amount or date question: a sentence without one loses this share of its score.
KIND_PENALTY = 0.3
# A question not written in Chinese shares few words with the passages: what it asks for weighs more.
KIND_WEIGHT_OTHER_LANGUAGE = 0.5
KEEP_RATIO = 0.6
# The sentence's cosine with the question by the embedder (scaled to [0, 1] among the candidates) adds this
# much: it reads a paraphrase that shares few words. First quoted sentence holds the answer: DRCD dev
# 0.814 -> 0.827 (weight 1.0: 0.825, 0.3: 0.824), CMRC trial 0.666 -> 0.668 (1.0: 0.652); README "Answers".
MEANING_WEIGHT = 0.6
# A question's amount or date must show in a sentence covering at least this share of what the best sentence
# covers: on the typed set, answerable questions measured 0.54 or more, unanswerable ones 0.04 or less.
KIND_EVIDENCE = 0.3
# A heading line (RMP情景分析与机构投资者策略建议) or a sentence that asks (RMP如何影响风险资产?) introduces the
# answer rather than giving it, yet repeats the question's words: its score is discounted (a heading may still
# hold the answer: 机构投资者). Typed set answer@1 0.794 -> 0.813 (0.5: the same, held-out one answer fewer);
# on DRCD dev, whose paragraphs have no headings, no first quoted sentence changed (164 sentences ask).
INTRODUCING_DISCOUNT = 0.7
_ASKS = re.compile(r"[?？][」』”’\"'）)】\s]*$")
SOURCES_NOTE = "The sources are in Chinese; the answer quotes them as written."
_DURATION = re.compile(r"多少年|几年|多久|多长时间|多少个月|几个月|多少天|几天|\bhow long\b|\bhow many (years|months|days)\b")
# A sentence that opens on 他/他们/其/该/此… refers back to the one before it; others stand alone.
_ANAPHOR = re.compile(r"\s*(?:[他她它]们?|其|该|此|这|那|彼|上述|前者|后者)")
_GLUED = re.compile(r"([\u4e00-\u9fff]{2})([A-Z])(?![A-Za-z0-9.])")


@dataclass
class ScoredSentence:
    hit: Hit
    start: int  # offset in the passage text
    end: int
    score: float
    coverage: float
    holds: bool | None = None  # holds something of the expected kind (itself, or the sentence it leans on)
    leans_on: tuple[int, int] | None = None  # the sentence before it in its line, or the line it is indented
    # under, when that holds what it lacks
    base: float = 0.0  # the score before what the sentence holds is weighed
    previous: tuple[int, int] | None = None  # the sentence before it in its line
    # the one before that, when `previous` refers back to it (米兰提出了…假说。他认为…。RMP本质上是…)
    earlier: tuple[int, int] | None = None
    meaning: float | None = None  # the embedder's cosine of the sentence and the question
    lift: float = 0.0  # what that cosine adds to `base`
    introduces: bool = False  # a heading line or a sentence that asks: it leads to the answer
    parent: tuple[int, int] | None = None  # the line it is indented under (an item, for its sub-items)


class SentenceScores(list):
    """Scored sentences, best first. What a sentence holds is looked for (jieba's part-of-speech tags,
    ~4 ms a sentence) only where it can change the answer: in the sentences whose best possible
    score can come within KEEP_RATIO of the best, and on demand (`holds`). The rest keep the lowest
    score they could have, below every quotable one, so the quoted sentences are those of a full scoring."""

    def __init__(self, question: Question, scored: list[ScoredSentence]) -> None:
        super().__init__()
        self.question = question
        self.duration = bool(_DURATION.search(question.text.lower()))
        typed = question.kind in kinds.SHORT_KINDS or question.kind in ("definition", "reason")
        self.bonus = (KIND_WEIGHT if question.language == "zh" else KIND_WEIGHT_OTHER_LANGUAGE) if typed else 0.0
        self.penalty = KIND_PENALTY if question.kind in kinds.EVIDENCE_KINDS else 0.0
        best = float("-inf")
        for sentence in sorted(scored, key=lambda s: -s.base):
            if sentence.base + self.bonus >= KEEP_RATIO * best:
                self.holds(sentence)
                best = max(best, sentence.score)
            else:
                sentence.score = self._without(sentence)
        self.extend(sorted(scored, key=lambda s: -s.score))

    def holds(self, sentence: ScoredSentence) -> bool:
        if sentence.holds is None:
            kind, passage = self.question.kind, sentence.hit.passage
            own, tags = passage.text[sentence.start:sentence.end], _tags(passage, sentence.start, sentence.end)
            holds = kinds.holds(kind, own, self.duration, tags)
            if kind in kinds.SHORT_KINDS and not kinds.entities(kind, own, self.duration, tags):
                # 他认为… after 美联储理事斯蒂芬·米兰提出…; "• 结果:股市温和上涨…" under "1. 情景A:…(机率40%)"
                leans_on = next((span for span in (sentence.previous, sentence.earlier, sentence.parent)
                                 if span and kinds.entities(kind, passage.text[span[0]:span[1]], self.duration,
                                                            _tags(passage, *span))), None)
                if leans_on:
                    holds, sentence.leans_on = True, leans_on
            sentence.holds = holds
            sentence.score = sentence.base + self.bonus if holds else self._without(sentence)
        return sentence.holds

    def _without(self, sentence: ScoredSentence) -> float:
        """The score of a sentence that does not hold what the question asks for. Where that is an amount
        or a date, being near the question's meaning is no evidence of it (the sentence that repeats a
        question's words is the nearest, the one with the figure is not), so the cosine's lift goes too."""
        return (sentence.base - sentence.lift) * (1 - self.penalty) if self.penalty else sentence.base


def _tags(passage: Passage, start: int, end: int):
    return tags_within(passage.tags, passage.text, start, end) if passage.tags else None


def score_sentences(question: Question, hits: list[Hit],
                    similarity: Callable[[list[str]], list[float]] | None = None) -> tuple[SentenceScores, float]:
    """Every sentence of the hits scored against the question, best first, and the evidence coverage.

    `similarity` (the question's embedding against each sentence's) stands in for word coverage in a
    question not written in Chinese, which shares almost no words with the passages."""
    weights = question.weights
    grams = evidence.character_bigrams(question.content)
    scored: list[ScoredSentence] = []
    best_coverage = 0.0
    for hit in hits:
        text = hit.passage.text
        heading = token_set(hit.passage.section) if hit.passage.section else set()
        lines = _line_contexts(hit.passage)
        line = 0
        passage_tokens: set[str] = set()  # the union of its sentences' tokens is the passage's (jieba cuts at punctuation)
        previous_tokens: set[str] = set()
        previous: tuple[int, int] | None = None
        previous_end = -2
        earlier: tuple[int, int] | None = None
        previous_refers = False
        asked: set[str] = set()  # the words of the sentence before, when it asks
        for start, end in sentence_spans(text):
            sentence = text[start:end]
            tokens = token_set(sentence)
            passage_tokens |= tokens
            if hit.passage.section and sentence.strip() == hit.passage.section.strip():
                continue  # the section's heading is context for the sentences under it, not an answer
            # A sentence often leans on the one before it in its line (他们预测… after 「回补派」…) and
            # on its section's heading (规模 in "RMP规模之谜"): half its coverage comes from them.
            same_line = "\n" not in text[previous_end:start]
            context = previous_tokens if same_line else set()
            while line + 1 < len(lines) and lines[line + 1].start <= start:
                line += 1
            above = lines[line].above if lines else heading
            if asked:  # the sentence after one that asks answers it: the question's words are its own
                coverage = term_coverage(weights, tokens | asked | above)
            else:
                coverage = 0.5 * term_coverage(weights, tokens) + 0.5 * term_coverage(weights, tokens | context | above)
            base = COVERAGE_WEIGHT * coverage + (1 - COVERAGE_WEIGHT) * hit.score
            if grams:
                base += CHARACTER_WEIGHT * sum(1 for g in grams if g in sentence) / len(grams)
            asks = bool(_ASKS.search(sentence))
            introduces = asks or bool(lines and lines[line].kind == "heading")
            scored.append(ScoredSentence(hit, start, end, base, coverage, base=base,
                                         previous=previous if same_line else None, introduces=introduces,
                                         earlier=earlier if same_line and previous_refers else None,
                                         parent=lines[line].parent if lines else None))
            earlier = previous if same_line else None
            previous_tokens, previous_end, previous = tokens, end, (start, end)
            previous_refers = bool(_ANAPHOR.match(sentence))
            asked = tokens if asks else set()
        best_coverage = max(best_coverage, term_coverage(weights, passage_tokens | heading))
    cosines = similarity([s.hit.passage.text[s.start:s.end] for s in scored]) if similarity and scored else None
    # scaled to [0, 1] among the sentences: cosines are on each model's own scale
    scaled = minmax(list(enumerate(cosines))) if cosines is not None else {}
    for index, (sentence, cosine) in enumerate(zip(scored, cosines or [])):
        sentence.meaning = cosine
        if question.language == "zh":
            sentence.lift = MEANING_WEIGHT * scaled[index]
            sentence.base += sentence.lift
            sentence.score = sentence.base
    for sentence in scored:
        if sentence.introduces:
            sentence.base *= INTRODUCING_DISCOUNT
            sentence.lift *= INTRODUCING_DISCOUNT
            sentence.score = sentence.base
    judged = SentenceScores(question, scored)
    if cosines is not None and question.language != "zh":
        for sentence in scored:
            judged.holds(sentence)
        _score_by_meaning(scored, [scaled[i] for i in range(len(scored))], question.kind)
        judged.sort(key=lambda s: -s.score)
    return judged, best_coverage


class _Line(NamedTuple):
    start: int
    above: frozenset[str]  # the words its sentences stand under
    kind: str  # kb.text.outline's: "heading", "item", "lead", "para"
    parent: tuple[int, int] | None  # the span of the line it is indented under


def _line_contexts(passage: Passage) -> list[_Line]:
    """Each line of a passage with the words its sentences stand under: the heading above it (the passage's
    section, or a heading line inside it) and the line it is indented under (the item "3. 情景C:政策失误…"
    for its sub-item "• 结果:回购市场再次爆发危机…"). A line's own words are cut only where a line stands
    under it (a one-line paragraph, as DRCD's, costs nothing more)."""
    heading = token_set(passage.section) if passage.section else frozenset()
    # (indent, words, span) of the lines above, each deeper than the one before
    parents: list[tuple[int, frozenset[str], tuple[int, int]]] = []
    contexts = []
    lines = outline(passage.text)
    for index, (start, end, kind, indent) in enumerate(lines):
        while parents and parents[-1][0] >= indent:
            parents.pop()
        parent = parents[-1] if parents else None
        contexts.append(_Line(start, heading | parent[1] if parent else heading, kind, parent and parent[2]))
        following = lines[index + 1] if index + 1 < len(lines) else None
        if following is None:
            break
        if kind == "heading":
            heading, parents = token_set(passage.text[start:end]), []
        elif following[3] > indent:  # the next line is indented under this one
            parents.append((indent, token_set(passage.text[start:end]), (start + indent, end)))
        else:
            parents.append((indent, frozenset(), (start + indent, end)))  # popped by the next line
    return contexts


def _score_by_meaning(scored: list[ScoredSentence], scaled: list[float], kind: str) -> None:
    """Coverage replaced by the sentences' similarity to the question (`scaled`: to [0, 1] among them)."""
    for sentence, meaning in zip(scored, scaled):
        sentence.score = COVERAGE_WEIGHT * meaning + (1 - COVERAGE_WEIGHT) * sentence.hit.score
        if kind in kinds.SHORT_KINDS or kind in ("definition", "reason"):
            sentence.score += KIND_WEIGHT_OTHER_LANGUAGE * sentence.holds
        if sentence.introduces:
            sentence.score *= INTRODUCING_DISCOUNT


def missing_terms(question: Question, hits: list[Hit]) -> list[str]:
    """Names and domain terms of the question that the knowledge base does not hold.

    A question about 欧洲央行 or CPI answered from passages that never name them would quote
    something unrelated; such a question is better answered with "not in the knowledge base".
    A term counts as held when the retrieved passages (or their titles, or authors) mention it or a synonym,
    or when any stored passage does (the question's document frequencies): jieba tags ordinary
    words such as 东西 or 海港 as place names, and a word the store knows is a retrieval miss,
    not a gap in knowledge. A term made of two words the evidence holds counts as held (韩国公司 beside
    韩国 and 公司, 东汉时期, 土耳其政府: on DRCD dev's half stores, 0.4% of the answerable questions were
    refused for such a compound). A letter or number glued to a word names a thing of its own (情景D).
    """
    evidence = convert.fold_width("\n".join(f"{h.article.title}\n{h.article.author or ''}\n{h.passage.text}"
                                             for h in hits).lower())
    missing = [term for term in question.named
               if not any(word in evidence for word in synonyms(term)) and not question.stored(term)
               and not any(term[:i] in evidence and term[i:] in evidence for i in range(2, len(term) - 1))]
    glued = ["".join(m.groups()).lower() for m in _GLUED.finditer(question.text)]
    return missing + [name for name in glued if name not in evidence and name not in missing]


def refusal(question: Question, hits: list[Hit], scored: SentenceScores, coverage: float,
            evidence_model: evidence.EvidenceModel | evidence.HandRule | None = None) -> list[str] | None:
    """Why the evidence does not hold the answer (the warnings to show, maybe none), or None when it may."""
    missing = missing_terms(question, hits)
    if missing:
        return [f"未在资料中找到: {'、'.join(missing)}"]
    if not scored or (question.weights and coverage < ABSTAIN_COVERAGE):
        return []
    best_sentence = max(s.coverage for s in scored)
    covering = [s for s in scored if s.coverage >= KIND_EVIDENCE * best_sentence]  # where the answer may be
    if question.kind in kinds.EVIDENCE_KINDS and not any(scored.holds(s) for s in covering):
        return [f"资料中没有找到所问的{question.kind}"]
    units = kinds.asked_unit(question.text)
    if units and not any(units.search(amount) for s in covering
                         for amount in kinds.entities("quantity", s.hit.passage.text[s.start:s.end])):
        return [f"资料中没有找到以「{units.pattern.split('|')[0]}」计的数量"]
    if question.language == "zh" and question.weights and evidence_model is not None and evidence_model.weak(
            evidence.features(question, hits, best_sentence, coverage, meanings(scored))):
        return ["资料中的证据太弱"]
    return None


def meanings(scored: SentenceScores) -> list[float] | None:
    """The sentences' cosines with the question, best-scored first, when the store has their vectors."""
    return [s.meaning for s in scored] if scored and scored[0].meaning is not None else None


def extractive_answer(question: Question, hits: list[Hit], script: str,
                      following: Callable[[Passage], Passage | None] | None = None,
                      similarity: Callable[[list[str]], list[float]] | None = None,
                      evidence_model: evidence.EvidenceModel | evidence.HandRule | None = None) -> Answer:
    """The quoted answer; `following` gives the passage after a passage (for lists that run on),
    `similarity` scores sentences by meaning for a question in another language, `evidence_model`
    (kb.answer.evidence) says when the evidence is too weak to hold the answer."""
    def abstain(warnings: list[str] | None = None) -> Answer:
        return Answer(question.asked, no_answer_text(script), True, [], hits, script, warnings=warnings or [],
                      kind=question.kind)

    if not hits:
        return abstain()
    scored, coverage = score_sentences(question, hits, similarity)
    refused = refusal(question, hits, scored, coverage, evidence_model)
    if refused is not None:
        return abstain(refused)
    chosen = _choose(scored)
    citations: list[Citation] = []
    numbers: dict[tuple[str, int], int] = {}
    parts = []

    def quote(hit: Hit, start: int, end: int) -> str:
        key = (hit.passage.id, start)
        if key in numbers:
            return ""  # quoted already: a chosen sentence that is also an item of a list quoted before it
        numbers[key] = len(citations) + 1
        citations.append(citation_for(numbers[key], hit, start, end))
        cite = citations[numbers[key] - 1]
        return in_script(cite.sentence, cite.sentence_original, hit.article.script, script) + f"[{numbers[key]}]"

    for item in chosen:
        context = item.leans_on and not any(c.hit is item.hit and c.start == item.leans_on[0] for c in chosen)
        refers = _ANAPHOR.match(item.hit.passage.text[item.start:item.end])
        if context and refers:
            parts.append(quote(item.hit, *item.leans_on))  # what "他" or "他们" stands for
        parts.append(quote(item.hit, item.start, item.end))
        if context and not refers:
            parts.append(quote(item.hit, *item.leans_on))  # the sentence that answers first, its context after
        passage_text = item.hit.passage.text
        if lists.is_lead_in(passage_text[item.start:item.end]) or (
                question.kind == "list" and item is chosen[0]
                and lists.leads_sub_items(passage_text, item.start, item.end)):
            parts += [quote(hit, start, end) for hit, start, end in lists.items_after(item.hit, item.end, following)]
    short = _short_answer(question, chosen[0])
    text = "".join(parts)
    warnings = []
    if question.language != "zh":
        warnings.append(SOURCES_NOTE)
    if short:
        text = f"**{in_script(short, short, 'hans', script)}** " + text
    return Answer(question.asked, text, False, citations, hits, script, warnings=warnings, short=short,
                  kind=question.kind)


def _choose(scored: list[ScoredSentence]) -> list[ScoredSentence]:
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
    return chosen


def _short_answer(question: Question, top: ScoredSentence) -> str | None:
    """The year the first quoted sentence names, for a question asking which year, if it names exactly
    one that the question does not.

    A short answer is shown only where it is right often enough to lead the answer (precision >= 0.8
    on DRCD dev, bench/drcd.py): this one was exact for 0.91 of the 148 questions that got it; the
    single candidate of the other kinds held a gold answer 0.4-0.6 of the time (README, "Answers").
    Article facts, read from the record, are shown too (kb.answer.facts)."""
    if question.kind != "time" or not kinds.asks_year(question.text):
        return None
    candidates = [year for year in kinds.years(top.hit.passage.text[top.start:top.end]) if year not in question.text]
    return candidates[0] if len(candidates) == 1 else None
