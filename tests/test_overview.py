"""Questions about an article as a whole (kb.answer.overview): our own logic, on small hand-made articles."""
from __future__ import annotations

from kb.answer import overview
from kb.records import Article, Passage
from kb.retrieve.question import read_question


def _article(text: str, summary: str | None = None) -> tuple[Article, list[Passage]]:
    article = Article("a1", "标题", text, text, "标题", "某网", None, None, None, summary, summary, None, "hans",
                      "none", "h")
    return article, [Passage("a1-0000", "a1", 0, text, text, 0, len(text))]


def test_whom_an_article_names_and_when_it_names_nobody():
    article, passages = _article("美联储主席鲍威尔表示将继续观察。市场像坐上了云霄飞车。分析师李明认为风险上升。")
    question = read_question("文中提到了哪些人?")
    assert overview.asked(question) == "people"
    answer = overview.overview_answer(question, "people", article, lambda _: passages, [], "hans", [])
    # a title before (主席, 分析师) or a verb of saying after (表示, 认为) makes a name a person's; 云霄飞车 is none
    names = answer.text.split("。")[0]
    assert answer.short is None and "鲍威尔" in names and "李明" in names and "云霄飞车" not in names, answer.text
    article, passages = _article("市场像坐上了云霄飞车。利率维持不变。")
    answer = overview.overview_answer(question, "people", article, lambda _: passages, [], "hans", [])
    assert not answer.abstained and "没有点名" in answer.text and answer.citations[0].kind == "article"


def test_what_an_article_says_without_a_summary_is_its_opening():
    article, passages = _article("央行宣布降息25个基点。此举旨在支持经济。市场反应平淡。")
    question = read_question("这篇文章讲了什么?")
    assert overview.asked(question) == "gist"
    answer = overview.overview_answer(question, "gist", article, lambda _: passages, [], "hans", [])
    assert [c.sentence for c in answer.citations] == ["央行宣布降息25个基点。", "此举旨在支持经济。"]
    summarised, passages = _article("央行宣布降息25个基点。", summary="文章介绍了央行降息。")
    answer = overview.overview_answer(question, "gist", summarised, lambda _: passages, [], "hans", [])
    assert answer.citations[0].kind == "article" and answer.text.startswith("文章介绍了央行降息。[1]")
