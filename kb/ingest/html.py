"""Main text and metadata of an HTML page, by trafilatura; Markdown is flattened the same way."""
from __future__ import annotations

import re

import lxml.html
import trafilatura

from kb.ingest.errors import IngestError

_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]*)\]\((?:[^()]|\([^)]*\))*\)")
# Emphasis and code marks; an underscore inside a word (my_var_name) is no emphasis (CommonMark),
# and an escaped mark (\\*) is a literal one.
_MD_EMPHASIS = re.compile(r"(?<!\\)(\*\*|\*|`)(?=\S)(.+?)(?<=\S)(?<!\\)\1|(?<![\w\\])(__|_)(?=\S)(.+?)(?<=\S)\3(?!\w)")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>|~])")
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
        line = _MD_EMPHASIS.sub(lambda m: m.group(2) or m.group(4), line)
        line = _MD_ESCAPE.sub(r"\1", line)
        if m := _MD_HEADING.match(line):
            if m.group(1) == "#" and "title" not in meta:
                meta["title"] = m.group(2)
            line = m.group(2)
        lines.append(line)
    return "\n".join(lines), meta


def _meta_author(tree) -> str | None:
    if tree is None:
        return None
    for value in tree.xpath("//meta[@name='author' or @property='article:author']/@content"):
        if value.strip():
            return value.strip()
    return None


# Elements whose text is the page's chrome, not its article: links, menus, buttons, form controls.
_NAVIGATION = "//a | //nav | //menu | //button | //select | //option | //*[@role='navigation' or @role='menu']"
_NAVIGATION_MAX_CHARS = 3000
_WORD = re.compile(r"[\u4e00-\u9fff]|[A-Za-z]{2,}")


def _navigation_texts(tree) -> list[str]:
    """Whitespace-free texts of every link and menu of the page, longest first."""
    texts = {re.sub(r"\s+", "", element.text_content()) for element in tree.xpath(_NAVIGATION)}
    return sorted((t for t in texts if t), key=len, reverse=True)


def _only_navigation(tree, text: str) -> bool:
    """True when every word of the extracted text is the text of a link or a menu. trafilatura's
    fallbacks return a bare <nav> ("首页市场") as if it were the article; such a page has nothing to
    store, and an article with links in it keeps its own sentences once the link texts are removed."""
    rest = re.sub(r"\s+", "", text)
    # A menu is short; beyond this length the extraction is an article (and the check would cost
    # one pass over the text per link).
    if tree is None or len(rest) > _NAVIGATION_MAX_CHARS:
        return False
    for nav in _navigation_texts(tree):
        rest = rest.replace(nav, "")
    return not _WORD.search(rest)


def html_to_text(html: str, url: str | None = None) -> tuple[str, dict]:
    """Main text and metadata of a page, as plain lines (a heading, a paragraph, a list item each).

    The text is trafilatura's plain output, not its Markdown: the Markdown output escapes the
    article's own characters (2*3 -> 2\\*3, a[0] -> a\\[0\\], <100 -> \\<100) and the emphasis
    rules then ate the underscores of my_var_name; stored text must be the article's own."""
    extracted = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=True,
        include_formatting=False, include_links=False, favor_precision=True,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    if extracted is None or not (extracted.text or "").strip():
        raise IngestError("no article text found in the HTML", code="no_article_text")
    text = extracted.text
    try:
        tree = lxml.html.fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        tree = None
    if _only_navigation(tree, text):
        raise IngestError("no article text found in the HTML: the page holds only navigation links and menus",
                          code="navigation_only")
    found = {
        "title": extracted.title,
        "author": extracted.author or _meta_author(tree),
        "published": extracted.date,
        "source": extracted.sitename,
        "url": extracted.url or url,
    }
    return text, {k: v for k, v in found.items() if v}
