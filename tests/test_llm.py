"""The language-model answer path (kb.answer.llm) against a scripted OpenAI-compatible server on 127.0.0.1."""
from __future__ import annotations

import socket
import time
from dataclasses import replace
from pathlib import Path

import pytest

from kb.answer import llm
from kb.config import Settings
from kb.records import Answer, Article, Hit, Passage
from tests.fake_llm import FakeLLM, Script

CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "marsbit-2025-12-10-fed-qt-to-rmp.zh-Hant.txt"


# -- the scripted server (tests/fake_llm.py) -------------------------------------------------------

@pytest.fixture(scope="module")
def server():
    fake = FakeLLM()
    yield fake
    fake.close()


@pytest.fixture
def fake(server):
    server.requests.clear()
    server.script = Script()
    return server


@pytest.fixture
def settings(fake, tmp_path):
    return Settings(home=tmp_path, llm_base_url=fake.base_url, llm_model="test-model", llm_timeout=5.0)


# -- records ---------------------------------------------------------------------------------------

P1 = "美联储于2025年12月1日正式终止量化紧缩。此前缩表持续了近三年，资产负债表缩小了2.4万亿美元。"
P2 = "2026年1月，美联储推出储备管理购买（RMP）。官方把RMP定义为一种技术性操作。"
P3 = "比特币价格在当月上涨了百分之五。分析师对此看法不一。"


def make_hits() -> list[Hit]:
    article = Article(
        id="a1", title="美联储大转型", body="\n".join([P1, P2, P3]), body_original="\n".join([P1, P2, P3]),
        title_original="美联储大转型", source="MarsBit", author=None, published="2025-12-10 06:35", url=None,
        summary=None, summary_original=None, origin=None, script="hans", conversion="none", content_hash="h",
    )
    hits, offset = [], 0
    for i, text in enumerate([P1, P2, P3]):
        passage = Passage(id=f"a1-{i:04d}", article_id="a1", position=i, text=text, text_original=text,
                          start=offset, end=offset + len(text))
        offset += len(text) + 1
        hits.append(Hit(passage=passage, article=article, score=0.9 - 0.1 * i, rank=i + 1))
    return hits


def extractive_for(hits: list[Hit], question: str = "美联储什么时候终止QT?") -> Answer:
    return Answer(question, "美联储于2025年12月1日正式终止量化紧缩。[1]", False, [], hits, "hans")


def ask(settings, question="美联储什么时候终止QT?", script="hans", hits=None, on_token=None) -> Answer:
    hits = hits or make_hits()
    return llm.generate_answer(question, hits, extractive_for(hits, question), settings, script=script,
                               on_token=on_token)


def assert_fallback(answer: Answer, *needles: str) -> None:
    assert answer.generated_by == "extractive"
    assert answer.text == "美联储于2025年12月1日正式终止量化紧缩。[1]"
    assert answer.warnings and answer.warnings[-1].startswith("语言模型不可用，已改用摘录式回答")
    for needle in needles:
        assert needle in answer.warnings[-1]


# -- streaming and the request ----------------------------------------------------------------------

def test_tokens_stream_in_order_and_markers_map_to_passages(fake, settings):
    pieces = ["美联储在", "2025年12月1日", "终止了量化紧缩。[1]", "随后在2026年1月推出了", "储备管理购买（RMP）。[2]"]
    fake.reply(*pieces)
    seen: list[str] = []
    answer = ask(settings, on_token=seen.append)

    assert seen == pieces
    assert answer.text == "".join(pieces)
    assert not answer.abstained and answer.warnings == []
    assert answer.generated_by == "llm:test-model"
    assert [c.n for c in answer.citations] == [1, 2]
    assert answer.citations[0].passage == P1
    assert answer.citations[0].sentence == "美联储于2025年12月1日正式终止量化紧缩。"
    assert answer.citations[1].passage == P2
    assert answer.citations[1].sentence == "2026年1月，美联储推出储备管理购买（RMP）。"
    assert answer.citations[1].sentence_start == 0 and answer.citations[0].article_id == "a1"
    assert len(answer.hits) == 3

    request = fake.chat
    assert request["path"] == "/v1/chat/completions"
    assert request["json"]["model"] == "test-model" and request["json"]["stream"] is True
    assert "authorization" not in {k.lower() for k in request["headers"]}
    prompt = fake.prompt()
    for n, text in enumerate([P1, P2, P3], 1):
        assert f"[{n}]" in prompt and text in prompt
    assert "《美联储大转型》" in prompt and "2025-12-10" in prompt
    assert "美联储什么时候终止QT?" in prompt
    assert "简体中文" in prompt and "[n]" in prompt


def test_tokens_are_passed_on_as_they_arrive(fake, settings):
    fake.reply("美联储在2025年12月1日", "终止了量化紧缩。[1]", pause_after_first=0.4)
    stamps: list[float] = []
    started = time.monotonic()
    answer = ask(settings, on_token=lambda piece: stamps.append(time.monotonic() - started))
    assert answer.generated_by == "llm:test-model"
    assert len(stamps) == 2 and stamps[1] - stamps[0] >= 0.3  # the first piece did not wait for the rest


def test_api_key_is_sent_as_bearer(fake, settings):
    fake.reply("QT在2025年12月1日终止。[1]")
    ask(replace(settings, llm_api_key="sk-secret"))
    headers = {k.lower(): v for k, v in fake.chat["headers"].items()}
    assert headers["authorization"] == "Bearer sk-secret"


def test_model_is_discovered_when_not_set(fake, settings):
    fake.reply("QT在2025年12月1日终止。[1]")
    answer = ask(replace(settings, llm_model=None))
    assert fake.requests[0]["method"] == "GET" and fake.requests[0]["path"] == "/v1/models"
    assert fake.chat["json"]["model"] == "discovered-model"
    assert answer.generated_by == "llm:discovered-model"


def test_non_streaming_json_reply_is_accepted(fake, settings):
    fake.reply("QT在2025年12月1日终止。[1]", mode="json")
    seen: list[str] = []
    answer = ask(settings, on_token=seen.append)
    assert answer.text == "QT在2025年12月1日终止。[1]" == "".join(seen)
    assert answer.citations[0].passage == P1


def test_think_block_is_hidden(fake, settings):
    fake.reply("<think>", "用户问的是QT，段落[3]无关", "</think>\n\n", "QT在2025年12月1日终止。[1]")
    seen: list[str] = []
    answer = ask(settings, on_token=seen.append)
    assert "".join(seen) == "QT在2025年12月1日终止。[1]"
    assert answer.text == "QT在2025年12月1日终止。[1]" and answer.warnings == []


@pytest.mark.parametrize("base, expected", [
    ("http://127.0.0.1:8080/v1", "http://127.0.0.1:8080/v1/chat/completions"),
    ("http://127.0.0.1:8080/v1/", "http://127.0.0.1:8080/v1/chat/completions"),
    ("http://127.0.0.1:11434", "http://127.0.0.1:11434/v1/chat/completions"),
    ("https://dashscope.aliyuncs.com/compatible-mode/v1", "https://dashscope.aliyuncs.com/compatible-mode/v1/chat/completions"),
    ("http://h:1/v1/chat/completions", "http://h:1/v1/chat/completions"),
])
def test_endpoint_url(base, expected):
    assert llm.endpoint_url(base) == expected


# -- checking markers -------------------------------------------------------------------------------

def test_invalid_marker_is_dropped_with_warning(fake, settings):
    fake.reply("QT在2025年12月1日终止。[1][9]", "比特币也跟着上涨。")
    answer = ask(settings)
    assert answer.text == "QT在2025年12月1日终止。[1]比特币也跟着上涨。"
    assert [c.passage for c in answer.citations] == [P1]
    assert any("[9]" in w and "不存在" in w for w in answer.warnings)
    assert any("没有有效的引用标记" in w and "比特币也跟着上涨" in w for w in answer.warnings)


def test_full_width_markers(fake, settings):
    fake.reply("QT在2025年12月1日终止【1】。", "RMP于2026年1月推出［２］。", "美联储先终止量化紧缩，再推出RMP【１，２】。")
    answer = ask(settings)
    assert answer.text == "QT在2025年12月1日终止[1]。RMP于2026年1月推出[2]。美联储先终止量化紧缩，再推出RMP[1][2]。"
    assert [(c.n, c.passage) for c in answer.citations] == [(1, P1), (2, P2)]
    assert answer.warnings == []


def test_markers_are_renumbered_in_order_of_first_use(fake, settings):
    fake.reply("美联储在2026年1月推出了RMP。[2] ", "此前缩表持续了近三年。[1]", "RMP被定义为技术性操作。[2]")
    answer = ask(settings)
    assert answer.text == "美联储在2026年1月推出了RMP。[1] 此前缩表持续了近三年。[2]RMP被定义为技术性操作。[1]"
    assert [(c.n, c.passage) for c in answer.citations] == [(1, P2), (2, P1)]
    assert answer.citations[1].sentence == "此前缩表持续了近三年，资产负债表缩小了2.4万亿美元。"


@pytest.mark.parametrize("reply", ["美联储先终止QT，再推出RMP。[3,1]", "美联储先终止QT，再推出RMP。[3][1]",
                                   "美联储先终止QT，再推出RMP。[3、1]"])
def test_grouped_markers(fake, settings, reply):
    fake.reply(reply)
    answer = ask(settings)
    assert answer.text == "美联储先终止QT，再推出RMP。[1][2]"
    assert [(c.n, c.passage) for c in answer.citations] == [(1, P3), (2, P1)]
    # P3 shares no words with the sentence: the grounding check says so
    assert any("[1]" in w and "没有共同字词" in w for w in answer.warnings)


def test_traditional_question_gets_traditional_prompt_and_answer(fake, settings):
    # the model slips into Simplified: the reply is rendered in the asked script
    fake.reply("美联储于2025年12月1日终止量化紧缩。[1]")
    answer = ask(settings, question="美聯儲何時終止量化緊縮?", script="hant")
    prompt = fake.prompt()
    assert "繁體中文" in prompt and "美聯儲於2025年12月1日正式終止量化緊縮。" in prompt
    assert "問題：美聯儲何時終止量化緊縮?" in prompt
    assert answer.text == "美聯儲於2025年12月1日終止量化緊縮。[1]"
    assert answer.script == "hant" and answer.citations[0].passage == P1
    assert answer.citations[0].sentence == "美联储于2025年12月1日正式终止量化紧缩。"


# -- no answer and failures ---------------------------------------------------------------------------

@pytest.mark.parametrize("reply, script", [("根据所给段落，知识库中没有这个问题的答案。", "hans"),
                                           ("知識庫中沒有這個問題的答案。", "hant"),
                                           ("段落中没有提到美联储主席是谁。", "hans")])
def test_no_answer_reply_abstains(fake, settings, reply, script):
    fake.reply(reply)
    answer = ask(settings, question="美联储主席是谁?", script=script)
    assert answer.abstained and answer.citations == []
    assert len(answer.hits) == 3 and answer.generated_by == "llm:test-model"
    assert ("没有" if script == "hans" else "沒有") in answer.text


def test_reply_without_any_valid_marker_falls_back(fake, settings):
    fake.reply("QT在2025年12月1日终止。[7]")
    answer = ask(settings)
    assert_fallback(answer, "引用标记")
    assert answer.warnings[0].startswith("语言模型不可用")  # the extractive answer had no warnings


def test_http_500_falls_back(fake, settings):
    fake.reply("不会发出", status=500)
    assert_fallback(ask(settings), "500", "model exploded")


def test_timeout_falls_back(fake, settings):
    fake.reply("太慢了。[1]", delay=2.0)
    started = time.monotonic()
    answer = ask(replace(settings, llm_timeout=0.5))
    assert time.monotonic() - started < 1.8
    assert_fallback(answer, "超时")


def test_connection_refused_falls_back(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = Settings(home=tmp_path, llm_base_url=f"http://127.0.0.1:{port}/v1", llm_model="m", llm_timeout=2)
    assert_fallback(ask(settings), "无法连接")


def test_malformed_stream_falls_back(fake, settings):
    fake.reply(mode="malformed")
    assert_fallback(ask(settings), "格式错误")


def test_stream_cut_short_keeps_the_answer_with_a_warning(fake, settings):
    fake.reply("QT在2025年12月1日终止。[1]", "随后美联储", mode="cut")
    answer = ask(settings)
    assert answer.generated_by == "llm:test-model" and answer.text == "QT在2025年12月1日终止。[1]随后美联储"
    assert any("意外结束" in w for w in answer.warnings)
    assert any("没有有效的引用标记" in w and "随后美联储" in w for w in answer.warnings)


def test_length_limit_is_reported(fake, settings):
    fake.reply("QT在2025年12月1日终止。[1]", finish="length")
    answer = ask(settings)
    assert answer.citations and any("长度限制" in w for w in answer.warnings)


def test_empty_reply_falls_back(fake, settings):
    fake.reply()
    assert_fallback(ask(settings), "空回答")


# -- end to end through the knowledge base ----------------------------------------------------------------

@pytest.fixture(scope="module")
def knowledge(tmp_path_factory, server):
    from kb.knowledge import KnowledgeBase

    settings = Settings(home=tmp_path_factory.mktemp("kb"), llm_base_url=server.base_url, llm_model="e2e-model",
                        llm_timeout=5.0)
    kb = KnowledgeBase(settings)
    results = list(kb.ingest([CORPUS]))
    assert [r.status for r in results] == ["added"]
    yield kb
    kb.store.close()


def test_ask_through_knowledge_base(fake, knowledge):
    fake.reply("美聯儲在2025年12月1日", "正式宣布QT計劃終止。[1]")
    seen: list[str] = []
    answer = knowledge.ask("美聯儲正式宣布QT計劃在哪一天終止?", on_token=seen.append)

    assert answer.generated_by == "llm:e2e-model" and not answer.abstained
    assert answer.text == "".join(seen) == "美聯儲在2025年12月1日正式宣布QT計劃終止。[1]"
    assert answer.script == "hant" and answer.warnings == []
    top = answer.hits[0].passage
    assert top.text_original in fake.prompt()  # the article is Traditional: passages go in as written
    assert fake.chat["json"]["model"] == "e2e-model"

    stored = {p.id: p for p in knowledge.passages()}
    citation = answer.citations[0]
    assert citation.passage == top.text and top.id in stored and stored[top.id].text == citation.passage
    assert citation.article_id == answer.hits[0].article.id
    assert citation.sentence in citation.passage and "2025年12月1日" in citation.sentence
    assert citation.passage[citation.sentence_start:].startswith(citation.sentence)
