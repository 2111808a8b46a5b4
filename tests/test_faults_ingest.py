"""Issue 12, "Nothing lost, nothing raw": inputs that used to lose text, store it rewritten, hang or
be taken for something they are not. Every input is made here (files, FIFOs, a local HTTP server)."""
from __future__ import annotations

import re

import pytest

from kb.ingest import IngestError, build_article, document_from_raw, read_bytes
from kb.ingest.html import markdown_to_text


def _ws_free(text: str) -> str:
    return re.sub(r"\s+", "", text)


# -- HTML text is stored as written, not as Markdown ------------------------------------------------
CODE_PAGE = """<!doctype html><html><head><title>代码笔记</title></head><body><article><h1>变量命名与运算</h1>
<p>在Python里计算2*3得到6，变量名写作my_var_name，列表第一个元素是a[0]，条件写成x&lt;100时要小心。这是一段足够长的正文，
用来让抽取器相信它是一篇文章，而不是页面的边角料。</p>
<h2>第二节</h2><ul><li>第一项：价格上涨了2*3倍。</li><li>第二项：使用snake_case_name命名，例如 a_b_c。</li></ul>
<p>另外一段正文，继续说明各种符号如#号、`反引号`、**星号**和_下划线_的处理方式，保证原文不被改写。</p>
</article></body></html>"""


def test_html_text_keeps_markdown_special_characters():
    doc = document_from_raw(read_bytes(CODE_PAGE.encode(), "code.html", 10**6, name="code.html"))
    for literal in ("2*3", "my_var_name", "a[0]", "x<100", "snake_case_name", "a_b_c", "`反引号`", "**星号**",
                    "_下划线_", "#号"):
        assert literal in doc.body, literal
    assert "\\" not in doc.body
    lines = doc.body.split("\n")
    # headings and list items stay lines of their own
    assert "第二节" in lines
    assert any(line.startswith("- 第一项") for line in lines)
    assert any(line.startswith("- 第二项") for line in lines)


def test_markdown_file_keeps_intraword_underscores_and_escapes():
    text, _ = markdown_to_text("变量 my_var_name 与 **加粗** 与 _强调_，2\\*3，a\\[0\\]，\\<100")
    assert text == "变量 my_var_name 与 加粗 与 强调，2*3，a[0]，<100"


# -- HTML with nothing but navigation ---------------------------------------------------------------
def test_navigation_only_html_is_rejected():
    # trafilatura's fallback returned the <nav> as the article: title "Nav", body "首页市场"
    html = "<html><head><title>Nav</title></head><body><nav><a href='/'>首页</a><a href='/m'>市场</a></nav></body></html>"
    raw = read_bytes(html.encode(), "nav.html", 10**6, name="nav.html")
    with pytest.raises(IngestError, match="no article text found.*only navigation"):
        document_from_raw(raw)


def test_article_with_links_is_not_navigation():
    html = ("<html><head><title>美联储</title></head><body><nav><a href='/'>首页</a><a href='/m'>市场</a></nav>"
            "<article><h1>美联储终止缩表</h1><p>美联储在2025年12月1日<a href='/qt'>终止量化紧缩</a>，随后推出储备管理购买。"
            "市场普遍把它解读为隐形宽松，短端利率随之回落，准备金余额重新回升。</p></article></body></html>")
    doc = document_from_raw(read_bytes(html.encode(), "a.html", 10**6, name="a.html"))
    assert "终止量化紧缩" in doc.body and "首页" not in doc.body
