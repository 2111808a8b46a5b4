"""jieba's dictionary as a memory-mapped trie, so that a question does not pay for loading it.

jieba keeps its dictionary as a Python dict of ~500k words and word prefixes, unmarshalled from its
cache at every start (1.0 s of CPU here), and jieba.posseg parses the dictionary file again for the
part-of-speech tags at import, and once more for every POSTokenizer (0.6 s each). A `kb ask` paid
all three before its first word. Here both tables live in one marisa trie, built once from jieba's
own dictionary (the same `gen_pfdict` and the same tag parsing, so the same words, frequencies and
tags) and memory-mapped afterwards: opening it costs nothing measurable.

Relies on jieba 0.42.1's attributes (`FREQ`, `total`, `initialized`, `POSTokenizer.word_tag_tab`);
`tests/test_text.py` checks segmentation and tags against plain jieba.
"""
from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path

import jieba

FORMAT = 1
_NO_TAG = 255
_lock = threading.Lock()


class Frequencies:
    """jieba's FREQ mapping (word or prefix -> frequency) over the trie, with added words on top."""

    def __init__(self, trie) -> None:
        self.trie = trie
        self.added: dict[str, int] = {}

    def __contains__(self, word) -> bool:
        return word in self.added or word in self.trie

    def __getitem__(self, word: str) -> int:
        if word in self.added:
            return self.added[word]
        return self.trie[word][0][0]

    def get(self, word: str, default=None):
        if word in self.added:
            return self.added[word]
        found = self.trie.get(word)
        return found[0][0] if found else default

    def __setitem__(self, word: str, frequency: int) -> None:
        self.added[word] = frequency


class Tags:
    """jieba.posseg's word_tag_tab (word -> part of speech) over the trie, with user tags on top."""

    def __init__(self, trie, names: list[str]) -> None:
        self.trie, self.names = trie, names
        self.added: dict[str, str] = {}

    def get(self, word: str, default=None):
        if word in self.added:
            return self.added[word]
        found = self.trie.get(word)
        return self.names[found[0][1]] if found and found[0][1] != _NO_TAG else default

    def update(self, tags: dict[str, str]) -> None:
        self.added.update(tags)


def _cache_dir() -> Path:
    return Path(os.environ.get("KB_CACHE_DIR") or Path(tempfile.gettempdir()) / "kb-cache")


def _dictionary_file() -> Path:
    return Path(jieba.__file__).with_name("dict.txt")


def _build(path: Path) -> None:
    """The trie of jieba's default dictionary: (frequency, tag index) for every word and prefix."""
    import marisa_trie

    with open(_dictionary_file(), "rb") as handle:
        frequencies, total = jieba.Tokenizer.gen_pfdict(handle)
    tags: dict[str, str] = {}
    with open(_dictionary_file(), "rb") as handle:  # as jieba.posseg's load_word_tag reads it
        for line in handle:
            line = line.strip().decode("utf-8")
            if line:
                word, _, tag = line.split(" ")
                tags[word] = tag
    names = sorted(set(tags.values()))
    index = {name: i for i, name in enumerate(names)}
    trie = marisa_trie.RecordTrie("<IB", ((w, (f, index.get(tags.get(w), _NO_TAG))) for w, f in frequencies.items()))
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    trie.save(str(temporary))
    temporary.with_suffix(".json").write_text(json.dumps({"total": total, "tags": names, "format": FORMAT}))
    os.replace(temporary.with_suffix(".json"), path.with_suffix(".json"))
    os.replace(temporary, path)  # last: the trie's presence says both files are whole


def _open():
    """(trie, total, tag names) from the cache, built first if needed; None if it cannot be had."""
    try:
        import marisa_trie
    except ImportError:
        return None
    source = _dictionary_file()
    stat = source.stat()
    path = _cache_dir() / f"jieba-{jieba.__version__}-{stat.st_size}-{int(stat.st_mtime)}-f{FORMAT}.marisa"
    try:
        if not path.exists():
            _build(path)
        meta = json.loads(path.with_suffix(".json").read_text())
        trie = marisa_trie.RecordTrie("<IB")
        trie.mmap(str(path))
    except (OSError, ValueError):  # an unwritable temp folder or a damaged cache: plain jieba then
        return None
    return trie, meta["total"], meta["tags"]


_opened = None


def _cached():
    global _opened
    with _lock:
        if _opened is None:
            _opened = _open() or False
        return _opened


def tokenizer() -> jieba.Tokenizer:
    """A jieba Tokenizer on the default dictionary, initialised from the trie (plain jieba without it)."""
    opened = _cached()
    result = jieba.Tokenizer()
    if not opened:
        result.initialize()
        return result
    trie, total, _ = opened
    result.FREQ, result.total, result.initialized = Frequencies(trie), total, True
    return result


def pos_tokenizer(base: jieba.Tokenizer):
    """A jieba.posseg.POSTokenizer over `base`, its tags from the trie instead of a parse of the dictionary."""
    opened = _cached()
    posseg = _import_posseg(bool(opened))
    if not opened:
        return posseg.POSTokenizer(base)
    trie, _, names = opened
    result = posseg.POSTokenizer.__new__(posseg.POSTokenizer)
    result.tokenizer = base
    result.word_tag_tab = Tags(trie, names)
    return result


def _import_posseg(with_trie: bool):
    """jieba.posseg, whose import builds a module-level POSTokenizer that parses the whole dictionary
    for its tags; with the trie, that one reads an empty file instead and gets the trie's tags."""
    import importlib
    import sys

    if "jieba.posseg" in sys.modules or not with_trie:
        return importlib.import_module("jieba.posseg")
    with tempfile.NamedTemporaryFile(suffix=".txt") as empty:
        saved = jieba.dt.dictionary
        jieba.dt.dictionary = empty.name
        try:
            posseg = importlib.import_module("jieba.posseg")
        finally:
            jieba.dt.dictionary = saved
    trie, _, names = _cached()
    posseg.dt.word_tag_tab = Tags(trie, names)
    return posseg
