"""Ingest stage: read files, folders, URLs and pasted text into cleaned Documents, then into the store.

    readers.py    bytes from files, decoded (encodings, limits, refusals)
    fetch.py      URLs: the whole fetch bounded in time and size; feeds recognised
    html.py       main text of a web page (trafilatura), Markdown
    pdf.py, word.py, feeds.py   PDF (pdfminer.six), .docx (python-docx), RSS/Atom (feedparser)
    clean.py      page clutter out; title, source, author, date and link kept
    documents.py  one input to one cleaned Document
    build.py      a Document to an Article and its Passages (conversion, cutting, tokens)
    pipeline.py   batches: look-up, cutting, embedding, one commit per batch
    subscriptions.py  feeds subscribed to, and what is new in them ingested

Names are loaded on first use, so that `from kb.ingest import IngestError` costs nothing heavy.
"""
from __future__ import annotations

from importlib import import_module

from kb.ingest.clean import clean  # light; imported here so that the name is the function, not its module
from kb.ingest.errors import IngestError

_WHERE = {
    "build_article": "build", "canonical_url": "build", "content_hash": "build",
    "expand_paths": "readers", "is_url": "readers", "read_bytes": "readers",
    "document_from_raw": "documents", "load_document": "documents", "document_from_text": "documents",
}
__all__ = ["IngestError", "clean", *_WHERE]


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(import_module(f"kb.ingest.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'kb.ingest' has no attribute {name!r}")
