"""The answer without a language model: the best-scored sentences of the top passages
(kb.answer.sentences) quoted, each with its `[n]`. Nothing is written that is not in a passage.

A pronoun sentence brings the sentence it leans on, a sub-item the item or sub-item holding the amount
or date it lacks (quoted first), a lead-in that ends with a colon the list items after it, for a
question asking which items, an item its sub-items, for one asking what each item has (分别), the list's
items (or, where the best sentence is a sub-item, the like sub-item under every item), and for a superlative (kb.answer.extremes), the item it asks for with its sub-item. Where the question asks which
year and the first sentence names one year the question does not, the answer leads with it
(`Answer.short`): the one short answer measured reliable enough to show.

It abstains, showing the nearest passages instead, when the evidence does not hold the answer: a
name, domain term or year of the question is in no retrieved and no stored passage, the content words
are barely covered, no well-covered sentence holds anything of the expected kind, or the evidence
as a whole is too weak by a fitted, measured model (kb.answer.evidence).
"""
from __future__ import annotations

import re
from typing import Callable

from kb.answer import evidence, extremes, kinds, lists
from kb.answer.render import citation_for, in_script, no_answer_text
from kb.answer.sentences import ANAPHOR, ASKS, KEEP_RATIO, THEY, ScoredSentence, SentenceScores, meanings, score_sentences
from kb.records import Answer, Citation, Hit, Passage
from kb.retrieve.question import Question
from kb.retrieve.scoring import coverage as term_coverage
from kb.text import LIST_ITEM, convert, sentence_spans, synonyms, token_set

ABSTAIN_COVERAGE = 0.05  # the best passage must hold at least this share of the question's IDF mass
# Quoted, each within KEEP_RATIO of the best (kb.answer.sentences). Four, not three: a quoted sentence holds the answer
# on DRCD dev 0.9191 -> 0.9274, CMRC trial 0.803 -> 0.825, typed 0.981 -> 0.991, held-out 0.932 -> 0.966; the first
# quoted sentence is the same; answers 16% longer (DRCD dev: 133 -> 154 characters on average). README "Answers".
MAX_SENTENCES = 4
# A question's amount or date must show in a sentence covering at least this share of what the best sentence
# covers: on the typed set, answerable questions measured 0.54 or more, unanswerable ones 0.04 or less.
KIND_EVIDENCE = 0.3
SOURCES_NOTE = "The sources are in Chinese; the answer quotes them as written."
# A reason, definition or method question whose first quoted sentence holds no cue of its kind (因为, 即, 通过…) may be
# answered by one that restates what is asked about: the sentence after it in its paragraph goes on to say why, what
# or how, and is quoted after it. So does a first quoted sentence that is mostly the question's own words
# ("我们可以将当时的货币市场比作一个巨大的水库。" asked 当时的货币市场比作一个巨大的水库,怎么回事?): fewer than ECHO_SHARE
# of its words new. A sentence that asks is no answer: it is not brought. DRCD dev answer_hit 0.9271 -> 0.9279
# (reason, definition and method: +3) -> 0.9291 (echoes: +4; 0.15: +3, 0.45: +7 with 343 answers longer, not 153),
# none lost; CMRC trial 0.825 -> 0.828; typed sets +1 (the fifth blind set's, after its measurement). Every kind
# whose first sentence holds nothing of it (no name, no word of the sort asked): DRCD +5 more, but 269 answers one
# sentence longer, on the seed article mostly with a sentence that adds nothing: not kept. README "Answers".
_GOES_ON = ("reason", "definition", "method")
ECHO_SHARE = 0.3
_PER_ITEM = re.compile(r"分别|各自|各是|\beach of\b|\brespectively\b")
_TOTAL = "总全"  # 总规模, 全年: a measure of the whole
_DOTTED_NAME = re.compile(r"([\u4e00-\u9fff]{2})·([\u4e00-\u9fff]{2})")
# a year the question names (2019年, in 2024) that no passage holds: the store says nothing of that time. On DRCD
# dev's half stores, unanswerable questions abstained 0.8265 -> 0.8270 (even), answerable ones refused the same
# (1 of 3,524 refused in the full store: 1755年, the passage says 1750年); README "Answers".
_YEAR = re.compile(r"(?<![\d.,，])(1[5-9]\d\d|20\d\d)(?![\d.,，]|\s*[万亿千百元点人名位个家%％])")
_AMOUNT_WORD = re.compile(r"[万亿千百]*(?:[美日欧港澳台]元|元|美金|人民币|英镑)|[万亿千百]+|%|％|百分之")
_GLUED = re.compile(r"([\u4e00-\u9fff]{2})([A-Z])(?![A-Za-z0-9.])")


def missing_terms(question: Question, hits: list[Hit], with_measured: bool = False) -> list[str]:
    """Names and domain terms of the question that the knowledge base does not hold.

    A question about 欧洲央行 or CPI answered from passages that never name them would quote
    something unrelated; such a question is better answered with "not in the knowledge base". So is a
    question asking the amount of a thing no passage names (美国银行体系的准备金总额目前具体是多少?: 总额),
    with `with_measured`.
    A term counts as held when the retrieved passages (or their titles, or authors) mention it or a synonym,
    or when any stored passage does (the question's document frequencies): jieba tags ordinary
    words such as 东西 or 海港 as place names, and a word the store knows is a retrieval miss,
    not a gap in knowledge. A term made of two words the evidence holds counts as held (韩国公司 beside
    韩国 and 公司, 东汉时期, 土耳其政府: on DRCD dev's half stores, 0.4% of the answerable questions were
    refused for such a compound). A letter or number glued to a word names a thing of its own (情景D), and a year
    is a time of its own (2019年).
    """
    evidence = convert.fold_width("\n".join(f"{h.article.title}\n{h.article.author or ''}\n{h.passage.text}"
                                             for h in hits).lower())

    def held(term: str) -> bool:
        return any(word in evidence for word in synonyms(term)) or question.stored(term)

    missing = [term for term in question.named if not held(term)
               and not any(term[:i] in evidence and term[i:] in evidence for i in range(2, len(term) - 1))]
    measured = question.measured if with_measured else None
    # 藏书量, 人口数, 经纬度: a measure's word written with a suffix the passage leaves off (藏书81.6万册, 纬度); but a
    # total is not its parts (规模 of 总规模: a month's purchases)
    parts = range(1) if measured and measured[0] in _TOTAL else range(len(measured or "") - 1)
    if measured and not held(measured) and not (len(measured) > 2 and any(measured[i:i + 2] in evidence for i in parts)):
        missing.append(measured)
    glued = ["".join(m.groups()).lower() for m in _GLUED.finditer(question.text)]
    years = [year for year in dict.fromkeys(_YEAR.findall(question.text)) if not held(year)]
    return missing + [term for term in glued + years if term not in evidence and term not in missing]


def refusal(question: Question, hits: list[Hit], scored: SentenceScores, coverage: float,
            evidence_model: evidence.EvidenceModel | evidence.HandRule | None = None) -> list[str] | None:
    """Why the evidence does not hold the answer (the warnings to show, maybe none), or None when it may."""
    # The measured noun's absence is weighed only in a store small enough for the hand rule: on DRCD dev's half
    # stores it refused as many answerable questions (3) as unanswerable ones (3), and the model refitted
    # behind it, held to the same share of answerable questions refused, abstained on 3% fewer (README).
    missing = missing_terms(question, hits, with_measured=isinstance(evidence_model, evidence.HandRule))
    if missing:
        return [f"未在资料中找到: {'、'.join(missing)}"]
    if not scored or (question.weights and coverage < ABSTAIN_COVERAGE):
        return []
    best_sentence = max(s.coverage for s in scored)
    # where the answer may be: a sentence that says something of the question itself, not only through the one
    # before it or the heading above it (例如,Evercore ISI预测…35亿美元 after "「维护派」:…抵消流通货币的自然增长"
    # does not say how fast 流通货币 grows)
    covering = [s for s in scored if s.coverage >= KIND_EVIDENCE * best_sentence and s.own > 0]
    if question.kind in kinds.EVIDENCE_KINDS and not any(scored.holds(s) for s in covering):
        return [f"资料中没有找到所问的{question.kind}"]
    # asked who had to do with a person the question names in full (斯蒂芬·米兰是由哪位总统提名的?), the answer is
    # where that person is spoken of: a sentence naming them, or one referring back to one that does. Only a
    # transliterated name ("·"): jieba tags words of other questions as names (毛巾, DRCD dev). Not asked which
    # institution: 美联储 of 美联储理事斯蒂芬·米兰 is no name jieba tags, and tagged one, it cost more answers than it gave.
    # The two characters each side of the dot stand for the name (a pattern, not the tagger: answering runs none).
    people = [part for m in _DOTTED_NAME.finditer(question.text) for part in m.groups()] if question.kind == "person" else []
    if people and not any(scored.holds(s) and _speaks_of(s, people) for s in covering):
        return [f"资料中没有找到与「{people[1]}」相关的{question.kind}"]
    units = kinds.asked_unit(question.text)
    # how far stocks fall, in per cent, is not answered by a scenario's odds (情景C…(机率25%))
    how_likely = bool(kinds.ASKS_PROBABILITY.search(question.text.lower()))

    def answers_unit(sentence: str) -> bool:
        odds = set() if how_likely else kinds.odds(sentence)
        return any(units.search(amount) and amount not in odds for amount in kinds.entities("quantity", sentence))

    # the sentence holding the amount must say something of the question besides the amount's own words (万亿美元
    # of 准备金是多少万亿美元?: 9万亿美元 of the balance sheet's peak is no level of reserves). Typed sets: one more
    # unanswerable question abstains (the third blind set's); DRCD dev and CMRC trial: the same answers
    about = {term: weight for term, weight in question.weights.items() if not _AMOUNT_WORD.fullmatch(term)}
    if units and not any(answers_unit(s.hit.passage.text[s.start:s.end]) and (not about or term_coverage(
            about, token_set(s.hit.passage.text[s.start:s.end])) > 0) for s in covering):
        return [f"资料中没有找到以「{units.pattern.split('|')[0]}」计的数量"]
    if question.language == "zh" and question.weights and evidence_model is not None and evidence_model.weak(
            evidence.features(question, hits, best_sentence, coverage, meanings(scored))):
        return ["资料中的证据太弱"]
    return None


def _speaks_of(sentence: ScoredSentence, names: list[str]) -> bool:
    """Whether the sentence names one of `names`, or refers back (他…, 其…) to the sentence before it that does."""
    text = sentence.hit.passage.text
    own = text[sentence.start:sentence.end]
    if any(name in own for name in names):
        return True
    return bool(ANAPHOR.match(own)) and sentence.previous is not None and \
        any(name in text[sentence.previous[0]:sentence.previous[1]] for name in names)


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
        # a sentence holding what is asked refers back by any pronoun; one that holds nothing leans only by 他们
        own = item.hit.passage.text[item.start:item.end]
        refers = item.leans_back or (ANAPHOR if item.holds else THEY).match(own)
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
        if item_asked and question.kind not in kinds.EVIDENCE_KINDS:
            parts.append(quote(item.hit, *item.parent))
        parts.append(quote(item.hit, item.start, item.end))
        if item is chosen[0] and ((question.kind in _GOES_ON and item.holds is False) or _echoes(question, own)):
            after = _next_sentence(item.hit.passage.text, item.end)
            if after:  # what is asked about, restated: the sentence after it says why, what or how
                parts.append(quote(item.hit, *after))
        if item_asked and question.kind in kinds.EVIDENCE_KINDS:
            parts.append(quote(item.hit, *item.parent))
        if context and not refers and not block:
            parts.append(quote(item.hit, *item.leans_on))  # the sentence that answers first, its context after
        passage_text = item.hit.passage.text
        answers_which_items = question.kind == "list" and item is chosen[0]
        if lists.is_lead_in(passage_text[item.start:item.end]) or (
                answers_which_items and lists.leads_sub_items(passage_text, item.start, item.end)):
            items = lists.items_after(item.hit, item.end, following)
            parts += [quote(hit, start, end) for hit, start, end in items]
            if items and answers_which_items:
                break  # the list is the answer: the sentences chosen after it were other lists' lead-ins or items
    short = _short_answer(question, chosen[0])
    text = "".join(parts)
    warnings = []
    if question.language != "zh":
        warnings.append(SOURCES_NOTE)
    if short:
        text = f"**{in_script(short, short, 'hans', script)}** " + text
    return Answer(question.asked, text, False, citations, hits, script, warnings=warnings, short=short,
                  kind=question.kind)


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
    sentence = best.hit.passage.text[best.start:best.end].strip()
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
            leaning.setdefault(candidate.hit.passage.text[candidate.start:candidate.end], candidate)
    for candidate in scored:
        if len(chosen) == MAX_SENTENCES or candidate.score < KEEP_RATIO * best:
            break
        sentence = candidate.hit.passage.text[candidate.start:candidate.end]
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
    on DRCD dev, bench/drcd.py): this one was exact for 0.91 of the 148 questions that got it; the
    single candidate of the other kinds held a gold answer 0.4-0.6 of the time (README, "Answers").
    Article facts, read from the record, are shown too (kb.answer.facts)."""
    if question.kind != "time" or not kinds.asks_year(question.text):
        return None
    candidates = [year for year in kinds.years(top.hit.passage.text[top.start:top.end]) if year not in question.text]
    return candidates[0] if len(candidates) == 1 else None
