"""Retrieval quality floors and cited answers, on the seed article and a DRCD slice (real model and store)."""
from __future__ import annotations

import json

import pytest

from kb.config import Settings
from kb.evaluate import evaluate, load_questions
from kb.text import has_traditional_only
from tests.conftest import DRCD_SLICE, DRCD_YEARS, ROOT
from tests.test_store import run_cli

SEED_QUESTIONS = load_questions(ROOT / "eval" / "seed.jsonl")
UNANSWERABLE = load_questions(ROOT / "eval" / "seed_unanswerable.jsonl")
# Written after the synonym list was fixed and never tuned on: a check that it generalises.
HELD_OUT = load_questions(ROOT / "eval" / "seed_heldout.jsonl")
UNANSWERABLE += load_questions(ROOT / "eval" / "seed_heldout_unanswerable.jsonl")


def test_seed_question_set_is_real():
    assert len(SEED_QUESTIONS) >= 20
    scripts = {q["script"] for q in SEED_QUESTIONS}
    assert scripts == {"hans", "hant"}
    assert sum(q["kind"] == "paraphrase" for q in SEED_QUESTIONS) >= 10


def test_seed_retrieval_floor(seed_kb):
    hybrid = evaluate(seed_kb, SEED_QUESTIONS, k=10)
    keyword = evaluate(seed_kb, SEED_QUESTIONS, k=10, mode="keyword", answers=False)
    dense = evaluate(seed_kb, SEED_QUESTIONS, k=10, mode="dense", answers=False)
    # The targets: 0.9 at rank 1, every question in the top 5, no abstention.
    assert hybrid["recall@1"] >= 0.9
    assert hybrid["recall@5"] == 1.0
    assert hybrid["mrr@10"] >= max(keyword["mrr@10"], dense["mrr@10"])
    assert hybrid["answer_hit"] >= 0.8
    assert hybrid["abstained"] == 0.0


def test_held_out_paraphrases(seed_kb):
    hybrid = evaluate(seed_kb, HELD_OUT, k=10)
    assert hybrid["recall@1"] >= 0.8 and hybrid["recall@5"] == 1.0
    assert hybrid["answer_hit"] >= 0.8 and hybrid["abstained"] == 0.0


def test_synonyms_expand_the_query_and_count_as_coverage():
    from kb.retrieve.scoring import coverage
    from kb.text import expand_query, synonyms, tokenize

    assert {"量化紧缩", "qt"} <= set(expand_query(["缩表"]))
    assert expand_query(["缩表", "多久"])[:2] == ["缩表", "多久"], "the question's own words come first"
    for word in ("缩表", "量化紧缩", "qt"):
        assert synonyms(word) == synonyms("缩表"), "groups are symmetric"
    assert synonyms("一个没有同义词的词") == {"一个没有同义词的词"}
    sentence = set(tokenize("美联储的量化紧缩政策持续了近三年"))
    assert coverage({"缩表": 1.0, "多久": 1.0}, sentence) == 0.5
    assert coverage({"喊停": 1.0}, set(tokenize("美联储决定终止QT"))) == 1.0


def test_unanswerable_questions_abstain(seed_kb):
    for item in UNANSWERABLE:
        answer = seed_kb.ask(item["question"], use_llm=False)
        assert answer.abstained, item["question"]
        assert answer.citations == [] and answer.hits, "the nearest passages are still shown"


def test_answer_cites_the_passage_it_quotes(seed_kb):
    answer = seed_kb.ask("美联储什么时候正式终止QT?", use_llm=False)
    assert not answer.abstained
    assert "2025年12月1日" in answer.text and "[1]" in answer.text
    stored = {p.text for p in seed_kb.passages()}
    for citation in answer.citations:
        assert citation.passage in stored
        assert citation.passage[citation.sentence_start:].startswith(citation.sentence)
        assert citation.sentence in answer.text
        assert citation.source == "MarsBit" and citation.published == "2025-12-10 06:35"
    assert "2025年12月1日" in answer.citations[0].sentence


def test_traditional_question_gets_traditional_answer(seed_kb):
    answer = seed_kb.ask("美聯儲什麼時候正式終止QT?", use_llm=False)
    assert not answer.abstained and answer.script == "hant"
    assert "終止" in answer.text and "终止" not in answer.text
    assert has_traditional_only(answer.text)  # it still holds Traditional characters
    assert answer.citations[0].sentence_original in answer.text
    simplified = seed_kb.ask("美聯儲什麼時候正式終止QT?", script="hans", use_llm=False)
    assert has_traditional_only(simplified.text.replace("[1]", "")) == []


def test_filters(seed_kb):
    article = seed_kb.articles()[0]
    assert seed_kb.search("量化紧缩", k=3, source="MarsBit")
    assert seed_kb.search("量化紧缩", k=3, source="Other") == []
    assert seed_kb.search("量化紧缩", k=3, date_from="2025-12-01", date_to="2025-12-31")
    assert seed_kb.search("量化紧缩", k=3, date_from="2026-01-01") == []
    assert seed_kb.search("量化紧缩", k=3, article_id=article.id)
    assert seed_kb.search("量化紧缩", k=3, article_id="nope") == []


def test_cli_ask_and_eval_json(seed_kb):
    home = seed_kb.settings.home
    result = run_cli(home, "ask", "回補派預測每月購買規模是多少?", "--json")
    data = json.loads(result.stdout)
    assert set(data) >= {"question", "answer", "abstained", "citations"}
    assert not data["abstained"] and "450億美元" in data["answer"]
    assert set(data["citations"][0]) >= {"n", "article_id", "title", "source", "author", "published", "url",
                                         "passage", "passage_original", "sentence", "score"}
    report = json.loads(run_cli(home, "eval", str(ROOT / "eval" / "seed.jsonl"), "--json").stdout)
    assert set(report) >= {"recall@1", "recall@5", "recall@10", "mrr@10", "answer_hit", "missed"}
    assert report["recall@5"] >= 0.95 and report["answer_hit"] >= 0.6


@pytest.fixture(scope="module")
def drcd_slice(tmp_path_factory):
    from kb.evaluate import load_squad
    from kb.knowledge import KnowledgeBase

    docs, questions = load_squad(DRCD_SLICE, 60)
    kb = KnowledgeBase(Settings(home=tmp_path_factory.mktemp("drcd")))
    for doc in docs:
        kb.add_document(doc)
    return kb, questions


def test_drcd_slice_floor(drcd_slice):
    kb, questions = drcd_slice
    hybrid = evaluate(kb, questions, k=10)
    keyword = evaluate(kb, questions, k=10, mode="keyword", answers=False)
    assert len(questions) >= 150
    assert hybrid["recall@1"] >= 0.94 and hybrid["recall@5"] >= 0.99
    assert hybrid["recall@1"] > keyword["recall@1"]
    assert hybrid["answer_hit"] >= 0.85
    assert hybrid["abstained"] <= 0.05


def test_a_sentence_holding_the_number_asked_about_comes_first(drcd_slice):
    # 1998 is one token among 基隆/基隆港/辅助/启用, yet only the sentence holding it answers; 46 is not in 146
    from kb.answer.numbers import asked_numbers
    from kb.retrieve.question import read_question

    kb, _ = drcd_slice
    answer = kb.ask("於1998年啟用的基隆港的輔助港為?", use_llm=False)
    assert "台北港" in answer.citations[0].sentence, answer.text
    (number,) = asked_numbers(read_question("中国国民党第六届中央执行委员会其中46人为哪方面数据?"))
    assert number.search("候补中央委员46人") and not number.search("出席中央委员146人")


def test_the_fitted_model_puts_more_answers_first_on_the_drcd_slice(drcd_slice, monkeypatch):
    """Fitted by bench/fit_leading.py on DRCD dev and the typed sets (README, "Answers"); the slice is part of DRCD
    dev, so this guards that the model is read and used, not how it does on questions it has not seen."""
    from kb.answer import leading

    kb, questions = drcd_slice
    assert leading.fitted() is not None
    with_model = evaluate(kb, questions, k=10)
    answer = kb.ask("是誰讓現代網球誕生了?", use_llm=False)
    assert "温菲尔德" in answer.citations[0].sentence, answer.text
    monkeypatch.setattr(leading, "fitted", lambda: None)
    without = evaluate(kb, questions, k=10)
    assert with_model["answer@1"] >= without["answer@1"] + 0.015  # measured: 137 -> 143 of 180
    assert with_model["answer_hit"] >= without["answer_hit"] - 0.006


def test_which_year_questions_get_a_short_answer_that_is_right(tmp_path):
    """The short answer is shown only where it is reliable: a year, for a question asking which year
    (0.91 exact match on full DRCD dev, README "Answers"). Asked of DRCD paragraphs that hold such questions."""
    from kb.answer import dates
    from kb.evaluate import load_squad
    from kb.knowledge import KnowledgeBase
    from kb.retrieve.question import normalize_query

    docs, questions = load_squad(DRCD_YEARS)
    kb = KnowledgeBase(Settings(home=tmp_path))
    for doc in docs:
        kb.add_document(doc)
    years = [q for q in questions if dates.asks_year(normalize_query(q["question"]))]
    others = [q for q in questions if q not in years]
    assert len(years) >= 30
    report = evaluate(kb, years, k=10)
    # Measured: 23 of the 35 get one, 22 exact (which-year questions read 西元几年 too; 1461年 for 1453年).
    assert report["short_share"] >= 0.35 and report["short_em"] >= 0.8
    assert evaluate(kb, others, k=10)["short_share"] == 0


def test_a_name_said_with_a_synonym_is_not_missing(seed_kb):
    from kb.answer import missing_terms

    hits = seed_kb.search("Fed什么时候结束QE?", k=5)
    # "fed" is never written in the article but 美联储 is; QE is written as 量化宽松 and as QE.
    assert missing_terms(seed_kb.read("Fed什么时候结束缩表?"), hits) == []
    assert missing_terms(seed_kb.read("欧洲央行什么时候结束缩表?"), hits) == ["欧洲央行"]
    # The author's name is in the record, not in the text: it is held too.
    assert missing_terms(seed_kb.read("作者王永利今年几岁?"), hits) == []
    # A term some stored passage holds is a retrieval miss, not a gap (no hits here).
    assert missing_terms(seed_kb.read("欧洲央行和美联储什么时候结束缩表?"), []) == ["欧洲央行"]
    answer = seed_kb.ask("Fed什么时候宣布结束缩表?", use_llm=False)
    assert not answer.abstained and any("2025年12月1日" in c.passage for c in answer.citations)


def test_a_name_typed_with_a_homophone_is_not_missing(seed_kb):
    from kb.answer import missing_terms
    from kb.text.sounds import written_alike

    # DRCD dev writes 满州 for the passages' 满洲 and 挂勾 for 挂钩: what a pinyin input method offers first
    assert written_alike("满州", "清朝的发祥地满洲地区") == "满洲"
    assert written_alike("挂勾", "警察人数与人口挂钩") == "挂钩"
    # it shares a character in the same place, and sounds as the term does: a name that merely shares a
    # character, or sounds like words with none in common, is not the passage's word
    assert written_alike("欧洲央行", "美联储是美国的央行") is None
    assert written_alike("满州", "漫洲与曼舟") is None
    # the same syllables in other tones are other words: 张伟 (wei3) is not 张维 (wei2), nor 金银 the 金因 of 资金因此
    assert written_alike("张伟", "经济学家张维迎") is None and written_alike("金银", "资金因此紧张") is None
    hits = seed_kb.search("美联储什么时候结束缩表?", k=5)
    assert missing_terms(seed_kb.read("美连储什么时候结束缩表?"), hits) == []  # 连 for 联
    assert missing_terms(seed_kb.read("欧洲央行什么时候结束缩表?"), hits) == ["欧洲央行"]


def test_a_name_holding_what_is_asked_is_not_missing(seed_kb):
    from kb.answer import missing_terms

    # jieba tags 几省 a place name (DRCD dev: 清初增为内地十八省,后增为几省?): a word holding what is asked names nothing
    hits = seed_kb.search("美联储什么时候结束缩表?", k=5)
    question = seed_kb.read("美联储的准备金后来增为几省?")
    assert "几省" in question.named and missing_terms(question, hits) == []


def test_an_english_name_whose_chinese_no_passage_holds_is_missing(seed_kb):
    # CC-CEDICT says Bank of England is 英格兰银行, Goldman Sachs 高盛: no stored passage names either
    for question, name in (("Has the Bank of England launched anything similar to RMP?", "英格兰银行"),
                           ("Did Goldman Sachs forecast the size of RMP?", "高盛")):
        answer = seed_kb.ask(question, use_llm=False)
        assert answer.abstained and any(name in w for w in answer.warnings), (question, answer.warnings)
    # a name the store holds in Chinese (Wall Street: 华尔街), or one CC-CEDICT has no Chinese for, is not missing
    assert seed_kb.read("What does Wall Street think of RMP?").named == ["rmp"]
    # a name opening the question, or after a month, is a name as well
    for question in ("Goldman Sachs: did it forecast the size of RMP?", "In December Goldman Sachs said what about RMP?"):
        assert "高盛" in seed_kb.read(question).named, question
    assert not seed_kb.ask("Who is Stephen Miran, according to the article?", use_llm=False).abstained


def test_asked_which_day_a_month_alone_does_not_answer(seed_kb):
    from kb.answer import dates

    assert dates.asks_day("平安在哪一天趁虚攻入北平?") and dates.asks_day("on which exact day does the fomc meet?")
    assert not dates.asks_day("qt哪一年结束?")
    for sentence in ("2025年12月1日", "七月初十", "十月廿一", "2025-12-01", "周三开会", "中秋节前后",
                     "端午节", "on monday"):
        assert dates.names_day(sentence), sentence
    for sentence in ("2025年12月", "十二月", "2025-12", "1/2的准备金", "第3季度"):
        assert not dates.names_day(sentence), sentence
    assert dates.is_date_word("2025") and dates.is_date_word("12月") and dates.is_date_word("2025年12月")
    assert not dates.is_date_word("2025年12月的fomc") and not dates.is_date_word("会议")
    # the article dates the FOMC meeting by its month only; the day it names (12月1日) is QT's end
    for question in ("2025年12月的FOMC会议具体是哪一天开?",
                     "On which exact day in December 2025 does the FOMC meeting that unveils RMP take place?"):
        answer = seed_kb.ask(question, use_llm=False)
        assert answer.abstained and "资料中没有找到所问的日期" in answer.warnings, (question, answer.text)
    answer = seed_kb.ask("QT是哪一天正式终止的?", use_llm=False)
    assert not answer.abstained and "2025年12月1日" in answer.text, answer.text


def test_asked_which_month_a_year_alone_does_not_answer(seed_kb):
    from kb.answer import dates

    assert dates.asks_month("准备金是在哪个月跌到最低的?") and dates.asks_month("in which month did qt end?")
    assert not dates.asks_month("qt哪一年结束?")
    for sentence in ("2025年12月", "当年10月的会议", "十二月", "2025-12", "年底前", "in october"):
        assert dates.names_month(sentence), sentence
    for sentence in ("2025年出现的一系列信号", "近三年", "第3季度", "2025年下半年"):
        assert not dates.names_month(sentence), sentence
    # eval/typed_blind17.jsonl (after its single measurement): the article says when the signals came (2025年), never
    # in which month reserves were lowest
    answer = seed_kb.ask("那准备金是在哪个月跌到最低的?", use_llm=False)
    assert answer.abstained and "资料中没有找到所问的月份" in answer.warnings, answer.text
    # the sentence a question's words are in (这个…新工具…) leans on the one that dates it (2026年1月…RMP…正式登场)
    answer = seed_kb.ask("在华尔街掀起轩然大波的那个新工具,是哪年哪月正式登场的?", use_llm=False)
    assert not answer.abstained and "2026年1月" in answer.text, answer.text


def test_asked_which_year_a_date_without_its_year_does_not_answer():
    from kb.answer import dates, kinds

    # DRCD dev: the sentence echoing the question dates it 9月2日; the year is in another sentence (1972年8月9日)
    asked = "湖北省革命委员会在哪一年同意湖北地质学院在江陵城东门内建校?"
    assert dates.asks_year(asked) and dates.asks_year("狄托于西元几年的时候过世?")
    assert not dates.asks_year("他读几年级?") and not dates.asks_year("湖北省革命委员会何时同意建校?")
    assert not dates.asks_year("为何年轻人不买房?") and not dates.asks_year("qt是何年何月开始的?")
    assert kinds.entities("time", "9月2日,湖北省革命委员会同意湖北地质学院在江陵城东门内建校。", asked=asked) == []
    assert kinds.entities("time", "1972年8月9日,湖北省革命委员会关于成立湖北地质学院武汉分院的批复。", asked=asked)
    assert kinds.entities("time", "民国十九年元旦,获国民政府颁授一等宝鼎勋章。", asked="中原大战在哪一年爆发?")
    # asked when, a day answers
    assert kinds.entities("time", "9月2日,湖北省革命委员会同意建校。", asked="湖北省革命委员会何时同意建校?")
    for text in ("民国34年", "孝文帝太和十九年,", "正德十六年正德皇帝朱厚照去世", "民国16年中共发动起义", "庚申年",
                 "中统元年三月", "1960年代", "2025-12", "二○二五年"):
        assert dates.named_years(text), text
    # a count of years is no year (as the era's year of the short answer is: 承久3年 before its month)
    for text in ("9月2日", "同年12月9日", "三年级", "上个月", "三年后", "持续3年,", "10年期国债", "百年老店", "300年间",
                 "100美元年化", "1500-2000美元", "他在位三十五年", "未来3年,"):
        assert not dates.named_years(text), text
    # asked 西元几年, a span (在位35年) is not read as the year
    assert kinds.entities("time", "他在位35年。", asked="狄托于西元几年的时候过世?") == []


def test_asked_which_year_a_relative_year_is_not_refused(fresh_kb):
    fresh_kb.add_text("美联储去年6月开始缩减资产负债表,市场一度担忧流动性。今年12月1日,美联储正式终止了量化紧缩。"
                      "次年,美联储将转而购买短期国库券。", title="缩表")
    for question in ("美联储在哪一年终止了量化紧缩?", "美联储于西元几年终止了量化紧缩?"):
        answer = fresh_kb.ask(question, use_llm=False)
        assert not answer.abstained and "今年12月1日" in answer.citations[0].sentence, (question, answer.text)


def test_asked_in_a_unit_an_amount_in_another_does_not_answer():
    from kb.answer import kinds

    # DRCD dev: 多少人 is answered by 3000人, not by the sentence's percentage or area
    sentence = "1964年学生总数约3000人,经费增长20%,占地1000亩"
    assert kinds.entities("quantity", sentence, asked="1964年时中国科学技术大学的学生总数约高达多少人?") == ["约3000人"]
    assert kinds.entities("quantity", sentence, asked="经费增长了多少?") == ["约3000人", "20%", "1000亩"]
    # the unit may follow the amount found (2万 of 2万余人); 多少人民币 and 多少人口 name no unit of people
    assert kinds.entities("quantity", "会议吸引了2万余人参加,门票涨了20%", asked="会议吸引了多少人参加?") == ["2万"]
    assert kinds.entities("quantity", "这笔贷款为500亿元。", asked="这笔贷款是多少人民币?") == ["500亿元"]


def test_a_year_no_passage_holds_is_missing(seed_kb):
    # The article speaks of 2022 to 2026: a question about another year is about a time the store says nothing of,
    # whatever it shares with the article's words.
    for question, year in (("2024年美联储每月购买多少短期国库券?", "2024"),
                           ("What did the Fed do to its balance sheet in 2019?", "2019")):
        answer = seed_kb.ask(question, use_llm=False)
        assert answer.abstained and any(year in w for w in answer.warnings), (question, answer.warnings)
    answer = seed_kb.ask("美联储从2022年6月开始缩表,缩了多少?", use_llm=False)
    assert not answer.abstained and "2.4万亿美元" in answer.text, answer.text


@pytest.fixture(scope="module")
def drcd_half(tmp_path_factory):
    """A store holding every other article of the DRCD slice: the others' questions have no answer there."""
    from kb.evaluate import load_squad
    from kb.knowledge import KnowledgeBase

    docs, questions = load_squad(DRCD_SLICE, 60)
    kept = set(list(dict.fromkeys(d.title for d in docs))[::2])
    kb = KnowledgeBase(Settings(home=tmp_path_factory.mktemp("drcd-half")))
    for doc in docs:
        if doc.title in kept:
            kb.add_document(doc)
    origins = {d.origin for d in docs if d.title in kept}
    return kb, [q | {"answerable": q["gold"] in origins} for q in questions]


def test_weak_evidence_abstains_by_the_fitted_model(drcd_half):
    """The evidence model (kb/answer/data/abstention.json, fitted by bench/fit_abstention.py on DRCD dev's
    halves) refuses questions whose article the store lacks, beyond what the word rules refuse (asked of
    it directly: this store is smaller than the stores it is applied to)."""
    from kb.answer import evidence, extractive_answer

    kb, questions = drcd_half
    # The model's domain is stores of about a thousand passages; a small store keeps the hand rule.
    assert isinstance(evidence.model_for(kb.embedder.name, 10), evidence.HandRule)
    model = evidence.model_for(kb.embedder.name, 10_000)
    assert isinstance(model, evidence.EvidenceModel) and set(model.features) <= set(evidence.FEATURES)
    assert 0 < model.threshold < 1
    refused = {"model": [], "rules": []}
    for item in questions:
        question = kb.read(item["question"])
        hits = kb.search(question, k=10)[:5]
        for name, used in (("model", model), ("rules", None)):
            answer = extractive_answer(question, hits, "hans", evidence_model=used)
            refused[name].append((item["answerable"], answer.abstained))
    share = {name: (sum(a for ok, a in rows if not ok) / sum(1 for ok, _ in rows if not ok),
                    sum(a for ok, a in rows if ok) / sum(1 for ok, _ in rows if ok)) for name, rows in refused.items()}
    unanswerable, answerable = share["model"]
    # Measured on this slice: see the README ("Answers"); the floors leave room for a question or two.
    # Measured on this slice (30 paragraphs kept, 99 questions without an answer, 81 with one): 0.99 of
    # the unanswerable refused (the word rules alone: 0.45), 0.037 of the answerable (3; the rules alone: 2).
    assert unanswerable >= 0.9 and answerable <= 0.05
    assert unanswerable > share["rules"][0] + 0.2


def test_answering_reads_the_tags_stored_with_the_passages(seed_kb):
    """Part-of-speech tags are computed at ingestion: the same as tagging each sentence, and a question
    that needs them (who, when) runs no tagger."""
    from kb.text import sentence_spans
    from kb.text import tagged, tags_within

    passages = seed_kb.passages()
    assert passages and all(p.tags for p in passages)
    for passage in passages:
        for start, end in sentence_spans(passage.text):
            assert tags_within(passage.tags, passage.text, start, end) == tagged(passage.text[start:end])
    tagged.cache_clear()
    for question in ("谁提出了RMP规模之谜?", "美联储什么时候正式终止QT?", "哪家机构预测每月购买450亿?",
                     "回补派预测的每月购买规模是多少?"):  # an amount question: what it measures is read too
        assert not seed_kb.ask(question, use_llm=False).abstained
    assert tagged.cache_info().misses == 0


def test_answering_weighs_sentences_by_the_vectors_embedded_at_ingestion(seed_kb):
    """Every sentence of every passage is embedded at ingestion into the embedding cache (the vector the
    embedder gives it); answering looks them up: each sentence it weighs carries its cosine with the
    question, and nothing is embedded while answering a Chinese question but the question itself."""
    import numpy as np

    from kb.answer.sentences import score_sentences
    from kb.embed import normalise
    from kb.embed.cache import text_hash
    from kb.text import passage_sentences

    sentences = passage_sentences(p.text for p in seed_kb.passages())
    cached = seed_kb.store.cached_vectors([text_hash(s) for s in sentences])
    assert len(sentences) > 50 and len(cached) == len(sentences)
    sample = sentences[::17]
    for sentence, vector in zip(sample, seed_kb.embedder.embed_passages(sample)):
        assert np.allclose(cached[text_hash(sentence)], vector, atol=1e-5)
    question = seed_kb.read("美联储每月可能购买多少短期国库券?")
    hits = seed_kb.search(question, k=5)
    embedder, embedded = seed_kb.embedder, []
    real = embedder.embed_passages
    embedder.embed_passages = lambda texts: embedded.append(texts) or real(texts)
    try:
        scored, _ = score_sentences(question, hits, seed_kb.sentence_similarity(question))
    finally:
        del embedder.embed_passages
    assert not embedded
    query = normalise(embedder.embed_query(question.text))
    for sentence in scored:
        vector = normalise(cached[text_hash(sentence.hit.passage.text[sentence.start:sentence.end])])
        assert sentence.meaning == pytest.approx(float(vector @ query), abs=1e-5)


def test_evidence_without_the_sentence_cosines_is_judged_by_the_model_fitted_without_them():
    """A store from before kb embedded sentences has no sentence cosines: its evidence goes to the
    embedder's model fitted without them, not to a model reading a missing value."""
    from kb.answer.evidence import EvidenceModel, SENTENCE_FEATURES

    without = EvidenceModel(("best_sentence",), (10.0,), -2.0, 0.5)
    full = EvidenceModel(("best_sentence",) + SENTENCE_FEATURES, (10.0, 0.0, 0.0), 3.0, 0.5, fallback=without)
    weak_coverage = {"best_sentence": 0.1}
    assert without.weak(weak_coverage)
    assert full.weak(weak_coverage)  # judged by the fallback: the full model alone would call it strong
    assert not full.weak(weak_coverage | dict.fromkeys(SENTENCE_FEATURES, 0.9))


def test_keyword_only_hits_are_judged_without_cosines(drcd_half, monkeypatch):
    """A keyword-only search gives hits without cosines: their evidence is judged by the model fitted
    without them, not read as a cosine of 0 (which refused every question of full DRCD dev)."""
    from kb.answer import evidence

    kb, questions = drcd_half
    monkeypatch.setitem(evidence._fitted(), "min_passages", 0)  # the fitted model on this small store too
    assert evidence.model_for(None, 10_000).features == tuple(
        f for f in evidence.FEATURES if f not in evidence.DENSE_FEATURES)
    answerable = [item for item in questions if item["answerable"]]
    refused = 0
    for item in answerable:
        question = kb.read(item["question"])
        hits = kb.search(question, k=5, mode="keyword")
        assert hits and all(h.dense_score is None for h in hits)
        refused += kb.compose(question, hits, script="hans", use_llm=False).abstained
    assert refused / len(answerable) <= 0.1
