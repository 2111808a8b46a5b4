"""Main text and metadata of an HTML page, by trafilatura; Markdown is flattened the same way."""
from __future__ import annotations

import re

import lxml.html
import trafilatura

from kb.ingest.errors import IngestError

_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]*)\]\((?:[^()]|\([^)]*\))*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")
_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)


def markdown_to_text(text: str) -> tuple[str, dict]:
    """Plain lines from Markdown, and what its front matter or first `# heading` says."""
    meta: dict = {}
    if m := _FRONT_MATTER.match(text):
        for line in m.group(1).splitlines():
            key, _, value = line.partition(":")
            if key.strip().lower() in ("title", "author", "date", "source", "url", "link") and value.strip():
                meta[key.strip().lower()] = value.strip().strip("\"'")
        text = text[m.end():]
    lines = []
    for line in text.split("\n"):
        line = _MD_IMAGE.sub("", line)
        line = _MD_LINK.sub(r"\1", line)
        line = _MD_EMPHASIS.sub(r"\2", line)
        if m := _MD_HEADING.match(line):
            if m.group(1) == "#" and "title" not in meta:
                meta["title"] = m.group(2)
            line = m.group(2)
        lines.append(line)
    return "\n".join(lines), meta


def _meta_author(html: str) -> str | None:
    try:
        tree = lxml.html.fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return None
    for value in tree.xpath("//meta[@name='author' or @property='article:author']/@content"):
        if value.strip():
            return value.strip()
    return None


def html_to_text(html: str, url: str | None = None) -> tuple[str, dict]:
    """Main text (as light Markdown, then flattened) and metadata of a page."""
    extracted = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=True,
        include_formatting=True, favor_precision=True,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    if extracted is None or not (extracted.text or "").strip():
        raise IngestError("no article text found in the HTML")
    text, meta = markdown_to_text(extracted.text)
    found = {
        "title": extracted.title or meta.get("title"),
        "author": extracted.author or _meta_author(html),
        "published": extracted.date,
        "source": extracted.sitename,
        "url": extracted.url or url,
    }
    return text, {k: v for k, v in found.items() if v}
