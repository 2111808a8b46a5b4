"""One input to one cleaned Document: read (file, URL, bytes, pasted text), extract, clean."""
from __future__ import annotations

from pathlib import Path

from kb.ingest.clean import clean
from kb.ingest.fetch import fetch_url
from kb.ingest.readers import RawText, is_url, read_bytes, read_file
from kb.records import Document


def document_from_raw(raw: RawText, **known) -> Document:
    """Clean one decoded input; `known` metadata (title, url, author…) wins over what is found."""
    text, found, fallback = raw.text, {}, {}
    extracted = None
    if raw.kind == "html":
        from kb.ingest.html import html_to_text  # trafilatura: only for HTML

        text, found = html_to_text(raw.text, url=raw.url)
    elif raw.kind == "markdown":
        from kb.ingest.html import markdown_to_text

        text, found = markdown_to_text(raw.text)
        found = {("url" if k == "link" else "published" if k == "date" else k): v for k, v in found.items()}
    elif raw.kind == "pdf":
        from kb.ingest.pdf import extract  # pdfminer.six: only for PDF

        extracted = extract(raw.data or b"", raw.origin)
        text, found = extracted.text, dict(extracted.metadata)
    elif raw.kind == "docx":
        from kb.ingest.word import docx_to_text  # python-docx: only for Word

        text, found = docx_to_text(raw.data or b"", raw.origin)
    elif raw.kind == "feed":
        from kb.ingest.errors import IngestError

        raise IngestError(f"{raw.origin} is a feed: ingest it with `kb ingest` or `kb feeds add`",
                          code="feed_invalid", url=raw.url or raw.origin, error="a feed, not an article")
    if raw.kind in ("pdf", "docx"):
        # A date printed on the first page ("2025-12-10") is the article's; the file's creation date
        # only when the page has none.
        if "published" in found:
            fallback["published"] = found.pop("published")
    if raw.url:
        found.setdefault("url", raw.url)
    found.update({k: v for k, v in known.items() if v})
    doc = clean(text, origin=raw.origin, **found)
    if not doc.published and fallback.get("published"):
        doc.published = fallback["published"]
    if extracted is not None:
        from kb.ingest.pdf import page_map

        doc.pages = page_map(doc.body, extracted.text, extracted.page_starts)
    return doc


def load_document(target: str | Path, *, max_bytes: int, timeout: float) -> Document:
    """One file path or URL to a cleaned Document; raises IngestError with a one-line reason."""
    if isinstance(target, str) and is_url(target):
        return document_from_raw(fetch_url(target, max_bytes, timeout))
    return document_from_raw(read_file(Path(target), max_bytes))


def document_from_text(text: str, *, title: str | None = None, url: str | None = None,
                       max_bytes: int = 20 * 1024 * 1024, origin: str = "pasted text") -> Document:
    raw = read_bytes(text.encode("utf-8"), origin, max_bytes, name="pasted.txt")
    return document_from_raw(raw, title=title, url=url)
