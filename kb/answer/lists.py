"""Lists in the passages: a sentence that ends in a colon leads in to items ("市场主要分为两大阵营:"
then 「维护派」… and 「回补派」…), which the answer quotes after it rather than the lead-in alone; so
does, for a question asking which items, a list item with sub-items."""
from __future__ import annotations

import re
from typing import Callable

from kb.records import Hit, Passage
from kb.text import LEAD_IN, LIST_ITEM, outline, sentence_spans

MAX_ITEMS = 6  # list items quoted after a lead-in
MAX_LABEL = 12  # characters before the colon of a list item's label (结果, 权益策略)
MAX_PASSAGES = 4  # passages a list is read through


def _label_and_rest(line: str) -> tuple[str, str]:
    """A list item's line past its mark, cut at its first colon ("1. 情景A:软着陆…" -> 情景A, 软着陆…)."""
    label, *rest = re.split(r"[:：]", LIST_ITEM.sub("", line), maxsplit=1)
    return label.strip(), "".join(rest)


def item_label(line: str) -> str:
    """What a list item's line names it by: past its mark, before its colon ("1. 情景A:软着陆…" -> 情景A)."""
    return _label_and_rest(line)[0]


def names_item(question: str, line: str) -> bool:
    """Whether a (normalised) question names a list item by its label or its title ("1. 情景A:软着陆与技术性修复
    (机率40%)" by 情景A, or by three characters of 软着陆与技术性修复 running together)."""
    lowered = question.lower()
    label, title = _label_and_rest(line)
    label, title = label.lower(), re.sub(r"[(（][^)）]*[)）]", "", title).strip().lower()
    return (bool(label) and label in lowered) or any(title[i:i + 3] in lowered for i in range(len(title) - 2))


def is_lead_in(sentence: str) -> bool:
    return bool(LEAD_IN.search(sentence))


def leads_sub_items(text: str, start: int, end: int) -> bool:
    """Whether the sentence text[start:end] ends a list item that has sub-items ("3. 情景C:政策失误…" over
    "• 美联储仅购买35亿美元。" and "• 结果:…"): they are what the item stands for."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line = text[line_start:line_end if line_end >= 0 else len(text)]
    if line_end < 0 or text[end:line_end].strip() or not LIST_ITEM.match(line):
        return False
    following = next((candidate for candidate in text[line_end + 1:].split("\n") if candidate.strip()), "")
    depth = len(line) - len(line.lstrip())
    return bool(LIST_ITEM.match(following)) and len(following) - len(following.lstrip()) > depth


def items_after(lead: Hit, end: int, following: Callable[[Passage], Passage | None] | None
                ) -> list[tuple[Hit, int, int]]:
    """The first sentence of each list item after the lead-in ending at `end` in `lead`'s passage, there and,
    when the list runs on, in the next one. Items at the first item's indent only (not their sub-points)."""
    items: list[tuple[Hit, int, int]] = []
    hit, offset, indent = lead, end, None
    seen: set[str] = set()
    for continuation in (False, True):
        text = hit.passage.text
        line_end = text.find("\n", offset)
        position = line_end + 1 if line_end >= 0 else len(text)
        for line in text[position:].split("\n"):
            if len(items) >= MAX_ITEMS:
                return items
            stripped = line.strip()
            if stripped and LIST_ITEM.match(line):
                depth = len(line) - len(line.lstrip())
                indent = depth if indent is None else indent
                if depth < indent:
                    return items  # the sub-items of an item ended at the next item
                if depth == indent:
                    spans = sentence_spans(line) or [(0, len(line))]
                    start, end = position + spans[0][0], position + spans[0][1]
                    if text[start:end] not in seen:
                        seen.add(text[start:end])
                        items.append((hit, start, end))
            elif stripped and items:
                return items  # the list ended
            position += len(line) + 1
        nxt = following(hit.passage) if following and not continuation else None
        if nxt is None:
            break
        # The next passage repeats the last sentence of this one: it starts inside the last item.
        hit, offset = Hit(passage=nxt, article=hit.article, score=hit.score), 0
    return items


def label(line: str) -> str | None:
    """The label of a list item's line that names what it tells ("• 结果:股市温和上涨…" -> 结果), if it has one."""
    label, rest = _label_and_rest(line)
    return label if rest and 0 < len(label) <= MAX_LABEL else None


def parallel_sub_items(hit: Hit, start: int, following: Callable[[Passage], Passage | None] | None
                       ) -> list[tuple[Hit, tuple[int, int], Hit, tuple[int, int]]]:
    """For the sub-item holding text[start] ("• 结果:风险资产出现「融涨」…" under "2. 情景B:…"), the sub-item that
    tells the same under each item of its list ("• 结果:股市温和上涨…" under 情景A, "• 结果:回购市场…" under 情景C),
    each as (the item's hit, its span, the sub-item's hit, its span), in order, itself among them: the one with the
    same label, or, unlabelled, at the same place among its item's sub-items. The list is read from the first of its
    items in the passage on, and on into the passages after it while it runs on. Empty unless two items tell it."""
    text = hit.passage.text
    lines = outline(text)  # (start, end, kind, indent) of each non-blank line
    at = next((i for i, (s, e, _, _) in enumerate(lines) if s <= start < e + 1), None)
    if at is None or not LIST_ITEM.match(text[lines[at][0]:lines[at][1]]):
        return []
    depth = lines[at][3]
    parent = next((i for i in range(at - 1, -1, -1) if lines[i][3] < depth), None)
    if parent is None or not LIST_ITEM.match(text[lines[parent][0]:lines[parent][1]]):
        return []
    item_depth = lines[parent][3]
    named = label(text[lines[at][0]:lines[at][1]])
    place = sum(1 for i in range(parent + 1, at) if lines[i][3] == depth)
    first = parent  # the first item of the list in this passage
    for i in range(parent - 1, -1, -1):
        if not LIST_ITEM.match(text[lines[i][0]:lines[i][1]]) or lines[i][3] < item_depth:
            break
        if lines[i][3] == item_depth:
            first = i
    found: list[tuple[Hit, tuple[int, int], Hit, tuple[int, int]]] = []
    item: tuple[Hit, tuple[int, int]] | None = None
    place_at, passages = 0, 0
    # a passage's first line has lost its indent: an item or a sub-item is told by its mark (1. or •)
    marks = {_mark(text[lines[parent][0]:lines[parent][1]]): item_depth, _mark(text[lines[at][0]:lines[at][1]]): depth}
    while True:
        for index in range(first, len(lines)):
            line_start, line_end, _, indent = lines[index]
            line = text[line_start:line_end]
            line_depth = marks.get(_mark(line), -1) if passages and index == 0 and LIST_ITEM.match(line) else indent
            if not LIST_ITEM.match(line) or line_depth < item_depth or len(found) == MAX_ITEMS:
                return found if len(found) > 1 else []
            span = (line_start + indent, line_end)
            if line_depth == item_depth:
                item, place_at = (hit, span), 0
            elif line_depth == depth and item:
                if (label(line) == named) if named else place_at == place:
                    found.append((*item, hit, span))
                place_at += 1
        passages += 1
        nxt = following(hit.passage) if following and passages < MAX_PASSAGES else None
        if nxt is None:
            break
        last = text[lines[-1][0]:lines[-1][1]].strip() if lines else ""
        hit = Hit(passage=nxt, article=hit.article, score=hit.score)
        text, lines = nxt.text, outline(nxt.text)
        # a passage may open on the last line of the one before, its indent lost: that line is read already
        first = 1 if lines and text[lines[0][0]:lines[0][1]].strip() == last else 0
    return found if len(found) > 1 else []


def _mark(line: str) -> str:
    """What kind of mark a list item's line opens with: a number (1. 2、 (3)), or the bullet itself (•)."""
    mark = LIST_ITEM.match(line)
    return "number" if mark and re.search(r"[\d一二三四五六七八九十]", mark.group()) else (mark.group().strip() if mark else "")
