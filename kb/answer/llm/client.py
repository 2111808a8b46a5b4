"""The transport: one streamed chat completion from an OpenAI-compatible endpoint (SSE or plain JSON),
with the model's <think> part kept out of what the reader sees."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable, Iterator
from urllib.parse import urlsplit

import httpx

from kb.answer.llm.prompt import build_messages
from kb.config import Settings
from kb.records import Hit

TEMPERATURE = 0.2
_THINK_OPEN, _THINK_CLOSE = "<think>", "</think>"


class LLMError(RuntimeError):
    """The endpoint could not give a usable reply; the message is the reason shown to the user."""


@dataclass
class _Reply:
    text: str
    truncated: bool = False  # the model stopped at its length limit
    interrupted: bool = False  # the stream ended without a finish reason or [DONE]


def endpoint_url(base_url: str, path: str = "chat/completions") -> str:
    """`{base_url}/chat/completions`; a bare host gets `/v1`, a URL already ending in the path is kept."""
    base = base_url.strip().rstrip("/")
    if base.endswith("/" + path):
        return base
    if base.endswith("/chat/completions"):
        base = base[: -len("/chat/completions")]
    if urlsplit(base).path in ("", "/"):
        base += "/v1"
    return f"{base}/{path}"


def _headers(settings: Settings) -> dict[str, str]:
    headers = {"Accept": "text/event-stream"}
    if settings.llm_api_key:
        headers["Authorization"] = f"Bearer {settings.llm_api_key}"
    return headers


def _http_error(response: httpx.Response) -> LLMError:
    try:
        body = response.read().decode("utf-8", "replace")
    except httpx.HTTPError:
        body = ""
    detail = body.strip()
    try:
        data = json.loads(body)
        error = data.get("error") if isinstance(data, dict) else None
        detail = (error.get("message") if isinstance(error, dict) else error) or detail
    except ValueError:
        pass
    detail = " ".join(str(detail).split())[:200]
    return LLMError(f"HTTP {response.status_code}" + (f": {detail}" if detail else ""))


def discover_model(client: httpx.Client, settings: Settings) -> str | None:
    """The first model the endpoint lists (used when `llm_model` is not set), or None."""
    try:
        response = client.get(endpoint_url(settings.llm_base_url or "", "models"), headers=_headers(settings))
        if response.status_code >= 400:
            return None
        models = response.json().get("data") or []
        return str(models[0]["id"]) if models else None
    except (httpx.HTTPError, ValueError, KeyError, TypeError, AttributeError, IndexError):
        return None


def _sse_pieces(response: httpx.Response, reply: _Reply) -> Iterator[str]:
    """Content pieces of an SSE chat-completions stream."""
    done = finished = False
    for line in response.iter_lines():
        line = line.strip()
        if not line or line.startswith(":") or not line.startswith("data:"):
            continue  # blank separators, comments, `event:`/`id:` fields
        data = line[5:].strip()
        if data == "[DONE]":
            done = True
            break
        try:
            chunk = json.loads(data)
        except ValueError:
            raise LLMError(f"流格式错误: {data[:80]}") from None
        if not isinstance(chunk, dict):
            raise LLMError(f"流格式错误: {data[:80]}")
        if chunk.get("error"):
            error = chunk["error"]
            raise LLMError(f"模型出错: {error.get('message') if isinstance(error, dict) else error}")
        choices = chunk.get("choices")
        if not choices:
            continue  # usage-only chunks
        if not isinstance(choices, list) or not isinstance(choices[0], dict):
            raise LLMError(f"流格式错误: {data[:80]}")
        choice = choices[0]
        finished = finished or bool(choice.get("finish_reason"))
        if choice.get("finish_reason") == "length":
            reply.truncated = True
        delta = choice.get("delta") or choice.get("message") or {}
        content = delta.get("content") if isinstance(delta, dict) else None
        if content:
            yield str(content)
    if not (done or finished):
        if not reply.text:
            raise LLMError("流在 [DONE] 之前中断")
        reply.interrupted = True


def _json_pieces(response: httpx.Response, reply: _Reply) -> Iterator[str]:
    """A server that ignored `stream: true` and sent one JSON completion."""
    try:
        data = json.loads(response.read())
        choice = data["choices"][0]
        content = choice["message"]["content"] or ""
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise LLMError(f"回复格式错误: {exc!r}") from None
    if choice.get("finish_reason") == "length":
        reply.truncated = True
    if content:
        yield content


class _ThinkFilter:
    """Holds back a leading `<think>...</think>` block (reasoning models) from what is shown."""

    def __init__(self) -> None:
        self.raw = ""
        self.shown = 0  # characters of the visible text already passed on

    def visible(self) -> str:
        head = self.raw.lstrip()
        if head.startswith(_THINK_OPEN):
            end = head.find(_THINK_CLOSE)
            return "" if end < 0 else head[end + len(_THINK_CLOSE):].lstrip()
        if _THINK_OPEN.startswith(head):
            return ""  # could still become "<think>"
        return self.raw

    def feed(self, piece: str) -> str:
        self.raw += piece
        visible = self.visible()
        new = visible[self.shown:]
        self.shown = len(visible)
        return new


def stream_reply(question: str, hits: list[Hit], settings: Settings, script: str,
                 on_token: Callable[[str], None] | None = None, language: str = "zh") -> tuple[str, str | None, _Reply]:
    """(visible reply text, model name, raw reply) from the endpoint, streaming pieces to `on_token`."""
    if not settings.llm_base_url:
        raise LLMError("没有设置 KB_LLM_BASE_URL")
    timeout = httpx.Timeout(settings.llm_timeout)
    reply = _Reply("")
    shown = _ThinkFilter()
    with httpx.Client(timeout=timeout) as client:
        model = settings.llm_model or discover_model(client, settings)
        payload: dict = {"messages": build_messages(question, hits, script, language), "stream": True,
                         "temperature": TEMPERATURE}
        if model:
            payload["model"] = model
        with client.stream("POST", endpoint_url(settings.llm_base_url), json=payload,
                           headers=_headers(settings)) as response:
            if response.status_code >= 400:
                raise _http_error(response)
            kind = response.headers.get("content-type", "")
            pieces = _json_pieces if "application/json" in kind else _sse_pieces
            for piece in pieces(response, reply):
                reply.text += piece
                visible = shown.feed(piece)
                if visible and on_token:
                    on_token(visible)
    return shown.visible(), model, reply
