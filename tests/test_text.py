"""kb's jieba dictionary (a memory-mapped trie, kb.text.dictionary) segments and tags exactly as jieba's own."""
from __future__ import annotations

import json

import jieba
import pytest

from kb.text import dictionary, tokens
from tests.conftest import DRCD_SLICE


@pytest.fixture(scope="module")
def texts(seed_text) -> list[str]:
    data = json.loads(DRCD_SLICE.read_text(encoding="utf-8"))["data"]
    paragraphs = [p["context"] for a in data for p in a["paragraphs"]]
    questions = [q["question"] for a in data for p in a["paragraphs"] for q in p["qas"]]
    return [seed_text] + paragraphs[:30] + questions[:100]


def _with_user_words(tokenizer):
    for line in tokens.data_lines("userdict.txt"):
        word, *rest = line.split()
        tokenizer.add_word(word, int(rest[0]) if rest and rest[0].isdigit() else None, tag="nz")
    return tokenizer


def test_the_trie_is_used_and_segments_as_jieba_does(texts):
    fast = tokens._tokenizer()
    assert isinstance(fast.FREQ, dictionary.Frequencies), "kb runs on the trie, not on jieba's dict"
    plain = jieba.Tokenizer()
    plain.initialize()
    _with_user_words(plain)
    assert fast.total == plain.total
    for text in texts:
        assert fast.lcut_for_search(text) == plain.lcut_for_search(text)
        assert fast.lcut(text) == plain.lcut(text)


def test_part_of_speech_tags_are_jiebas(texts):
    import jieba.posseg

    fast = tokens._pos_tokenizer()
    assert isinstance(fast.word_tag_tab, dictionary.Tags)
    plain_base = jieba.Tokenizer()
    plain_base.initialize()
    plain = jieba.posseg.POSTokenizer(_with_user_words(plain_base))
    for text in texts:
        assert [(w.word, w.flag) for w in fast.lcut(text)] == [(w.word, w.flag) for w in plain.lcut(text)]
    # jieba's own module-level tagger, which kb's import gave the trie's tags, tags as before too.
    assert [(w.word, w.flag) for w in jieba.posseg.dt.lcut("美联储在纽约宣布")] == \
        [(w.word, w.flag) for w in jieba.posseg.POSTokenizer(plain_base).lcut("美联储在纽约宣布")]


def test_english_words_have_their_chinese_words_by_cc_cedict():
    from kb.text import bilingual

    assert bilingual.translations("balance sheet") == {"资产负债表"}
    assert bilingual.translations("interest rates") == {"利率"}  # a plural finds the singular's gloss
    assert "阵营" in bilingual.translations("camps") and "华尔街" in bilingual.translations("wall street")
    assert not bilingual.translations("zzyzx") and not bilingual.translations("a b c d")
    tokens = "how did the balance sheet and interest rates change".split()
    assert bilingual.join_phrases(tokens) == ["how", "did", "the", "balance sheet", "and", "interest rates", "change"]
    # kb's market glossary beside CC-CEDICT: what it lacks (fixed income) or glosses otherwise (scenario: 剧本)
    assert "情景" in bilingual.translations("scenarios") and "剧本" in bilingual.translations("scenario")
    assert bilingual.translations("fixed income") >= {"固定收益"} and bilingual.translations("small caps") == {"小盘股"}
    assert bilingual.join_phrases("what about fixed income".split()) == ["what", "about", "fixed income"]
    # a past or -ing form finds its verb's gloss (pushed up: push up -> 推高, raised -> raise)
    assert bilingual.verb_bases("pushed")[0] == "push" and bilingual.verb_bases("stopped")[0] == "stop"
    assert bilingual.verb_bases("rates") == [] and bilingual.verb_bases("red") == []
    assert "推高" in bilingual.translations("pushed up") and bilingual.translations("raised") >= {"上调"}
    # a stem that lost its e is read with it first: rated is rate (利率), not rat; fired is fire, not fir (枞树)
    assert "利率" in bilingual.translations("rated") and "枞树" not in bilingual.translations("fired")


def test_an_english_question_reads_the_chinese_words_the_store_holds(seed_kb):
    question = seed_kb.read("Which two camps are Wall Street analysts divided into?")
    assert {"阵营", "华尔街", "分析师"} <= set(question.content)
    assert not {"which", "two", "into"} & set(question.content)  # the template is not translated
    # A Chinese question is not: its Latin words are names (Bee Gees is no 蜜蜂).
    assert "蜜蜂" not in seed_kb.read("Bee Gees是哪一年成立的?").tokens
