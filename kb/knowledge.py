"""The KnowledgeBase: one object that runs the pipeline (ingest -> text -> embed -> store) and
answers questions (retrieve -> answer). The CLI and the app only call this."""
from __future__ import annotations

import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable, Iterable, Iterator

import numpy as np

from kb import answer as answering
from kb import retrieve
from kb.config import Settings
from kb.embed import Embedder, load_embedder
from kb.ingest import (IngestError, document_from_raw, document_from_text, expand_paths, is_url, load_document,
                       read_bytes)
from kb.ingest.build import article_head, cut_article
from kb.records import Answer, Article, Document, Hit, IngestResult, Passage
from kb.store import ArticleWrite, Store, text_hash

Progress = Callable[[int, int, IngestResult], None]

# A bulk ingestion holds at most this many articles (or this many characters of text) at once:
# they are embedded in one call and stored in one commit, then dropped.
BATCH_ARTICLES = 64
BATCH_CHARS = 1_000_000


@dataclass
class _Pending:
    """One input on its way through a batch."""

    origin: str
    seconds: float = 0.0
    article: Article | None = None
    passages: list[Passage] | None = None
    replaces: str | None = None
    result: IngestResult | None = None


def embedding_text(article: Article, passage: Passage) -> str:
    """What the embedder sees for a passage: the article title gives the passage its subject."""
    return f"{article.title}\n{passage.text}"


class KnowledgeBase:
    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None) -> None:
        self.settings = settings or Settings.from_env()
        self.embedder = embedder or load_embedder(self.settings.embed_model)
        self.store = Store(self.settings.home, self.embedder.name, self.embedder.dim, self.settings.chroma_url)

    # -- ingestion --------------------------------------------------------------------------------
    def targets(self, inputs: Iterable[str | Path]) -> list[str]:
        """Expand folders into their files; URLs pass through."""
        out: list[str] = []
        for item in inputs:
            if isinstance(item, str) and is_url(item):
                out.append(item)
            else:
                out += [str(p) for p in expand_paths(Path(item))]
        return out

    def ingest(self, inputs: Iterable[str | Path], *, script: str | None = None,
               progress: Progress | None = None, batch_size: int = BATCH_ARTICLES) -> Iterator[IngestResult]:
        """Ingest files, folders and URLs in batches of `batch_size` articles, yielding one result per
        input, in order. Memory stays bounded by the batch; a batch is committed at once, so an
        interrupted run loses at most the batch under way and a re-run finds the rest `unchanged`."""
        targets = self.targets(inputs)
        loaders = ((target, partial(load_document, target, max_bytes=self.settings.max_file_bytes,
                                    timeout=self.settings.fetch_timeout)) for target in targets)
        return self._stream(loaders, len(targets), script=script, progress=progress, batch_size=batch_size)

    def add_documents(self, docs: Iterable[Document], *, script: str | None = None, total: int = 0,
                      progress: Progress | None = None, batch_size: int = BATCH_ARTICLES) -> Iterator[IngestResult]:
        """Documents already read (a data set, a feed), streamed through the same batches as `ingest`;
        `docs` may be a generator, it is consumed one batch at a time."""
        loaders = ((doc.origin or doc.title, partial(lambda d: d, doc)) for doc in docs)
        return self._stream(loaders, total, script=script, progress=progress, batch_size=batch_size)

    def _stream(self, loaders: Iterable[tuple[str, Callable[[], Document]]], total: int, *, script: str | None,
                progress: Progress | None, batch_size: int) -> Iterator[IngestResult]:
        done = 0
        for batch in self._batches(loaders, script, batch_size):
            for result in self._commit(batch):
                done += 1
                if progress:
                    progress(done, total, result)
                yield result

    def _batches(self, loaders: Iterable[tuple[str, Callable[[], Document]]], script: str | None,
                 batch_size: int) -> Iterator[list[_Pending]]:
        """Prepared inputs, `batch_size` articles (or BATCH_CHARS characters) at a time."""
        batch: list[_Pending] = []
        chars = 0
        for origin, load in loaders:
            item = self._prepare(origin, load, script)
            batch.append(item)
            chars += len(item.article.body_original) if item.article else 0
            if len(batch) >= batch_size or chars >= BATCH_CHARS:
                yield batch
                batch, chars = [], 0
        if batch:
            yield batch

    @staticmethod
    def _prepare(origin: str, load: Callable[[], Document], script: str | None) -> _Pending:
        """Read, clean and convert one input, and hash it; cutting waits until the hash is known new."""
        started = time.perf_counter()
        item = _Pending(origin)
        try:
            doc = load()
            item.article = article_head(doc, script=script)
            item.origin = doc.origin or item.article.url or item.article.title
        except IngestError as exc:
            item.result = IngestResult(origin=origin, status="rejected", reason=str(exc))
        item.seconds = time.perf_counter() - started
        return item

    def _commit(self, batch: list[_Pending]) -> list[IngestResult]:
        """Decide each article's fate with two batched look-ups, embed every new passage in one call,
        store them in one commit (more only when an article replaces another of the same batch)."""
        live = [item for item in batch if item.result is None]
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
            passages = cut_article(article, self.settings.passage_chars)
            item.seconds += time.perf_counter() - started
            if not passages:
                item.result = IngestResult(item.origin, "rejected", reason="no passages: the article has no sentences")
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

        new = [item for group in groups for item in group]
        if new:
            started = time.perf_counter()
            vectors = self.embed_texts([embedding_text(item.article, p) for item in new for p in item.passages])
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
        return [item.result for item in batch]

    def add_text(self, text: str, *, title: str | None = None, url: str | None = None,
                 script: str | None = None) -> IngestResult:
        return self._guarded("pasted text", lambda: self.add_document(
            document_from_text(text, title=title, url=url, max_bytes=self.settings.max_file_bytes), script=script))

    def add_bytes(self, data: bytes, name: str, *, script: str | None = None) -> IngestResult:
        """An uploaded file's content."""
        return self._guarded(name, lambda: self.add_document(
            document_from_raw(read_bytes(data, name, self.settings.max_file_bytes, name=name)), script=script))

    @staticmethod
    def _guarded(origin: str, action: Callable[[], IngestResult]) -> IngestResult:
        started = time.perf_counter()
        try:
            result = action()
        except IngestError as exc:
            result = IngestResult(origin=origin, status="rejected", reason=str(exc))
        result.seconds = time.perf_counter() - started
        return result

    def add_document(self, doc: Document, *, script: str | None = None) -> IngestResult:
        """One document through the same path as a bulk ingestion; raises IngestError if rejected."""
        item = self._prepare(doc.origin or doc.title, lambda: doc, script)
        [result] = self._commit([item])
        if result.status == "rejected":
            raise IngestError(result.reason or "rejected")
        return result

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        """Vectors for embedding texts: one cache look-up, one embedder call (length-sorted inside)
        for the texts never seen, whose vectors are cached at once so an interrupted run keeps them."""
        hashes = [text_hash(t) for t in texts]
        cached = self.store.cached_vectors(hashes)
        missing: dict[str, int] = {}  # hash -> first index: a text repeated in the batch is embedded once
        for index, digest in enumerate(hashes):
            if digest not in cached:
                missing.setdefault(digest, index)
        if missing:
            fresh = self.embedder.embed_passages([texts[i] for i in missing.values()])
            new = {digest: fresh[row] for row, digest in enumerate(missing)}
            self.store.cache_vectors(new)
            cached.update(new)
        return np.stack([cached[h] for h in hashes]) if hashes else np.empty((0, self.embedder.dim), np.float32)

    # -- library --------------------------------------------------------------------------------
    def articles(self, **filters) -> list[Article]:
        return self.store.articles(**filters)

    def article(self, article_id: str) -> Article | None:
        return self.store.article(article_id)

    def passages(self, article_id: str | None = None) -> list[Passage]:
        return self.store.passages(article_id)

    def remove(self, article_id: str) -> bool:
        return self.store.remove_article(article_id)

    # -- questions ------------------------------------------------------------------------------
    def search(self, query: str, k: int = 5, *, mode: str = "hybrid", **filters) -> list[Hit]:
        return retrieve.search(self.store, self.embedder, query, k=k, mode=mode,
                               keyword_weight=self.settings.keyword_weight,
                               rerank_weight=self.settings.rerank_weight,
                               length_pivot=self.settings.passage_chars / 2, **filters)

    def ask(self, question: str, k: int = 5, *, script: str | None = None, use_llm: bool | None = None,
            on_token: Callable[[str], None] | None = None, **filters) -> Answer:
        hits = self.search(question, k=k, **filters)
        return answering.answer(question, hits, self.store, script=script, settings=self.settings,
                                use_llm=use_llm, on_token=on_token)
