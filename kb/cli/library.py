"""Commands on the library: ingest, feeds, list, show, passages, remove."""
from __future__ import annotations

import sys
import time

from kb.cli.common import _open, _print_json
from kb.ingest.errors import IngestError


def cmd_ingest(args) -> int:
    from tqdm import tqdm

    kb = _open()
    targets = kb.targets(args.inputs)
    if not targets:
        print("kb: nothing to ingest (no .txt/.md/.html/.pdf/.docx files found)", file=sys.stderr)
        return 1
    counts = dict.fromkeys(("added", "unchanged", "replaced", "rejected"), 0)
    rejected: list[tuple[str, str]] = []
    passages = 0
    started = time.perf_counter()
    # The bar counts articles (tqdm gives the rate and the time left); the postfix shows passages/s,
    # the rate that matters for the embedder.
    bar = tqdm(total=len(targets), unit="article", disable=args.json or not sys.stderr.isatty() and not args.progress,
               file=sys.stderr)
    for result in kb.ingest(targets, script=args.script, batch_size=args.batch_size):
        counts[result.status] = counts.get(result.status, 0) + 1
        if result.status in ("added", "replaced"):
            passages += result.passages
        bar.update(1)
        bar.set_postfix_str(f"{passages / max(time.perf_counter() - started, 1e-9):.1f} passages/s", refresh=False)
        if result.status == "rejected":
            rejected.append((result.origin, result.reason or ""))
        if args.json:
            _print_json(result.to_dict())
        elif result.status == "rejected":
            tqdm.write(f"rejected  {result.origin}: {result.reason}", file=sys.stderr)
        else:
            kept = f", kept {result.kept:.0%} of the text" if result.kept is not None and result.kept < 0.95 else ""
            tqdm.write(f"{result.status:<9} {result.article_id}  {result.title}  "
                       f"({result.passages} passages, {result.seconds:.1f}s{kept})")
            if result.kept is not None and result.kept < result.KEPT_NOTICE:
                tqdm.write(f"          note: the cleaner removed {1 - result.kept:.0%} of {result.origin} as page "
                           "clutter; check it with `kb show`", file=sys.stderr)
    bar.close()
    seconds = time.perf_counter() - started
    # The summary goes beside the per-article output: stdout in text mode, stderr with --json so that
    # stdout stays one JSON record per article.
    out = sys.stderr if args.json else sys.stdout
    print(f"{sum(counts.values())} inputs in {seconds:.1f}s ({passages / max(seconds, 1e-9):.1f} passages/s): "
          + ", ".join(f"{status} {n}" for status, n in counts.items()), file=out)
    if rejected:
        print(f"not ingested ({len(rejected)}):", file=out)
        for origin, reason in rejected:
            print(f"  {origin}: {reason}", file=out)
    return 1 if rejected else 0


def cmd_feeds(args) -> int:
    """kb feeds add URL | list | remove URL | update: subscriptions kept in the store."""
    kb = _open()
    if args.action == "add":
        if not args.url:
            print("kb: kb feeds add URL", file=sys.stderr)
            return 2
        try:
            feed = kb.add_feed(args.url)
        except IngestError as exc:
            print(f"rejected  {args.url}: {exc}", file=sys.stderr)
            return 1
        if args.json:
            _print_json(feed)
        else:
            verb = "added" if feed["added"] else "already subscribed"
            print(f"{verb} {feed['url']}  {feed['title'] or ''}  ({feed['items']} items now; `kb feeds update` "
                  "ingests them)")
        return 0
    if args.action == "remove":
        if not args.url:
            print("kb: kb feeds remove URL", file=sys.stderr)
            return 2
        if kb.remove_feed(args.url):
            print(f"removed {args.url}")
            return 0
        print(f"kb: no feed {args.url}", file=sys.stderr)
        return 1
    if args.action == "list":
        feeds = kb.feeds()
        if args.json:
            _print_json(feeds)
            return 0
        for feed in feeds:
            error = f"  last error: {feed['last_error']}" if feed["last_error"] else ""
            print(f"{feed['url']}  {feed['title'] or ''}  checked {feed['checked_at'] or 'never'}{error}")
        return 0
    failed = 0
    for update in kb.update_feeds(max_fetches=args.max_fetches, script=args.script):
        if args.json:
            _print_json(update.to_dict())
            continue
        if update.status == "failed":
            failed += 1
            print(f"failed    {update.url}: {update.error}", file=sys.stderr)
            continue
        if update.status == "not_modified":
            print(f"{update.url}: not modified")
            continue
        counts = {}
        for result in update.results:
            counts[result.status] = counts.get(result.status, 0) + 1
            if result.status == "rejected":
                print(f"rejected  {result.origin}: {result.reason}", file=sys.stderr)
            else:
                print(f"{result.status:<9} {result.article_id}  {result.title}  ({result.passages} passages)")
        summary = ", ".join(f"{k} {v}" for k, v in counts.items()) or "nothing new"
        more = f", {update.deferred} left for the next run" if update.deferred else ""
        print(f"{update.url}: {summary} ({update.known} already stored{more})")
    return 1 if failed else 0


def cmd_list(args) -> int:
    articles = _open().articles(source=args.source)
    if args.json:
        _print_json([a.to_dict(with_body=False) for a in articles])
        return 0
    for a in articles:
        print(f"{a.id}  {a.published or '':<16}  {a.source or '':<10}  {a.passage_count:>4}  {a.title}")
    return 0


def cmd_show(args) -> int:
    article = _open().article(args.article_id)
    if article is None:
        print(f"kb: no article {args.article_id}", file=sys.stderr)
        return 1
    if args.json:
        _print_json(article.to_dict(with_body=not args.no_body))
        return 0
    for key in ("id", "title", "source", "author", "published", "url", "origin", "script", "conversion",
                "added_at", "passage_count", "summary"):
        print(f"{key:>13}: {getattr(article, key) or ''}")
    if not args.no_body:
        print()
        print(article.body_original if args.original else article.body)
    return 0


def cmd_passages(args) -> int:
    kb = _open()
    titles = {a.id: a.title for a in kb.articles()}
    if args.article_id and args.article_id not in titles:
        print(f"kb: no article {args.article_id}", file=sys.stderr)
        return 1
    for p in kb.passages(args.article_id):
        record = {"article_id": p.article_id, "title": titles.get(p.article_id), "position": p.position,
                  "text": p.text, "text_original": p.text_original, "start": p.start, "end": p.end,
                  "section": p.section, "page": p.page}
        if args.json:
            _print_json(record)
        else:
            print(f"[{p.article_id} #{p.position}] {p.text}\n")
    return 0


def cmd_remove(args) -> int:
    if _open().remove(args.article_id):
        print(f"removed {args.article_id}")
        return 0
    print(f"kb: no article {args.article_id}", file=sys.stderr)
    return 1
