"""RSS and Atom feeds (feedparser): a feed's items, each to a Document: the item's full content
where the feed carries it, else the page it links to; the item's title, author, date and link win
over what the page says."""
from __future__ import annotations

import calendar
import re
import time
from dataclasses import dataclass, field

from kb.ingest.errors import IngestError
from kb.ingest.readers import RawText
from kb.records import Document

# An item's content counts as the full article from this many characters of text (a summary or a
# teaser is shorter: its link is fetched instead).
FULL_CONTENT_CHARS = 200
_BLOCK = re.compile(r"</?(?:p|div|h[1-6]|li|ul|ol|tr|table|blockquote|section|article|pre|figure)\b[^>]*>|<br\s*/?>",
                    re.I)


@dataclass
class FeedItem:
    title: str | None
    link: str | None
    author: str | None
    published: str | None
    content: str | None  # the item's full text (HTML turned to lines), None when it carries none
    summary: str | None = None

    @property
    def origin(self) -> str:
        return self.link or f"feed item {self.title or ''}".strip()


@dataclass
class Feed:
    url: str
    title: str | None
    items: list[FeedItem] = field(default_factory=list)


def html_lines(html: str) -> str:
    """An HTML fragment (an item's content) as text: block elements on lines of their own."""
    import html as htmllib

    text = _BLOCK.sub("\n\n", html)
    text = re.sub(r"<script\b.*?</script>|<style\b.*?</style>", "", text, flags=re.S | re.I)
    text = htmllib.unescape(re.sub(r"<[^>]+>", "", text))
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _date(entry) -> str | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(calendar.timegm(parsed)))


def parse_feed(raw: RawText) -> Feed:
    """The items of a fetched feed; a web page or XML that is no RSS/Atom is refused in one line."""
    import feedparser

    url = raw.url or raw.origin
    head = raw.text.lstrip("\ufeff \t\r\n")[:500].lower()
    if head.startswith(("<!doctype html", "<html")):
        raise IngestError(f"not a feed: {url} is a web page (HTML), not RSS or Atom", code="feed_invalid",
                          url=url, error="html")
    parsed = feedparser.parse(raw.text)
    if not parsed.get("version"):
        reason = parsed.get("bozo_exception")
        error = f"{type(reason).__name__}: {reason}".splitlines()[0][:160] if reason else "no RSS or Atom root"
        raise IngestError(f"not a feed: {url} is not RSS or Atom ({error})", code="feed_invalid", url=url,
                          error=error)
    items = []
    for entry in parsed.entries:
        content = None
        for part in entry.get("content") or []:
            text = html_lines(part.get("value") or "")
            if len(re.sub(r"\s+", "", text)) >= FULL_CONTENT_CHARS:
                content = text
                break
        summary = html_lines(entry.get("summary") or "") or None
        if content is None and summary and len(re.sub(r"\s+", "", summary)) >= FULL_CONTENT_CHARS:
            content = summary  # RSS puts the whole article in <description> too
        items.append(FeedItem(title=(entry.get("title") or "").strip() or None, link=entry.get("link") or None,
                              author=(entry.get("author") or "").strip() or None, published=_date(entry),
                              content=content, summary=summary))
    return Feed(url=url, title=(parsed.feed.get("title") or "").strip() or None, items=items)


def item_document(item: FeedItem, *, max_bytes: int, timeout: float) -> Document:
    """One item to a cleaned Document: its full content, else its linked page (fetched)."""
    from kb.ingest.clean import clean
    from kb.ingest.documents import document_from_raw
    from kb.ingest.fetch import fetch_url

    known = {"title": item.title, "author": item.author, "published": item.published, "url": item.link}
    if item.content:
        return clean(item.content, origin=item.origin, **known)
    if not item.link:
        if item.summary:
            return clean(item.summary, origin=item.origin, **known)
        raise IngestError(f"feed item {item.title or ''} has neither content nor a link", code="feed_invalid",
                          url="", error="empty item")
    return document_from_raw(fetch_url(item.link, max_bytes, timeout), **known)
