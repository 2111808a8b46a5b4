"""Superlative questions over a list's items (kb.answer.extremes), and what a question names not being its own
answer (kb.answer.kinds): our own logic, on small hand-made passages."""
from __future__ import annotations

from kb.answer import extremes, kinds
from kb.records import Article, Hit, Passage

SCENARIOS = ("面对不确定性,我们做出以下几种情景假设:\n"
             "  1. 情景A:软着陆(机率40%)\n    • 央行每月购买200-300亿美元。\n    • 结果:股市温和上涨。\n"
             "  2. 情景B:再通胀(机率35%)\n    • 央行每月购买450亿美元以上。\n    • 结果:大宗商品飙升。\n"
             "  3. 情景C:政策失误(机率25%)\n    • 央行仅购买35亿美元。\n    • 结果:股市剧烈回调。\n")


def _hits(text: str, cut: int | None = None) -> tuple[list[Hit], dict[str, Passage]]:
    """The text as one passage, or as two overlapping at `cut` (the second starting one line early)."""
    article = Article("a1", "t", text, text, "t", None, None, None, None, None, None, None, "hans", "none", "h")
    if cut is None:
        return [Hit(Passage("p1", "a1", 0, text, text, 0, len(text)), article, 1.0)], {}
    back = text.rindex("\n", 0, cut - 1) + 1
    first = Passage("p1", "a1", 0, text[:cut], text[:cut], 0, cut)
    second = Passage("p2", "a1", 1, text[back:], text[back:], back, len(text))
    return [Hit(first, article, 1.0)], {"p1": second}


def test_a_superlative_names_the_item_with_the_extreme_figure():
    hits, _ = _hits(SCENARIOS)
    most_likely = extremes.superlative("作者认为最有可能的那种情景里,央行每月买多少?")
    assert most_likely == extremes.Superlative(most=True, likelihood=True)
    lines = extremes.extreme_lines(most_likely, "作者认为最有可能的那种情景里,央行每月买多少?", hits)["a1"]
    assert "1. 情景A:软着陆(机率40%)" in lines and "• 央行每月购买200-300亿美元。" in lines
    assert not any("情景B" in line or "450亿" in line for line in lines)
    least = extremes.superlative("三种情景里央行买得最少的是哪一种?")
    assert least == extremes.Superlative(most=False, likelihood=False)
    lines = extremes.extreme_lines(least, "三种情景里央行买得最少的是哪一种?", hits)["a1"]
    assert "3. 情景C:政策失误(机率25%)" in lines and "• 央行仅购买35亿美元。" in lines and len(lines) == 3
    # 最不可能 is the least likely, not the most (最…可能)
    assert extremes.superlative("哪种情景最不可能发生?") == extremes.Superlative(most=False, likelihood=True)
    assert extremes.superlative("情景A的机率是多少?") is None


def test_a_superlative_reads_a_list_that_runs_into_the_next_passage():
    hits, following = _hits(SCENARIOS, cut=SCENARIOS.index("  3. 情景C"))
    assert "情景C" not in hits[0].passage.text
    lines = extremes.extreme_lines(extremes.superlative("哪种情景下央行买得最少?"), "哪种情景下央行买得最少?",
                                   hits, lambda passage: following.get(passage.id))["a1"]
    assert "• 央行仅购买35亿美元。" in lines


def test_a_superlative_about_something_else_leaves_the_list_alone():
    hits, _ = _hits(SCENARIOS)
    # the items' labels (情景A, 情景B…) share 情景, which this question does not name
    asked = "央行的资产最多时有多少?"
    assert extremes.superlative(asked) and extremes.extreme_lines(extremes.superlative(asked), asked, hits) == {}
    # a tie names no item
    tied = SCENARIOS.replace("机率35%", "机率40%")
    asked = "哪种情景的机率最高?"
    assert extremes.extreme_lines(extremes.superlative(asked), asked, _hits(tied)[0]) == {}


def test_what_the_question_names_is_not_its_answer():
    sentence = "美联储理事斯蒂芬·米兰提出了一个「监管主导」的假说。"
    assert kinds.entities("person", sentence)
    assert not kinds.entities("person", sentence, asked="米兰是由哪位总统提名的?")
    assert not kinds.holds("time", "美联储在10月的会议上决定终止QT。", asked="10月的会议是哪一天开的?")
    assert kinds.holds("time", "美联储在10月的会议上决定终止QT。", asked="美联储哪个月决定终止QT?")
    assert kinds.entities("time", "316年晋愍帝投降,至此西晋灭亡。", asked="西晋于何年灭亡?") == ["316年"]
