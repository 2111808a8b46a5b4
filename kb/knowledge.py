"""The KnowledgeBase: one object that runs the pipeline (ingest -> text -> embed -> store) and
answers questions (retrieve -> answer). The command line and the app only call this."""
from __future__ import annotations

import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from kb.config import Settings
from kb.records import Answer, Article, Document, Hit, IngestResult, Passage, Progress

if TYPE_CHECKING:
    from kb.ingest.subscriptions import FeedUpdate

BATCH_ARTICLES = 64  # see kb.ingest.pipeline


def _raise(exc: Exception):
    raise exc


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

        self.store.check_writable()  # before the model loads and the inputs are read
        embedder = CachedEmbedder(self.embedder, self.store)  # the model first: it tells the store its dimension
        self.store.check_vectors()  # a lost chroma/ comes back here: unchanged articles would never re-send theirs
        return Ingestion(self.store, embedder, self.settings.passage_chars)

    def ingest(self, inputs: Iterable[str | Path], *, script: str | None = None,
               progress: Progress | None = None, batch_size: int = BATCH_ARTICLES) -> Iterator[IngestResult]:
        """Ingest files, folders and URLs in batches of `batch_size` articles, yielding one result per
        input, in order. Memory stays bounded by the batch; a batch is committed at once, so an
        interrupted run loses at most the batch under way and a re-run finds the rest `unchanged`."""
        targets = self.targets(inputs)
        return self._ingestion().stream(self._loaders(targets), len(targets), script=script, progress=progress,
                                        batch_size=batch_size)

    def _loaders(self, targets: list[str]):
        """(origin, loader) for each input; a URL that turns out to be an RSS/Atom feed gives one for
        each of its items (its full content, or its linked page)."""
        from kb.ingest import IngestError, document_from_raw, is_url, load_document

        limits = {"max_bytes": self.settings.max_file_bytes, "timeout": self.settings.fetch_timeout}
        for target in targets:
            if not is_url(target):
                yield target, partial(load_document, target, **limits)
                continue
            from kb.ingest.fetch import fetch_url

            try:
                raw = fetch_url(target, limits["max_bytes"], limits["timeout"])
                if raw.kind == "feed":
                    from kb.ingest.feeds import item_document, parse_feed

                    for item in parse_feed(raw).items:
                        yield item.origin, partial(item_document, item, **limits)
                    continue
            except IngestError as exc:
                yield target, partial(_raise, exc)
                continue
            yield target, partial(document_from_raw, raw)

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

    # -- feeds ----------------------------------------------------------------------------------
    def add_feed(self, url: str) -> dict:
        """Subscribe to an RSS/Atom feed (kb.ingest.subscriptions.subscribe)."""
        from kb.ingest.subscriptions import subscribe

        return subscribe(self.store, url, self.settings)

    def feeds(self) -> list[dict]:
        """The subscriptions: url, title, added_at, checked_at, last_error (etag, last_modified)."""
        return self.store.records.feeds()

    def remove_feed(self, url: str) -> bool:
        """Unsubscribe (the articles already ingested stay)."""
        return self.store.records.remove_feed(url)

    def update_feeds(self, *, max_fetches: int = 30, progress: Progress | None = None,
                     script: str | None = None) -> list[FeedUpdate]:
        """Ingest what is new in every subscribed feed (kb.ingest.subscriptions.update)."""
        from kb.ingest.subscriptions import update

        return update(self.store, self._ingestion, self.settings, max_fetches=max_fetches, progress=progress,
                      script=script)

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
        from kb.answer import overview

        if isinstance(question, str):
            question = self.read(question)
        only = None
        if (question.kind == "article_fact" or overview.asked(question)) and self.store.count()[0] == 1:
            only = self.store.articles()[0]
        return answering.answer(question, hits, script=script, settings=self.settings, use_llm=use_llm,
                                on_token=on_token, following=self.store.next_passage, only_article=only,
                                similarity=self.sentence_similarity(question), model=self.embedder.name,
                                article_passages=self.store.passages)

    def sentence_similarity(self, question) -> Callable[[list[str]], list[float] | None]:
        """Cosines of the question against sentences, by the embedder, from the embedding cache where
        ingestion put every sentence's vector; None when a sentence has none there (a store from before kb
        embedded sentences, until `kb doctor --repair`). A question in another language has the missing
        ones embedded: it shares no words with Chinese sentences, and the multilingual model reads both."""
        def similarity(sentences: list[str]) -> list[float] | None:
            import numpy as np

            from kb.embed import normalise
            from kb.embed.cache import text_hash
            from kb.retrieve import question_vector

            hashes = [text_hash(s) for s in sentences]
            vectors = self.store.cached_vectors(hashes)
            missing = [i for i, h in enumerate(hashes) if h not in vectors]
            if missing and question.language == "zh":
                return None
            if missing:
                fresh = self.embedder.embed_passages([sentences[i] for i in missing])
                vectors.update({hashes[i]: fresh[row] for row, i in enumerate(missing)})
            query = normalise(question_vector(self.embedder, question))
            return [float(v) for v in normalise(np.stack([vectors[h] for h in hashes])) @ query]
        return similarity

    def ask(self, question: str, k: int = 5, *, script: str | None = None, use_llm: bool | None = None,
            on_token: Callable[[str], None] | None = None, **filters) -> Answer:
        read = self.read(question)
        hits = self.search(read, k=k, **filters)
        return self.compose(read, hits, script=script, use_llm=use_llm, on_token=on_token)
