"""Ingestion in batches: prepared documents are looked up by content hash and URL, cut, embedded in
one call and stored in one commit per batch.

A bulk ingestion holds at most BATCH_ARTICLES articles (or BATCH_CHARS characters of text) at once,
so memory stays bounded; a batch is committed at once, so an interrupted run loses at most the batch
under way and a re-run finds the rest `unchanged`.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from kb.ingest.build import article_head, cut_article
from kb.ingest.errors import IngestError
from kb.records import Article, Document, IngestResult, Passage, Progress
from kb.text import passage_sentences

Loader = tuple[str, Callable[[], Document]]  # (where it comes from, a call that reads it)

BATCH_ARTICLES = 64
BATCH_CHARS = 1_000_000


def embedding_text(article: Article, passage: Passage) -> str:
    """What the embedder sees for a passage: the article title gives the passage its subject."""
    return f"{article.title}\n{passage.text}"


@dataclass
class _Pending:
    """One input on its way through a batch."""

    origin: str
    seconds: float = 0.0
    article: Article | None = None
    passages: list[Passage] | None = None
    replaces: str | None = None
    result: IngestResult | None = None
    kept: float | None = None  # share of the text's characters the cleaner kept


class Ingestion:
    """Runs loaders through the batches into `store`, embedding with `embedder` (a CachedEmbedder)."""

    def __init__(self, store, embedder, passage_chars: int) -> None:
        self.store = store
        self.embedder = embedder
        self.passage_chars = passage_chars

    def stream(self, loaders: Iterable[Loader], total: int, *, script: str | None = None,
               progress: Progress | None = None, batch_size: int = BATCH_ARTICLES) -> Iterator[IngestResult]:
        """One result per loader, in order; `loaders` may be a generator, consumed a batch at a time."""
        done = 0
        for batch in self._batches(loaders, script, batch_size):
            for result in self._commit(batch):
                done += 1
                if progress:
                    progress(done, total, result)
                yield result

    def one(self, doc: Document, *, script: str | None = None) -> IngestResult:
        """One document through the same path; raises IngestError if it is rejected."""
        [result] = self._commit([prepare(doc.origin or doc.title, lambda: doc, script)])
        if result.status == "rejected":
            raise IngestError(result.reason or "rejected", code=result.code or "rejected", **result.params)
        return result

    def _batches(self, loaders: Iterable[Loader], script: str | None, batch_size: int) -> Iterator[list[_Pending]]:
        batch: list[_Pending] = []
        chars = 0
        for origin, load in loaders:
            item = prepare(origin, load, script)
            batch.append(item)
            chars += len(item.article.body_original) if item.article else 0
            if len(batch) >= batch_size or chars >= BATCH_CHARS:
                yield batch
                batch, chars = [], 0
        if batch:
            yield batch

    def _commit(self, batch: list[_Pending]) -> list[IngestResult]:
        """Decide each article's fate with two batched look-ups, embed every new passage in one call,
        store them in one commit (more only when an article replaces another of the same batch)."""
        groups = self._plan([item for item in batch if item.result is None])
        new = [item for group in groups for item in group]
        if new:
            started = time.perf_counter()
            texts = [embedding_text(item.article, p) for item in new for p in item.passages]
            # Answering weighs each sentence by its embedding too: embedded here, in the same call, into
            # the embedding cache, where answering looks them up (kb.answer.extractive).
            sentences = passage_sentences(p.text for item in new for p in item.passages)
            vectors = self.embedder.embed_passages(texts + sentences)[:len(texts)]
            from kb.embed.cache import text_hash
            from kb.store import ArticleWrite

            for passage, text in zip((p for item in new for p in item.passages), texts):
                passage.vector_key = text_hash(text)

            row = 0
            for group in groups:
                writes = []
                for item in group:
                    writes.append(ArticleWrite(item.article, item.passages, vectors[row:row + len(item.passages)],
                                               item.replaces))
                    row += len(item.passages)
                self.store.add_articles(writes)
            # Each article's share of the batch's embedding and store time, by its passages.
            shared = (time.perf_counter() - started) / row
            for item in new:
                item.seconds += shared * len(item.passages)
                item.result = IngestResult(item.origin, "replaced" if item.replaces else "added", item.article.id,
                                           item.article.title, len(item.passages))
        for item in batch:
            item.result.seconds = item.seconds
            if item.result.status != "rejected":
                item.result.kept = item.kept
        return [item.result for item in batch]

    def _plan(self, live: list[_Pending]) -> list[list[_Pending]]:
        """Settle unchanged and empty articles; cut the new ones into groups that can commit together."""
        # What the store holds, updated as the batch goes so that the batch sees itself in input order.
        by_hash = self.store.articles_by_hash([item.article.content_hash for item in live])
        by_url = self.store.articles_by_url([item.article.url for item in live if item.article.url])
        groups: list[list[_Pending]] = [[]]
        group_ids: set[str] = set()
        for item in live:
            started = time.perf_counter()
            article = item.article
            same = by_hash.get(article.content_hash)
            if same is not None:
                item.result = IngestResult(item.origin, "unchanged", same.id, same.title, same.passage_count)
                continue
            passages = cut_article(article, self.passage_chars)
            item.seconds += time.perf_counter() - started
            if not passages:
                item.result = IngestResult(item.origin, "rejected", reason="no passages: the article has no sentences",
                                           code="no_passages")
                continue
            previous = by_url.get(article.url) if article.url else None
            if previous is not None:
                if previous.id in group_ids:
                    # It replaces an article of this very batch: that one must be committed first.
                    groups.append([])
                    group_ids = set()
                gone = by_hash.get(previous.content_hash)
                if gone is not None and gone.id == previous.id:  # its text may come again, as new
                    del by_hash[previous.content_hash]
            item.passages, item.replaces = passages, previous.id if previous else None
            by_hash[article.content_hash] = article
            if article.url:
                by_url[article.url] = article
            groups[-1].append(item)
            group_ids.add(article.id)
        return groups


def prepare(origin: str, load: Callable[[], Document], script: str | None) -> _Pending:
    """Read, clean and convert one input, and hash it; cutting waits until the hash is known new."""
    started = time.perf_counter()
    item = _Pending(origin)
    try:
        doc = load()
        if doc.raw_chars:
            item.kept = round(sum(1 for ch in doc.body if not ch.isspace()) / doc.raw_chars, 4)
        item.article = article_head(doc, script=script)
        item.origin = doc.origin or item.article.url or item.article.title
    except IngestError as exc:
        item.result = IngestResult(origin=origin, status="rejected", reason=str(exc), code=exc.code, params=exc.params)
    item.seconds = time.perf_counter() - started
    return item
