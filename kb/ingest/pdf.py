"""PDF to text (pdfminer.six): lines in reading order, paragraphs made whole, running headers and
footers out, and where each page starts.

pdfminer.six was chosen by measurement (bench/pdf.py): on the seed article typeset as a report,
pdfminer.six, pdfplumber and pypdf all recover 100% of the characters with no stray spaces, and
all three break every paragraph at each printed line and keep the header and footer on every
page; pypdf is the fastest on plain text but gives no line geometry, pdfplumber (built on
pdfminer.six, plus pypdfium2) gives the same geometry more slowly. The geometry of each line
(where it ends, how far below the previous one it sits) is what joining lines into paragraphs and
finding page furniture need, so kb keeps pdfminer.six and does those two steps here.

    extract(data, origin) -> Extracted(text, page_starts, metadata)

The text has one line per paragraph (or list item, or table row), a blank line where a paragraph
gap was printed (and at a page break between paragraphs); page_starts[i] is the offset
of the text where page i + 1 begins (a paragraph running over a page break starts on one page and
goes on in the next). Refusals: encrypted (a password is needed), no text layer (a scan: no OCR
yet), truncated or corrupt.
"""
from __future__ import annotations

import io
import math
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field

from kb.ingest.errors import IngestError

# A page number alone on a line: "3", "- 3 -", "3 / 12", "第 3 页", "第3頁 共12頁", "Page 3 of 12".
_PAGE_NUMBER = re.compile(r"^(?:[-–—]?\s*\d{1,4}\s*[-–—]?|\d{1,4}\s*(?:/|of)\s*\d{1,4}|第\s*\d{1,4}\s*[页頁]"
                          r"(?:\s*[,，/]?\s*共\s*\d{1,4}\s*[页頁])?|page\s+\d{1,4}(?:\s+of\s+\d{1,4})?)$", re.I)
_EDGE_ROWS = 3  # rows at the top and at the bottom of a page where running headers and footers sit
_REPEATED_SHARE = 0.6  # a line on this share of the pages (at a page's edge) is page furniture
_LATIN_END = re.compile(r"[A-Za-z0-9,.;:!?)%]$")
_LATIN_START = re.compile(r"^[A-Za-z0-9(]")
_JUNK_TITLES = re.compile(r"^(?:untitled|无标题|無標題|microsoft word|document|文档|文檔|slide|presentation)|"
                          r"\.(?:docx?|pdf|pptx?|indd|txt)$", re.I)
_JUNK_AUTHORS = re.compile(r"^(?:administrator|admin|user|owner|author|unknown|microsoft|作者|用户|用戶)\b", re.I)


@dataclass
class Row:
    """One printed line of a page: its text cells (left to right) and its box (PDF units, y upwards)."""

    cells: list[str]
    x0: float
    x1: float
    top: float
    bottom: float

    @property
    def text(self) -> str:
        return "  ".join(self.cells)  # table cells stay on their row, apart

    @property
    def height(self) -> float:
        return self.top - self.bottom


@dataclass
class Extracted:
    text: str
    page_starts: list[int]
    metadata: dict = field(default_factory=dict)  # title, author, published (what the PDF says)
    pages: int = 0


def _decode(value) -> str | None:
    from pdfminer.pdftypes import resolve1
    from pdfminer.utils import decode_text

    value = resolve1(value)
    if isinstance(value, bytes):
        if value.startswith((b"\xfe\xff", b"\xff\xfe")):
            text = value.decode("utf-16", errors="replace")
        else:
            try:
                text = value.decode("utf-8")
            except UnicodeDecodeError:
                text = decode_text(value)
    elif isinstance(value, str):
        text = value
    else:
        return None
    text = text.replace("\x00", "").strip()
    return text or None


def _pdf_date(value: str | None) -> str | None:
    """"D:20251210063500+08'00'" to "2025-12-10 06:35"."""
    match = re.match(r"^(?:D:)?(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2}))?", value or "")
    if not match:
        return None
    date = f"{match[1]}-{match[2]}-{match[3]}"
    return f"{date} {match[4]}:{match[5]}" if match[4] else date


def _metadata(document) -> dict:
    info = {}
    for entry in document.info or []:
        info.update(entry)
    found = {}
    title, author = _decode(info.get("Title")), _decode(info.get("Author"))
    if title and len(title) >= 2 and not _JUNK_TITLES.search(title):
        found["title"] = title
    if author and not _JUNK_AUTHORS.search(author):
        found["author"] = author
    if date := _pdf_date(_decode(info.get("CreationDate"))):
        found["published"] = date
    return found


def _open(data: bytes, origin: str):
    from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFParser

    if b"%%EOF" not in data[-2048:]:
        raise IngestError(f"cannot read the PDF {origin}: it is truncated (no end-of-file marker)",
                          code="pdf_invalid", error="truncated")
    try:
        return PDFDocument(PDFParser(io.BytesIO(data)))
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise IngestError(f"the PDF {origin} is encrypted: it needs a password to be read; save a copy "
                          "without one", code="pdf_encrypted") from exc
    except Exception as exc:  # pdfminer raises many kinds (PDFSyntaxError, PSEOF, KeyError, ...)
        error = f"{type(exc).__name__}: {exc}".rstrip(": ")[:200]
        raise IngestError(f"cannot read the PDF {origin}: it is damaged ({error})", code="pdf_invalid",
                          error=error) from exc


def _page_rows(layout) -> tuple[list[Row], int, bool]:
    """The rows of one page top to bottom, the number of characters, and whether it holds images."""
    from pdfminer.layout import LTFigure, LTImage, LTTextBox, LTTextLineHorizontal

    lines, images = [], False

    def walk(item) -> None:
        nonlocal images
        if isinstance(item, LTTextLineHorizontal):
            text = item.get_text().replace("\u00a0", " ").replace("\u200b", "").strip()
            if text:
                lines.append((item.x0, item.x1, item.y1, item.y0, text))
            return
        if isinstance(item, (LTImage, LTFigure)):
            images = True
        if isinstance(item, (LTTextBox, LTFigure)) or hasattr(item, "__iter__"):
            for child in item:
                walk(child)

    for item in layout:
        walk(item)
    chars = sum(len(text.replace(" ", "")) for *_, text in lines)
    # Lines whose boxes overlap vertically by half are one row (the cells of a table, a footer with
    # the disclaimer left and the page number right).
    lines.sort(key=lambda line: (-line[2], line[0]))
    rows: list[Row] = []
    for x0, x1, top, bottom, text in lines:
        for row in rows[-3:]:
            overlap = min(row.top, top) - max(row.bottom, bottom)
            if overlap > 0.5 * min(row.height, top - bottom):
                row.cells.append(text)
                row.x0, row.x1 = min(row.x0, x0), max(row.x1, x1)
                row._xs.append(x0)
                break
        else:
            row = Row([text], x0, x1, top, bottom)
            row._xs = [x0]
            rows.append(row)
    for row in rows:
        row.cells = [cell for _, cell in sorted(zip(row._xs, row.cells), key=lambda pair: pair[0])]
    rows.sort(key=lambda row: -row.top)
    return rows, chars, images


def _furniture(pages: list[list[Row]]) -> set[tuple[int, int]]:
    """(page, row) of the running headers and footers: page-number lines at a page's edge, and edge
    lines (digits counted alike) that recur on most pages."""
    def key(row: Row) -> str:
        return re.sub(r"\d+", "#", re.sub(r"\s+", "", row.text))

    edges = [[i for i in range(len(rows)) if i < _EDGE_ROWS or i >= len(rows) - _EDGE_ROWS] for rows in pages]
    seen = Counter(k for rows, idx in zip(pages, edges) for k in {key(rows[i]) for i in idx})
    needed = max(2, math.ceil(_REPEATED_SHARE * len(pages)))
    out = set()
    for p, (rows, idx) in enumerate(zip(pages, edges)):
        for i in idx:
            if _PAGE_NUMBER.match(rows[i].text.strip()) or (len(pages) >= 2 and seen[key(rows[i])] >= needed):
                out.add((p, i))
    return out


# A line that starts a list item: a bullet, "1.", "(一)", "一、".
_ITEM = re.compile(r"^(?:[•·▪■□◆◇●○\-–—*]|\d{1,2}[.、)）]|[(（][\d一二三四五六七八九十]{1,3}[)）]|[一二三四五六七八九十]{1,3}、)")


def _joins(a: Row, b: Row, left: float, right: float, size: float) -> bool:
    """Whether row b goes on the line of row a: a runs to the right margin, b is no more indented
    than a (a hanging indent goes on) and starts no list item, the same type size, neither is a
    table row. (A paragraph gap between them is judged by the caller.)"""
    if len(a.cells) > 1 or len(b.cells) > 1:
        return False
    if a.x1 < right - 1.5 * size or b.x0 > max(left, a.x0) + 0.6 * size or _ITEM.match(b.text):
        return False
    return abs(a.height - b.height) <= 0.2 * max(a.height, b.height)


def extract(data: bytes, origin: str = "PDF") -> Extracted:
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LAParams
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage

    document = _open(data, origin)
    if not document.is_extractable:
        pass  # permissions only restrict copying; the reader here is the owner's own kb
    manager = PDFResourceManager()
    device = PDFPageAggregator(manager, laparams=LAParams())
    interpreter = PDFPageInterpreter(manager, device)
    pages: list[list[Row]] = []
    chars, images = 0, False
    try:
        for page in PDFPage.create_pages(document):
            interpreter.process_page(page)
            rows, count, has_images = _page_rows(device.get_result())
            pages.append(rows)
            chars += count
            images = images or has_images
    except IngestError:
        raise
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}".rstrip(": ")[:200]
        raise IngestError(f"cannot read the PDF {origin}: it is damaged ({error})", code="pdf_invalid",
                          error=error) from exc
    if not pages:
        raise IngestError(f"cannot read the PDF {origin}: it has no pages", code="pdf_invalid", error="no pages")
    if chars < 10 * len(pages) and chars < 50:
        if not images:
            raise IngestError(f"cannot read the PDF {origin}: its {len(pages)} page(s) hold neither text nor "
                              "images (damaged, or drawings only)", code="pdf_invalid", error="no text or images")
        raise IngestError(f"the PDF {origin} has no text layer: its {len(pages)} page(s) hold only images "
                          "(a scan); kb does not read text from images (no OCR yet)", code="pdf_no_text",
                          pages=len(pages))
    metadata = _metadata(document)

    furniture = _furniture(pages)
    body = [[row for i, row in enumerate(rows) if (p, i) not in furniture] for p, rows in enumerate(pages)]
    every = [row for rows in body for row in rows]
    if not every:
        raise IngestError(f"the PDF {origin} holds only running headers and footers", code="clutter_only")
    size = statistics.median(row.height for row in every)
    left = statistics.median(row.x0 for row in every)
    right = max(row.x1 for row in every if len(row.cells) == 1) if any(len(r.cells) == 1 for r in every) else 0
    steps = [a.top - b.top for rows in body for a, b in zip(rows, rows[1:]) if 0 < a.top - b.top < 3 * size]
    # The line pitch: the usual step inside a paragraph. Many short paragraphs make the step between
    # paragraphs the most common one, so the steps near the smallest common one are taken.
    steps.sort()
    base = steps[len(steps) // 10] if steps else 1.5 * size
    pitch = statistics.median([s for s in steps if s <= 1.15 * base] or [base])
    if pages and pages[0]:
        # The first page's largest type, above the body size, is the title when the metadata has none.
        first = body[0][:8]
        biggest = max(first, key=lambda row: row.height, default=None)
        if biggest is not None and biggest.height > 1.2 * size and "title" not in metadata:
            metadata["title"] = biggest.text.strip()

    parts: list[str] = []
    page_starts: list[int] = []
    length = 0
    previous: Row | None = None
    for p, rows in enumerate(body):
        page_starts.append(length + (2 if previous is not None else 0))
        for i, row in enumerate(rows):
            text = row.text
            # A paragraph gap (more than the line pitch between two rows of a page) is a blank line.
            gapped = i > 0 and (previous.top - row.top) > 1.3 * pitch
            if previous is None:
                glue = ""
            elif not gapped and _joins(previous, row, left, right, size):
                glue = " " if _LATIN_END.search(previous.text) and _LATIN_START.match(text) else ""
            else:
                glue = "\n\n" if gapped or i == 0 else "\n"
                # An indented line (a list item, a nested one) keeps its indent, in half-em spaces:
                # the passage cutter reads list structure from it.
                if row.x0 > left + 0.4 * size:
                    text = " " * min(8, round((row.x0 - left) / (size / 2))) + text
            if i == 0 and previous is not None:
                page_starts[-1] = length + len(glue)
            parts.append(glue + text)
            length += len(glue) + len(text)
            previous = row
    return Extracted(text="".join(parts), page_starts=page_starts, metadata=metadata, pages=len(pages))


def page_map(body: str, text: str, page_starts: list[int]) -> list[tuple[int, int]]:
    """Where each page begins in `body` (the cleaned text, whose lines are lines of `text`) as sorted
    (body offset, page number) pairs; a line not found keeps the page before it."""
    import bisect

    def page_at(offset: int) -> int:
        return max(1, bisect.bisect_right(page_starts, offset))

    out: list[tuple[int, int]] = []
    cursor, offset = 0, 0
    for line in body.split("\n"):
        stripped = line.strip()
        if stripped:
            found = text.find(stripped, cursor)
            if found >= 0:
                start = offset + line.index(stripped)
                page = page_at(found)
                if not out or out[-1][1] != page:
                    out.append((start, page))
                for boundary in page_starts:
                    if found < boundary < found + len(stripped):
                        out.append((start + boundary - found, page_at(boundary)))
                cursor = found + len(stripped)
        offset += len(line) + 1
    return out or [(0, 1)]
