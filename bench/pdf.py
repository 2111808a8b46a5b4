"""PDF text extractors compared on a Chinese PDF: the seed article typeset like a broker's report.

The seed article (corpus/*.txt, cleaned as `kb ingest` cleans it) is typeset with a CJK font from
Debian's packages (tests/documents.py: running header with the broker's name, footer with the
disclaimer line and the page number). For each extractor, on its plain text output:

  recovered   share of the source's characters (white space not counted) found in order
              (difflib matching blocks over the whitespace-free texts)
  spaces      stray spaces between two CJK characters
  breaks      line breaks inside a paragraph of the source (between two characters that are
              neighbours inside one source paragraph)
  clutter     header/footer lines left in (lines holding the broker's name or the disclaimer)
  pages/s     pages extracted per second (best of --repeat runs)

`kb` is kb.ingest.pdf (the extractor kept, with line joining and clutter removal on top).

    python bench/pdf.py [--repeat 3] [--copies 4]
"""
from __future__ import annotations

import argparse
import difflib
import io
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kb.ingest import clean  # noqa: E402
from tests.documents import BROKER, FOOTER, find_cjk_font, make_pdf  # noqa: E402

SEED = ROOT / "corpus" / "marsbit-2025-12-10-fed-qt-to-rmp.zh-Hant.txt"
_CJK = "\u4e00-\u9fff\u3000-\u303f\uff00-\uffef"


def pdfminer_text(data: bytes) -> tuple[str, int]:
    from pdfminer.high_level import extract_text
    from pdfminer.pdfpage import PDFPage

    pages = sum(1 for _ in PDFPage.get_pages(io.BytesIO(data)))  # the page tree only: no layout
    return extract_text(io.BytesIO(data)), pages


def pdfplumber_text(data: bytes) -> tuple[str, int]:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages), len(pdf.pages)


def pypdf_text(data: bytes) -> tuple[str, int]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages), len(reader.pages)


def kb_text(data: bytes) -> tuple[str, int]:
    from kb.ingest.pdf import extract

    extracted = extract(data, "bench.pdf")
    return extracted.text, len(extracted.page_starts)


EXTRACTORS = {"pdfminer.six": pdfminer_text, "pdfplumber": pdfplumber_text, "pypdf": pypdf_text, "kb": kb_text}


def measure(text: str, paragraphs: list[str]) -> dict:
    source = re.sub(r"\s+", "", "".join(paragraphs))
    got = re.sub(r"\s+", "", text)
    matcher = difflib.SequenceMatcher(None, source, got, autojunk=False)
    recovered = sum(block.size for block in matcher.get_matching_blocks()) / len(source)
    inside = set()
    for paragraph in paragraphs:
        flat = re.sub(r"\s+", "", paragraph)
        inside.update(flat[i:i + 6] for i in range(len(flat) - 5))
    breaks = 0
    for match in re.finditer(r"(\S{3})[ \t]*\n\s*(\S{3})", text):
        if match[1] + match[2] in inside:
            breaks += 1
    spaces = len(re.findall(rf"[{_CJK}] +(?=[{_CJK}])", text))
    clutter = sum(1 for line in text.splitlines() if BROKER in line or FOOTER in line)
    return {"recovered": recovered, "spaces": spaces, "breaks": breaks, "clutter": clutter}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--copies", type=int, default=4, help="the article's body this many times over (more pages)")
    parser.add_argument("--extractors", default=",".join(EXTRACTORS))
    args = parser.parse_args()
    font = find_cjk_font()
    if font is None:
        sys.exit("no CJK TrueType font: apt-get install fonts-wqy-microhei")
    doc = clean(SEED.read_text(encoding="utf-8"))
    lines = doc.body.split("\n")  # blank lines are paragraph gaps, leading spaces list indents
    paragraphs = [line.strip() for line in lines if line.strip()]
    with tempfile.TemporaryDirectory() as folder:
        # Quality on the article once (a repeated text would confuse the alignment); speed on copies.
        one, many = Path(folder) / "seed.pdf", Path(folder) / "copies.pdf"
        pages = make_pdf(one, title=doc.title, author=doc.author or "", date=doc.published or "",
                         paragraphs=lines, font_path=font)
        speed_pages = make_pdf(many, title=doc.title, author=doc.author or "", date=doc.published or "",
                               paragraphs=(lines + [""]) * args.copies, font_path=font)
        data, speed_data = one.read_bytes(), many.read_bytes()
    print(f"quality: {pages} pages, {sum(len(p) for p in paragraphs):,} characters, {len(paragraphs)} paragraphs;"
          f" speed: {speed_pages} pages; font {font.name}")
    print(f"{'extractor':<14}{'recovered':>10}{'spaces':>8}{'breaks':>8}{'clutter':>8}{'pages/s':>9}")
    for name in args.extractors.split(","):
        text, _ = EXTRACTORS[name](data)
        best = float("inf")
        for _ in range(args.repeat):
            started = time.perf_counter()
            _, counted = EXTRACTORS[name](speed_data)
            best = min(best, time.perf_counter() - started)
        m = measure(text, paragraphs)
        print(f"{name:<14}{m['recovered']:>10.2%}{m['spaces']:>8}{m['breaks']:>8}{m['clutter']:>8}"
              f"{counted / best:>9.1f}")


if __name__ == "__main__":
    main()
