"""Stores brought up to date (`kb doctor --repair`, and a lost chroma/ folder at the first ingestion):
vectors made to agree with the passages, the part-of-speech tags and sentence vectors of passages
stored before kb kept them. Each is resumable: what is done stays done."""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from kb.store.errors import StoreError

if TYPE_CHECKING:
    from kb.store import Store


def repair_vectors(store: Store) -> tuple[int, int]:
    """Make the vectors agree with the passages: vectors of passages that have none (a lost or older
    chroma/ folder) come back from the embedding cache, vectors of no passage go. Returns (restored,
    removed); raises StoreError naming what to run when the cache lacks a vector."""
    import numpy as np

    with store.writing():
        passages = {p.id: p for p in store.records.passages()}
        stored = store.vectors_index.ids()
        missing = [p for pid, p in passages.items() if pid not in stored]
        stray = [pid for pid in stored if pid not in passages]
        if missing:
            cached = store.records.cached_vectors(store.model_name, [p.vector_key for p in missing if p.vector_key])
            lacking = [p.id for p in missing if p.vector_key not in cached]
            if lacking:
                raise StoreError(f"{len(lacking)} passages have neither a vector nor a cached one: remove and "
                                 "ingest their articles again (kb passages shows them)")
            for begin in range(0, len(missing), 2000):
                chunk = missing[begin:begin + 2000]
                store.vectors_index.upsert([p.id for p in chunk], np.stack([cached[p.vector_key] for p in chunk]),
                                           [{"article_id": p.article_id, "position": p.position} for p in chunk])
        if stray:
            store.vectors_index.delete(stray)
    return len(missing), len(stray)


def tag_passages(store: Store, progress: Callable[[int], None] | None = None, chunk: int = 500) -> int:
    """Store the part-of-speech tags of passages stored before kb kept them, so that answering reads
    them instead of tagging the sentences it weighs; a chunk a transaction. Returns how many."""
    from kb.text import tag_string

    with store.writing():
        todo = store.records.untagged_passages()
        for begin in range(0, len(todo), chunk):
            rows = [(tag_string(text), pid) for pid, text in todo[begin:begin + chunk]]
            store.records.set_tags(rows)
            if progress:
                progress(len(rows))
    return len(todo)


def embed_sentences(store: Store, embedder: Callable[[], object], progress: Callable[[int], None] | None = None,
                    chunk: int = 256) -> int:
    """Embed into the embedding cache the sentences of passages stored before kb embedded them (answering
    weighs a sentence by its cosine with the question only where all it weighs have one). Returns how many.
    `embedder()` gives the embedder: it is loaded only when some sentence lacks a vector."""
    from kb.embed.cache import text_hash
    from kb.text import passage_sentences

    sentences = passage_sentences(p.text for p in store.passages())
    hashes = [text_hash(s) for s in sentences]
    cached = store.cached_vectors(hashes)
    todo = [(s, h) for s, h in zip(sentences, hashes) if h not in cached]
    model = embedder() if todo else None
    for begin in range(0, len(todo), chunk):
        texts, keys = zip(*todo[begin:begin + chunk])
        store.cache_vectors(dict(zip(keys, model.embed_passages(list(texts)))))  # chunk by chunk: resumable
        if progress:
            progress(len(texts))
    return len(todo)
