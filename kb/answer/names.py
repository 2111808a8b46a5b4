"""The people a question names in Latin letters (Mark Cabana, Stephen Miran), found where a Chinese passage writes
them as it transliterates them (马克·卡巴纳, 斯蒂芬·米兰): the sentence naming them is the one asked about, weighed by
kb.answer.sentences. Only an English (or other non-Chinese) question: a Chinese one writes the names as the passage."""
from __future__ import annotations

import re

from kb.retrieve.question import Question, template_words
from kb.text.sounds import may_transliterate, transliterates

_SPELLED = re.compile(r"\b[A-Z][a-z]{2,}\b")  # Cabana; not FOMC, not "a"
_DOTTED = re.compile(r"[\u3400-\u9fff]+(?:·[\u3400-\u9fff]+)+")  # 马克·卡巴纳


def spelled_names(question: Question) -> list[str]:
    """The capitalised words of a question not written in Chinese that may name someone (not its template words:
    What, Does, The), of those a transliteration can be told by (Cabana, not Mark: kb.text.sounds)."""
    if question.language == "zh":
        return []
    template = template_words()
    return list(dict.fromkeys(w for w in _SPELLED.findall(question.asked) if w.lower() not in template
                              and may_transliterate(w)))


def share_named(names: list[str], sentence: str, tags=None) -> float:
    """The share of `names` (spelled_names) the sentence names as Chinese transliterates them: a part of a name written
    with a separating dot (马克·卡巴纳) or a word jieba tags as a person's name (`tags`, when at hand)."""
    if not names:
        return 0.0
    candidates = set()
    for match in _DOTTED.finditer(sentence):  # the run holds what stands around the name: 策略师马克·卡巴纳为代表
        parts = match.group().split("·")
        candidates |= {parts[0][-n:] for n in range(1, 5)} | {parts[-1][:n] for n in range(1, 5)} | set(parts[1:-1])
    candidates |= {word for word, flag in tags or () if flag.startswith("nr")}
    return sum(any(transliterates(name, c) for c in candidates) for name in names) / len(names)
