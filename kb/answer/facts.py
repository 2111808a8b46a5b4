"""Questions about an article itself (这篇文章是谁写的? When was this article published?): answered
from the stored record, cited as the article, not from passages."""
from __future__ import annotations

import re

from kb.answer.render import article_citation, in_script
from kb.records import Answer, Article, Hit
from kb.retrieve.question import Question

_LABELS = {"author": "作者", "published": "发布时间", "source": "来源", "title": "标题", "url": "原文链接"}
_MISSING = "知识库里这篇文章没有记录{label}。"
_NAMED_WORK = re.compile(r"《([^》]+)》")


def the_article(hits: list[Hit], only: Article | None = None) -> Article | None:
    """The article a question means by "this article": the store's only article, else the one its
    passages point to first (a question that names the article retrieves it)."""
    if only is not None:
        return only
    return hits[0].article if hits else None


def fact_answer(question: Question, article: Article | None, hits: list[Hit], script: str) -> Answer | None:
    """The record's value for the asked field, cited as the article; None when there is no article, or
    when the question names a work that is not the article (《量子力学的基本方程式》这篇论文是谁提出的?
    asks about a paper the passages mention: they answer it)."""
    if article is None or question.fact is None:
        return None
    if any(work not in article.title for work in _NAMED_WORK.findall(question.text)):
        return None
    label = _LABELS[question.fact]
    value = getattr(article, question.fact)
    if not value:
        text = _MISSING.format(label=label)
        return Answer(question.asked, in_script(text, text, "hans", script), True, [], hits, script,
                      kind=question.kind, warnings=[f"article {article.id} has no {question.fact}"])
    shown = value if question.fact in ("published", "url") else in_script(value, value, "hans", script)
    title = article.title if script == "hans" else (article.title_original if article.script == script
                                                     else in_script(article.title, article.title, "hans", script))
    text = in_script(f"{label}：", f"{label}：", "hans", script) + f"{shown}（《{title}》）[1]"
    return Answer(question.asked, text, False, [article_citation(1, article)], hits, script,
                  short=shown, kind=question.kind)
