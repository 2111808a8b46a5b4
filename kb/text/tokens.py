"""Word segmentation with jieba, a domain dictionary and stopwords: the keyword index's tokens."""
from __future__ import annotations

import re
import threading
from functools import lru_cache
from importlib import resources

import jieba

from kb.text import dictionary
from kb.text.convert import fold_width

_WORD = re.compile(r"[\w\u4e00-\u9fff]", re.UNICODE)
_lock = threading.Lock()


def data_lines(name: str) -> list[str]:
    """The lines of a word list in kb/text/data/, without blanks and # comments."""
    text = resources.files("kb.text").joinpath("data", name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=1)
def _tokenizer() -> jieba.Tokenizer:
    with _lock:
        tokenizer = dictionary.tokenizer()
        for line in data_lines("userdict.txt"):
            word, *rest = line.split()
            freq = int(rest[0]) if rest and rest[0].isdigit() else None
            tokenizer.add_word(word, freq, tag="nz")  # a domain term, see `named_terms`
        return tokenizer


# Part-of-speech tags of words that name something: places, organisations, other proper nouns,
# transliterated names, Latin acronyms. Person names (nr) are left out: jieba's HMM tags ordinary
# words such as 宁可 as nr.
_NAMING_TAGS = {"ns", "nt", "nz", "nrt", "eng"}
# 和/与/及/或/跟 and one character after it: a name only if jieba's dictionary has it (`named_terms`)
_GLUED_CONJUNCTION = re.compile(r"[和与及或跟][\u4e00-\u9fff]")


@lru_cache(maxsize=1)
def _pos_tokenizer():
    return dictionary.pos_tokenizer(_tokenizer())


@lru_cache(maxsize=4096)
def tagged(text: str) -> tuple[tuple[str, str], ...]:
    """(word, part-of-speech tag) pairs of `text`, jieba's tags with kb's domain words tagged nz;
    remembered, since the same sentences come back question after question."""
    jieba.setLogLevel(60)
    return tuple((w.word, w.flag) for w in _pos_tokenizer().lcut(fold_width(text)))


_TAG = re.compile(r"([a-z]+)(\d+)")


def tag_string(text: str) -> str:
    """`tagged(text)` as stored with a passage: each word's tag and length ("ns4 v2 x1…"), so that
    answering reads the tags of a passage's sentences instead of running jieba's tagger (~4 ms a sentence).
    Not through `tagged`'s memory: each passage is tagged once, and its sentences are what questions look up."""
    jieba.setLogLevel(60)
    return " ".join(f"{w.flag}{len(w.word)}" for w in _pos_tokenizer().lcut(fold_width(text)))


def tags_within(tags: str, text: str, start: int, end: int) -> tuple[tuple[str, str], ...] | None:
    """`tagged(text[start:end])` read from `text`'s tag string; None when a word crosses the span's
    edges (jieba cuts at punctuation, so a sentence's edges are word edges) or the string does not fit."""
    folded = fold_width(text)
    words: list[tuple[str, str]] = []
    position = 0
    for match in _TAG.finditer(tags):
        length = int(match.group(2))
        if position >= end:
            break
        if position < start < position + length or position < end < position + length:
            return None
        if position >= start:
            words.append((folded[position:position + length], match.group(1)))
        position += length
    if position < end:
        return None
    return tuple(words)


@lru_cache(maxsize=64)
def question_tags(text: str) -> tuple[tuple[str, str], ...]:
    """(word, tag) pairs of a question, as `tagged` gives a sentence's, tagged once for all that reads them
    (its names, what it measures); kept apart from `tagged`'s memory, which holds the passages' sentences."""
    jieba.setLogLevel(60)
    return tuple((w.word, w.flag) for w in _pos_tokenizer().lcut(fold_width(text)))


def named_terms(text: str) -> list[str]:
    """Words of a question that name an entity or a domain term (lower-cased), e.g. 欧洲央行, CPI, 基点."""
    return list(dict.fromkeys(word.lower() for word, flag in question_tags(text)
                              if flag in _NAMING_TAGS and len(word) >= 2 and word.lower() not in stopwords()
                              and not _glued_conjunction(word)))


def _glued_conjunction(word: str) -> bool:
    """A conjunction jieba glued to the character after it and tagged a name (现金和光拿…: 和光, nz), not a word of its
    dictionary (和田, 和讯, 和硕 are)."""
    return bool(_GLUED_CONJUNCTION.fullmatch(word)) and not _tokenizer().FREQ.get(word)


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    return frozenset(data_lines("stopwords.txt"))


@lru_cache(maxsize=1)
def template_words() -> frozenset[str]:
    """The words of a question's template (data/question_words.txt: 是什么意思, 请问, when, did…), not of its subject."""
    return frozenset(w for line in data_lines("question_words.txt") for w in line.split())


def _clean(tokens: list[str]) -> list[str]:
    stop = stopwords()
    out = []
    for token in tokens:
        token = token.strip().lower()
        if token and token not in stop and _WORD.search(token):
            out.append(token)
    return out


def tokenize(text: str) -> list[str]:
    """Index-time tokens: jieba's search mode (words plus their sub-words), stopwords removed."""
    jieba.setLogLevel(60)
    return _clean(_tokenizer().lcut_for_search(fold_width(text)))


@lru_cache(maxsize=16384)
def token_set(text: str) -> frozenset[str]:
    """The distinct tokens of a sentence or passage, remembered: answering and re-ranking weigh the same
    passages' sentences question after question."""
    return frozenset(tokenize(text))


def tokenize_query(text: str) -> list[str]:
    """Query tokens, the same segmentation as the index so both sides meet."""
    return tokenize(text)


@lru_cache(maxsize=1)
def _synonym_groups() -> dict[str, frozenset[str]]:
    groups: dict[str, frozenset[str]] = {}
    for line in data_lines("synonyms.txt"):
        words = frozenset(w.lower() for w in line.split())
        for word in words:
            groups[word] = groups.get(word, frozenset()) | words
    return groups


def synonyms(term: str) -> frozenset[str]:
    """`term` and the words that stand in for it (data/synonyms.txt), e.g. 缩表 -> {缩表, 量化紧缩, qt}."""
    return _synonym_groups().get(term) or frozenset((term,))


def expand_query(tokens: list[str]) -> list[str]:
    """Query tokens followed by their synonyms, for the keyword index (the question's own words first)."""
    out = dict.fromkeys(tokens)
    for token in tokens:
        out.update(dict.fromkeys(sorted(synonyms(token))))
    return list(out)
