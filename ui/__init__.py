"""The Streamlit app's pages and pieces; app.py sets the page up and routes to them.

- ui.render: pure, Streamlit-free helpers (escaping, the HTML of answers, passages and article
  details, links, dates, rejections said in Chinese, the page's CSS); unit-tested in tests/test_app.py
- ui.session: the KnowledgeBase opened once per process and store, this session's settings and
  language model, and the sidebar
- ui.chat: the chat page, answers with their citations
- ui.add: the add page (uploads, pasted text, a URL, feed subscriptions; progress and results)
- ui.library: the library page and one article's page (reading, deleting)

Everything goes through kb.knowledge.KnowledgeBase (and kb.records, kb.chat, kb.config, kb.answer.render).
"""
