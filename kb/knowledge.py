"""The KnowledgeBase: one object that runs the pipeline (ingest -> text -> embed -> store) and
answers questions (retrieve -> answer). The command line and the app only call this."""
from __future__ import annotations

import time
from functools import partial
from pathlib import Path
from typing import Callable, Iterable, Iterator

from kb.config import Settings
from kb.records import Answer, Article, Document, Hit, IngestResult, Passage

Progress = Callable[[int, int, IngestResult], None]
BATCH_ARTICLES = 64  # see kb.ingest.pipeline


class KnowledgeBase:
    def __init__(self, settings: Settings | None = None, embedder=None) -> None:
        from kb.embed import embedder_name
        from kb.store import Store

        self.settings = settings or Settings.from_env()
        self._embedder = embedder
        # The model is loaded at its first use: listing, showing or removing articles needs none.
        name = embedder.name if embedder else embedder_name(self.settings.embed_model)
        self.store = Store(self.settings.home, name, embedder.dim if embedder else None, self.settings.chroma_url,
                           self.settings.database_url)

    @property
    def embedder(self):
        if self._embedder is None:
            from kb.embed import load_embedder

            self._embedder = load_embedder(self.settings.embed_model)
            self.store.set_dim(self._embedder.dim)
        return self._embedder

    @embedder.setter
    def embedder(self, embedder) -> None:
        self._embedder = embedder

    # -- ingestion --------------------------------------------------------------------------------
    @staticmethod
    def targets(inputs: Iterable[str | Path]) -> list[str]:
        """Expand folders into their files; URLs pass through."""
        from kb.ingest import expand_paths, is_url

        out: list[str] = []
        for item in inputs:
            if isinstance(item, str) and is_url(item):
                out.append(item)
            else:
                out += [str(p) for p in expand_paths(Path(item))]
        return out

    def _ingestion(self):
        from kb.embed.cache import CachedEmbedder
        from kb.ingest.pipeline import Ingestion

        return Ingestion(self.store, CachedEmbedder(self.embedder, self.store), self.settings.passage_chars)

    def ingest(self, inputs: Iterable[str | Path], *, script: str | None = None,
               progress: Progress | None = None, batch_size: int = BATCH_ARTICLES) -> Iterator[IngestResult]:
        """Ingest files, folders and URLs in batches of `batch_size` articles, yielding one result per
        input, in order. Memory stays bounded by the batch; a batch is committed at once, so an
        interrupted run loses at most the batch under way and a re-run finds the rest `unchanged`."""
        from kb.ingest import load_document

        targets = self.targets(inputs)
        loaders = ((target, partial(load_document, target, max_bytes=self.settings.max_file_bytes,
                                    timeout=self.settings.fetch_timeout)) for target in targets)
        return self._ingestion().stream(loaders, len(targets), script=script, progress=progress, batch_size=batch_size)

    def add_documents(self, docs: Iterable[Document], *, script: str | None = None, total: int = 0,
                      progress: Progress | None = None, batch_size: int = BATCH_ARTICLES) -> Iterator[IngestResult]:
        """Documents already read (a data set, a feed), streamed through the same batches as `ingest`;
        `docs` may be a generator, it is consumed one batch at a time."""
        loaders = ((doc.origin or doc.title, partial(lambda d: d, doc)) for doc in docs)
        return self._ingestion().stream(loaders, total, script=script, progress=progress, batch_size=batch_size)

    def add_document(self, doc: Document, *, script: str | None = None) -> IngestResult:
        """One document through the same path as a bulk ingestion; raises IngestError if rejected."""
        return self._ingestion().one(doc, script=script)

    def add_text(self, text: str, *, title: str | None = None, url: str | None = None,
                 script: str | None = None) -> IngestResult:
        from kb.ingest import document_from_text

        return self._guarded("pasted text", lambda: self.add_document(
            document_from_text(text, title=title, url=url, max_bytes=self.settings.max_file_bytes), script=script))

    def add_bytes(self, data: bytes, name: str, *, script: str | None = None) -> IngestResult:
        """An uploaded file's content."""
        from kb.ingest import document_from_raw, read_bytes

        return self._guarded(name, lambda: self.add_document(
            document_from_raw(read_bytes(data, name, self.settings.max_file_bytes, name=name)), script=script))

    @staticmethod
    def _guarded(origin: str, action: Callable[[], IngestResult]) -> IngestResult:
        from kb.ingest import IngestError

        started = time.perf_counter()
        try:
            result = action()
        except IngestError as exc:
            result = IngestResult(origin=origin, status="rejected", reason=str(exc), code=exc.code,
                                  params=exc.params)
        result.seconds = time.perf_counter() - started
        return result

    # -- library --------------------------------------------------------------------------------
    def articles(self, **filters) -> list[Article]:
        return self.store.articles(**filters)

    def article(self, article_id: str) -> Article | None:
        return self.store.article(article_id)

    def passages(self, article_id: str | None = None) -> list[Passage]:
        return self.store.passages(article_id)

    def remove(self, article_id: str) -> bool:
        return self.store.remove_article(article_id)

    def stats(self) -> tuple[int, int]:
        """(articles, passages) in the store."""
        return self.store.count()

    def sources(self) -> list[str]:
        """The distinct sources of the stored articles, for filters."""
        return self.store.sources()

    # -- questions ------------------------------------------------------------------------------
    def read(self, question: str):
        """The question read once (kb.retrieve.Question): normalised, segmented, weighed against this store."""
        from kb.retrieve import read_question

        return read_question(question, self.store)

    def search(self, question, k: int = 5, *, mode: str = "hybrid", **filters) -> list[Hit]:
        """The k best passages for a question (a string, or what `read` made of it)."""
        from kb import retrieve

        if isinstance(question, str):
            question = self.read(question)
        return retrieve.search(self.store, self.embedder, question, k=k, mode=mode,
                               keyword_weight=self.settings.keyword_weight,
                               rerank_weight=self.settings.rerank_weight,
                               length_pivot=self.settings.passage_chars / 2, **filters)

    def compose(self, question, hits: list[Hit], *, script: str | None = None, use_llm: bool | None = None,
                on_token: Callable[[str], None] | None = None) -> Answer:
        """The answer to a question (a string, or what `read` made of it) from given hits."""
        from kb import answer as answering

        if isinstance(question, str):
            question = self.read(question)
        return answering.answer(question, hits, script=script, settings=self.settings, use_llm=use_llm,
                                on_token=on_token)

    def ask(self, question: str, k: int = 5, *, script: str | None = None, use_llm: bool | None = None,
            on_token: Callable[[str], None] | None = None, **filters) -> Answer:
        read = self.read(question)
        hits = self.search(read, k=k, **filters)
        return self.compose(read, hits, script=script, use_llm=use_llm, on_token=on_token)
