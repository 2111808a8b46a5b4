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


# An English name and its Chinese transliteration share their consonants, once those a transliteration merges are
# merged (Cabana: 卡巴纳 ka-ba-na, Miran: 米兰 mi-lan, Stephen: 斯蒂芬 si-di-fen, Powell: 鲍威尔 bao-wei-er): voiced
# and voiceless alike, l and r alike, the sibilants alike. Vowels differ too much between the two to weigh.
_ENGLISH_SOUNDS = ((r"ph", "f"), (r"ng", "n"), (r"sh|ch|j|z", "s"), (r"ck|q|c(?![eiy])|x", "k"), (r"c", "s"),
                   (r"th", "t"), (r"v", "w"), (r"r(?=[^aeiouy]|$)", ""), (r"h|[aeiouy]", ""))
_MERGED = str.maketrans("pbtdgkclrszxjqw", "bbddkkkllsssssw")
_REPEATED = re.compile(r"(.)\1+")  # Mark Cabana: 马克·卡巴纳 says k once


@lru_cache(maxsize=1024)  # asked of each name for every candidate of every sentence
def _english_skeleton(word: str) -> str:
    word = word.lower()
    for pattern, replacement in _ENGLISH_SOUNDS:
        word = re.sub(pattern, replacement, word)
    return _REPEATED.sub(r"\1", word.translate(_MERGED))


@lru_cache(maxsize=4096)  # asked of every name-like word of every sentence an English question weighs
def _pinyin_skeleton(text: str) -> str:
    from pypinyin import Style, lazy_pinyin

    skeleton = ""
    for syllable in lazy_pinyin(text, style=Style.NORMAL):
        # pinyin c is "ts" (茨 of 卡茨), a sibilant; zh, ch, sh are too
        syllable = re.sub(r"[zcs]h|c", "s", syllable).replace("ng", "n")
        if syllable == "er":  # 尔 of 鲍威尔: Powell's final l
            skeleton += "l"
            continue
        skeleton += "".join(c for c in syllable if c not in "aeiouvyh")
    return _REPEATED.sub(r"\1", skeleton.translate(_MERGED))


def may_transliterate(english: str) -> bool:
    """Whether a transliteration of the English name can be told by its consonants: three or more (Cabana, Miran);
    two match too many words (Mark: 马克, 明开, 磨坑)."""
    return len(_english_skeleton(re.sub(r"[^A-Za-z]", "", english))) >= 3


def transliterates(english: str, chinese: str) -> bool:
    """Whether a Chinese name (卡巴纳, 马克·卡巴纳) may be the transliteration of an English name (Cabana, Mark Cabana):
    the same consonants, as a transliteration keeps them (may_transliterate)."""
    spelled = _english_skeleton(re.sub(r"[^A-Za-z]", "", english))
    return len(spelled) >= 3 and bool(_HAN.search(chinese)) \
        and spelled == _pinyin_skeleton(re.sub(r"[^\u3400-\u9fff]", "", chinese))
