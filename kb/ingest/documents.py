"""One input to one cleaned Document: read (file, URL, bytes, pasted text), extract, clean."""
from __future__ import annotations

from pathlib import Path

from kb.ingest.clean import clean
from kb.ingest.readers import RawText, fetch_url, is_url, read_bytes, read_file
from kb.records import Document


def document_from_raw(raw: RawText, **known) -> Document:
    """Clean one decoded input; `known` metadata (title, url, author…) wins over what is found."""
    text, found = raw.text, {}
    if raw.kind == "html":
        from kb.ingest.html import html_to_text  # trafilatura: only for HTML

        text, found = html_to_text(raw.text, url=raw.url)
    elif raw.kind == "markdown":
        from kb.ingest.html import markdown_to_text

        text, found = markdown_to_text(raw.text)
        found = {("url" if k == "link" else "published" if k == "date" else k): v for k, v in found.items()}
    if raw.url:
        found.setdefault("url", raw.url)
    found.update({k: v for k, v in known.items() if v})
    return clean(text, origin=raw.origin, **found)


def load_document(target: str | Path, *, max_bytes: int, timeout: float) -> Document:
    """One file path or URL to a cleaned Document; raises IngestError with a one-line reason."""
    if isinstance(target, str) and is_url(target):
        return document_from_raw(fetch_url(target, max_bytes, timeout))
    return document_from_raw(read_file(Path(target), max_bytes))


def document_from_text(text: str, *, title: str | None = None, url: str | None = None,
                       max_bytes: int = 20 * 1024 * 1024, origin: str = "pasted text") -> Document:
    raw = read_bytes(text.encode("utf-8"), origin, max_bytes, name="pasted.txt")
    return document_from_raw(raw, title=title, url=url)
