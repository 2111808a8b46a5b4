"""The library page: the articles in a filterable table, one article to read (Simplified or its
original script, with its passages), and deleting it."""
from __future__ import annotations

import streamlit as st

from kb.knowledge import KnowledgeBase
from ui.render import escape_text, highlight_html, lines_html, meta_html, safe_url, short_date, text_html


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
            st.markdown(f'<div class="kb-meta">摘要:{lines_html(summary)}</div>', unsafe_allow_html=True)
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
