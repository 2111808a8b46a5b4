"""Real PDF and Word files of an article, made at run time (tests/test_sources.py, bench/pdf.py).

The PDFs are typeset with reportlab and a CJK TrueType font from Debian's packages
(fonts-wqy-microhei; .ci/run installs it), laid out like a broker's report: a running header with
the broker's name, a footer with "请务必阅读正文之后的免责声明" and the page number, paragraphs
wrapped at the right margin with a gap between them."""
from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)
BROKER = "星河证券研究所"
HEADER = f"{BROKER} | 宏观专题研究"
FOOTER = "请务必阅读正文之后的免责声明"


def find_cjk_font() -> Path | None:
    """A TrueType (glyf) font with CJK glyphs: reportlab cannot embed the CFF outlines of Noto CJK."""
    for candidate in FONT_CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    if shutil.which("fc-match"):
        found = subprocess.run(["fc-match", "-f", "%{file}", ":lang=zh-cn:fontformat=TrueType"],
                               capture_output=True, text=True).stdout.strip()
        if found.endswith((".ttf", ".ttc")) and Path(found).is_file():
            return Path(found)
    return None


def _font(font_path: Path) -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    name = "CJK-" + font_path.stem
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, str(font_path), subfontIndex=0))
    return name


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Break a paragraph into lines that fit `width`, character by character (as CJK typesetting
    does), keeping a Latin word whole when it fits on a line."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines, line = [], ""
    index = 0
    while index < len(text):
        ch = text[index]
        token = ch
        if ch.isascii() and ch.isalnum():
            end = index
            while end < len(text) and text[end].isascii() and text[end].isalnum():
                end += 1
            token = text[index:end]
        if line and stringWidth(line + token, font, size) > width:
            if len(token) > 1 and stringWidth(token, font, size) > width:
                token = ch
            else:
                lines.append(line)
                line = ""
                if token == " ":
                    index += 1
                    continue
        line += token
        index += len(token)
    if line:
        lines.append(line)
    return lines


def make_pdf(path: Path, *, title: str, author: str, date: str, paragraphs: list[str], font_path: Path,
             table: list[list[str]] | None = None, metadata: bool = True, size: float = 11) -> int:
    """Typeset an article; returns the number of pages. The first page starts with the title, an
    author line and the date. `paragraphs` are the body's lines: an empty one is a paragraph gap,
    leading spaces indent a line (list items, with a hanging indent). `table` (rows of cells) goes
    after the first paragraph."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    font = _font(font_path)
    page_w, page_h = A4
    left, right, top, bottom = 60, page_w - 60, page_h - 80, 80
    pitch, gap = size * 1.5, size * 0.8
    # (kind, wrapped lines, type size, indent, gap before)
    blocks: list[tuple[str, list[str], float, float, float]] = [
        ("title", [title], 16, 0, 0), ("meta", [f"作者:{author}"], size, 0, gap), ("meta", [date], size, 0, gap)]
    pending_gap = gap
    for number, paragraph in enumerate(paragraphs):
        if not paragraph.strip():
            pending_gap = gap
            continue
        indent = (len(paragraph) - len(paragraph.lstrip(" "))) * size / 2
        lines = _wrap(paragraph.strip(), font, size, right - left - indent)
        blocks.append(("para", lines, size, indent, pending_gap))
        pending_gap = 0
        if table and number == 0:
            blocks.append(("table", ["\t".join(row) for row in table], size, 0, gap))
            pending_gap = gap

    pages: list[list[tuple[float, float, str, float]]] = [[]]  # (x, y, text, size)
    y = top
    for kind, lines, font_size, indent, before in blocks:
        y -= before if pages[-1] else 0
        for line in lines:
            if y < bottom:
                pages.append([])
                y = top
            if kind == "table":
                cell_w = (right - left) / max(len(row) for row in table)
                for column, cell in enumerate(line.split("\t")):
                    pages[-1].append((left + column * cell_w, y, cell, font_size))
            else:
                pages[-1].append((left + indent, y, line, font_size))
            y -= pitch if kind != "title" else 26
    c = canvas.Canvas(str(path), pagesize=A4)
    if metadata:
        c.setTitle(title)
        c.setAuthor(author)
    total = len(pages)
    for number, items in enumerate(pages, 1):
        c.setFont(font, 9)
        c.drawString(left, page_h - 45, HEADER)
        c.line(left, page_h - 50, right, page_h - 50)
        c.drawString(left, 45, FOOTER)
        c.drawRightString(right, 45, f"{number} / {total}")
        for x, y, text, font_size in items:
            c.setFont(font, font_size)
            c.drawString(x, y, text)
        c.showPage()
    c.save()
    return total


def make_scanned_pdf(path: Path, *, lines: list[str], font_path: Path, pages: int = 2) -> None:
    """The same kind of page as an image only (a scan): no text layer at all."""
    from PIL import Image, ImageDraw, ImageFont
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    font = ImageFont.truetype(str(font_path), 28)
    c = canvas.Canvas(str(path), pagesize=A4)
    per_page = max(1, len(lines) // pages)
    for number in range(pages):
        image = Image.new("L", (1240, 1754), 255)
        draw = ImageDraw.Draw(image)
        for row, line in enumerate(lines[number * per_page:(number + 1) * per_page][:40]):
            draw.text((100, 120 + row * 40), line[:38], font=font, fill=0)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        buffer.seek(0)
        c.drawImage(ImageReader(buffer), 0, 0, width=A4[0], height=A4[1])
        c.showPage()
    c.save()


def make_docx(path: Path, *, title: str, author: str, date: str, paragraphs: list[str],
              headings: set[int] = frozenset(), table: list[list[str]] | None = None) -> None:
    """A Word file: the title as a Title paragraph, the paragraphs whose index is in `headings` as
    Heading 2, core properties for title, author and created date."""
    from datetime import datetime

    import docx
    from docx.shared import Pt

    document = docx.Document()
    document.core_properties.title = title
    document.core_properties.author = author
    document.core_properties.created = datetime.fromisoformat(date)
    document.add_heading(title, level=0)
    for index, paragraph in enumerate(paragraphs):
        if not paragraph.strip():
            continue  # Word has no blank lines: paragraphs are apart by their spacing
        if index in headings:
            document.add_heading(paragraph.strip(), level=2)
        else:
            added = document.add_paragraph(paragraph.strip())
            spaces = len(paragraph) - len(paragraph.lstrip(" "))
            if spaces:  # an indented list item: 18 pt of left indent a level, two spaces of the text
                added.paragraph_format.left_indent = Pt(9 * spaces)
        if table and index == 0:
            grid = document.add_table(rows=len(table), cols=len(table[0]))
            for r, row in enumerate(table):
                for col, cell in enumerate(row):
                    grid.cell(r, col).text = cell
    document.save(str(path))
