"""The prompt: numbered passages in the question's script, and the rules the model must follow."""
from __future__ import annotations

from kb.answer.render import in_script
from kb.records import Hit
from kb.text import convert

MODEL_NO_ANSWER = "知识库中没有这个问题的答案。"
_SCRIPT_INSTRUCTION = {
    "hans": "请用简体中文回答。",
    "hant": "請用繁體中文（台灣用字）回答，不要使用簡體字。",
    "hant-hk": "請用繁體中文（香港用字）回答，不要使用簡體字。",
}

_OTHER_LANGUAGE = "问题不是用中文写的：请用提问所用的语言回答（例如英文问题用英文回答），引用的段落是中文。"

SYSTEM_PROMPT = """你是一个知识库问答助手。用户会给出若干编号的段落和一个问题。
规则：
1. 只能根据这些段落回答，不要使用段落以外的任何知识，不要猜测。
2. {script_instruction}
3. 每一句话的句末都必须标注引用标记 [n]，n 是支持这句话的段落编号（1 到 {k}）；一句话由几个段落支持时写成 [1][2]。不要编造段落编号，不要写出段落里没有的内容。
4. 如果这些段落不包含问题的答案，只回答“{no_answer}”，不要标注引用。
5. 回答要简洁，直接回答问题，不要复述规则。"""


def build_messages(question: str, hits: list[Hit], script: str, language: str = "zh") -> list[dict]:
    """The chat messages: rules, numbered passages, the question; `language` "zh" answers in `script`,
    any other in the question's own language (the passages stay Chinese)."""
    no_answer = in_script(MODEL_NO_ANSWER, MODEL_NO_ANSWER, "hans", script)
    instruction = _SCRIPT_INSTRUCTION.get(script, _SCRIPT_INSTRUCTION["hans"]) if language == "zh" else _OTHER_LANGUAGE
    system = SYSTEM_PROMPT.format(script_instruction=instruction, k=len(hits), no_answer=no_answer)
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
        blocks.append(f"[{n}] {' '.join(meta)}\n{in_script(hit.passage.text, hit.passage.text_original, article.script, script)}")
    if script != "hans":
        system = convert.to_script(system, script)
    question_label = "问题" if script == "hans" else "問題"
    user = "段落：\n\n" + "\n\n".join(blocks) + f"\n\n{question_label}：{question}"
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]
