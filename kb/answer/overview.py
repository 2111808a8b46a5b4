"""Questions about an article as a whole: what it says (这篇文章讲了什么?, What is this article about?) and whom
it names (文中提到了哪些人?). No passage answers them by its words; the article does: its summary and its
conclusion, the people its sentences name. Answered from the article's record and passages, cited.
"""
from __future__ import annotations

import re
from typing import Callable

from kb.answer import kinds
from kb.answer.render import article_citation, citation_for, in_script
from kb.records import Answer, Article, Citation, Hit, Passage
from kb.retrieve.question import Question
from kb.retrieve.scoring import coverage
from kb.text import sentence_spans, tags_within, token_set

_ARTICLE = r"(?:这篇|本篇|该篇|此篇)?(?:文章|本文|全文|正文|文中)|这篇|作者"
_GIST = re.compile(
    rf"(?:{_ARTICLE})[^，,。？?]{{0,10}}(?:讲|说|写|谈|介绍|讨论|论述|分析)(?:了|的是|的)?些?(?:什么|啥|哪些)(?:内容|方面|事)?"
    r"[\s?？。.!！]*$"  # the question ends there: 文章说哪些对冲基金会首当其冲? asks about funds
    rf"|(?:{_ARTICLE})的?(?:主要|核心|中心)?(?:内容|观点|论点|结论|主旨|要点|大意|概要|摘要)"
    r"|^请?(?:简单|简要)?地?(?:总结|概括|归纳|介绍)(?:一下)?(?:这篇|本篇|该篇)?(?:文章|全文|本文)?[。.!！?？]*$"
    r"|\b(?:this|the) (?:article|piece|text|post)\b.{0,30}\b(?:about|summar|main points?|gist|key points?|takeaways?)"
    r"|\b(?:summar(?:y|ise|ize)|gist|main points?|key points?|takeaways?)\b.{0,30}\b(?:article|piece|text|post)\b"
    r"|^(?:summari[sz]e|tl;?dr)\b")
_PEOPLE = re.compile(
    rf"(?:{_ARTICLE})[^，,。？?]{{0,8}}(?:提到|点名|提及|引用|引述|出现)[^，,。？?]{{0,10}}"
    r"(?:人|人物|专家|分析师|官员|策略师|经济学家)"
    r"|\b(?:who|which (?:people|persons|experts|analysts|officials))\b.{0,40}\b(?:mentioned|named|quoted|cited)\b"
    r".{0,30}\b(?:article|piece|text|post)\b")
# A conclusion's heading: 总结:新范式下的流动性主导, 结语, Conclusion.
_CONCLUSION = re.compile(r"^(?:总结|结论|结语|小结|尾声|写在最后|conclusion|summary|takeaways?)", re.I)
# A word tagged as a name names a person beside a title before it or a verb of saying after it (美联储理事…,
# …表示); a transliterated name with its dot always does. jieba tags 云霄飞车 and 休克 as names too.
_TITLE_BEFORE = re.compile(r"(?:理事|主席|行长|总裁|部长|策略师|分析师|经济学家|首席[\u4e00-\u9fff]{0,4}|教授|研究员"
                           r"|官员|创始人|董事长|总统|议员|先生|女士)\s*$")
_SAYS_AFTER = re.compile(r"^\s*(?:表示|认为|指出|称|说|提出|预测|预计|强调|写道|警告)")
GIST_SENTENCES = 2  # of the conclusion (or of the opening, without a summary)


def asked(question: Question) -> str | None:
    """"gist" for a question asking what the article says, "people" for one asking whom it names, else None."""
    text = question.text.lower()
    if question.kind in ("person", "list") and _PEOPLE.search(text):
        return "people"
    return "gist" if _GIST.search(text) else None


def overview_answer(question: Question, about: str, article: Article | None,
                    passages: Callable[[str], list[Passage]], hits: list[Hit], script: str,
                    warnings: list[str]) -> Answer | None:
    """The answer to a question about the article as a whole; None without an article."""
    if article is None:
        return None
    ordered = sorted(passages(article.id), key=lambda p: p.position)
    parts: list[str] = []
    citations: list[Citation] = []

    def quote(passage: Passage, start: int, end: int) -> None:
        citations.append(citation_for(len(citations) + 1, Hit(passage, article, 1.0), start, end))
        cite = citations[-1]
        parts.append(in_script(cite.sentence, cite.sentence_original, article.script, script) + f"[{cite.n}]")

    if about == "people":
        named = _people(ordered)
        # those whose sentence holds most of what the question says of them (哪一位是美国银行的人?), all when
        # it says nothing of them (文中提到了哪些人?)
        held = [coverage(question.weights, token_set(passage.text[start:end])) for _, passage, start, end in named]
        named = [n for n, c in zip(named, held) if c >= max(held, default=0.0) - 1e-9]
        # no short answer: one is shown only where its precision was measured (kb.answer.extractive._short_answer)
        names = "、".join(name for name, _, _, _ in named)
        # naming nobody, the article is what says so: it is cited
        heading = f"文中点名的人物：{names}。" if names else "文中没有点名任何人物[1]。"
        parts.append(in_script(heading, heading, "hans", script))
        if not named:
            citations.append(article_citation(1, article))
        for _, passage, start, end in named:
            quote(passage, start, end)
    else:
        if article.summary:
            citations.append(article_citation(1, article))
            parts.append(in_script(article.summary, article.summary_original or article.summary, article.script,
                                   script) + "[1]")
        for passage, start, end in _conclusion(ordered) or ([] if article.summary else _opening(ordered)):
            quote(passage, start, end)
    if not citations:
        return None
    return Answer(question.asked, "".join(parts), False, citations, hits, script, warnings=warnings,
                  kind=question.kind)


def _people(passages: list[Passage]) -> list[tuple[str, Passage, int, int]]:
    """Each person the article names, with the first sentence naming them, in the article's order."""
    found: list[tuple[str, Passage, int, int]] = []
    for passage in passages:
        for start, end in sentence_spans(passage.text):
            sentence = passage.text[start:end]
            tags = tags_within(passage.tags, passage.text, start, end) if passage.tags else None
            for name in kinds.entities("person", sentence, tags=tags):
                at = sentence.find(name)
                if "·" not in name and not _TITLE_BEFORE.search(sentence[:at]) \
                        and not _SAYS_AFTER.match(sentence[at + len(name):]):
                    continue
                if any(name in known or known in name for known, _, _, _ in found):
                    continue  # 米兰 after 斯蒂芬·米兰, or a repeat
                found.append((name, passage, start, end))
    return found


def _conclusion(passages: list[Passage]) -> list[tuple[Passage, int, int]]:
    """The first sentences under the article's concluding heading, if it has one."""
    return next((_first_sentences(p) for p in passages if p.section and _CONCLUSION.match(p.section.strip())), [])


def _opening(passages: list[Passage]) -> list[tuple[Passage, int, int]]:
    """The article's first sentences, past a heading."""
    return _first_sentences(passages[0]) if passages else []


def _first_sentences(passage: Passage) -> list[tuple[Passage, int, int]]:
    """A passage's first GIST_SENTENCES sentences, not counting its section's heading line."""
    heading = (passage.section or "").strip()
    spans = [(a, b) for a, b in sentence_spans(passage.text) if passage.text[a:b].strip() != heading]
    return [(passage, start, end) for start, end in spans[:GIST_SENTENCES]]
