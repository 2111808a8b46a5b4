"""What a reader sees of a passage: text in the asked script, and citations pointing into passages."""
from __future__ import annotations

from kb.records import Citation, Hit
from kb.text import convert

NO_ANSWER = "知识库中没有找到这个问题的答案。以下是最接近的段落。"


def in_script(text: str, original: str, article_script: str, script: str) -> str:
    """Text in the asked script: the original words when the article was written in that script."""
    if script == "hans":
        return text
    if article_script == script and len(original) == len(text):
        return original
    return convert.to_script(text, script)


def no_answer_text(script: str) -> str:
    return in_script(NO_ANSWER, NO_ANSWER, "hans", script)


def citation_for(n: int, hit: Hit, start: int, end: int) -> Citation:
    """Citation [n]: the sentence at [start, end) of the hit's passage, with its article."""
    passage = hit.passage
    same_length = len(passage.text) == len(passage.text_original)
    sentence_original = passage.text_original[start:end] if same_length else passage.text_original
    return Citation(
        n=n, article_id=hit.article.id, title=hit.article.title, source=hit.article.source,
        author=hit.article.author, published=hit.article.published, url=hit.article.url,
        passage=passage.text, passage_original=passage.text_original, sentence=passage.text[start:end],
        sentence_original=sentence_original, sentence_start=start, position=passage.position,
        score=round(hit.score, 4), page=passage.page,
    )


def original_span(passage: str, passage_original: str, sentence: str, start: int | None = None
                  ) -> tuple[int, int] | tuple[None, None]:
    """Where `sentence` (found at `start` of the Simplified `passage`, else first found) sits in the
    passage's original-script text; (None, None) when it is the whole passage or cannot be placed.

    The same length means a character-by-character conversion, so the offsets carry over. A phrase
    conversion changes the length: the sentence is then looked for in the original converted one
    character at a time (which keeps every offset), by each OpenCC config that leads to Simplified."""
    if not sentence or not passage_original or sentence == passage:
        return None, None
    if start is None or passage[start:start + len(sentence)] != sentence:
        start = passage.find(sentence)
    if len(passage_original) == len(passage) and start >= 0:
        return start, start + len(sentence)
    for config in ("tw2s", "hk2s", "t2s"):
        per_char = "".join(c if len(c := convert.convert(ch, config)) == 1 else ch for ch in passage_original)
        found = per_char.find(sentence)
        if found >= 0:
            return found, found + len(sentence)
    return None, None
