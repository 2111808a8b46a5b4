"""What a question asks of a date, and what a sentence's dates tell: which year (a which-year question's short
answer), which day (a question asking the day is not answered by a month).
"""
from __future__ import annotations

import re

# A question asking which year is answered by a year, not by the whole date around it (845年, 民国27年).
_ASKS_YEAR = re.compile(r"哪一?年(?!级|龄)|(?<![为任如])何年|(?:西元|公元|民国)几年|哪一?个年份|什么年份|\b(?:which|what) year\b")
_DAY_ASKED = r"哪一?天|哪一日|几号|几月几日|何日|(?:具体|确切)(?:的)?日期|\b(?:which|what|exact) (?:day|date)\b"
_ASKS_DAY = re.compile(_DAY_ASKED)
_ASKS_FINER = re.compile(rf"{_DAY_ASKED}|哪个?月|几月|何月|几日|日期|\b(?:month|day|date)\b")
WEEKDAY = r"(?:周|星期|礼拜)[一二三四五六日天]"
# A date that names its day (12月1日, 2025-12-01, 七月初十, 周三, 中秋节), not its month or year alone (2025年12月);
# not 12/10, which may be a fraction.
_DAY = re.compile(
    r"\d{1,2}\s*[日号]|\d{4}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}"
    r"|[一二三四五六七八九十廿卅]{1,3}[日号]|初[一二三四五六七八九十]|月[十廿卅][一二三四五六七八九十]"
    rf"|{WEEKDAY}|[元除]夕|(?:元宵|端午|中秋|重阳|七夕|清明|国庆|春|圣诞)节|圣诞"
    r"|\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b")
# A question asking which month is not answered by a year alone (2025年出现的…信号 for 准备金是在哪个月跌到最低的?).
_ASKS_MONTH = re.compile(r"哪一?个?月|几月|何月|什么月份|\b(?:which|what) months?\b")
# not 年中 (一年中: in a year), not 1500.5 (an amount), not "may" (the verb)
_MONTH = re.compile(r"\d{1,2}\s*月|[一二三四五六七八九十]{1,3}月|正月|腊月|月[初底中末]|年[初底末]|\d{4}\s*[-/]\s*\d{1,2}(?!\d)"
                    r"|\b(?:jan|febr)uary\b|\bmarch\b|\bapril\b|\bjune?\b|\bjuly\b|\baugust\b|\b(?:sept|nov|dec)ember\b"
                    r"|\boctober\b")
# A word of the question that only says when (2025, 2025年, 12月, 年): not what the date is of.
_DATE_WORD = re.compile(r"\d+(?:\s*[年月日号]\s*\d+)*\s*[年月日号]?|[一二三四五六七八九十]+[月日号]|[年月日号]")
# two characters opening a clause before a number of years that name no era (持续3年, 在位三十五年)
_NOT_ERA = "持续|未来|过去|经过|在位|历时|长达|超过|不到|将近|大约|至少|最近|此后|之后|其后|随后|前后|约有|已有|已经|连续|相隔|相距"
_ERA_NUMBER = r"(?:\d{1,2}|[〇○零一二三四五六七八九十百]{1,4})"
# Any year as DRCD's histories write one, for telling whether a date names its year: 1972年, 1990年代, 2025-12, 庚申年,
# and a year of an era (民国34年, 太和十九年, 中统元年); not a count of years
# (三年后, 持续3年, 10年期, 百年老店, 300年间) nor 元年 of 美元年化.
# what follows a count of years, not a year (年级, 三年间, 10年期, 三年后, 百年以来)
_NOT_A_YEAR = r"(?![级龄间来内后前期多半以的左])"
_NAMED_YEAR = re.compile(
    rf"\d{{3,4}}\s*年{_NOT_A_YEAR}"
    r"|\d{4}\s*[-/]\s*\d{1,2}(?![\d,.])|\d+\s*世纪"
    r"|[〇○零一二三四五六七八九十]{2,3}年代|[甲乙丙丁戊己庚辛壬癸][子丑寅卯辰巳午未申酉戌亥]年"
    r"|(?<![美欧日韩港台亿万千百币])元年"
    # after 民国 / 公元, or an era's name opening its clause (正德十六年正德皇帝…, 民国16年中共…)
    rf"|(?:民国|公元前?|西元|(?:^|(?<=[,，。;；:：、\s]))(?!{_NOT_ERA})[\u4e00-\u9fff]{{2}}){_ERA_NUMBER}\s*年{_NOT_A_YEAR}"
    # or followed by its month or ending its phrase (太和十九年,)
    rf"|(?<![\d〇○零一二三四五六七八九十百\-–~至到第每数几多近约达续时过长满位了历共逾])(?<!未来)(?<!过去){_ERA_NUMBER}\s*年"
    r"(?=\s*(?:\d{1,2}\s*月|[一二三四五六七八九十]{1,2}月|[,，。;；、)）]|$|[春夏秋冬]|初|底|末|元旦|正月|间))")
_YEAR_MENTION = re.compile(r"(?:公元前?|民国)?\d{1,4}\s*年(?!代|级|度|龄)")
# A year of one or two digits followed by its month is a year of an era, whose name stands before it (承久3年5月,
# 昭和20年8月), not a count of years (持续3年, 未来3年). DRCD dev: one short answer more exact (承久3年, not 3年),
# exact match 0.9286 -> 0.9333.
_ERA_YEAR = re.compile(r"([\u4e00-\u9fff]{2})(\d{1,2}\s*年)(?=\s*\d{1,2}\s*月)")


def asks_year(question: str) -> bool:
    """Whether a (normalised) question asks which year something happened (not which year and month)."""
    lowered = question.lower()
    return bool(_ASKS_YEAR.search(lowered)) and not _ASKS_FINER.search(lowered)


def asks_day(question: str) -> bool:
    """Whether a (normalised) question asks which day something happens, not only its month or year."""
    return bool(_ASKS_DAY.search(question.lower()))


def asks_month(question: str) -> bool:
    """Whether a (normalised) question asks which month something happens (哪个月, 几月, which month)."""
    return bool(_ASKS_MONTH.search(question.lower()))


def names_month(sentence: str) -> bool:
    """Whether a sentence names a month (10月, 年底, 2025-12), not only a year."""
    return bool(_MONTH.search(sentence.lower()))


def names_day(sentence: str) -> bool:
    """Whether a sentence names a day (12月1日, 七月初十, 周三), not only a month or a year."""
    return bool(_DAY.search(sentence.lower()))


def is_date_word(term: str) -> bool:
    """Whether a word of a question only says when (2025, 12月)."""
    return bool(_DATE_WORD.fullmatch(term))


def named_years(text: str) -> list[str]:
    """Every year a text names, as written (for whether a date holds its year; `years` gives the short answer's)."""
    return _NAMED_YEAR.findall(text)


def years(sentence: str) -> list[str]:
    """The years a sentence names, in order of appearance (1961年 of 1961年8月13日, 民国27年); a year of an era with
    its era's name (承久3年)."""
    eras = {m.start(2): m.group(1) for m in _ERA_YEAR.finditer(sentence)}
    return list(dict.fromkeys(eras.get(m.start(), "") + m.group().replace(" ", "")
                              for m in _YEAR_MENTION.finditer(sentence)))
