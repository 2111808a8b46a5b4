"""Word (.docx) to text (python-docx): paragraphs and headings each on a line of their own, tables
row by row (cells apart on one line), in document order; title, author and created date from the
core properties."""
from __future__ import annotations

import io
import re
import zipfile

from kb.ingest.errors import IngestError

_JUNK_AUTHORS = ("python-docx", "administrator", "admin", "user", "microsoft office user", "作者", "用户")


_ITEM = re.compile(r"^(?:[•·▪■●○◆◇\-–*]|\d{1,2}[.、)）]|[(（][\d一二三四五六七八九十]{1,3}[)）]|[一二三四五六七八九十]{1,3}、)")
_INDENT_STEP = 18.0  # points of left indent to a list level (Word's default is 18 pt a level)


def _indent(paragraph) -> int:
    """Spaces of indent for a paragraph: two a list level (numbering level, or left indent)."""
    properties = paragraph._p.pPr
    if properties is not None and properties.numPr is not None and properties.numPr.ilvl is not None:
        return 2 * (int(properties.numPr.ilvl.val) + 1)
    left = paragraph.paragraph_format.left_indent
    if left is None or left.pt <= 0:
        return 0
    return 2 * max(1, round(left.pt / _INDENT_STEP))


def _invalid(origin: str, why: str, error: str) -> IngestError:
    return IngestError(f"not a Word document: {origin} {why}", code="docx_invalid", error=error)


def docx_to_text(data: bytes, origin: str = "document") -> tuple[str, dict]:
    """(text, metadata) of a .docx file; one paragraph, heading or table row a line, a blank line
    between them."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            bad = archive.testzip()
    except zipfile.BadZipFile as exc:
        raise _invalid(origin, "is not a ZIP package (a .docx is one)", "not a zip") from exc
    except Exception as exc:  # a damaged member (zlib.error, EOFError…)
        raise _invalid(origin, f"is a damaged ZIP package ({type(exc).__name__})", "damaged zip") from exc
    if bad is not None:
        raise _invalid(origin, f"is a damaged ZIP package ({bad} is corrupt)", "damaged zip")
    if "word/document.xml" not in names:
        raise _invalid(origin, "is a ZIP file without word/document.xml (renamed, or another Office format)",
                       "no word/document.xml")
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}".rstrip(": ")[:200]
        raise _invalid(origin, f"cannot be read ({error})", error) from exc

    lines: list[tuple[str, bool]] = []  # (line, whether it is a list item)
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            text = block.text.replace("\u00a0", " ").replace("\u200b", "").strip()
            if text:
                indent = _indent(block)
                item = indent > 0 or bool(_ITEM.match(text))
                lines.append((" " * indent + text, item))
        elif isinstance(block, Table):
            for row in block.rows:
                cells: list[str] = []
                for cell in row.cells:
                    text = " ".join(cell.text.split())
                    if text and (not cells or cells[-1] != text):  # a merged cell repeats itself
                        cells.append(text)
                if cells:
                    lines.append(("  ".join(cells), False))
    # A blank line between paragraphs; list items follow each other line by line (the passage
    # cutter keeps a list with its lead-in).
    parts = []
    for index, (line, item) in enumerate(lines):
        if index:
            parts.append("\n" if item and lines[index - 1][1] else "\n\n")
        parts.append(line)
    text = "".join(parts)
    props = document.core_properties
    metadata = {}
    if props.title and props.title.strip():
        metadata["title"] = props.title.strip()
    author = (props.author or "").strip()
    if author and author.lower() not in _JUNK_AUTHORS:
        metadata["author"] = author
    if props.created and props.created.isoformat()[:16] != "2013-12-23T23:15":  # python-docx's template
        metadata["published"] = props.created.strftime("%Y-%m-%d %H:%M").removesuffix(" 00:00")
    return text, metadata
