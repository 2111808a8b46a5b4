"""What an answer of each kind looks like inside a sentence: amounts, dates, durations, names of
people, organisations and places, definitions, reasons, methods, comparisons.

`entities(kind, sentence)` lists the candidate answers a sentence holds for a question of that kind
(numbers and dates by pattern, names by jieba's part-of-speech tags: nr, nt, ns; for a question asking which
one of a sort, words naming one: `asked_sort`), `cues` says whether it reads like the answer to a definition,
reason, method or comparison question, and `beside_asked` names the question's words next to what it asks.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable, Optional

from kb.answer import dates
from kb.answer.dates import WEEKDAY
from kb.text import tagged
from kb.text.tokens import question_tags

_NUMBER = r"(?:\d[\d,.]*|[零〇一二两三四五六七八九十百千万亿半几]+)"
# 两大阵营, 两派, 三类: a count of the things named, an answer only to a question asking how many (not in 二十大,
# 第三大, 一派繁荣). _COUNT_OF_THINGS is the count alone, as entities() returns it (两大, without what follows).
_COUNT_OF_THINGS_TEXT = r"(?<![零〇一二两三四五六七八九十百千第])[两三四五六七八九十](?:大(?=[\u4e00-\u9fff]{2})|派|类)"
_COUNT_OF_THINGS = re.compile(r"[两三四五六七八九十](?:大|派|类)")
_UNIT = (r"(?:美元|美金|元|人民币|欧元|日元|英镑|%|％|个百分点|个?基点|bp|倍|盎司|吨|桶|人|名|位|家|个|种|次|项|条|座|所|"
         r"点|岁|年|个月|月|周|天|日|小时|分钟|分|秒|公里|公尺|米|英尺|英里|公分|厘米|公斤|千克|克|度|平方公里|平方公尺|亩|票|场|局|届|册|页|章)")
# An amount: a number with its unit or magnitude (450亿美元, 35%, 200-300亿, 三个), not a bare list number ("1.").
_AMOUNT = re.compile(
    rf"(?:约|近|逾|超过|高达|仅|不到)?\d[\d,.]*(?:\s*[-–~～至到]\s*\d[\d,.]*)?\s*(?:(?:万亿|亿|万|千|百)\s*{_UNIT}?|{_UNIT})"
    rf"|百分之{_NUMBER}|{_NUMBER}(?:成|倍|万亿|亿|万)|[零〇一二两三四五六七八九十百千几]+{_UNIT}"
    rf"|{_COUNT_OF_THINGS_TEXT}")
_ASKS_COUNT = re.compile(r"几(?![乎率])|\bhow many\b|\bnumber of\b|多少(?:个(?!百分点)|种|类|派|阵营)")
_DATE = re.compile(
    r"\d{4}\s*[-/年]\s*(?:\d{1,2}\s*[-/月](?:\s*\d{1,2}\s*日?)?|第?[一二三四1-4]\s*季度|[上下]半年|年?[底末初中])?"
    r"|\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?|\d{1,2}\s*日|[一二三四五六七八九十]+\s*月|\d+\s*(?:世纪|年代)"
    rf"|[前后去今明本上下]一?(?:年|季度|个?月)|{WEEKDAY}|\d{{1,2}}:\d{{2}}"
    r"|(?<!\d)\d{3}\s*年(?![代级度龄间来内])")  # 316年: a year of three digits (not 300年间, a span)
_ONE = re.compile(r"一(?:个|种|次|项|条|位|家|名|座|所|场|点)")  # "a", not a count
_YEAR = re.compile(r"^(?:1\d|20)\d{2}\s*年")
_MONTH_OR_DAY = re.compile(r"\d{1,2}\s*[月日]")
_DURATION = re.compile(rf"{_NUMBER}\s*(?:多)?(?:年|个月|月|周|星期|天|日|小时|分钟|世纪)")
# The unit an amount question names, and the units that answer it: an age is asked in 岁, a price per
# ounce in 盎司; an amount in another unit does not answer it (the question's pattern, the answer's units).
_ASKED_UNITS = (
    (re.compile(r"几岁|多少岁|多大年纪|\bhow old\b"), re.compile(r"岁")),
    (re.compile(r"盎司|\bounces?\b"), re.compile(r"盎司")),
    (re.compile(r"每桶|\bper barrel\b|\ba barrel\b"), re.compile(r"桶")),
    (re.compile(r"多少个?基点|\bbasis points?\b"), re.compile(r"基点|bp", re.I)),
    (re.compile(r"多少人(?!民币|口|次|均)|多少(?:名|位)(?!置)|几(?:名|位)(?!置)|\bhow many (?:people|persons|members|employees|staff|"
                r"workers|voters|voting members)\b"), re.compile(r"人|位|名")),
    (re.compile(r"多少点|\bhow many points\b"), re.compile(r"点")),  # an index's level or move
    (re.compile(r"(?:多少|几)万亿|\bhow many trillions?\b"), re.compile(r"万亿")),  # a magnitude asked is a unit
    (re.compile(r"百分之(?:多少|几)|多少百分比|\bwhat percentage\b|\bin per ?cent\b|\bhow many per ?cent\b"),
     re.compile(r"%|％|百分之|个百分点")),
    (re.compile(r"多少家|有几家|\bhow many (?:[a-z-]+ )?(?:banks|firms|companies|dealers|institutions|lenders|funds)\b"),
     re.compile(r"家|个|所")),
)
# A question asking what something is called (作者怎么命名的?, what does the author call…): the title of a list
# item names the thing its sub-items describe, so it answers where the best sentence is one of those sub-items
ASKS_NAME = re.compile(r"命名|取名|取的名|起的名|叫什么名|冠以|称之为什么|怎么称呼|叫(?:它|做|作)?什么|称为什么|称作什么"
                       r"|名称是|\bwhat (?:does|do|did) (?:the author|he|she|it|they|the article|the piece)\b.{0,30}\bcall\b"
                       r"|\bwhat (?:is|was|are|were) (?:it|this|that|they|the \w+) called\b|\bname (?:of|given to) the\b"
                       # which of the scenarios (三个剧本里,哪一个…?): its title names it
                       r"|哪一?[个种](?:情景|情境|剧本)|(?:情景|情境|剧本)(?:里|中|当中)[,，]?哪一?[个种](?!"
                       r"[\u4e00-\u9fff]{0,2}(?:资产|股|债|市场|行业|板块|指标|数据|公司|机构|国家))"  # which asset, not which one
                       r"|\bwhich (?:of the (?:\w+ )?)?scenarios?\b(?! analysis)")
# A question asking what follows from something (美联储只买35亿的话会怎样?, what happens if…): where the best sentence
# is a sub-item ("• 美联储仅购买35亿美元。"), its item's other sub-items tell it ("• 结果:回购市场再次爆发危机…").
# 会如何 and 会怎样 only ending their clause: 美联储会如何操作? asks how, not what follows.
ASKS_OUTCOME = re.compile(r"(?<!不)会(?:发生|出现)什么|会(?:怎么?样|如何)(?=呢?[?？,，!！。]|$)|(?:什么|哪些|啥)(?:后果|结果)|后果"
                          r"|结果(?:是|会是)?(?:什么|啥|如何|怎么?样)|\bwhat (?:happens|would happen|will happen)\b"
                          r"|\bwhat\b.{0,40}\bfollows\b|\bwhat (?:is|are|was|were|would be) the (?:likely )?(?:consequences?|outcomes?)\b")
ASKS_PROBABILITY = re.compile(r"机率|概率|几率|可能性|\bprobabilit|\blikel|\bchances?\b|\bodds\b")
_PERCENT = re.compile(r"%|％|百分之")
# A percentage that is a probability (机率25%, 概率为40%): it tells how likely, not how much.
_ODDS = re.compile(r"(?:机率|概率|几率|可能性)\s*(?:为|是|约为?|达|大约)?\s*(\d+(?:\.\d+)?\s*[%％])")
_PERSON = re.compile(r"[\u4e00-\u9fff]{2,3}·[\u4e00-\u9fff]{2,4}|[\u4e00-\u9fff]{2,3}(?:先生|女士|教授|博士)")
_ORGANISATION = re.compile(
    r"[\u4e00-\u9fffA-Za-z]{1,12}(?:公司|银行|集团|大学|学院|学校|协会|委员会|政府|部|局|署|院|组织|机构|基金|证券|"
    r"交易所|联盟|党|军|研究所|中心|俱乐部|队)|(?<![A-Za-z])[A-Z][a-z]+(?:\s+[A-Z][A-Za-z&]+)*(?![A-Za-z])")
_PLACE = re.compile(r"[\u4e00-\u9fff]{1,3}(?:省|县|州|岛|半岛|盆地|平原|山脉)")
_DOTTED = re.compile(r"([\u4e00-\u9fff]{1,4})·([\u4e00-\u9fff]{1,4}?)(?=[为的在是等提认表说指和与以对把被将曾也都，,。、；;：:！!？?\s」”]|$)")
_CUES = {
    "definition": re.compile(r"即|是指|指的是|定义为|定义成|称为|称作|也就是|意思是|意为|——|\(|（|全称|缩写|简称|又称"
                             r"|本质上是|实质上是|就是|是一[种项个类]"),
    "reason": re.compile(r"因为|由于|原因|之所以|因此|所以|出于|导致|为了|使得|以便|因而|源于|在于"),
    "method": re.compile(r"通过|采用|利用|借助|方法|方式|可以|应该|应当|建议|配置|超配|对冲|做空|做多|购买|以"),
    "comparison": re.compile(r"比|更|最|相比|高于|低于|大于|小于|超过|不如|区别|差异|而非|不同|相似|同样"),
    "yesno": re.compile(r"不|没|并非|并未|是|有|本质|并不|确实"),
}
# 哪个市场 asks for a kind of 市场 (回购市场), 哪个部门 for a kind of 部门: a place or an organisation question is also
# answered by a compound of the noun it asks about, whatever jieba tags it.
_HEAD = re.compile(r"(?:哪(?:一个|一家|一类|一|个|家|类|种)?|什么)(市场|部门|机构|银行|公司|基金|组织|行业|领域|板块|交易所)")
_DETERMINERS = frozenset("这 那 这个 那个 该 各 每 每个 其他 其它 整个 一个 某 某个 此 本 所有 一些 这些 那些 其 哪 哪个 几个 多个 "
                         "不同 大 小 新 主要 其他的".split())
_NOT_A_QUALIFIER = frozenset("x uj ul p c r d m q u y e".split())
_WORDLIKE = re.compile(r"[\u4e00-\u9fffA-Za-z]+")
_DEFINITION_REACH = 6  # characters after the defined term within which its cue starts
# Time words jieba tags (t) that date nothing: asked when, 现在 or 后来 is no answer, and a sentence holding only
# one holds no time ("他们认为当前的准备金水平…" asked when a forecast came out). Not 当时/同年/当年/当天: they date what
# the sentence before dates. 古代/近代/现代 name an era, which may answer "when" in history, but DRCD dev asks them
# as the question's own words (近代的终结是西元几年?): with them held a time, 2 first sentences fewer. First quoted
# sentence holds the answer: DRCD dev +2, answer_hit +2, none refused (with 同年/当年/当天 in: one refused); CMRC
# trial answer_hit +1; typed sets +1 hit, +1 first sentence, +1 unanswerable abstained (the fifth blind set's).
_UNDATED = frozenset("现在 当前 目前 如今 现今 当下 眼下 当今 近来 近年 近年来 近期 后来 此前 先前 以往 从前 过去 当初 "
                     "未来 将来 今后 日后 往后 今日 古代 近代 现代".split())
_TAGS = {"person": {"nr", "nrfg", "nrt"}, "organisation": {"nt"}, "place": {"ns"}, "time": {"t"}}
SHORT_KINDS = ("quantity", "time", "person", "organisation", "place")
# Kinds whose absence from the evidence means the answer is not there: found by pattern, reliably.
EVIDENCE_KINDS = ("quantity", "time")


Tags = Optional[tuple[tuple[str, str], ...]]


# 哪一个条约, 什么战争, 哪种气候: a question of no other kind asking which thing of a named sort is answered by a
# word naming one of that sort (巴黎条约, 甲午战争, 热带季风气候); a book, law or work also by a title in 《》.
_WHICH = ("什么", "何种")  # and words beginning with 哪 (哪个, 哪类, 哪国), but not these:
_ASKING_WHERE = frozenset("哪里 哪儿 哪样".split())  # ask, but of no sort
_NOT_ASKING_WHICH = _ASKING_WHERE | {"哪怕"}
_UNSORTED = frozenset("东西 事 事情 地方 时 时候 时间 边 人 方面 情形 情况 部分 方式 方法 原因 意思 名字 名称 作用 角色 "
                      "内容 问题 结果 影响 特点 特色 目的 功能 关系 地位 样子 程度 状态 条件 过程".split())
_TITLED = frozenset("书 著作 作品 经典 经 小说 电影 影片 法律 法 法令 条约 诗 歌 歌曲 专辑 报纸 杂志 刊物 文献 典籍 剧 戏剧".split())
_TITLE = re.compile(r"《[^》]{1,30}》")
_MEASURE_WORDS = frozenset("个 本 部 首 条 座 支 位 家 间 门 种 类 项 件 场 次 所 片 块 只 名 届".split())  # jieba tags 本 of 哪本 r


def _asked_phrase(words) -> tuple[int, int, str | None] | None:
    """Where a question's asking words are among its (word, tag) pairs: their first and past-the-last index, and the
    noun they ask which one of (哪一个条约, 什么交通工具), if any."""
    for index, (word, _) in enumerate(words):
        if word in _WHICH or (word.startswith("哪") and word not in _NOT_ASKING_WHICH):
            after = index + 1
            while after < len(words) and (words[after][1] in ("m", "q") or words[after][0] in _MEASURE_WORDS):
                after += 1
            if after < len(words) and (words[after][1].startswith("n") or words[after][1] == "l"):
                return index, after + 1, words[after][0]
            rest = word[1:].lstrip("一个些") if word.startswith("哪") else ""
            return index, after, rest or None
        if _ASKING.match(word) or word in _ASKING_WHERE:
            return index, index + 1, None
    # 宁王的本名是? / 这种书体被称为?: what is asked is left off the end
    end = len(words)
    while end and not _WORDLIKE.search(words[end - 1][0]):
        end -= 1
    return (end, end, None) if end and words[end - 1][0] in _ENDS_ON else None


@lru_cache(maxsize=64)  # asked of every sentence a question's answer weighs
def asked_sort(question: str) -> str | None:
    """The sort of thing a (normalised) question asks which one of (哪一个条约 -> 条约, 什么战争 -> 战争), unless
    the word says nothing of what answers it (东西, 地方, 方面)."""
    phrase = _asked_phrase(question_tags(question))
    sort = phrase[2] if phrase else None
    return sort if sort and sort not in _UNSORTED else None


# skipped when looking for the words beside what is asked: they stand beside anything
_FUNCTION = frozenset("是 的 了 为 在 由 被 把 将 与 和 及 或 于 从 到 对 以 之 也 都 又 还 就 有 会 要 能 可 其 所 而 着 过 吗 呢 啊".split())
# the words a question ends on when what it asks is left off (宁王的本名是?, 被称为?)
_ENDS_ON = frozenset("是 为 称为 称之为 之为 叫 叫做 称作 名为 于 在 由 自 有 包括".split())
# words that say nothing of what stands beside them (通过 of RMP通过哪两条渠道): no neighbour on their side
_LOOSE = frozenset("通过 经过 根据 按照 依照 关于 对于 属于".split())
_ASKING = re.compile(r"^(?:谁|何|多少|几(?!乎)|怎|如何|为什么|为何)")


def beside_asked(question: str) -> list[str]:
    """The words of a (normalised) question just before and just after what it asks (输给 of 输给哪一队): the
    answer stands beside them in the sentence that gives it."""
    words = question_tags(question)
    phrase = _asked_phrase(words)
    if phrase is None:
        return []
    start, end, _ = phrase
    found = []
    for step, at in ((-1, start - 1), (1, end)):
        while 0 <= at < len(words) and (words[at][0] in _FUNCTION or not _WORDLIKE.fullmatch(words[at][0])):
            at += step
        if 0 <= at < len(words) and len(words[at][0]) > 1 and words[at][0] not in _LOOSE:
            found.append(words[at][0])
    return found


def entities(kind: str, sentence: str, duration: bool = False, tags: Tags = None, asked: str = "") -> list[str]:
    """Candidate answers of `kind` in a (Simplified) sentence, in order of appearance; `tags`: the
    sentence's (word, part-of-speech) pairs when they are at hand (stored with the passage). What the
    question `asked` (normalised) names itself is what it asks about, not its answer (斯蒂芬·米兰是由哪位总统提名的?
    is not answered by 米兰, 10月的会议是哪一天开的? not by 10月)."""
    found = _entities(kind, sentence, duration, tags)
    if not asked:
        return found
    if kind == "quantity" and not _ASKS_COUNT.search(asked.lower()):  # 两大阵营 answers 几派, not 增长多少
        found = [f for f in found if not _COUNT_OF_THINGS.fullmatch(f)]
    # asked in a unit (多少人), an amount in another (20%, 1000亩) does not answer. DRCD dev answer@1 +2 (3 up, 1 down:
    # a bare 2,790,060 of 多少人)
    unit = asked_unit(asked) if kind == "quantity" else None
    if unit:  # its unit may follow the amount found (2万 of 2万余人, 3000 of 3000多名)
        found = [f for f in found if unit.search(f) or _unit_follows(unit, sentence, f)]
    if kind == "time" and dates.asks_year(asked):
        # a date without its year (9月2日, 同年12月9日) does not answer: the year is in the sentence it follows
        years = dates.named_years(sentence)
        found = [f for f in found if dates.named_years(f)] + [y for y in years if not any(y in f for f in found)]
    sort = asked_sort(asked) if kind == "other" else None
    head = _HEAD.search(asked) if kind in ("place", "organisation") else None
    words = (tagged(sentence) if tags is None else tags) if sort or head else ()
    if sort:
        found = _compounds(sort, words)
        if len(sort) == 2:
            # 梵语 for 语言, 新教 for 宗教: a word ending in either character of the sort. Loose (纽约 passes for 条约),
            # yet measured: DRCD dev answer@1 +5 questions over compounds of the whole sort alone
            found += [w for w, flag in words if flag.startswith("n") and len(w) > 1 and w != sort
                      and w[-1] in sort and w not in found]
        found += [t for t in _TITLE.findall(sentence) if t not in found] if sort in _TITLED else []
    if head:
        found += [c for c in _compounds(head.group(1), words) if c not in found]
    asked = re.sub(r"\s+", "", asked.lower())
    return [f for f in found if re.sub(r"\s+", "", f.lower()) not in asked
            and not (kind == "person" and "·" in f and f.rsplit("·", 1)[1] in asked)]


def _unit_follows(unit: re.Pattern, sentence: str, amount: str) -> bool:
    at = sentence.find(amount)
    return at >= 0 and bool(unit.match(sentence[at + len(amount):at + len(amount) + 3].lstrip("余多")))


def _compounds(head: str, words) -> list[str]:
    """The words, or pairs of words, of a sentence that end with `head` and say which one (回购市场, 私营信贷部门's
    信贷部门; not 这个市场)."""
    found = []
    for index, (word, _) in enumerate(words):
        if word.endswith(head) and len(word) > len(head) and word[:-len(head)] not in _DETERMINERS:
            found.append(word)
        elif word == head and index > 0:
            before, flag = words[index - 1]
            if before not in _DETERMINERS and flag not in _NOT_A_QUALIFIER and _WORDLIKE.fullmatch(before):
                found.append(before + word)
    return found


def _entities(kind: str, sentence: str, duration: bool, tags: Tags) -> list[str]:
    if kind == "quantity":
        found = [m.group().strip() for m in (_DURATION if duration else _AMOUNT).finditer(sentence) if _has_digit(m.group())]
        # 2026年 is a date, not an amount, and so are 12月 and 1日 (a count of months is 12个月); 一个 in 另一个因素
        # is an article, not a count
        return [f for f in found if not _YEAR.match(f) and not _ONE.fullmatch(f)
                and (duration or not _MONTH_OR_DAY.fullmatch(f))]
    if kind not in _TAGS:
        return []
    words = tagged(sentence) if tags is None else tags
    if kind == "time":
        found = [m.group().strip() for m in (_DURATION if duration else _DATE).finditer(sentence)]
        return found + [w for w, flag in words if flag in _TAGS["time"] and len(w) > 1 and w not in _UNDATED
                        and w not in found and not any(w in f for f in found)]
    # A name: tagged names first (jieba knows 美国, 华尔街), then the patterns (马克·卡巴纳, Evercore ISI).
    found = [w for w, flag in words if flag in _TAGS[kind] and len(w) > 1]
    pattern = {"person": _PERSON, "organisation": _ORGANISATION, "place": _PLACE}[kind]
    found += [m.group() for m in pattern.finditer(sentence) if not any(m.group() in f or f in m.group() for f in found)]
    if kind == "person":
        found = _dotted_names(sentence, words) + found
        found = [m for m in found if not any(m != n and m in n for n in found)]
    return list(dict.fromkeys(found))


def asked_unit(question: str, probability: bool = False) -> re.Pattern | None:
    """The units that can answer a (normalised) question naming one (几岁, per ounce, 多少人), else None;
    with `probability`, a percentage for a question asking how likely (not a reason to refuse: DRCD dev's
    "有多少以上的机率" asks a temperature, but it tells an item's odds from its sub-item's amount)."""
    lowered = question.lower()
    asked = _ASKED_UNITS + ((ASKS_PROBABILITY, _PERCENT),) if probability else _ASKED_UNITS
    return next((units for asks, units in asked if asks.search(lowered)), None)


def odds(sentence: str) -> set[str]:
    """The percentages of a sentence that are probabilities (机率25%), as written."""
    return {m.group(1) for m in _ODDS.finditer(sentence)}


def cues(kind: str, sentence: str, terms: Iterable[str] = ()) -> bool:
    """Whether a sentence reads like an answer of `kind` (definition, reason, method, comparison, yes/no).
    A definition's cue must stand by one of the defined `terms`, when given: just after it (QT——即…, RMP本质上是…)
    or just before it (「储备管理购买」(RMP)); "RMP的实施还离不开一个重要的背景——美国联邦赤字…" defines the deficit.
    A sentence that names none of them may define what the one before named: any cue counts there."""
    pattern = _CUES.get(kind)
    if not pattern:
        return False
    if kind != "definition" or not terms:
        return bool(pattern.search(sentence))
    lowered = sentence.lower()
    spans = [(m.start(), m.end()) for term in terms for m in re.finditer(re.escape(term.lower()), lowered)]
    if not spans:  # it defines what the sentence before named (云南省…。简称为「滇」。)
        return bool(pattern.search(sentence))
    return any(end - 1 <= cue.start() <= end + _DEFINITION_REACH or start - 2 <= cue.end() <= start
               for cue in pattern.finditer(lowered) for start, end in spans)


def holds(kind: str, sentence: str, duration: bool = False, tags: Tags = None, terms: Iterable[str] = (),
          asked: str = "") -> bool:
    """Whether the sentence holds something of the kind the question expects (True for kinds without a test),
    other than what the question `asked` names itself. "Who" is often answered by an institution (谁成了边际
    购买者? 美联储): a person question takes those too."""
    if kind == "person":
        return bool(entities("person", sentence, tags=tags, asked=asked)
                    or entities("organisation", sentence, tags=tags, asked=asked))
    if kind in SHORT_KINDS or (kind == "other" and asked_sort(asked)):
        return bool(entities(kind, sentence, duration, tags, asked))
    if kind in _CUES:
        return cues(kind, sentence, terms)
    return True


def _dotted_names(sentence: str, words) -> list[str]:
    """Transliterated names: a tagged name, "·", and the shortest run of characters up to a word that
    cannot be part of a name (马克·卡巴纳为代表 -> 马克·卡巴纳, 斯蒂芬·米兰提出 -> 斯蒂芬·米兰)."""
    firsts = sorted({w for w, flag in words if flag.startswith("nr")}, key=len, reverse=True)
    names = []
    for match in _DOTTED.finditer(sentence):
        first = next((f for f in firsts if match.group(1).endswith(f)), None)
        if first:
            names.append(first + "·" + match.group(2))
    return names


def _has_digit(text: str) -> bool:
    return any(ch.isdigit() or ch in "零〇一二两三四五六七八九十百千万亿半" for ch in text)
