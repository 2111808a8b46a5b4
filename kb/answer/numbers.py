"""The numbers a question names, as the passages write them: what pins down the sentence asked about
(候补中央委员46人 of "其中46人为哪方面数据?"), weighed by kb.answer.sentences."""
from __future__ import annotations

import re

from kb.retrieve.question import Question

COMMON_NUMBER = 0.1  # a number (a token of its own) in more than this share of the passages tells no sentence apart
# a number and the unit of an amount after it, if any: 2.4万亿 is not 2.4万, nor 35万 35万亿
_NUMBER_WITH_UNIT = re.compile(r"(\d+(?:\.\d+)?)\s*((?:[万千百]亿|亿|[万千百](?!亿)|[%％])?)")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")  # 1,425 is 1425
# An English amount's figure as a Chinese text writes it: 45 billion is 450 (亿), 2.4 trillion 2.4 (万亿), 350
# million 3.5 (亿) or 35000 (万). The figure is matched, not its unit: a range writes its unit once (200-300亿).
_ENGLISH_AMOUNT = re.compile(r"\$?(\d+(?:\.\d+)?)(?:\s*(?:[-–—~]|to|and)\s*\$?(\d+(?:\.\d+)?))?[\s-]*"
                             r"(trillions?|tn|billions?|bn|millions?|mn)\b", re.I)
_SCALES = {"t": (1.0,), "b": (10.0,), "m": (0.01, 100.0)}  # by the unit's first letter: in 万亿, in 亿, in 亿 or 万


def asked_numbers(question: Question) -> list[re.Pattern]:
    """The numbers a question names, each matched whole (46 is not in 146, nor 1.0 in 1.05) in a sentence written
    without thousands separators (`plain`); an English question's amounts as Chinese writes them. A number jieba
    cuts as a word of its own and most passages hold is left out; one inside a token (3.75%) or converted from
    English is not looked up. A number written with the unit of an amount (35亿, 40%) is matched with that unit
    and kept however common the number: DRCD dev and CMRC trial the same answers; typed sets: one more first
    quoted sentence (the fourteenth blind set's, after its single measurement)."""
    common = COMMON_NUMBER * question.total
    text = plain(question.text)
    if question.language != "zh":
        text = _ENGLISH_AMOUNT.sub(_in_chinese, text)
    patterns = {}
    for match in _NUMBER_WITH_UNIT.finditer(text):
        number, unit = match.groups()
        if unit:  # 35亿 is asked as an amount: not 机率35%, however many passages hold 35
            written = "[%％]" if unit in "%％" else unit + ("(?!亿)" if unit in "万千百" else "")
            patterns.setdefault(number + unit, rf"(?<![\d.]){re.escape(number)}\s*{written}")
        elif question.frequencies.get(number, 0) <= common:
            patterns.setdefault(number, rf"(?<![\d.]){re.escape(number)}(?!\d|\.\d)")
    return [re.compile(p) for p in patterns.values()]


def share_held(asked: list[re.Pattern], sentence: str) -> float:
    """The share of the `asked` numbers (asked_numbers) the sentence holds."""
    if not asked:
        return 0.0
    written = plain(sentence)
    return sum(1 for number in asked if number.search(written)) / len(asked)


def plain(text: str) -> str:
    """The text without thousands separators (1,425: 1425)."""
    return _THOUSANDS.sub("", text)


def _in_chinese(amount: re.Match) -> str:
    """45 billion as 450, its figure in 亿 (in 万亿 for trillions; millions in 亿 and in 万)."""
    scales = _SCALES[amount.group(3)[0].lower()]
    return " ".join(f"{float(figure) * scale:.10g}" for figure in amount.group(1, 2) if figure for scale in scales)
