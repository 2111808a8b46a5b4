"""Readers: turn a path, a folder, a URL or pasted text into decoded text plus what kind it is."""
from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import charset_normalizer
import httpx

from kb.ingest.errors import IngestError

TEXT_SUFFIXES = {".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
                 ".html": "html", ".htm": "html", ".xhtml": "html"}

_MAGIC = {
    b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image", b"GIF8": "a GIF image",
    b"RIFF": "a RIFF (WebP/WAV) file", b"%PDF": "a PDF file", b"PK\x03\x04": "a ZIP/Office file",
    b"\x1f\x8b": "a gzip file", b"BM": None,  # "BM" alone is too common at the start of text
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


def is_url(value: str) -> bool:
    parsed = urlparse(value)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)


def _sniff_binary(data: bytes) -> str | None:
    for magic, what in _MAGIC.items():
        if what and data.startswith(magic):
            return what
    head = data[:8192]
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "a binary file"
    return None


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
        raise IngestError(f"not a text file: it looks like {what}")
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
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
        raise IngestError("cannot tell the text encoding (tried UTF-8, Big5, GB18030)")
    score, encoding, text = max(candidates, key=lambda c: c[0])
    if score < 0.9:
        raise IngestError(f"cannot tell the text encoding (best guess {encoding} looks garbled)")
    return text, encoding


def _kind_for(name: str, text: str) -> str:
    kind = TEXT_SUFFIXES.get(Path(name).suffix.lower())
    if kind:
        return kind
    head = text.lstrip()[:500].lower()
    return "html" if head.startswith(("<!doctype html", "<html")) else "text"


def read_bytes(data: bytes, origin: str, max_bytes: int, name: str | None = None, url: str | None = None) -> RawText:
    if not data or not data.strip():
        raise IngestError("empty input")
    if len(data) > max_bytes:
        raise IngestError(f"too large: {len(data):,} bytes, the limit is {max_bytes:,} (KB_MAX_FILE_BYTES)")
    text, encoding = decode(data)
    return RawText(text=text, kind=_kind_for(name or origin, text), origin=origin, url=url, encoding=encoding)


def read_file(path: Path, max_bytes: int) -> RawText:
    if not path.exists():
        raise IngestError(f"no such file: {path}")
    suffix = path.suffix.lower()
    if suffix and suffix not in TEXT_SUFFIXES:
        with path.open("rb") as handle:
            what = _sniff_binary(handle.read(8192))
        if what:
            raise IngestError(f"not a text file: it looks like {what}")
    size = path.stat().st_size
    if size > max_bytes:
        raise IngestError(f"too large: {size:,} bytes, the limit is {max_bytes:,} (KB_MAX_FILE_BYTES)")
    return read_bytes(path.read_bytes(), str(path), max_bytes, name=path.name)


def fetch_url(url: str, max_bytes: int, timeout: float) -> RawText:
    try:
        with httpx.Client(timeout=timeout, follow_redirects=True, headers={"User-Agent": "kb/0.1"}) as client:
            with client.stream("GET", url) as response:
                response.raise_for_status()
                chunks, total = [], 0
                for chunk in response.iter_bytes():
                    total += len(chunk)
                    if total > max_bytes:
                        raise IngestError(f"too large: over {max_bytes:,} bytes at {url}")
                    chunks.append(chunk)
                final_url = str(response.url)
                content_type = response.headers.get("content-type", "")
    except httpx.HTTPStatusError as exc:
        raise IngestError(f"cannot fetch {url}: HTTP {exc.response.status_code}") from exc
    except httpx.HTTPError as exc:
        raise IngestError(f"cannot fetch {url}: {type(exc).__name__}: {exc}".rstrip(": ")) from exc
    raw = read_bytes(b"".join(chunks), url, max_bytes, name=urlparse(final_url).path, url=final_url)
    if "html" in content_type:
        raw.kind = "html"
    return raw


def expand_paths(target: Path) -> list[Path]:
    """A file is itself; a folder gives its readable files, sorted, recursively."""
    if target.is_dir():
        return sorted(p for p in target.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES
                      and not any(part.startswith(".") for part in p.relative_to(target).parts))
    return [target]
