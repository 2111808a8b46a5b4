"""Pure rendering helpers (no Streamlit): escaping, the page's HTML pieces, dates, links, and rejections
said in Chinese. Unit-tested in tests/test_app.py.

Safety: article text is never rendered as live markup. Every piece of text that comes from an
article (or from the user) goes through `escape_text`, which turns HTML *and* Markdown syntax into
character entities, so `<script>` or `[x](javascript:...)` shows as the literal characters; the
only tags in the HTML this page writes are its own (`<mark>`, `<span>`, `<p>`, `<a>` for http(s)
links only).
"""
from __future__ import annotations

import html
import re
from datetime import datetime
from urllib.parse import urlparse

from kb.records import Citation, IngestResult

# -- safe rendering ------------------------------------------------------------------------------
# Every ASCII character that means something to Markdown, HTML or Streamlit's own markup
# (":red[…]", ":material/…:", "$math$") becomes a numeric character reference: shown as itself,
# never parsed as syntax. Letters, digits, spaces and all CJK text pass unchanged.
_INERT = {c: f"&#{ord(c)};" for c in "&<>\"'`\\*_{}[]()#+-.!|~$^:=/%@"}


def escape_text(text: str | None) -> str:
    """Text made inert for st.markdown (with or without unsafe_allow_html) and for labels."""
    return "".join(_INERT.get(ch, ch) for ch in (text or ""))


def lines_html(text: str) -> str:
    """Text escaped, its line breaks kept as <br>."""
    return "<br>".join(escape_text(line) for line in text.split("\n"))


def text_html(text: str | None, css_class: str = "kb-text") -> str:
    """An article's text as escaped paragraphs (blank lines separate paragraphs)."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text or "") if p.strip()]
    body = "".join(f"<p>{lines_html(p)}</p>" for p in paragraphs)
    return f'<div class="{css_class}">{body}</div>'


def highlight_html(passage: str, start: int | None, end: int | None) -> str:
    """The passage, escaped, with passage[start:end] (the cited sentence) in <mark>."""
    passage = passage or ""
    if start is None or end is None or not 0 <= start < end <= len(passage):
        return f'<div class="kb-passage">{lines_html(passage.strip())}</div>'
    before, marked, after = passage[:start], passage[start:end], passage[end:]
    return (f'<div class="kb-passage">{lines_html(before.lstrip())}<mark>{lines_html(marked)}</mark>'
            f"{lines_html(after.rstrip())}</div>")


def sentence_span(passage: str, sentence: str, start: int | None) -> tuple[int, int] | tuple[None, None]:
    """Where `sentence` sits in `passage`: at `start` when it is there, else its first occurrence."""
    if not sentence or not passage or sentence == passage:
        return None, None
    if start is not None and passage[start:start + len(sentence)] == sentence:
        return start, start + len(sentence)
    found = passage.find(sentence)
    return (found, found + len(sentence)) if found >= 0 else (None, None)


_MARKER = re.compile(r"\[(\d{1,3})\]")


_SHORT = re.compile(r"\*\*([^*\n]{1,60})\*\* ")


def answer_html(text: str, cursor: bool = False, short: bool = False) -> str:
    """The answer, escaped, with its [n] markers shown as small blue badges; with `short`, the short
    answer that leads it (**2025年** …, kb.answer.extractive) in bold."""
    parts, last = [], 0
    lead = _SHORT.match(text or "") if short else None
    if lead:
        parts.append(f'<b class="kb-short">{escape_text(lead.group(1))}</b> ')
        text = text[lead.end():]
    for match in _MARKER.finditer(text or ""):
        parts.append(lines_html(text[last:match.start()]))
        parts.append(f'<span class="kb-cite">&#91;{match.group(1)}&#93;</span>')
        last = match.end()
    parts.append(lines_html((text or "")[last:]))
    tail = '<span class="kb-cursor">▌</span>' if cursor else ""
    return f'<div class="kb-answer">{"".join(parts)}{tail}</div>'


def safe_url(url: str | None) -> str | None:
    """The URL when it is a plain http(s) link, else None (never a javascript:/data: link)."""
    if not url:
        return None
    url = url.strip()
    parsed = urlparse(url)
    if parsed.scheme.lower() in ("http", "https") and parsed.netloc and not any(c in url for c in "\"'<> \n"):
        return url
    return None


def link_html(url: str | None, label: str = "原文链接 ↗") -> str:
    href = safe_url(url)
    if not href:
        return '<span class="kb-muted">无原文链接</span>'
    return (f'<a href="{html.escape(href, quote=True)}" target="_blank" rel="noopener noreferrer nofollow">'
            f"{escape_text(label)}</a>")


def short_date(value: str | None) -> str:
    """"2025-12-10 06:35" stays; an ISO timestamp (added_at, UTC) becomes local "YYYY-MM-DD HH:MM"."""
    if not value:
        return ""
    if "T" in value:
        try:
            return datetime.fromisoformat(value).astimezone().strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return value
    return value


def page_label(page: int | None) -> str:
    """"第 N 页" for a passage of a source with pages (PDF); "" when it has none."""
    return f"第 {page} 页" if isinstance(page, int) and not isinstance(page, bool) and page > 0 else ""


def meta_html(*, source: str | None, author: str | None, published: str | None, url: str | None,
              extra: str = "", page: int | None = None) -> str:
    bits = []
    if source:
        bits.append(f"来源 <b>{escape_text(source)}</b>")
    if author:
        bits.append(f"作者 {escape_text(author)}")
    if published:
        bits.append(f"发布 {escape_text(short_date(published))}")
    if page_label(page):
        bits.append(f'<span class="kb-page">{page_label(page)}</span>')
    if extra:
        bits.append(extra)
    bits.append(link_html(url))
    return f'<div class="kb-meta">{" · ".join(bits)}</div>'


def record_html(*, title: str | None, author: str | None, source: str | None, published: str | None,
                url: str | None) -> str:
    """An article's own record (what an article-fact answer cites): its fields, escaped, as a small table."""
    rows = [("标题", escape_text(title) if title else ""), ("作者", escape_text(author) if author else ""),
            ("来源", escape_text(source) if source else ""),
            ("发布", escape_text(short_date(published)) if published else ""), ("原文", link_html(url))]
    missing = '<span class="kb-muted">未记录</span>'
    body = "".join(f"<tr><th>{label}</th><td>{value or missing}</td></tr>" for label, value in rows)
    return f'<table class="kb-record">{body}</table>'


def original_span(c: Citation) -> tuple[int, int] | tuple[None, None]:
    """Where the cited sentence sits in the original-script passage."""
    from kb.answer.render import original_span as span_in_original

    return span_in_original(c.passage, c.passage_original, c.sentence, c.sentence_start)


# A rejection is said from its code and params (kb.ingest.errors.CODES), never from the English text.
_KINDS = {  # the `kind` param: what a binary file looks like, or what a path is instead of a file
    "png": "PNG 图片", "jpeg": "JPEG 图片", "gif": "GIF 图片", "riff": "WebP/WAV 文件", "pdf": "PDF 文件",
    "zip": "ZIP 或 Office 文件", "gzip": "gzip 压缩文件", "binary": "二进制文件",
    "folder": "文件夹", "character_device": "字符设备", "block_device": "块设备", "fifo": "命名管道(FIFO)",
    "socket": "套接字", "special": "特殊文件",
}
REJECTIONS = {
    "empty": "内容为空",
    "too_large": "文件太大({size:,} 字节,上限 {limit:,} 字节)",
    "file_too_large": "文件太大(超过上限 {limit:,} 字节)",
    "page_too_large": "网页太大(超过 {limit:,} 字节)",
    "binary": "不是文本文件(看起来是{kind}),只支持 txt、md、html、pdf、docx",
    "encoding": "无法识别文字编码(已尝试 UTF-8、Big5、GB18030)",
    "encoding_garbled": "无法识别文字编码(按 {encoding} 解码是乱码)",
    "not_found": "找不到文件 {path}",
    "unreadable": "无法读取 {path}({error})",
    "not_regular_file": "{path} 是{kind},不是普通文件,只能导入文件",
    "fetch_timeout": "无法获取网页({seconds:g} 秒内没有完整的响应)",
    "http_status": "无法获取网页(HTTP {status})",
    "fetch_failed": "无法获取网页({error})",
    "no_text": "没有中文或拉丁文字内容",
    "clutter_only": "找不到文章正文(去掉网页杂项后什么也没剩下)",
    "no_article_text": "找不到文章正文",
    "navigation_only": "找不到文章正文(网页只有导航链接和菜单)",
    "no_passages": "没有可用的正文(找不到完整的句子)",
    "pdf_invalid": "无法读取 PDF({error})",
    "pdf_encrypted": "PDF 已加密,没有导入",
    "pdf_no_text": "PDF 没有文字层(可能是扫描件,暂不支持 OCR)",
    "docx_invalid": "不是有效的 Word 文件({error})",
    "feed_invalid": "不是 RSS 或 Atom 订阅源({url})",
}


def explain_rejection(code: str | None, params: dict | None = None, reason: str | None = None) -> str:
    """A rejection in Chinese, from its code and params; the English reason when the code is not
    known here or its params do not fit the template."""
    fallback = (reason or "").strip() or "原因不明"
    template = REJECTIONS.get(code or "")
    if template is None:
        return fallback
    values = {k: _KINDS.get(v, v) if k == "kind" else v for k, v in (params or {}).items()}
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError, TypeError, AttributeError):
        return fallback


def explain_result(result: IngestResult) -> str:
    return explain_rejection(result.code, result.params, result.reason)



# The styles of the classes above; app.py writes them once per run (st.html).
CSS = """
<style>
.kb-answer { font-size: 1.04rem; line-height: 1.85; }
.kb-cite { color: #1d4ed8; background: #e8efff; border-radius: 4px; padding: 0 3px; margin: 0 1px;
           font-size: .82em; font-weight: 600; white-space: nowrap; }
.kb-cursor { color: #1d4ed8; }
.kb-passage { line-height: 1.85; padding: .7rem .95rem; background: rgba(128,128,128,.07);
              border-left: 3px solid #f5b400; border-radius: 6px; margin: .2rem 0 .4rem 0; }
.kb-passage mark { background: #fff1a8; color: #1a1a1a; padding: 1px 2px; border-radius: 3px;
                   box-shadow: inset 0 -2px 0 #f5b400; }
.kb-meta { color: rgba(100,100,110,1); font-size: .88rem; margin-bottom: .35rem; line-height: 1.7; }
.kb-meta b { color: inherit; font-weight: 600; }
.kb-page { color: #1d4ed8; font-weight: 600; white-space: nowrap; }
.kb-record { border-collapse: collapse; margin: .2rem 0 .4rem 0; font-size: .95rem; }
.kb-record th { text-align: left; font-weight: 600; color: rgba(100,100,110,1); padding: .15rem .9rem .15rem 0;
                white-space: nowrap; vertical-align: top; border: none; }
.kb-record td { padding: .15rem 0; border: none; }
.kb-muted { color: rgba(120,120,130,1); }
.kb-text p { line-height: 1.9; margin: 0 0 .85em 0; }
.kb-sources-title { font-weight: 600; font-size: .92rem; color: rgba(100,100,110,1); margin: .6rem 0 .2rem 0; }
.kb-noanswer { line-height: 1.8; padding: .6rem .9rem; border-radius: 6px; background: rgba(245,180,0,.12);
               border: 1px solid rgba(245,180,0,.35); }
.kb-question-rewrite { color: rgba(110,110,120,1); font-size: .85rem; }
</style>
"""
