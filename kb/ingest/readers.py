"""Readers: turn a path, a folder, a URL or pasted text into decoded text plus what kind it is."""
from __future__ import annotations

import codecs
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import charset_normalizer

from kb.ingest.errors import IngestError

TEXT_SUFFIXES = {".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
                 ".html": "html", ".htm": "html", ".xhtml": "html"}
# Documents read from their bytes (kb/ingest/pdf.py, kb/ingest/word.py), not decoded as text.
DOCUMENT_SUFFIXES = {".pdf": "pdf", ".docx": "docx"}

# Magic number -> (kind, how the message says it); the kind goes into IngestError.params.
_MAGIC = {
    b"\x89PNG": ("png", "a PNG image"), b"\xff\xd8\xff": ("jpeg", "a JPEG image"), b"GIF8": ("gif", "a GIF image"),
    b"RIFF": ("riff", "a RIFF (WebP/WAV) file"), b"%PDF": ("pdf", "a PDF file"),
    b"PK\x03\x04": ("zip", "a ZIP/Office file"), b"\x1f\x8b": ("gzip", "a gzip file"),
    b"BM": None,  # "BM" alone is too common at the start of text
}
# Tried in this order when the bytes are not valid UTF-8; each must decode strictly.
_CJK_ENCODINGS = ("big5", "cp950", "big5hkscs", "gb18030")


@dataclass
class RawText:
    text: str
    kind: str  # "text", "markdown" or "html"
    origin: str
    url: str | None = None
    encoding: str = "utf-8"
    data: bytes | None = None  # the bytes of a PDF or Word document (kind "pdf" or "docx"; text is "")
    etag: str | None = None  # a fetched page's validators, for conditional requests (feeds)
    last_modified: str | None = None


def is_url(value: str) -> bool:
    parsed = urlparse(value)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)


def _sniff_binary(data: bytes) -> tuple[str, str] | None:
    """What a file is by its magic number, as (kind, words); NUL bytes are judged on the whole input by `decode`."""
    for magic, what in _MAGIC.items():
        if what and data.startswith(magic):
            return what
    return None


def _not_text(what: tuple[str, str]) -> IngestError:
    kind, words = what
    return IngestError(f"not a text file: it looks like {words}", code="binary", kind=kind)


# A NUL byte in text is an artefact (a botched transfer or editor), never content; but OpenCC stops
# converting at the first one, so everything after it would be stored yet unsearchable. A few NULs
# (at most one per 1,000 bytes) are removed; more mean a binary file or a wide encoding, refused.
_NUL_SHARE = 1000


def _refuse_many_nuls(count: int, size: int) -> None:
    if count > max(1, size // _NUL_SHARE):
        raise IngestError(f"not a text file: it looks like a binary file ({count:,} NUL bytes in {size:,})",
                          code="binary", kind="binary", count=count, size=size)


def _drop_nuls(text: str, size: int) -> str:
    if "\x00" not in text:
        return text
    _refuse_many_nuls(text.count("\x00"), size)
    return text.replace("\x00", "")


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """UTF-16 saved without a BOM: every ASCII character (line ends, digits, Latin) brings a NUL
    byte, all on the same side of their pair; the text must then decode strictly into mostly CJK and
    ASCII. A UTF-8 text with a stray NUL or a binary file fails one of these."""
    if len(data) % 2:
        return None
    even, odd = data[0::2].count(0), data[1::2].count(0)
    if even + odd < max(4, len(data) // 200):  # fewer than 1 unit in 100
        return None
    if odd >= 3 * even:
        encoding = "utf-16-le"
    elif even >= 3 * odd:
        encoding = "utf-16-be"
    else:
        return None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return None
    if text.count("\x00") > len(text) // _NUL_SHARE or _cjk_score(text) < 0.95:
        return None
    return text.replace("\x00", ""), encoding


def _cjk_score(text: str) -> float:
    """Share of characters that are common CJK, ASCII or punctuation: wrong decodings score low."""
    if not text:
        return 0.0
    good = sum(1 for ch in text if ch.isascii() or "\u4e00" <= ch <= "\u9fff" or "\u3000" <= ch <= "\u303f"
               or "\uff00" <= ch <= "\uffef" or ch in "•·—…“”‘’")
    return good / len(text)


def decode(data: bytes) -> tuple[str, str]:
    """Decode bytes to text and name the encoding: UTF-8 (with or without BOM), UTF-16, Big5, GB18030…"""
    what = _sniff_binary(data)
    if what:
        raise _not_text(what)
    text, encoding = _decode(data)
    return _drop_nuls(text, len(data)), encoding


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    if b"\x00" in data:
        if wide := _utf16_without_bom(data):
            return wide
        _refuse_many_nuls(data.count(0), len(data))  # before any slow guessing of an encoding
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates: list[tuple[float, str, str]] = []
    best = charset_normalizer.from_bytes(data).best()
    if best is not None:
        candidates.append((_cjk_score(str(best)), best.encoding, str(best)))
    for encoding in _CJK_ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        candidates.append((_cjk_score(text), encoding, text))
    if not candidates:
        raise IngestError("cannot tell the text encoding (tried UTF-8, Big5, GB18030)", code="encoding")
    score, encoding, text = max(candidates, key=lambda c: c[0])
    if score < 0.9:
        raise IngestError(f"cannot tell the text encoding (best guess {encoding} looks garbled)",
                          code="encoding_garbled", encoding=encoding)
    return text, encoding


def _kind_for(name: str, text: str) -> str:
    kind = TEXT_SUFFIXES.get(Path(name).suffix.lower())
    if kind:
        return kind
    head = text.lstrip()[:500].lower()
    return "html" if head.startswith(("<!doctype html", "<html")) else "text"


def document_kind(data: bytes, name: str | None) -> str | None:
    """"pdf" or "docx" for a document read from its bytes (by its magic number or its name), else None."""
    suffix = Path(name or "").suffix.lower()
    if b"%PDF-" in data[:1024] or suffix == ".pdf":
        return "pdf"
    if suffix == ".docx" or (data.startswith(b"PK\x03\x04") and b"word/document.xml" in data):
        return "docx"
    return None


def _check_pdf(data: bytes, origin: str) -> None:
    """The cheap checks of a PDF, before any parsing: its header and its end-of-file marker."""
    if b"%PDF-" not in data[:1024]:
        raise IngestError(f"not a PDF file: {origin} has no %PDF header", code="pdf_invalid", error="no header")
    if b"%%EOF" not in data[-2048:]:
        raise IngestError(f"cannot read the PDF {origin}: it is truncated (no end-of-file marker)",
                          code="pdf_invalid", error="truncated")


def read_bytes(data: bytes, origin: str, max_bytes: int, name: str | None = None, url: str | None = None) -> RawText:
    if not data or not data.strip():
        raise IngestError("empty input", code="empty")
    if len(data) > max_bytes:
        raise IngestError(f"too large: {len(data):,} bytes, the limit is {max_bytes:,} (KB_MAX_FILE_BYTES)",
                          code="too_large", size=len(data), limit=max_bytes)
    kind = document_kind(data, name or origin)
    if kind:
        if kind == "pdf":
            _check_pdf(data, origin)
        return RawText(text="", kind=kind, origin=origin, url=url, encoding="binary", data=data)
    text, encoding = decode(data)
    return RawText(text=text, kind=_kind_for(name or origin, text), origin=origin, url=url, encoding=encoding)


_FILE_KINDS = ((stat.S_ISDIR, "folder", "a folder"), (stat.S_ISCHR, "character_device", "a character device"),
               (stat.S_ISBLK, "block_device", "a block device"), (stat.S_ISFIFO, "fifo", "a named pipe (FIFO)"),
               (stat.S_ISSOCK, "socket", "a socket"))


def _not_regular(path: Path, mode: int) -> IngestError:
    kind, what = next(((kind, what) for test, kind, what in _FILE_KINDS if test(mode)),
                      ("special", "not a regular file"))
    return IngestError(f"not a regular file: {path} is {what}; only files are read",
                       code="not_regular_file", path=str(path), kind=kind)


def _unreadable(path: Path, exc: OSError) -> IngestError:
    error = exc.strerror or str(exc)
    return IngestError(f"cannot read {path}: {error}", code="unreadable", path=str(path), error=error)


def read_file(path: Path, max_bytes: int) -> RawText:
    """Read one regular file. Devices and pipes are refused before they are opened: /dev/zero
    reports size 0 and never ends, and opening a FIFO blocks until a writer comes."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise IngestError(f"no such file: {path}", code="not_found", path=str(path)) from None
    except OSError as exc:
        raise _unreadable(path, exc) from exc
    if stat.S_ISDIR(mode):
        _list_folder(path)  # a folder comes here when it could not be listed (expand_paths): say why
    if not stat.S_ISREG(mode):
        raise _not_regular(path, mode)
    try:
        # O_NONBLOCK: should the path have become a FIFO since the stat, opening it does not hang,
        # and fstat below sees what was really opened.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
        with os.fdopen(fd, "rb") as handle:
            mode = os.fstat(fd).st_mode
            if not stat.S_ISREG(mode):
                raise _not_regular(path, mode)
            what = _sniff_binary(handle.read(16))
            if what and path.suffix.lower() not in TEXT_SUFFIXES and what[0] not in ("pdf", "zip"):
                raise _not_text(what)
            handle.seek(0)
            # The limit holds while reading, not by the size the file claims (it may grow meanwhile).
            data = handle.read(max_bytes + 1)
    except OSError as exc:  # refused at open, or failing while read (EIO): this input fails, not the run
        raise _unreadable(path, exc) from exc
    if len(data) > max_bytes:
        raise IngestError(f"too large: over {max_bytes:,} bytes, the limit is {max_bytes:,} (KB_MAX_FILE_BYTES)",
                          code="file_too_large", path=str(path), limit=max_bytes)
    return read_bytes(data, str(path), max_bytes, name=path.name)


def expand_paths(target: Path) -> list[Path]:
    """A file is itself; a folder gives its readable files, sorted, recursively, hidden ones left out.
    Path.is_file is true of regular files only, so pipes, sockets and devices inside a folder are
    skipped (a named pipe `x.txt` would block the whole run). A folder that cannot be listed is given
    as it is, so that reading it reports why (Path.rglob would skip it and its files without a word)."""
    if not target.is_dir():
        return [target]
    suffixes = TEXT_SUFFIXES.keys() | DOCUMENT_SUFFIXES.keys()
    found: list[Path] = []
    for folder, folders, names in os.walk(target, onerror=lambda exc: found.append(Path(exc.filename))):
        folders[:] = [name for name in folders if not name.startswith(".")]
        found += [path for name in names if not name.startswith(".")
                  and (path := Path(folder, name)).suffix.lower() in suffixes and path.is_file()]
    return sorted(found)


def _list_folder(path: Path) -> None:
    try:
        os.scandir(path).close()
    except OSError as exc:
        raise _unreadable(path, exc) from exc
