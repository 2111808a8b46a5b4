"""PDF, Word and feeds on real files made here: the seed article typeset as a broker's PDF (running
header, footer, page numbers), the same pages as images only, a .docx of it, and an RSS feed served
from 127.0.0.1."""
from __future__ import annotations

import io
import json
import re
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kb.ingest import IngestError, build_article, clean, load_document
from kb.records import Citation
from tests.conftest import SEED
from tests.documents import BROKER, FOOTER, HEADER, find_cjk_font, make_docx, make_pdf, make_scanned_pdf

FONT = find_cjk_font()
needs_font = pytest.mark.skipif(FONT is None, reason="no CJK TrueType font (apt-get install fonts-wqy-microhei)")
TABLE = [["指標", "2024年", "2025年"], ["資產負債表(萬億美元)", "7.0", "6.6"]]


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def seed_article():
    """The text article as `kb ingest` makes it from corpus/: its cleaned Document and passages."""
    doc = clean(SEED.read_text(encoding="utf-8"), origin=str(SEED))
    article, passages = build_article(doc)
    return doc, article, passages


@pytest.fixture(scope="module")
def paragraphs(seed_article):
    doc, _, _ = seed_article
    return doc.body.split("\n")  # blank lines are paragraph gaps, leading spaces indents


@pytest.fixture(scope="module")
def seed_pdf(tmp_path_factory, seed_article, paragraphs):
    if FONT is None:
        pytest.skip("no CJK TrueType font (apt-get install fonts-wqy-microhei)")
    doc, _, _ = seed_article
    path = tmp_path_factory.mktemp("pdf") / "seed.pdf"
    pages = make_pdf(path, title=doc.title, author=doc.author, date=doc.published, paragraphs=paragraphs,
                     font_path=FONT)
    assert pages >= 2
    return path, pages


# -- PDF ---------------------------------------------------------------------------------------------

def test_pdf_passages_equal_the_text_article_and_carry_pages(seed_pdf, seed_article):
    path, pages = seed_pdf
    doc, article, passages = seed_article
    pdf_doc = load_document(path, max_bytes=10**8, timeout=5)
    assert pdf_doc.title == doc.title
    assert pdf_doc.author == "王永利"
    assert pdf_doc.published == "2025-12-10 06:35"  # printed on the first page, before the file's own date
    for clutter in (BROKER, HEADER, FOOTER, f"1 / {pages}"):
        assert clutter not in pdf_doc.body
    pdf_article, pdf_passages = build_article(pdf_doc)
    assert pdf_article.content_hash == article.content_hash  # the same text up to white space
    assert [_flat(p.text_original) for p in pdf_passages] == [_flat(p.text_original) for p in passages]
    # No stray spaces inside Chinese and no line broken inside a sentence.
    assert not re.search(r"[\u4e00-\u9fff] [\u4e00-\u9fff]", pdf_doc.body)
    assert [line for line in pdf_doc.body.split("\n") if line.strip()] == \
           [line for line in doc.body.split("\n") if line.strip()]
    numbers = [p.page for p in pdf_passages]
    assert numbers[0] == 1 and numbers[-1] == pages and numbers == sorted(numbers)
    assert set(numbers) == set(range(1, pages + 1))


def test_pdf_table_rows_are_lines_and_metadata_title_wins(tmp_path, paragraphs):
    if FONT is None:
        pytest.skip("no CJK TrueType font")
    path = tmp_path / "table.pdf"
    make_pdf(path, title="美聯儲資產負債表", author="研究員甲", date="2025-12-11", paragraphs=paragraphs[:12],
             font_path=FONT, table=TABLE)
    doc = load_document(path, max_bytes=10**8, timeout=5)
    lines = [line.strip() for line in doc.body.split("\n")]
    assert "指標  2024年  2025年" in lines
    assert "資產負債表(萬億美元)  7.0  6.6" in lines
    assert (doc.title, doc.author, doc.published) == ("美聯儲資產負債表", "研究員甲", "2025-12-11")


def test_pdf_in_the_store_passages_json_and_citation_pages(tmp_path, seed_pdf, capsys, monkeypatch):
    from kb.cli import main

    path, pages = seed_pdf
    monkeypatch.setenv("KB_HOME", str(tmp_path / "kb"))
    note = tmp_path / "note.txt"
    note.write_text("筆記\n\n回購市場的流動性緊張在年底前後最為明顯，這是市場參與者都熟悉的季節性現象。\n", encoding="utf-8")
    assert main(["ingest", str(path), str(note), "--json"]) == 0
    assert [json.loads(line)["status"] for line in capsys.readouterr().out.splitlines()] == ["added", "added"]
    # The text article is the PDF's text: the same article (identity hashes the text, not its form).
    assert main(["ingest", str(SEED), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "unchanged"
    assert main(["passages", "--json"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    by_article: dict[str, list] = {}
    for record in records:
        by_article.setdefault(record["article_id"], []).append(record["page"])
    assert sorted(str(sorted(set(p), key=str)) for p in by_article.values()) == \
           sorted([str(list(range(1, pages + 1))), "[None]"])  # the note has no pages
    assert main(["ask", "RMP的購買規模有多大?", "--json", "--no-llm"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["citations"] and all("page" in c for c in answer["citations"])
    pdf_pages = [c["page"] for c in answer["citations"] if c["page"] is not None]
    assert pdf_pages and all(1 <= p <= pages for p in pdf_pages)
    assert main(["ask", "RMP的購買規模有多大?", "--no-llm"]) == 0
    assert re.search(r"第 \d+ 页", capsys.readouterr().out)


def test_citation_record_has_a_page():
    assert "page" in Citation.__dataclass_fields__


def test_scanned_pdf_is_refused(tmp_path, paragraphs):
    if FONT is None:
        pytest.skip("no CJK TrueType font")
    path = tmp_path / "scan.pdf"
    make_scanned_pdf(path, lines=paragraphs, font_path=FONT)
    with pytest.raises(IngestError, match="no text layer.*OCR") as caught:
        load_document(path, max_bytes=10**8, timeout=5)
    assert caught.value.code == "pdf_no_text"


def test_encrypted_truncated_and_fake_pdfs_are_refused(tmp_path, fresh_kb, seed_pdf):
    from pypdf import PdfReader, PdfWriter

    path, _ = seed_pdf
    writer = PdfWriter()
    for page in PdfReader(path).pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner")
    locked = tmp_path / "locked.pdf"
    with locked.open("wb") as handle:
        writer.write(handle)
    data = path.read_bytes()
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(data[: len(data) // 2])
    damaged = tmp_path / "damaged.pdf"
    damaged.write_bytes(data[:2000] + bytes(5000) + data[-1500:])
    fake = tmp_path / "fake.pdf"
    fake.write_text("美聯儲 這不是 PDF", encoding="utf-8")
    results = list(fresh_kb.ingest([locked, truncated, damaged, fake]))
    assert [(r.status, r.code) for r in results] == [("rejected", "pdf_encrypted"), ("rejected", "pdf_invalid"),
                                                     ("rejected", "pdf_invalid"), ("rejected", "pdf_invalid")]
    assert "password" in results[0].reason and "truncated" in results[1].reason
    assert all("\n" not in r.reason for r in results)
    assert fresh_kb.stats() == (0, 0)


# -- Word --------------------------------------------------------------------------------------------

def _headings(paragraphs: list[str]) -> set[int]:
    """The seed's section headings: short lines without a sentence end."""
    return {i for i, p in enumerate(paragraphs) if p.strip() and not p.startswith(" ") and len(p) < 40
            and not re.search(r"[。！？!?:：]$", p)}


def test_docx_passages_equal_the_text_article(tmp_path, seed_article, paragraphs, fresh_kb):
    doc, article, passages = seed_article
    path = tmp_path / "seed.docx"
    make_docx(path, title=doc.title, author="王永利", date="2025-12-10T06:35:00", paragraphs=paragraphs,
              headings=_headings(paragraphs))
    word = load_document(path, max_bytes=10**8, timeout=5)
    assert (word.title, word.author, word.published) == (doc.title, "王永利", "2025-12-10 06:35")
    word_article, word_passages = build_article(word)
    assert [_flat(p.text_original) for p in word_passages] == [_flat(p.text_original) for p in passages]
    assert all(p.page is None for p in word_passages)
    [result] = fresh_kb.ingest([path])
    assert result.status == "added" and result.passages == len(passages)


def test_docx_headings_and_tables_are_lines(tmp_path):
    path = tmp_path / "table.docx"
    make_docx(path, title="資產負債表", author="研究員乙", date="2025-12-11T00:00:00",
              paragraphs=["美聯儲的資產負債表在三年內大幅收縮，流動性從市場中消失。", "規模之謎", "華爾街對購買規模存在分歧。"],
              headings={1}, table=TABLE)
    doc = load_document(path, max_bytes=10**8, timeout=5)
    lines = [line.strip() for line in doc.body.split("\n") if line.strip()]
    assert lines == ["美聯儲的資產負債表在三年內大幅收縮，流動性從市場中消失。", "指標  2024年  2025年",
                     "資產負債表(萬億美元)  7.0  6.6", "規模之謎", "華爾街對購買規模存在分歧。"]
    assert doc.published == "2025-12-11"


def test_zip_renamed_docx_is_refused(tmp_path, fresh_kb):
    path = tmp_path / "notes.docx"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "美聯儲終止量化緊縮。")
    path.write_bytes(buffer.getvalue())
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"PK\x03\x04" + bytes(300))
    results = list(fresh_kb.ingest([path, broken]))
    assert [(r.status, r.code) for r in results] == [("rejected", "docx_invalid")] * 2
    assert "word/document.xml" in results[0].reason and "\n" not in results[0].reason
    assert fresh_kb.stats() == (0, 0)


# -- feeds -------------------------------------------------------------------------------------------

class _FeedServer:
    """An RSS feed and its pages on 127.0.0.1, in a thread; it records each request's headers."""

    def __init__(self, paragraphs: list[str]) -> None:
        body = [p.strip() for p in paragraphs if p.strip()]
        full = "".join(f"<p>{p}</p>" for p in body[:8])
        page = ("<!doctype html><html><head><title>RMP規模之謎</title></head><body><nav><a href='/'>首頁</a></nav>"
                "<article><h1>RMP規模之謎</h1>" + "".join(f"<p>{p}</p>" for p in body[20:32])
                + "</article><footer>© 2025 財經網</footer></body></html>")
        self.requests: list[tuple[str, dict]] = []
        self.etag, self.modified = '"feed-v1"', "Wed, 10 Dec 2025 06:35:00 GMT"
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                outer.requests.append((self.path, dict(self.headers)))
                if self.path == "/feed.xml":
                    if self.headers.get("If-None-Match") == outer.etag:
                        self.send_response(304)
                        self.end_headers()
                        return
                    self._send(outer.feed().encode(), "application/rss+xml; charset=utf-8",
                               {"ETag": outer.etag, "Last-Modified": outer.modified})
                elif self.path == "/a/page.html":
                    self._send(page.encode(), "text/html; charset=utf-8")
                elif self.path == "/not-a-feed":
                    self._send(page.encode(), "text/html; charset=utf-8")
                elif self.path == "/garbage.xml":
                    self._send(b"<?xml version='1.0'?><data><row>1</row><row", "application/xml")
                else:
                    self.send_error(404)

            def _send(self, data: bytes, content_type: str, headers: dict | None = None) -> None:
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.full = full
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def feed(self) -> str:
        return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>財經網 宏觀</title><link>{self.base}/</link><description>宏觀</description>
<item><title>美聯儲大轉型</title><link>{self.base}/a/full</link><dc:creator>王永利</dc:creator>
<pubDate>Wed, 10 Dec 2025 06:35:00 GMT</pubDate><description>美聯儲終止QT。</description>
<content:encoded><![CDATA[{self.full}]]></content:encoded></item>
<item><title>RMP規模之謎</title><link>{self.base}/a/page.html</link><dc:creator>陳大文</dc:creator>
<pubDate>Thu, 11 Dec 2025 08:00:00 GMT</pubDate><description>華爾街的分歧。</description></item>
<item><title>已刪除的文章</title><link>{self.base}/a/missing</link>
<pubDate>Fri, 12 Dec 2025 08:00:00 GMT</pubDate><description>找不到。</description></item>
</channel></rss>"""

    def __enter__(self) -> "_FeedServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_feed_update_adds_new_items_and_asks_conditionally(fresh_kb, paragraphs):
    with _FeedServer(paragraphs) as server:
        url = server.base + "/feed.xml"
        feed = fresh_kb.add_feed(url)
        assert (feed["title"], feed["items"], feed["added"]) == ("財經網 宏觀", 3, True)
        assert [f["url"] for f in fresh_kb.feeds()] == [url]
        seen = []
        [update] = fresh_kb.update_feeds(progress=lambda done, total, result: seen.append((done, total)))
        assert update.status == "updated" and seen == [(1, 3), (2, 3), (3, 3)]
        statuses = {r.origin: (r.status, r.code) for r in update.results}
        assert statuses == {server.base + "/a/full": ("added", None), server.base + "/a/page.html": ("added", None),
                            server.base + "/a/missing": ("rejected", "http_status")}
        by_title = {a.title: a for a in fresh_kb.articles()}
        full = by_title["美联储大转型"]
        assert (full.author, full.published, full.url) == ("王永利", "2025-12-10 06:35", server.base + "/a/full")
        page = by_title["RMP规模之谜"]
        assert (page.author, page.published, page.url) == ("陳大文", "2025-12-11 08:00", server.base + "/a/page.html")
        assert "首頁" not in fresh_kb.article(page.id).body_original
        fetched_pages = [path for path, _ in server.requests if path.startswith("/a/")]
        assert fetched_pages == ["/a/page.html", "/a/missing"]  # the full-content item needs no fetch

        server.requests.clear()
        [again] = fresh_kb.update_feeds()
        assert again.status == "not_modified" and again.results == []
        [(path, headers)] = server.requests
        assert path == "/feed.xml"
        assert headers.get("If-None-Match") == server.etag and headers.get("If-Modified-Since") == server.modified
        assert fresh_kb.stats()[0] == 2

        # A changed feed (new ETag) is read again; the stored items are found by their link, not fetched.
        server.etag = '"feed-v2"'
        server.requests.clear()
        [third] = fresh_kb.update_feeds()
        assert third.status == "updated" and third.known == 2
        assert [r.origin for r in third.results] == [server.base + "/a/missing"]
        assert fresh_kb.remove_feed(url) and fresh_kb.feeds() == []


def test_ingest_a_feed_url_and_refuse_what_is_no_feed(fresh_kb, paragraphs, capsys, monkeypatch, tmp_path):
    from kb.cli import main

    with _FeedServer(paragraphs) as server:
        results = list(fresh_kb.ingest([server.base + "/feed.xml"]))
        assert [r.status for r in results] == ["added", "added", "rejected"]
        for bad, words in (("/not-a-feed", "web page"), ("/garbage.xml", "not RSS or Atom")):
            with pytest.raises(IngestError, match=words) as caught:
                fresh_kb.add_feed(server.base + bad)
            assert caught.value.code == "feed_invalid" and "\n" not in str(caught.value)
        assert fresh_kb.feeds() == []
        monkeypatch.setenv("KB_HOME", str(tmp_path / "cli"))
        assert main(["feeds", "add", server.base + "/not-a-feed"]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "web page" in err
        assert main(["feeds", "add", server.base + "/feed.xml"]) == 0
        assert main(["feeds", "update"]) == 1 - 1  # per-item errors are reported, not a failed run
        out = capsys.readouterr()
        assert "added 2" in out.out and "rejected  " + server.base + "/a/missing" in out.err
        assert main(["feeds", "update"]) == 0
        assert "not modified" in capsys.readouterr().out
        assert main(["feeds", "list", "--json"]) == 0
        [listed] = json.loads(capsys.readouterr().out)
        assert listed["url"] == server.base + "/feed.xml" and listed["etag"] == server.etag
