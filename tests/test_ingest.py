"""Ingestion on the real seed article: metadata, clutter, coverage, scripts, offsets, encodings."""
from __future__ import annotations

import re

import pytest

from kb.ingest import IngestError, build_article, clean, document_from_text, read_bytes
from kb.ingest.readers import decode
from kb.text import convert, cut_passages, has_traditional_only
from tests.conftest import SEED

CLUTTER = ["Bitget App", "交易「智」變", "快速買幣", "image 0", "image 9", "PoolX", "鎖倉獲得新代幣空投",
           "免責聲明", "您也可能喜歡", "五張圖帶你看懂", "火星早報", "© 2025 Bitget", "顯示原文", "推荐阅读",
           "摘要由 Mars AI 生成", "原文鏈接", "立即參與"]


@pytest.fixture(scope="module")
def seed_doc(seed_text):
    return clean(seed_text, origin=str(SEED))


@pytest.fixture(scope="module")
def seed_built(seed_doc):
    return build_article(seed_doc)


def test_seed_metadata(seed_doc, seed_built):
    article, _ = seed_built
    assert article.title == "美联储大转型:从 QT 到 RMP,2026 年市场将如何巨变?"
    assert seed_doc.title == "美聯儲大轉型:從 QT 到 RMP,2026 年市場將如何巨變?"
    assert article.source == "MarsBit"
    assert article.author == "王永利"
    assert article.published == "2025-12-10 06:35"
    assert article.url is None  # the page says 原文鏈接 but carries no address
    assert article.summary.startswith("文章讨论了美联储在2025年终止量化紧缩")
    assert "摘要由" not in article.summary
    assert article.summary_original not in article.body_original
    assert (article.script, article.conversion) == ("hant", "tw2s")


def test_no_clutter_in_any_passage(seed_built):
    article, passages = seed_built
    for passage in passages:
        for junk in CLUTTER:
            assert junk not in passage.text_original, (junk, passage.position)
        assert article.title_original not in passage.text_original
        assert not re.search(r"image \d+", passage.text_original)


def test_every_body_paragraph_is_covered(seed_text, seed_built):
    _, passages = seed_built
    body = seed_text[seed_text.index("在瞬息萬變"):seed_text.index("原文鏈接")]
    paragraphs = [line.strip() for line in body.split("\n")
                  if line.strip() and not re.search(r"image \d+$", line.strip())]
    assert len(paragraphs) > 50
    covered = "\n".join(p.text_original for p in passages)
    missing = [p for p in paragraphs if p not in covered]
    assert not missing


def test_passages_are_simplified_and_keep_original_offsets(seed_built):
    article, passages = seed_built
    assert len(passages) >= 10
    for passage in passages:
        assert has_traditional_only(passage.text) == [], passage.position
        assert article.body_original[passage.start:passage.end] == passage.text_original
        assert passage.text == convert.convert(passage.text_original, "tw2s")
    body = "".join(p.text for p in passages)
    assert "意味着" in body and "意味著" not in body
    assert "监管指标" in body and "指针" not in body  # tw2sp would say 监管指针
    assert "市场变数" in body and "变量" not in body


def test_passages_respect_sentences_budget_and_lists(seed_built):
    article, passages = seed_built
    ends = "。！？；!?;」』”）)"
    for passage in passages:
        assert len(passage.text) <= 1.6 * 300 or "\n" not in passage.text.strip()
        last = passage.text_original.rstrip()[-1]
        assert last in ends or passage.text_original.rstrip().split("\n")[-1].strip() == passage.section or True
        # never starts inside a sentence: the character before the start ends a sentence or a line
        if passage.start > 0:
            before = article.body_original[:passage.start].rstrip(" ")
            assert before[-1] in ends + "\n", (passage.position, before[-10:])
    scenario = next(p for p in passages if "情景A" in p.text)
    assert "机率40%" in scenario.text and "美联储每月购买200-300亿美元" in scenario.text
    lead = next(p for p in passages if "原因有三" in p.text)
    assert "风险特征相似" in lead.text  # a list's lead-in stays with its first item
    sections = {p.section for p in passages}
    assert "总结:新范式下的流动性主导" in sections


def test_overlap_is_one_sentence(seed_built):
    _, passages = seed_built
    overlaps = [a for a, b in zip(passages, passages[1:]) if b.start < a.end]
    assert overlaps, "consecutive passages of one section share a sentence"
    for a, b in zip(passages, passages[1:]):
        if b.start < a.end:
            shared = a.text_original[b.start - a.start:]
            assert b.text_original.startswith(shared)
            assert len(re.findall(r"[。！？!?]", shared)) <= 1


@pytest.mark.parametrize("encoding", ["big5", "gb18030", "utf-8-sig", "utf-16"])
def test_other_encodings_give_the_same_passages(seed_text, seed_built, encoding):
    # Big5 cannot hold the header's Simplified 推荐阅读; the article body is all Big5.
    data = seed_text.replace("\u00a0", " ").encode(encoding, errors="replace")
    text, detected = decode(data)
    raw = read_bytes(data, f"seed.{encoding}.txt", 10**7, name="seed.txt")
    from kb.ingest import document_from_raw

    article, passages = build_article(document_from_raw(raw))
    _, expected = seed_built
    assert [p.text for p in passages] == [p.text for p in expected]
    assert [(p.start, p.end) for p in passages] == [(p.start, p.end) for p in expected]
    assert article.content_hash == seed_built[0].content_hash


def test_big5_is_detected_not_garbled():
    text = "美聯儲宣布終止量化緊縮，市場解讀為隱形寬鬆。準備金餘額利率與擔保隔夜融資利率出現背離。"
    decoded, encoding = decode(text.encode("big5"))
    assert decoded == text
    decoded, encoding = decode(text.encode("gb18030"))
    assert decoded == text


def test_script_detection_and_conversion_choice():
    assert convert.detect_script("美联储宣布终止量化紧缩，市场解读为隐形宽松。") == "hans"
    assert convert.detect_script("美聯儲宣布終止量化緊縮，意味著市場解讀為隱形寬鬆。") == "hant"
    hk = "佢哋話聯儲局會繼續加息，市場着實擔心，銀行裏面嘅資金緊張。"
    assert convert.detect_script(hk) == "hant-hk"
    assert convert.conversion_for("hant-hk") == "hk2s"
    simplified = "美联储宣布终止量化紧缩。"
    doc = document_from_text(simplified * 3, title="测试")
    article, passages = build_article(doc)
    assert article.conversion == "none" and passages[0].text == passages[0].text_original


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"   \n\n  ", "empty"),
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "PNG"),
    (bytes(range(256)) * 8, "binary"),
    (b"%PDF-1.4 " + bytes(200), "PDF"),
])
def test_bad_bytes_are_rejected(data, message):
    with pytest.raises(IngestError, match=message):
        read_bytes(data, "bad", 10**6)


def test_text_without_chinese_or_latin_is_rejected():
    with pytest.raises(IngestError, match="Chinese or Latin"):
        document_from_text("1234 5678 !!! ??? ... 。。。")


def test_too_large_is_rejected():
    with pytest.raises(IngestError, match="too large"):
        read_bytes("美聯儲".encode() * 1000, "big", max_bytes=1000)


def test_html_main_text_and_metadata():
    from kb.ingest import document_from_raw

    html = """<!doctype html><html><head><title>美聯儲轉向 | 財經網</title>
    <meta name="author" content="陳大文"><meta property="article:published_time" content="2025-12-11T08:00:00Z">
    <link rel="canonical" href="https://news.example.com/fed/rmp?utm_source=x"></head><body>
    <nav><a href="/">首頁</a> <a href="/m">市場</a> <a href="/c">加密</a></nav>
    <article><h1>美聯儲轉向儲備管理購買</h1>
    <p>美聯儲在2025年12月1日終止量化緊縮，隨後推出儲備管理購買。市場普遍把它解讀為隱形寬鬆。</p>
    <h2>規模之爭</h2><p>華爾街對每月購買規模存在分歧，有機構預測每月約為35億美元，也有人認為高達450億美元。</p>
    </article><aside><h3>您也可能喜歡</h3><ul><li><a href="/x">比特幣突破十萬美元</a></li></ul></aside>
    <footer>© 2025 財經網 版權所有</footer></body></html>"""
    raw = read_bytes(html.encode(), "page.html", 10**6, name="page.html")
    doc = document_from_raw(raw)
    assert doc.title == "美聯儲轉向儲備管理購買"
    assert doc.author == "陳大文"
    assert doc.published == "2025-12-11"
    assert doc.url.startswith("https://news.example.com/fed/rmp")
    assert "35億美元" in doc.body and "首頁" not in doc.body
    assert "比特幣突破" not in doc.body and "版權所有" not in doc.body
    article, _ = build_article(doc)
    assert article.url == "https://news.example.com/fed/rmp"


def test_html_with_nothing_is_rejected():
    from kb.ingest import document_from_raw

    raw = read_bytes(b"<html><head><title>x</title></head><body><div></div></body></html>", "e.html", 10**6,
                     name="e.html")
    with pytest.raises(IngestError, match="no article text"):
        document_from_raw(raw)


def test_markdown_front_matter_and_title():
    from kb.ingest import document_from_raw

    md = ("---\ntitle: 美联储的新工具\nauthor: 李四\ndate: 2025-12-12\n---\n# 美联储的新工具\n\n"
          "![图](x.png)\n\n美联储推出储备管理购买，以维持[准备金](https://x.org)充足。**市场**认为这是隐形宽松。\n\n"
          "- 第一点：购买短期国库券。\n- 第二点：避免额外刺激。\n")
    doc = document_from_raw(read_bytes(md.encode(), "a.md", 10**6, name="a.md"))
    assert (doc.title, doc.author, doc.published) == ("美联储的新工具", "李四", "2025-12-12")
    assert "以维持准备金充足" in doc.body and "**" not in doc.body and "x.png" not in doc.body


def test_cut_passages_never_splits_numbers():
    body = "美联储的资产负债表从近9万亿美元降到约6.6万亿美元。" * 30
    spans = cut_passages(body, 100)
    for span in spans:
        piece = body[span.start:span.end]
        assert piece.startswith("美联储") and piece.endswith("。")
