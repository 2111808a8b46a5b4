"""The session's side of the app: the KnowledgeBase (opened once per process and store), the
sidebar's settings (answer, search scope, this session's language model) and the sidebar itself."""
from __future__ import annotations

import copy
from dataclasses import replace
from datetime import date

import streamlit as st

from kb.config import Settings
from kb.knowledge import KnowledgeBase
from ui.render import escape_text

SCRIPT_OPTIONS = {"auto": "自动", "hans": "简体", "hant": "繁體"}


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
    key = "|".join(str(v) for v in (settings.home.resolve(), settings.embed_model, settings.chroma_url, settings.database_url,
                                    settings.passage_chars, settings.max_file_bytes, settings.keyword_weight,
                                    settings.llm_base_url, settings.llm_model))
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
