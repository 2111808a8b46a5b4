"""Cleaning: strip page clutter from extracted text and pull out title, source, author, date, link.

Generic heuristics work on any saved page; a `SourceProfile` adds what one site is known to wrap
its articles in (menus, bylines, AI summaries, adverts, "you may also like" lists).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from typing import Callable

from kb.ingest.errors import IngestError
from kb.records import Document

_SPACE = re.compile(r"\s+")
_URL = re.compile(r"https?://[^\s<>\"'）)]+")
_DATE = re.compile(r"(?P<y>(?:19|20)\d{2})\s*[年/.\-]\s*(?P<m>\d{1,2})\s*[月/.\-]\s*(?P<d>\d{1,2})\s*日?"
                   r"(?:\s*(?P<H>\d{1,2}):(?P<M>\d{2}))?")
_AUTHOR = re.compile(r"^\s*(?:作者|撰文|文|編輯|编辑|記者|记者|author|by)\s*[:：|]\s*(?P<name>.{1,40}?)\s*$", re.I)
_SOURCE = re.compile(r"^\s*(?:來源|来源|出處|出处|source)\s*[:：]\s*(?P<name>.{1,40}?)\s*$", re.I)
_LINK_LABEL = re.compile(r"^\s*(?:原文鏈接|原文链接|原文連結|原文连结|原文網址|原文网址|閱讀原文|阅读原文|Source link)\s*[:：]?\s*(?P<url>\S*)\s*$", re.I)
_NAV_WORDS = re.compile(r"推荐阅读|推薦閱讀|相关阅读|相關閱讀|更多|more|登录|登入|注册|註冊|首页|首頁|分享|share", re.I)
_IMAGE = re.compile(r"(?:^|\s)(?:image|img|圖片?|图片?|photo)\s*\d+\s*$|^!\[[^\]]*\]\([^)]*\)\s*$|^\[(?:圖片|图片|image)\]$", re.I)
_ONLY_NUMBER = re.compile(r"^\s*[\d.,%]+\s*$")
_NO_WORD = re.compile(r"^[^\w\u4e00-\u9fff]+$")  # separators, stray punctuation, "?" left by a lossy encoding
_SENTENCE_MARK = re.compile(r"[。！？!?；;]")
# Footer markers. A heading marker (a bare "相关文章" or "免责声明:") introduces what follows it; an
# inline one (a copyright line, a one-line disclaimer, "原文链接: URL") is just itself.
_DISCLAIMER = re.compile(r"^\s*(?:免責聲明|免责声明|風險提示|风险提示|Disclaimer\b)\s*[:：]?\s*(?P<rest>.*)$", re.I)
_RELATED = re.compile(r"^\s*(?:您也可能喜歡|您也可能喜欢|你可能也喜歡|你可能也喜欢|猜你喜歡|猜你喜欢|相關文章|相关文章|相關閱讀|"
                      r"相关阅读|延伸閱讀|延伸阅读|推薦閱讀|推荐阅读|熱門文章|热门文章)\s*[:：]?\s*$")
_COPYRIGHT = re.compile(r"^\s*(?:©|Copyright\b|版權所有|版权所有)", re.I)
_AD = re.compile(r"立即參與|立即参与|立即下載|立即下载|掃碼|扫码|點擊下載|点击下载|領取|领取|APR\s*高達|APR\s*高达|空投")
_AI_SUMMARY_TAIL = re.compile(r"\s*摘要由.{0,20}生成[,，。].*$")


@dataclass(frozen=True)
class SourceProfile:
    name: str
    detect: re.Pattern
    menu: tuple[re.Pattern, ...] = ()
    byline: re.Pattern | None = None  # a line with the source and the date
    summary: re.Pattern | None = None  # a line that is the site's generated summary
    header_noise: tuple[re.Pattern, ...] = ()
    clutter: tuple[re.Pattern, ...] = field(default=())


BITGET = SourceProfile(
    name="bitget",
    detect=re.compile(r"^\s*Bitget App\s*$|©\s*\d{4}\s*Bitget|bitget\.com", re.M | re.I),
    menu=(re.compile(r"^\s*Bitget App\s*$"), re.compile(r"^\s*交易「智」[變变]\s*$"),
          re.compile(r"^\s*(?:快速[買买]幣|市場|市场|交易|合約|合约|理財|理财|廣場|广场|更多){2,}\s*$")),
    # "MarsBitMarsBit2025/12/10 06:35": the source name twice, then the date.
    byline=re.compile(r"^\s*(?P<source>[^\d\s].{0,30}?)(?P=source)?\s*(?P<date>(?:19|20)\d{2}/\d{1,2}/\d{1,2}(?:\s+\d{1,2}:\d{2})?)\s*$"),
    summary=re.compile(r"摘要由\s*.{0,20}\s*生成"),
    header_noise=(re.compile(r"^\s*(?:顯示原文|显示原文|查看原文)\s*$"),),
    clutter=(re.compile(r"^\s*PoolX\s*[:：]"),),
)
GENERIC = SourceProfile(name="generic", detect=re.compile(r"$^"))
PROFILES = (BITGET,)


def pick_profile(text: str) -> SourceProfile:
    edges = text[:2000] + "\n" + text[-3000:]
    for profile in PROFILES:
        if profile.detect.search(edges):
            return profile
    return GENERIC


def normalize_date(value: str | None) -> str | None:
    if not value:
        return None
    match = _DATE.search(value)
    if not match:
        return None
    date = f"{int(match['y']):04d}-{int(match['m']):02d}-{int(match['d']):02d}"
    if match["H"]:
        date += f" {int(match['H']):02d}:{match['M']}"
    return date


def _is_body_paragraph(line: str) -> bool:
    return len(line.strip()) >= 40 and bool(_SENTENCE_MARK.search(line))


def _is_date_line(stripped: str) -> bool:
    """A dateline ("2025-12-10 06:35", "发布时间：2025年12月10日"), not a short sentence that holds a
    date ("美联储在2025年12月1日终止量化紧缩，…。"): the header would otherwise swallow that sentence."""
    match = _DATE.search(stripped) if len(stripped) <= 40 else None
    if not match:
        return False
    rest = stripped[:match.start()] + stripped[match.end():]
    return len(rest.strip()) <= 20 and not re.search(r"[。！？!?；;，,]", rest)


def _title_candidates(lines: list[str], profile: SourceProfile) -> str | None:
    counts = Counter(line.strip() for line in lines if line.strip())
    for line in lines:
        stripped = line.strip()
        if counts[stripped] > 1 and 4 <= len(stripped) <= 120 and not _IMAGE.search(stripped):
            return stripped
    for line in lines:
        stripped = line.strip()
        if (stripped and 4 <= len(stripped) <= 120 and not any(p.search(stripped) for p in profile.menu)
                and not _is_body_paragraph(stripped)):
            return stripped
    return None


def _is_clutter(stripped: str, title: str | None, profile: SourceProfile) -> bool:
    """A body line that is page furniture on its own: the title again, an image caption, a counter,
    a separator, a menu or a short advert."""
    return bool(stripped == title or _IMAGE.search(stripped) or _ONLY_NUMBER.match(stripped)
                or (stripped and _NO_WORD.match(stripped))
                or any(p.search(stripped) for p in profile.clutter + profile.menu)
                or (len(stripped) <= 40 and _AD.search(stripped)))


def _marker(stripped: str) -> str | None:
    """"heading" for a line that introduces a footer block, "inline" for a footer line complete in
    itself, None for any other line."""
    if _RELATED.match(stripped) or ((m := _DISCLAIMER.match(stripped)) and not m["rest"]):
        return "heading"
    if m or _COPYRIGHT.match(stripped) or _LINK_LABEL.match(stripped):
        return "inline"
    return None


def _link_label_url(lines: list[str]) -> str | None:
    """The address after a "原文链接" label, on its line or the next one."""
    for index, line in enumerate(lines):
        if m := _LINK_LABEL.match(line.strip()):
            found = _URL.search(m["url"] or "") or (index + 1 < len(lines) and _URL.search(lines[index + 1]))
            if found:
                return found.group(0)
    return None


def _footer_start(lines: list[str], is_clutter: Callable[[str], bool]) -> int:
    """Where the closing footer block begins (len(lines) when there is none).

    A footer starts at a marker line and runs to the end. It holds markers, clutter and short lines
    (headlines, bylines); longer paragraphs only after a heading marker ("相关文章" then the teasers
    of other articles). It must be smaller than the body before it, and when it holds paragraphs
    (which may be the article resuming after a "相关阅读" insert) a quarter of it at most (the
    Bitget/MarsBit footer is ~15%): a marker in the middle of an article never takes the body
    after it, that marker line alone is dropped. Linear: one backward pass, then the first marker
    that qualifies."""
    kinds = [_marker(line.strip()) for line in lines]
    weights = [0 if kind or is_clutter(line.strip()) else len(_SPACE.sub("", line))
               for line, kind in zip(lines, kinds)]
    paragraph = [bool(w) and _is_body_paragraph(line) for line, w in zip(lines, weights)]
    total, before = sum(weights), 0
    next_paragraph, next_heading = len(lines), len(lines)
    first_paragraph_after, first_heading_from = [0] * len(lines), [0] * len(lines)
    for index in range(len(lines) - 1, -1, -1):
        first_paragraph_after[index] = next_paragraph
        if paragraph[index]:
            next_paragraph = index
        if kinds[index] == "heading":
            next_heading = index
        first_heading_from[index] = next_heading
    for index, kind in enumerate(kinds):
        if kind:
            after = total - before
            covered = first_heading_from[index] < first_paragraph_after[index]
            has_paragraphs = first_paragraph_after[index] < len(lines)
            allowed = before // 4 if has_paragraphs else before
            if before and after <= allowed and (covered or not has_paragraphs):
                return index
        before += weights[index]
    return len(lines)


def clean(text: str, *, origin: str | None = None, title: str | None = None, url: str | None = None,
          source: str | None = None, author: str | None = None, published: str | None = None) -> Document:
    """Cleaned body (original script) and metadata from a page's text; keyword args are known values."""
    if not re.search(r"[\u4e00-\u9fff]|[A-Za-z]{2,}", text):
        raise IngestError("no Chinese or Latin text in the input", code="no_text")
    # NUL too: OpenCC stops at it, and the text after it would be stored but never searched.
    text = (text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").replace("\u200b", "")
            .replace("\x00", ""))
    lines = [line.rstrip() for line in text.split("\n")]
    profile = pick_profile(text)

    # Header: everything before the first real paragraph that is not a summary.
    header_end = 0
    for index, line in enumerate(lines[:60]):
        if _is_body_paragraph(line) and not (profile.summary and profile.summary.search(line)):
            header_end = index
            break
    else:
        header_end = min(len(lines), 60) if len(lines) > 60 else 0
    header = lines[:header_end]

    title = title or _title_candidates(header or lines[:5], profile)
    summary = None
    meta_end = -1
    for index, line in enumerate(header):
        stripped = line.strip()
        if not stripped:
            continue
        matched = False
        if any(p.search(stripped) for p in profile.menu + profile.header_noise) or stripped == title:
            matched = True
        elif profile.byline and (m := profile.byline.match(stripped)):
            source = source or m["source"].strip()
            published = published or normalize_date(m["date"])
            matched = True
        elif m := _AUTHOR.match(stripped):
            if not _NAV_WORDS.search(m["name"]):
                author = m["name"].strip()  # the last real byline wins over navigation labels
            matched = True
        elif m := _SOURCE.match(stripped):
            source = source or m["name"]
            matched = True
        elif profile.summary and profile.summary.search(stripped):
            summary = _AI_SUMMARY_TAIL.sub("", stripped).strip() or None
            matched = True
        elif not published and _is_date_line(stripped):
            published = normalize_date(stripped)
            matched = True
        if matched:
            meta_end = index
    # Lines before the last metadata line are header; a title-only header still ends after the title.
    if meta_end < 0 and title:
        for index, line in enumerate(lines[:max(header_end, 1)]):
            if line.strip() == title:
                meta_end = index
                break
    body_lines = lines[meta_end + 1:]

    raw_chars = sum(len(_SPACE.sub("", line)) for line in body_lines)
    url = url or _link_label_url(body_lines)
    is_clutter = partial(_is_clutter, title=title, profile=profile)
    kept: list[str] = []
    after_label = False
    for line in body_lines[:_footer_start(body_lines, is_clutter)]:
        stripped = line.strip()
        if _marker(stripped) or is_clutter(stripped) or (after_label and _URL.fullmatch(stripped)):
            after_label = bool(_LINK_LABEL.match(stripped))
            continue  # a marker or clutter line goes alone (a link label with its address line)
        after_label = False
        kept.append(line if stripped else "")
    # Strip trailing lone numbers/blank lines (like counters) and collapse blank runs.
    body: list[str] = []
    for line in kept:
        if not line.strip() and (not body or not body[-1].strip()):
            continue
        body.append(line)
    while body and not body[-1].strip():
        body.pop()
    body_text = "\n".join(body)
    if not body_text.strip():
        raise IngestError("no article text found after removing page clutter", code="clutter_only")
    if not title:
        first = body_text.strip().split("\n")[0]
        title = first[:40]
    return Document(title=title, body=body_text, source=source, author=author, published=published,
                    url=url, summary=summary, origin=origin, raw_chars=raw_chars)
