"""The add page: uploaded files, pasted text or a URL into the knowledge base, with progress and
each result said in Chinese."""
from __future__ import annotations

import math
import time
from typing import Callable, Iterable, Sequence

import streamlit as st

from kb.knowledge import KnowledgeBase
from kb.records import IngestResult
from ui.render import escape_text, explain_result, safe_url


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
            files = st.file_uploader(f"选择 txt、md、html、pdf 或 docx 文件(可多选,每个不超过 {limit_mb} MB)",
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
