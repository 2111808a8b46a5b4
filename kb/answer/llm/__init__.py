"""Answers written by a language model over an OpenAI-compatible endpoint, checked against the passages.

The model (Ollama, vLLM, llama.cpp server, DeepSeek, Qwen... anything serving `/chat/completions`)
gets the numbered passages [1]..[k] and is told to answer only from them, in the question's script,
ending every sentence with the `[n]` of the passage it rests on. The reply is streamed token by token
to `on_token`, then checked:

- markers ([n], full-width ［n］/【n】, [1][2], [1,2], [1-3]) pointing to no passage are dropped, with a warning;
- sentences without any valid marker are named in a warning;
- the markers left are renumbered 1..m in order of first use, and each becomes a `Citation` whose
  sentence is the passage sentence sharing the most character bigrams with the answer sentences citing it;
- a reply saying the passages do not hold the answer (and citing nothing) gives an abstained answer.

Whatever goes wrong (connection refused, HTTP error, timeout, malformed stream, no valid marker at all)
the extractive answer is returned instead, with a warning saying why. Tokens already passed to
`on_token` are not taken back: a caller that streams should show `Answer.text` once this returns.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Callable

import httpx

from kb.answer.llm.check import check_reply, fix_script, says_no_answer
from kb.answer.llm.client import LLMError, endpoint_url, stream_reply
from kb.answer.llm.prompt import build_messages
from kb.answer.render import no_answer_text
from kb.config import Settings
from kb.records import Answer, Hit

__all__ = ["LLMError", "build_messages", "check_reply", "endpoint_url", "generate_answer", "says_no_answer"]

FALLBACK = "语言模型不可用，已改用摘录式回答: {reason}"


def fallback(extractive: Answer, reason: str) -> Answer:
    return replace(extractive, warnings=list(extractive.warnings) + [FALLBACK.format(reason=reason)])


def _reason(exc: Exception) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"超时（{type(exc).__name__}）"
    if isinstance(exc, httpx.ConnectError):
        return f"无法连接（{exc}）"
    return f"{type(exc).__name__}: {exc}" if not isinstance(exc, LLMError) else str(exc)


def generate_answer(question: str, hits: list[Hit], extractive: Answer, settings: Settings, *, script: str,
                    on_token: Callable[[str], None] | None = None, language: str = "zh") -> Answer:
    """The model's answer from `hits`, checked; the `extractive` answer (with a warning) on any failure."""
    if not hits:
        return extractive
    try:
        raw, model, reply = stream_reply(question, hits, settings, script, on_token, language)
    except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, LLMError) as exc:
        return fallback(extractive, _reason(exc))
    generated_by = f"llm:{model or 'default'}"
    text = fix_script(raw.strip(), script)
    if not text:
        return fallback(extractive, "模型返回了空回答")
    final, citations, warnings, cited = check_reply(text, hits, script)
    if reply.truncated:
        warnings.append("模型的回答因长度限制被截断")
    elif reply.interrupted:
        warnings.append("模型的回答流意外结束，回答可能不完整")
    if not cited:
        if says_no_answer(text):
            return Answer(question, no_answer_text(script), True, [], hits, script,
                          generated_by=generated_by)
        return fallback(extractive, "模型的回答没有有效的引用标记")
    return Answer(question, final, False, citations, hits, script, generated_by=generated_by, warnings=warnings)
