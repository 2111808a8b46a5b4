"""The KnowledgeBase: one object that runs the pipeline (ingest -> text -> embed -> store) and
answers questions (retrieve -> answer). The CLI and the app only call this."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, Iterable, Iterator

import numpy as np

from kb import answer as answering
from kb import retrieve
from kb.config import Settings
from kb.embed import Embedder, load_embedder
from kb.ingest import (IngestError, build_article, document_from_raw, document_from_text, expand_paths, is_url,
                       load_document, read_bytes)
from kb.records import Answer, Article, Document, Hit, IngestResult, Passage
from kb.store import Store, text_hash

Progress = Callable[[int, int, IngestResult], None]


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
               progress: Progress | None = None) -> Iterator[IngestResult]:
        """Ingest files, folders and URLs one article at a time, yielding a result for each."""
        targets = self.targets(inputs)
        for index, target in enumerate(targets):
            started = time.perf_counter()
            try:
                doc = load_document(target, max_bytes=self.settings.max_file_bytes,
                                    timeout=self.settings.fetch_timeout)
                result = self.add_document(doc, script=script)
            except IngestError as exc:
                result = IngestResult(origin=target, status="rejected", reason=str(exc))
            result.seconds = time.perf_counter() - started
            if progress:
                progress(index + 1, len(targets), result)
            yield result

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
        article, passages = build_article(doc, passage_chars=self.settings.passage_chars, script=script)
        origin = doc.origin or article.url or article.title
        if not passages:
            raise IngestError("no passages: the article has no sentences")
        same = self.store.find_article(content_hash=article.content_hash)
        if same is not None:
            return IngestResult(origin, "unchanged", same.id, same.title, same.passage_count)
        previous = self.store.find_article(url=article.url) if article.url else None
        vectors = self.embed_passages(article, passages)
        self.store.add_article(article, passages, vectors, replaces=previous.id if previous else None)
        status = "replaced" if previous else "added"
        return IngestResult(origin, status, article.id, article.title, len(passages))

    def embed_passages(self, article: Article, passages: list[Passage]) -> np.ndarray:
        """Vectors for the passages, embedding only texts the cache has not seen."""
        texts = [embedding_text(article, p) for p in passages]
        hashes = [text_hash(t) for t in texts]
        cached = self.store.cached_vectors(hashes)
        missing = [i for i, h in enumerate(hashes) if h not in cached]
        if missing:
            fresh = self.embedder.embed_passages([texts[i] for i in missing])
            new = {hashes[i]: fresh[row] for row, i in enumerate(missing)}
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
                               rerank_weight=self.settings.rerank_weight, **filters)

    def ask(self, question: str, k: int = 5, *, script: str | None = None, use_llm: bool | None = None,
            on_token: Callable[[str], None] | None = None, **filters) -> Answer:
        hits = self.search(question, k=k, **filters)
        return answering.answer(question, hits, self.store, script=script, settings=self.settings,
                                use_llm=use_llm, on_token=on_token)
