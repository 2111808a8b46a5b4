"""The people a question names in Latin letters (Mark Cabana, Stephen Miran), found where a Chinese passage writes
them as it transliterates them (马克·卡巴纳, 斯蒂芬·米兰): the sentence naming them is the one asked about, weighed by
kb.answer.sentences. Only an English (or other non-Chinese) question: a Chinese one writes the names as the passage."""
from __future__ import annotations

import re
from typing import Iterable

from kb.retrieve.named import MONTH_OR_WEEKDAY
from kb.retrieve.question import Question
from kb.text import bilingual, convert
from kb.text.sounds import may_transliterate, transliterates
from kb.text.tokens import template_words

_SPELLED = re.compile(r"(?<!^)\b[A-Z][a-z]{2,}\b")  # Cabana; not FOMC, not "a", not the question's first word
_AROUND = frozenset("的了在是和与及为以由被把对向从说称")  # words that stand beside a name, not in it
_DOTTED = re.compile(r"[\u3400-\u9fff]+(?:[·•・‧][\u3400-\u9fff]+)+")  # 马克·卡巴纳


def spelled_names(question: Question) -> list[str]:
    """The capitalised words of a question not written in Chinese that may name someone, of those a transliteration
    can be told by (Cabana, not Mark: kb.text.sounds). Not a word of its template (What, Does), not a month or a day,
    and not a word CC-CEDICT translates (Taiwan, Senate, Chinese) unless into its transliteration (Powell: 鲍威尔):
    such a word matches an ordinary word by its consonants (Taiwan: 大王)."""
    if question.language == "zh":
        return []
    template = template_words()
    words = _SPELLED.findall(convert.fold_width(question.asked).strip())
    return list(dict.fromkeys(
        w for w in words if w.lower() not in template and not MONTH_OR_WEEKDAY.fullmatch(w.lower()) and may_transliterate(w)
        and _names_someone(w)))


def _names_someone(word: str) -> bool:
    translations = bilingual.translations(word.lower())
    return not translations or any(transliterates(word, chinese) for chinese in translations)


def share_named(names: list[str], sentence: str, tags: Iterable[tuple[str, str]] | None = None) -> float:
    """The share of `names` (spelled_names) the sentence names as Chinese transliterates them: a part of a name written
    with a separating dot (马克·卡巴纳) or a word jieba tags as a person's name (`tags`, when at hand)."""
    if not names:
        return 0.0
    candidates = set()
    for match in _DOTTED.finditer(sentence):  # the run holds what stands around the name: 策略师马克·卡巴纳为代表
        parts = re.split(r"[·•・‧]", match.group())
        candidates |= {parts[0][-n:] for n in range(2, 5)} | {parts[-1][:n] for n in range(2, 5)} | set(parts[1:-1])
    # a window reaching past the name into the words around it (的温尼 of 报道的温尼·史密斯) names no one
    candidates = {c for c in candidates if not _AROUND.intersection(c)}
    candidates |= {word for word, flag in tags or () if flag.startswith("nr")}
    return sum(any(transliterates(name, c) for c in candidates) for name in names) / len(names)
