"""Text as residents type it → one canonical form the rules can match.

Full-width ASCII → half-width, traditional → simplified characters, chat placeholders and
@mentions removed, whitespace collapsed. Very long pastes are capped: the rules look at the
start of a message, where a resident states the problem.

Speed: this runs on every message, most of them chit-chat, so each step first checks
cheaply (in C) whether it has anything to do. Above all, zhconv walks the text character by
character in Python; we call it only when the text holds a character or word that its table
would change, which for simplified-Chinese chat is almost never.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import ahocorasick_rs
import zhconv
import zhconv.zhconv

MAX_CHARS = 1200

_PLACEHOLDER = re.compile(r"\[[\u4e00-\u9fa5a-z]{1,6}\]")  # [图片] [语音] [捂脸] ...
_MENTION = re.compile(r"@[\w\u4e00-\u9fa5]{1,20}")
_SPACES = re.compile(r"[ \t\u3000\xa0]+")
# Full-width ASCII forms → ASCII (３栋 → 3栋). NFKC of each is one ASCII character; NFKC of the
# whole text would also turn Chinese punctuation such as ，into ,, so only these are folded.
_HALF = {chr(c): unicodedata.normalize("NFKC", chr(c)) for c in range(0xFF01, 0xFF5F)}
_HALF_SET = frozenset(_HALF)


class _Watch:
    """What `normalize` looks for before it does any work, zhconv above all.

    zhconv replaces, at each position, the longest key of its table found there; text in which
    no key that changes (key ≠ value) occurs comes back as it went in. Nearly every such key
    holds a traditional character that is itself a changing key (體, 幾, 壞). The few hundred
    others (么子→幺子, 回覆→回复, 沈默→沉默, 都卜勒→多普勒) are filed under one character:
    the one that changes, or for renamed words the least common one (outside GB2312's first
    level if it has one), and the text is scanned for changing keys only when one of these
    watched characters is present.
    """

    def __init__(self) -> None:
        load_conversion_table()
        table: dict[str, str] = zhconv.zhconv.getdict("zh-cn")
        changing = {k: v for k, v in table.items() if k != v}
        self.traditional = frozenset(k for k in changing if len(k) == 1)
        filed: dict[str, list[str]] = {}
        for k, v in changing.items():
            if self.traditional.isdisjoint(k):
                changed = [a for a, b in zip(k, v, strict=True) if a != b] \
                    if len(k) == len(v) else list(k)
                filed.setdefault(min(changed, key=_commonness), []).append(k)
        self.watch = self.traditional | frozenset(filed)
        # The watched characters as a regex class, searched in C without making a string per
        # character; astral ones (a few hundred rare characters) would make the class slow, so
        # the class takes every character beyond the BMP (emoji mostly) as one range.
        bmp = "".join(re.escape(c) for c in sorted(self.watch) if ord(c) <= 0xFFFF)
        # Anything any step of `normalize` would act on: full-width forms, watched characters,
        # characters beyond the BMP, the starts of placeholders and mentions, spaces. Short
        # chit-chat ("收到", "哈哈哈哈") usually has none and skips every step but lower().
        self.anything = re.compile(
            f"[\\uff01-\\uff5e{bmp}\\[@ \\t\\u3000\\xa0\\U00010000-\\U0010ffff]")
        self.space_chars = frozenset(" \t\u3000\xa0")
        # Does any changing key occur, traditional character or filed word? One scan in C:
        # for a text whose watched characters are common ones (明, 大, 么 file 多明尼加,
        # 哥斯大黎加, 么子...), cheaper than a regex search per watched character.
        self.changes = ahocorasick_rs.AhoCorasick(
            [*sorted(self.traditional), *(k for keys in filed.values() for k in keys)],
            matchkind=ahocorasick_rs.MatchKind.Standard).find_matches_as_indexes


def _commonness(ch: str) -> int:
    """2 for GB2312's 3,755 everyday characters, 1 for its rarer level, 0 outside it."""
    try:
        b = ch.encode("gb2312")
    except UnicodeEncodeError:
        return 0
    return 2 if len(b) == 2 and 0xB0 <= b[0] <= 0xD7 else 1


_watch: list[_Watch] = []  # built on first use (not at import)


def load_conversion_table() -> None:
    """Load zhconv's table from its path ourselves: its own loader leaves the file open."""
    if zhconv.zhconv.zhcdicts is None:
        zhconv.zhconv.loaddict(str(Path(zhconv.__file__).with_name("zhcdict.json")))


def normalize(text: str | None) -> str:
    """The canonical form every rule is written for (see the module docstring)."""
    return normalize_keeping_halfwidth(text)[1]


def normalize_keeping_halfwidth(text: str | None) -> tuple[str, str]:
    """(text[:MAX_CHARS] with full-width ASCII forms folded, normalize(text)): the detector
    looks for place names in the first one, before traditional→simplified folding."""
    if not text:
        return "", ""
    try:
        watch = _watch[0]
    except IndexError:
        _watch.append(_Watch())
        watch = _watch[0]  # the first one made, if two threads raced
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS]
    # One scan in C lists every character any step would act on; the set of them tells which
    # steps have work (a watched character alone, as 么 in 什么, needs no step but a check).
    found = watch.anything.findall(text)
    if not found:
        return text, text.lower().strip()
    chars = set(found)
    if _HALF_SET.isdisjoint(chars):
        half = text
    else:
        half = text
        for ch in _HALF_SET.intersection(chars):
            half = half.replace(ch, _HALF[ch])
        # The characters of the half-width text that `anything` matches: the same, the
        # full-width ones replaced by their ASCII forms.
        chars = {_HALF.get(ch, ch) for ch in chars}
    # Would zhconv change anything? Only if a changing key occurs (its watched character
    # then does, so the scan is made only then).
    t = half
    if not watch.watch.isdisjoint(chars) and watch.changes(half):
        t = zhconv.convert(half, "zh-cn")
    if t is half and watch.space_chars.isdisjoint(chars) and "[" not in chars and \
            "@" not in chars:
        return half, half.lower().strip()  # only watched characters that zhconv keeps
    if "[" in t:
        t = _PLACEHOLDER.sub(" ", t)
    if "@" in t:
        t = _MENTION.sub(" ", t)
    t = _SPACES.sub(" ", t).lower()
    return half, t.strip()
