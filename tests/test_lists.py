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
    return [(hit.passage.text[slice(*item)], sub_hit.passage.text[slice(*sub)]) for hit, item, sub_hit, sub in found]


def _cut(text: str, *cuts: int, overlap: bool = True) -> list[Passage]:
    """The text as passages ending at `cuts`; each after the first opens on the last line of the one before, its
    indent lost (the chunker's overlap), unless not `overlap`."""
    passages, begin = [], 0
    for position, end in enumerate([*cuts, len(text)]):
        start = text.rindex("\n", 0, begin - 1) + 1 if overlap and begin else begin
        body = text[start:end].lstrip()
        passages.append(Passage(f"p{position}", "a1", position, body, body, start, end))
        begin = end
    return passages


def _following(passages: list[Passage]):
    return lambda passage: next((p for p in passages if p.position == passage.position + 1), None)


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


def test_the_list_runs_on_through_passages_with_or_without_their_overlap():
    for overlap in (True, False):
        passages = _cut(SCENARIOS, SCENARIOS.index("  2. 情景B"), SCENARIOS.index("    • 结果:股市剧烈"), overlap=overlap)
        hit = Hit(passages[0], ARTICLE, 1.0)
        told = _told(lists.parallel_sub_items(hit, SCENARIOS.index("• 结果:股市温和"), _following(passages)))
        # 情景C's 结果 stands in the third passage, its item in the second
        assert [sub for _, sub in told] == ["• 结果:股市温和上涨。", "• 结果:大宗商品飙升。", "• 结果:股市剧烈回调。"], overlap
        assert told[2][0] == "3. 情景C:政策失误(机率25%)"


def test_blank_lines_between_items_do_not_end_the_list():
    spaced = SCENARIOS.replace("\n  2.", "\n\n  2.").replace("\n  3.", "\n\n  3.")
    hit = Hit(Passage("p1", "a1", 0, spaced, spaced, 0, len(spaced)), ARTICLE, 1.0)
    told = _told(lists.parallel_sub_items(hit, spaced.index("• 结果:大宗"), None))
    assert [sub for _, sub in told] == ["• 结果:股市温和上涨。", "• 结果:大宗商品飙升。", "• 结果:股市剧烈回调。"]


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
