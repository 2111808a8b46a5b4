"""Feed subscriptions: subscribe to an RSS/Atom feed, and ingest what is new in every subscribed feed.
The feeds' own parsing is kb.ingest.feeds; the subscriptions and their validators live in the records."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Callable

from kb.records import IngestResult, Progress

if TYPE_CHECKING:
    from kb.config import Settings
    from kb.ingest.pipeline import Ingestion
    from kb.store import Store


@dataclass
class FeedUpdate:
    """What `update` did with one feed."""

    url: str
    title: str | None = None
    status: str = "failed"  # "updated", "not_modified" (HTTP 304) or "failed" (the feed itself)
    error: str | None = None
    known: int = 0  # items already stored (found by their link), not fetched
    deferred: int = 0  # items left for the next run (fetch budget spent)
    results: list[IngestResult] = field(default_factory=list)  # one per item ingested or rejected

    def to_dict(self) -> dict:
        return {"url": self.url, "title": self.title, "status": self.status, "error": self.error,
                "known": self.known, "deferred": self.deferred, "results": [r.to_dict() for r in self.results]}


def subscribe(store: Store, url: str, settings: Settings) -> dict:
    """Subscribe to an RSS/Atom feed, checked by fetching it once; raises IngestError (one line)
    when the address gives a web page, XML that is no feed, or nothing. Its items come with `update`."""
    from kb.ingest.errors import IngestError
    from kb.ingest.feeds import parse_feed
    from kb.ingest.fetch import fetch_url
    from kb.ingest.readers import is_url

    store.check_writable()
    if not is_url(url):
        raise IngestError(f"not a feed address: {url} (http:// or https://)", code="feed_invalid", url=url,
                          error="not a URL")
    raw = fetch_url(url, settings.max_file_bytes, settings.fetch_timeout)
    if raw.kind != "feed" and raw.kind in ("pdf", "docx"):
        raise IngestError(f"not a feed: {url} is a {raw.kind.upper()} document", code="feed_invalid", url=url,
                          error=raw.kind)
    feed = parse_feed(raw)
    added = store.records.add_feed(url, feed.title)
    return {"url": url, "title": feed.title, "items": len(feed.items), "added": added}


def update(store: Store, ingestion: Callable[[], Ingestion], settings: Settings, *, max_fetches: int = 30,
           progress: Progress | None = None, script: str | None = None) -> list[FeedUpdate]:
    """Fetch what is new in every subscribed feed: a conditional request per feed (ETag /
    Last-Modified: a 304 costs nothing), items whose link is already stored skipped without a
    fetch, at most `max_fetches` linked pages fetched in this run (the rest wait for the next
    one), each item's error reported in its result and skipped. `progress(done, total, result)`
    is called after each item; `ingestion()` gives the pipeline the new items go through."""
    from kb.ingest.build import canonical_url
    from kb.ingest.errors import IngestError
    from kb.ingest.feeds import item_document, parse_feed
    from kb.ingest.fetch import fetch_url

    limits = {"max_bytes": settings.max_file_bytes, "timeout": settings.fetch_timeout}
    budget = max_fetches
    updates: list[FeedUpdate] = []
    for record in store.records.feeds():
        url = record["url"]
        feed_update = FeedUpdate(url=url, title=record["title"])
        updates.append(feed_update)
        headers = {}
        if record["etag"]:
            headers["If-None-Match"] = record["etag"]
        if record["last_modified"]:
            headers["If-Modified-Since"] = record["last_modified"]
        try:
            raw = fetch_url(url, limits["max_bytes"], limits["timeout"], headers=headers)
            if raw.kind == "not_modified":
                feed_update.status = "not_modified"
                store.records.feed_checked(url, keep_validators=True)
                continue
            feed = parse_feed(raw)
        except IngestError as exc:
            feed_update.status, feed_update.error = "failed", str(exc)
            store.records.feed_checked(url, error=str(exc), keep_validators=True)
            continue
        feed_update.title = feed.title or feed_update.title
        stored = store.articles_by_url([canonical_url(i.link) for i in feed.items if i.link])
        new, deferred = [], 0
        for item in feed.items:
            if item.link and canonical_url(item.link) in stored:
                feed_update.known += 1
                continue
            if not item.content and item.link:
                if budget <= 0:
                    deferred += 1
                    continue
                budget -= 1
            new.append(item)
        feed_update.deferred = deferred
        loaders = ((item.origin, partial(item_document, item, **limits)) for item in new)
        feed_update.results = list(ingestion().stream(loaders, len(new), script=script, progress=progress))
        # Items left for a later run: the feed must be fetched whole again, not answered 304.
        store.records.feed_checked(url, title=feed.title, etag=raw.etag, last_modified=raw.last_modified,
                                   keep_validators=bool(deferred))
        feed_update.status = "updated"
    return updates
