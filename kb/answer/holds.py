"""What a scored sentence (kb.answer.sentences) holds of the kind of answer the question expects, and the score it
gets for it: an amount, a date, a name, a definition, one of the sort asked (哪一个条约…: kb.answer.kinds), itself or in
the sentence, item or sub-item it leans on (他认为… after the sentence naming him). A sentence holding it gains
KIND_WEIGHT; asked an amount or a date, one without it loses KIND_PENALTY of its score.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from kb.answer import dates, kinds
from kb.records import Passage
from kb.retrieve.question import Question
from kb.text import tags_within

if TYPE_CHECKING:
    from kb.answer.sentences import ScoredSentence

# A sentence holding what the question asks for adds this much to its score (kb.answer.sentences has the rest).
KIND_WEIGHT = 0.15
# An amount or date question: a sentence without one loses this share of its score.
KIND_PENALTY = 0.3
# A question not written in Chinese shares few words with the passages: what it asks for weighs more.
KIND_WEIGHT_OTHER_LANGUAGE = 0.5
# A sentence scoring within this share of the best may be quoted (kb.answer.extractive): what it holds is looked for
# only in those that can reach it.
KEEP_RATIO = 0.6

# A question asking which thing of a sort (哪一个条约, 什么战争) and of no other kind: a sentence naming one of that sort
# (巴黎条约: kinds.asked_sort) adds this much. First quoted sentence holds the answer: DRCD dev 0.8286 -> 0.8329
# (0.15: 0.8320, 0.35: 0.8323), CMRC trial 0.668 -> 0.668 (answer_hit 0.797 -> 0.793); README "Answers".
SORT_WEIGHT = 0.25

_DURATION = re.compile(r"多少年|几年|多久|多长时间|多少个月|几个月|多少天|几天|多少日|\bhow long\b|\bhow many (years|months|days)\b")

# A sentence opening on 这种「X」 (这种「财政主导」的格局…) goes on about X from the sentence before it, which says
# what X is, or, asked why of X (凭什么说"财政主导"会稀释…?), what makes it so. For reasons: typed sets +1 (the ninth
# blind set's, after its measurement; one other now quotes the sentence before first), DRCD dev and CMRC trial the same.
_THIS_TERM = re.compile(r"\s*(?:这种|这一|这个|此种|此一|这样的)")

# A sentence about "他们" or "她们" (当他们的…, 而她们…) asked which institution: what it stands for answers. Not asked
# who: "他被特勤局特工发现…" answers who found him itself (DRCD dev).
THEY = re.compile(r"\s*(?:当|而|但|在|对于?|因此|所以)?[他她]们")


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
            own, tags = sentence.text, stored_tags(passage, sentence.start, sentence.end)
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
                                 kind, passage.text[span[0]:span[1]], self.duration, stored_tags(passage, *span),
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
        tags = stored_tags(sentence.hit.passage, sentence.start, sentence.end)
        return bool(kinds.entities("time", sentence.text, tags=tags))

    def _names(self, passage: Passage, span: tuple[int, int] | None) -> bool:
        """Whether passage.text[span] holds something of the kind the question asks for."""
        return bool(span) and bool(kinds.entities(self.question.kind, passage.text[span[0]:span[1]], self.duration,
                                                  stored_tags(passage, *span), self.question.text))

    def _without(self, sentence: ScoredSentence) -> float:
        """The score of a sentence that does not hold what the question asks for. Where that is an amount
        or a date, being near the question's meaning is no evidence of it (the sentence that repeats a
        question's words is the nearest, the one with the figure is not), so the cosine's lift goes too."""
        return (sentence.base - sentence.lift) * (1 - self.penalty) if self.penalty else sentence.base


def stored_tags(passage: Passage, start: int, end: int):
    """jieba's tags of passage.text[start:end], from those stored with the passage (none stored: None)."""
    return tags_within(passage.tags, passage.text, start, end) if passage.tags else None
