"""Conversation: a follow-up question ("那情景B呢?") made whole from the question before it, so that
retrieval sees what the user means. Pure functions, used by the app's chat and by `kb chat`."""
from __future__ import annotations

from kb.retrieve.question import has_words

FOLLOWUP_PREFIXES = ("那么", "那麼", "还有", "還有", "那", "而")
_TRIM = "?？!！。.,，、;；:： \t\r\n~～…"
_QUESTION_WORDS = ("什么", "什麼", "多少", "哪", "谁", "誰", "为什么", "為什麼", "为何", "為何", "如何", "怎么",
                   "怎麼", "怎样", "怎樣", "几", "幾", "吗", "嗎", "是否", "是不是", "有没有", "有沒有", "何时", "何時")
SHORT_FOLLOWUP = 4  # a question this short (after trimming) is taken as elliptical


def _split_followup(question: str) -> tuple[str, str, bool]:
    """(prefix, core, ends_with_ne): "那情景B呢?" -> ("那", "情景B", True)."""
    q = question.strip()
    prefix = next((p for p in FOLLOWUP_PREFIXES if q.startswith(p)), "")
    core = q[len(prefix):].strip(_TRIM)
    ends_with_ne = core.endswith("呢")
    if ends_with_ne:
        core = core[:-1].strip(_TRIM)
    return prefix, core, ends_with_ne


def is_followup(question: str) -> bool:
    """An elliptical follow-up: starts with 那/那么/而/还有, ends with 呢, or is very short. A question
    without words ("?") is none: it stays empty rather than repeat the previous question."""
    prefix, core, ends_with_ne = _split_followup(question)
    return has_words(question) and bool(prefix or ends_with_ne or len(core) <= SHORT_FOLLOWUP)


def _char_class(ch: str) -> str:
    if ch.isascii() and ch.isalnum():
        return "alnum"
    if "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff":
        return "cjk"
    return "other"


def _uniform(text: str, cls: str) -> bool:
    return bool(text) and all(_char_class(c) == cls for c in text)


def _swap_entity(core: str, previous: str) -> str | None:
    """Put `core` in place of the matching entity of `previous`, or None when nothing matches.

    The entity is found by a shared prefix ("情景A" ~ "情景B", "QT" ~ "QE") or a shared suffix
    ("A股" ~ "港股", "缩表" ~ "扩表"); the differing part must be one kind of character (letters and
    digits, or Chinese characters of the same length), so whole predicates are never swapped.
    """
    best: tuple[int, int, int] | None = None  # (shared length, start, end) in previous
    # Shared prefix: previous[i:i+n] == core[:n], then the part that differs.
    for i in range(len(previous)):
        n = 0
        while n < len(core) and i + n < len(previous) and previous[i + n] == core[n]:
            n += 1
        if n == 0 or n == len(core):
            continue
        rest = core[n:]
        cls = _char_class(rest[0])
        if not _uniform(rest, cls) or cls == "other" or (cls == "cjk" and n < 2):
            continue
        j = i + n
        if cls == "cjk":
            k = j + len(rest)
            if k > len(previous) or not _uniform(previous[j:k], "cjk"):
                continue
        else:
            k = j
            while k < len(previous) and _char_class(previous[k]) == "alnum":
                k += 1
            if k == j:
                continue
        if best is None or n > best[0]:
            best = (n, i, k)
    # Shared suffix: previous[e-m:e] == core[-m:], the differing part before it.
    for e in range(len(previous), 0, -1):
        m = 0
        while m < len(core) and e - m > 0 and previous[e - 1 - m] == core[-1 - m]:
            m += 1
        if m == 0 or m == len(core):
            continue
        rest = core[:-m]
        cls = _char_class(rest[-1])
        if not _uniform(rest, cls) or cls == "other":
            continue
        j = e - m  # the shared suffix starts here in previous
        before = previous[j - 1] if j > 0 else ""
        if not before:
            continue
        if _char_class(before) == "alnum":
            s = j
            while s > 0 and _char_class(previous[s - 1]) == "alnum":
                s -= 1
        elif _char_class(before) == "cjk" and cls == "cjk":
            s = j - len(rest)
            if s < 0 or not _uniform(previous[s:j], "cjk"):
                continue
        else:
            continue
        if best is None or m > best[0]:
            best = (m, s, e)
    if best is None:
        return None
    _, start, end = best
    return previous[:start] + core + previous[end:]


def rewrite_followup(question: str, previous_question: str | None) -> str:
    """The question to search for, with the previous question's subject carried over.

    "情景A的机率是多少?" then "那情景B呢?" -> "情景B的机率是多少?". A question that is not an
    elliptical follow-up, or that has no previous question, is returned unchanged. When the entity
    cannot be matched, the previous question is put in front for context.
    """
    question = question.strip()
    previous = (previous_question or "").strip()
    if not previous or not is_followup(question):
        return question
    _, core, _ = _split_followup(question)
    if not core:
        return previous
    swapped = _swap_entity(core, previous)
    if swapped is not None:
        return swapped
    if len(core) > SHORT_FOLLOWUP and any(w in core for w in _QUESTION_WORDS):
        return question  # a whole question of its own ("还有哪些机构…?")
    return f"{previous} {question}"
