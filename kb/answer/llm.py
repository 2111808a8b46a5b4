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

import json
import re
from dataclasses import dataclass, replace
from typing import Callable, Iterator
from urllib.parse import urlsplit

import httpx

from kb.answer import NO_ANSWER, citation_for, passage_sentences
from kb.config import Settings
from kb.records import Answer, Citation, Hit
from kb.text import convert

FALLBACK = "语言模型不可用，已改用摘录式回答: {reason}"
MODEL_NO_ANSWER = "知识库中没有这个问题的答案。"
TEMPERATURE = 0.2

_SCRIPT_INSTRUCTION = {
    "hans": "请用简体中文回答。",
    "hant": "請用繁體中文（台灣用字）回答，不要使用簡體字。",
    "hant-hk": "請用繁體中文（香港用字）回答，不要使用簡體字。",
}

SYSTEM_PROMPT = """你是一个知识库问答助手。用户会给出若干编号的段落和一个问题。
规则：
1. 只能根据这些段落回答，不要使用段落以外的任何知识，不要猜测。
2. {script_instruction}
3. 每一句话的句末都必须标注引用标记 [n]，n 是支持这句话的段落编号（1 到 {k}）；一句话由几个段落支持时写成 [1][2]。不要编造段落编号，不要写出段落里没有的内容。
4. 如果这些段落不包含问题的答案，只回答“{no_answer}”，不要标注引用。
5. 回答要简洁，直接回答问题，不要复述规则。"""

# A marker group: [1] [1,2] [1-3] [^1], in half- or full-width brackets, full-width digits included.
_MARKER = re.compile(r"[\[［【]\s*\^?\s*(\d{1,3}(?:\s*[,，、;；\-–~～]\s*\d{1,3})*)\s*[\]］】]")
_MARKER_SPLIT = re.compile(r"\s*([,，、;；\-–~～])\s*")
_THINK_OPEN, _THINK_CLOSE = "<think>", "</think>"
# Replies that say the passages do not hold the answer (checked on Simplified text).
_NO_ANSWER_PATTERNS = [
    re.compile(r"(没有|未|无|不)[^。！？\n]{0,20}(答案|信息|资料|资讯|内容|记载|说明|提及|提到|涉及|相关)"),
    re.compile(r"(没有|未能|无法|不能|未)(找到|提供|提及|提到|包含|包括|涉及|说明|回答|确定|得知|给出)"),
    re.compile(r"(不包含|不包括|并未|并没有|无从)"),
]
_SHORT_SENTENCE = 4  # answer sentences with fewer bigrams than this are not checked for overlap


class LLMError(RuntimeError):
    """The endpoint could not give a usable reply; the message is the reason shown to the user."""


@dataclass
class _Reply:
    text: str
    truncated: bool = False  # the model stopped at its length limit
    interrupted: bool = False  # the stream ended without a finish reason or [DONE]


# -- the request ------------------------------------------------------------------------------------

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


def _passage_text(hit: Hit, script: str) -> str:
    """The passage in the question's script: the original words when the article was written in it."""
    passage = hit.passage
    if script == "hans":
        return passage.text
    if hit.article.script == script and len(passage.text_original) == len(passage.text):
        return passage.text_original
    return convert.to_script(passage.text, script)


def build_messages(question: str, hits: list[Hit], script: str) -> list[dict]:
    no_answer = _no_answer_text(MODEL_NO_ANSWER, script)
    system = SYSTEM_PROMPT.format(script_instruction=_SCRIPT_INSTRUCTION.get(script, _SCRIPT_INSTRUCTION["hans"]),
                                  k=len(hits), no_answer=no_answer)
    blocks = []
    for n, hit in enumerate(hits, 1):
        article = hit.article
        if script == "hans" or article.script != script:
            title = convert.to_script(article.title, script)
        else:
            title = article.title_original
        meta = [f"《{title}》"]
        if article.source:
            meta.append(article.source)
        if article.published:
            meta.append(article.published[:10])
        blocks.append(f"[{n}] {' '.join(meta)}\n{_passage_text(hit, script)}")
    if script != "hans":
        system = convert.to_script(system, script)
    question_label = "问题" if script == "hans" else "問題"
    user = "段落：\n\n" + "\n\n".join(blocks) + f"\n\n{question_label}：{question}"
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


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
                 on_token: Callable[[str], None] | None = None) -> tuple[str, str | None, _Reply]:
    """(visible reply text, model name, raw reply) from the endpoint, streaming pieces to `on_token`."""
    if not settings.llm_base_url:
        raise LLMError("没有设置 KB_LLM_BASE_URL")
    timeout = httpx.Timeout(settings.llm_timeout)
    reply = _Reply("")
    shown = _ThinkFilter()
    with httpx.Client(timeout=timeout) as client:
        model = settings.llm_model or discover_model(client, settings)
        payload: dict = {"messages": build_messages(question, hits, script), "stream": True,
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


# -- checking the reply --------------------------------------------------------------------------------

def _simplified(text: str, script: str) -> str:
    return convert.to_simplified(convert.fold_width(text), convert.conversion_for(script))


def _bigrams(text: str) -> set[str]:
    chars = [ch for ch in text.lower() if ch.isalnum()]
    if len(chars) == 1:
        return {chars[0]}
    return {a + b for a, b in zip(chars, chars[1:])}


def _overlap(answer: set[str], passage: set[str]) -> float:
    if not answer or not passage:
        return 0.0
    return 2 * len(answer & passage) / (len(answer) + len(passage))


def _marker_numbers(group: str) -> list[int]:
    """The numbers of one marker group: "1", "1,2", "1、2", "1-3" (a short ascending range)."""
    parts = _MARKER_SPLIT.split(group.strip())
    numbers: list[int] = []
    for i in range(0, len(parts), 2):
        value = int(parts[i])
        separator = parts[i - 1] if i else ","
        if separator in "-–~～" and numbers and numbers[-1] < value <= numbers[-1] + 20:
            numbers += range(numbers[-1] + 1, value + 1)
        else:
            numbers.append(value)
    return numbers


def _fix_script(text: str, script: str) -> str:
    """The reply in the asked script when the model wrote it in the other one."""
    if not any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return text
    written = convert.detect_script(text)
    if script == "hans" and written != "hans":
        return convert.to_simplified(text, convert.conversion_for(written))
    if script != "hans" and written == "hans":
        return convert.to_script(text, script)
    return text


def _no_answer_text(text: str, script: str) -> str:
    return text if script == "hans" else convert.to_script(text, script)


def says_no_answer(text: str) -> bool:
    simplified = convert.to_simplified(convert.fold_width(text), "t2s")
    return any(p.search(simplified) for p in _NO_ANSWER_PATTERNS)


def _short(sentence: str, limit: int = 30) -> str:
    sentence = " ".join(sentence.split())
    return sentence if len(sentence) <= limit else sentence[:limit] + "…"


def _is_heading(sentence: str) -> bool:
    """A lead-in ("要点如下：") or a Markdown heading/bold line: nothing there to cite."""
    return sentence.endswith((":", "：")) or sentence.startswith("#") or (
        sentence.startswith("**") and sentence.rstrip("：:").endswith("**"))


@dataclass
class _Sentence:
    start: int  # span in the marker-free text
    end: int
    numbers: list[int]  # valid passage numbers (1-based, as given to the model)


def check_reply(text: str, hits: list[Hit], script: str) -> tuple[str, list[Citation], list[str], bool]:
    """(text with markers rewritten, citations, warnings, any valid marker) for a model reply."""
    k = len(hits)
    invalid: list[int] = []
    order: list[int] = []  # passage numbers in order of first use
    groups: list[tuple[int, list[int]]] = []  # (position in clean text, valid numbers)
    clean_parts: list[str] = []
    out_parts: list[str] = []
    clean_len, last = 0, 0
    matches = list(_MARKER.finditer(text))
    for match in matches:
        before = text[last:match.start()]
        clean_parts.append(before)
        clean_len += len(before)
        valid: list[int] = []
        for n in _marker_numbers(match.group(1)):
            if 1 <= n <= k:
                if n not in valid:
                    valid.append(n)
                if n not in order:
                    order.append(n)
            elif n not in invalid:
                invalid.append(n)
        groups.append((clean_len, valid))
        out_parts.append(before)
        out_parts.append(None)  # filled once the numbering is known
        last = match.end()
    clean_parts.append(text[last:])
    out_parts.append(text[last:])
    clean = "".join(clean_parts)
    renumber = {n: i + 1 for i, n in enumerate(order)}

    # The rewritten text: each group becomes its valid markers in the new numbering, or nothing.
    group_iter = iter(groups)
    rebuilt = []
    for part in out_parts:
        if part is None:
            _, valid = next(group_iter)
            rebuilt.append("".join(f"[{renumber[n]}]" for n in valid))
        else:
            rebuilt.append(part)
    final = re.sub(r"[ \t]+\n", "\n", "".join(rebuilt)).strip()

    # Which sentence each group belongs to: the last sentence starting before it (markers follow the
    # words they support, often after the closing 。).
    spans = passage_sentences(clean)
    sentences = [_Sentence(s, e, []) for s, e in spans]
    for position, valid in groups:
        owner = None
        for sentence in sentences:
            if sentence.start < position:
                owner = sentence
            else:
                break
        owner = owner or (sentences[0] if sentences else None)
        if owner is not None:
            owner.numbers += [n for n in valid if n not in owner.numbers]

    warnings: list[str] = []
    if invalid:
        listed = "".join(f"[{n}]" for n in invalid)
        warnings.append(f"已删除指向不存在段落的引用标记 {listed}（只给了 {k} 个段落）")
    for sentence in sentences:
        words = clean[sentence.start:sentence.end]
        content = words.strip()
        if not sentence.numbers and any(ch.isalnum() for ch in content) and not _is_heading(content):
            warnings.append(f"这句话没有有效的引用标记：「{_short(content)}」")

    # Citations: for each cited passage, the passage sentence closest to the answer sentences citing it.
    citations: list[Citation] = []
    for n in order:
        hit = hits[n - 1]
        passage_spans = passage_sentences(hit.passage.text) or [(0, len(hit.passage.text))]
        passage_grams = [_bigrams(hit.passage.text[s:e]) for s, e in passage_spans]
        best, best_score = passage_spans[0], 0.0
        for sentence in sentences:
            if n not in sentence.numbers:
                continue
            grams = _bigrams(_simplified(clean[sentence.start:sentence.end], script))
            scores = [_overlap(grams, g) for g in passage_grams]
            top = max(range(len(scores)), key=lambda i: (scores[i], -i))
            if scores[top] > best_score:
                best, best_score = passage_spans[top], scores[top]
            if len(grams) >= _SHORT_SENTENCE and not grams & _bigrams(hit.passage.text):
                warnings.append(f"这句话与所引用的段落 [{renumber[n]}] 没有共同字词：「"
                                f"{_short(clean[sentence.start:sentence.end].strip())}」")
        citations.append(citation_for(renumber[n], hit, best[0], best[1]))
    return final, citations, warnings, bool(order)


# -- the entry point ------------------------------------------------------------------------------------

def fallback(extractive: Answer, reason: str) -> Answer:
    return replace(extractive, warnings=list(extractive.warnings) + [FALLBACK.format(reason=reason)])


def _reason(exc: Exception) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"超时（{type(exc).__name__}）"
    if isinstance(exc, httpx.ConnectError):
        return f"无法连接（{exc}）"
    return f"{type(exc).__name__}: {exc}" if not isinstance(exc, LLMError) else str(exc)


def generate_answer(question: str, hits: list[Hit], extractive: Answer, settings: Settings, *, script: str,
                    on_token: Callable[[str], None] | None = None) -> Answer:
    """The model's answer from `hits`, checked; the `extractive` answer (with a warning) on any failure."""
    if not hits:
        return extractive
    try:
        raw, model, reply = stream_reply(question, hits, settings, script, on_token)
    except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, LLMError) as exc:
        return fallback(extractive, _reason(exc))
    generated_by = f"llm:{model or 'default'}"
    text = _fix_script(raw.strip(), script)
    if not text:
        return fallback(extractive, "模型返回了空回答")
    final, citations, warnings, cited = check_reply(text, hits, script)
    if reply.truncated:
        warnings.append("模型的回答因长度限制被截断")
    elif reply.interrupted:
        warnings.append("模型的回答流意外结束，回答可能不完整")
    if not cited:
        if says_no_answer(text):
            return Answer(question, _no_answer_text(NO_ANSWER, script), True, [], hits, script,
                          generated_by=generated_by)
        return fallback(extractive, "模型的回答没有有效的引用标记")
    return Answer(question, final, False, citations, hits, script, generated_by=generated_by, warnings=warnings)
