"""Follow-up questions made whole (kb.chat), in the library and through `kb chat`."""
from __future__ import annotations

import json

import pytest

from kb.chat import rewrite_followup
from tests.test_store import run_cli

# -- the follow-up rewrite -------------------------------------------------------------------------

@pytest.mark.parametrize("question, previous, expected", [
    ("那情景B呢?", "情景A的机率是多少?", "情景B的机率是多少?"),
    ("情景C呢", "情景B的机率是多少?", "情景C的机率是多少?"),
    ("那麼情景B呢?", "情景A的機率是多少?", "情景B的機率是多少?"),
    ("那QE呢?", "美联储什么时候终止QT?", "美联储什么时候终止QE?"),
    ("那2024年呢?", "2025年的通胀率是多少?", "2024年的通胀率是多少?"),
    ("那扩表呢?", "美联储为什么停止缩表?", "美联储为什么停止扩表?"),
    ("美国的失业率呢?", "美国的通胀率是多少?", "美国的失业率是多少?"),
])
def test_rewrite_followup_swaps_the_entity(question, previous, expected):
    assert rewrite_followup(question, previous) == expected


def test_rewrite_followup_falls_back_to_context_and_leaves_full_questions_alone():
    # No entity to swap: the previous question is carried along for context.
    assert rewrite_followup("那欧洲央行呢?", "美联储什么时候终止QT?") == "美联储什么时候终止QT? 那欧洲央行呢?"
    assert rewrite_followup("风险?", "情景A的机率是多少?") == "情景A的机率是多少? 风险?"
    assert rewrite_followup("那呢?", "情景A的机率是多少?") == "情景A的机率是多少?"
    # Not elliptical, or nothing to follow: unchanged.
    assert rewrite_followup("美联储什么时候终止QT?", "情景A的机率是多少?") == "美联储什么时候终止QT?"
    assert rewrite_followup("那情景B呢?", None) == "那情景B呢?"
    assert rewrite_followup("那情景B呢?", "") == "那情景B呢?"
    # A complete question that merely starts with 还有 keeps its own subject.
    assert rewrite_followup("还有哪些机构估计了购债规模?", "情景A的机率是多少?") == "还有哪些机构估计了购债规模?"


def test_kb_chat_carries_the_subject_of_the_previous_question(seed_kb):
    # A conversation on standard input, one question a line: the second is elliptical.
    result = run_cli(seed_kb.settings.home, "chat", "--json", "--no-llm",
                     input="回補派預測每月購買規模是多少?\n那维护派呢?\n")
    assert result.returncode == 0, result.stderr
    first, second = [json.loads(line) for line in result.stdout.splitlines()]
    assert first["searched"] == "回補派預測每月購買規模是多少?"
    assert second["question"] == "那维护派呢?"
    assert second["searched"] == "维护派預測每月購買規模是多少?"
    assert not second["abstained"] and "35" in second["answer"]


# -- a question without words ----------------------------------------------------------------------

@pytest.mark.parametrize("question", ["", "   ", "？？！", "...", "?"])
def test_a_question_without_words_is_said_so_in_one_line(seed_kb, question):
    # It used to abstain listing nothing, or (punctuation) answer with the passage nearest to nothing.
    result = run_cli(seed_kb.settings.home, "ask", question, "--no-llm")
    assert result.returncode == 2 and result.stdout == "", result.stdout
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("kb: no question to answer") and "has no words" in line, result.stderr


def test_kb_chat_says_so_and_goes_on(seed_kb):
    # "?" after a question is not a follow-up: it would repeat the previous question.
    result = run_cli(seed_kb.settings.home, "chat", "--json", "--no-llm",
                     input="回補派預測每月購買規模是多少?\n？\n那维护派呢?\n")
    assert result.returncode == 0, result.stderr
    first, second = [json.loads(line) for line in result.stdout.splitlines()]
    assert "has no words" in result.stderr
    assert second["searched"] == "维护派預測每月購買規模是多少?" and "35" in second["answer"]
