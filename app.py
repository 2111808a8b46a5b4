"""kb 的网页界面:向中文文章知识库提问(带出处)、添加文章、管理文章库。

Run with `streamlit run app.py`. The store is the one named by KB_HOME (default ~/.kb), the same
one the command line uses. Everything here goes through `kb.knowledge.KnowledgeBase`.

This file sets the page up and routes; the pages live in ui/ (see ui/__init__.py). Article text is
never rendered as live markup: see ui/render.py.
"""
from __future__ import annotations

import streamlit as st

from ui.add import page_add
from ui.chat import page_chat
from ui.library import page_library
from ui.render import CSS, escape_text
from ui.session import open_knowledge_base, sidebar

PAGES = {"chat": ":material/forum: 问答", "add": ":material/note_add: 添加文章",
         "library": ":material/library_books: 文章库"}


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
