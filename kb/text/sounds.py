"""Words that sound alike: a question typed with a homophone of the passage's word (满州 for 满洲, 挂勾 for
挂钩, 混和 for 混合), as a pinyin input method offers it, names the same thing. Alike means the same syllables
in the same tones: 张伟 is not 张维 (wei3, wei2), 金银 not the 金因 of 资金因此."""
from __future__ import annotations

import re
from functools import lru_cache

_HAN = re.compile(r"[\u3400-\u9fff]+")


@lru_cache(maxsize=4096)
def _sound(text: str) -> tuple[str, ...]:
    from pypinyin import Style, lazy_pinyin  # its dictionaries load on first use (~0.2 s)

    return tuple(lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True))


def written_alike(term: str, text: str) -> str | None:
    """The characters of `text` that sound as `term` does (pinyin with tones) and share a character with it in
    the same place, or None. Only Chinese terms of two characters or more."""
    if len(term) < 2 or not _HAN.fullmatch(term):
        return None
    sound = _sound(term)
    for at, character in enumerate(term):
        found = text.find(character)
        while found >= 0:
            start, found = found - at, text.find(character, found + 1)
            window = text[start:start + len(term)] if start >= 0 else ""
            if len(window) == len(term) and window != term and _HAN.fullmatch(window) and _sound(window) == sound:
                return window
    return None
