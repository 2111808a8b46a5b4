"""Helpers of bench/scale.py: the poems, memory sampling, the embedder that embeds each passage once for
every store of the run, and the plain baseline (chromadb + rank_bm25)."""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kb.records import Document  # noqa: E402
from kb.retrieve.scoring import fuse  # noqa: E402
from kb.text import convert  # noqa: E402

if TYPE_CHECKING:
    from kb.knowledge import KnowledgeBase

CACHE = ROOT / "bench" / "out" / "cache"
KEYWORD_WEIGHT = 0.4  # the baseline's score mix, kb's default weight


# -- data -------------------------------------------------------------------------------------------

def poetry_folder() -> Path:
    """dist/quantangshi of the chinese-poetry npm package, fetched once with `npm pack`."""
    folder = CACHE / "package" / "dist" / "quantangshi"
    if folder.is_dir():
        return folder
    CACHE.mkdir(parents=True, exist_ok=True)
    if not list(CACHE.glob("chinese-poetry-*.tgz")):
        subprocess.run(["npm", "pack", "chinese-poetry", "--silent"], cwd=CACHE, check=True, capture_output=True)
    archive = sorted(CACHE.glob("chinese-poetry-*.tgz"))[-1]
    with tarfile.open(archive) as tar:
        tar.extractall(CACHE, members=[m for m in tar.getmembers() if "/dist/quantangshi/poet." in m.name],
                       filter="data")
    return folder


def poems(folder: Path) -> Iterator[Document]:
    """Tang poems (57,607) then Song poems, one file (1,000 poems) in memory at a time."""
    def key(path: Path) -> tuple[int, int]:
        _, dynasty, number, _ = path.name.split(".")
        return (0 if dynasty == "tang" else 1, int(number))

    for path in sorted(folder.glob("poet.*.*.json"), key=key):
        source = "全唐诗" if ".tang." in path.name else "全宋诗"
        for index, poem in enumerate(json.loads(path.read_text(encoding="utf-8"))):
            lines = [p.strip() for p in poem.get("paragraphs") or [] if p and p.strip()]
            if not lines:
                continue
            yield Document(title=(poem.get("title") or lines[0][:12]).strip(), body="\n".join(lines),
                           author=poem.get("author"), source=source, origin=f"{path.name}#{index}")


def poems_limit(folder: Path, count: int) -> Iterator[Document]:
    for index, doc in enumerate(poems(folder)):
        if index >= count:
            return
        yield doc



# -- measuring -------------------------------------------------------------------------------------

def rss_bytes() -> int:
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # not Linux: the lifetime peak is the best available
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class PeakRSS:
    """Samples the resident set size every 20 ms while a phase runs: its peak and its growth."""

    def __init__(self) -> None:
        self.start = self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, rss_bytes())

    def __enter__(self) -> "PeakRSS":
        self.start = self.peak = rss_bytes()
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_bytes())


class SharedEmbedder:
    """The real embedder, shared by every store of the run. Passage vectors are kept by text until
    `forget()`, so the stores after the first get the same vectors without embedding again (the run
    feeds each chunk of poems to every store, then forgets); `model_seconds` is the model's own time,
    charged to the store being filled. Query vectors are computed once (and timed), so that the
    search latencies of every store and of the baseline exclude the same query embedding."""

    def __init__(self, embedder) -> None:
        self._embedder = embedder
        self.name, self.dim = embedder.name, embedder.dim
        self.model_seconds = 0.0  # the model embedding passages
        self.lookup_seconds = 0.0  # passages served from the shared vectors
        self.query_ms: dict[str, float] = {}
        self._queries: dict[str, np.ndarray] = {}
        self._passages: dict[str, np.ndarray] = {}

    @property
    def passage_seconds(self) -> float:
        return self.model_seconds + self.lookup_seconds

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        started = time.perf_counter()
        missing = list(dict.fromkeys(t for t in texts if t not in self._passages))
        try:
            if missing:
                self._passages.update(zip(missing, self._embedder.embed_passages(missing)))
            if not texts:
                return np.empty((0, self.dim), np.float32)
            return np.stack([self._passages[t] for t in texts])
        finally:
            spent = time.perf_counter() - started
            if missing:
                self.model_seconds += spent
            else:
                self.lookup_seconds += spent

    def forget(self) -> None:
        self._passages.clear()

    def embed_query(self, text: str) -> np.ndarray:
        if text not in self._queries:
            started = time.perf_counter()
            self._queries[text] = self._embedder.embed_query(text)
            self.query_ms[text] = (time.perf_counter() - started) * 1000
        return self._queries[text]


def query_text(query: str) -> str:
    """What kb searches for: width-folded Simplified (as kb.retrieve does)."""
    return convert.to_simplified(convert.fold_width(query.strip()))



# -- the plain baseline ------------------------------------------------------------------------------

class Baseline:
    """chromadb with one `add` per passage; rank_bm25 rebuilt over every passage for each query."""

    def __init__(self, home: Path) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        client = chromadb.PersistentClient(path=str(home), settings=ChromaSettings(anonymized_telemetry=False))
        self.collection = client.get_or_create_collection("baseline", embedding_function=None,
                                                          configuration={"hnsw": {"space": "cosine"}})
        self.ids: list[str] = []
        self.tokens: list[list[str]] = []
        self.timed_adds = 0
        self.add_seconds = 0.0

    def add(self, rows: list[tuple[str, str, list[str], np.ndarray]], timed: int) -> None:
        """(id, text, tokens, vector) rows. The first `timed` go in one `add` call each, timed (one add
        takes tens of ms, mostly chromadb's own commit: all of 100k would take over an hour); the rest
        go in untimed batches, only so that the baseline searches the same passages as kb."""
        started = time.perf_counter()
        for pid, text, _, vector in rows[:timed]:
            self.collection.add(ids=[pid], embeddings=[vector], documents=[text],
                                metadatas=[{"article_id": pid.rsplit("-", 1)[0]}])
        self.add_seconds += time.perf_counter() - started
        self.timed_adds += len(rows[:timed])
        rest = rows[timed:]
        for begin in range(0, len(rest), 2000):
            chunk = rest[begin:begin + 2000]
            self.collection.add(ids=[r[0] for r in chunk], embeddings=[r[3] for r in chunk],
                                documents=[r[1] for r in chunk],
                                metadatas=[{"article_id": r[0].rsplit("-", 1)[0]} for r in chunk])
        self.ids += [row[0] for row in rows]
        self.tokens += [row[2] for row in rows]

    def dense(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        got = self.collection.query(query_embeddings=[vector], n_results=k, include=["documents", "distances"])
        return [(pid, 1.0 - d) for pid, d in zip(got["ids"][0], got["distances"][0])]

    def keyword(self, tokens: list[str], k: int) -> list[tuple[str, float]]:
        from rank_bm25 import BM25Okapi

        scores = BM25Okapi(self.tokens).get_scores(tokens)
        top = np.argsort(-scores)[:k]
        return [(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]

    def hybrid(self, tokens: list[str], vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        keyword, dense = self.keyword(tokens, 50), self.dense(vector, 50)
        return fuse(keyword, dense, KEYWORD_WEIGHT)[:k]  # kb's own score mix, on the baseline's lists


def new_rows(kb: KnowledgeBase, known: set[str]) -> list[tuple[str, str, list[str], np.ndarray]]:
    """The passages kb holds that the baseline has not got yet: text, kb's jieba tokens, kb's vector."""
    passages = [p for p in kb.store.passages() if p.id not in known]
    tokens = kb.store.keyword.tokens([p.id for p in passages])
    rows = [(p.id, p.text, tokens[p.id]) for p in passages]
    vectors: dict[str, np.ndarray] = {}
    for begin in range(0, len(rows), 2000):
        vectors.update(kb.store.vectors([r[0] for r in rows[begin:begin + 2000]]))
    return [(pid, text, tokens, vectors[pid]) for pid, text, tokens in rows]



# -- printing ----------------------------------------------------------------------------------------

def table(rows: list[dict], columns: list[tuple[str, str]]) -> None:
    print("| " + " | ".join(title for title, _ in columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join("" if row.get(key) is None else f"{row[key]:,}" if isinstance(row[key], int)
                                else str(row[key]) for _, key in columns) + " |")
