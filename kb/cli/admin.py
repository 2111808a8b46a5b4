"""Commands on the store itself: doctor, migrate."""
from __future__ import annotations

import sys

from kb.cli.common import _print_json
from kb.config import Settings


def cmd_doctor(args) -> int:
    from kb.store.doctor import doctor_report

    if args.repair:
        from tqdm import tqdm

        from kb.knowledge import KnowledgeBase
        from kb.store.repair import embed_sentences, repair_vectors, tag_passages

        knowledge = KnowledgeBase(Settings.from_env())
        store = knowledge.store
        restored, removed = repair_vectors(store)
        out = sys.stderr if args.json else sys.stdout
        print(f"repair   {restored} vectors restored from the embedding cache, {removed} stray vectors removed", file=out)
        with tqdm(desc="tagging", unit="passage", file=sys.stderr, leave=False) as bar:
            tagged = tag_passages(store, progress=bar.update)
        print(f"repair   {tagged} passages stored before their part-of-speech tags were kept: tagged", file=out)
        with tqdm(desc="embedding sentences", unit="sentence", file=sys.stderr, leave=False) as bar:
            embedded = embed_sentences(store, lambda: knowledge.embedder, progress=bar.update)
        print(f"repair   {embedded} sentences stored before kb embedded them: embedded", file=out)
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
        for note in report["notes"]:
            print(f"note     {note}")
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
