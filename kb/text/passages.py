"""Cutting a cleaned body into passages at Chinese sentence boundaries.

Rules: a sentence is never split; a heading, a lead-in line ending with a colon and a list item
stay glued to what follows them; passages are packed up to a character budget and repeat the last
sentence of the previous passage (one sentence of overlap) inside the same section.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# A sentence ends at 。！？； (full or half width) or an ellipsis, plus any closing quotes/brackets.
_SENTENCE_END = re.compile(r"(?:[。！？；!?;]|……|\.{3})+[」』”’\"'）)】]*")
_LIST_ITEM = re.compile(r"^\s*(?:[•·●▪◦\-*+]|\d{1,2}[.、)）]|[（(]\d{1,2}[)）]|[一二三四五六七八九十]{1,2}、)\s*")
_LEAD_IN = re.compile(r"[:：]\s*$")
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


def _is_heading(text: str) -> bool:
    stripped = text.strip()
    if not stripped or len(stripped) > _HEADING_MAX:
        return False
    if _SENTENCE_END.search(stripped) and not stripped.endswith(("?", "？")):
        return False
    if _LEAD_IN.search(stripped) or any(mark in stripped for mark in ",，、"):
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
        if _LIST_ITEM.match(raw) and (indent > 0 or len(raw.strip()) > _HEADING_MAX or _SENTENCE_END.search(raw)):
            kind = "item"
        elif _LEAD_IN.search(raw):
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


def _atoms(body: str) -> list[_Atom]:
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
        sentences = split_sentences(line.text, line.start)
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
    """Pack the sentences of `body` into passages of about `budget` characters."""
    atoms = _atoms(body)
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
