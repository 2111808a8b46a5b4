"""Lists in the passages (kb.answer.lists): what each item of a list tells, read across its items and into the
next passage. Our own logic, on small hand-made passages."""
from __future__ import annotations

from kb.answer import lists
from kb.records import Article, Hit, Passage

SCENARIOS = ("面对不确定性,我们做出以下几种情景假设:\n"
             "  1. 情景A:软着陆(机率40%)\n    • 央行每月购买200-300亿美元。\n    • 结果:股市温和上涨。\n"
             "  2. 情景B:再通胀(机率35%)\n    • 央行每月购买450亿美元以上。\n    • 结果:大宗商品飙升。\n"
             "  3. 情景C:政策失误(机率25%)\n    • 央行仅购买35亿美元。\n    • 结果:股市剧烈回调。\n\n"
             "对于投资者而言,需要相应调整。")
ARTICLE = Article("a1", "t", SCENARIOS, SCENARIOS, "t", None, None, None, None, None, None, None, "hans", "none", "h")


def _told(found) -> list[tuple[str, str]]:
    return [(hit.passage.text[slice(*item)], hit.passage.text[slice(*sub)]) for hit, item, sub in found]


def test_each_item_tells_the_same_by_label_or_by_place():
    hit = Hit(Passage("p1", "a1", 0, SCENARIOS, SCENARIOS, 0, len(SCENARIOS)), ARTICLE, 1.0)
    # labelled: the 结果 of every scenario, from the one in the middle
    told = _told(lists.parallel_sub_items(hit, SCENARIOS.index("• 结果:大宗"), None))
    assert told == [("1. 情景A:软着陆(机率40%)", "• 结果:股市温和上涨。"), ("2. 情景B:再通胀(机率35%)", "• 结果:大宗商品飙升。"),
                    ("3. 情景C:政策失误(机率25%)", "• 结果:股市剧烈回调。")]
    # unlabelled: the first sub-item of each
    told = _told(lists.parallel_sub_items(hit, SCENARIOS.index("• 央行仅购买"), None))
    assert [sub for _, sub in told] == ["• 央行每月购买200-300亿美元。", "• 央行每月购买450亿美元以上。", "• 央行仅购买35亿美元。"]
    # an item itself, or a sentence in no list, tells nothing of the kind
    assert lists.parallel_sub_items(hit, SCENARIOS.index("2. 情景B"), None) == []
    assert lists.parallel_sub_items(hit, SCENARIOS.index("对于投资者"), None) == []


def test_the_list_runs_into_the_next_passage():
    cut = SCENARIOS.index("  3. 情景C")
    back = SCENARIOS.rindex("\n", 0, cut - 1) + 1  # the next passage repeats the last line, its indent lost
    first = Passage("p1", "a1", 0, SCENARIOS[:cut], SCENARIOS[:cut], 0, cut)
    second = Passage("p2", "a1", 1, SCENARIOS[back:].lstrip(), SCENARIOS[back:].lstrip(), back, len(SCENARIOS))
    hit = Hit(first, ARTICLE, 1.0)
    told = _told(lists.parallel_sub_items(hit, SCENARIOS.index("• 结果:股市温和"),
                                          lambda passage: second if passage.id == "p1" else None))
    assert [sub for _, sub in told] == ["• 结果:股市温和上涨。", "• 结果:大宗商品飙升。", "• 结果:股市剧烈回调。"]
    assert told[2][0] == "3. 情景C:政策失误(机率25%)"
