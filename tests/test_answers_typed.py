"""Answers that answer the question asked, on the seed article (real model and store): the typed question
set's floors, article facts, questions in English, lists, calibrated abstention, and the model path."""
from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from kb.evaluate import evaluate, load_questions
from tests.conftest import ROOT
from tests.fake_llm import FakeLLM
from tests.test_store import run_cli

TYPED = load_questions(ROOT / "eval" / "typed.jsonl")


def test_typed_question_set_floors(seed_kb):
    report = evaluate(seed_kb, TYPED, k=10)
    # Measured 0.963 / 0.0 / 0.947 (README, "Answers"; a one-article store: the hand rule judges weak evidence).
    assert report["answer_hit"] >= 0.93
    assert report["abstained"] <= 0.01  # answerable questions refused
    assert report["unanswerable_abstained"] >= 0.89
    assert report["by_kind"]["article_fact"] == 1.0 and report["by_kind"]["list"] >= 0.85


def test_article_facts_are_answered_from_the_record(seed_kb):
    for question, expected in (("这篇文章是谁写的?", "王永利"), ("這篇文章是什麼時候發布的?", "2025-12-10 06:35"),
                               ("What is the source of this article?", "MarsBit"),
                               ("这篇稿件发在哪个平台上?", "MarsBit"), ("When was the piece posted?", "06:35"), ("When did this article come out?", "2025-12-10"),
                               ("这篇文章是几号发出来的?", "2025-12-10"),
                               ("Which platform did Wang Yongli's piece run on?", "MarsBit"),
                               ("作者是谁?", "王永利"), ("这是谁写的?", "王永利"), ("文章发布在哪个网站?", "MarsBit"),
                               ("文章来自哪里?", "MarsBit"), ("Where was this article published?", "MarsBit"),
                               ("这篇文章是上午还是下午发的?", "06:35"), ("这篇文章的撰稿人是谁?", "王永利"),
                               ("What website is this article on?", "MarsBit")):
        answer = seed_kb.ask(question, use_llm=False)
        assert not answer.abstained and expected in answer.text, question
        [citation] = answer.citations
        assert citation.kind == "article" and citation.sentence == "" and citation.title.startswith("美联储大转型")
    data = json.loads(run_cli(seed_kb.settings.home, "ask", "这篇文章是谁写的?", "--json").stdout)
    assert data["citations"][0]["kind"] == "article" and "王永利" in data["answer"]
    assert seed_kb.ask("本文是谁发表的?", use_llm=False).short == "王永利"
    # A work the question names that is not the article, or 文章 that is not "this article", is asked of
    # the passages (two DRCD questions were answered with the record's author or date).
    assert seed_kb.read("周恩来曾经使用哪一个笔名来发表时评文章?").kind != "article_fact"
    # "when the article was written" dates what is asked, it does not ask for the date
    assert seed_kb.read("What was the SOFR rate when the article was written?").kind != "article_fact"
    assert seed_kb.read("Give the publication timestamp shown on the piece.").fact == "published"
    # the eighth blind set's article-fact miss (哪一年哪一個月刊出: the title was given) and its unanswerable question
    # read as one ("in the week after the article came out" dates what is asked)
    assert seed_kb.read("这篇文章是哪一年哪个月刊登的?").fact == "published"
    assert seed_kb.read("这篇文章的标题问的是哪一年市场会如何巨变?").fact == "title"
    assert seed_kb.read("How did stocks react in the week after the article came out?").kind != "article_fact"
    assert seed_kb.read("本文发布后一周美股涨了多少?").kind != "article_fact"
    for question in ("这篇文章发布的时候是几点?", "本文发表时是哪一天?", "这篇文章发布后被谁转载了?"):
        assert seed_kb.read(question).kind == "article_fact", question
    # the thirteenth blind set: an article named by what it says (这篇拿「吸尘器」比喻QT的文章), and its headline
    described = seed_kb.ask("這篇拿「吸塵器」比喻QT的文章,是哪一天上線的?", use_llm=False)
    assert not described.abstained and "2025-12-10" in described.text and described.citations[0].kind == "article"
    assert seed_kb.read("The headline poses a question about 2026. What is it asking?").fact == "title"
    assert seed_kb.read("这篇拿吸尘器比喻QT的文章是谁写的?").fact == "author"
    # the sixteenth blind set (after its single measurement): 这一篇 without 文章, and "the piece that …" whose
    # clause runs past the 40 characters a field word may stand from "the piece"
    for question, expected in (("講「擠出效應」和一級交易商「資產負債表釋放」的這一篇,是登在哪個平台上的?", "MarsBit"),
                               ("On what date was the piece that splits Wall Street into a 'maintenance' camp and a "
                                "'replenishment' camp published?", "2025-12-10")):
        answer = seed_kb.ask(question, use_llm=False)
        assert not answer.abstained and expected in answer.text and answer.citations[0].kind == "article", question
    for question in ("这一篇提到的美联储什么时候开始RMP?", "The piece that covers RMP says what about the bills that get published?",
                     "根据这一篇,什么时候美联储会开始降息?", "這一篇,什麼時候降息?", "看完这一篇,谁是这轮QT的最大赢家?",
                     "这一篇哪位经济学家认为会衰退?", "这一篇来自高盛的研报认为油价会怎么走?", "这一篇在哪里提到了准备金?",
                     "The article about the Treasury: when is the refunding statement published?",
                     "In the piece about the bull market, can the rally still run?",
                     "In the article on bitcoin ETFs, were the flows data for Monday released?",
                     # what the article says was published or released is asked of the passages
                     "What did the article say about the bills the Treasury published?",
                     "According to the article, what data was released?"):
        assert seed_kb.read(question).kind != "article_fact", question
    # …but not what such an article says, nor headline inflation
    for question in ("这篇讲QT的稿子里提到了哪几家机构?", "这篇讲RMP的文章提到的新工具什么时候上线?",
                     "What was the headline CPI in November?", "Headline inflation rose to what level?"):
        assert seed_kb.read(question).kind != "article_fact", question


def test_an_english_question_is_what_follows_its_opening_clause(seed_kb):
    from kb.retrieve.question import expected_kind
    # "how big" belongs to the clause; the question asks how (the thirteenth blind set)
    assert expected_kind("since nobody knows how big rmp will be, how does the author go about sizing up 2026?") == "method"
    assert expected_kind("if rmp buys 45 billion a month, when does the author expect the fed to turn hawkish?") == "time"
    assert expected_kind("since when has the fed bought bills?") == "time"  # no clause: the question itself
    assert expected_kind("since when has the fed held 4,000 billion in bills?") == "time"  # 4,000 ends no clause
    answer = seed_kb.ask("How likely does the author think it is that the Fed ends up having to step in with an "
                         "emergency rescue of the market?", use_llm=False)
    assert answer.kind == "quantity" and "25%" in answer.citations[0].sentence


def test_a_question_about_the_whole_article_is_answered_from_the_article(seed_kb):
    # what it says: the site's summary (cited as the article), then its conclusion's first sentences
    for question in ("这篇文章讲了什么?", "這篇文章的主要觀點是什麼?", "What is this article about?", "总结一下这篇文章"):
        answer = seed_kb.ask(question, use_llm=False)
        assert not answer.abstained and answer.citations[0].kind == "article", (question, answer.text)
        assert "储备管理购买" in answer.text or "儲備管理購買" in answer.text, answer.text
        assert any("2026年的主旋律" in c.sentence for c in answer.citations[1:]), answer.text
    # whom it names: people by their dotted names or titles, not words jieba tags as names (云霄飞车, 休克)
    answer = seed_kb.ask("文中提到了哪些人?", use_llm=False)
    assert answer.text.startswith("文中点名的人物：马克·卡巴纳、斯蒂芬·米兰。"), answer.text
    assert [c.sentence for c in answer.citations][1].startswith("美联储理事斯蒂芬·米兰")
    # narrowed by what the question says of them
    assert seed_kb.ask("文中点名的人里,谁是美联储理事?", use_llm=False).text.startswith("文中点名的人物：斯蒂芬·米兰。")
    from kb.answer import overview
    from kb.retrieve.question import read_question

    # about a thing the passages name, not the article
    assert overview.asked(read_question("该条约的主要内容是什么?")) is None
    assert overview.asked(read_question("文中提到的那位策略师属于哪家银行?")) is None
    assert overview.asked(read_question("文章说哪些对冲基金会首当其冲?")) is None  # which funds, not the gist


def test_a_name_two_sentences_back_through_a_pronoun_answers_who(seed_kb):
    # 美联储理事斯蒂芬·米兰提出了…假说。他认为…。RMP本质上是…: the last sentence is the one asked about, its
    # author two sentences back; 哪一位 asks for a person as 哪位 does.
    answer = seed_kb.ask("把RMP看成央行为满足监管带来的流动性需求而扩张资产负债表的,是哪一位?", use_llm=False)
    assert seed_kb.read("是哪一位理事提出的?").kind == "person" and "米兰" in answer.text


def test_asked_who_the_sentence_naming_the_person_comes_first(seed_kb):
    # eval/typed_heldout.jsonl: "在监管指标计算和实际压力测试中,现金…" names no one; the sentence it leans on names 米兰,
    # and it is the answer: quoted first, the sentence asked about after it
    answer = seed_kb.ask("認為「最低舒適準備金水平」被監管推得剛性化、不斷上移的那位理事是誰?", use_llm=False)
    assert "米兰" in answer.citations[0].sentence and "刚性化" in answer.citations[1].sentence, answer.text
    # and asked when, the sentence naming the date (eval/typed_blind2.jsonl, measured once sessions ago)
    answer = seed_kb.ask("作者開頭說美聯儲做出了一個「歷史性的決定」,那是在2025年的哪一季?", use_llm=False)
    assert "第四季度" in answer.citations[0].sentence and "历史性的决定" in answer.citations[1].sentence, answer.text


def test_a_year_of_an_era_is_named_with_its_era():
    from kb.answer import dates

    assert dates.years("承久3年5月14日,后鸟羽上皇下达了院宣") == ["承久3年"]
    assert dates.years("昭和20年8月,战争结束;1961年8月13日") == ["昭和20年", "1961年"]
    # a count of years, with no month after it, is no year of an era
    for sentence in ("工程在3年内完成", "未来3年利率走低", "需要3年", "持续2年之久", "为期3年的计划", "连续3年增长"):
        assert dates.years(sentence) in (["3年"], ["2年"]), sentence


def test_which_things_is_no_name_of_a_thing(seed_kb):
    # jieba tags 东西 ("things") a place name: the article has no 东西, and the question was refused for it
    answer = seed_kb.ask("哪两样东西被视为「准现金」?", use_llm=False)
    assert not answer.abstained and "短期国库券" in answer.text and "准备金" in answer.text
    named = seed_kb.ask("《量子力学的基本方程式》这篇论文是谁提出的?", use_llm=False)
    assert not any(c.kind == "article" for c in named.citations)
    # A field the record does not hold is said to be missing, not guessed.
    assert seed_kb.ask("这篇文章的原文链接是什么?", use_llm=False).abstained


def test_an_english_question_finds_the_chinese_words_it_asks_about(seed_kb):
    # hedging -> 对冲, purchasing power -> 购买力 (CC-CEDICT): the sentence that names both leads the answer.
    answer = seed_kb.ask("How does the author suggest hedging against the loss of purchasing power of fiat money?",
                         use_llm=False)
    assert "黄金" in answer.citations[0].sentence


def test_an_english_question_is_answered_from_the_chinese_passages(seed_kb):
    answer = seed_kb.ask("When did the Fed end quantitative tightening?", use_llm=False)
    assert not answer.abstained and "2025年12月1日" in answer.text
    assert any("Chinese" in w for w in answer.warnings)
    # Its English words are never taken for names the store lacks.
    assert not any("未在资料中找到" in w for w in answer.warnings)


def test_an_english_question_is_read_for_what_it_asks_and_the_market_words_it_uses(seed_kb):
    from kb.retrieve.question import expected_kind

    # "the scenario where…" is a relative clause: the question asks how much, not where
    assert expected_kind("in the scenario where the market needs a bailout, how much does the fed buy?") == "quantity"
    assert expected_kind("where did the announcement cause an uproar?") == "place"
    assert expected_kind("how much does the fed buy when reserves run short?") == "quantity"
    # market words CC-CEDICT lacks or gives other senses of (scenario: 剧本, overweight: 过重), from kb's glossary;
    # a phrase whose Chinese is no word of the index by its words (fixed income: 固定收益 -> 固定, 收益)
    assert {"情景", "超配"} <= set(seed_kb.read("Which scenario makes the author overweight gold?").tokens)
    assert {"固定", "收益"} <= set(seed_kb.read("What does the author recommend for fixed income?").tokens)
    answer = seed_kb.ask("What does the author recommend for fixed income?", use_llm=False)
    assert "固定收益" in answer.citations[0].sentence, answer.text
    # a superlative in English names the item as well (scenario: 情景, the word its items' labels share)
    answer = seed_kb.ask("Which scenario does the author think is the most likely?", use_llm=False)
    assert "情景A" in answer.citations[0].sentence, answer.text
    # which + a word or two + a person's title asks who (which Fed governor), and who is named in the sentence
    # that "他认为…" leans on
    assert expected_kind("which fed governor blames the post-crisis rules?") == "person"
    assert expected_kind("which two private-sector firms does the article cite?") == "list"
    # the difference between two things is a comparison, not the definition "what is…" reads as
    assert expected_kind("what is the difference between the fed's peak and its size when qt ended?") == "comparison"
    assert expected_kind("维护派和回补派的区别是什么?") == "comparison"
    # a past tense finds its gloss (pushed up: 推高), a rate is 利率: the sentence that says why is quoted
    answer = seed_kb.ask("Why were repo rates pushed up in 2025, according to the article?", use_llm=False)
    assert any("过多的抵押品追逐过少的现金" in c.sentence for c in answer.citations), answer.text
    answer = seed_kb.ask("Which Fed governor says post-crisis regulations force banks to hold far more liquid assets "
                         "than they need?", use_llm=False)
    assert "斯蒂芬·米兰" in answer.text, answer.text


def test_a_which_year_question_leads_with_the_year(seed_kb):
    """The one short answer measured reliable (README, "Answers"): the sentence's year, not its whole date
    (2025年12月1日), in the script asked; a question that does not ask which year gets none."""
    from kb.answer import dates

    for asked in ("QT在哪一年结束?", "量化緊縮在哪一年結束?"):
        answer = seed_kb.ask(asked, use_llm=False)
        assert answer.short == "2025年" and answer.text.startswith("**2025年**") and answer.citations, asked
    assert seed_kb.ask("美联储什么时候结束QT?", use_llm=False).short is None
    assert dates.years("1961年8月13日开始修筑，1989年倒塌，1950年代以前") == ["1961年", "1989年"]
    assert dates.years("民国27年，清华大学在昆明联合办学") == ["民国27年"]
    assert dates.asks_year("柏林围墙在哪一年倒塌?") and not dates.asks_year("柏林围墙什么时候倒塌?")


def test_a_time_word_that_dates_nothing_answers_no_when(seed_kb):
    # 当前 and 后来 are time words to jieba, but asked when, a sentence holding only them holds no time; 同年 dates
    # what the sentence before dates
    from kb.answer import kinds

    assert not kinds.holds("time", "他们认为当前的准备金水平已经处于一个相对均衡的状态。")
    assert not kinds.holds("time", "后来这台吸尘器遭遇了阻力。")
    assert kinds.holds("time", "同年香港演艺巨星张国荣辞世。")
    assert kinds.holds("time", "到了2025年下半年,这台「吸尘器」遭遇了前所未有的阻力。")
    # eval/typed_blind5.jsonl (measured once, sessions ago): the article dates no forecast of 卡巴纳's
    answer = seed_kb.ask("卡巴纳那个每月450亿的预测,是什么时候对外发布的?", use_llm=False)
    assert answer.abstained, answer.text


def test_a_list_question_quotes_the_items_not_the_lead_in_alone(seed_kb):
    answer = seed_kb.ask("市场分成哪两大阵营?", use_llm=False)
    assert "维护派" in answer.text and "回补派" in answer.text
    answer = seed_kb.ask("RMP选择短期国库券的三个原因是什么?", use_llm=False)
    for item in ("风险特征相似", "避免额外刺激", "协同财政部发债策略"):
        assert answer.text.count(item) == 1, item  # quoted, once: the third is also a sentence chosen after the list
    numbers = [int(n) for n in re.findall(r"\[(\d+)\]", answer.text)]
    assert numbers == list(range(1, len(answer.citations) + 1))  # every citation quoted once, in order


def test_a_question_asking_what_each_item_has_quotes_every_item(seed_kb):
    # the odds stand in the items "1. 情景A:…(机率40%)", "2. 情景B:…", "3. 情景C:…" (the third in the next passage)
    answer = seed_kb.ask("三种情景的机率分别是多少?", use_llm=False)
    assert answer.kind == "list" and all(p in answer.text for p in ("40%", "35%", "25%")), answer.text
    assert "情景A" in answer.citations[0].sentence, answer.text
    from kb.retrieve.question import expected_kind

    assert expected_kind("美联储是在2025年的哪一季做出这个决定的?") == "time"


def test_what_each_item_tells_is_quoted_under_every_item(seed_kb):
    # "• 结果:…" stands under each scenario, the third in the next passage: each is quoted after its scenario, in order
    answer = seed_kb.ask("三种情景下,市场分别会有什么结果?", use_llm=False)
    sentences = [c.sentence for c in answer.citations]
    results = [i for i, s in enumerate(sentences) if s.startswith("• 结果")]
    assert len(results) == 3 and all("情景" + "ABC"[n] in sentences[i - 1] for n, i in enumerate(results)), answer.text
    assert "温和上涨" in sentences[results[0]] and "剧烈回调" in sentences[results[2]]
    # unlabelled sub-items, by their place under the item: each scenario's purchases
    answer = seed_kb.ask("三种情景下美联储每月分别买多少?", use_llm=False)
    assert all(p in answer.text for p in ("200-300亿美元", "450亿美元以上", "35亿美元")), answer.text
    # one item asked of (情景B): its own sub-items answer, not every scenario's
    answer = seed_kb.ask("情景B下美联储的购买规模和市场结果分别是什么?", use_llm=False)
    assert "融涨" in answer.text and "450亿美元以上" in answer.text and "温和上涨" not in answer.text, answer.text


def test_a_sentence_stands_under_its_item_and_headings_and_questions_lead_to_answers(seed_kb):
    # "• 结果:回购市场…" stands under "3. 情景C:政策失误…": that item's words are its context, and a
    # question asking which items quotes the item's own sub-items after it, not the next scenario's.
    answer = seed_kb.ask("情景C会带来哪些后果?", use_llm=False)
    assert "情景C" in answer.citations[0].sentence
    assert any("回购市场再次爆发危机" in citation.sentence for citation in answer.citations[1:3])
    assert "情景A" not in answer.text and "情景B" not in answer.text  # the list is the answer, not the others
    # "RMP如何影响风险资产?「挤出效应」与「资产负债表释放」": the sentence after one that asks answers it.
    answer = seed_kb.ask("RMP通过哪两条渠道影响风险资产?", use_llm=False)
    assert not answer.abstained and "「挤出效应」与「资产负债表释放」" in answer.text
    # "• 结果:股市温和上涨…" holds no amount; the item it stands under does (机率40%).
    answer = seed_kb.ask("股市温和上涨、美元横盘的情景发生的机率是多少?", use_llm=False)
    assert not answer.abstained and "40%" in answer.text
    # A heading line (RMP情景分析与机构投资者策略建议) leads to answers; near in meaning to many questions, it
    # was quoted first for this one.
    answer = seed_kb.ask("Which strategist is named as the leading voice of the camp that wants large-scale "
                         "reserve replenishment?", use_llm=False)
    assert "卡巴纳" in answer.citations[0].sentence


def test_whom_they_stands_for_answers_which_institution(seed_kb):
    # "当他们的资产负债表空间被释放出来后,他们就有更多的能力为…融资融券…提供流动性中介服务。" matches the
    # question; 他们 are the 一级交易商 of the sentence before (no name jieba tags as an organisation).
    answer = seed_kb.ask("哪类机构的资产负债表空间被释放后,能为股市融资融券提供流动性中介服务?", use_llm=False)
    assert "一级交易商" in answer.citations[0].sentence, answer.text
    from kb.answer.holds import THEY

    assert THEY.match("而她们认为…") and THEY.match("当他们的…") and not THEY.match("他被特勤局特工发现")


def test_the_sub_items_of_an_item_describe_one_thing(seed_kb):
    # "2. 情景B:…(机率35%)" has two sub-items: "• 美联储每月购买450亿美元以上。" and "• 结果:…大宗商品飙升…". A
    # question naming the scenario by its outcome asks the amount of the sibling, or the item's odds.
    answer = seed_kb.ask("大宗商品飙升的那个情景下,美联储每月买多少?", use_llm=False)
    assert "450亿美元以上" in answer.citations[0].sentence, answer.text
    answer = seed_kb.ask("基差交易爆仓的情景出现的概率有多大?", use_llm=False)
    assert "25%" in answer.citations[0].sentence, answer.text


def test_an_item_the_question_names_is_its_subject_and_its_sub_items_answer(seed_kb):
    # "1. 情景A:软着陆…(机率40%)" heads "• 结果:股市温和上涨…": asked how 情景B's outcome differs from 情景A's, the
    # outcomes answer, not the items' titles; asked what 情景C is called, the item itself does
    question = seed_kb.read("情景B跟情景A比,结果差在哪里?")
    assert question.kind == "comparison" and "a" in question.content and "b" in question.content
    answer = seed_kb.ask("情景B跟情景A比,结果差在哪里?", use_llm=False)
    assert answer.citations[0].sentence.startswith("• 结果:"), answer.text
    assert "融涨" in answer.text and "温和上涨" in answer.text, answer.text
    answer = seed_kb.ask("情景C的全称是什么?", use_llm=False)
    assert "政策失误与流动性休克" in answer.citations[0].sentence, answer.text


def test_the_words_that_ask_for_a_list_are_not_its_subject(seed_kb):
    # 一共, 哪几种 and 列出来 weighed as the subject (no passage holds them) and the question abstained
    question = seed_kb.read("文中一共提到了哪几种利率?请都列出来")
    assert question.kind == "list" and question.content == ["利率"], question.content
    answer = seed_kb.ask("文中一共提到了哪几种利率?请都列出来", use_llm=False)
    assert not answer.abstained and "利率" in answer.citations[0].sentence, answer.text


def test_how_many_trillion_asks_an_amount(seed_kb):
    # 几万亿美元 asks an amount as 多少 does: the sentence quoted holds one
    answer = seed_kb.ask("美联储的资产负债表峰值时是几万亿美元?", use_llm=False)
    assert answer.kind == "quantity" and "9万亿美元" in answer.citations[0].sentence, answer.text


def test_one_item_picked_by_a_superlative_asks_for_its_figure(seed_kb):
    # 三种情景 would make it a list question; 最有可能的那一种 picks one, and 多大的机率 asks its odds (多/大 are the
    # template's 多大, not words the passages must hold)
    question = seed_kb.read("三种情景里作者认为最有可能的那一种,机率有多大?")
    assert question.kind == "quantity" and "多" not in question.content and "大" not in question.content
    answer = seed_kb.ask("三种情景里作者认为最有可能的那一种,机率有多大?", use_llm=False)
    assert not answer.abstained and "40%" in answer.citations[0].sentence, answer.text


def test_a_superlative_asks_for_the_item_with_the_extreme_figure(seed_kb):
    # 情景A (机率40%: 200-300亿), 情景B (35%: 450亿以上), 情景C (25%: 35亿) share every word of these questions;
    # their figures alone tell which one is asked for. 情景C stands in the passage after the other two.
    answer = seed_kb.ask("机率最高的情景下,美联储每月购买多少?", use_llm=False)
    assert "200-300亿美元" in answer.citations[0].sentence and "情景A" in answer.text, answer.text
    answer = seed_kb.ask("哪种情景下美联储的购买量最小?", use_llm=False)
    assert "情景C" in answer.citations[0].sentence, answer.text
    # the largest amount the article gives is no scenario's: the list is left alone
    answer = seed_kb.ask("开始缩表以前,美联储手上的资产最多时大约有多大?", use_llm=False)
    assert "9万亿美元" in answer.citations[0].sentence, answer.text


def test_questions_the_article_does_not_answer_abstain(seed_kb):
    for question in ("斯蒂芬·米兰是哪一年被任命为美联储理事的?",  # no date about him
                     "文中情景D的机率是多少?",  # there is no scenario D
                     "VIX指数在文章发布时是多少点?",  # VIX is named, its level is not
                     "标普500指数年底会涨到多少点?",  # amounts in 亿美元 and %, none in 点
                     "How many voting members does the FOMC have?",  # no count of people
                     "How old is the author of this article?",  # no age (岁) anywhere
                     "What gold price per ounce does the author forecast for 2026?",  # no price per ounce
                     "What was the IORB rate, in percent, when the article was written?",  # no rate in %
                     "How many primary dealers are there?",  # no count of firms
                     "作者预计油价会涨到每桶多少美元?",  # no price per barrel
                     # the amount beside 流通货币 is the 维护派's forecast, in the sentence after: nothing says how fast
                     # it grows (a sentence holding the amount must hold something of the question itself)
                     "维护派要抵消流通货币的自然增长,那流通货币一年会增长多少?",
                     # the one sentence naming 斯蒂芬·米兰 names nobody else: who nominated him is not said
                     "是谁提名斯蒂芬·米兰出任美联储理事的?",
                     # the amounts in 万亿美元 are the balance sheet's: no sentence holding one says anything of
                     # reserves or primary dealers (万亿 and 美元 are the amount's own words, not what it is about)
                     "银行准备金现在还有多少万亿美元?", "一级交易商持有多少万亿美元的国债库存?",
                     # 年化 is a market term no passage holds (收益率 alone is not what is asked)
                     "货币基金现在的七日年化收益率大概有多少?"):
        assert seed_kb.ask(question, use_llm=False).abstained, question
    answer = seed_kb.ask("QT期间有多少万亿美元的流动性从市场中消失?", use_llm=False)
    assert not answer.abstained and "2.4万亿美元" in answer.citations[0].sentence, answer.text
    # asked who stands with a person the article does speak of, it answers (马克·卡巴纳 of 美国银行)
    answer = seed_kb.ask("马克·卡巴纳在哪家银行当策略师?", use_llm=False)
    assert not answer.abstained and "美国银行" in answer.citations[0].sentence, answer.text
    # The unit asked for must be there: an age in 岁, a count of people in 人/位/名.
    from kb.answer import kinds

    assert kinds.asked_unit("作者今年几岁?").search("52岁") and not kinds.asked_unit("作者今年几岁?").search("35亿美元")
    assert kinds.asked_unit("理事会中有多少人为学生?").search("2位") and kinds.asked_unit("RMP的规模有多大?") is None
    assert kinds.asked_unit("通胀目标是百分之多少?").search("2%") and not kinds.asked_unit("通胀目标是百分之多少?").search("35亿")
    # 几家 of a phrase the article uses (集中在少数几家大型机构手中) asks no count
    assert kinds.asked_unit("准备金集中在几家大型机构手中?") is None and kinds.asked_unit("美国有几家一级交易商?")


def test_a_market_term_the_store_lacks_is_missing_in_either_language(seed_kb):
    # kb/text/data/market_terms.txt and market_glossary.txt: 贴现窗口, 净息差 and tapering (缩减购债) are in no passage;
    # tether is a market term written in Latin letters, stablecoin one whose synonym (稳定币) is
    for question, term in (("美联储会不会重新打开贴现窗口?", "贴现窗口"), ("RMP对银行的净息差有什么影响?", "净息差"),
                           ("Does the author compare RMP with the Fed's tapering in 2014?", "缩减购债"),
                           ("Will RMP lift demand for stablecoins?", "stablecoin"),
                           ("How much does Tether hold in T-bills?", "tether"),
                           # written with a symbol or a number, cut into pieces that name nothing
                           ("Where will the S&P 500 end 2026, according to the author?", "标普500"),
                           ("What does the author expect of the 10-year Treasury yield?", "10年期"),
                           ("作者看好5年期国债吗?", "5年期"),
                           # eval/typed_blind18.jsonl (after its measurement): the article speaks of banks, not of small ones
                           ("RMP对美国中小银行和大银行的影响,作者觉得有什么不同?", "中小银行")):
        answer = seed_kb.ask(question, use_llm=False)
        assert answer.abstained and any(term in w for w in answer.warnings), (question, answer.warnings)
    # common English words and descriptions are no market terms, nor a year before 期间, nor "2 years" before a bond word,
    # nor a word every finance article uses (a reviewer's findings)
    for question in ("Why do money market funds seek a high yield?", "What does the US president think of RMP?",
                     "Will RMP lower interest rates?", "Over the past 2 years bond yields rose; why did the Fed stop QT?",
                     "2025年期间美联储为什么停止缩表?", "RMP会推高股价吗?"):
        answer = seed_kb.ask(question, use_llm=False)
        assert not any(w.startswith("未在资料中找到") for w in answer.warnings), (question, answer.warnings)
    # a year before 期间 is no tenor (DRCD dev: 1870年至1900年期间…)
    from kb.answer.refusals import _TENOR

    assert _TENOR.findall("1870年至1900年期间,印度民族工业有何变化?") == [] and _TENOR.findall("2年期和10年期") == ["2年期", "10年期"]
    # a market term the article does write is held: the question is answered
    assert not seed_kb.ask("How did the Fed's quantitative tightening end?", use_llm=False).abstained
    read = seed_kb.read("Will RMP lift demand for stablecoins?")
    assert "stablecoin" in read.named and "lift" not in read.named and "demand" not in read.named


def test_an_english_contraction_names_nothing(seed_kb):
    # eval/typed_blind17.jsonl (after its single measurement): "won't" was cut into "won" and "t", and CC-CEDICT's
    # "won" is 韩元: the question was refused for a currency it never named
    from kb.text.bilingual import written_out

    assert written_out("Why won't they? They can't, isn't it, we're sure") == "Why will not they? They can not, is not it, we are sure"
    assert written_out("What does the 'M' in RMP stand for?") == "What does the 'M' in RMP stand for?"
    question = "Why won't banks lend out their idle cash, and why can't they?"
    assert "won" not in seed_kb.read(question).tokens
    assert not any("韩元" in term for term in seed_kb.read(question).named)
    answer = seed_kb.ask(question, use_llm=False)
    assert not any("韩元" in w for w in answer.warnings), answer.warnings


def test_an_english_question_asking_the_odds_or_its_title(seed_kb):
    # eval/typed_blind17.jsonl (after its single measurement): "what odds" asks an amount (the scenario's 机率 in its
    # item line, above the outcome the question describes), and "its exact title", after naming the piece by what it
    # lays out, asks the article's title
    from kb.retrieve.question import expected_kind

    assert expected_kind("what odds does the author give to a repo crisis?") == "quantity"
    assert expected_kind("i'd like to cite the piece on rmp. what is its exact title?") == "article_fact"
    assert expected_kind("the article mentions the lcr. what is its full name?") != "article_fact"
    answer = seed_kb.ask("What odds does the author give to the outcome where repo blows up again and stocks fall hard?",
                         use_llm=False)
    assert "25%" in answer.text and not answer.abstained, answer.text
    answer = seed_kb.ask("I'd like to cite the piece with scenarios A, B and C. What is its exact title?", use_llm=False)
    assert "美联储大转型" in answer.text or "美聯儲大轉型" in answer.text, answer.text


def test_a_request_to_explain_asks_about_its_subject(seed_kb):
    # 解释一下 is one word to jieba, and weighed as the subject it outweighed RMP: the answer abstained
    question = seed_kb.read("解释一下RMP")
    assert question.kind == "definition" and question.content == ["rmp"]
    answer = seed_kb.ask("解释一下RMP", use_llm=False)
    assert not answer.abstained and "RMP本质上是" in answer.citations[0].sentence, answer.text
    assert seed_kb.ask("简单介绍一下这篇文章", use_llm=False).citations[0].kind == "article"


def test_a_sentence_going_on_about_this_term_brings_the_one_that_says_what_it_is(seed_kb):
    # "这种「财政主导」的格局,将…" follows the sentence that says what 财政主导 is (美联储成为了财政部短期债务的
    # 边际购买者…); 说白了 asks what it is, 为啥 asks why
    for question in ("财政主导是什么意思?", "作者说的财政主导,说白了是什么?"):
        answer = seed_kb.ask(question, use_llm=False)
        assert answer.kind == "definition" and "边际购买者" in answer.citations[0].sentence, (question, answer.text)
    assert seed_kb.read("美联储为啥不再缩表了?").kind == "reason"


def test_a_definition_cue_stands_by_the_term_it_defines(seed_kb):
    # "此外,RMP的实施还离不开一个重要的背景——美国联邦赤字…": the dash defines the deficit, not RMP; it was
    # quoted first for the first question a new user asks.
    answer = seed_kb.ask("RMP是什么?", use_llm=False)
    first = answer.citations[0].sentence
    assert "联邦赤字" not in first and ("本质上是" in first or "储备管理购买" in first), answer.text
    from kb.answer import kinds

    assert kinds.cues("definition", "简称为「滇」。", ["云南省"])  # defines what the sentence before named


def test_the_amount_of_a_thing_no_passage_names_is_not_in_the_store(seed_kb):
    # Amounts of reserves are quoted (35亿, 450亿 a month); their total (总额) is named nowhere.
    answer = seed_kb.ask("银行准备金的总额是多少?", use_llm=False)
    assert answer.abstained and any("总额" in warning for warning in answer.warnings), answer.text
    from kb.retrieve.question import read_question

    # what is measured is the noun before 多少, not a verb
    assert read_question("山东女子学院图书馆藏书量是多少?").measured == "藏书量"
    assert read_question("哪一方高得多?高到多少?").measured is None  # a verb, not a measure
    # after 的, a noun whatever jieba tags it (上限: v); 总 is part of 总规模, and 多大 may be cut 多/大
    assert read_question("美联储缩表的上限是多少?").measured == "上限"
    assert read_question("货币市场基金的资产总规模有多大?").measured == "总规模"
    answer = seed_kb.ask("美联储缩表的上限是多少?", use_llm=False)
    assert answer.abstained and any("上限" in warning for warning in answer.warnings), answer.text
    assert not seed_kb.ask("美联储的资产负债表规模缩减到了多少?", use_llm=False).abstained
    # 缩 (of 缩了, a word no passage holds) repeats 缩表: weighed as a word of its own, it outweighed the rest
    assert "缩" not in seed_kb.read("美联储缩表缩了多少?").content
    assert "2.4万亿美元" in seed_kb.ask("美联储缩表缩了多少?", use_llm=False).text


def test_the_model_gets_a_question_the_extractive_path_used_to_refuse(seed_kb):
    """Before question reading, an English question abstained ("未在资料中找到: when、did…") and never
    reached a configured model; now it does, and the model is asked to answer in English."""
    server = FakeLLM()
    try:
        server.reply("The Fed ended quantitative tightening on 1 December 2025.[1]")
        kb = seed_kb
        saved = kb.settings
        kb.settings = replace(saved, llm_base_url=server.base_url, llm_model="test-model", llm_timeout=10.0)
        try:
            answer = kb.ask("When did the Fed end quantitative tightening?")
        finally:
            kb.settings = saved
        assert answer.generated_by == "llm:test-model" and not answer.abstained
        assert "1 December 2025" in answer.text and answer.citations
        assert "英文" in server.prompt()
    finally:
        server.close()


@pytest.mark.parametrize("question", ["RMP的规模有多大?", "美联储每月可能购买多少短期国库券?"])
def test_an_amount_question_quotes_an_amount(seed_kb, question):
    answer = seed_kb.ask(question, use_llm=False)
    assert not answer.abstained
    assert any(amount in answer.text for amount in ("35亿", "450亿", "200-300亿")), answer.text


def test_blunt_and_figurative_wording_is_template_not_subject(seed_kb):
    # 说穿了 (put bluntly) and 打了什么比方 say how the answer is wanted; as words no passage holds they outweighed the
    # subject (RMP, 市场) and the question was refused
    for question, words in (("RMP说穿了到底买的是什么?", {"rmp", "买"}), ("作者给RMP打了个什么比方?", {"rmp"})):
        assert set(seed_kb.read(question).content) == words, question
    answer = seed_kb.ask("作者给RMP打了个什么比方?", use_llm=False)
    assert not answer.abstained and "管道维修" in answer.text, answer.text


def test_an_english_amount_finds_the_sentence_writing_it_in_chinese(seed_kb):
    # 45 billion is written 450亿 and 2.4 trillion 2.4万亿: the sentence holding the figure is the one asked about
    # (eval/typed_blind12.jsonl, after its single measurement)
    from kb.answer.numbers import asked_numbers, plain

    numbers = asked_numbers(seed_kb.read("Did 20 to 30 billion, 45 billion, 2.4 trillion or 350 million dollars come up?"))
    for written in ("每月200-300亿美元", "高达450亿美元", "2.4万亿美元", "3.5亿美元"):
        assert any(number.search(written) for number in numbers), written
    assert not any(number.search("35亿美元, 45亿美元") for number in numbers)
    numbers = asked_numbers(seed_kb.read("Was it $45bn or 50 million, and did 1,425 banks take part?"))
    for written in ("450亿", "5000万", plain("1,425家")):
        assert any(number.search(written) for number in numbers), written
    assert not any(number.search("1家") for number in numbers)
    answer = seed_kb.ask("Bank of America's 45 billion a month comes in two pieces. Give both amounts.", use_llm=False)
    assert "200亿" in answer.text and "250亿" in answer.text, answer.text


def test_chat_framing_is_template_not_subject(seed_kb):
    # 要是 (if), 按…的说法 (according to), 搞到 (ends up in) frame a chat question; as words no passage holds they
    # outweighed the subject and the evidence was judged too weak (eval/typed_blind11.jsonl and typed_blind12.jsonl,
    # each measured once before)
    assert not {"要是", "搞", "说法", "按"} & set(seed_kb.read("按作者的说法,要是搞到流动性休克,美联储每月买多少?").content)
    answer = seed_kb.ask("美聯儲要是出手太小氣,搞到流動性休克,那個劇本裡它每月到底只買多少?", use_llm=False)
    assert not answer.abstained and any("35亿" in c.sentence for c in answer.citations), answer.text
    answer = seed_kb.ask("要是走的是情景A,股市会不会大跌?", use_llm=False)
    assert not answer.abstained and "温和上涨" in answer.text, answer.text


def test_a_scenarios_odds_do_not_answer_another_percentage(seed_kb):
    # "3. 情景C:政策失误与流动性休克(机率25%)": 25% is how likely the scenario is, not how far anything falls in it
    from kb.answer import kinds

    assert kinds.odds("3. 情景C:政策失误与流动性休克(机率25%)") == {"25%"} and not kinds.odds("美联储每月购买35亿美元。")
    assert seed_kb.ask("情景C发生时,美元会贬值百分之几?", use_llm=False).abstained
    answer = seed_kb.ask("情景C的机率是百分之多少?", use_llm=False)
    assert not answer.abstained and "25%" in answer.text, answer.text


# "这与量化宽松(QE)有着本质区别。" follows "美联储将其定义为一项技术性操作,旨在维持银行体系准备金处于「充裕」水平。", and
# "例如,Evercore ISI预测每月购买规模约为35亿美元。" follows "「维护派」:他们认为…相对均衡…": the sentence set against
# something, or exemplified, is the answer, quoted before the one that leans on it. (A passage starting on the example,
# passages overlapping, gives it without its claim: the overlapping passage holding both is quoted.)
@pytest.mark.parametrize("question, leaning, leaned_on", [
    ("为什么说RMP和QE有本质区别?", "本质区别", "维持银行体系准备金"),
    ("Evercore ISI为什么认为美联储每月买35亿美元就足够了?", "例如", "相对均衡"),
])
def test_a_sentence_leaning_on_the_one_before_brings_it_first(seed_kb, question, leaning, leaned_on):
    answer = seed_kb.ask(question, use_llm=False)
    sentences = [c.sentence for c in answer.citations]
    at = next((i for i, s in enumerate(sentences) if leaning in s), None)
    assert at and leaned_on in sentences[at - 1], answer.text


def test_a_capital_letter_after_a_word_labels_it_in_an_english_question(seed_kb):
    # "scenario A" names 情景A; "a" of "a scenario" and "I" are no labels
    assert "a" in seed_kb.read("What probability does the author assign to scenario A?").content
    assert "a" not in seed_kb.read("Is there a scenario where the Fed buys nothing?").content
    assert "i" not in seed_kb.read("Can I see the scenarios?").content
    answer = seed_kb.ask("What probability does the author assign to scenario A?", use_llm=False)
    assert "40%" in answer.citations[0].sentence, answer.text


def test_which_market_is_answered_by_a_kind_of_market(seed_kb):
    # 哪个市场 asks for a compound of 市场 (回购市场), whatever jieba tags it; 这个市场 says which one no more than 市场
    from kb.answer import kinds

    asked = "这种局面出现在哪个市场?"
    assert kinds.entities("place", "这些新发行的国债如海啸般涌入回购市场,需要大量的现金来承接。", asked=asked) == ["回购市场"]
    assert kinds.entities("place", "这个市场很大。", asked=asked) == []
    answer = seed_kb.ask("“过多的抵押品追逐过少的现金”这种局面出现在哪个市场?", use_llm=False)
    assert not answer.abstained and "回购市场" in answer.text, answer.text


def test_a_third_sentence_of_one_passage_is_quoted_when_no_other_passage_has_one(seed_kb):
    # The three sentences near enough to the best are of one passage: the third ("…造成了「过多的抵押品追逐过少的现金」的
    # 局面") answers. And a sentence chosen after the one leaning on it (他认为… on 米兰提出…) is still quoted before it.
    answer = seed_kb.ask("创纪录的国债涌入回购市场后,造成了什么局面?", use_llm=False)  # eval/seed.jsonl
    assert "过多的抵押品追逐过少的现金" in answer.text, answer.text
    answer = seed_kb.ask("哪位理事认为监管框架逼着银行持有过多的流动资产?", use_llm=False)
    sentences = [c.sentence for c in answer.citations]
    assert "米兰" in sentences[0] and sentences[1].startswith("他认为"), answer.text


def test_a_market_term_the_store_never_names_is_not_in_the_store(seed_kb):
    # jieba tags 房价 or 港股 as ordinary words; kb's market terms (kb/text/data/market_terms.txt) name them, in an
    # English question through their Chinese words (mortgage rates: 房贷 by kb's glossary, vote: 投票), unless the store
    # holds the word in another sense (principal: 主要)
    for question, term in (("RMP会推高房价吗?", "房价"), ("RMP对港股有什么影响?", "港股"),
                           ("Will RMP lower mortgage rates?", "房贷"), ("Does RMP need a vote?", "投票")):
        answer = seed_kb.ask(question, use_llm=False)
        assert answer.abstained and any(term in w for w in answer.warnings), (question, answer.warnings)
    assert "本金" not in seed_kb.read("What is the principal reason for RMP?").named
    # "US" is 美国, which the article names (美国财政部): no missing name
    answer = seed_kb.ask("Why did the US Treasury issue so many bonds?", use_llm=False)
    assert not answer.abstained and "创纪录数量的国债" in answer.text, answer.text


def test_a_market_term_is_read_where_words_begin_and_end():
    # 道指 (the Dow) is no word of "此处的三道指的是…" (三道 / 指 / 的是): DRCD dev refused this answerable question
    from kb.retrieve.question import read_question

    assert read_question("轮回包摄三道,此处的三道指的是祖道、兽道,还有哪一道?").named == []
    assert "房价" in read_question("RMP会推高房价吗?").named  # within jieba's 高房价


def test_how_large_is_rmp_leads_with_an_amount_and_quotes_a_sentence_once(seed_kb):
    # The first question. 12月 of 2025年12月 and 1月 of 2026年1月 are dates, not amounts: the sentence
    # "关于RMP具体的购买规模…存在着巨大的分歧" leaning on them was taken to hold one and led the answer. And the same
    # sentence in two overlapping passages (例如,Evercore ISI…) was quoted twice.
    from kb.answer import kinds

    assert kinds.entities("quantity", "2025年12月,FOMC会议将正式公布RMP的细节,并计划于2026年1月开始实施。") == []
    assert kinds.entities("quantity", "天文台可以预测9日的天气。", duration=True) == ["9日"]  # 多少日: a count of days
    answer = seed_kb.ask("RMP的规模有多大?", use_llm=False)
    sentences = [c.sentence for c in answer.citations]
    assert any(amount in sentences[0] for amount in ("35亿", "450亿", "200-300亿")), answer.text
    assert len(set(sentences)) == len(sentences), answer.text


def test_which_thing_of_a_sort_is_answered_by_one_of_that_sort(seed_kb):
    # 什么战争 asks for a war (甲午战争), 哪类基金 for a kind of fund; 什么的药物 asks what a drug treats, not which drug,
    # and 什么东西 names no sort
    from kb.answer import kinds

    assert kinds.asked_sort("清朝因什么战争战败而失去李氏朝鲜这藩属国?") == "战争"
    assert kinds.asked_sort("呋塞米是用来治疗什么的药物?") is None
    assert kinds.asked_sort("韩国的什么东西有九成是进口而来的?") is None
    asked = "清朝因什么战争战败而失去李氏朝鲜这藩属国?"
    assert kinds.holds("other", "1894年甲午战争爆发,清军战败。", asked=asked)
    assert not kinds.holds("other", "依照条约李氏朝鲜不再是清朝的藩属国。", asked=asked)
    assert kinds.entities("other", "他的著作《两种新科学》出版。", asked="伽利略哪本著作被爱因斯坦盛赞?") == ["《两种新科学》"]
    # eval/typed_blind5.jsonl (measured once, sessions ago): the sentence naming 货币市场基金 answers, not the one
    # repeating the question's words
    answer = seed_kb.ask("美联储一进场把短债利息压下去,最先要搬家找收益的是哪类基金?", use_llm=False)
    assert "货币市场基金" in answer.citations[0].sentence, answer.text


def test_the_answer_stands_beside_the_words_around_what_is_asked(seed_kb):
    # 输给哪一队: the team is named just after 输给 in the sentence that answers; 引发了哪两方面的担忧: 引发 before, 担忧 after
    from kb.answer import kinds

    assert kinds.beside_asked("溜马队第一次进入nba总决赛,但是却输给哪一队?") == ["输给"]
    assert kinds.beside_asked("斯蒂芬·米兰是由哪位总统提名的?") == ["米兰", "提名"]
    assert kinds.beside_asked("宁王的本名是?") == ["本名"]  # what is asked is left off the end
    # 称为什么 asks a name, not a reason (为什么 within it)
    from kb.retrieve.question import expected_kind

    assert expected_kind("这种复杂的轨道共振被称为什么?") != "reason"
    assert expected_kind("美联储为什么要结束qt?") == "reason"
    assert expected_kind("合作为什么破裂?") == "reason"  # 作为 is no verb here
    assert kinds.asked_sort("哪怕利率上升,银行也会买什么资产?") == "资产"
    assert kinds.beside_asked("这家公司在哪里上市?") == ["公司", "上市"] and kinds.asked_sort("这家公司在哪里上市?") is None
    answer = seed_kb.ask("债务货币化的闭环引发了哪两方面的担忧?", use_llm=False)  # eval/typed.jsonl
    assert "央行独立性" in answer.citations[0].sentence, answer.text


def test_four_sentences_are_quoted_when_near_enough(seed_kb):
    # eval/typed.jsonl: the sentence naming 短期国库券 is the fourth within reach of the best; three left it out
    from kb.answer.extractive import MAX_SENTENCES

    answer = seed_kb.ask("RMP具体是通过买什么来维持准备金充裕的?", use_llm=False)
    assert len(answer.citations) <= MAX_SENTENCES == 4
    assert "短期国库券" in answer.text, answer.text


def test_a_restated_claim_brings_the_sentence_that_says_why(seed_kb):
    # "这些新发行的国债如海啸般涌入回购市场,需要大量的现金来承接。" restates what is asked about and gives no reason;
    # the sentence after it does (QT政策已经抽走了系统中的现金)
    for question in ("为什么新发行的国债涌入回购市场会出问题?",
                     "Why did the flood of new Treasuries into the repo market cause trouble?"):
        answer = seed_kb.ask(question, use_llm=False)
        sentences = [c.sentence for c in answer.citations]
        assert "抽走了系统中的现金" in sentences[sentences.index(next(s for s in sentences if "如海啸般" in s)) + 1], \
            answer.text


def test_a_sentence_of_the_questions_own_words_brings_the_one_after_it(seed_kb):
    # "我们可以将当时的货币市场比作一个巨大的水库。" is nearly all the question's words: what it is about follows
    for question in ("把当时的货币市场比作一个巨大的水库,这个比喻想说什么?", "当时的货币市场比作一个巨大的水库,怎么回事?"):
        answer = seed_kb.ask(question, use_llm=False)
        assert "水库" in answer.citations[0].sentence and "「水缸」" in answer.citations[1].sentence, answer.text


def test_a_sentence_the_next_one_spells_out_brings_it(seed_kb):
    # "2025年出现的一系列「微观流动性危机」信号是关键。" announces the signals; "其中最引人注目的,是…" names one
    for question in ("作者講的「微觀流動性危機」,最扎眼的信號是啥?",  # eval/typed_blind7.jsonl
                     "What does the author point to as the most striking 'micro liquidity crisis' signal of 2025?"):
        answer = seed_kb.ask(question, use_llm=False)
        sentences = [c.sentence for c in answer.citations]
        assert "信号是关键" in sentences[0] and "正利差" in sentences[1], answer.text


def test_a_reason_asked_of_this_term_is_the_sentence_before_it(seed_kb):
    # eval/typed_blind9.jsonl: "这种「财政主导」的格局,将进一步稀释…" restates the claim; the sentence before it says
    # what makes it so (美联储成为了财政部短期债务的边际购买者)
    answer = seed_kb.ask("作者凭什么说“财政主导”会进一步稀释法定货币的购买力?", use_llm=False)
    sentences = [c.sentence for c in answer.citations]
    assert "边际购买者" in sentences[0] and "这种「财政主导」" in sentences[1], answer.text


def test_a_colloquial_why_brings_the_reason_and_the_list_it_leads_in(seed_kb):
    # eval/typed_blind10.jsonl (after its measurement): 干嘛 asks why; the first sentence restates the question, the
    # next leads in a list ("…深层矛盾:") whose items say why
    from kb.retrieve.question import expected_kind

    assert expected_kind("干嘛还要跑去市场上高价借钱?") == "reason" and expected_kind("这个工具是干嘛用的?") != "reason"
    answer = seed_kb.ask("银行明明在美联储存着准备金,干嘛还要跑去市场上高价借钱?", use_llm=False)
    sentences = [c.sentence for c in answer.citations]
    assert "深层矛盾" in sentences[1] and any("流动性分布极不均衡" in s for s in sentences[2:]), answer.text


def test_a_byline_asks_the_author_and_what_a_piece_is_written_for_is_no_article_fact(seed_kb):
    # eval/typed_blind11.jsonl (after its measurement)
    from kb.retrieve.question import expected_kind

    answer = seed_kb.ask("Whose byline is on this piece?", use_llm=False)
    assert answer.short == "王永利" and not answer.abstained, answer.text
    assert expected_kind("what kind of investor is the article's 2026 playbook written for?") != "article_fact"


def test_a_count_or_a_haircut_is_an_amount_asked(seed_kb):
    # the thirteenth blind set's unanswerable 几折 / 几次 questions were answered with a sentence on other things
    for question in ("文章說在監管指標裡現金比國債吃香,那流動性覆蓋率(LCR)計算時,國債要打幾折?",
                     "RMP买短债是每周分几次操作,还是每天都买?"):
        answer = seed_kb.ask(question, use_llm=False)
        assert answer.kind == "quantity" and answer.abstained, (question, answer.text)
        assert "资料中没有找到所问的数量" in answer.warnings, answer.warnings  # not "所问的quantity"
    # 好几次, 前几次 count nothing asked; a question asking who is not one asking how many (DRCD dev: 哪位皇帝发动了几次…)
    from kb.retrieve.question import expected_kind
    assert expected_kind("前几次qe是怎么结束的?") == "method" and expected_kind("美联储好几次提到的那个工具是什么?") != "quantity"
    answer = seed_kb.ask("哪位理事几次提出「监管主导」的假说?", use_llm=False)
    assert answer.kind == "person" and not answer.abstained and "米兰" in answer.text


def test_asked_what_it_is_called_the_item_title_comes_first(seed_kb):
    # the thirteenth blind set: the scenario's name is its item's title, above the sub-item holding the amount asked by
    for question, name in (("美联储每月买200到300亿的那个情景,作者怎么命名的?", "技术性修复"),
                           ("美联储每月购买450亿美元以上的情景叫什么?", "流动性海啸"),
                           ("What does the author call the scenario in which the Fed buys only 3.5 billion a month?",
                            "流动性休克")):
        answer = seed_kb.ask(question, use_llm=False)
        assert name in answer.citations[0].sentence, (question, answer.text)
    # not asked a name, the sub-item holding the amount still comes first
    assert "200-300亿" in seed_kb.ask("情景A下美联储每月购买多少?", use_llm=False).citations[0].sentence


def test_asked_who_a_sentence_on_they_brings_whom_they_stand_for(seed_kb):
    # the sixth blind set: 他们 are the primary dealers named in the sentence before, the answer to "who"
    answer = seed_kb.ask("资产负债表空间被释放出来后,谁就有更多的能力为股市的融资融券提供流动性中介服务?", use_llm=False)
    assert answer.kind == "person" and "一级交易商" in answer.citations[0].sentence, answer.text


def test_a_count_of_the_things_named_answers_how_many_of_them(seed_kb):
    # the eleventh blind set and the held-out set: 两大阵营 answers 几派 / how many camps, not an amount of growth
    for question in ("华尔街对RMP该买多少,大致分成了几派?",
                     "Into how many main camps does the article split Wall Street's views on the size of RMP?"):
        answer = seed_kb.ask(question, use_llm=False)
        assert not answer.abstained and "两大阵营" in answer.citations[0].sentence, (question, answer.text)
    from kb.answer import kinds
    assert kinds.entities("quantity", "市场主要分为两大阵营:", asked="分成了几派?") == ["两大"]
    assert kinds.entities("quantity", "市场主要分为两大阵营:", asked="流通货币每年增长多少?") == []
    assert kinds.entities("quantity", "市场主要分为两大阵营:", asked="美联储几乎每月买多少?") == []  # 几乎 asks no count
    for text in ("二十大报告", "第三大经济体", "市场呈现一派繁荣景象", "每10派3.5元"):  # no count of things in these
        assert not any(f.endswith(("大", "派")) for f in kinds.entities("quantity", text, asked="有几派?")), text


def test_an_english_name_finds_the_sentence_writing_its_transliteration(seed_kb):
    # Mark Cabana is 马克·卡巴纳 in the article: the sentence naming him is the one asked about (eval/typed_blind13.jsonl,
    # after its single measurement), not the nearest in meaning
    from kb.answer.names import share_named, spelled_names
    from kb.text.sounds import may_transliterate, transliterates

    for english, chinese in (("Cabana", "卡巴纳"), ("Miran", "米兰"), ("Stephen", "斯蒂芬"), ("Powell", "鲍威尔"),
                             ("Bernanke", "伯南克"), ("Greenspan", "格林斯潘"), ("Charles", "查尔斯")):
        assert transliterates(english, chinese), (english, chinese)
    for english, chinese in (("Cabana", "美联储"), ("Miran", "米兰达"), ("Bessent", "卡巴纳")):
        assert not transliterates(english, chinese), (english, chinese)
    assert not may_transliterate("Mark") and not transliterates("Mark", "马克")  # two consonants match too much
    # not the first word, a month or a word CC-CEDICT translates otherwise (Senate: 参议院, not a transliteration)
    question = seed_kb.read("Please say whether Mark Cabana spoke to the Senate on Sunday, or Powell did")
    assert spelled_names(question) == ["Cabana", "Powell"]
    assert share_named(["Cabana"], "以美国银行策略师马克·卡巴纳为代表") == 1.0
    assert share_named(["Taiwan"], "据报道的温尼·史密斯说") == 0.0  # 道的温尼 reaches past the name
    answer = seed_kb.ask("Is Mark Cabana one of the Fed's own officials?", use_llm=False)
    assert "卡巴纳" in answer.citations[0].sentence and "美国银行" in answer.citations[0].sentence, answer.text


def test_a_comma_ends_the_clause_a_question_pattern_reads():
    # Normalising writes ， as ",": the patterns' clause limits must stop at either, or "这篇文章说…,谁…?" asks the
    # article's author
    from kb.retrieve.question import read_question

    for asked in ("这篇文章说RMP规模有分歧,谁估计得最高?", "本文提到监管主导,这是谁提出的?"):
        assert read_question(asked).kind == "person", asked
    for asked in ("这篇文章,是谁写的?", "说2026年主旋律会变成“美联储需要印多少钱”的这篇,是谁写的?"):
        question = read_question(asked)
        assert (question.kind, question.fact) == ("article_fact", "author"), asked
    assert read_question("文章引用的那本书的那位作者叫什么名字?").kind == "person"  # a book's author, not the article's


def test_the_author_described_by_what_the_article_says_is_its_author(seed_kb):
    # "…的那位作者,叫什么名字?" asks the article's author (eval/typed_blind14.jsonl, after its single measurement)
    answer = seed_kb.ask("給三個情景分別打了四成、三成五、兩成五機率的那位作者,叫什麼名字?", use_llm=False)
    assert not answer.abstained and "王永利" in answer.text, answer.text


def test_the_day_they_did_it_is_told_by_the_sentence_before_who_they_are(seed_kb):
    # "…他们正式宣布:2025年12月1日,QT计划终止!" shares no word with the question; the sentence before it says who they
    # are and what they decided (eval/typed_blind14.jsonl, after its single measurement)
    answer = seed_kb.ask("作者说美联储做了个“历史性的决定”,这个决定具体哪天落地?", use_llm=False)
    assert not answer.abstained and "2025年12月1日" in answer.text, answer.text
    # a day said of nothing the question names still does not answer it
    assert seed_kb.ask("2025年12月的FOMC会议是哪一天召开的?", use_llm=False).abstained


def test_an_amount_the_question_names_is_matched_with_its_unit(seed_kb):
    # 35亿 is the amount of scenario C (美联储仅购买35亿美元), not 机率35% of scenario B, however many passages hold 35
    # (eval/typed_blind14.jsonl, after its single measurement)
    from kb.answer.numbers import asked_numbers

    numbers = asked_numbers(seed_kb.read("美联储每月只买35亿的那个剧本,作者给它起的名字是啥?"))
    assert any(n.search("美联储仅购买35亿美元") for n in numbers)
    assert not any(n.search("情景B:流动性海啸与再通胀(机率35%)") for n in numbers)
    numbers = asked_numbers(seed_kb.read("2.4万亿美元和机率35%"))
    assert any(n.search("2.4万亿美元") for n in numbers) and not any(n.search("2.4万美元") for n in numbers)
    assert any(n.search("机率35％") for n in numbers)  # passages are not width-folded
    answer = seed_kb.ask("美联储每月只买35亿的那个剧本,作者给它起的名字是啥?", use_llm=False)
    assert "情景C" in answer.citations[0].sentence, answer.text


def test_an_english_question_opening_on_whose_asks_a_person():
    # the "why" it goes on to is what the person argued, not what is asked (eval/typed_blind14.jsonl, after its
    # single measurement)
    from kb.retrieve.question import read_question

    asked = "Whose argument does the article use to explain why the reserve level keeps moving up?"
    assert read_question(asked).kind == "person"
    assert read_question("Why does the author say the reserve level keeps moving up?").kind == "reason"


def test_asked_what_follows_a_sub_item_its_item_tells_it(seed_kb):
    # "• 美联储仅购买35亿美元。" answers the premise; "• 结果:回购市场再次爆发危机…" beside it under 情景C tells what
    # follows (eval/typed_blind14.jsonl, after its single measurement)
    for asked in ("如果美联储每月只买35亿美元,作者说会发生什么?",
                  "Say the Fed really does buy only 3.5 billion dollars a month. What does the author say follows?"):
        answer = seed_kb.ask(asked, use_llm=False)
        assert "35亿" in answer.citations[0].sentence and "回购市场再次爆发危机" in answer.citations[1].sentence, answer.text
    # a sub-item telling the outcome itself needs no sibling after it
    answer = seed_kb.ask("萬一美聯儲買得太少,作者說股市會怎樣?", use_llm=False)
    assert "结果" in answer.citations[0].sentence and "35亿" not in answer.citations[1].sentence, answer.text


def test_asked_which_scenario_its_title_names_it(seed_kb):
    # 剧本 is 情景 (synonyms); "哪一个" of the scenarios is answered by the item's title, not a lead-in's
    # (eval/typed_blind14.jsonl, after its single measurement)
    answer = seed_kb.ask("三个剧本里,哪一个明说波动率会下降?", use_llm=False)
    assert "情景A" in answer.citations[0].sentence and "波动率下降" in answer.citations[1].sentence, answer.text
    answer = seed_kb.ask("Which scenario says volatility will fall?", use_llm=False)
    assert not any(c.sentence.rstrip().endswith(":") for c in answer.citations[:1]), answer.text
    # one scenario named, its own least amount: not the least of all the scenarios; two named, still compared
    answer = seed_kb.ask("软着陆那个剧本里,美联储每个月最少要买多少?", use_llm=False)
    assert "200-300亿" in answer.citations[0].sentence, answer.text
    answer = seed_kb.ask("情景A和情景B,哪个情景里美联储每月买得最多?", use_llm=False)
    assert "情景B" in answer.citations[0].sentence, answer.text
    from kb.answer import kinds

    assert not kinds.ASKS_NAME.search("这个剧本里哪一个资产表现最好?")  # which asset, not which scenario
    assert not kinds.ASKS_OUTCOME.search("美联储会如何操作?") and kinds.ASKS_OUTCOME.search("只买35亿的话,会怎样?")


def test_what_a_question_asks_is_read_past_its_opening(seed_kb):
    # eval/typed_blind18.jsonl (after its measurement): a byline is the article's author wherever the question says
    # so; "what is the most the Fed would buy" asks an amount; a yes/no opening followed by how/what asks that;
    # "那个人叫什么" asks a person, though an amount (多少) is named before it
    from kb.retrieve.question import expected_kind

    assert expected_kind("the article opens with an image. whose byline does it carry?") == "article_fact"
    assert expected_kind("in the 40% scenario, what is the most the fed would buy in a month?") == "quantity"
    assert expected_kind("what is the most likely scenario?") != "quantity"
    assert expected_kind("should the fed buy 45 billion a month, how might it have to change course?") == "method"
    assert expected_kind("should the fed buy 45 billion a month?") == "yesno"
    assert expected_kind("论每月该买多少,文中喊价最高的那个人叫什么?") == "person"
    # what someone is doing asks what they do, not what a thing is (eval/typed_blind19.jsonl, after its measurement)
    assert expected_kind("what is the fed doing in the t-bill market that ends up dragging yields lower?") == "method"
    assert expected_kind("what is rmp?") == "definition"
    answer = seed_kb.ask("The article opens with a roller-coaster image for the economy. Whose byline does it carry?",
                         use_llm=False)
    assert answer.short == "王永利" and answer.citations[0].kind == "article", answer.text
    answer = seed_kb.ask("In the scenario the author rates at 40 percent, what is the most the Fed would buy in a month?",
                         use_llm=False)
    assert answer.kind == "quantity" and "200-300亿" in answer.text, answer.text


def test_asked_who_holds_a_view_the_sentence_naming_whose_argument_it_is_comes_first(seed_kb):
    # 美联储理事斯蒂芬·米兰提出了…假说。他认为…。在监管指标计算…中…。RMP本质上是…: the last sentence is two
    # sentences past the 他认为 that makes the argument his (eval/typed_blind18.jsonl, after its measurement)
    for question in ("Who in the article sees RMP as, at bottom, the central bank growing its balance sheet to meet "
                     "liquidity demand that regulation itself created?",
                     "RMP被說成是對兩股壓力的妥協,其中「監管」那一股,文章是借誰的說法講出來的?"):
        answer = seed_kb.ask(question, use_llm=False)
        assert answer.kind == "person" and "米兰" in answer.citations[0].sentence, (question, answer.text)
    # not past the paragraph, nor for a question asking something else of the same sentence
    answer = seed_kb.ask("RMP本质上是什么?", use_llm=False)
    assert "米兰" not in answer.citations[0].sentence, answer.text


def test_end_up_is_no_end_and_replenishment_is_what_the_article_calls_it(seed_kb):
    # eval/typed_blind18.jsonl (after its measurement): "end up" was read as 终结 (end), "replenishment" only as 补给
    # (supplies), "comfortable" as nothing the article writes (舒适)
    question = seed_kb.read("According to the replenishment camp, how did reserves end up below the 'minimum "
                            "comfortable level'?")
    assert "终结" not in question.expanded and {"回补", "舒适"} <= set(question.expanded), question.expanded
    answer = seed_kb.ask(question.asked, use_llm=False)
    assert "做得有些过头了" in answer.text, answer.text


def test_that_article_asks_the_record_and_an_announcement_brings_what_it_announces(seed_kb):
    # eval/typed_blind19.jsonl (after its measurement): "那篇…的文章,是几点钟发出来的?" asks when the article was
    # published; "…迎来了一个重要的里程碑。" and "…做出了一个历史性的决定。" announce what the sentence after says
    answer = seed_kb.ask("那篇说银行宁可多付溢价借钱、也不碰准备金的文章,是几点钟发出来的?", use_llm=False)
    assert answer.kind == "article_fact" and "06:35" in answer.short, answer.text
    answer = seed_kb.ask("开头那段讲的里程碑式的大事,美联储究竟拍了什么板?", use_llm=False)
    sentences = [c.sentence for c in answer.citations]
    announced = next(i for i, s in enumerate(sentences) if "历史性的决定" in s)
    assert "QT计划终止" in sentences[announced + 1], answer.text


def test_the_sentence_that_asks_says_what_is_asked(seed_kb):
    # eval/typed_blind20.jsonl (after its measurement): an English question's scene-setting sentence ("…how big RMP
    # will be.") or when-clause does not say what it asks; "那篇分析" is the article too; "…的吧?" asks yes or no
    from kb.retrieve.question import expected_kind

    assert expected_kind("Wall Street can't agree on how big RMP will be. Which Fed body is due to publish it?") \
        == "organisation"
    assert expected_kind("When T-bills stop paying enough, what do money market funds buy instead?") != "time"
    assert expected_kind("When did the Fed end QT?") == "time"
    assert expected_kind("I read the piece yesterday. What is its exact title?") == "article_fact"
    assert expected_kind("把RMP跟QE劃清界線的那篇分析,是登在哪個平台?") == "article_fact"
    assert expected_kind("QT是2023年才开始的吧?") == "yesno"
    answer = seed_kb.ask("把RMP跟QE劃清界線的那篇分析,是登在哪個平台?", use_llm=False)
    assert answer.short == "MarsBit", answer.text


def test_a_year_a_yes_no_question_assumes_is_corrected_not_refused(seed_kb):
    # QT是2023年才开始的吧?: 2023 is in no passage, yet the question is whether it is so, and the article says 2022年6月
    answer = seed_kb.ask("QT是2023年才开始的吧?", use_llm=False)
    assert not answer.abstained and "2022年6月" in answer.text, answer.text
    # asked what, a year no passage holds is still a time the store says nothing of
    assert seed_kb.ask("2019年美联储的资产负债表有多大?", use_llm=False).abstained


def test_a_conjunction_glued_to_the_next_character_is_no_name():
    # jieba cuts "现金和光拿" into 现金 / 和光 (nz): a name no passage holds, refused (eval/typed_blind20.jsonl)
    from kb.text.tokens import named_terms

    assert named_terms("做固收的话,光拿现金和光拿短期国库券,作者更偏向哪个?") == ["短期国库券"]
    assert "欧洲央行" in named_terms("欧洲央行和美联储谁先降息?")


def test_the_new_question_patterns_leave_ordinary_questions_alone(seed_kb):
    # a reviewer's inputs against session 23's patterns: content questions about "那篇分析" or an analyst are no
    # article facts; a question followed by a guess or "Does the article say?" keeps its kind, and so does one naming
    # Mr. or Gov.; a yes/no question with "when" inside is still yes/no; "…多少吧?" asks an amount
    from kb.retrieve.question import expected_kind, normalize_query

    def kind(q: str) -> str:
        return expected_kind(normalize_query(q))

    assert kind("那篇分析认为美联储什么时候会停止缩表?") == "time" and kind("该分析师是谁?") == "person"
    assert kind("那篇文章说RMP什么时候开始?") == "time"
    assert kind("When does RMP start? In January?") == "time"
    assert kind("How much will RMP buy? Does the article say?") == "quantity"
    assert kind("Who is Mr. Miran?") == "person" and kind("When did Gov. Miran propose his hypothesis?") == "time"
    assert kind("Will the Fed stop QT when reserves hit 3 trillion?") == "yesno"
    assert kind("When did QT end, was it in December?") == "time"
    assert kind("RMP每月大概是多少吧?") == "quantity" and kind("美联储是在2023年开始缩表的吧?") == "yesno"
    assert kind("那个人的观点叫什么?") != "person"
    assert kind("What are the options out there for bond investors?") != "reason"
    # asked whether something happened in a year the store says nothing of, kb still says so
    answer = seed_kb.ask("美联储2015年加息了吗?", use_llm=False)
    assert answer.abstained and "2015" in " ".join(answer.warnings), answer.text


def test_a_name_of_jiebas_dictionary_that_begins_with_a_conjunction_is_kept():
    from kb.text.tokens import named_terms

    assert named_terms("和田的玉价格多少?") == ["和田"] and "和讯" in named_terms("和讯与新浪财经哪个报道更早?")


def test_an_argument_ends_where_someone_else_speaks():
    # 米兰提出…。他认为…。市场普遍认为…: the market's view is not 米兰's
    from kb.answer.sentences import score_sentences
    from kb.records import Article, Hit, Passage
    from kb.retrieve.question import read_question
    from kb.text import tag_string, tokenize

    text = "美联储理事斯蒂芬·米兰提出了一个假说。他认为,监管推高了准备金需求。在压力测试中,现金更受青睐。市场普遍认为RMP就是变相的量化宽松。"
    article = Article(id="a", title="t", body=text, body_original=text, title_original="t", source=None, author=None,
                      published=None, url=None, summary=None, summary_original=None, origin=None, script="hans",
                      conversion="none", content_hash="h")
    passage = Passage(id="p", article_id="a", position=0, text=text, text_original=text, start=0, end=len(text),
                      tags=tag_string(text), tokens=tokenize(text))
    scored, _ = score_sentences(read_question("谁认为RMP就是变相的量化宽松?"), [Hit(passage, article, 1.0)])
    speakers = {s.text: s.speaker for s in scored}
    assert speakers["在压力测试中,现金更受青睐。"] is not None  # two past 他认为: still his argument
    assert speakers["市场普遍认为RMP就是变相的量化宽松。"] is None


def test_an_announcement_that_says_what_brings_nothing():
    from kb.answer.extractive import _ANNOUNCES

    assert _ANNOUNCES.search("美联储,这个全球最具影响力的中央银行,做出了一个历史性的决定。")
    assert not _ANNOUNCES.search("美联储做出了一个降息25个基点的决定。")
