"""Where each line of a passage stands: under which heading, under which list item, beside which sibling
sub-items (kb.text.outline reads the lines). Sentence scoring (kb.answer.sentences) counts what a sentence
stands under as its context, and quotes the item or sibling holding what a sub-item lacks."""
from __future__ import annotations

from typing import NamedTuple

from kb.records import Passage
from kb.text import outline, token_set


class Line(NamedTuple):
    start: int
    above: frozenset[str]  # the words its sentences stand under
    kind: str  # kb.text.outline's: "heading", "item", "lead", "para"
    parent: tuple[int, int] | None  # the span of the line it is indented under
    siblings: tuple[tuple[int, int], ...] = ()  # the spans of the other sub-items of its item
    leads: bool = False  # an item with sub-items indented under it
    span: tuple[int, int] = (0, 0)  # the line, past its indent


def line_contexts(passage: Passage) -> list[Line]:
    """Each line of a passage with the words its sentences stand under: the heading above it (the passage's
    section, or a heading line inside it) and the line it is indented under (the item "3. 情景C:政策失误…"
    for its sub-item "• 结果:回购市场再次爆发危机…") and the item's other sub-items ("• 美联储仅购买35亿美元。").
    A line's own words are cut only where a line stands under it (a one-line paragraph, as DRCD's, costs
    nothing more)."""
    heading = token_set(passage.section) if passage.section else frozenset()
    # (indent, words, span, kind) of the lines above, each deeper than the one before
    parents: list[tuple[int, frozenset[str], tuple[int, int], str]] = []
    contexts = []
    sub_items: dict[tuple[int, int], list[int]] = {}  # an item's span: the indices of the lines under it
    lines = outline(passage.text)
    for index, (start, end, kind, indent) in enumerate(lines):
        while parents and parents[-1][0] >= indent:
            parents.pop()
        parent = parents[-1] if parents else None
        contexts.append(Line(start, heading | parent[1] if parent else heading, kind, parent and parent[2],
                              span=(start + indent, end)))
        if parent and parent[3] == "item":
            sub_items.setdefault(parent[2], []).append(index)
        following = lines[index + 1] if index + 1 < len(lines) else None
        if following is None:
            break
        if kind == "heading":
            heading, parents = token_set(passage.text[start:end]), []
        elif following[3] > indent:  # the next line is indented under this one
            contexts[-1] = contexts[-1]._replace(leads=kind == "item")
            parents.append((indent, token_set(passage.text[start:end]), (start + indent, end), kind))
        else:
            parents.append((indent, frozenset(), (start + indent, end), kind))  # popped by the next line
    # The sub-items of one item describe one thing: each stands under the others too (the amount of
    # "• 美联储每月购买450亿美元以上。" answers a question that names its scenario by its outcome, "• 结果:
    # 风险资产出现「融涨」,大宗商品飙升…").
    for members in sub_items.values():
        words = {index: token_set(passage.text[lines[index][0]:lines[index][1]]) for index in members}
        for index in members:
            others = frozenset().union(*(w for other, w in words.items() if other != index))
            spans = tuple((lines[other][0] + lines[other][3], lines[other][1]) for other in members if other != index)
            contexts[index] = contexts[index]._replace(above=contexts[index].above | others, siblings=spans)
    return contexts
