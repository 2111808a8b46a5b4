"""Traditional/Simplified conversion with OpenCC, and the width folding applied before matching.

Config choice, measured on the seed article: `t2s` leaves 著 where 着 is meant (意味著), `tw2sp`
rewrites finance terms (監管指標 -> 监管指针, 市場變數 -> 市场变量), `tw2s` fixes 著/着 and keeps
the rest. So Taiwan-style text gets `tw2s`, Hong Kong text `hk2s`, Simplified text is left alone.
"""
from __future__ import annotations

from functools import lru_cache

import opencc

from kb import records

SCRIPTS = records.SCRIPTS  # the one list lives in kb.records, which is light to import

_TO_SIMPLIFIED = {"hans": "none", "hant": "tw2s", "hant-hk": "hk2s"}
_FROM_SIMPLIFIED = {"hans": "none", "hant": "s2tw", "hant-hk": "s2hk"}

# Full-width ASCII (U+FF01..U+FF5E) and the ideographic space fold to their half-width forms.
# One character maps to one character, so offsets computed on folded text stay valid.
_WIDTH_TABLE = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_WIDTH_TABLE[0x3000] = 0x20


@lru_cache(maxsize=None)
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


def convert(text: str, config: str) -> str:
    if config == "none" or not text:
        return text
    return _converter(config).convert(text)


def fold_width(text: str) -> str:
    return text.translate(_WIDTH_TABLE)


def _changed(a: str, b: str) -> int:
    return sum(1 for x, y in zip(a, b) if x != y) + abs(len(a) - len(b))


def detect_script(text: str) -> str:
    """'hans', 'hant' (Taiwan/standard Traditional) or 'hant-hk', judged by what OpenCC would change."""
    sample = text[:20000]
    cjk = sum(1 for ch in sample if "\u4e00" <= ch <= "\u9fff")
    if cjk == 0:
        return "hans"
    simplified = convert(sample, "t2s")
    # One changed character decides a short text (a question: "LCR是什麼?"); in longer text a stray
    # character that OpenCC would change is not enough.
    if _changed(sample, simplified) < (1 if cjk < 20 else max(2, cjk * 0.01)):
        return "hans"
    # Round-trip through Simplified into each regional standard: the closer one is the source's.
    to_tw = _changed(sample, convert(simplified, "s2tw"))
    to_hk = _changed(sample, convert(simplified, "s2hk"))
    return "hant-hk" if to_hk < to_tw else "hant"


def conversion_for(script: str) -> str:
    """The OpenCC config that takes text written in `script` to Simplified."""
    return _TO_SIMPLIFIED[script]


def to_simplified(text: str, conversion: str | None = None) -> str:
    """Convert to Simplified; `conversion` is an OpenCC config name, or None to detect it."""
    if conversion is None:
        conversion = conversion_for(detect_script(text))
    return convert(text, conversion)


def to_script(text: str, script: str) -> str:
    """Render Simplified text in `script` ('hans', 'hant' or 'hant-hk')."""
    return convert(text, _FROM_SIMPLIFIED[script])


def has_traditional_only(text: str) -> list[str]:
    """Characters of `text` that OpenCC would still convert to Simplified (empty when clean)."""
    converted = convert(text, "t2s")
    return sorted({a for a, b in zip(text, converted) if a != b} | ({"<length>"} if len(text) != len(converted) else set()))
