"""The plain records that flow between the pipeline stages."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Callable

# The scripts kb reads and answers in: Simplified, Traditional (Taiwan), Traditional (Hong Kong).
SCRIPTS = ("hans", "hant", "hant-hk")


@dataclass
class Document:
    """What a reader and the cleaner make of one input, before any conversion: original script only."""

    title: str
    body: str
    source: str | None = None
    author: str | None = None
    published: str | None = None  # "YYYY-MM-DD HH:MM" or "YYYY-MM-DD"
    url: str | None = None
    summary: str | None = None
    origin: str | None = None  # the file path or URL it was read from
    # Characters (whitespace not counted) of the body before the cleaner removed footers, adverts,
    # captions and menus: the lines after the title and byline. The share of the text kept is
    # len(body without whitespace) / raw_chars; None when the Document did not come from the cleaner.
    raw_chars: int | None = None
    # For sources with pages (PDF): where each page begins in `body`, as sorted (offset, page number)
    # pairs; None for sources without pages.
    pages: list[tuple[int, int]] | None = None


@dataclass
class Article:
    id: str
    title: str
    body: str  # Simplified
    body_original: str  # as written; passage offsets index into this
    title_original: str
    source: str | None
    author: str | None
    published: str | None
    url: str | None
    summary: str | None
    summary_original: str | None
    origin: str | None
    script: str  # "hans", "hant" or "hant-hk": what the original was written in
    conversion: str  # the OpenCC config applied to reach Simplified ("none" for Simplified input)
    content_hash: str
    added_at: str | None = None
    passage_count: int = 0
    pages: list[tuple[int, int]] | None = None  # Document.pages, for cutting; not stored (passages keep theirs)

    def page_at(self, offset: int) -> int | None:
        """The page that the body offset falls on; None for a source without pages."""
        if not self.pages:
            return None
        page = self.pages[0][1]
        for start, number in self.pages:
            if start > offset:
                break
            page = number
        return page

    def to_dict(self, with_body: bool = True) -> dict:
        data = asdict(self)
        data.pop("pages")
        if not with_body:
            data.pop("body")
            data.pop("body_original")
        return data


@dataclass
class Passage:
    id: str
    article_id: str
    position: int
    text: str  # Simplified
    text_original: str  # == article.body_original[start:end]
    start: int
    end: int
    section: str | None = None
    page: int | None = None  # the page it starts on, for sources that have pages
    vector_key: str | None = None  # the embedding cache's key of its vector (hash of the embedded text)
    tags: str | None = field(default=None, repr=False)  # jieba's part-of-speech tags of `text` (kb.text.tag_string)
    tokens: list[str] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("tokens")
        data.pop("vector_key")
        data.pop("tags")
        return data


@dataclass
class Hit:
    passage: Passage
    article: Article
    score: float  # fused score in [0, 1]
    dense_score: float | None = None
    keyword_score: float | None = None
    rank: int = 0


@dataclass
class Citation:
    n: int
    article_id: str
    title: str
    source: str | None
    author: str | None
    published: str | None
    url: str | None
    passage: str
    passage_original: str
    sentence: str
    sentence_original: str
    sentence_start: int  # offset of the sentence inside `passage` (same in passage_original)
    position: int  # the passage's position in its article; -1 for a citation of the article itself
    score: float
    kind: str = "passage"  # "passage": a sentence of a passage; "article": the article's record (author, date…)
    page: int | None = None  # the page the passage starts on, for sources with pages

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Answer:
    question: str
    text: str
    abstained: bool
    citations: list[Citation]
    hits: list[Hit] = field(default_factory=list)
    script: str = "hans"
    generated_by: str = "extractive"
    warnings: list[str] = field(default_factory=list)
    short: str | None = None  # the answer itself (an amount, a date, a name), when one is clear
    kind: str = "other"  # the kind of answer the question expected

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "answer": self.text,
            "abstained": self.abstained,
            "citations": [c.to_dict() for c in self.citations],
            "short": self.short,
            "kind": self.kind,
            "generated_by": self.generated_by,
            "warnings": self.warnings,
        }


@dataclass
class IngestResult:
    origin: str
    status: str  # "added", "unchanged", "replaced", "rejected"
    article_id: str | None = None
    title: str | None = None
    passages: int = 0
    seconds: float = 0.0
    reason: str | None = None  # why it was rejected, in English
    code: str | None = None  # the kind of rejection (IngestError.code), for front ends to say it their way
    params: dict = field(default_factory=dict)  # the rejection's values (IngestError.params)
    kept: float | None = None  # share of the input's text characters kept after clutter removal

    # Below this share kept, the result says how much the cleaner removed (page clutter is rarely more).
    KEPT_NOTICE = 0.7

    def to_dict(self) -> dict:
        return {
            "id": self.article_id,
            "title": self.title,
            "status": self.status,
            "passages": self.passages,
            "seconds": round(self.seconds, 3),
            "origin": self.origin,
            "reason": self.reason,
            "code": self.code,
            "kept": self.kept,
        }


# Called after each input of an ingestion: (inputs done, inputs in all, that input's result).
Progress = Callable[[int, int, IngestResult], None]
