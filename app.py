"""kb 的网页界面:向中文文章知识库提问(带出处)、添加文章、管理文章库。

Run with `streamlit run app.py`. The store is the one named by KB_HOME (default ~/.kb), the same
one the command line uses. Everything here goes through `kb.knowledge.KnowledgeBase`.

Safety: article text is never rendered as live markup. Every piece of text that comes from an
article (or from the user) goes through `escape_text`, which turns HTML *and* Markdown syntax into
character entities, so `<script>` or `[x](javascript:...)` shows as the literal characters; the
only tags in the HTML this page writes are its own (`<mark>`, `<span>`, `<p>`, `<a>` for http(s)
links only).
"""
from __future__ import annotations

import copy
import html
import math
import re
import time
from dataclasses import replace
from datetime import date, datetime
from typing import Callable, Iterable, Sequence
from urllib.parse import urlparse

import streamlit as st

from kb.config import Settings
from kb.knowledge import KnowledgeBase
from kb.chat import rewrite_followup
from kb.records import Answer, Citation, IngestResult

# ================================================================================================
# Pure helpers (no Streamlit): unit-tested in tests/test_app.py
# ================================================================================================

# -- safe rendering ------------------------------------------------------------------------------
# Every ASCII character that means something to Markdown, HTML or Streamlit's own markup
# (":red[…]", ":material/…:", "$math$") becomes a numeric character reference: shown as itself,
# never parsed as syntax. Letters, digits, spaces and all CJK text pass unchanged.
_INERT = {c: f"&#{ord(c)};" for c in "&<>\"'`\\*_{}[]()#+-.!|~$^:=/%@"}


def escape_text(text: str | None) -> str:
    """Text made inert for st.markdown (with or without unsafe_allow_html) and for labels."""
    return "".join(_INERT.get(ch, ch) for ch in (text or ""))


def _lines_html(text: str) -> str:
    return "<br>".join(escape_text(line) for line in text.split("\n"))


def text_html(text: str | None, css_class: str = "kb-text") -> str:
    """An article's text as escaped paragraphs (blank lines separate paragraphs)."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text or "") if p.strip()]
    body = "".join(f"<p>{_lines_html(p)}</p>" for p in paragraphs)
    return f'<div class="{css_class}">{body}</div>'


def highlight_html(passage: str, start: int | None, end: int | None) -> str:
    """The passage, escaped, with passage[start:end] (the cited sentence) in <mark>."""
    passage = passage or ""
    if start is None or end is None or not 0 <= start < end <= len(passage):
        return f'<div class="kb-passage">{_lines_html(passage.strip())}</div>'
    before, marked, after = passage[:start], passage[start:end], passage[end:]
    return (f'<div class="kb-passage">{_lines_html(before.lstrip())}<mark>{_lines_html(marked)}</mark>'
            f"{_lines_html(after.rstrip())}</div>")


def sentence_span(passage: str, sentence: str, start: int | None) -> tuple[int, int] | tuple[None, None]:
    """Where `sentence` sits in `passage`: at `start` when it is there, else its first occurrence."""
    if not sentence or not passage or sentence == passage:
        return None, None
    if start is not None and passage[start:start + len(sentence)] == sentence:
        return start, start + len(sentence)
    found = passage.find(sentence)
    return (found, found + len(sentence)) if found >= 0 else (None, None)


_MARKER = re.compile(r"\[(\d{1,3})\]")


def answer_html(text: str, cursor: bool = False) -> str:
    """The answer, escaped, with its [n] markers shown as small blue badges."""
    parts, last = [], 0
    for match in _MARKER.finditer(text or ""):
        parts.append(_lines_html(text[last:match.start()]))
        parts.append(f'<span class="kb-cite">&#91;{match.group(1)}&#93;</span>')
        last = match.end()
    parts.append(_lines_html((text or "")[last:]))
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
    "binary": "不是文本文件(看起来是{kind}),只支持 txt、md、html",
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


STATUS_LABELS = {"added": "已添加", "unchanged": "未变化", "replaced": "已更新", "rejected": "未导入"}


def ingest_uploads(kb: KnowledgeBase, files: Iterable[tuple[str, bytes]], *,
                   progress: Callable[[int, int, IngestResult], None] | None = None) -> list[IngestResult]:
    """Ingest uploaded files one by one; never raises: every failure is a "rejected" result."""
    files = list(files)
    results: list[IngestResult] = []
    limit = kb.settings.max_file_bytes
    for index, (name, data) in enumerate(files):
        started = time.perf_counter()
        if len(data) > limit:
            result = IngestResult(origin=name, status="rejected",
                                  reason=f"too large: {len(data):,} bytes, the limit is {limit:,}",
                                  code="too_large", params={"size": len(data), "limit": limit})
        else:
            try:
                result = kb.add_bytes(data, name)
            except Exception as exc:  # a bug or a store error must not break the page
                result = IngestResult(origin=name, status="rejected", reason=f"{type(exc).__name__}: {exc}")
        result.origin = name
        result.seconds = result.seconds or time.perf_counter() - started
        results.append(result)
        if progress:
            progress(index + 1, len(files), result)
    return results


# ================================================================================================
# Resources: the embedding model and the store are opened once per process
# ================================================================================================

@st.cache_resource(show_spinner=False)
def _open_embedder(model: str):
    from kb.embed import load_embedder

    return load_embedder(model)


@st.cache_resource(show_spinner=False)
def _open_knowledge_base(key: str, _settings: Settings) -> KnowledgeBase:
    """One KnowledgeBase per store: `key` names the settings (KB_HOME first), so each home gets its own."""
    return KnowledgeBase(_settings, embedder=_open_embedder(_settings.embed_model))


def base_settings() -> Settings:
    return Settings.from_env()


def open_knowledge_base() -> KnowledgeBase:
    settings = base_settings()
    key = "|".join(str(v) for v in (settings.home.resolve(), settings.embed_model, settings.chroma_url,
                                    settings.database_url, settings.passage_chars, settings.max_file_bytes,
                                    settings.keyword_weight, settings.llm_base_url, settings.llm_model))
    return _open_knowledge_base(key, settings)


def session_llm() -> dict:
    """The language-model endpoint entered in the sidebar for this session (empty when none)."""
    url = (st.session_state.get("llm_url") or "").strip()
    if not url:
        return {}
    return {"llm_base_url": url, "llm_model": (st.session_state.get("llm_model") or "").strip() or None,
            "llm_api_key": (st.session_state.get("llm_key") or "").strip() or None}


def knowledge_base_for_session(kb: KnowledgeBase) -> KnowledgeBase:
    """The shared KnowledgeBase, or a shallow copy (same model and store) with this session's model endpoint."""
    override = session_llm()
    if not override:
        return kb
    clone = copy.copy(kb)
    clone.settings = replace(kb.settings, **override)
    return clone


# ================================================================================================
# Page pieces
# ================================================================================================

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
.kb-muted { color: rgba(120,120,130,1); }
.kb-text p { line-height: 1.9; margin: 0 0 .85em 0; }
.kb-sources-title { font-weight: 600; font-size: .92rem; color: rgba(100,100,110,1); margin: .6rem 0 .2rem 0; }
.kb-noanswer { line-height: 1.8; padding: .6rem .9rem; border-radius: 6px; background: rgba(245,180,0,.12);
               border: 1px solid rgba(245,180,0,.35); }
.kb-question-rewrite { color: rgba(110,110,120,1); font-size: .85rem; }
</style>
"""

SCRIPT_OPTIONS = {"auto": "自动", "hans": "简体", "hant": "繁體"}
PAGES = {"chat": ":material/forum: 问答", "add": ":material/note_add: 添加文章",
         "library": ":material/library_books: 文章库"}


def meta_html(*, source: str | None, author: str | None, published: str | None, url: str | None,
              extra: str = "") -> str:
    bits = []
    if source:
        bits.append(f"来源 <b>{escape_text(source)}</b>")
    if author:
        bits.append(f"作者 {escape_text(author)}")
    if published:
        bits.append(f"发布 {escape_text(short_date(published))}")
    if extra:
        bits.append(extra)
    bits.append(link_html(url))
    return f'<div class="kb-meta">{" · ".join(bits)}</div>'


def show_passage_views(simplified_html: str, original_html: str | None, *, original_first: bool = False) -> None:
    """The passage in Simplified and, when it differs, in its original script (two tabs)."""
    if original_html is None:
        st.markdown(simplified_html, unsafe_allow_html=True)
        return
    labels = ["简体", "原文(繁體)"]
    tabs = st.tabs(labels, default=labels[1] if original_first else labels[0])
    with tabs[0]:
        st.markdown(simplified_html, unsafe_allow_html=True)
    with tabs[1]:
        st.markdown(original_html, unsafe_allow_html=True)


def show_citation(c: Citation, *, expanded: bool, original_first: bool) -> None:
    label = " · ".join(x for x in (f"[{c.n}] {c.title}", c.source, (c.published or "")[:10]) if x)
    with st.expander(escape_text(label), expanded=expanded, icon=":material/article:"):
        st.markdown(meta_html(source=c.source, author=c.author, published=c.published, url=c.url),
                    unsafe_allow_html=True)
        start, end = sentence_span(c.passage, c.sentence, c.sentence_start)
        simplified = highlight_html(c.passage, start, end)
        original = None
        if c.passage_original and c.passage_original != c.passage:
            original = highlight_html(c.passage_original, *original_span(c))
        show_passage_views(simplified, original, original_first=original_first)
        st.caption(f"第 {c.position + 1} 段 · 相关度 {c.score:.2f}")


def original_span(c: Citation) -> tuple[int, int] | tuple[None, None]:
    """Where the cited sentence sits in the original-script passage."""
    from kb.answer.render import original_span as span_in_original

    return span_in_original(c.passage, c.passage_original, c.sentence, c.sentence_start)


def show_nearest(record: dict) -> None:
    nearest = record.get("nearest") or []
    if not nearest:
        st.caption("在当前检索范围内没有找到相关段落。可以放宽侧边栏的来源或日期范围再试。")
        return
    st.markdown('<div class="kb-sources-title">最接近的段落</div>', unsafe_allow_html=True)
    for i, item in enumerate(nearest):
        with st.expander(escape_text(item["title"]), expanded=i == 0, icon=":material/search:"):
            st.markdown(meta_html(source=item["source"], author=item["author"], published=item["published"],
                                  url=item["url"]), unsafe_allow_html=True)
            original = item["passage_original"]
            show_passage_views(highlight_html(item["passage"], None, None),
                               highlight_html(original, None, None) if original and original != item["passage"]
                               else None)
            st.caption(f"第 {item['position'] + 1} 段 · 相关度 {item['score']:.2f}")


def show_answer(record: dict) -> None:
    """One assistant turn from the conversation history."""
    if record.get("error"):
        st.error(f"回答时出错:{escape_text(record['error'])}")
        return
    answer: Answer = record["answer"]
    if answer.abstained:
        st.markdown(f'<div class="kb-noanswer">{_lines_html(answer.text)}</div>', unsafe_allow_html=True)
        show_nearest(record)
    else:
        st.markdown(answer_html(answer.text), unsafe_allow_html=True)
        if answer.citations:
            st.markdown('<div class="kb-sources-title">来源</div>', unsafe_allow_html=True)
        for i, c in enumerate(answer.citations):
            show_citation(c, expanded=i == 0, original_first=answer.script != "hans")
    if answer.generated_by == "extractive":
        how = "摘录式回答(原文句子)"
    else:
        model = answer.generated_by.removeprefix("llm:")
        how = f"由语言模型 {escape_text(model)} 根据以上来源撰写"
    st.caption(f"{how} · 用时 {record.get('seconds', 0):.1f} 秒")
    for warning in answer.warnings or []:
        st.caption(f"注意:{escape_text(warning)}")


def answer_record(answer: Answer, seconds: float) -> dict:
    nearest = []
    if answer.abstained:
        for hit in answer.hits[:3]:
            nearest.append({"title": hit.article.title, "source": hit.article.source, "author": hit.article.author,
                            "published": hit.article.published, "url": hit.article.url,
                            "passage": hit.passage.text, "passage_original": hit.passage.text_original,
                            "position": hit.passage.position, "score": hit.score})
    return {"role": "assistant", "answer": answer, "nearest": nearest, "seconds": seconds}


def ask_settings() -> dict:
    """The sidebar's answer settings as keyword arguments for KnowledgeBase.ask."""
    script = st.session_state.get("answer_script", "auto")
    date_from: date | None = st.session_state.get("date_from")
    date_to: date | None = st.session_state.get("date_to")
    source = st.session_state.get("filter_source", "")
    use_llm = None if st.session_state.get("use_llm", True) else False
    return {"k": int(st.session_state.get("top_k", 5)), "script": None if script == "auto" else script,
            "source": source or None, "date_from": date_from.isoformat() if date_from else None,
            "date_to": date_to.isoformat() if date_to else None, "use_llm": use_llm}


def previous_question() -> str | None:
    for message in reversed(st.session_state.messages):
        if message["role"] == "user":
            return message.get("effective") or message["content"]
    return None


def show_user_message(message: dict) -> None:
    st.markdown(f'<div class="kb-answer">{_lines_html(message["content"])}</div>', unsafe_allow_html=True)
    if message.get("effective") and message["effective"] != message["content"]:
        st.markdown(f'<div class="kb-question-rewrite">↪ 结合上文理解为:{escape_text(message["effective"])}</div>',
                    unsafe_allow_html=True)


def page_chat(kb: KnowledgeBase) -> None:
    messages = st.session_state.messages
    question = st.chat_input("向知识库提问,例如:美联储什么时候终止QT?", key="question", max_chars=500,
                             submit_mode="disable")  # pinned to the bottom wherever it is called
    question = (question or "").strip()
    articles, passages = kb.stats()
    if not messages and not question:
        if articles:
            st.markdown(f"#### 有什么想问的?\n向知识库中的 **{articles}** 篇文章({passages} 个段落)提问,"
                        "每个回答都会标出 [n] 出处,并附上原文段落。可以接着追问,比如先问「情景A的机率是多少?」"
                        "再问「那情景B呢?」。")
        else:
            st.info("知识库还是空的。先到「添加文章」上传或粘贴几篇文章,再回来提问。", icon=":material/info:")
    for message in messages:
        with st.chat_message(message["role"]):
            if message["role"] == "user":
                show_user_message(message)
            else:
                show_answer(message)

    if not question:
        return
    effective = rewrite_followup(question, previous_question())
    user_message = {"role": "user", "content": question, "effective": effective}
    messages.append(user_message)
    with st.chat_message("user"):
        show_user_message(user_message)
    with st.chat_message("assistant"):
        placeholder = st.empty()
        streamed: list[str] = []

        def on_token(token: str) -> None:
            streamed.append(token)
            placeholder.markdown(answer_html("".join(streamed), cursor=True), unsafe_allow_html=True)

        started = time.perf_counter()
        try:
            with st.spinner("正在检索相关段落…"):
                answer = knowledge_base_for_session(kb).ask(effective, on_token=on_token, **ask_settings())
            record = answer_record(answer, time.perf_counter() - started)
        except Exception as exc:  # the model endpoint or the store failed: say so, keep the page
            record = {"role": "assistant", "error": f"{type(exc).__name__}: {exc}"}
        placeholder.empty()
        show_answer(record)
    messages.append(record)


def show_ingest_results(results: Sequence[IngestResult]) -> None:
    for r in results:
        title = escape_text(r.title or r.origin)
        origin = escape_text(r.origin)
        if r.status == "added":
            st.success(f"**已添加** 《{title}》 · {r.passages} 个段落 · 用时 {r.seconds:.1f} 秒",
                       icon=":material/check_circle:")
        elif r.status == "replaced":
            st.success(f"**已更新** 《{title}》 · 替换了同一链接的旧版本 · {r.passages} 个段落",
                       icon=":material/sync:")
        elif r.status == "unchanged":
            st.info(f"**未变化** 《{title}》 · 知识库里已有同样内容的文章", icon=":material/info:")
        else:
            st.error(f"**未导入** {origin}:{escape_text(explain_result(r))}", icon=":material/block:")


def _run_with_progress(label: str, work: Callable[[Callable[[int, int, IngestResult], None]], list[IngestResult]]
                       ) -> list[IngestResult]:
    bar = st.progress(0.0, text=label)

    def progress(done: int, total: int, result: IngestResult) -> None:
        name = result.title or result.origin
        bar.progress(done / max(total, 1), text=f"{label}({done}/{total}):{escape_text(name[:40])}")

    results = work(progress)
    bar.progress(1.0, text="导入完成")
    return results


def page_add(kb: KnowledgeBase) -> None:
    limit_mb = max(1, math.ceil(kb.settings.max_file_bytes / (1024 * 1024)))
    st.subheader("添加文章", anchor=False)
    st.caption("支持 txt、md、html 文件,粘贴的文本,或文章网址。简体、繁体都可以,系统会自动识别并统一检索。")
    upload_tab, paste_tab, url_tab = st.tabs([":material/upload_file: 上传文件", ":material/edit_note: 粘贴文本",
                                              ":material/link: 网址"])
    results: list[IngestResult] | None = None

    with upload_tab:
        with st.form("upload_form", clear_on_submit=True, border=False):
            # No `type=` filter: a wrong file gets a clear message from the reader below instead of
            # being refused without a word (or raising inside the widget).
            files = st.file_uploader(f"选择 txt、md 或 html 文件(可多选,每个不超过 {limit_mb} MB)",
                                     accept_multiple_files=True, max_upload_size=limit_mb, key="upload_files")
            submitted = st.form_submit_button("导入文件", type="primary", icon=":material/upload:")
        if submitted:
            if not files:
                st.warning("请先选择要导入的文件。")
            else:
                uploads = []
                for f in files:
                    try:
                        uploads.append((f.name, f.getvalue()))
                    except Exception as exc:
                        uploads.append((f.name, b""))
                        st.error(f"读取 {escape_text(f.name)} 失败:{escape_text(str(exc))}")
                results = _run_with_progress("正在导入", lambda progress: ingest_uploads(kb, uploads,
                                                                                     progress=progress))

    with paste_tab:
        with st.form("paste_form", clear_on_submit=True, border=False):
            title = st.text_input("标题(可选)", key="paste_title", placeholder="不填则取正文第一行")
            link = st.text_input("原文链接(可选)", key="paste_url", placeholder="https://…")
            text = st.text_area("正文", key="paste_text", height=220, placeholder="把文章正文粘贴到这里")
            submitted = st.form_submit_button("添加到知识库", type="primary", icon=":material/upload:")
        if submitted:
            if not text or not text.strip():
                st.warning("请先粘贴文章正文。")
            elif link.strip() and not safe_url(link):
                st.warning("原文链接需要以 http:// 或 https:// 开头。")
            else:
                def paste(progress):
                    try:
                        result = kb.add_text(text, title=title.strip() or None, url=link.strip() or None)
                    except Exception as exc:
                        result = IngestResult("粘贴的文本", "rejected", reason=f"{type(exc).__name__}: {exc}")
                    if result.origin == "pasted text":
                        result.origin = "粘贴的文本"
                    progress(1, 1, result)
                    return [result]

                results = _run_with_progress("正在导入", paste)

    with url_tab:
        with st.form("url_form", clear_on_submit=True, border=False):
            address = st.text_input("文章网址", key="ingest_url", placeholder="https://example.com/article.html")
            submitted = st.form_submit_button("抓取并添加", type="primary", icon=":material/language:")
        if submitted:
            address = (address or "").strip()
            if not safe_url(address):
                st.warning("请输入以 http:// 或 https:// 开头的网址。")
            else:
                def fetch(progress):
                    try:
                        return list(kb.ingest([address], progress=progress))
                    except Exception as exc:
                        return [IngestResult(address, "rejected", reason=f"{type(exc).__name__}: {exc}")]

                results = _run_with_progress("正在抓取", fetch)

    if results is not None:
        st.session_state.ingest_results = results
    if st.session_state.get("ingest_results"):
        st.markdown("##### 导入结果")
        show_ingest_results(st.session_state.ingest_results)


def _open_article_from_table() -> None:
    selection = st.session_state.get("library_table")
    rows = list(getattr(getattr(selection, "selection", None), "rows", None) or []) if selection else []
    ids = st.session_state.get("library_ids") or []
    if rows and rows[0] < len(ids):
        st.session_state.library_open = ids[rows[0]]
        st.session_state.confirm_delete = None


def _confirm_delete(kb: KnowledgeBase, article_id: str, title: str) -> None:
    removed = kb.remove(article_id)
    st.session_state.library_flash = (("success", f"已删除《{title}》。") if removed
                                      else ("warning", "这篇文章已经不在知识库里了。"))
    st.session_state.confirm_delete = None
    st.session_state.library_open = None


def page_library(kb: KnowledgeBase) -> None:
    import pandas as pd

    st.subheader("文章库", anchor=False)
    flash = st.session_state.pop("library_flash", None)
    if flash:
        kind, text = flash
        (st.success if kind == "success" else st.warning)(escape_text(text))
    articles = kb.articles()
    if not articles:
        st.info("知识库还是空的。到「添加文章」上传或粘贴文章。", icon=":material/info:")
        return
    left, right = st.columns([3, 1])
    query = left.text_input("筛选", key="library_query", placeholder="按标题、来源或作者筛选",
                            label_visibility="collapsed")
    sources = sorted({a.source for a in articles if a.source})
    source = right.selectbox("来源", ["全部来源", *sources], key="library_source", label_visibility="collapsed")
    needle = (query or "").strip().lower()
    shown = [a for a in articles
             if (source == "全部来源" or a.source == source)
             and (not needle or any(needle in (v or "").lower() for v in (a.title, a.title_original, a.source,
                                                                             a.author)))]
    st.session_state.library_ids = [a.id for a in shown]
    st.caption(f"共 {len(articles)} 篇文章,显示 {len(shown)} 篇。点选一行即可打开阅读。")
    columns = {
        "标题": [a.title for a in shown],
        "来源": [a.source or "" for a in shown],
        "作者": [a.author or "" for a in shown],
        "发布日期": [short_date(a.published) for a in shown],
        "段落": [a.passage_count for a in shown],
        "添加时间": [short_date(a.added_at) for a in shown],
    }
    links = [safe_url(a.url) for a in shown]
    if any(links):  # only plain http(s) links are ever made clickable
        columns["原文"] = links
    table = pd.DataFrame(columns)
    st.dataframe(table, hide_index=True, width="stretch", key="library_table", on_select=_open_article_from_table,
                 selection_mode="single-row",
                 column_config={"段落": st.column_config.NumberColumn(width="small"),
                                "原文": st.column_config.LinkColumn(display_text="打开 ↗", width="small")})

    titles = {a.id: a.title for a in articles}
    if st.session_state.get("library_open") not in titles:
        st.session_state.library_open = None
    opened = st.selectbox("打开文章", [None, *titles], key="library_open",
                          format_func=lambda i: "选择一篇文章阅读…" if i is None else titles[i])
    if opened:
        show_article(kb, opened)


def show_article(kb: KnowledgeBase, article_id: str) -> None:
    article = kb.article(article_id)
    if article is None:
        st.warning("这篇文章已经不在知识库里了。")
        return
    with st.container(border=True):
        st.subheader(escape_text(article.title), anchor=False)
        if article.title_original and article.title_original != article.title:
            st.markdown(f'<div class="kb-meta">原标题:{escape_text(article.title_original)}</div>',
                        unsafe_allow_html=True)
        script_name = {"hans": "简体", "hant": "繁體", "hant-hk": "繁體(香港)"}.get(article.script, article.script)
        st.markdown(meta_html(source=article.source, author=article.author, published=article.published,
                              url=article.url, extra=f"原文为{escape_text(script_name)} · {article.passage_count} 个段落"),
                    unsafe_allow_html=True)
        view = st.segmented_control("显示文字", ["hans", "original"], default="hans", required=True,
                                    key=f"article_script_{article_id}",
                                    format_func=lambda v: "简体" if v == "hans" else f"原文({script_name})")
        original = view == "original"
        if article.summary:
            summary = article.summary_original if original and article.summary_original else article.summary
            st.markdown(f'<div class="kb-meta">摘要:{_lines_html(summary)}</div>', unsafe_allow_html=True)
        with st.container(height=460, border=False):
            st.markdown(text_html(article.body_original if original else article.body), unsafe_allow_html=True)
        passages = kb.passages(article_id)
        with st.expander(f"检索段落({len(passages)})", icon=":material/segment:"):
            for p in passages:
                section = f" · {escape_text(p.section)}" if p.section else ""
                st.markdown(f'<div class="kb-meta">第 {p.position + 1} 段{section}</div>'
                            + highlight_html(p.text_original if original else p.text, None, None),
                            unsafe_allow_html=True)

        if st.session_state.get("confirm_delete") == article_id:
            st.warning(f"确定要删除《{escape_text(article.title)}》吗?文章和它的 {article.passage_count} "
                       "个段落都会从知识库中移除,无法撤销。", icon=":material/warning:")
            yes, no, _ = st.columns([1, 1, 3])
            yes.button("确认删除", type="primary", key="confirm_delete_yes", icon=":material/delete:",
                       on_click=_confirm_delete, args=(kb, article_id, article.title))
            no.button("取消", key="confirm_delete_no",
                      on_click=lambda: st.session_state.update(confirm_delete=None))
        else:
            st.button("删除这篇文章", key="delete_article", icon=":material/delete:",
                      on_click=lambda: st.session_state.update(confirm_delete=article_id))


def sidebar(kb: KnowledgeBase) -> None:
    settings = kb.settings
    with st.sidebar:
        st.markdown("## :material/menu_book: 中文文章知识库")
        articles, passages = kb.stats()
        st.caption(f"{articles} 篇文章 · {passages} 个段落")

        st.markdown("##### 回答")
        st.segmented_control("回答文字", list(SCRIPT_OPTIONS), format_func=SCRIPT_OPTIONS.get, default="auto",
                             required=True, key="answer_script",
                             help="自动:跟随提问所用的文字(简体提问用简体回答,繁體提问用繁體回答)")
        st.slider("参考段落数", 1, 10, 5, key="top_k", help="检索多少个最相关的段落来组织回答")

        st.markdown("##### 检索范围")
        sources = kb.sources()
        if st.session_state.get("filter_source") not in ("", *sources):
            st.session_state.filter_source = ""
        st.selectbox("来源", ["", *sources], key="filter_source",
                     format_func=lambda s: s or "全部来源")
        st.date_input("发布日期不早于", value=None, key="date_from", min_value=date(1990, 1, 1),
                      format="YYYY-MM-DD")
        st.date_input("发布日期不晚于", value=None, key="date_to", min_value=date(1990, 1, 1), format="YYYY-MM-DD")

        st.markdown("##### 语言模型")
        override = session_llm()
        if override:
            st.caption(f"本会话使用:{escape_text(override['llm_base_url'])}"
                       f"{(' · ' + escape_text(override['llm_model'])) if override['llm_model'] else ''}")
        elif settings.llm_base_url:
            st.caption(f"已配置:{escape_text(settings.llm_base_url)}"
                       f"{(' · ' + escape_text(settings.llm_model)) if settings.llm_model else ''}")
        else:
            st.caption("未配置(KB_LLM_BASE_URL),回答直接摘录原文句子。")
        if override or settings.llm_base_url:
            st.toggle("用语言模型组织回答", value=True, key="use_llm",
                      help="关闭后只摘录原文句子,不调用语言模型")
        with st.expander("为本会话设置模型接口"):
            st.text_input("接口地址(OpenAI 兼容)", key="llm_url", placeholder="http://localhost:8000/v1")
            st.text_input("模型名", key="llm_model", placeholder="qwen2.5-7b-instruct")
            st.text_input("API Key", key="llm_key", type="password")

        if st.session_state.get("page") == "chat" and st.session_state.messages:
            st.button("清空对话", icon=":material/delete_sweep:", key="clear_chat", width="stretch",
                      on_click=lambda: st.session_state.update(messages=[]))
        st.caption(f"存储位置:{escape_text(str(settings.home))}")


def main() -> None:
    wide = st.session_state.get("page") == "library"
    st.set_page_config(page_title="知识库问答", page_icon=":material/menu_book:", layout="wide" if wide else "centered")
    st.html(CSS)
    st.session_state.setdefault("messages", [])
    try:
        with st.spinner("正在打开知识库(首次启动要加载模型,稍等几秒)…"):
            kb = open_knowledge_base()
    except Exception as exc:
        st.error(f"无法打开知识库:{escape_text(f'{type(exc).__name__}: {exc}')}")
        st.stop()
        return
    page = st.segmented_control("页面", list(PAGES), format_func=PAGES.get, default="chat", required=True,
                                key="page", label_visibility="collapsed")
    sidebar(kb)
    if page == "add":
        page_add(kb)
    elif page == "library":
        page_library(kb)
    else:
        page_chat(kb)


if __name__ == "__main__":
    main()
