"""The numbers a question names, as the passages write them: what pins down the sentence asked about
(候补中央委员46人 of "其中46人为哪方面数据?"), weighed by kb.answer.sentences."""
from __future__ import annotations

import re

from kb.retrieve.question import Question

COMMON_NUMBER = 0.1  # a number in more than this share of the store's passages tells no sentence apart
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
# An English amount as a Chinese text writes it (45 billion: 450亿, 2.4 trillion: 2.4万亿, 350 million: 3.5亿)
_ENGLISH_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)(?:\s*(?:-|to)\s*(\d+(?:\.\d+)?))?[\s-]*(trillion|billion|million)\b",
                             re.I)
_IN_YI = {"trillion": 1.0, "billion": 10.0, "million": 0.01}  # 万亿 for trillions, else 亿


def asked_numbers(question: Question) -> list[re.Pattern]:
    """The numbers a question names that few passages hold, each matched whole (46 is not in 146, nor 1.0 in
    1.05); an English question's amounts as Chinese writes them."""
    common = COMMON_NUMBER * question.total
    text = question.text if question.language == "zh" else _ENGLISH_AMOUNT.sub(_in_chinese, question.text)
    return [re.compile(rf"(?<![\d.]){re.escape(number)}(?!\d|\.\d)")
            for number in dict.fromkeys(_NUMBER.findall(text)) if question.frequencies.get(number, 0) <= common]


def _in_chinese(amount: re.Match) -> str:
    """45 billion as 450, its figure in 亿 (in 万亿 for trillions)."""
    scale = _IN_YI[amount.group(3).lower()]
    return " ".join(f"{float(figure) * scale:.10g}" for figure in amount.group(1, 2) if figure)
