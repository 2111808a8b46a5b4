"""Command line: a thin layer over KnowledgeBase (`kb ...` or `python -m kb ...`)."""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from typing import Sequence

from kb.config import Settings
from kb.ingest.errors import IngestError
from kb.records import SCRIPTS
from kb.store.errors import StoreError

# Reading commands (list, show, passages, remove) import nothing heavy: no model, jieba, chromadb or
# trafilatura; what a command needs is imported inside it.


def _open():
    from kb.knowledge import KnowledgeBase

    return KnowledgeBase(Settings.from_env())


def _print_json(data) -> None:
    print(json.dumps(data, ensure_ascii=False))


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


def _ask(kb, question: str, args, searched: str | None = None) -> dict | None:
    """Answer one question as `kb ask` prints it; with --json, return the record instead."""
    streamed = []

    def on_token(token: str) -> None:
        streamed.append(token)
        if not args.json:
            print(token, end="", flush=True)

    answer = kb.ask(searched or question, k=args.k, script=args.script, use_llm=False if args.no_llm else None,
                    on_token=on_token, article_id=args.article, source=args.source,
                    date_from=args.date_from, date_to=args.date_to)
    if args.json:
        data = answer.to_dict()
        data["question"] = question
        if searched is not None:
            data["searched"] = searched
        data["nearest"] = [{"article_id": h.article.id, "title": h.article.title, "passage": h.passage.text,
                            "score": round(h.score, 4)} for h in answer.hits] if answer.abstained else []
        return data
    if streamed:
        print()
    else:
        print(answer.text)
    print()
    for c in answer.citations or []:
        page = f" 第 {c.page} 页" if c.page else ""
        print(f"[{c.n}] {c.title}{page} | {c.source or ''} {c.author or ''} {c.published or ''} {c.url or ''}")
        print(f"    {c.sentence}")
    if answer.abstained:
        for h in answer.hits[:3]:
            print(f"- {h.article.title} #{h.passage.position}: {h.passage.text[:120]}…")
    return None


def cmd_ask(args) -> int:
    data = _ask(_open(), args.question, args)
    if data is not None:
        _print_json(data)
    return 0


def cmd_chat(args) -> int:
    """A conversation: one question a line on standard input; a follow-up ("那情景B呢?") is made whole
    from the question before it."""
    from kb.chat import rewrite_followup

    kb = _open()
    previous = None
    interactive = sys.stdin.isatty() and not args.json
    while True:
        if interactive:
            print("? ", end="", flush=True)
        line = sys.stdin.readline()
        if not line:
            return 0
        question = line.strip()
        if not question:
            continue
        searched = rewrite_followup(question, previous)
        if searched != question and not args.json:
            print(f"({searched})")
        data = _ask(kb, question, args, searched=searched)
        if data is not None:
            _print_json(data)
        previous = searched


def cmd_eval(args) -> int:
    from kb.evaluate import evaluate, load_questions

    report = evaluate(_open(), load_questions(args.file), k=args.k, mode=args.mode, progress=not args.json)
    if args.json:
        _print_json(report)
        return 0
    for key, value in report.items():
        if key not in ("missed", "by_kind"):
            print(f"{key:>22}: {value}")
    if report.get("by_kind"):
        print(f"{'answer_hit by kind':>22}: " + ", ".join(f"{k} {v}" for k, v in report["by_kind"].items()))
    if report["missed"]:
        print("missed:")
        for q in report["missed"]:
            print(f"  - {q}")
    return 0


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2})?$")


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {number}")
    return number


def cmd_doctor(args) -> int:
    from kb.store.doctor import doctor_report

    report = doctor_report(Settings.from_env())
    if args.json:
        _print_json(report)
    else:
        for side in ("records", "vectors"):
            part = report[side]
            state = "reachable" if part["reachable"] else f"UNREACHABLE: {part.get('error')}"
            print(f"{side:<8} {part['backend']:<18} {part['location']}  {state}")
        records, vectors = report["records"], report["vectors"]
        if records["reachable"]:
            print(f"schema   {records['schema_version']} (this kb: {records['schema_known']})")
            print(f"counts   {records['articles']} articles, {records['passages']} passages, "
                  f"{records['keyword_rows']} keyword rows, {vectors.get('count', '?')} vectors")
        for problem in report["problems"]:
            print(f"problem  {problem}")
        print("ok" if report["ok"] else "not ok")
    if not (report["records"]["reachable"] and report["vectors"]["reachable"]):
        return 2
    return 0 if report["ok"] else 1


def cmd_migrate(args) -> int:
    from kb.store.migrate import copy_store

    settings = Settings.from_env()
    totals = copy_store(settings, args.to, args.chroma or settings.chroma_url,
                        progress=None if args.json else lambda done, total: print(
                            f"copied {done}/{total} articles", file=sys.stderr))
    if args.json:
        _print_json(totals)
    else:
        print(f"copied {totals['articles']} articles ({totals['passages']} passages; vectors: {totals['from_cache']} "
              f"from the embedding cache, {totals['from_chromadb']} from chromadb); {totals['skipped']} already there")
    return 0


def _date(value: str) -> str:
    if not _DATE.match(value.strip()):
        raise argparse.ArgumentTypeError(f"{value!r} is not a date: write YYYY-MM-DD")
    return value.strip()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kb", description="A knowledge base of Chinese articles, with cited answers.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="add files (.txt .md .html .pdf .docx), folders, URLs or RSS/Atom feed URLs")
    p.add_argument("inputs", nargs="+")
    p.add_argument("--json", action="store_true", help="one JSON record per article")
    p.add_argument("--script", choices=SCRIPTS, help="override script detection")
    p.add_argument("--progress", action="store_true", help="show the progress bar even when not on a terminal")
    p.add_argument("--batch-size", type=int, default=64,
                   help="articles embedded and committed together (an interruption loses at most one batch)")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("feeds", help="RSS/Atom subscriptions: add URL, list, remove URL, update")
    p.add_argument("action", choices=["add", "list", "remove", "update"])
    p.add_argument("url", nargs="?")
    p.add_argument("--json", action="store_true")
    p.add_argument("--max-fetches", type=_positive, default=30, help="linked pages fetched in one update at most")
    p.add_argument("--script", choices=SCRIPTS, help="override script detection")
    p.set_defaults(func=cmd_feeds)

    p = sub.add_parser("list", help="list the articles")
    p.add_argument("--json", action="store_true")
    p.add_argument("--source")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("show", help="an article's metadata and text")
    p.add_argument("article_id")
    p.add_argument("--json", action="store_true")
    p.add_argument("--original", action="store_true", help="the text in its original script")
    p.add_argument("--no-body", action="store_true")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("passages", help="stored passages")
    p.add_argument("article_id", nargs="?")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_passages)

    p = sub.add_parser("remove", help="remove an article and all its passages")
    p.add_argument("article_id")
    p.set_defaults(func=cmd_remove)

    for name, helptext, func in (("ask", "answer a question with citations", cmd_ask),
                                 ("chat", "a conversation: one question a line on standard input", cmd_chat)):
        p = sub.add_parser(name, help=helptext)
        if name == "ask":
            p.add_argument("question")
        p.add_argument("--k", type=_positive, default=5, help="passages to answer from (1 or more)")
        p.add_argument("--json", action="store_true")
        p.add_argument("--script", choices=SCRIPTS, help="answer script (default: the question's)")
        p.add_argument("--no-llm", action="store_true", help="extractive answer even when a model is configured")
        p.add_argument("--article")
        p.add_argument("--source")
        p.add_argument("--date-from", type=_date, help="YYYY-MM-DD")
        p.add_argument("--date-to", type=_date, help="YYYY-MM-DD")
        p.set_defaults(func=func)

    p = sub.add_parser("eval", help="retrieval and answer metrics on a JSONL question set")
    p.add_argument("file")
    p.add_argument("--k", type=_positive, default=10)
    p.add_argument("--mode", choices=["hybrid", "dense", "keyword"], default="hybrid")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("doctor", help="the backends in use, whether they answer, schema version and counts")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_doctor)

    p = sub.add_parser("migrate", help="copy the store of KB_HOME into PostgreSQL and a chromadb server")
    p.add_argument("--to", required=True, metavar="postgresql://…", help="the database the records go to")
    p.add_argument("--chroma", metavar="URL", help="the chromadb server the vectors go to (default: KB_CHROMA_URL)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_migrate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (IngestError, StoreError, ValueError) as exc:
        print(f"kb: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("kb: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
