"""Checking the model's reply against the passages: markers, citations, sentences without support,
and replies that say the passages do not hold the answer."""
from __future__ import annotations

import re
from dataclasses import dataclass

from kb.answer.render import citation_for
from kb.records import Citation, Hit
from kb.text import sentence_spans
from kb.text import convert

# A marker group: [1] [1,2] [1-3] [^1], in half- or full-width brackets, full-width digits included.
_MARKER = re.compile(r"[\[［【]\s*\^?\s*(\d{1,3}(?:\s*[,，、;；\-–~～]\s*\d{1,3})*)\s*[\]］】]")
_MARKER_SPLIT = re.compile(r"\s*([,，、;；\-–~～])\s*")
# Replies that say the passages do not hold the answer (checked on Simplified text).
_NO_ANSWER_PATTERNS = [
    re.compile(r"(没有|未|无|不)[^。！？\n]{0,20}(答案|信息|资料|资讯|内容|记载|说明|提及|提到|涉及|相关)"),
    re.compile(r"(没有|未能|无法|不能|未)(找到|提供|提及|提到|包含|包括|涉及|说明|回答|确定|得知|给出)"),
    re.compile(r"(不包含|不包括|并未|并没有|无从)"),
    re.compile(r"\b(do(es)?n[o']t|not|no)\b.{0,40}\b(contain|mention|include|answer|information|say|state|provide)", re.I),
]
_SHORT_SENTENCE = 4  # answer sentences with fewer bigrams than this are not checked for overlap


def _simplified(text: str, script: str) -> str:
    return convert.to_simplified(convert.fold_width(text), convert.conversion_for(script))


def _bigrams(text: str) -> set[str]:
    chars = [ch for ch in text.lower() if ch.isalnum()]
    if len(chars) == 1:
        return {chars[0]}
    return {a + b for a, b in zip(chars, chars[1:])}


def _overlap(answer: set[str], passage: set[str]) -> float:
    if not answer or not passage:
        return 0.0
    return 2 * len(answer & passage) / (len(answer) + len(passage))


def _marker_numbers(group: str) -> list[int]:
    """The numbers of one marker group: "1", "1,2", "1、2", "1-3" (a short ascending range)."""
    parts = _MARKER_SPLIT.split(group.strip())
    numbers: list[int] = []
    for i in range(0, len(parts), 2):
        value = int(parts[i])
        separator = parts[i - 1] if i else ","
        if separator in "-–~～" and numbers and numbers[-1] < value <= numbers[-1] + 20:
            numbers += range(numbers[-1] + 1, value + 1)
        else:
            numbers.append(value)
    return numbers


def fix_script(text: str, script: str) -> str:
    """The reply in the asked script when the model wrote it in the other one."""
    if not any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return text
    written = convert.detect_script(text)
    if script == "hans" and written != "hans":
        return convert.to_simplified(text, convert.conversion_for(written))
    if script != "hans" and written == "hans":
        return convert.to_script(text, script)
    return text


def says_no_answer(text: str) -> bool:
    simplified = convert.to_simplified(convert.fold_width(text), "t2s")
    return any(p.search(simplified) for p in _NO_ANSWER_PATTERNS)


def _short(sentence: str, limit: int = 30) -> str:
    sentence = " ".join(sentence.split())
    return sentence if len(sentence) <= limit else sentence[:limit] + "…"


def _is_heading(sentence: str) -> bool:
    """A lead-in ("要点如下：") or a Markdown heading/bold line: nothing there to cite."""
    return sentence.endswith((":", "：")) or sentence.startswith("#") or (
        sentence.startswith("**") and sentence.rstrip("：:").endswith("**"))


@dataclass
class _Sentence:
    start: int  # span in the marker-free text
    end: int
    numbers: list[int]  # valid passage numbers (1-based, as given to the model)


def check_reply(text: str, hits: list[Hit], script: str) -> tuple[str, list[Citation], list[str], bool]:
    """(text with markers rewritten, citations, warnings, any valid marker) for a model reply."""
    k = len(hits)
    invalid: list[int] = []
    order: list[int] = []  # passage numbers in order of first use
    groups: list[tuple[int, list[int]]] = []  # (position in clean text, valid numbers)
    clean_parts: list[str] = []
    out_parts: list[str] = []
    clean_len, last = 0, 0
    matches = list(_MARKER.finditer(text))
    for match in matches:
        before = text[last:match.start()]
        clean_parts.append(before)
        clean_len += len(before)
        valid: list[int] = []
        for n in _marker_numbers(match.group(1)):
            if 1 <= n <= k:
                if n not in valid:
                    valid.append(n)
                if n not in order:
                    order.append(n)
            elif n not in invalid:
                invalid.append(n)
        groups.append((clean_len, valid))
        out_parts.append(before)
        out_parts.append(None)  # filled once the numbering is known
        last = match.end()
    clean_parts.append(text[last:])
    out_parts.append(text[last:])
    clean = "".join(clean_parts)
    renumber = {n: i + 1 for i, n in enumerate(order)}

    # The rewritten text: each group becomes its valid markers in the new numbering, or nothing.
    group_iter = iter(groups)
    rebuilt = []
    for part in out_parts:
        if part is None:
            _, valid = next(group_iter)
            rebuilt.append("".join(f"[{renumber[n]}]" for n in valid))
        else:
            rebuilt.append(part)
    final = re.sub(r"[ \t]+\n", "\n", "".join(rebuilt)).strip()

    # Which sentence each group belongs to: the last sentence starting before it (markers follow the
    # words they support, often after the closing 。).
    spans = sentence_spans(clean)
    sentences = [_Sentence(s, e, []) for s, e in spans]
    for position, valid in groups:
        owner = None
        for sentence in sentences:
            if sentence.start < position:
                owner = sentence
            else:
                break
        owner = owner or (sentences[0] if sentences else None)
        if owner is not None:
            owner.numbers += [n for n in valid if n not in owner.numbers]

    warnings: list[str] = []
    if invalid:
        listed = "".join(f"[{n}]" for n in invalid)
        warnings.append(f"已删除指向不存在段落的引用标记 {listed}（只给了 {k} 个段落）")
    for sentence in sentences:
        words = clean[sentence.start:sentence.end]
        content = words.strip()
        if not sentence.numbers and any(ch.isalnum() for ch in content) and not _is_heading(content):
            warnings.append(f"这句话没有有效的引用标记：「{_short(content)}」")

    # Citations: for each cited passage, the passage sentence closest to the answer sentences citing it.
    citations: list[Citation] = []
    for n in order:
        hit = hits[n - 1]
        passage_spans = sentence_spans(hit.passage.text) or [(0, len(hit.passage.text))]
        passage_grams = [_bigrams(hit.passage.text[s:e]) for s, e in passage_spans]
        best, best_score = passage_spans[0], 0.0
        for sentence in sentences:
            if n not in sentence.numbers:
                continue
            grams = _bigrams(_simplified(clean[sentence.start:sentence.end], script))
            scores = [_overlap(grams, g) for g in passage_grams]
            top = max(range(len(scores)), key=lambda i: (scores[i], -i))
            if scores[top] > best_score:
                best, best_score = passage_spans[top], scores[top]
            if len(grams) >= _SHORT_SENTENCE and not grams & _bigrams(hit.passage.text):
                warnings.append(f"这句话与所引用的段落 [{renumber[n]}] 没有共同字词：「"
                                f"{_short(clean[sentence.start:sentence.end].strip())}」")
        citations.append(citation_for(renumber[n], hit, best[0], best[1]))
    return final, citations, warnings, bool(order)
