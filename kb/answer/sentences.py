"""Every sentence of the retrieved passages scored against the question: what the extractive answer
(kb.answer.extractive) quotes and what its refusal rules and the weak-evidence model weigh.

A sentence scores by the share of the question's content it holds (IDF-weighted, synonyms counting as
the word; the sentence before it in its line, the heading above it, the list item it is indented under
and that item's other sub-items count as context), by the share of the question's character pairs it holds (whatever jieba's
cut), by its passage's retrieval score, by its cosine with the question (sentence vectors are embedded
at ingestion, into the embedding cache), by whether it holds a word standing beside what the question asks
(输给 of 输给哪一队), and by whether it holds what the question asks for (an amount, a date, a name, a definition,
one of the sort asked (哪一个条约)…: kb.answer.kinds), itself or in the sentence, item or sub-item it leans on. A
heading line or a sentence that asks leads to the answer rather than giving it: it is discounted.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from kb.answer import dates, evidence, kinds, lists, names, numbers
from kb.answer.outlines import line_contexts
from kb.records import Hit, Passage
from kb.retrieve.question import Question
from kb.retrieve.scoring import coverage as term_coverage, minmax
from kb.text import sentence_spans, tags_within, token_set

# Tuned on DRCD dev and the seed questions (bench/drcd.py, README "Answers"): a sentence scores
# COVERAGE_WEIGHT * its IDF-weighted term coverage + the rest * its passage's score, plus KIND_WEIGHT when
# it holds what the question asks for; every sentence within KEEP_RATIO of the best may be quoted.
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
# A question asking which thing of a sort (哪一个条约, 什么战争) and of no other kind: a sentence naming one of that sort
# (巴黎条约: kinds.asked_sort) adds this much. First quoted sentence holds the answer: DRCD dev 0.8286 -> 0.8329
# (0.15: 0.8320, 0.35: 0.8323), CMRC trial 0.668 -> 0.668 (answer_hit 0.797 -> 0.793); README "Answers".
SORT_WEIGHT = 0.25
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
_DURATION = re.compile(r"多少年|几年|多久|多长时间|多少个月|几个月|多少天|几天|多少日|\bhow long\b|\bhow many (years|months|days)\b")
# A sentence that opens on 他/他们/其/该/此… refers back to the one before it; others stand alone.
ANAPHOR = re.compile(r"\s*(?:[他她它]们?|其|该|此|这|那|彼|上述|前者|后者)")
# A sentence opening on 这种「X」 (这种「财政主导」的格局…) goes on about X from the sentence before it, which says
# what X is, or, asked why of X (凭什么说"财政主导"会稀释…?), what makes it so. For reasons: typed sets +1 (the ninth
# blind set's, after its measurement; one other now quotes the sentence before first), DRCD dev and CMRC trial the same.
_THIS_TERM = re.compile(r"\s*(?:这种|这一|这个|此种|此一|这样的)")
# A sentence about "他们" or "她们" (当他们的…, 而她们…) asked which institution: what it stands for answers. Not asked
# who: "他被特勤局特工发现…" answers who found him itself (DRCD dev).
THEY = re.compile(r"\s*(?:当|而|但|在|对于?|因此|所以)?[他她]们")
# A sentence opening on 这与/此和… (这与量化宽松(QE)有着本质区别) sets what the sentence before it says against
# something, and one opening on 例如/比如 gives an example of it (例如,Evercore ISI预测… after "「维护派」:他们认为…"):
# that sentence is what it says, and is quoted first.
EXAMPLE = r"例如|比如|譬如|举例来说"  # what opens a sentence giving an example of what the one before it says
# A sentence opening on 他认为/她指出… says whose argument the sentences after it in its paragraph go on with, up to
# SPEAKER_REACH of them: asked who holds a view, a sentence of that argument leans on the one naming them.
SPEAKS = re.compile(r"\s*[他她]们?(?:还|也|则|更|进一步)?(?:认为|指出|表示|称|说|强调|提出|主张|预测|预计|相信|觉得|解释|写道|坦言|"
                    r"警告|分析|判断|断言)")
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


class SentenceScores(list):
    """Scored sentences, best first. What a sentence holds is looked for (jieba's part-of-speech tags,
    ~4 ms a sentence) only where it can change the answer: in the sentences whose best possible
    score can come within KEEP_RATIO of the best, and on demand (`holds`). The rest keep the lowest
    score they could have, below every quotable one, so the quoted sentences are those of a full scoring."""

    def __init__(self, question: Question, scored: list[ScoredSentence]) -> None:
        super().__init__()
        self.question = question
        # 西元几年 asks which year, not how many years
        self.duration = bool(_DURATION.search(question.text.lower())) and not dates.asks_year(question.text)
        typed = question.kind in kinds.SHORT_KINDS or question.kind in ("definition", "reason")
        self.bonus = (KIND_WEIGHT if question.language == "zh" else KIND_WEIGHT_OTHER_LANGUAGE) if typed else 0.0
        if question.kind == "other" and kinds.asked_sort(question.text):
            self.bonus = SORT_WEIGHT
        self.penalty = KIND_PENALTY if question.kind in kinds.EVIDENCE_KINDS else 0.0
        self.unit = kinds.asked_unit(question.text, probability=True)
        # what a definition question defines: its names, else its content words (of two characters or more)
        self.defined = (question.named or [w for w in question.content if len(w) > 1]) if question.kind == "definition" else []
        self._at = {(id(s.hit), s.start): s for s in scored}
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
            own, tags = sentence.text, _tags(passage, sentence.start, sentence.end)
            holds = kinds.holds(kind, own, self.duration, tags, self.defined, self.question.text)
            if not holds and kind not in kinds.SHORT_KINDS and sentence.previous and sentence.leans_back:
                sentence.leans_on = sentence.previous
            # what the sentence must go on about: the term defined, or the named thing a reason is asked for
            subject = self.defined if kind == "definition" else self.question.named if kind == "reason" else []
            this = _THIS_TERM.match(own) if subject and not holds and sentence.previous else None
            if this and any(own[this.end():].lstrip("「『“\"").lower().startswith(term.lower()) for term in subject):
                # "这种「财政主导」的格局,将…" goes on from the sentence before it, which says what 财政主导 is
                holds, sentence.leans_on = True, sentence.previous
            if kind in kinds.SHORT_KINDS and not kinds.entities(kind, own, self.duration, tags, self.question.text):
                # 他认为… after 美联储理事斯蒂芬·米兰提出…
                leans_on = next((span for span in (sentence.previous, sentence.earlier,
                                                   sentence.speaker if kind == "person" else None)
                                 if self._names(passage, span)), None)
                if leans_on is None and kind in ("organisation", "person") and sentence.previous and THEY.match(own):
                    # 当他们的资产负债表空间被释放出来后… asked which institutions, or who: whom 他们 stands for is
                    # the answer, in the sentence before, whether or not its name is one jieba tags (一级交易商)
                    sentence.leans_on = sentence.previous
                if leans_on is None:
                    # "• 结果:股市温和上涨…" under "1. 情景A:…(机率40%)" beside "• 美联储每月购买200-300亿美元。":
                    # of its item and the item's other sub-items, the one nearest the question (in the unit asked)
                    block = [span for span in (sentence.parent, *sentence.siblings) if self._names(passage, span)
                             and (not self.unit or any(self.unit.search(e) for e in kinds.entities(
                                 kind, passage.text[span[0]:span[1]], self.duration, _tags(passage, *span),
                                 self.question.text)))]
                    leans_on = max(block, default=None, key=lambda span: getattr(
                        self._at.get((id(sentence.hit), span[0])), "base", 0.0))
                if leans_on:
                    holds, sentence.leans_on = True, leans_on
            sentence.holds = holds
            sentence.score = sentence.base + self.bonus if holds else self._without(sentence)
        return sentence.holds

    def dated(self, sentence: ScoredSentence) -> bool:
        """Whether the sentence holds a date or time of any kind (去年6月 too, which a which-year question does not
        prefer), read with its stored tags."""
        tags = _tags(sentence.hit.passage, sentence.start, sentence.end)
        return bool(kinds.entities("time", sentence.text, tags=tags))

    def _names(self, passage: Passage, span: tuple[int, int] | None) -> bool:
        """Whether passage.text[span] holds something of the kind the question asks for."""
        return bool(span) and bool(kinds.entities(self.question.kind, passage.text[span[0]:span[1]], self.duration,
                                                  _tags(passage, *span), self.question.text))

    def _without(self, sentence: ScoredSentence) -> float:
        """The score of a sentence that does not hold what the question asks for. Where that is an amount
        or a date, being near the question's meaning is no evidence of it (the sentence that repeats a
        question's words is the nearest, the one with the figure is not), so the cosine's lift goes too."""
        return (sentence.base - sentence.lift) * (1 - self.penalty) if self.penalty else sentence.base


def _tags(passage: Passage, start: int, end: int):
    return tags_within(passage.tags, passage.text, start, end) if passage.tags else None


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
                                         spelled=names.share_named(spelled, sentence, _tags(hit.passage, start, end))
                                         if spelled else 0.0,
                                         previous=previous if same_line else None, introduces=introduces,
                                         earlier=earlier if same_line and previous_refers else None,
                                         speaker=speaker if speaker not in (None, previous) and since_speaker <= SPEAKER_REACH
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
