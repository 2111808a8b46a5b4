"""A question, read once: what retrieval and answering use, computed a single time per question.

Reading a question means: its text normalised (width-folded Simplified), its tokens and synonyms,
its content terms (the words of its subject, without the template around them: 是什么意思, 请问,
when/did/the…), the names it mentions, the kind of answer it expects (kb/text/data/question_kinds.txt:
an amount, a date, a person…, or a fact about an article), its language, and one look-up of the
document frequencies of every word any later step weighs.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from kb.retrieve import named as naming
from kb.retrieve.scoring import bm25_idf, coverage_idf
from kb.text import bilingual, convert, data_lines, expand_query, synonyms, tokenize_query
from kb.text.tokens import question_tags, stopwords, template_words

if TYPE_CHECKING:
    import numpy as np

KINDS = ("article_fact", "list", "reason", "definition", "time", "quantity", "person", "organisation", "place",
         "comparison", "method", "yesno", "other")
# Which record field an article-fact question asks for, by its words (first match wins).
_FACT_FIELDS = (
    ("author", re.compile(r"谁|哪位|何人|\bwho\b")),  # 本文是谁发表的? asks who, not when
    # 文章发布在哪个网站? and "Where was this article published?" ask where, not when
    ("source", re.compile(r"哪个?家?(?:网站|平台|媒体|网)|来自|出自|来源于|转载自|\bwhere\b")),
    ("published", re.compile(r"什么时候|何时|哪天|哪一天|几号|几日|几点|日期|时间|发布|发表|发出|发的"
                             r"|上线|\bwhen\b|\bdate\b|\btime\b|\btimestamp\b|\bpublished\b"
                             r"|\bposted\b")),
    ("author", re.compile(r"作者|\bauthor\b|\bbyline\b|\bwrote\b|\bwritten\b")),
    ("source", re.compile(r"来源|出处|媒体|网站|平台|哪家|\bsource\b|\boutlet\b|\bpublication\b|\b(?:web)?site\b|\bplatform\b")),
    ("title", re.compile(r"标题|题目|\btitle\b|\bheadline\b")),
    # after the title's: "这篇文章的标题问的是哪一年…" asks the title, "哪一年哪一个月刊出的" the date
    ("published", re.compile(r"哪一?年|哪一?个?月|刊出|刊登|刊载|登出")),
    ("url", re.compile(r"链接|网址|\blink\b|\burl\b")),
)
# Questions about an author or an article that ask for something no record holds (age, other works).
_NOT_A_FIELD = re.compile(r"年龄|几岁|多大年纪|还写过|其他文章|别的文章|\bhow old\b|\bage\b|\bother (articles|pieces)\b")
_ARTICLE_TIME_CLAUSE = re.compile(
    r"\b(?:when|as|at the time|by the time|after|before|since) (?:this|the) (?:article|piece|text|post) "
    r"(?:(?:was|is|had been) (?:written|published|posted)|came out|come out|appeared|was released)\b"
    r"|在(?:这篇)?(?:文章|本文)(?:发布|发表|写作)(?:时(?!间)|之时|的时候)"
    r"|(?:这篇)?(?:文章|本文)(?:发布|发表|刊出)(?:后|之后|以后)(?![,，]?[^，,。？?]{0,3}(?:被|谁|哪|几|多久))")
# "Since nobody knows how big RMP will be, how does the author…": the question is what follows the clause
_LEADING_CLAUSE = re.compile(r"^(?:since|if|given(?: that)?|although|though|even though|because|now that|once|unless"
                             r"|assuming|supposing|suppose|while)\b[^,?]*,\s+(?=[a-z])"  # 4,000: no clause ends there
                             # "When T-bills stop paying enough, what…": a when clause before the question (not "When did
                             # the Fed end QT, and why?", "When did QT end, was it in December?", "After how many years, …")
                             r"|^(?:when|after|before|as)\b(?!\s+(?:did|does|do|is|are|was|were|will|would|can|could|should"
                             r"|has|have|had|how|what|which)\b)[^,?]*,\s+(?=(?:what|which|who|whom|whose|how|why|where|does|do"
                             r"|did|is|are|was|were|will|would|can|could|should)\b)")
# The end of an English sentence: a full stop, "!" or "?" before a space and a capital. Not after an abbreviation
# (Mr. Miran, vs. Evercore, U.S. Treasury, e.g. T-bills): a title, a single letter, or a word with a dot inside.
_SENTENCE_BREAK = re.compile(r"([.!?])\s+(?=[A-Z])")
_ABBREVIATIONS = frozenset("mr mrs ms dr prof gov sen rep st jr sr vs etc no fig jan feb mar apr jun jul aug sep sept "
                           "oct nov dec inc corp co ltd".split())
# The word before 多少/多大/几… in a question asking an amount names what is measured (总额 of 准备金总额目前
#是多少); the words between that say nothing of it are skipped.
_HOW_MUCH = re.compile(r"^(?:多少|多大|多高|多长|多久|多重|多远|几)")
_BETWEEN = frozenset("是 有 为 约 约为 大约 大概 的 了 会 将 能 可 可以 要 需要 已 已经 达到 达 占 共 一共 总共 到底 究竟 "
                     "具体 目前 现在 每 每个 每年 每月".split())
_MEASURED_TAGS = ("n", "nz")
_SAYS_NOTHING_TAGS = ("x", "uj", "ul", "d", "t", "p", "c", "r")  # punctuation, 的/了, adverbs, times, 在/和/那
_REQUEST = re.compile(r"^(?:请你?|麻烦)?(?:帮我|给我)?(?:简单|简要)?地?(?:解释|介绍|说说|讲讲|讲解|说明|谈谈|聊聊)(?:一下)?")
_LETTER = re.compile(r"[a-z]")
# A capital letter after a word labels it in an English question too (scenario A, Plan B), unless it is "I"
_LABEL = re.compile(r"(?<=[A-Za-z] )([A-HJ-Z])\b(?!['’])")
_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


def normalize_query(query: str) -> str:
    """Width-folded Simplified text: what both sides of the search compare against."""
    folded = convert.fold_width(query.strip())
    return convert.to_simplified(folded)


@lru_cache(maxsize=1)
def _kind_patterns() -> tuple[tuple[str, re.Pattern], ...]:
    patterns = []
    for line in data_lines("question_kinds.txt"):
        kind, pattern = line.split("\t", 1)
        if kind not in KINDS:
            raise ValueError(f"question_kinds.txt: unknown kind {kind!r}")
        patterns.append((kind, re.compile(pattern.strip())))
    return tuple(patterns)


def expected_kind(text: str) -> str:
    """The kind of answer a (normalised) question expects; "other" when nothing says. A clause that
    dates the question by the article (文章发布时, when the article was written) does not ask about it, nor
    does an English question's opening clause (Since…, If…, When…, what) or the statements before its question."""
    whole = _kind_of(text)
    # "Wall Street can't agree on how big RMP will be. Which Fed body is due to…?": where statements set the scene
    # before an English question, the question says what it asks (unless the whole asks about the article: "…the
    # piece…? What is its exact title?"). Not a question followed by a guess ("When does RMP start? In January?").
    sentences = _english_sentences(text.strip())
    if len(sentences) > 1 and whole != "article_fact" and sentences[-1].endswith("?") \
            and not any(s.endswith("?") for s in sentences[:-1]):
        last = _kind_of(sentences[-1])
        if last != "other":
            return last
    return whole


def _english_sentences(text: str) -> list[str]:
    sentences, start = [], 0
    for match in _SENTENCE_BREAK.finditer(text):
        word = (text[:match.start()].split() or [""])[-1]
        if match.group(1) == "." and (len(word) == 1 or "." in word or word.lower() in _ABBREVIATIONS):
            continue
        sentences.append(text[start:match.end()].strip())
        start = match.end()
    return sentences + [text[start:].strip()]


def _kind_of(text: str) -> str:
    lowered = _LEADING_CLAUSE.sub("", _ARTICLE_TIME_CLAUSE.sub(" ", text.lower()))
    return next((kind for kind, pattern in _kind_patterns() if pattern.search(lowered)), "other")


def language(asked: str) -> str:
    """"zh" when the question is written in Chinese (any CJK word in it), else "en" (Latin letters)."""
    cjk, latin = len(_CJK.findall(asked)), len(_LATIN.findall(asked))
    return "zh" if cjk >= 2 or cjk * 2 >= latin else "en"


def has_words(question: str) -> bool:
    """Whether a question has anything to search for: a letter, an ideograph or a digit."""
    return any(ch.isalnum() for ch in question)


class EmptyQuestion(ValueError):
    """A question with no word in it (empty, white space, punctuation only): there is nothing to search
    for, and an answer to it would be the store's nearest passage to nothing."""

    def __init__(self, asked: str) -> None:
        super().__init__(f"no question to answer: {asked!r} has no words in it; ask about something in the articles")


@dataclass
class Question:
    asked: str  # as the user wrote it
    text: str  # width-folded Simplified (English written out: kb.text.bilingual.written_out): embedded and segmented
    script: str  # the script it was asked in: answers come back in it
    tokens: list[str]  # index-time segmentation of `text`, stopwords out
    expanded: list[str]  # tokens, then their synonyms: what the keyword index is asked for
    named: list[str]  # names and domain terms (kb.text.named_terms)
    kind: str = "other"  # the kind of answer expected (KINDS)
    language: str = "zh"
    fact: str | None = None  # for article_fact: the record field asked for
    measured: str | None = None  # for a quantity: the noun naming what is measured (总额, 上限), if the question has one
    frequencies: dict[str, int] = field(default_factory=dict, repr=False)  # document frequency of every word above
    total: int = 0  # passages in the store when it was read
    # Its embedding by each model that embedded it: retrieval computes it, answering weighs sentences with it.
    vectors: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def content(self) -> list[str]:
        """The subject's words: tokens without the question's template; in a question not written in
        Chinese, only the words the store knows (by themselves or a synonym: fed, qt, rmp)."""
        template = template_words()
        # jieba cuts 多大的概率 into 多/大/的: the pair is the template's 多大 (but 高 of 多高 is what is measured: 树高)
        paired = {i + d for i, pair in enumerate(zip(self.tokens, self.tokens[1:])) if pair == ("多", "大") for d in (0, 1)}
        # a letter in a Chinese question labels what it follows (情景A), it is not the English article; in an
        # English one, a capital letter after a word does (scenario A)
        labels = {m.lower() for m in _LABEL.findall(self.asked)} if self.language != "zh" else set()
        words = [t for i, t in enumerate(self.tokens)
                 if (t not in template or (_LETTER.fullmatch(t) and (self.language == "zh" or t in labels)))
                 and i not in paired]
        if self.language != "zh":
            words = [t for t in words if _CJK.search(t) or self.stored(t)]
        # 缩 of 美联储缩表缩了多少: a character the question's own words hold says nothing more, and as a word no
        # passage holds it outweighed them all
        return [w for w in words if len(w) > 1 or not any(w in other for other in words if len(other) > 1)]

    @property
    def weights(self) -> dict[str, float]:
        """Coverage IDF of the question's content words (not their synonyms); a word the store only
        holds as a synonym (fed, written 美联储) weighs as common as that synonym."""
        own = set(self.content)
        return {t: coverage_idf(max(self.frequencies.get(w, 0) for w in synonyms(t)), self.total)
                for t in self.frequencies if t in own}

    @property
    def token_weights(self) -> dict[str, float]:
        """Coverage IDF of all the question's tokens, template included: what the retrieval re-rank
        weighs (measured: on the seed questions, content words alone ranked one question lower)."""
        own = set(self.tokens)
        return {t: coverage_idf(df, self.total) for t, df in self.frequencies.items() if t in own}

    @property
    def keyword_weights(self) -> dict[str, float]:
        """BM25 IDF of the expanded tokens the store holds."""
        asked = set(self.expanded)
        return {t: bm25_idf(df, self.total) for t, df in self.frequencies.items() if df and t in asked}

    def stored(self, term: str) -> bool:
        """Whether any stored passage holds `term` or one of its synonyms."""
        return any(self.frequencies.get(word) for word in synonyms(term))


def read_question(asked: str, store=None) -> Question:
    """Normalise, segment, expand, name and classify a question; with `store`, one look-up of the
    document frequencies of every word any later step weighs. Raises EmptyQuestion when it has no words."""
    if not has_words(asked):
        raise EmptyQuestion(asked)
    lang = language(asked)
    text = normalize_query(asked) if lang == "zh" else bilingual.written_out(normalize_query(asked))
    # 解释一下RMP, 请简单介绍QT: the request says what to do with the subject; the words to weigh are the subject's
    subject = _REQUEST.sub("", text) or text
    tokens = tokenize_query(subject) if text else []
    if lang != "zh":
        tokens = bilingual.join_phrases(tokens, keep=template_words())
        if store is not None:
            chinese, unheld = naming.chinese_words(tokens, store, naming.english_names(asked))
            tokens += chinese
    expanded = expand_query(tokens)
    named = naming.names(asked, text, lang) if text else []
    if lang != "zh" and store is not None:
        named += [term for term in unheld if term not in named]
    kind = expected_kind(text)
    if kind == "article_fact" and _NOT_A_FIELD.search(text.lower()):
        kind = "other"
    fact = next((name for name, pattern in _FACT_FIELDS if pattern.search(text.lower())), "title") \
        if kind == "article_fact" else None
    measured = _measured(text) if kind == "quantity" and lang == "zh" else None
    question = Question(asked, text, convert.detect_script(asked), tokens, expanded, named, kind, lang, fact, measured)
    if store is not None and text:
        words = expanded + [w for term in named + [measured] * bool(measured) for w in sorted(synonyms(term))]
        question.frequencies, question.total = store.document_frequencies(words)
    return question


def _measured(text: str) -> str | None:
    """The noun a quantity question measures: the word before 多少/多大/几…, past the words that say nothing
    of it (是, 目前, 具体…); None when that word is no noun (高到多少, 工作了多少年 ask of a verb or an act)."""
    words = question_tags(text)
    for index, (word, _) in enumerate(words):
        following = words[index + 1][0] if index + 1 < len(words) else ""
        if _HOW_MUCH.match(word) or (word == "多" and _HOW_MUCH.match(word + following)):  # jieba cuts 多/大
            before = [(i, w, tag) for i, (w, tag) in enumerate(words[:index])
                      if w not in _BETWEEN and tag not in _SAYS_NOTHING_TAGS]
            if before:
                at, word, tag = before[-1]
                # a word after 的 is a noun whatever jieba tags it (上限 of 缩表的上限: v); 总 of 总规模 is part of it
                noun = tag in _MEASURED_TAGS or (at > 0 and words[at - 1][1] == "uj")
                if at > 0 and words[at - 1][1] == "b" and len(words[at - 1][0]) == 1:
                    word = words[at - 1][0] + word
                if noun and len(word) > 1 and word not in stopwords() and word not in template_words():
                    return word
            return None
    return None
