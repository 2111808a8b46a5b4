"""The item of a list that a superlative question asks for: the most likely scenario, the smallest purchase.

"作者认为最有可能的那种情景里,美联储每月买多少?" names its item by a comparison the article leaves to its
reader: each item of a list carries a figure (1. 情景A:…(机率40%) / • 美联储每月购买200-300亿美元。), and the
question asks about the one whose figure is the largest or the smallest. Words do not tell that item from its
siblings (they share every word the question has); the figures do. A list may run over two passages: the
article's retrieved passages are joined at their offsets before its items are read.
"""
from __future__ import annotations

import os
import re
from typing import Callable, NamedTuple

from kb.answer import kinds, lists
from kb.records import Hit, Passage
from kb.text import outline

_LEAST = re.compile(r"最不(?:可能|会)|(?:可能性|[机概几]率)最[小低]|最[少小低短]|\b(?:least|smallest|lowest|fewest)\b")
_MOST = re.compile(r"最(?:有|为)?可能|(?:可能性|[机概几]率)最[大高]|最[多大高长]|\b(?:most|largest|biggest|highest)\b")
_PERCENT_VALUE = re.compile(r"(\d+(?:\.\d+)?)\s*[%％]")
_FIRST_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
# what frames an item's label past its mark (kb.answer.lists.item_label): quotes and brackets, its letter (情景A)
_LABEL_EDGE = re.compile(r"^[\s\d.、)）•·\-*「『“\"(（]+|[\s」』”\")）A-Za-z\d]+$")
_MAGNITUDES = (("万亿", 1e12), ("亿", 1e8), ("万", 1e4), ("千", 1e3))


class Superlative(NamedTuple):
    most: bool  # the largest figure, else the smallest
    likelihood: bool  # the figure is the item's odds, else its amount


def superlative(question: str) -> Superlative | None:
    """What a (normalised) question asks the extreme of, if it asks for one."""
    lowered = question.lower()
    extreme = _LEAST.search(lowered) or _MOST.search(lowered)
    if not extreme:
        return None
    # about likelihood (最有可能, 机率最高) it compares the items' odds (机率40%), else their amounts (200-300亿美元)
    return Superlative(extreme.re is _MOST, "可能" in extreme.group() or bool(kinds.ASKS_PROBABILITY.search(lowered)))


def extreme_lines(asked: Superlative, question: str, hits: list[Hit],
                  following: Callable[[Passage], Passage | None] | None = None) -> dict[str, set[str]]:
    """For each article of the hits, the lines (stripped) of its list item with the extreme figure and of the
    sub-items under it; articles with no list of two or more items carrying such figures are left out, and so
    are lists whose items' labels share nothing the (normalised) `question` names (情景 of 情景A, 情景B…: a
    question asking the largest amount the article gives is not asking which scenario)."""
    found: dict[str, set[str]] = {}
    for article_id in dict.fromkeys(h.article.id for h in hits):
        passages = {h.passage.id: h.passage for h in hits if h.article.id == article_id}
        for passage in list(passages.values()):
            after = following(passage) if following else None
            if after is not None:
                passages.setdefault(after.id, after)
        lines = _extreme(asked, question, _joined(sorted(passages.values(), key=lambda p: p.start)))
        if lines:
            found[article_id] = lines
    return found


def _joined(passages: list[Passage]) -> str:
    """The passages' texts joined at their offsets in the article (overlapping passages share their ends)."""
    text, end = "", None
    for passage in passages:
        if end is not None and passage.start < end and len(passage.text) == passage.end - passage.start:
            text += passage.text[end - passage.start:]
        else:
            text += ("\n" if text else "") + passage.text
        end = passage.end if end is None else max(end, passage.end)
    return text


def _extreme(asked: Superlative, question: str, text: str) -> set[str]:
    lines = outline(text)
    best: set[str] = set()
    index = 0
    while index < len(lines):
        start, end, kind, indent = lines[index]
        if kind != "item":
            index += 1
            continue
        # a list: the items at this indent, each with the lines indented under it, until a line stands further out
        blocks: list[list[str]] = []
        while index < len(lines) and lines[index][3] >= indent and (lines[index][3] > indent or lines[index][2] == "item"):
            line = text[lines[index][0]:lines[index][1]].strip()
            if lines[index][3] == indent:
                blocks.append([line])
            else:
                blocks[-1].append(line)
            index += 1
        figures = [(value, block) for block in blocks if (value := _figure(asked, block)) is not None]
        # a question naming one item (软着陆那个剧本里…最少) asks the extreme within it, not which item; one naming
        # two or all of them (情景A和情景B哪个机率最高?, 美联储 of every title) still compares them
        names_one = sum(lists.names_item(question, block[0]) for block in blocks) == 1
        if len(figures) >= 2 and not names_one and _shared_label(question, [block[0] for _, block in figures]):
            chosen = (max if asked.most else min)(figures, key=lambda f: f[0])
            if sum(1 for value, _ in figures if value == chosen[0]) == 1:
                best |= set(chosen[1])
    return best


def _shared_label(question: str, items: list[str]) -> bool:
    """Whether the items' labels (情景A, 情景B; 「维护派」, 「回补派」: before the colon, past the number or bullet)
    begin or end alike, in something the question names (情景, 派)."""
    labels = [_LABEL_EDGE.sub("", lists.item_label(item)) for item in items]
    prefix = os.path.commonprefix(labels)
    suffix = os.path.commonprefix([label[::-1] for label in labels])[::-1]
    return any(affix and affix in question for affix in (prefix, suffix))


def _figure(asked: Superlative, block: list[str]) -> float | None:
    """An item's odds (the first percentage of it and its sub-items), or its amount (the first that is not one)."""
    text = "\n".join(block)
    if asked.likelihood:
        match = _PERCENT_VALUE.search(text)
        return float(match.group(1)) if match else None
    for amount in kinds.entities("quantity", text):
        number = _FIRST_NUMBER.search(amount)
        if number and not _PERCENT_VALUE.search(amount):
            scale = next((factor for word, factor in _MAGNITUDES if word in amount), 1.0)
            return float(number.group().replace(",", "")) * scale
    return None
