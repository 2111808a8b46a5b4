"""The answer without a language model: the best-scored sentences of the top passages
(kb.answer.sentences) quoted, each with its `[n]`, the one likeliest to hold the answer first
(kb.answer.leading). Nothing is written that is not in a passage.

A pronoun sentence brings the sentence it leans on, a sub-item the item or sub-item holding the amount
or date it lacks (quoted first), a lead-in that ends with a colon the list items after it, for a
question asking which items, an item its sub-items, for one asking what each item has (分别), the list's
items (or, where the best sentence is a sub-item, the like sub-item under every item), and for a superlative
(kb.answer.extremes), the item it asks for with its sub-item. A first sentence that restates what is asked brings
the one after it. Where the question asks which year and the first sentence names one year the question does
not, the answer leads with it (`Answer.short`): the one short answer measured reliable enough to show.

It abstains, showing the nearest passages instead, when the evidence does not hold the answer
(kb.answer.refusals).
"""
from __future__ import annotations

import re
from typing import Callable

from kb.answer import dates, evidence, extremes, kinds, leading, lists
from kb.answer.refusals import refusal
from kb.answer.render import citation_for, in_script, no_answer_text
from kb.answer.holds import KEEP_RATIO, THEY
from kb.answer.sentences import ANAPHOR, ASKS, EXAMPLE, ScoredSentence, score_sentences
from kb.records import Answer, Citation, Hit, Passage
from kb.retrieve.question import Question
from kb.text import LIST_ITEM, sentence_spans, token_set

# Quoted, each within KEEP_RATIO of the best (kb.answer.sentences). Four, not three: a quoted sentence holds the answer
# on DRCD dev 0.9191 -> 0.9274, CMRC trial 0.803 -> 0.825, typed 0.981 -> 0.991, held-out 0.932 -> 0.966; the first
# quoted sentence is the same; answers 16% longer (DRCD dev: 133 -> 154 characters on average). README "Answers".
MAX_SENTENCES = 4
SOURCES_NOTE = "The sources are in Chinese; the answer quotes them as written."
# A reason or definition question whose first quoted sentence holds no cue of its kind (因为, 即…) may be answered by
# one that restates what is asked about: the sentence after it in its paragraph goes on to say why or what, and is
# quoted after it. Not for method questions: none gained on DRCD dev, and on the seed article the sentence after
# "…旨在维持银行体系准备金处于「充裕」水平。" says no how. So is the sentence after a first quoted sentence that is
# mostly the question's own words ("我们可以将当时的货币市场比作一个巨大的水库。" asked 当时的货币市场比作一个巨大的
# 水库,怎么回事?): fewer than ECHO_SHARE of its words new. A sentence that asks is no answer: it is not brought.
# DRCD dev answer_hit 0.9271 -> 0.9279 (reason and definition: +3) -> 0.9291 (echoes: +4; 0.15: +3, 0.45: +7 with
# 343 answers longer, not 153), none lost; CMRC trial 0.825 -> 0.827; typed sets +1 (the fifth blind set's, after
# its measurement). Every kind whose first sentence holds nothing of it (no name, no word of the sort asked): DRCD
# +5 more, but 269 answers one sentence longer, on the seed article mostly by a sentence that adds nothing: not
# kept. README "Answers".
_GOES_ON = ("reason", "definition")
ECHO_SHARE = 0.3
# So is the sentence after it that spells out what it announces: "…「微观流动性危机」信号是关键。其中最引人注目的,是…".
# DRCD dev and CMRC trial: no answer gained or lost (9 and 4 answers one sentence longer); typed sets +3 (the
# fresh, seventh and ninth blind sets', after their measurement).
_SPELLS_OUT = re.compile(rf"\s*(?:其中|具体(?:而言|来说|来讲|地说)|{EXAMPLE})")
# So is the sentence after one that announces something without saying what ("…做出了一个历史性的决定。", "…迎来了一个
#重要的里程碑。"): it says what; where it announces too, the one after it as well.
# Only what is said of the thing is an adjective (历史性的, 重要的): 一个降息25个基点的决定 says what.
_ANNOUNCES = re.compile(r"(?:做出|作出|宣布|迎来|发生|出现|经历|面临)了?(?:一个|一项|一次|一场)(?:[^。，,;；\d]{1,6}的|[^。，,;；\d]{0,4})"
                        r"(?:决定|决策|举措|变化|转变|转折|里程碑|事件|消息|时刻)[。!！]?\s*$")
_NAMED_FIRST = ("person", "time")  # asked who or when, the sentence a best sentence leans on answers: it comes first
_PER_ITEM = re.compile(r"分别|各自|各是|\beach of\b|\brespectively\b")


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
    asked_extreme = extremes.superlative(question.text)
    # the question's words with their Chinese ones (scenario: 情景) name what the list's items are
    extreme = extremes.extreme_lines(asked_extreme, " ".join([question.text, *question.expanded]), hits, following) \
        if asked_extreme else None
    scored, coverage = score_sentences(question, hits, similarity, extreme)
    refused = refusal(question, hits, scored, coverage, evidence_model)
    if refused is not None:
        return abstain(refused)
    chosen = _choose(scored)
    short = _short_answer(question, chosen[0])
    if short is None:  # a year the best sentence names answers a which-year question: it leads
        chosen = leading.lead(question, chosen)
    citations: list[Citation] = []
    numbers: dict[tuple[str, int], int] = {}
    quoted_texts: set[str] = set()
    parts = []

    def quote(hit: Hit, start: int, end: int) -> str:
        key, text = (hit.passage.id, start), hit.passage.text[start:end].strip()
        # quoted already: a chosen sentence that is also an item of a list quoted before it, or the same sentence
        # in the passage overlapping this one
        if key in numbers or text in quoted_texts:
            return ""
        quoted_texts.add(text)
        numbers[key] = len(citations) + 1
        citations.append(citation_for(numbers[key], hit, start, end))
        cite = citations[numbers[key] - 1]
        return in_script(cite.sentence, cite.sentence_original, hit.article.script, script) + f"[{numbers[key]}]"

    # what each item tells (三个情景下股市分别会怎么走?): the best sentence's like under every item, with its item
    parallel = _parallel(question, chosen[0], hits, following)
    for item_hit, item_span, sub_hit, sub_span in parallel:
        parts += [quote(item_hit, *item_span), quote(sub_hit, *sub_span)]
    for at, item in enumerate([] if parallel else chosen):
        lead_in = _list_of(question, item) if item is chosen[0] else None
        if lead_in is not None:  # what each item has: the items of the list its best sentence is one of
            parts += [quote(hit, start, end) for hit, start, end in lists.items_after(item.hit, lead_in[1], following)]
            break
        context = item.leans_on and not any(c.hit is item.hit and c.start == item.leans_on[0] for c in chosen[:at])
        # a sentence holding what is asked refers back by any pronoun; one that holds nothing leans only by 他们.
        # Asked who, a sentence that names no one leans on the one naming the person: that one answers, and comes
        # first (first quoted sentence holds the answer: DRCD dev +3 (11 up, 6 down, where jieba tags no name in the
        # answer: 李勣, 汉人), CMRC trial the same (2 up, 2 down), typed sets +1; every kind of name: DRCD -0.3 points).
        # The same asked when: the sentence naming the date comes first (DRCD dev +8: 15 up, 7 down; CMRC trial +1; typed
        # sets +1; asked how much too: DRCD -2). For these, the sentence it leans on is never quoted after it (below).
        own = item.text
        refers = item.leans_back or (ANAPHOR if item.holds else THEY).match(own) or question.kind in _NAMED_FIRST
        # an item or sub-item holding the amount or date a sub-item lacks answers; the sub-item describes it
        # (not a name: jieba tags words of an item's title as names, 休克 of 流动性休克)
        block = question.kind in kinds.EVIDENCE_KINDS and item.leans_on is not None and (
            item.leans_on == item.parent or item.leans_on in item.siblings)
        if (context and refers) or block:
            parts.append(quote(item.hit, *item.leans_on))  # what "他" stands for, or the amount its item holds
        # the item a superlative asks for, named before its sub-item (after it, when the sub-item holds the amount
        # or date asked: the answer first)
        item_asked = item.extreme and item.parent is not None and not block and extreme is not None and \
            item.hit.passage.text[item.parent[0]:item.parent[1]].strip() in extreme[item.hit.article.id]
        # asked what it is called (每月买200到300亿的那个情景叫什么?), the item's title names what its sub-item tells
        # (not an item that has sub-items itself: a passage cut inside a list puts "3. 情景C…" under the item before)
        item_asked = item_asked or (item is chosen[0] and item.parent is not None and not block and not context
                                    and question.kind not in kinds.SHORT_KINDS  # 全名叫啥 asks a person's name
                                    and bool(kinds.ASKS_NAME.search(question.text.lower()))
                                    and not lists.leads_sub_items(item.hit.passage.text, item.start, item.end)
                                    # a lead-in ("…策略调整:") names no thing: it introduces the list
                                    and not lists.is_lead_in(item.hit.passage.text[item.parent[0]:item.parent[1]]))
        if item_asked and question.kind not in kinds.EVIDENCE_KINDS:
            parts.append(quote(item.hit, *item.parent))
        parts.append(quote(item.hit, item.start, item.end))
        if item is chosen[0] and item.siblings and question.kind not in kinds.SHORT_KINDS \
                and kinds.ASKS_OUTCOME.search(question.text.lower()):
            parts += [quote(item.hit, *span) for span in _outcomes(item)]  # what follows it, as its item tells
        after = _next_sentence(item.hit.passage.text, item.end) if item is chosen[0] else None
        after_text = item.hit.passage.text[after[0]:after[1]] if after else ""
        announces = item is chosen[0] and bool(_ANNOUNCES.search(own))
        if after and ((question.kind in _GOES_ON and item.holds is False) or _echoes(question, own)
                      or _SPELLS_OUT.match(after_text) or announces):
            parts.append(quote(item.hit, *after))  # it says why or what of the sentence it follows
            if announces and _ANNOUNCES.search(after_text):  # …迎来了一个重要的里程碑。…做出了一个历史性的决定。
                then = _next_sentence(item.hit.passage.text, after[1])
                if then:
                    parts.append(quote(item.hit, *then))
            if lists.is_lead_in(after_text):  # …深层矛盾: and the list it leads in
                parts += [quote(hit, start, end) for hit, start, end in lists.items_after(item.hit, after[1], following)]
        if item_asked and question.kind in kinds.EVIDENCE_KINDS:
            parts.append(quote(item.hit, *item.parent))
        if context and not refers and not block:
            parts.append(quote(item.hit, *item.leans_on))  # the sentence that answers first, its context after
        answers_which_items = question.kind == "list" and item is chosen[0]
        if lists.is_lead_in(item.text) or (
                answers_which_items and lists.leads_sub_items(item.hit.passage.text, item.start, item.end)):
            items = lists.items_after(item.hit, item.end, following)
            parts += [quote(hit, start, end) for hit, start, end in items]
            if items and answers_which_items:
                break  # the list is the answer: the sentences chosen after it were other lists' lead-ins or items
    text = "".join(parts)
    warnings = []
    if question.language != "zh":
        warnings.append(SOURCES_NOTE)
    if short:
        text = f"**{in_script(short, short, 'hans', script)}** " + text
    return Answer(question.asked, text, False, citations, hits, script, warnings=warnings, short=short,
                  kind=question.kind)


_OUTCOME_LABEL = re.compile(r"(?:结果|后果|影响|结局)$")  # 结果, 最终结果, 市场影响: a sub-item telling what follows


def _outcomes(item: ScoredSentence) -> list[tuple[int, int]]:
    """The sub-items beside `item` that tell what follows: those labelled as outcomes ("• 结果:回购市场再次爆发
    危机…"), else those after it; none where its own line is an outcome."""
    text = item.hit.passage.text

    def line_label(start: int) -> str:
        end = text.find("\n", start)
        return lists.label(text[text.rfind("\n", 0, start) + 1:end if end >= 0 else len(text)].strip()) or ""

    if _OUTCOME_LABEL.search(line_label(item.start)):
        return []
    labelled = [span for span in item.siblings if _OUTCOME_LABEL.search(line_label(span[0]))]
    return (labelled or [span for span in item.siblings if span[0] > item.start])[:lists.MAX_ITEMS]


def _list_of(question: Question, item: ScoredSentence) -> tuple[int, int] | None:
    """The lead-in of the list whose item is the best sentence, for a question asking what each item has that
    does not name one (三种情景的机率分别是多少?: "面对…以下几种情景假设:" above "1. 情景A:…(机率40%)"). Not for
    one asking which things (文中被当作"准现金"的是哪两样东西?: in one item of a list of reasons)."""
    if question.kind != "list" or item.parent is None or not _PER_ITEM.search(question.text):
        return None
    text = item.hit.passage.text
    line = text[text.rfind("\n", 0, item.start) + 1:item.end]
    label = lists.item_label(line)
    if not LIST_ITEM.match(line) or not label or label.lower() in question.text:
        return None
    return item.parent if lists.is_lead_in(text[item.parent[0]:item.parent[1]]) else None


def _parallel(question: Question, best: ScoredSentence, hits: list[Hit],
              following: Callable[[Passage], Passage | None] | None
              ) -> list[tuple[Hit, tuple[int, int], Hit, tuple[int, int]]]:
    """For a question asking what each item has (分别, each of) that names none of them, where the best sentence is a
    sub-item of a list's item ("• 结果:风险资产出现「融涨」…" under "2. 情景B:…"): the like sub-item of every item of
    the list, with its item (kb.answer.lists.parallel_sub_items). The list may begin in a passage before the
    sentence's (passages overlap by a sentence, and one starting on a sub-item has lost the item above it): it is
    read from each passage of the article holding the sentence or one of the same label, and the longest reading
    that holds the sentence is the list."""
    if not _PER_ITEM.search(question.text):
        return []
    sentence = best.text.strip()
    label = lists.label(sentence)
    same_label = re.compile(r"(?m)^[ \t]*\S+[ \t]*" + re.escape(label) + "[:：]") if label else None
    longest: list[tuple[Hit, tuple[int, int], Hit, tuple[int, int]]] = []
    for hit in [best.hit] + [h for h in hits if h is not best.hit and h.article.id == best.hit.article.id]:
        text = hit.passage.text
        starts = [best.start] if hit is best.hit else [text.find(sentence)]
        starts += [m.start() for m in same_label.finditer(text)] if same_label else []
        for at in (at for at in starts if at >= 0):
            found = lists.parallel_sub_items(hit, at, following)
            if len(found) > len(longest) and any(sentence in sub_hit.passage.text[slice(*sub)]
                                                 for _, _, sub_hit, sub in found):
                longest = found
    if any(lists.names_item(question.text, item_hit.passage.text[slice(*item)]) for item_hit, item, _, _ in longest):
        return []  # one item asked of (情景B下…分别是什么?): its own sub-items answer
    return longest


def _echoes(question: Question, sentence: str) -> bool:
    """Whether a sentence is mostly the question's own words (fewer than ECHO_SHARE of its words new)."""
    tokens = token_set(sentence)
    asked = set(question.tokens) | set(question.expanded)
    return bool(tokens) and len(tokens - asked) < ECHO_SHARE * len(tokens)


def _next_sentence(text: str, end: int) -> tuple[int, int] | None:
    """The sentence after the one ending at `end`, in its line (its paragraph), unless it asks."""
    for start, stop in sentence_spans(text):
        if start >= end:
            return (start, stop) if "\n" not in text[end:start] and not ASKS.search(text[start:stop]) else None
    return None


def _choose(scored: list[ScoredSentence]) -> list[ScoredSentence]:
    best = scored[0].score
    chosen: list[ScoredSentence] = []
    quoted: set[str] = set()  # overlapping passages repeat a sentence: quote it once
    deferred: list[tuple[ScoredSentence, str]] = []
    # where a passage starts on a sentence that leans on the one before it, the passage overlapping it holds both
    leaning: dict[str, ScoredSentence] = {}
    for candidate in scored:
        if candidate.leans_on and candidate.score >= KEEP_RATIO * best:
            leaning.setdefault(candidate.text, candidate)
    for candidate in scored:
        if len(chosen) == MAX_SENTENCES or candidate.score < KEEP_RATIO * best:
            break
        sentence = candidate.text
        if not candidate.leans_on and candidate.previous is None:
            candidate = leaning.get(sentence, candidate)
        if sentence in quoted:
            continue
        if sum(1 for c in chosen if c.hit is candidate.hit) < 2:
            chosen.append(candidate)
            quoted.add(sentence)
        else:
            deferred.append((candidate, sentence))
    # a third sentence of one passage, where room is left after the other passages' near enough ones
    for candidate, sentence in deferred:
        if len(chosen) == MAX_SENTENCES:
            break
        if sentence not in quoted:
            chosen.append(candidate)
            quoted.add(sentence)
    return chosen


def _short_answer(question: Question, top: ScoredSentence) -> str | None:
    """The year the first quoted sentence names, for a question asking which year, if it names exactly
    one that the question does not.

    A short answer is shown only where it is right often enough to lead the answer (precision >= 0.8
    on DRCD dev, bench/drcd.py): this one was exact for 0.92 of the 241 questions that got it; the
    single candidate of the other kinds held a gold answer 0.4-0.6 of the time (README, "Answers").
    Article facts, read from the record, are shown too (kb.answer.facts)."""
    if question.kind != "time" or not dates.asks_year(question.text):
        return None
    candidates = [year for year in dates.years(top.text) if year not in question.text]
    return candidates[0] if len(candidates) == 1 else None
