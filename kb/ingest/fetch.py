"""Fetching a URL: the whole fetch bounded by KB_FETCH_TIMEOUT, the size limit applied while reading,
and whether what came back is a feed."""
from __future__ import annotations

import re
import socket
import threading
import time
from urllib.parse import urlparse

import httpx

from kb.ingest.errors import IngestError
from kb.ingest.readers import RawText, document_kind, read_bytes


def _watch_deadline(response: httpx.Response, deadline: float) -> threading.Timer:
    """Shut the connection's socket down at the deadline: httpx's timeout bounds each read, so a
    server dripping a few bytes now and then would otherwise keep one fetch going without end."""
    sock = None
    stream = response.extensions.get("network_stream")
    if stream is not None:
        sock = stream.get_extra_info("socket")

    def stop() -> None:
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    timer = threading.Timer(max(0.0, deadline - time.monotonic()), stop)
    timer.daemon = True
    timer.start()
    return timer


def fetch_url(url: str, max_bytes: int, timeout: float, headers: dict | None = None) -> RawText:
    """GET one page; `timeout` (KB_FETCH_TIMEOUT) bounds the whole fetch, body included. With
    conditional `headers` (If-None-Match, If-Modified-Since) a 304 answer gives kind "not_modified"."""
    deadline = time.monotonic() + timeout

    def too_slow() -> IngestError:
        return IngestError(f"cannot fetch {url}: no complete answer within {timeout:g} s (KB_FETCH_TIMEOUT)",
                           code="fetch_timeout", url=url, seconds=timeout)

    try:
        with httpx.Client(timeout=timeout, follow_redirects=True, headers={"User-Agent": "kb/0.1"}) as client:
            with client.stream("GET", url, headers=headers or {}) as response:
                if response.status_code == 304:
                    return RawText(text="", kind="not_modified", origin=url, url=str(response.url),
                                   etag=response.headers.get("etag"),
                                   last_modified=response.headers.get("last-modified"))
                response.raise_for_status()
                watchdog = _watch_deadline(response, deadline)
                try:
                    chunks, total = [], 0
                    for chunk in response.iter_bytes():
                        if time.monotonic() > deadline:
                            raise too_slow()
                        total += len(chunk)
                        if total > max_bytes:
                            raise IngestError(f"too large: over {max_bytes:,} bytes at {url}",
                                              code="page_too_large", url=url, limit=max_bytes)
                        chunks.append(chunk)
                finally:
                    watchdog.cancel()
                final_url = str(response.url)
                content_type = response.headers.get("content-type", "")
                validators = response.headers.get("etag"), response.headers.get("last-modified")
    except httpx.HTTPStatusError as exc:
        status = exc.response.status_code
        raise IngestError(f"cannot fetch {url}: HTTP {status}", code="http_status", url=url, status=status) from exc
    except httpx.HTTPError as exc:
        if time.monotonic() >= deadline or isinstance(exc, httpx.TimeoutException):
            raise too_slow() from exc
        error = f"{type(exc).__name__}: {exc}".rstrip(": ")
        raise IngestError(f"cannot fetch {url}: {error}", code="fetch_failed", url=url, error=error) from exc
    if time.monotonic() > deadline:
        raise too_slow()
    data = b"".join(chunks)
    name = urlparse(final_url).path
    if "application/pdf" in content_type and document_kind(data, name) is None:
        name += ".pdf"
    raw = read_bytes(data, url, max_bytes, name=name, url=final_url)
    raw.etag, raw.last_modified = validators
    if raw.kind in ("pdf", "docx"):
        return raw
    if is_feed(raw.text, content_type):
        raw.kind = "feed"
    elif "html" in content_type:
        raw.kind = "html"
    return raw


_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json")


def is_feed(text: str, content_type: str = "") -> bool:
    """An RSS or Atom document, by its content type or its root element."""
    if any(t in content_type for t in _FEED_TYPES):
        return True
    head = text.lstrip("\ufeff \t\r\n")[:2000].lower()
    if head.startswith("<!doctype html") or head.startswith("<html"):
        return False
    head = re.sub(r"<\?xml[^>]*\?>|<!--.*?-->|<\?xml-stylesheet[^>]*\?>", "", head, flags=re.S).lstrip()
    return head.startswith(("<rss", "<feed", "<rdf:rdf"))
