"""Every sentence of the retrieved passages scored against the question: what the extractive answer
(kb.answer.extractive) quotes and what its refusal rules and the weak-evidence model weigh.

A sentence scores by the share of the question's content it holds (IDF-weighted, synonyms counting as
the word; the sentence before it in its line, the heading above it, the list item it is indented under
and that item's other sub-items count as context), by the share of the question's character pairs it holds (whatever jieba's
cut), by its passage's retrieval score, by its cosine with the question (sentence vectors are embedded
at ingestion, into the embedding cache), by whether it holds a word standing beside what the question asks
(输给 of 输给哪一队), and by whether it holds what the question asks for (an amount, a date, a name, a definition,
one of the sort asked (哪一个条约)…: kb.answer.holds), itself or in the sentence, item or sub-item it leans on. A
heading line or a sentence that asks leads to the answer rather than giving it: it is discounted.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from kb.answer import evidence, kinds, lists, names, numbers
from kb.answer.holds import KIND_WEIGHT_OTHER_LANGUAGE, SentenceScores, stored_tags
from kb.answer.outlines import line_contexts
from kb.records import Hit
from kb.retrieve.question import Question
from kb.retrieve.scoring import coverage as term_coverage, minmax
from kb.text import sentence_spans, token_set

# Tuned on DRCD dev and the seed questions (bench/drcd.py, README "Answers"): a sentence scores
# COVERAGE_WEIGHT * its IDF-weighted term coverage + the rest * its passage's score, plus KIND_WEIGHT when
# it holds what the question asks for (kb.answer.holds); every sentence within KEEP_RATIO of the best may be quoted.
COVERAGE_WEIGHT = 0.65
# The share of the question's character bigrams a sentence holds adds this much: jieba may cut a phrase
# one way in the question and another in the sentence (first quoted sentence holds the answer: DRCD dev
# 0.810 -> 0.814, CMRC trial 0.653 -> 0.666; the typed set 0.813 -> 0.794, README "Answers").
CHARACTER_WEIGHT = 0.2
# A sentence holding a word that stands just before or after what the question asks (输给 of 输给哪一队: kinds.beside_asked)
# adds this much: the answer stands beside it. First quoted sentence holds the answer: DRCD dev 0.8329 -> 0.8351,
# CMRC trial 0.668 -> 0.693 (0.3: 0.8346 / 0.700, more abstentions; 0.05: 0.8334 / 0.670); README "Answers".
BESIDE_WEIGHT = 0.2
# The sentence's cosine with the question by the embedder (scaled to [0, 1] among the candidates) adds this
# much: it reads a paraphrase that shares few words. First quoted sentence holds the answer: DRCD dev
# 0.814 -> 0.827 (weight 1.0: 0.825, 0.3: 0.824), CMRC trial 0.666 -> 0.668 (1.0: 0.652); README "Answers".
MEANING_WEIGHT = 0.6
# A sentence holding the numbers the question names (候补中央委员46人 of "其中46人为哪方面数据?", 1998年 of "于1998年
# 启用的…") adds this much times the share it holds: a number is one token among the many of a long name, yet it
# pins down the sentence (kb.answer.numbers). Not a number most passages hold (2026 throughout an article about
# 2026), and not for a reason: asked why of a figure (每月还得额外回补250亿?), the sentence holding it is what is asked
# about. First quoted sentence holds the answer: DRCD dev 0.8383 -> 0.8414 (0.2: 0.8419 with more typed answers
# losing their first sentence; 0.4: 0.8417), CMRC trial 0.693 -> 0.702 (answer_hit 0.828 -> 0.832); typed sets
# unchanged (for reasons too: one hit lost). Without that cut: DRCD 0.8408, typed -2. An English
# question's amounts are looked for as Chinese writes them (45 billion: 450亿), in the score by meaning too: the
# twelfth blind set +1 (after its single measurement), the other typed sets the same.
NUMBER_WEIGHT = 0.3
# A sentence of the list item a superlative question asks for (the most likely scenario: kb.answer.extremes)
# adds this much: the item's siblings share every word of the question, its figure alone tells it apart.
EXTREME_WEIGHT = 0.5
# A question not written in Chinese is scored by meaning; the share of its words' Chinese equivalents a sentence
# holds (bailout: 救市, with the words its item and sub-items stand under) adds this much. On the English questions
# of the typed sets (55): hits +3, first quoted sentence +5 (0.3: +2 / +3; 1.0: +1 / +5, two hits lost).
OTHER_LANGUAGE_COVERAGE_WEIGHT = 0.6
# A question not written in Chinese naming someone in Latin letters (Mark Cabana): a sentence naming them as Chinese
# transliterates them (马克·卡巴纳: kb.answer.names) adds this much times the share of those names it holds. Typed
# sets: one first quoted sentence gained (the thirteenth blind set's, after its measurement), the same at 0.3 and 1.0,
# no other answer changed; Chinese questions spell no names.
NAME_WEIGHT = 0.5
# A heading line (RMP情景分析与机构投资者策略建议) or a sentence that asks (RMP如何影响风险资产?) introduces the
# answer rather than giving it, yet repeats the question's words: its score is discounted (a heading may still
# hold the answer: 机构投资者). Typed set answer@1 0.794 -> 0.813 (0.5: the same, held-out one answer fewer);
# on DRCD dev, whose paragraphs have no headings, no first quoted sentence changed (164 sentences ask).
INTRODUCING_DISCOUNT = 0.7
ASKS = re.compile(r"[?？][」』”’\"'）)】\s]*$")
# A sentence that opens on 他/他们/其/该/此… refers back to the one before it; others stand alone.
ANAPHOR = re.compile(r"\s*(?:[他她它]们?|其|该|此|这|那|彼|上述|前者|后者)")
# A sentence opening on 这与/此和… (这与量化宽松(QE)有着本质区别) sets what the sentence before it says against
# something, and one opening on 例如/比如 gives an example of it (例如,Evercore ISI预测… after "「维护派」:他们认为…"):
# that sentence is what it says, and is quoted first.
EXAMPLE = r"例如|比如|譬如|举例来说"  # what opens a sentence giving an example of what the one before it says
# A sentence opening on 他认为/她指出… says whose argument the sentences after it in its paragraph go on with, up to
# SPEAKER_REACH of them: asked who holds a view, a sentence of that argument leans on the one naming them. The argument
# ends where the paragraph turns (然而, 另一方面…) or someone else speaks (这些交易员主张…, 有匿名官员透露…).
_SPEECH = r"(?:认为|指出|表示|称|说|强调|提出|主张|预测|预计|相信|觉得|解释|写道|坦言|警告|分析|判断|断言|透露|担心)"
SPEAKS = re.compile(rf"\s*(?:此外|同时|而|但|并|另外)?[,，]?\s*[他她]们?(?:还|也|则|更|进一步)?{_SPEECH}")
_TURNS = re.compile(rf"\s*(?:然而|但是|但|不过|可是|与此相反|相反|另一方面|反之)|^[^，,。；;]{{1,12}}?{_SPEECH}")
SPEAKER_REACH = 3
LEANS_BACK = re.compile(rf"\s*(?:(?:这|此)(?:一点)?(?:与|和|跟|同)|{EXAMPLE})")


@dataclass
class ScoredSentence:
    hit: Hit
    start: int  # offset in the passage text
    end: int
    score: float
    coverage: float
    own: float = 0.0  # the coverage of its own words, without what it stands under or follows
    holds: bool | None = None  # holds something of the expected kind (itself, or the sentence it leans on)
    # where what it lacks is (an amount, a date, a name): the sentence before it in its line, the one before
    # that, or the line it is indented under
    leans_on: tuple[int, int] | None = None
    base: float = 0.0  # the score before what the sentence holds is weighed
    previous: tuple[int, int] | None = None  # the sentence before it in its line
    # the one before that, when `previous` refers back to it (米兰提出了…假说。他认为…。RMP本质上是…)
    earlier: tuple[int, int] | None = None
    # the sentence naming whose argument it goes on with: in its line, the one before a 他认为…/她指出… a few sentences
    # back (米兰提出了…假说。他认为…。在监管指标计算中…。RMP本质上是…)
    speaker: tuple[int, int] | None = None
    meaning: float | None = None  # the embedder's cosine of the sentence and the question
    lift: float = 0.0  # what that cosine adds to `base`
    introduces: bool = False  # a heading line or a sentence that asks: it leads to the answer
    parent: tuple[int, int] | None = None  # the line it is indented under (an item, for its sub-items)
    siblings: tuple[tuple[int, int], ...] = ()  # the other sub-items of its item
    extreme: bool = False  # of the list item with the extreme figure a superlative question asks for
    leans_back: bool = False  # opens on 这与/例如… (LEANS_BACK): says something of the sentence before it
    numbers: float = 0.0  # the share of the numbers the question names that it holds (NUMBER_WEIGHT)
    spelled: float = 0.0  # the share of the names a question spells in Latin letters that it names (NAME_WEIGHT)

    @property
    def text(self) -> str:
        return self.hit.passage.text[self.start:self.end]


def score_sentences(question: Question, hits: list[Hit],
                    similarity: Callable[[list[str]], list[float]] | None = None,
                    extreme: dict[str, set[str]] | None = None) -> tuple[SentenceScores, float]:
    """Every sentence of the hits scored against the question, best first, and the evidence coverage.

    `similarity` (the question's embedding against each sentence's) stands in for word coverage in a
    question not written in Chinese, which shares almost no words with the passages; `extreme`, for a
    superlative question, the lines of each article's list item it asks for (kb.answer.extremes)."""
    weights = question.weights
    grams = evidence.character_bigrams(question.content)
    # what a reason or a yes/no question asks is a clause, not a word standing beside the question's own
    beside = kinds.beside_asked(question.text) if question.language == "zh" and question.kind not in ("reason", "yesno") \
        else []
    asked_numbers = numbers.asked_numbers(question) if question.kind != "reason" else []
    spelled = names.spelled_names(question)
    scored: list[ScoredSentence] = []
    best_coverage = 0.0
    for hit in hits:
        text = hit.passage.text
        heading = token_set(hit.passage.section) if hit.passage.section else set()
        lines = line_contexts(hit.passage)
        line = 0
        passage_tokens: set[str] = set()  # the union of its sentences' tokens is the passage's (jieba cuts at punctuation)
        previous_tokens: set[str] = set()
        previous: tuple[int, int] | None = None
        previous_end = -2
        earlier: tuple[int, int] | None = None
        previous_refers = False
        speaker: tuple[int, int] | None = None  # ScoredSentence.speaker, in this line
        since_speaker = 0
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
            if not same_line:
                speaker = None
            elif previous is not None and SPEAKS.match(sentence):
                speaker, since_speaker = previous, 0
            elif _TURNS.match(sentence):
                speaker = None
            context = previous_tokens if same_line else set()
            while line + 1 < len(lines) and lines[line + 1].start <= start:
                line += 1
            above = lines[line].above if lines else heading
            own = term_coverage(weights, tokens)
            if asked:  # the sentence after one that asks answers it: the question's words are its own
                coverage = own = term_coverage(weights, tokens | asked | above)
            else:
                coverage = 0.5 * own + 0.5 * term_coverage(weights, tokens | context | above)
            base = COVERAGE_WEIGHT * coverage + (1 - COVERAGE_WEIGHT) * hit.score
            if grams:
                base += CHARACTER_WEIGHT * sum(1 for g in grams if g in sentence) / len(grams)
            asks = bool(ASKS.search(sentence))
            held = numbers.share_held(asked_numbers, sentence)
            base += NUMBER_WEIGHT * held
            base += BESIDE_WEIGHT * any(word in sentence for word in beside)
            # an item over its sub-items ("1. 情景A:软着陆…(机率40%)") that the question names is the subject, not the
            # answer (unless the question asks what it is): its sub-items say what the question asks of it, as a
            # section does under its heading
            introduces = asks or bool(lines and (lines[line].kind == "heading" or (
                lines[line].leads and question.kind != "definition"
                and lists.names_item(question.text, text[slice(*lines[line].span)]))))
            chosen_item = bool(extreme) and any(sentence.strip() in item for item in extreme.get(hit.article.id, ()))
            base += EXTREME_WEIGHT * chosen_item
            scored.append(ScoredSentence(hit, start, end, base, coverage, own=own, base=base, extreme=chosen_item,
                                         numbers=held, leans_back=bool(LEANS_BACK.match(sentence)),
                                         spelled=names.share_named(spelled, sentence, stored_tags(hit.passage, start, end))
                                         if spelled else 0.0,
                                         previous=previous if same_line else None, introduces=introduces,
                                         earlier=earlier if same_line and previous_refers else None,
                                         # the 他认为 sentence itself has the speaker as its `previous`
                                         speaker=speaker if speaker != previous and since_speaker <= SPEAKER_REACH
                                         else None,
                                         parent=lines[line].parent if lines else None,
                                         siblings=lines[line].siblings if lines else ()))
            earlier = previous if same_line else None
            since_speaker += 1
            previous_tokens, previous_end, previous = tokens, end, (start, end)
            previous_refers = bool(ANAPHOR.match(sentence))
            asked = tokens if asks else set()
        best_coverage = max(best_coverage, term_coverage(weights, passage_tokens | heading))
    cosines = similarity([s.text for s in scored]) if similarity and scored else None
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


def _score_by_meaning(scored: list[ScoredSentence], scaled: list[float], kind: str) -> None:
    """Coverage replaced by the sentences' similarity to the question (`scaled`: to [0, 1] among them)."""
    for sentence, meaning in zip(scored, scaled):
        sentence.score = COVERAGE_WEIGHT * meaning + (1 - COVERAGE_WEIGHT) * sentence.hit.score \
            + EXTREME_WEIGHT * sentence.extreme + OTHER_LANGUAGE_COVERAGE_WEIGHT * sentence.coverage \
            + NUMBER_WEIGHT * sentence.numbers + NAME_WEIGHT * sentence.spelled
        if kind in kinds.SHORT_KINDS or kind in ("definition", "reason"):
            sentence.score += KIND_WEIGHT_OTHER_LANGUAGE * sentence.holds
        if sentence.introduces:
            sentence.score *= INTRODUCING_DISCOUNT


def meanings(scored: SentenceScores) -> list[float] | None:
    """The sentences' cosines with the question, best-scored first, when the store has their vectors."""
    return [s.meaning for s in scored] if scored and scored[0].meaning is not None else None
