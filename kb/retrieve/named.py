"""What a question names: the names and domain terms jieba tags, the market terms it mentions
(kb/text/data/market_terms.txt), and for a question in English, the Chinese words the store holds for its words
(kb.text.bilingual) and the names and market terms it holds in none of their senses. A named term no passage holds
is a gap in the store's knowledge (kb.answer.refusals)."""
from __future__ import annotations

import re
from functools import lru_cache

from kb.text import bilingual, data_lines, named_terms, synonyms, tokenize_query
from kb.text.tokens import question_tags, template_words

_CJK = re.compile(r"[\u3400-\u9fff]")
_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9&]{1,7}\b")
_LATIN_WORD = re.compile(r"[a-z][a-z0-9]*")
# A run of capitalised words in an English question (In December Goldman Sachs…): a name of two words or more once
# the question's template words and the months and days before it are left off (Goldman Sachs, Bank of England)
_CAPITALISED_RUN = re.compile(r"\b[A-Z][a-z]+(?: (?:of|the|and|&) [A-Z][a-z]+| [A-Z][a-z]+)+\b")
MONTH_OR_WEEKDAY = re.compile(r"(?:jan|febr)uary|march|april|may|june|july|august|(?:sept|nov|dec)ember|october"
                              r"|(?:mon|tues|wednes|thurs|fri|satur|sun)day")


@lru_cache(maxsize=1)
def market_terms() -> tuple[str, ...]:
    """kb/text/data/market_terms.txt, longest first (标普500 before 标普)."""
    return tuple(sorted({w for line in data_lines("market_terms.txt") for w in line.split()}, key=lambda w: -len(w)))


@lru_cache(maxsize=1)
def _market_term_set() -> frozenset[str]:
    return frozenset(market_terms())


def english_names(asked: str) -> list[str]:
    """The names of two words or more in an English question, lower case (bank of england)."""
    template, names = template_words(), []
    for run in _CAPITALISED_RUN.findall(asked):
        words = run.lower().split()
        while words and (words[0] in template or MONTH_OR_WEEKDAY.fullmatch(words[0])):
            words.pop(0)
        if len(words) >= 2:
            names.append(" ".join(words))
    return names


def chinese_words(tokens: list[str], store, names: list[str] = ()) -> tuple[list[str], list[str]]:
    """For each English word or phrase of a question (not of its template, not one kb's synonym list
    already gives Chinese words: fed, qt), the Chinese word CC-CEDICT gives for it that the store holds
    most often (camp -> 阵营, balance sheet -> 资产负债表, probability -> 机率 where the articles write 机率);
    and the market terms (kb/text/data/market_terms.txt) and the Chinese of the question's `names` (Bank of
    England: 英格兰银行) that the store holds in none of their senses."""
    template = template_words()
    candidates = {t: sorted(bilingual.translations(t)) for t in dict.fromkeys([*tokens, *names])
                  if (t not in template or t in names) and len(synonyms(t)) == 1 and not _CJK.search(t)}
    candidates = {t: words for t, words in candidates.items() if words}
    if not candidates:
        return [], []
    # a phrase's Chinese may be no word of the index (紧急救市, 固定收益): its words stand for it
    pieces = {w: tokenize_query(w) for words in candidates.values() for w in words}
    frequencies, _ = store.document_frequencies(list(dict.fromkeys([*pieces, *(p for ws in pieces.values() for p in ws)])))
    chosen, missing = [], []
    terms = _market_term_set()
    for english, words in candidates.items():
        held = [w for w in words if frequencies.get(w)]
        if held:
            chosen.append(max(held, key=lambda w: frequencies[w]))
        else:
            whole = next((pieces[w] for w in words if len(pieces[w]) > 1 and all(frequencies.get(p) for p in pieces[w])),
                         [])
            chosen += whole
            # a market term no passage holds in any of the word's senses, through kb's glossary or a one-word gloss
            # (mortgage: 按揭); CC-CEDICT's phrases are often descriptions (us president: 拜登), not names of one thing
            if not whole:
                marked = [w for w in words if w in terms] if " " not in english or bilingual.in_glossary(english) else []
                missing += (marked + words * (english in names))[:1]
    return list(dict.fromkeys(w for w in chosen if w not in tokens)), missing


def names(asked: str, text: str, lang: str) -> list[str]:
    """Named terms, without the question's template, and the market terms it names (kb/text/data/market_terms.txt);
    in a question not written in Chinese, only its Chinese words, its acronyms (QT, ECB), the market terms it writes in
    Latin letters or through a synonym (tether, stablecoin) and those it was written out into (标普500): "when" or
    "did" name nothing."""
    template = template_words()
    names = [n for n in named_terms(text) if n not in template]
    if lang == "zh":
        # market terms jieba tags as ordinary words (本金, 房贷, 新兴市场), each where no longer one holds it; one
        # within a word (房价 of 高房价) or beginning and ending where words do, not across them (道指 of 三道/指的是)
        lowered = text.lower()
        spans, at = [], 0
        for word, _ in question_tags(text):
            spans.append((at, at + len(word)))
            at += len(word)
        edges = {0} | {end for _, end in spans}
        for term in market_terms():
            if not any(term in n for n in names) and any(
                    (m.start() in edges and m.end() in edges) or any(a <= m.start() and m.end() <= b for a, b in spans)
                    for m in re.finditer(re.escape(term), lowered)):
                names.append(term)
        return names
    acronyms = {a.lower() for a in _ACRONYM.findall(asked)}
    # a market term written in Latin letters (tether, libor) or one whose synonyms are (stablecoin: 稳定币) names a
    # thing as a Chinese market term does; CC-CEDICT glosses such words otherwise (tether: 拴) or not at all
    terms = _market_term_set()
    words = dict.fromkeys(bilingual.singular(w) for w in _LATIN_WORD.findall(text.lower()))
    marked = [w for w in words if w in terms or any(s in terms for s in synonyms(w) - {w})]
    # and a Chinese market term it was written out into (S&P 500: 标普500), the longest where one holds another
    for term in market_terms():
        if _CJK.search(term) and term in text and not any(term in m for m in marked):
            marked.append(term)
    named = [n for n in names if _CJK.search(n) or n in acronyms]
    return named + [w for w in marked if w not in named]
