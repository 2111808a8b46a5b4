"""Commands that ask: ask, chat, eval."""
from __future__ import annotations

import sys

from kb.cli.common import _open, _print_json


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
    from kb.retrieve.question import EmptyQuestion

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
        try:
            data = _ask(kb, question, args, searched=searched)
        except EmptyQuestion as exc:  # one line said, and the conversation goes on
            print(f"kb: {exc}", file=sys.stderr)
            continue
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
