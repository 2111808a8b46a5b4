"""Cutting a cleaned body into passages at Chinese sentence boundaries.

Rules: a sentence is never split unless it alone exceeds the budget (a line with no sentence end,
a run of one letter); then it is cut at clause marks, else spaces, else anywhere, so that no passage
grows past twice the budget. A heading, a lead-in line ending with a colon and a list item
stay glued to what follows them; passages are packed up to a character budget and repeat the last
sentence of the previous passage (one sentence of overlap) inside the same section.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

# A sentence ends at 。！？； (full or half width) or an ellipsis, plus any closing quotes/brackets.
_SENTENCE_END = re.compile(r"(?:[。！？；!?;]|……|\.{3})+[」』”’\"'）)】]*")
# A Latin sentence ends at "." followed by white space or the end, after a letter or a closing mark;
# "2.5", "v1.2" and "1. item" do not end one (no space after, or a digit before), nor do initials and
# the usual abbreviations (checked in code).
_LATIN_STOP = re.compile(r"(?<=[A-Za-z)\]\"'”’%])\.[\"'”’)\]]*(?=\s|$)")
_ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "prof", "st", "no", "vs", "etc", "e.g", "i.e", "inc", "ltd", "co", "corp",
                  "jr", "sr", "fig", "vol", "approx", "dept", "est", "jan", "feb", "mar", "apr", "jun", "jul",
                  "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.k", "a.m", "p.m"}
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")
# Where an over-long sentence may be cut, best first: after a clause mark (a comma between digits,
# as in 1,000, or a colon as in 10:30, is no clause mark), else at white space, else anywhere.
_CLAUSE = re.compile(r"(?:[，、：]|(?<!\d)[,:]|[,:](?!\d))[」』”’\"'）)】]*")
_SPACE = re.compile(r"\s+")
# A list item's mark: a bullet, 1. 1、 (1) 一、 (kb.answer.lists reads lists by it too)
LIST_ITEM = re.compile(r"^\s*(?:[•·●▪◦\-*+]|\d{1,2}[.、)）]|[（(]\d{1,2}[)）]|[一二三四五六七八九十]{1,2}、)\s*")
# A lead-in: a line or sentence ending in a colon, before the items it introduces (kb.answer.lists too)
LEAD_IN = re.compile(r"[:：]\s*$")
_HEADING_MAX = 40


@dataclass(frozen=True)
class PassageSpan:
    start: int
    end: int
    section: str | None


@dataclass
class _Line:
    start: int
    end: int
    text: str
    kind: str  # "heading", "item", "lead", "para"
    indent: int


def split_sentences(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences of one line; whitespace at the edges is left out."""
    spans = []
    pos = 0
    for match in _SENTENCE_END.finditer(text):
        spans.append((pos, match.end()))
        pos = match.end()
    if pos < len(text):
        spans.append((pos, len(text)))
    result = []
    for start, end in spans:
        piece = text[start:end]
        lead = len(piece) - len(piece.lstrip())
        trail = len(piece) - len(piece.rstrip())
        if end - trail > start + lead:
            result.append((offset + start + lead, offset + end - trail))
    return result


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentence spans of a multi-line passage text."""
    spans, offset = [], 0
    for line in text.split("\n"):
        spans += split_sentences(line, offset)
        offset += len(line) + 1
    return spans


def outline(text: str) -> list[tuple[int, int, str, int]]:
    """(start, end, kind, indent) of each non-blank line of a text, kind "heading", "item", "lead" (a line
    ending with a colon) or "para": what a sentence stands under (a heading, the item it is a sub-item of)."""
    return [(line.start, line.end, line.kind, line.indent) for line in _classify(text)]


def passage_sentences(texts: Iterable[str]) -> list[str]:
    """The distinct sentences of passage texts, as answering weighs them."""
    return list(dict.fromkeys(text[a:b] for text in texts for a, b in sentence_spans(text)))


def _latin_stops(text: str, start: int, end: int) -> list[int]:
    """Offsets just after the periods that end Latin sentences inside text[start:end]."""
    cuts = []
    for match in _LATIN_STOP.finditer(text, start, end):
        word = _WORD_BEFORE.search(text, max(start, match.start() - 12), match.start())
        if word and (len(word.group(1)) == 1 or word.group(1).lower() in _ABBREVIATIONS):
            continue  # J. Powell, U.S. Treasury, Fig. 3
        if match.end() < end:
            cuts.append(match.end())
    return cuts


def _split_long(text: str, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    """Pieces of at most `limit` characters of the sentence text[start:end], cut at the last clause
    mark, else the last white space, in the second half of each window; else at the limit."""
    pieces = []
    while end - start > limit:
        low, high = start + limit // 2, start + limit
        clauses = list(_CLAUSE.finditer(text, low, high))
        if clauses and clauses[-1].end() <= high:
            cut, resume = clauses[-1].end(), clauses[-1].end()
        elif spaces := list(_SPACE.finditer(text, low, high)):
            cut, resume = spaces[-1].start(), spaces[-1].end()
        else:
            cut = resume = high
        pieces.append((start, cut))
        start = resume
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        pieces.append((start, end))
    return pieces


def _bounded_sentences(text: str, offset: int, limit: int) -> list[tuple[int, int]]:
    """split_sentences, plus Latin sentence ends, with no piece longer than `limit`."""
    spans = []
    for start, end in split_sentences(text):
        bounds = [start, *_latin_stops(text, start, end), end]
        for a, b in zip(bounds, bounds[1:]):
            while a < b and text[a].isspace():
                a += 1
            stop = b
            while stop > a and text[stop - 1].isspace():
                stop -= 1
            if stop > a:
                spans += _split_long(text, a, stop, limit)
    return [(offset + a, offset + b) for a, b in spans]


def _is_heading(text: str) -> bool:
    stripped = text.strip()
    if not stripped or len(stripped) > _HEADING_MAX:
        return False
    if _SENTENCE_END.search(stripped) and not stripped.endswith(("?", "？")):
        return False
    if LEAD_IN.search(stripped) or any(mark in stripped for mark in ",，、"):
        return False
    return True


def _classify(body: str) -> list[_Line]:
    lines = []
    pos = 0
    for raw in body.split("\n"):
        start, end = pos, pos + len(raw)
        pos = end + 1
        if not raw.strip():
            continue
        indent = len(raw) - len(raw.lstrip())
        if LIST_ITEM.match(raw) and (indent > 0 or len(raw.strip()) > _HEADING_MAX or _SENTENCE_END.search(raw)):
            kind = "item"
        elif LEAD_IN.search(raw):
            kind = "lead"
        elif _is_heading(raw):
            kind = "heading"
        else:
            kind = "para"
        lines.append(_Line(start, end, raw, kind, indent))
    return lines


@dataclass
class _Atom:
    start: int
    end: int
    glue_next: bool
    section: str | None
    new_section: bool


def _atoms(body: str, limit: int) -> list[_Atom]:
    lines = _classify(body)
    atoms: list[_Atom] = []
    section: str | None = None
    top_indent = 0  # indent of the current top-level list item: deeper items glue to it
    for index, line in enumerate(lines):
        if line.kind == "item" and (index == 0 or lines[index - 1].kind != "item" or line.indent <= top_indent):
            top_indent = line.indent
        following = lines[index + 1] if index + 1 < len(lines) else None
        new_section = False
        if line.kind == "heading" and following is not None and following.kind != "heading":
            section = line.text.strip()
            new_section = True
        sentences = _bounded_sentences(line.text, line.start, limit)
        for k, (start, end) in enumerate(sentences):
            last = k == len(sentences) - 1
            glue = False
            if last and following is not None:
                if line.kind in ("heading", "lead"):
                    glue = True
                elif line.kind == "item" and following.kind == "item" and following.indent > top_indent:
                    glue = True  # an item stays with its sub-items
            atoms.append(_Atom(start, end, glue, section, new_section and k == 0))
    return atoms


def cut_passages(body: str, budget: int = 300) -> list[PassageSpan]:
    """Pack the sentences of `body` into passages of about `budget` characters, none over 2 x budget
    (a sentence is at most `budget`, glued lines at most 1.6 x budget)."""
    atoms = _atoms(body, budget)
    hard_limit = int(budget * 1.6)
    passages: list[PassageSpan] = []
    current: list[_Atom] = []

    def flush() -> None:
        if current:
            passages.append(PassageSpan(current[0].start, current[-1].end, current[0].section))

    for atom in atoms:
        if current:
            size = atom.end - current[0].start
            glued = current[-1].glue_next and size <= hard_limit
            # A section too short to stand alone joins the next one rather than make a stub passage.
            stub = current[-1].end - current[0].start < budget // 3 and size <= budget
            if (atom.new_section and not stub) or (size > budget and not glued):
                flush()
                previous = current[-1]
                overlap = (
                    not atom.new_section
                    and len(current) > 1
                    and not previous.glue_next
                    and previous.end - previous.start <= budget // 2
                    and atom.end - previous.start <= budget
                )
                current = [previous] if overlap else []
        current.append(atom)
    flush()
    return passages
