"""The chat page: questions (follow-ups made whole by kb.chat), the streamed answer, its [n] citations
with the cited sentence highlighted in its passage (and its page, for PDFs; an article-fact answer cites
the article's own record instead of a passage), and the nearest passages when there is no answer."""
from __future__ import annotations

import time

import streamlit as st

from kb.chat import rewrite_followup
from kb.knowledge import KnowledgeBase
from kb.records import Answer, Citation
from kb.retrieve.question import EmptyQuestion
from ui.render import (answer_html, escape_text, highlight_html, lines_html, meta_html, original_span, page_label,
                       record_html, sentence_span)
from ui.session import ask_settings, knowledge_base_for_session

# kb.retrieve.question.EmptyQuestion in the app's words (the command line says it in English).
NO_WORDS = "这个问题里没有可以检索的字词:请写下想问的内容,例如「美联储什么时候终止QT?」"


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


def citation_label(c: Citation) -> str:
    """The card's title: [n], the article, its source and date, and the page for sources with pages."""
    return " · ".join(x for x in (f"[{c.n}] {c.title}", c.source, (c.published or "")[:10], page_label(c.page)) if x)


def show_citation(c: Citation, *, expanded: bool, original_first: bool) -> None:
    if c.kind == "article":  # an article fact: the cited thing is the article's own record, not a passage
        with st.expander(escape_text(citation_label(c)), expanded=expanded, icon=":material/badge:"):
            st.markdown(record_html(title=c.title, author=c.author, source=c.source, published=c.published,
                                    url=c.url), unsafe_allow_html=True)
            st.caption("出处是文章本身的记录(标题、作者、来源、日期、链接),不是正文段落")
        return
    with st.expander(escape_text(citation_label(c)), expanded=expanded, icon=":material/article:"):
        st.markdown(meta_html(source=c.source, author=c.author, published=c.published, url=c.url, page=c.page),
                    unsafe_allow_html=True)
        start, end = sentence_span(c.passage, c.sentence, c.sentence_start)
        simplified = highlight_html(c.passage, start, end)
        original = None
        if c.passage_original and c.passage_original != c.passage:
            original = highlight_html(c.passage_original, *original_span(c))
        show_passage_views(simplified, original, original_first=original_first)
        st.caption(f"第 {c.position + 1} 段 · 相关度 {c.score:.2f}")


def show_nearest(record: dict) -> None:
    nearest = record.get("nearest") or []
    if not nearest:
        st.caption("在当前检索范围内没有找到相关段落。可以放宽侧边栏的来源或日期范围再试。")
        return
    st.markdown('<div class="kb-sources-title">最接近的段落</div>', unsafe_allow_html=True)
    for i, item in enumerate(nearest):
        with st.expander(escape_text(item["title"]), expanded=i == 0, icon=":material/search:"):
            st.markdown(meta_html(source=item["source"], author=item["author"], published=item["published"],
                                  url=item["url"], page=item.get("page")), unsafe_allow_html=True)
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
    if record.get("notice"):
        st.warning(record["notice"], icon=":material/edit:")
        return
    answer: Answer = record["answer"]
    if answer.abstained:
        st.markdown(f'<div class="kb-noanswer">{lines_html(answer.text)}</div>', unsafe_allow_html=True)
        show_nearest(record)
    else:
        st.markdown(answer_html(answer.text, short=bool(answer.short)), unsafe_allow_html=True)
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
                            "position": hit.passage.position, "page": hit.passage.page, "score": hit.score})
    return {"role": "assistant", "answer": answer, "nearest": nearest, "seconds": seconds}


def previous_question() -> str | None:
    for message in reversed(st.session_state.messages):
        if message["role"] == "user":
            return message.get("effective") or message["content"]
    return None


def show_user_message(message: dict) -> None:
    st.markdown(f'<div class="kb-answer">{lines_html(message["content"])}</div>', unsafe_allow_html=True)
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
        except EmptyQuestion:
            record = {"role": "assistant", "notice": NO_WORDS}
        except Exception as exc:  # the model endpoint or the store failed: say so, keep the page
            record = {"role": "assistant", "error": f"{type(exc).__name__}: {exc}"}
        placeholder.empty()
        show_answer(record)
    messages.append(record)
