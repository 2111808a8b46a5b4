"""The Streamlit app (app.py) driven by streamlit.testing.v1.AppTest on a real store and the real model.

Each test gets its own KB_HOME: a copy of a store that holds the seed article (ingested once per
module by the command line, so nothing of it stays open in this process).
"""
from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kb.chat import is_followup
from kb.records import IngestResult
from ui.add import ingest_uploads
from ui.render import (REJECTIONS, answer_html, escape_text, explain_rejection, explain_result, highlight_html,
                       link_html, original_span, safe_url)
from ui.session import open_knowledge_base

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
SEED = ROOT / "corpus" / "marsbit-2025-12-10-fed-qt-to-rmp.zh-Hant.txt"
SEED_TITLE = "美联储大转型"
TIMEOUT = 180  # seconds for one script run: the first one loads the model; the machine is shared


def _load_app_module():
    spec = importlib.util.spec_from_file_location("kb_streamlit_app", APP)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


app = _load_app_module()  # app.py imports by file path too (its pure helpers live in ui/)


# -- fixtures ------------------------------------------------------------------------------------

def _clean_env(monkeypatch, home: Path) -> None:
    monkeypatch.setenv("KB_HOME", str(home))
    for name in ("KB_LLM_BASE_URL", "KB_LLM_MODEL", "KB_LLM_API_KEY", "KB_MAX_FILE_BYTES", "KB_CHROMA_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def seeded_template(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("seeded-template")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    env["KB_HOME"] = str(home)
    done = subprocess.run([sys.executable, "-m", "kb", "ingest", str(SEED)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return home


@pytest.fixture
def home(seeded_template, tmp_path, monkeypatch) -> Path:
    target = tmp_path / "kb"
    shutil.copytree(seeded_template, target)
    _clean_env(monkeypatch, target)
    return target


def start(page: str = "chat") -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    assert not at.exception, [e.value for e in at.exception]
    if page != "chat":
        go(at, page)
    return at


def go(at: AppTest, page: str) -> None:
    at.segmented_control(key="page").set_value(page).run()
    assert not at.exception, [e.value for e in at.exception]


def ask(at: AppTest, question: str) -> None:
    at.chat_input(key="question").set_value(question).run()
    assert not at.exception, [e.value for e in at.exception]


def texts(at: AppTest) -> list[str]:
    """Every string the page renders as Markdown or HTML: the bodies of Markdown, caption, alert,
    heading and HTML elements, and every label (widget, expander, tab), in the main area and sidebar."""
    from streamlit.testing.v1.element_tree import AlertBase, HeadingBase, Html, Markdown

    out: list[str] = []
    for root in (at.main, at.sidebar):
        for node in root:
            if isinstance(node, (Markdown, AlertBase, HeadingBase, Html)):
                out.append(str(node.value))
            for attr in ("label", "help", "placeholder"):
                try:
                    value = getattr(node, attr)
                except Exception:  # elements without that field
                    continue
                if isinstance(value, str):
                    out.append(value)
    return out


def submit(at: AppTest, label: str) -> None:
    button = next(b for b in at.button if b.label == label)
    button.click().run()
    assert not at.exception, [e.value for e in at.exception]


def last_answer(at: AppTest):
    record = at.session_state["messages"][-1]
    assert record["role"] == "assistant" and not record.get("error"), record
    return record["answer"]


def test_is_followup():
    # The app rewrites follow-ups with kb.chat (moved there from app.py in 38fea89).
    import ui.chat

    assert ui.chat.rewrite_followup is __import__("kb.chat", fromlist=["x"]).rewrite_followup
    for q in ("那情景B呢?", "那么B呢", "而日本呢?", "还有呢?", "還有情景C?", "情景B?", "RMP呢"):
        assert is_followup(q), q
    for q in ("美联储什么时候终止QT?", "RMP的规模大概有多大?", ""):
        assert not is_followup(q), q


# -- safe rendering helpers ----------------------------------------------------------------------

def test_escape_and_highlight_are_inert():
    hostile = '<script>alert(1)</script> [点我](javascript:alert(1)) **粗** :red[x] $x$'
    out = escape_text(hostile)
    for raw in ("<", ">", "[", "]", "(", ")", "*", ":", "$"):
        assert raw not in out
    assert "点我" in out and "alert" in out
    html = highlight_html("前文。" + hostile + "后文。", 3, 3 + len(hostile))
    assert "<mark>" in html and "<script" not in html and "](javascript:" not in html
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("data:text/html,x") is None
    assert safe_url("https://example.com/a?b=1") == "https://example.com/a?b=1"
    assert 'href="https://example.com/a"' in link_html("https://example.com/a")
    assert "href" not in link_html("javascript:alert(1)")
    assert answer_html("答案[1]。").count('class="kb-cite"') == 1
    # The short answer that leads an answer is bold; the same marks elsewhere stay inert text.
    html = answer_html("**2025年** 2025年12月1日,QT计划终止[1]", short=True)
    assert html.count('class="kb-short"') == 1 and "*" not in html and "&#42;" not in html
    assert 'class="kb-short"' not in answer_html("**2025年** 终止[1]") and "&#42;" in answer_html("**2025年** 终止[1]")


def test_original_span_finds_the_sentence_when_lengths_differ():
    from kb.records import Citation

    simplified = "美联储宣布终止QT。其他内容。"
    original = "※美聯儲宣布終止QT。其他內容。"  # one character longer: offsets do not carry over
    c = Citation(n=1, article_id="x", title="t", source=None, author=None, published=None, url=None,
                 passage=simplified, passage_original=original, sentence="美联储宣布终止QT。",
                 sentence_original=original, sentence_start=0, position=0, score=1.0)
    start, end = original_span(c)
    assert original[start:end] == "美聯儲宣布終止QT。"
    same = Citation(**{**c.__dict__, "passage_original": "美聯儲宣布終止QT。其他內容。",
                       "sentence_original": "美聯儲宣布終止QT。"})
    assert original_span(same) == (0, len("美聯儲宣布終止QT。"))


def test_rejections_are_said_in_chinese_from_their_codes():
    from kb.ingest.errors import CODES

    explain = explain_rejection
    assert "PNG" in explain("binary", {"kind": "png"}, "not a text file: it looks like a PNG image")
    assert explain("empty", {}, "empty input") == "内容为空"
    assert explain("too_large", {"size": 3000, "limit": 2000}) == "文件太大(3,000 字节,上限 2,000 字节)"
    assert "FIFO" in explain("not_regular_file", {"path": "/tmp/p", "kind": "fifo"})
    # An unknown code, a missing or ill-typed param: the English reason, never a crash.
    assert explain("something_new", {}, "something new") == "something new"
    assert explain("too_large", {"limit": 2000}, "too large: over 2,000 bytes") == "too large: over 2,000 bytes"
    assert explain("too_large", {"size": "many", "limit": 2000}, "too large") == "too large"
    assert explain(None, {}, None) == "原因不明"
    # Every code the library can give has its Chinese words ("rejected" says nothing more than the reason).
    assert set(CODES) - set(REJECTIONS) == {"rejected"}
    result = IngestResult("x.gif", "rejected", reason="not a text file: it looks like a GIF image",
                          code="binary", params={"kind": "gif"})
    assert explain_result(result) == "不是文本文件(看起来是GIF 图片),只支持 txt、md、html、pdf、docx"


# -- the app -------------------------------------------------------------------------------------

def test_question_gets_a_cited_answer(home):
    at = start()
    assert "有什么想问的" in " ".join(texts(at))
    ask(at, "美联储什么时候终止QT?")
    answer = last_answer(at)
    assert not answer.abstained
    assert "2025年12月1日" in answer.text and "[1]" in answer.text
    assert any("2025年12月1日" in c.passage for c in answer.citations)

    rendered = [m.value for m in at.markdown]
    shown = next(v for v in rendered if 'class="kb-answer"' in v and "kb-cite" in v)
    assert "2025年12月1日" in shown and "&#91;1&#93;" in shown
    # The cited sentence is highlighted in the passage, in Simplified and in the original script.
    marked = [v for v in rendered if "<mark>" in v]
    assert any("2025年12月1日" in v and "QT计划终止" in v for v in marked)
    assert any("QT計劃終止" in v for v in marked)
    labels = [e.label for e in at.expander]
    assert any(label.startswith("&#91;1&#93;") and SEED_TITLE in label for label in labels)
    assert any("王永利" in v and "MarsBit" in v for v in rendered)  # author and source under the answer
    # A year question's short answer leads the answer in bold, as the command line's **2025年** does.
    ask(at, "QT在哪一年结束?")
    assert last_answer(at).short == "2025年"
    shown = [m.value for m in at.markdown if 'class="kb-answer"' in m.value][-1]
    assert '<b class="kb-short">2025年</b>' in shown and "&#42;" not in shown


def test_followup_question_carries_the_subject(home):
    at = start()
    ask(at, "情景A的机率是多少?")
    assert "40%" in last_answer(at).text
    ask(at, "那情景B呢?")
    user = at.session_state["messages"][-2]
    assert user["content"] == "那情景B呢?" and user["effective"] == "情景B的机率是多少?"
    assert "35%" in last_answer(at).text
    assert any("结合上文理解为" in v and "情景B的机率是多少" in v for v in texts(at))
    assert len(at.chat_message) == 4  # the whole conversation stays on the page


def test_no_answer_shows_the_nearest_passages(home):
    at = start()
    ask(at, "如何烤制法式面包?")
    answer = last_answer(at)
    assert answer.abstained
    assert any("知识库中没有找到" in v for v in texts(at))
    assert any("最接近的段落" in v for v in texts(at))
    assert any(SEED_TITLE in e.label for e in at.expander)


def test_a_question_without_words_is_said_so(home):
    # Empty or white space never reaches kb (the input is stripped); punctuation alone used to be
    # answered with the passage nearest to nothing.
    at = start()
    ask(at, "？？！")
    record = at.session_state["messages"][-1]
    assert "answer" not in record, record
    assert [w.value for w in at.warning] and "没有可以检索的字词" in at.warning[0].value
    assert not any("知识库中没有找到" in v for v in texts(at)) and not any(SEED_TITLE in e.label for e in at.expander)


ARTICLE = """台积电宣布在高雄新建晶圆厂

台积电今天宣布,将在高雄投资新建一座二纳米晶圆厂,预计在2027年第三季度开始量产。
这座工厂的总投资金额约为新台币一万亿元,将创造大约八千个就业岗位。
公司表示,新厂主要服务人工智能芯片客户,产能将在三年内逐步提升。
分析师认为,这项投资将进一步巩固台积电在先进制程上的领先地位。
"""


def test_upload_is_ingested_and_listed(home):
    at = start("add")
    at.file_uploader(key="upload_files").set_value([("tsmc.md", ARTICLE.encode("utf-8"), "text/markdown")])
    submit(at, "导入文件")
    assert any("已添加" in s.value and "台积电" in s.value for s in at.success), [s.value for s in at.success]
    assert not at.error

    go(at, "library")
    table = at.dataframe[0].value
    assert len(table) == 2
    assert any("台积电" in title for title in table["标题"])
    assert set(table.columns) >= {"标题", "来源", "作者", "发布日期", "段落", "添加时间"}

    # The same file again is "unchanged"; the question finds the new article.
    go(at, "add")
    at.file_uploader(key="upload_files").set_value([("tsmc.md", ARTICLE.encode("utf-8"), "text/markdown")])
    submit(at, "导入文件")
    assert any("未变化" in i.value for i in at.info)
    go(at, "chat")
    ask(at, "台积电的高雄新厂预计什么时候量产?")
    assert "2027年第三季度" in last_answer(at).text


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(256)) * 4


def test_bad_uploads_show_errors_and_the_page_keeps_working(home, monkeypatch):
    monkeypatch.setenv("KB_MAX_FILE_BYTES", "3000")
    at = start("add")
    at.file_uploader(key="upload_files").set_value([
        ("logo.png", PNG, "image/png"),
        ("renamed.txt", PNG, "text/plain"),
        ("empty.txt", b"", "text/plain"),
        ("big.txt", ("很长的文章。" * 400).encode("utf-8"), "text/plain"),
    ])
    submit(at, "导入文件")
    errors = [e.value for e in at.error]
    assert len(errors) == 4, errors
    assert sum("不是文本文件" in e and "PNG" in e for e in errors) == 2
    assert any("empty" in e and "内容为空" in e for e in errors)
    assert any("big" in e and "文件太大" in e for e in errors)
    assert not at.success

    # Nothing was added and the app still answers.
    go(at, "library")
    assert len(at.dataframe[0].value) == 1
    go(at, "chat")
    ask(at, "美联储什么时候终止QT?")
    assert "2025年12月1日" in last_answer(at).text


def test_ingest_uploads_never_raises(home):
    kb = open_knowledge_base()  # the app's own opener (cached per KB_HOME), on this test's store
    assert kb.settings.home == home
    results = ingest_uploads(kb, [("a.txt", b"\x00\x01\x02binary"), ("b.html", b"   ")])
    assert [r.status for r in results] == ["rejected", "rejected"]
    assert all(r.reason for r in results)
    seen = []
    results = ingest_uploads(kb, [("c.txt", ARTICLE.encode("utf-8"))],
                             progress=lambda done, total, r: seen.append((done, total, r.status)))
    assert seen == [(1, 1, "added")]


def test_remove_asks_for_confirmation(home):
    at = start("library")
    assert len(at.dataframe[0].value) == 1
    at.text_input(key="library_query").set_value("没有这个标题").run()
    assert len(at.dataframe[0].value) == 0
    at.text_input(key="library_query").set_value("王永利").run()  # author
    assert len(at.dataframe[0].value) == 1
    at.selectbox(key="library_open").select_index(1).run()
    assert any(SEED_TITLE in s.value for s in at.subheader)

    at.button(key="delete_article").click().run()
    assert any("确定要删除" in w.value for w in at.warning)
    at.button(key="confirm_delete_no").click().run()  # cancel: still there
    assert not at.warning
    assert len(at.dataframe[0].value) == 1

    at.button(key="delete_article").click().run()
    at.button(key="confirm_delete_yes").click().run()
    assert not at.exception
    assert any("已删除" in s.value for s in at.success)
    assert any("知识库还是空的" in i.value for i in at.info)
    assert not at.dataframe
    go(at, "chat")
    assert any("0 篇文章" in c.value for c in at.sidebar.caption)


HOSTILE_TITLE = "<script>alert('t')</script>危险标题"
HOSTILE_BODY = """黑天鹅基金季度报告

黑天鹅基金在2024年3月5日发布了季度报告,报告显示基金规模增长了百分之十二。
报告正文夹带了一段脚本<script>alert(1)</script>以及一个链接[点我](javascript:alert(1))作为测试。
<img src=x onerror=alert(2)>基金经理表示,下一季度将继续增持科技股。
"""


def _assert_inert(strings: list[str]) -> None:
    for s in strings:
        low = s.lower()
        assert "<script" not in low, s
        assert "<img" not in low, s
        assert not re.search(r"\]\(\s*javascript:", low), s
        assert "javascript:" not in low, s  # not even as plain text: the colon is an entity
        assert 'href="javascript' not in low, s


def test_hostile_article_renders_inert(home):
    at = start("add")
    # A javascript: link is refused as the article's link.
    at.text_input(key="paste_title").set_value(HOSTILE_TITLE)
    at.text_input(key="paste_url").set_value("javascript:alert(1)")
    at.text_area(key="paste_text").set_value(HOSTILE_BODY)
    submit(at, "添加到知识库")
    assert any("http" in w.value for w in at.warning)

    at.text_input(key="paste_title").set_value(HOSTILE_TITLE)
    at.text_input(key="paste_url").set_value("https://example.com/black-swan")
    at.text_area(key="paste_text").set_value(HOSTILE_BODY)
    submit(at, "添加到知识库")
    assert any("已添加" in s.value for s in at.success), [e.value for e in at.error]
    _assert_inert(texts(at))

    # Library: the table and the article in both scripts.
    go(at, "library")
    ids = at.selectbox(key="library_open").options
    hostile = next(i for i, label in enumerate(ids) if "危险标题" in label)
    at.selectbox(key="library_open").select_index(hostile).run()
    body = " ".join(texts(at))
    assert "&#60;script&#62;" in body and "点我" in body  # shown, as text
    _assert_inert(texts(at))
    opened = at.session_state["library_open"]
    at.segmented_control(key=f"article_script_{opened}").set_value("original").run()
    assert not at.exception
    _assert_inert(texts(at))
    links = at.dataframe[0].value["原文"]  # only http(s) links are ever clickable in the table
    assert list(links.dropna()) == ["https://example.com/black-swan"]
    assert any(e.label.startswith("检索段落") for e in at.expander)

    # Chat: the cited passage holds the script and the link, rendered inert.
    go(at, "chat")
    ask(at, "黑天鹅基金的季度报告显示基金规模增长了多少?")
    answer = last_answer(at)
    assert not answer.abstained and "百分之十二" in answer.text
    assert any("<mark>" in m.value for m in at.markdown)
    _assert_inert(texts(at))
    links = [m.value for m in at.markdown if "href=" in m.value]
    assert links and all('href="https://example.com/black-swan"' in v for v in links)


# -- a language model entered for the session --------------------------------------------------------


def test_session_language_model_streams_the_answer(home):
    from tests.fake_llm import FakeLLM

    fake = FakeLLM()
    fake.reply("美联储", "宣布QT计划", "在2025年12月1日终止", "[1]。", models=["fake-model"])
    try:
        at = start()
        assert any("未配置" in c.value for c in at.sidebar.caption)
        at.text_input(key="llm_url").set_value(fake.base_url)
        at.text_input(key="llm_model").set_value("fake-model")
        at.run()
        assert any("本会话使用" in c.value for c in at.sidebar.caption)
        assert at.toggle(key="use_llm").value is True
        ask(at, "美联储什么时候终止QT?")
        answer = last_answer(at)
        assert fake.requests and fake.chat["json"].get("model") == "fake-model"
        assert answer.generated_by == "llm:fake-model"
        assert "2025年12月1日" in answer.text and "[1]" in answer.text
        assert answer.citations and "2025年12月1日" in answer.citations[0].passage
        assert any("fake&#45;model" in c.value for c in at.caption)

        # Switched off for the session: the extractive answer, and no new request.
        sent = len(fake.requests)
        at.toggle(key="use_llm").set_value(False).run()
        ask(at, "美联储什么时候终止QT?")
        assert last_answer(at).generated_by == "extractive"
        assert len(fake.requests) == sent
    finally:
        fake.close()


HTML_ARTICLE = """<!doctype html><html><head><meta charset="utf-8"><title>央行数字货币试点扩大</title>
<meta name="author" content="李明"></head><body><article><h1>央行数字货币试点扩大</h1>
<p>中国人民银行宣布,数字人民币试点城市将在明年扩大到三十个。</p>
<p>试点内容包括跨境支付和智能合约,首批参与的商业银行共有十家。</p>
<p>专家认为,这一举措将加快数字人民币的普及,并提升支付体系的效率。</p>
</article></body></html>"""


@contextmanager
def serving(pages: Callable[[str, str], tuple[str, str] | None], requests: list[str] | None = None) -> Iterator[str]:
    """A local HTTP server answering GET with `pages(base, path)` ((text, content type), or None for a
    404), each path noted in `requests`; yields its base URL and stops with the block."""
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            if requests is not None:
                requests.append(self.path)
            page = pages(base, self.path)
            if page is None:
                self.send_error(404)
                return
            body = page[0].encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", page[1])
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()


def test_url_is_fetched_and_ingested(home):
    page = {"/ecny.html": (HTML_ARTICLE, "text/html; charset=utf-8")}
    with serving(lambda base, path: page.get(path)) as base:
        at = start("add")
        at.text_input(key="ingest_url").set_value("ftp://example.com/x")
        submit(at, "抓取并添加")
        assert any("http" in w.value for w in at.warning)

        at.text_input(key="ingest_url").set_value(f"{base}/missing.html")
        submit(at, "抓取并添加")
        assert any("无法获取网页" in e.value and "404" in e.value for e in at.error)

        at.text_input(key="ingest_url").set_value(f"{base}/ecny.html")
        submit(at, "抓取并添加")
        assert any("已添加" in s.value and "数字货币" in s.value for s in at.success), [e.value for e in at.error]
        go(at, "library")
        table = at.dataframe[0].value
        row = table[table["标题"].str.contains("数字货币")]
        assert len(row) == 1 and row["原文"].iloc[0] == f"{base}/ecny.html"


def test_sidebar_settings_apply_to_answers(home):
    at = start()
    at.segmented_control(key="answer_script").set_value("hant").run()
    ask(at, "美联储什么时候终止QT?")
    answer = last_answer(at)
    assert answer.script == "hant" and "2025年12月1日" in answer.text and "計劃" in answer.text

    # A date range that excludes the only article: nothing to cite, and the page says so.
    import datetime as dt

    at.date_input(key="date_to").set_value(dt.date(2025, 1, 1)).run()
    ask(at, "美联储什么时候终止QT?")
    assert last_answer(at).abstained
    assert any("当前检索范围" in c.value for c in at.caption)

    at.date_input(key="date_to").set_value(None).run()
    at.selectbox(key="filter_source").set_value("MarsBit").run()
    at.slider(key="top_k").set_value(2).run()
    ask(at, "美联储什么时候终止QT?")
    answer = last_answer(at)
    assert not answer.abstained and len(answer.hits) <= 2


# -- citations with pages (PDF), an article's own record -------------------------------------------

def _drcd_article(title: str) -> dict:
    import json

    data = json.loads((ROOT / "tests" / "data" / "drcd_dev_slice.json").read_text(encoding="utf-8"))
    return next(a for a in data.get("data", data) if a["title"] == title)


def matsu_pdf() -> bytes:
    """A three-page PDF (typeset like a broker's report by tests/documents.py) of DRCD's 馬祖列島."""
    import tempfile

    from tests.documents import find_cjk_font, make_pdf

    font = find_cjk_font()
    if font is None:
        pytest.skip("no CJK TrueType font (apt-get install fonts-wqy-microhei)")
    paragraphs: list[str] = []
    for paragraph in _drcd_article("馬祖列島")["paragraphs"]:
        paragraphs += [paragraph["context"], ""]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "matsu.pdf"
        pages = make_pdf(path, title="馬祖列島概覽", author="研究員乙", date="2025-11-20", paragraphs=paragraphs,
                         font_path=font)
        assert pages >= 2
        return path.read_bytes()


def test_pdf_citation_shows_its_page_and_article_facts_cite_the_record(home):
    at = start()
    # An article fact is answered from the article's record: the card shows the record, no empty passage.
    ask(at, "这篇文章的作者是谁?")
    answer = last_answer(at)
    assert "王永利" in answer.text and [c.kind for c in answer.citations] == ["article"]
    rendered = [m.value for m in at.markdown]
    record = [v for v in rendered if 'class="kb-record"' in v]
    assert record and "王永利" in record[0] and SEED_TITLE in record[0] and "MarsBit" in record[0]
    assert not any('class="kb-passage"' in v for v in rendered)
    assert any("文章本身的记录" in c.value for c in at.caption)
    assert not any("第 0 段" in c.value for c in at.caption)

    go(at, "add")
    at.file_uploader(key="upload_files").set_value([("matsu.pdf", matsu_pdf(), "application/pdf")])
    submit(at, "导入文件")
    assert any("已添加" in s.value and "马祖列岛概览" in s.value for s in at.success), [e.value for e in at.error]

    go(at, "chat")
    ask(at, "后沃澳村在什么时候会变成孤岛?")
    answer = last_answer(at)
    assert not answer.abstained and "涨潮" in answer.text
    cited = [c for c in answer.citations if c.title == "马祖列岛概览"]
    assert cited and all(c.page and c.page >= 2 for c in cited)  # the answer is on a later page
    page = f"第 {cited[0].page} 页"
    metas = [m.value for m in at.markdown if 'class="kb-meta"' in m.value]
    assert any(page in v and "研究員乙" in v for v in metas), metas
    assert any(e.label.startswith("&#91;1&#93;") and "马祖列岛概览" in e.label and page in e.label
               for e in at.expander)
    # The seed article (a text file) has no pages: its cards never say 第 N 页.
    ask(at, "美联储什么时候终止QT?")
    assert all(c.page is None for c in last_answer(at).citations)
    seed_labels = [e.label for e in at.expander if SEED_TITLE in e.label]
    assert seed_labels and not any("页" in label for label in seed_labels)


def test_page_label_and_record_html_are_safe():
    from ui.render import meta_html, page_label, record_html

    assert page_label(3) == "第 3 页" and page_label(None) == "" and page_label(0) == ""
    assert "第 3 页" in meta_html(source="s", author=None, published=None, url=None, page=3)
    assert "页" not in meta_html(source="s", author=None, published=None, url=None)
    html = record_html(title=HOSTILE_TITLE, author=None, source="MarsBit", published="2025-12-10 06:35",
                       url="javascript:alert(1)")
    assert "<script" not in html and "未记录" in html and "href" not in html and "MarsBit" in html


# -- feeds -----------------------------------------------------------------------------------------

def _feed_xml(base: str) -> str:
    body = _drcd_article("鮭魚")["paragraphs"][0]["context"]
    content = "".join(f"<p>{s}。</p>" for s in body.split("。") if s)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>自然生態週報</title><link>{base}/</link><description>生態</description>
<item><title>鮭魚與森林的養分</title><link>{base}/salmon</link><dc:creator>林小雨</dc:creator>
<pubDate>Mon, 01 Dec 2025 08:00:00 GMT</pubDate><description>灰熊與鮭魚。</description>
<content:encoded><![CDATA[{content}]]></content:encoded></item>
</channel></rss>"""


def test_feeds_tab_subscribes_updates_and_removes(home):
    def pages(base: str, path: str) -> tuple[str, str] | None:
        return {"/feed.xml": (_feed_xml(base), "application/rss+xml; charset=utf-8"),
                "/page.html": (HTML_ARTICLE, "text/html; charset=utf-8")}.get(path)

    requests: list[str] = []
    with serving(pages, requests) as base:
        at = start("add")
        assert any("订阅源" in label for label in (t.label for t in at.tabs))
        assert at.button(key="update_feeds").disabled  # nothing to update yet
        # A web page is no feed: said in Chinese, nothing subscribed.
        at.text_input(key="feed_url").set_value(f"{base}/page.html")
        submit(at, "添加订阅")
        assert any("未订阅" in e.value and "不是 RSS 或 Atom 订阅源" in e.value for e in at.error), \
            [e.value for e in at.error]

        at.text_input(key="feed_url").set_value(f"{base}/feed.xml")
        submit(at, "添加订阅")
        assert any("已订阅" in s.value and "自然生態週報" in s.value for s in at.success), \
            [s.value for s in at.success]
        assert any("已订阅(1)" in m.value for m in at.markdown)
        assert any(f"{base}/feed.xml" in m.value and "尚未更新" in m.value for m in at.markdown)

        at.button(key="update_feeds").click().run()
        assert not at.exception, [e.value for e in at.exception]
        assert any("新增 1 篇" in m.value for m in at.markdown), [m.value for m in at.markdown]
        assert any("已添加" in s.value and "鲑鱼与森林的养分" in s.value for s in at.success), \
            [s.value for s in at.success] + [e.value for e in at.error]
        assert "/salmon" not in requests  # the item carries its full text: no page fetched
        assert any("上次更新" in m.value for m in at.markdown)

        go(at, "library")
        table = at.dataframe[0].value
        row = table[table["标题"].str.contains("鲑鱼与森林")]
        assert len(row) == 1 and row["作者"].iloc[0] == "林小雨" and row["原文"].iloc[0] == f"{base}/salmon"

        # Update again: the stored item is known by its link; then unsubscribe.
        go(at, "add")
        at.button(key="update_feeds").click().run()
        assert any("已在知识库中 1 篇" in m.value for m in at.markdown), [m.value for m in at.markdown]
        at.button(key="remove_feed_0").click().run()
        assert not at.exception
        assert any("已取消订阅" in s.value for s in at.success)
        assert any("已订阅(0)" in m.value for m in at.markdown)
        go(at, "chat")
        ask(at, "灰熊在东北太平洋扮演什么角色?")
        assert "生态系的工程师" in last_answer(at).text
