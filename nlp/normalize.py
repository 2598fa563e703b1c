"""Text as residents type it → one canonical form the rules are written in.

Full-width ASCII → half-width, traditional → simplified characters (zhconv), dialect
negations folded onto Mandarin (冇 → 没, 冒得 → 没得), a pinyin keyboard's slips on the
domain's words mended (点梯 → 电梯, 燃汽 → 燃气), chat placeholders and @mentions
removed (a Weibo repost chain, //@name:, read as 转发), whitespace collapsed, lower case. Very
long pastes are capped: the rules look at the start of a message, where a resident states the
problem.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import zhconv
import zhconv.zhconv

MAX_CHARS = 1200

_PLACEHOLDER = re.compile(r"\[[\u4e00-\u9fa5a-z]{1,6}\]")  # [图片] [语音] [捂脸] ...
# A Weibo repost chain ("…//@name: …"): what follows is someone else's post passed on. The rule
# language splits words at "/", so the chain is written as 转发, which the rules read as news
# passed on (shared.yaml, elsewhere).
_REPOST = re.compile(r"/+\s*@[\w\u4e00-\u9fa5-]{1,30}\s*[:：]?")
_MENTION = re.compile(r"@[\w\u4e00-\u9fa5]{1,20}")
_SPACES = re.compile(r"[ \t\u3000\xa0]+")
# Full-width ASCII forms → ASCII (３栋 → 3栋, ！→ !). NFKC of each is one ASCII character; NFKC
# of the whole text would also fold 。 and other Chinese punctuation, so only these are folded.
_HALF = {c: unicodedata.normalize("NFKC", chr(c)) for c in range(0xFF01, 0xFF5F)}
# Hunan and Cantonese chat writes "no" as 冇 or 冒得 ("冇人管", "冒得水"); the rules are
# written in Mandarin. 冒 alone stays: it is also 冒烟, 冒水 (冒人, 冒通 are 没人, 没通).
# Changsha chat ends a change with 哒 where Mandarin has 了 ("灯坏哒", "堵起哒"), and calls a
# child 伢子.
_DIALECT = (("冒得", "没得"), ("冒人", "没人"), ("冒通", "没通"), ("冒有", "没有"), ("冇", "没"),
            ("木有", "没有"), ("么子", "什么"), ("伢子", "孩子"))
_DA = re.compile(r"(?<=[\u4e00-\u9fa5])(?<!么)(?<!嘀)(?<!滴)(?<!哒)哒(?!哒)")
# A change said with a sentence-final 咯, 喽 or 啦 (灯坏咯, 电又停喽, 又没水啦) is 了; 咯 inside
# a clause stays (咯条路 is "this road" in Changsha, 咯噔 and 咯吱 are sounds).
_FINAL = re.compile(r"(?<=[\u4e00-\u9fa5])[咯喽啦](?=[\s,.!?~，。！？…]|$)")
# A pinyin keyboard's slips on the words complaints hang on: the same syllables, the wrong
# characters (点梯 for 电梯, 燃汽 for 燃气, 停点了 for 停电了). Only pairs that read as nothing
# else (然气 is inside 天然气); 物也 only where no character comes before it (食物也, 人物也
# stay). Slips the rule files already list as words (拉圾, 物叶, 下水到) stay there: a
# deployment's own copy of the rules must keep loading.
_SLIPS = (("点梯", "电梯"), ("店梯", "电梯"), ("燃汽", "燃气"), ("煤汽", "煤气"), ("暖汽", "暖气"),
          ("停点了", "停电了"), ("又停点", "又停电"))
_SLIP_CHARS = frozenset(old[0] for old, _ in _SLIPS)
_WUYE = re.compile(r"(?<![\u4e00-\u9fa5])物也")


_traditional: list[frozenset[str]] = []  # characters zhconv changes, filled on first use


def load_conversion_table() -> None:
    """Load zhconv's table from its path ourselves: its own loader leaves the file open."""
    if zhconv.zhconv.zhcdicts is None:
        zhconv.zhconv.loaddict(str(Path(zhconv.__file__).with_name("zhcdict.json")))


def _changing() -> frozenset[str]:
    """The single characters zhconv turns into others: zhconv walks a text in Python, so
    simplified text (nearly all chat) skips it."""
    if not _traditional:
        load_conversion_table()
        table = zhconv.zhconv.getdict("zh-cn")
        _traditional.append(frozenset(k for k, v in table.items() if len(k) == 1 and k != v))
    return _traditional[0]


def normalize(text: str | None) -> str:
    """The canonical form every rule is written for (see the module docstring)."""
    return normalize_keeping_halfwidth(text)[1]


def normalize_keeping_halfwidth(text: str | None) -> tuple[str, str]:
    """(text[:MAX_CHARS] with full-width ASCII folded, normalize(text)): place names are looked
    for in the first one, before traditional → simplified folding (乾源 is not 干源)."""
    if not text:
        return "", ""
    half = text[:MAX_CHARS].translate(_HALF)
    t = half if _changing().isdisjoint(half) else zhconv.convert(half, "zh-cn")
    for old, new in _DIALECT:
        if old in t:
            t = t.replace(old, new)
    if "哒" in t:
        t = _DA.sub("了", t)
    if not _SLIP_CHARS.isdisjoint(t):
        for old, new in _SLIPS:
            if old in t:
                t = t.replace(old, new)
    if "物也" in t:
        t = _WUYE.sub("物业", t)
    if "咯" in t or "喽" in t or "啦" in t:
        t = _FINAL.sub("了", t)
    if "[" in t:
        t = _PLACEHOLDER.sub(" ", t)
    if "@" in t:
        if "/@" in t or "/ @" in t:
            t = _REPOST.sub(" 转发:", t)
        t = _MENTION.sub(" ", t)
    return half, _SPACES.sub(" ", t).lower().strip()
