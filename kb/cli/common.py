"""What every command shares: opening the knowledge base, printing JSON, argument checks."""
from __future__ import annotations

import argparse
import json
import re

from kb.config import Settings

# Commands import what they need inside them: the reading ones (list, show, passages, remove) load no
# model, jieba, chromadb or trafilatura.


def _open():
    from kb.knowledge import KnowledgeBase

    return KnowledgeBase(Settings.from_env())


def _print_json(data) -> None:
    print(json.dumps(data, ensure_ascii=False))


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {number}")
    return number


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2})?$")


def _date(value: str) -> str:
    if not _DATE.match(value.strip()):
        raise argparse.ArgumentTypeError(f"{value!r} is not a date: write YYYY-MM-DD")
    return value.strip()
