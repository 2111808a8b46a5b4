"""The add page: uploaded files (txt, md, html, pdf, docx), pasted text or a URL into the knowledge
base, and RSS/Atom subscriptions (add, remove, update now), with progress and each result said in
Chinese. Every action goes through KnowledgeBase."""
from __future__ import annotations

import math
import time
from typing import Callable, Iterable, Sequence

import streamlit as st

from kb.ingest.subscriptions import FeedUpdate
from kb.knowledge import KnowledgeBase
from kb.records import IngestResult
from ui.render import escape_text, explain_rejection, explain_result, link_html, safe_url, short_date


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


# -- feeds ------------------------------------------------------------------------------------------

def _say_feed_error(exc: Exception) -> str:
    """A failure of add_feed in Chinese: an IngestError from its code, anything else as it is."""
    code = getattr(exc, "code", None)
    if code:
        return explain_rejection(code, getattr(exc, "params", None), str(exc))
    return f"{type(exc).__name__}: {exc}"


def _remove_feed(kb: KnowledgeBase, url: str, title: str) -> None:
    """on_click of a feed's remove button: runs before the page is drawn, so the list is current."""
    try:
        removed = kb.remove_feed(url)
        st.session_state.feed_notice = ("success" if removed else "info",
                                        f"已取消订阅 《{escape_text(title)}》,已导入的文章仍保留在知识库里" if removed
                                        else f"《{escape_text(title)}》 已经不在订阅列表里")
    except Exception as exc:
        st.session_state.feed_notice = ("error", f"取消订阅失败:{escape_text(f'{type(exc).__name__}: {exc}')}")


def update_counts(update: FeedUpdate) -> dict[str, int]:
    counts = {"added": 0, "replaced": 0, "unchanged": 0, "rejected": 0}
    for r in update.results:
        counts[r.status if r.status in counts else "rejected"] += 1
    return counts


def show_feed_updates(updates: Sequence[FeedUpdate]) -> None:
    """What `update_feeds` did: one line per feed, then each of its items said as the other tabs say them."""
    if not updates:
        st.info("没有订阅源可更新。", icon=":material/info:")
        return
    for update in updates:
        name = escape_text(update.title or update.url)
        if update.status == "failed":
            reason = explain_rejection(None, None, update.error)
            st.error(f"**订阅源更新失败** 《{name}》:{escape_text(reason)}", icon=":material/error:")
            continue
        if update.status == "not_modified":
            st.info(f"**没有新内容** 《{name}》 · 订阅源自上次更新以来没有变化", icon=":material/info:")
            continue
        c = update_counts(update)
        bits = [f"新增 {c['added']} 篇"]
        if c["replaced"]:
            bits.append(f"更新 {c['replaced']} 篇")
        bits.append(f"未变化 {c['unchanged']} 篇")
        bits.append(f"未导入 {c['rejected']} 篇")
        if update.known:
            bits.append(f"已在知识库中 {update.known} 篇(跳过)")
        if update.deferred:
            bits.append(f"留待下次更新 {update.deferred} 篇")
        st.markdown(f"**《{name}》** · " + " · ".join(bits))
        show_ingest_results(update.results)


def show_feed_list(kb: KnowledgeBase) -> None:
    """The subscriptions, each with its link, last update (or error) and a remove button."""
    try:
        feeds = kb.feeds()
    except Exception as exc:
        st.error(f"无法读取订阅列表:{escape_text(f'{type(exc).__name__}: {exc}')}")
        return
    st.markdown(f"##### 已订阅({len(feeds)})")
    if not feeds:
        st.caption("还没有订阅源。")
    for index, feed in enumerate(feeds):
        url, title = feed["url"], feed.get("title") or feed["url"]
        with st.container(border=True):
            left, right = st.columns([5, 1], vertical_alignment="center")
            with left:
                bits = [link_html(url, url)]
                checked = feed.get("checked_at")
                bits.append(f"上次更新 {escape_text(short_date(checked))}" if checked else "尚未更新")
                st.markdown(f"**{escape_text(title)}**<br><span class=\"kb-meta\">{' · '.join(bits)}</span>",
                            unsafe_allow_html=True)
                if feed.get("last_error"):
                    st.caption(f"上次更新出错:{escape_text(feed['last_error'])}")
            with right:
                st.button("取消订阅", key=f"remove_feed_{index}", icon=":material/delete:",
                          on_click=_remove_feed, args=(kb, url, title))


def _submitted_address(form: str, label: str, key: str, placeholder: str, button: str, icon: str,
                       what: str) -> str | None:
    """A one-field form for a web address: the address once submitted, if it is http(s); else None
    (with a warning saying what to enter when what was submitted is not)."""
    with st.form(form, clear_on_submit=True, border=False):
        address = st.text_input(label, key=key, placeholder=placeholder)
        submitted = st.form_submit_button(button, type="primary", icon=icon)
    if not submitted:
        return None
    address = (address or "").strip()
    if not safe_url(address):
        st.warning(f"请输入以 http:// 或 https:// 开头的{what}。")
        return None
    return address


def feeds_tab(kb: KnowledgeBase) -> None:
    st.caption("订阅 RSS 或 Atom 订阅源:点「立即更新」时导入其中的新文章(条目带全文时直接导入,否则抓取它链接的网页)。")
    address = _submitted_address("feed_form", "订阅源网址", "feed_url", "https://example.com/feed.xml",
                                 "添加订阅", ":material/add:", "订阅源网址")
    if address:
        try:
            with st.spinner("正在检查订阅源…"):
                feed = kb.add_feed(address)
        except Exception as exc:  # IngestError (not a feed, unreachable) or a store error
            st.session_state.feed_notice = ("error", f"**未订阅** {escape_text(address)}:"
                                                     f"{escape_text(_say_feed_error(exc))}")
        else:
            name = escape_text(feed.get("title") or address)
            if feed.get("added"):
                st.session_state.feed_notice = ("success", f"**已订阅** 《{name}》 · 现有 {feed.get('items', 0)} "
                                                           "条内容,点「立即更新」导入")
            else:
                st.session_state.feed_notice = ("info", f"《{name}》 已经在订阅列表里")
    notice = st.session_state.pop("feed_notice", None)
    if notice:
        kind, text = notice
        {"success": st.success, "info": st.info, "error": st.error}[kind](text)

    # The list is drawn after the update button has run, so it shows this run's update times.
    list_area = st.container()
    try:
        feeds = kb.feeds()
    except Exception:  # the list below says why
        feeds = []
    if st.button("立即更新", key="update_feeds", type="primary", icon=":material/sync:", disabled=not feeds):
        bar = st.progress(0.0, text="正在更新订阅源…")

        def progress(done: int, total: int, result: IngestResult) -> None:
            name = result.title or result.origin
            bar.progress(done / max(total, 1), text=f"正在导入({done}/{total}):{escape_text(name[:40])}")

        try:
            updates = kb.update_feeds(progress=progress)
        except Exception as exc:  # a store error: say so, keep the page
            updates = None
            st.error(f"更新失败:{escape_text(f'{type(exc).__name__}: {exc}')}")
        bar.progress(1.0, text="更新完成")
        if updates is not None:
            st.session_state.feed_updates = updates
    if st.session_state.get("feed_updates") is not None:
        st.markdown("##### 更新结果")
        show_feed_updates(st.session_state.feed_updates)
    with list_area:
        show_feed_list(kb)


def page_add(kb: KnowledgeBase) -> None:
    limit_mb = max(1, math.ceil(kb.settings.max_file_bytes / (1024 * 1024)))
    st.subheader("添加文章", anchor=False)
    st.caption("支持 txt、md、html、pdf、docx 文件,粘贴的文本,文章网址,或 RSS/Atom 订阅源。"
               "简体、繁体都可以,系统会自动识别并统一检索。")
    upload_tab, paste_tab, url_tab, feeds_tab_ = st.tabs([
        ":material/upload_file: 上传文件", ":material/edit_note: 粘贴文本", ":material/link: 网址",
        ":material/rss_feed: 订阅源"])
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
        address = _submitted_address("url_form", "文章网址", "ingest_url", "https://example.com/article.html",
                                     "抓取并添加", ":material/language:", "网址")
        if address:
            def fetch(progress):
                try:
                    return list(kb.ingest([address], progress=progress))
                except Exception as exc:
                    return [IngestResult(address, "rejected", reason=f"{type(exc).__name__}: {exc}")]

            results = _run_with_progress("正在抓取", fetch)

    with feeds_tab_:
        feeds_tab(kb)

    if results is not None:
        st.session_state.ingest_results = results
    if st.session_state.get("ingest_results"):
        st.markdown("##### 导入结果")
        show_ingest_results(st.session_state.ingest_results)
