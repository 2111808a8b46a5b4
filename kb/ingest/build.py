"""From a cleaned Document to an Article and its Passages: conversion, cutting, segmentation."""
from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from kb.records import Article, Document, Passage
from kb.text import convert, cut_passages, tag_string, tokenize

_SPACE = re.compile(r"\s+")


def canonical_url(url: str | None) -> str | None:
    """Lower-case scheme and host, no fragment, no tracking parameters, no trailing slash."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        return url.strip()
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if not k.lower().startswith(("utm_", "spm", "from"))])
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, query, ""))


def content_hash(simplified_body: str) -> str:
    """Hash of the text with all white space removed: re-saved or re-encoded copies hash alike."""
    return hashlib.sha256(_SPACE.sub("", simplified_body).encode("utf-8")).hexdigest()


def build_article(doc: Document, *, passage_chars: int = 300, script: str | None = None) -> tuple[Article, list[Passage]]:
    """Convert, cut and tokenize one document. `script` overrides detection ('hans', 'hant', 'hant-hk')."""
    article = article_head(doc, script=script)
    passages = cut_article(article, passage_chars)
    return article, passages


def article_head(doc: Document, *, script: str | None = None) -> Article:
    """The article without its passages: conversion, identity and content hash only. Bulk ingestion
    looks the hash up first, so an article already stored costs no cutting or tokenizing."""
    # Documents handed over directly (a data set, a feed) skip the readers and the cleaner, which
    # drop NULs: OpenCC stops converting at one, leaving the rest stored but unsearchable.
    original = doc.body.replace("\x00", "")
    script = script or convert.detect_script(original)
    conversion = convert.conversion_for(script)
    body = convert.convert(original, conversion)
    url = canonical_url(doc.url)
    digest = content_hash(body)
    article_id = hashlib.sha256(f"{digest}\n{url or ''}".encode()).hexdigest()[:16]
    title = convert.convert(doc.title, conversion)
    return Article(
        id=article_id, title=title, title_original=doc.title, body=body, body_original=original,
        source=doc.source, author=doc.author, published=doc.published, url=url,
        summary=convert.convert(doc.summary, conversion) if doc.summary else None,
        summary_original=doc.summary, origin=doc.origin, script=script, conversion=conversion,
        content_hash=digest, pages=doc.pages,
    )


def cut_article(article: Article, passage_chars: int = 300) -> list[Passage]:
    """Cut the original text into passages (offsets index body_original), convert and tokenize them."""
    conversion = article.conversion
    title_tokens = tokenize(article.title)
    passages = []
    for position, span in enumerate(cut_passages(article.body_original, passage_chars)):
        original = article.body_original[span.start:span.end]
        text = convert.convert(original, conversion)
        passages.append(Passage(
            id=f"{article.id}-{position:04d}", article_id=article.id, position=position, text=text,
            text_original=original, start=span.start, end=span.end, page=article.page_at(span.start),
            section=convert.convert(span.section, conversion) if span.section else None,
            tokens=tokenize(text) + title_tokens, tags=tag_string(text),
        ))
    article.passage_count = len(passages)
    return passages
