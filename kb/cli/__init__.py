"""Command line: a thin layer over KnowledgeBase (`kb ...` or `python -m kb ...`).

    common.py     opening the knowledge base, JSON, argument checks
    library.py    ingest, feeds, list, show, passages, remove
    questions.py  ask, chat, eval
    admin.py      doctor, migrate
"""
from __future__ import annotations

import argparse
import sys
from typing import Sequence

from kb.cli.admin import cmd_doctor, cmd_migrate
from kb.cli.common import _date, _positive
from kb.cli.library import cmd_feeds, cmd_ingest, cmd_list, cmd_passages, cmd_remove, cmd_show
from kb.cli.questions import cmd_ask, cmd_chat, cmd_eval
from kb.ingest.errors import IngestError
from kb.records import SCRIPTS
from kb.store.errors import StoreError


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
    p.add_argument("--repair", action="store_true",
                   help="restore vectors missing from chromadb (from the embedding cache), remove stray ones, "
                        "tag passages stored before kb kept their part-of-speech tags, embed their sentences")
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
