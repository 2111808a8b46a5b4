"""Which chosen sentence leads the answer (kb.answer.leading): its own logic, with stand-in models. The fitted model
is tested on the DRCD slice (tests/test_answer.py)."""
from __future__ import annotations

from kb.answer.leading import LeadingModel, fitted, lead, pairs
from kb.answer.sentences import ScoredSentence
from kb.records import Article, Hit, Passage
from kb.retrieve.question import read_question

TEXT = ("现代网球起源于英格兰伯明罕的「草地网球」。现代的网球则于1873年12月由温菲尔德少校在英国发明。\n"
        "面对这些变化,可能出现以下几种情景:\n1. 情景A:软着陆(机率40%)\n   • 美联储每月购买200-300亿美元。")
ARTICLE = Article("a1", "t", TEXT, TEXT, "t", None, None, None, None, None, None, None, "hans", "none", "h")
HIT = Hit(Passage("p1", "a1", 0, TEXT, TEXT, 0, len(TEXT)), ARTICLE, 1.0)
# Stand-ins: one that puts the sentence just after the first before it, one that would put any other sentence first.
PREFERS_NEXT = LeadingModel(("next",), (10.0,), -5.0, 0.5)
ALWAYS = LeadingModel(("position",), (10.0,), 0.0, 0.5)


def _sentence(text: str, score: float, **kind) -> ScoredSentence:
    start = TEXT.index(text)
    return ScoredSentence(HIT, start, start + len(text), score, 0.5, holds=True, **kind)


def test_the_likeliest_sentence_leads_and_the_rest_keep_their_order():
    echo = _sentence("现代网球起源于英格兰伯明罕的「草地网球」。", 1.0)
    answer = _sentence("现代的网球则于1873年12月由温菲尔德少校在英国发明。", 0.9, previous=(echo.start, echo.end))
    other = _sentence("面对这些变化,可能出现以下几种情景:", 0.8)
    question = read_question("是谁让现代网球诞生了?")
    assert lead(question, [echo, answer, other], PREFERS_NEXT) == [answer, echo, other]
    assert lead(question, [echo, other, answer], PREFERS_NEXT) == [answer, echo, other]
    # below its threshold the order stays; so for a question not written in Chinese
    assert lead(question, [echo, other], PREFERS_NEXT) == [echo, other]
    assert lead(read_question("Who invented modern tennis?"), [echo, answer], PREFERS_NEXT) == [echo, answer]


def test_lists_headings_and_what_the_first_holds_stay_with_the_scoring_rules():
    question = read_question("情景A下美联储每月购买多少?")
    first = _sentence("现代网球起源于英格兰伯明罕的「草地网球」。", 1.0)
    plain = _sentence("现代的网球则于1873年12月由温菲尔德少校在英国发明。", 0.9)
    assert lead(question, [first, plain], ALWAYS)[0] is plain
    sub_item = _sentence("• 美联储每月购买200-300亿美元。", 0.9, parent=(0, 1))
    heading = _sentence("现代的网球则于1873年12月由温菲尔德少校在英国发明。", 0.9, introduces=True)
    lacking = _sentence("面对这些变化,可能出现以下几种情景:", 0.9)
    lacking.holds = False  # the first holds what is asked for, this one does not
    item = _sentence("现代的网球则于1873年12月由温菲尔德少校在英国发明。", 0.9, siblings=((0, 1),))
    lead_in = _sentence("面对这些变化,可能出现以下几种情景:", 0.9)
    for kept in (sub_item, heading, lacking, item, lead_in):
        assert lead(question, [first, kept], ALWAYS)[0] is first, kept.text
    # nor is a first sentence of a list, or a heading, put after another
    for listed in (sub_item, _sentence("现代的网球则于1873年12月由温菲尔德少校在英国发明。", 1.0, introduces=True)):
        assert lead(question, [listed, plain], ALWAYS)[0] is listed
    first.numbers = 1.0  # the first holds the number the question names, the other does not
    assert lead(question, [first, plain], ALWAYS)[0] is first


def test_of_several_above_the_threshold_the_likeliest_leads():
    first = _sentence("现代网球起源于英格兰伯明罕的「草地网球」。", 1.0)
    second = _sentence("现代的网球则于1873年12月由温菲尔德少校在英国发明。", 0.9)
    third = _sentence("面对这些变化,可能出现以下几种情景", 0.8)
    question = read_question("是谁让现代网球诞生了?")
    # position 2 scores above position 1: the third leads, the first and second keep their order after it
    assert lead(question, [first, second, third], ALWAYS) == [third, first, second]


def test_the_fitted_model_reads_the_features_the_answer_computes():
    model = fitted()
    first = _sentence("现代网球起源于英格兰伯明罕的「草地网球」。", 1.0)
    other = _sentence("现代的网球则于1873年12月由温菲尔德少校在英国发明。", 0.9)
    [features] = pairs(read_question("是谁让现代网球诞生了?"), [first, other])
    assert model is not None and set(model.features) == set(features)
    assert 0.0 < model.probability(features) < 1.0 and model.threshold == 0.5
